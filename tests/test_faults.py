"""The fault matrix of `grader batch` and `grader collect`: each fault made for real.

A full disk is a tmpfs of a few kilobytes, a read-only folder a read-only mount, a damaged
gradebook garbage bytes, half a file or another program's SQLite database, a crash a SIGKILL
at a chosen moment, a lost cluster a Dask scheduler killed mid-batch. For every case: no
traceback, one line that says what is wrong and what to do, the documented exit code (see
docs/operations.md), every output as it was or complete (never half), and a rerun after the
fault is fixed that equals a clean run.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import copy_course

from grader.cli.instructor import main as grader_main
from grader.course.config import load_course
from grader.course.results import LessonResult
from grader.engine.batch import GRADEBOOK
from grader.engine.outfolder import LOCK_FILE

GRADER = [sys.executable, "-m", "grader.cli.instructor"]
NFD_ZOE = unicodedata.normalize("NFD", "zoë")
STUDENTS = ["ada", "ben", "cy", "dee", "eli", "fay", "gus", "hal", "ivy", "jo", "kai", "lou",
            "zoë", "李明"]
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")


# ---------------------------------------------------------------------- a class, its clean run


@pytest.fixture(scope="module")
def course_root(tmp_path_factory) -> Path:
    return copy_course(tmp_path_factory.mktemp("faults-course"), ["lesson2"])


def sources(course_root: Path) -> dict[str, bytes]:
    """The base class: correct, wrong, stub, empty and binary submissions, non-ASCII names."""
    course = load_course(course_root)
    reference = course.reference_source(course.lesson("lesson2"))
    summed = reference.replace(b"dw = 2 * (x * residual).mean()", b"dw = 2 * (x * residual).sum()")
    assert summed != reference
    stub = course.stub_source(course.lesson("lesson2"))
    special = {"ben": summed, "cy": stub, "dee": b"", "eli": bytes(range(256)) * 8,
               "李明": summed + b"\n# \xe6\x9d\x8e\n"}
    return {student: special.get(student, reference + f"\n# {student}\n".encode())
            for student in STUDENTS}


def build_class(course_root: Path, folder: Path, changed: dict[str, bytes] | None = None) -> Path:
    for student, source in {**sources(course_root), **(changed or {})}.items():
        (folder / student / "lesson2").mkdir(parents=True)
        (folder / student / "lesson2" / "mse.py").write_bytes(source)
    (folder / "README.md").write_text("the class, as grader collect wrote it\n")
    return folder


def v2_change(course_root: Path) -> dict[str, bytes]:
    """The class a day later: ben fixed his mistake (totals, charts and feedback change)."""
    course = load_course(course_root)
    return {"ben": course.reference_source(course.lesson("lesson2")) + b"\n# fixed\n"}


@pytest.fixture(scope="module")
def class_v1(course_root, tmp_path_factory) -> Path:
    return build_class(course_root, tmp_path_factory.mktemp("class-v1"))


@pytest.fixture(scope="module")
def class_v2(course_root, tmp_path_factory) -> Path:
    return build_class(course_root, tmp_path_factory.mktemp("class-v2"), v2_change(course_root))


@pytest.fixture(scope="module")
def clean_v1(course_root, class_v1, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean-v1") / "out"
    assert_ran(batch(class_v1, out, course_root))
    return out


@pytest.fixture(scope="module")
def clean_v2(course_root, class_v2, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("clean-v2") / "out"
    assert_ran(batch(class_v2, out, course_root))
    return out


# ---------------------------------------------------------------------- running and judging


def grader(*args, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*GRADER, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)


def batch(class_dir: Path, out: Path, course_root: Path, *extra) -> subprocess.CompletedProcess:
    return grader("batch", class_dir, "--out", out, "--course", course_root, *extra)


def start_batch(class_dir: Path, out: Path, course_root: Path, *extra) -> subprocess.Popen:
    return subprocess.Popen([*GRADER, "batch", str(class_dir), "--out", str(out), "--course",
                             str(course_root), *map(str, extra)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)


def assert_ran(result: subprocess.CompletedProcess, code: int = 0) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    assert result.returncode == code, result.stdout + result.stderr


def assert_fault(result: subprocess.CompletedProcess, code: int, *words: str) -> str:
    """One 'Error:' line holding ``words``, the exit code, and no traceback anywhere."""
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.stderr
    for word in words:
        assert word in errors[0], errors[0]
    assert result.returncode == code, result.stdout + result.stderr
    return errors[0]


def output_files(out: Path) -> dict[str, bytes]:
    """Every report file in OUT (the gradebook database, the lock and staging aside), with
    the per-run timing taken out of results.json."""
    files = {}
    for path in sorted(out.rglob("*")):
        relative = path.relative_to(out)
        if path.is_dir() or relative.parts[0].startswith((GRADEBOOK, LOCK_FILE, ".staging-")):
            continue
        data = path.read_bytes()
        if path.suffix == ".json":
            report = json.loads(data)
            report.pop("execution_time", None)
            data = json.dumps(report, sort_keys=True).encode()
        files[relative.as_posix()] = data
    return files


def gradebook_rows(out: Path) -> set[tuple]:
    with contextlib.closing(sqlite3.connect(out / GRADEBOOK)) as db:
        rows = db.execute("SELECT student, lesson, submission_sha, suite_sha, result "
                          "FROM results").fetchall()
    return {(*row[:4], LessonResult.from_dict(json.loads(row[4])).score) for row in rows}


def assert_same_as_clean(out: Path, clean: Path, *, history: bool = False) -> None:
    """OUT holds exactly what a clean run writes; with ``history``, its gradebook may also
    keep results of submissions that were replaced since (they are keyed by content)."""
    assert output_files(out) == output_files(clean)
    rows, clean_rows = gradebook_rows(out), gradebook_rows(clean)
    assert clean_rows <= rows if history else rows == clean_rows
    leftovers = [p.name for p in out.iterdir() if p.name.startswith((".staging-", LOCK_FILE))]
    assert not leftovers


def csv_rows(out: Path) -> dict[str, dict]:
    text = (out / "gradebook.csv").read_text()
    return {row["student"]: row for row in csv.DictReader(io.StringIO(text))}


def results_count(out: Path) -> int:
    """How many results the gradebook holds now (read-only: never creates the file)."""
    if not (out / GRADEBOOK).exists():
        return 0
    try:
        uri = f"{(out / GRADEBOOK).as_uri()}?mode=ro"
        with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=1)) as db:
            return db.execute("SELECT count(*) FROM results").fetchone()[0]
    except sqlite3.Error:
        return 0


@contextlib.contextmanager
def tmpfs(folder: Path, kib: int):
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kib}k", "tmpfs", str(folder)], check=True)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def remount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


def used_kib(folder: Path) -> int:
    stats = os.statvfs(folder)
    return (stats.f_blocks - stats.f_bfree) * stats.f_frsize // 1024


def wait_for(condition, process: subprocess.Popen, seconds: float = 300) -> bool:
    """Poll ``condition`` until it holds (True) or the process ended first (False)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return bool(condition())
        time.sleep(0.005)
    raise AssertionError("the condition never held")


# ---------------------------------------------------------------------- the class folder


def test_every_odd_entry_of_a_class_folder_is_named_and_none_is_dropped(
        course_root, class_v1, clean_v1, tmp_path):
    """Non-ASCII ids are graded; what cannot be graded gets a line saying what was expected."""
    odd = build_class(course_root, tmp_path / "class")
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "fay-lesson2").mkdir(parents=True)
    shutil.move(odd / "fay" / "lesson2" / "mse.py", elsewhere / "fay-lesson2" / "mse.py")
    (odd / "fay" / "lesson2").rmdir()
    (odd / "fay" / "lesson2").symlink_to(elsewhere / "fay-lesson2")          # a linked lesson
    (odd / "gus" / "lesson2" / "mse.py").rename(odd / "gus" / "lesson2" / "MSE.py")  # wrong name
    shutil.move(odd / "hal", elsewhere / "hal")
    (odd / "hal").symlink_to(elsewhere / "hal")                              # a linked student
    (odd / "ivy" / "lesson2").rename(odd / "ivy" / "Lesson_2")               # a near-miss folder
    (odd / "jo" / "lesson2" / "mse.py").rename(odd / "jo" / "mse.py")        # no lesson folder
    (odd / "jo" / "lesson2").rmdir()
    kai = odd / "kai" / "lesson2" / "mse.py"
    kai.unlink()
    os.mkfifo(kai)                                                           # not a file
    (odd / "lou").rename(odd / "lou smith")                                  # not an id
    (odd / NFD_ZOE / "lesson2").mkdir(parents=True)                          # zoë, twice
    (odd / NFD_ZOE / "lesson2" / "mse.py").write_bytes(b"def mse(a, b):\n    return 0\n")
    latin1 = os.path.join(os.fsencode(odd), b"ren\xe9e", b"lesson2")          # not UTF-8
    os.makedirs(latin1)
    Path(os.fsdecode(latin1), "mse.py").write_bytes(b"x = 1\n")
    out = tmp_path / "out"

    result = batch(odd, out, course_root)

    assert_ran(result, 7)
    not_graded = {line.split(":")[1].strip(): line for line in result.stdout.splitlines()
                  if line.startswith("  not graded: ")}
    assert set(not_graded) == {"fay lesson2", "gus lesson2", "hal lesson2", "ivy lesson2",
                               "jo lesson2", "kai lesson2", "lou smith lesson2", "zoë lesson2",
                               "ren\\udce9e lesson2"}
    assert "no mse.py in gus/lesson2 (it holds MSE.py)" in not_graded["gus lesson2"]
    assert "found ivy/Lesson_2, expected ivy/lesson2" in not_graded["ivy lesson2"]
    assert "move it to jo/lesson2/mse.py" in not_graded["jo lesson2"]
    assert "symbolic link" in not_graded["hal lesson2"] and "symbolic link" in not_graded["fay lesson2"]
    assert "not a regular file" in not_graded["kai lesson2"]
    assert "rename it, for example to lou_smith" in not_graded["lou smith lesson2"]
    assert "'zoe\\u0308' and 'zoë'" in not_graded["zoë lesson2"]
    assert "for example to renée" in not_graded["ren\\udce9e lesson2"]
    assert "ignored (not a submission): README.md (not a folder)" in result.stdout
    rows = csv_rows(out)
    assert rows["李明"]["lesson2_status"] == "on time" and float(rows["李明"]["lesson2"]) > 0
    assert rows["dee"]["lesson2"] == rows["eli"]["lesson2"] == "0"  # empty, binary: graded 0
    assert "mse.py has no function mse" in (out / "feedback/dee.md").read_text()
    assert "mse.py has a syntax error" in (out / "feedback/eli.md").read_text()
    for student in ("fay", "gus", "hal", "ivy", "jo", "kai", "zoë"):
        assert rows[student]["lesson2_status"] == "could not be graded"
    summary = (out / "report/summary.md").read_text()
    for key in not_graded:
        assert f"- {key}:" in summary
    assert (out / "feedback/李明.md").is_file() and (out / "results/李明/lesson2.json").is_file()

    kai.unlink()
    shutil.rmtree(odd)
    build_class(course_root, odd)                                            # the fixes
    assert_ran(batch(odd, out, course_root))
    assert_same_as_clean(out, clean_v1)


def test_an_empty_class_folder_or_an_out_that_is_a_file_is_one_line(
        course_root, class_v1, clean_v1, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = batch(empty, tmp_path / "out", course_root)
    assert_fault(result, 1, f"nothing to grade in {empty}: it is empty",
                 "expected", "/<student>/<lesson>/<module>", "ada/lesson2/mse.py")
    assert not (tmp_path / "out").exists()
    (empty / "notes.txt").write_text("x")
    assert_fault(batch(empty, tmp_path / "out", course_root), 1,
                 "holds no student folder, only notes.txt")

    a_file = tmp_path / "grades"
    a_file.write_text("keep me")
    assert_fault(batch(class_v1, a_file, course_root), 1, f"--out {a_file} is a file")
    assert a_file.read_text() == "keep me"

    out = tmp_path / "fixed"  # the fix: a folder (here, last week's run of the same class)
    shutil.copytree(clean_v1, out)
    assert_ran(batch(class_v1, out, course_root))
    assert_same_as_clean(out, clean_v1)


def test_a_course_lesson_whose_module_file_is_missing_is_one_line(
        course_root, class_v1, clean_v1, tmp_path):
    config = course_root / "course.toml"
    text = config.read_text()
    out = tmp_path / "out"
    shutil.copytree(clean_v1, out)
    try:
        config.write_text(text.replace('module = "mse.py"', 'module = "mse_v2.py"'))
        assert_fault(batch(class_v1, out, course_root), 1, "course.toml", "mse_v2.py")
    finally:
        config.write_text(text)
    assert output_files(out) == output_files(clean_v1)
    assert_ran(batch(class_v1, out, course_root))
    assert_same_as_clean(out, clean_v1)


def test_a_preload_that_cannot_be_imported_is_one_line_naming_it(course_root, class_v1, tmp_path):
    config = course_root / "course.toml"
    text = config.read_text()
    try:
        config.write_text(text.replace('preload = []', 'preload = ["torch._dynamoo"]', 1))
        assert_fault(batch(class_v1, tmp_path / "out", course_root), 1, "preload",
                     "torch._dynamoo")
    finally:
        config.write_text(text)


# ---------------------------------------------------------------------- the gradebook


def garbage(path: Path) -> None:
    path.write_bytes(os.urandom(8192))


def truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def foreign(path: Path) -> None:
    path.unlink()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute("CREATE TABLE results (id INTEGER PRIMARY KEY, grade REAL)")
        db.execute("INSERT INTO results (grade) VALUES (3.5)")
        db.commit()


@pytest.mark.parametrize(("damage", "words"), [
    (garbage, "is damaged (file is not a database)"),
    (truncated, "is damaged (database disk image is malformed"),
    (foreign, "is not a gradebook of grader batch (it holds results)"),
])
def test_a_damaged_or_foreign_gradebook_is_refused_and_left_as_it_is(
        course_root, class_v1, clean_v1, tmp_path, damage, words):
    out = tmp_path / "out"
    shutil.copytree(clean_v1, out)
    book = out / GRADEBOOK
    damage(book)
    damaged = book.read_bytes()
    reports = output_files(out)

    line = assert_fault(batch(class_v1, out, course_root), 5, str(book), words)

    assert "move" in line and "run the same command again" in line
    assert book.read_bytes() == damaged
    assert output_files(out) == reports
    book.rename(out / "gradebook.sqlite.damaged")  # the fix the line names
    assert_ran(batch(class_v1, out, course_root))
    assert_same_as_clean(out, clean_v1)


# ---------------------------------------------------------------------- the output folder


@needs_root
def test_a_full_disk_while_grading_keeps_what_was_saved(course_root, class_v1, clean_v1, tmp_path):
    with tmpfs(tmp_path / "disk", 64) as disk:
        out = disk / "grades"
        line = assert_fault(batch(class_v1, out, course_root), 6, f"the disk holding {out}",
                            "is full", "Free some space", "run the same command again")
        assert "every report is as it was" in line
        assert not (out / "gradebook.csv").exists() and not (out / "report").exists()
        remount(disk, "size=16m")  # the fix: more space
        assert_ran(batch(class_v1, out, course_root))
        assert_same_as_clean(out, clean_v1)


@needs_root
@pytest.mark.parametrize(("room_kib", "words"), [
    (48, "results saved before are kept"),  # full while saving the new result
    (128, "nothing was lost"),              # full while writing the reports
])
def test_a_disk_that_fills_up_mid_run_changes_no_report(
        course_root, class_v2, clean_v1, clean_v2, tmp_path, room_kib, words):
    with tmpfs(tmp_path / "disk", 16 * 1024) as disk:
        out = disk / "grades"
        shutil.copytree(clean_v1, out)  # last week's run; since then ben fixed his mistake
        before = output_files(out)
        remount(disk, f"size={used_kib(disk) + room_kib}k")

        assert_fault(batch(class_v2, out, course_root), 6, f"the disk holding {out} is full",
                     words, "every report is as it was before this run")

        assert output_files(out) == before
        assert not list(out.glob(".staging-*"))
        remount(disk, "size=16m")
        assert_ran(batch(class_v2, out, course_root))
        assert_same_as_clean(out, clean_v2, history=True)


@needs_root
def test_a_read_only_output_folder_is_one_line_and_nothing_changes(
        course_root, class_v2, clean_v1, clean_v2, tmp_path):
    with tmpfs(tmp_path / "disk", 16 * 1024) as disk:
        out = disk / "grades"
        shutil.copytree(clean_v1, out)
        before = output_files(out)
        remount(disk, "ro")
        assert_fault(batch(class_v2, out, course_root), 6, f"{out} is on a read-only file system",
                     "nothing was graded", "read-write")
        assert output_files(out) == before
        remount(disk, "rw")
        assert_ran(batch(class_v2, out, course_root))
        assert_same_as_clean(out, clean_v2, history=True)


# ---------------------------------------------------------------------- killed, twice, lost


def canary_left(course_root: Path) -> bool:
    return any(course_root.glob(".grader-canary-*"))


def wait_until_reaped(course_root: Path) -> None:
    """Until the killed checkers are gone for good (an instructor reruns seconds later, not
    while init has yet to reap them: a zombie still counts as the canary's live owner)."""
    pids = {path.name.split("-")[2] for path in course_root.glob(".grader-canary-*")}
    deadline = time.monotonic() + 60
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)


@pytest.mark.parametrize("moment", ["sandbox self-test", "grading", "writing the reports"])
def test_a_batch_killed_at_any_moment_resumes_to_a_clean_run(
        course_root, class_v1, class_v2, clean_v1, clean_v2, tmp_path, moment):
    out = tmp_path / "out"
    if moment == "writing the reports":  # last week's run is there, and the class changed
        shutil.copytree(clean_v1, out)
        before, class_dir, clean = output_files(clean_v1), class_v2, clean_v2
    else:
        before, class_dir, clean = {}, class_v1, clean_v1
    after = output_files(clean)
    reached = {"sandbox self-test": lambda: canary_left(course_root),
               "grading": lambda: results_count(out) >= 6,
               "writing the reports": lambda: any(out.glob(".staging-*"))}[moment]
    process = start_batch(class_dir, out, course_root, "--workers", "1")
    try:
        assert wait_for(reached, process), f"the batch ended before {moment}"
        os.killpg(process.pid, signal.SIGKILL)
    finally:
        process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL
    if moment == "sandbox self-test":
        assert canary_left(course_root)  # what a killed self-test leaves; the next run clears it
        wait_until_reaped(course_root)
    if moment == "grading":
        assert 6 <= results_count(out) < len(STUDENTS)
    for name, data in output_files(out).items():  # each report is the old or the new, whole
        assert data in (before.get(name), after.get(name)), name

    rerun = batch(class_dir, out, course_root)

    assert_ran(rerun)
    assert "Resuming the run that was stopped (pid " in rerun.stderr
    assert not canary_left(course_root)
    assert_same_as_clean(out, clean, history=moment == "writing the reports")


def test_a_second_batch_on_the_same_folder_is_refused_naming_the_first(
        course_root, class_v1, clean_v1, tmp_path):
    out = tmp_path / "out"
    first = start_batch(class_v1, out, course_root)
    try:
        assert wait_for(lambda: f'"pid": {first.pid}' in _read(out / LOCK_FILE), first)
        # In this process, so that it surely starts while the first one runs.
        invoked = CliRunner().invoke(grader_main, ["batch", str(class_v1), "--out", str(out),
                                                   "--course", str(course_root)])
        second = subprocess.CompletedProcess([], invoked.exit_code, invoked.stdout,
                                             invoked.stderr)
    finally:
        stdout, stderr = first.communicate(timeout=600)
    assert_fault(second, 4, f"{out} is in use by another grader batch (pid {first.pid} on ",
                 ", started 20", "wait for it to finish")
    assert first.returncode == 0 and "Traceback" not in stderr, stderr
    assert_same_as_clean(out, clean_v1)  # the first run, whole; the second touched nothing


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


CLUSTER = """
import sys, time
from dask.distributed import LocalCluster
if __name__ == "__main__":
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                           host="127.0.0.1", dashboard_address=None)
    print(cluster.scheduler_address, flush=True)
    time.sleep(600)
"""


def test_a_dask_scheduler_that_dies_mid_batch_is_one_line(course_root, class_v1, clean_v1, tmp_path):
    script = tmp_path / "cluster.py"
    script.write_text(CLUSTER)
    cluster = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    out = tmp_path / "out"
    try:
        address = cluster.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:")
        process = start_batch(class_v1, out, course_root, "--scheduler", address)
        assert wait_for(lambda: results_count(out) >= 1, process), "the batch ended first"
        os.killpg(cluster.pid, signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=300)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(cluster.pid, signal.SIGKILL)
        cluster.wait()
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert_fault(result, 1, f"the Dask scheduler at {address} stopped answering",
                 "kept in the gradebook", "run the same command again")
    assert results_count(out) < len(STUDENTS)
    assert not output_files(out)  # no report was written from a batch that did not finish
    assert_ran(batch(class_v1, out, course_root))  # the fix: grade on this machine
    assert_same_as_clean(out, clean_v1)


def test_a_submission_that_vanishes_mid_batch_is_graded_from_what_was_read(
        course_root, class_v1, clean_v1, tmp_path):
    class_dir = tmp_path / "class"
    shutil.copytree(class_v1, class_dir)
    last = class_dir / "李明" / "lesson2" / "mse.py"  # graded in the last chunk
    kept = last.read_bytes()
    out = tmp_path / "out"
    process = start_batch(class_dir, out, course_root, "--workers", "1")
    try:
        assert wait_for(lambda: results_count(out) >= 1, process), "the batch ended first"
        last.unlink()
    finally:
        stdout, stderr = process.communicate(timeout=600)
    assert_ran(subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr))
    assert float(csv_rows(out)["李明"]["lesson2"]) > 0  # graded from the bytes read at the start
    last.write_bytes(kept)  # the fix: the file is back
    assert_ran(batch(class_dir, out, course_root))
    assert_same_as_clean(out, clean_v1)


# ---------------------------------------------------------------------- grader collect


def lms_zip(course_root: Path, path: Path, extra: dict[str, bytes] | None = None) -> Path:
    with zipfile.ZipFile(path, "w") as bundle:
        for student, source in {**{f"{s}/mse.py": b for s, b in sources(course_root).items()},
                                **(extra or {})}.items():
            bundle.writestr(zipfile.ZipInfo(student, (2026, 12, 11, 20, 0, 0)), source)
        bundle.writestr(zipfile.ZipInfo("readme.txt", (2026, 12, 11, 20, 0, 0)), b"hello")
    return path


def collect(source: Path, out: Path, course_root: Path) -> subprocess.CompletedProcess:
    return grader("collect", source, "--out", out, "--course", course_root, timeout=120)


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def collected(course_root, tmp_path_factory) -> tuple[Path, Path]:
    """An LMS bulk download and the class folder a clean collect makes of it."""
    folder = tmp_path_factory.mktemp("lms")
    bulk = lms_zip(course_root, folder / "bulk.zip")
    assert_ran(collect(bulk, folder / "class", course_root))
    return bulk, folder / "class"


def test_collect_names_every_hand_in_it_rejects(course_root, collected, tmp_path):
    bulk, clean = collected
    odd = lms_zip(course_root, tmp_path / "odd.zip", {
        f"{NFD_ZOE}/mse.py": b"x = 1\n",   # zoë again, spelt the other way
        "kim/MSE.py": b"x = 1\n",          # a wrong file name
    })
    out = tmp_path / "class"

    result = collect(odd, out, course_root)

    assert_ran(result, 7)
    rejected = [line for line in result.stdout.splitlines() if line.startswith("  rejected ")]
    assert len(rejected) == 3, result.stdout
    assert any("kim: no lesson module in it (it holds MSE.py; expected one of mse.py)" in line
               for line in rejected)
    assert sum("'zoe\\u0308' and 'zoë', are the same name zoë" in line for line in rejected) == 2
    assert "  ignored odd.zip:readme.txt: not a student's folder, file or archive" in result.stdout
    assert (out / "李明" / "lesson2" / "mse.py").is_file() and not (out / "zoë").exists()
    assert_ran(collect(bulk, out, course_root))  # the fix: the download without the odd hand-ins
    shutil.rmtree(out / "kim", ignore_errors=True)
    assert tree(out) == tree(clean)


def notebook(source: str) -> str:
    """An nbgrader notebook whose solution cell holds ``source``."""
    cell = {"cell_type": "code", "execution_count": None, "outputs": [], "source": source,
            "metadata": {"nbgrader": {"solution": True, "grade": False, "grade_id": "answer",
                                      "locked": False, "schema_version": 3}}}
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]})


def test_collect_reports_malformed_notebooks_and_keeps_the_rest(course_root, tmp_path):
    def hand_in(folder: Path, texts: dict[str, str]) -> Path:
        for student, text in texts.items():
            (folder / student / "lesson2").mkdir(parents=True, exist_ok=True)
            (folder / student / "lesson2" / "lesson2.ipynb").write_text(text)
        return folder

    good = {"ada": notebook("def mse(a, b):\n    return ((a - b) ** 2).mean()\n"),
            "ben": notebook("def predict(x, w, b=0.0):\n    return x * w + b\n"),
            "cy": notebook("x = 1\n")}
    submitted = hand_in(tmp_path / "submitted", {**good, "ada": "{not json",
                                                 "ben": json.dumps({"cells": "nope"})})
    out = tmp_path / "class"
    result = collect(submitted, out, course_root)
    assert_ran(result, 7)
    assert "rejected ada/lesson2/lesson2.ipynb: not a notebook (not JSON)" in result.stdout
    assert "rejected ben/lesson2/lesson2.ipynb:" in result.stdout
    assert (out / "cy/lesson2/mse.py").read_text() == "x = 1\n"
    hand_in(submitted, good)  # the fix: the students' real notebooks
    assert_ran(collect(submitted, out, course_root))
    assert_ran(collect(hand_in(tmp_path / "clean", good), tmp_path / "clean-class", course_root))
    assert tree(out) == tree(tmp_path / "clean-class")


@needs_root
def test_collect_into_a_full_or_read_only_folder_changes_nothing(course_root, collected, tmp_path):
    bulk, clean = collected
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me")
    assert_fault(collect(bulk, a_file, course_root), 1, f"--out {a_file} is a file")
    with tmpfs(tmp_path / "disk", 32) as disk:
        out = disk / "class"
        assert_fault(collect(bulk, out, course_root), 6, f"the disk holding {out} is full",
                     "nothing in it was changed")
        assert not tree(out)
        remount(disk, "ro")
        assert_fault(collect(bulk, disk / "other", course_root), 6, "read-only file system")
        remount(disk, "rw,size=16m")
        assert_ran(collect(bulk, out, course_root))
        assert tree(out) == tree(clean)
