"""Grading a class: collect, batch, the gradebook, the outputs, resuming, and a Dask cluster."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import REPO, copy_course

from grader.course.config import load_course
from grader.engine.batch import GRADEBOOK, class_results, grade_class
from grader.intake.collect import collect
from grader.reports.outputs import write_outputs as write_report_files
from grader.student.workspace import Workspace

GRADESCOPE_TOP = {"score", "max_score", "execution_time", "output", "visibility",
                  "stdout_visibility", "extra_data", "tests", "leaderboard", "lesson"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output",
                   "output_format", "tags", "visibility", "extra_data"}


def write_outputs(course, lessons, found, out, summary):
    """What `grader batch` writes after grading: every output from the gradebook."""
    return write_report_files(course, lessons, found.students,
                              class_results(course, lessons, found, out, summary.suites), out,
                              summary.failed)


@pytest.fixture(scope="module")
def small_course(tmp_path_factory):
    """lesson2 with a due date and a late policy."""
    root = copy_course(tmp_path_factory.mktemp("class-course"), ["lesson2"])
    text = (root / "course.toml").read_text().replace(
        'module = "mse.py"', 'module = "mse.py"\ndue = 2026-12-11T23:59:00Z')
    text += "\n[late]\ngrace_minutes = 15\npenalty_per_day = 0.1\nmax_days_late = 7\n"
    (root / "course.toml").write_text(text)
    hints = (REPO / "hints.toml").read_text()
    (root / "hints.toml").write_text("[lesson2]" + hints.split("[lesson2]")[1].split("\n[")[0])
    return load_course(root)


def put(folder: Path, student: str, source: bytes, when: str | None) -> None:
    target = folder / student / "lesson2"
    target.mkdir(parents=True, exist_ok=True)
    (target / "mse.py").write_bytes(source)
    if when:
        (target / "submission.json").write_text(json.dumps({"submitted_at": when}))


@pytest.fixture(scope="module")
def classroom(small_course, tmp_path_factory):
    root = tmp_path_factory.mktemp("submissions")
    reference = small_course.reference_source(small_course.lesson("lesson2"))
    summed = reference.replace(b"dw = 2 * (x * residual).mean()", b"dw = 2 * (x * residual).sum()")
    put(root, "ada", reference, "2026-12-11T20:00:00Z")
    put(root, "ben", summed, "2026-12-11T20:00:00Z")
    put(root, "cy", reference, "2026-12-13T10:00:00Z")  # 2 started days late
    put(root, "di", small_course.stub_source(small_course.lesson("lesson2")), None)
    put(root, "ed", reference, "2026-12-12T00:05:00Z")  # within the grace
    (root / "notes.txt").write_text("not a student")
    return root


@pytest.fixture(scope="module")
def graded(small_course, classroom, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    lessons = list(small_course.lessons)
    found, summary = grade_class(small_course, classroom, out, lessons=lessons, workers=2)
    write_outputs(small_course, lessons, found, out, summary)
    return out, found, summary


def rows_of(out: Path) -> dict[str, dict]:
    return {row["student"]: row for row in csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))}


def test_the_gradebook_scores_each_student_with_late_penalties(graded):
    out, found, summary = graded
    assert summary.jobs == 5 and summary.graded == 5 and not summary.failed
    assert found.ignored == [("notes.txt", "not a folder")]
    rows = rows_of(out)
    assert rows["ada"]["lesson2"] == "10" and rows["ada"]["lesson2_status"] == "on time"
    assert 0 < float(rows["ben"]["lesson2"]) < 10
    assert rows["cy"]["lesson2"] == "8" and rows["cy"]["lesson2_late_penalty"] == "2"
    assert rows["cy"]["lesson2_status"] == "2 days late, 20% of the lesson's points off"
    assert rows["di"]["lesson2"] == "0"
    assert rows["ed"]["lesson2"] == "10" and "grace" in rows["ed"]["lesson2_status"]
    assert rows["cy"]["total"] == "8"


def test_results_are_gradescope_shaped(graded):
    out, *_ = graded
    for path in (out / "results").glob("*/lesson2.json"):
        data = json.loads(path.read_text())
        assert set(data) <= GRADESCOPE_TOP and {"score", "tests"} <= set(data)
        assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
        for test in data["tests"]:
            assert set(test) <= GRADESCOPE_TEST
            assert test["status"] in ("passed", "failed")
    late = json.loads((out / "results/cy/lesson2.json").read_text())
    assert "Late: 2 days late, 20% of the lesson's points off" in late["output"]


def test_feedback_names_the_mistake_and_never_shows_hidden_inputs(graded, small_course):
    out, *_ = graded
    ben = (out / "feedback/ben.md").read_text()
    assert "a sum where a mean belongs" in ben
    assert "Hints:" in ben and "`mse_grad`" in ben
    hidden_source = (small_course.root / "tests/hidden/lesson2/test_mse_hidden.py").read_text()
    for line in hidden_source.splitlines():
        if len(line.strip()) > 40:
            assert line.strip() not in ben
    assert "2 days late, 20% of the lesson's points off" in (out / "feedback/cy.md").read_text()


def test_the_report_has_real_charts_and_a_summary(graded):
    import matplotlib.image

    out, *_ = graded
    for chart in ("scores.png", "pass_rates.png"):
        image = matplotlib.image.imread(out / "report" / chart)
        assert image.shape[0] > 200 and image[..., :3].std() > 0.02
    summary = (out / "report/summary.md").read_text()
    assert "- Students: 5; submissions: 5" in summary
    assert "## What to reteach" in summary and "a sum where a mean belongs" in summary


def test_rerunning_an_unchanged_class_regrades_nothing(graded, small_course, classroom):
    out, _, _ = graded
    before = (out / "gradebook.csv").read_bytes()
    found, summary = grade_class(small_course, classroom, out, lessons=list(small_course.lessons))
    assert (summary.graded, summary.cached) == (0, 5)
    write_outputs(small_course, list(small_course.lessons), found, out, summary)
    assert (out / "gradebook.csv").read_bytes() == before


def test_changing_one_submission_regrades_exactly_that_one(small_course, classroom, tmp_path):
    import shutil

    out = tmp_path / "out"
    copy = tmp_path / "class"
    shutil.copytree(classroom, copy)
    lessons = list(small_course.lessons)
    grade_class(small_course, copy, out, lessons=lessons)
    module = copy / "ben" / "lesson2" / "mse.py"
    module.write_bytes(module.read_bytes() + b"\n# fixed later\n")
    _, summary = grade_class(small_course, copy, out, lessons=lessons)
    assert (summary.graded, summary.cached) == (1, 4)


def test_one_bad_submission_never_stops_the_batch(small_course, classroom, tmp_path):
    import shutil

    copy = tmp_path / "class"
    shutil.copytree(classroom, copy)
    (copy / "zed" / "lesson2").mkdir(parents=True)
    (copy / "zed" / "lesson2" / "mse.py").symlink_to("/etc/hostname")
    (copy / "yan" / "lesson2").mkdir(parents=True)
    (copy / "yan" / "lesson2" / "mse.py").write_bytes(b"#" * (2 * 1024 * 1024))
    found, summary = grade_class(small_course, copy, tmp_path / "out", lessons=list(small_course.lessons))
    assert summary.graded == 5
    assert sorted((s, why) for s, _, why in summary.failed) == [
        ("yan", "larger than 1048576 bytes"), ("zed", "not a regular file")]
    write_outputs(small_course, list(small_course.lessons), found, tmp_path / "out", summary)
    rows = rows_of(tmp_path / "out")
    assert rows["zed"]["lesson2_status"] == "could not be graded"
    assert "zed lesson2: not a regular file" in (tmp_path / "out/report/summary.md").read_text()


def batch_command(*args):
    return [sys.executable, "-m", "grader.cli.instructor", "batch", *args]


def test_a_batch_killed_mid_run_resumes_to_the_same_gradebook(tmp_path):
    course = load_course(REPO)
    source = REPO / "examples" / "class"
    lessons = "lesson2,lesson5"
    clean = subprocess.run(batch_command(str(source), "--out", str(tmp_path / "clean"), "--lessons",
                                         lessons, "--workers", "2"),
                           capture_output=True, text=True, timeout=900)
    assert clean.returncode == 0, clean.stderr
    killed_out = tmp_path / "killed"
    process = subprocess.Popen(batch_command(str(source), "--out", str(killed_out), "--lessons",
                                             lessons, "--workers", "2"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            with sqlite3.connect(killed_out / GRADEBOOK) as db:
                if db.execute("SELECT count(*) FROM results").fetchone()[0] >= 6:
                    break
        except sqlite3.Error:
            pass
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    with sqlite3.connect(killed_out / GRADEBOOK) as db:
        partial = db.execute("SELECT count(*) FROM results").fetchone()[0]
    assert 6 <= partial
    assert not (killed_out / "gradebook.csv").exists()
    resumed = subprocess.run(batch_command(str(source), "--out", str(killed_out), "--lessons",
                                           lessons, "--workers", "2"),
                             capture_output=True, text=True, timeout=900)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{partial} already graded" in resumed.stdout
    assert (killed_out / "gradebook.csv").read_text() == (tmp_path / "clean" / "gradebook.csv").read_text()
    assert course.lesson("lesson2")


def test_a_dask_local_cluster_grades_like_the_local_pool(small_course, classroom, graded, tmp_path):
    from dask.distributed import LocalCluster

    out_local, *_ = graded
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        found, summary = grade_class(small_course, classroom, tmp_path / "dask",
                                     lessons=list(small_course.lessons),
                                     scheduler=cluster.scheduler_address)
    assert summary.graded == 5 and not summary.failed
    write_outputs(small_course, list(small_course.lessons), found, tmp_path / "dask", summary)
    assert (tmp_path / "dask" / "gradebook.csv").read_text() == (out_local / "gradebook.csv").read_text()
    for path in (out_local / "results").glob("*/lesson2.json"):
        local = json.loads(path.read_text())
        remote = json.loads((tmp_path / "dask" / "results" / path.parent.name / path.name).read_text())
        assert [(t["name"], t["status"]) for t in local["tests"]] == \
               [(t["name"], t["status"]) for t in remote["tests"]]


def test_an_unreachable_scheduler_is_one_clear_error(tmp_path, classroom, small_course):
    result = subprocess.run(batch_command(str(classroom), "--out", str(tmp_path / "o"),
                                          "--scheduler", "tcp://127.0.0.1:9", "--course",
                                          str(small_course.root)),
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "no Dask scheduler answers at tcp://127.0.0.1:9" in result.stderr


# ---------------------------------------------------------------------- collect


def submit(course, student: str, source: bytes, exchange: Path) -> Path:
    work = exchange.parent / f"ws-{student}"
    workspace = Workspace(work, course)
    lesson = course.lesson("lesson2")
    workspace.fetch(lesson)
    workspace.module_path(lesson).write_bytes(source)
    return workspace.write_submission(lesson, student, exchange)


def test_collect_from_the_exchange_keeps_the_latest_and_rejects_what_does_not_verify(small_course, tmp_path):
    exchange = tmp_path / "exchange"
    first = submit(small_course, "ada", b"x = 1\n", exchange)
    time.sleep(1.1)
    submit(small_course, "ada", b"x = 2\n", exchange)
    submit(small_course, "ben", b"y = 1\n", exchange)
    tampered = exchange / "cy__lesson2__20261211T100000Z.zip"
    with zipfile.ZipFile(first) as original, zipfile.ZipFile(tampered, "w") as copy:
        manifest = json.loads(original.read("manifest.json"))
        manifest["student"] = "cy"
        copy.writestr("manifest.json", json.dumps(manifest))
        copy.writestr("mse.py", b"x = 'changed after hashing'\n")
    escaping = exchange / "dan__lesson2__20261211T100000Z.zip"
    with zipfile.ZipFile(escaping, "w") as bundle:
        bundle.writestr("../../escaped.py", b"x")
    out = tmp_path / "submissions"
    report = collect(small_course, exchange, out)
    assert report.kind == "exchange folder"
    assert sorted(h.student for h in report.kept) == ["ada", "ben"]
    assert report.superseded == 1
    assert (out / "ada/lesson2/mse.py").read_bytes() == b"x = 2\n"
    meta = json.loads((out / "ada/lesson2/submission.json").read_text())
    assert meta["submitted_at"].endswith("Z") and len(meta["sha256"]) == 64
    reasons = dict(report.rejected)
    assert "does not match its sha256" in reasons[tampered.name]
    assert "climbs out" in reasons[escaping.name]
    assert not (tmp_path / "escaped.py").exists() and not (exchange.parent.parent / "escaped.py").exists()


def test_collect_from_an_lms_bulk_download(small_course, tmp_path):
    bulk = tmp_path / "bulk.zip"
    exchange = tmp_path / "exchange"
    archive = submit(small_course, "cy", b"z = 3\n", exchange)
    with zipfile.ZipFile(bulk, "w") as bundle:
        bundle.writestr(zipfile.ZipInfo("ada/mse.py", (2026, 12, 11, 22, 0, 0)), b"a = 1\n")
        bundle.writestr(zipfile.ZipInfo("ben__mse.py", (2026, 12, 13, 9, 0, 0)), b"b = 1\n")
        bundle.write(archive, "cy.zip")
        bundle.writestr("readme.txt", b"hello")
    report = collect(small_course, bulk, tmp_path / "subs")
    assert report.kind == "LMS bulk download"
    assert sorted(h.student for h in report.kept) == ["ada", "ben", "cy"]
    meta = json.loads((tmp_path / "subs/ben/lesson2/submission.json").read_text())
    assert meta["submitted_at"] == "2026-12-13T09:00:00Z"
    assert not report.rejected
    assert report.ignored == [("bulk.zip:readme.txt", "not a student's folder, file or archive")]


def test_collect_from_nbgrader_submitted(small_course, tmp_path):
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": ["# notes"]},
        {"cell_type": "code", "metadata": {"nbgrader": {"solution": True, "grade": False,
                                                        "grade_id": "predict", "locked": False,
                                                        "schema_version": 3}},
         "source": ["def predict(x, w, b=0.0):\n", "    return x * w + b\n"], "outputs": [],
         "execution_count": None},
        {"cell_type": "code", "metadata": {"nbgrader": {"solution": False, "grade": True,
                                                        "grade_id": "t", "locked": True,
                                                        "points": 1, "schema_version": 3}},
         "source": ["assert True"], "outputs": [], "execution_count": None},
    ]}
    folder = tmp_path / "submitted" / "ada" / "lesson2"
    folder.mkdir(parents=True)
    (folder / "lesson2.ipynb").write_text(json.dumps(notebook))
    (folder / "timestamp.txt").write_text("2026-12-11 20:15:00.123456 UTC")
    report = collect(small_course, tmp_path / "submitted", tmp_path / "subs")
    assert report.kind == "nbgrader submitted/ folder"
    assert (tmp_path / "subs/ada/lesson2/mse.py").read_text() == (
        "def predict(x, w, b=0.0):\n    return x * w + b\n")
    meta = json.loads((tmp_path / "subs/ada/lesson2/submission.json").read_text())
    assert meta["submitted_at"] == "2026-12-11T20:15:00.123456Z"


def test_collect_says_what_it_cannot_read(small_course, tmp_path):
    result = subprocess.run([sys.executable, "-m", "grader.cli.instructor", "collect", str(tmp_path),
                             "--out", str(tmp_path / "o"), "--course", str(small_course.root)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "is neither an exchange folder, an LMS zip nor nbgrader's submitted/ folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_output_folder_inside_the_class_is_not_a_student(small_course, classroom, tmp_path):
    import shutil

    copy = tmp_path / "class"
    shutil.copytree(classroom, copy)
    found, _ = grade_class(small_course, copy, copy / "grades", lessons=list(small_course.lessons))
    assert "grades" not in found.students and len(found.students) == 5
