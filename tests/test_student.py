"""The student's loop, driven as a new user would: the real release, installed, in an empty folder."""

from __future__ import annotations

import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, copy_course

from grader.cli.student import main as course_main
from grader.course.config import load_course
from grader.student.release import ReleaseError, build_release


@pytest.fixture(scope="session")
def release(tmp_path_factory, course):
    out = tmp_path_factory.mktemp("release") / "course-release"
    build_release(course, out, check_answers=False)  # graded as answers in its own test
    return out


@pytest.fixture(scope="session")
def installed(release, tmp_path_factory):
    """The release's wheel installed with pip into its own folder (no build step)."""
    target = tmp_path_factory.mktemp("site")
    (wheel,) = release.glob("*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    return target


def course_cmd(installed: Path, *args: str, cwd: Path, timeout: float = 120, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(installed)}
    env.pop("COURSE_STUDENT", None)
    return subprocess.run([sys.executable, "-m", "grader.cli.student", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout, **kwargs)


def test_the_installed_release_runs_its_own_copy_with_its_bundled_course(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed)}
    out = subprocess.run([sys.executable, "-c", "import grader, grader.course.config as c; "
                          "print(grader.__file__); print(c.find_course_root())"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    module_file, course_root = out.stdout.split()
    assert module_file.startswith(str(installed))
    assert course_root == str(installed / "grader" / "_course")
    assert (installed / "bin" / "course").is_file()


def test_a_new_student_fetches_checks_fixes_submits_and_sees_progress(installed, course, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    fetched = course_cmd(installed, "fetch", "lesson3", cwd=work)
    assert fetched.returncode == 0, fetched.stderr
    assert (work / "lesson3" / "sgd.py").read_bytes() == course.stub_source(course.lesson("lesson3"))
    assert (work / "lesson3" / "notes.md").is_file() and (work / "lesson3" / "test_sgd.py").is_file()

    failing = course_cmd(installed, "check", "lesson3", cwd=work)
    assert failing.returncode == 1
    first = failing.stdout.splitlines()[2]
    assert first.startswith("✗ ")
    assert "not implemented yet" in failing.stdout
    assert "Stuck? course hint lesson3" in failing.stdout
    assert "Traceback" not in failing.stdout + failing.stderr

    solution = course.reference_source(course.lesson("lesson3"))
    (work / "lesson3" / "sgd.py").write_bytes(solution)
    passing = course_cmd(installed, "check", "lesson3", cwd=work)
    assert passing.returncode == 0, passing.stdout
    assert "public checks passed — hidden tests run at grading" in passing.stdout
    assert "all tests passed" not in passing.stdout.lower()

    exchange = tmp_path / "exchange"
    submitted = course_cmd(installed, "submit", "lesson3", "--student", "ada", "--out",
                           str(exchange), cwd=work)
    assert submitted.returncode == 0, submitted.stderr
    (archive,) = exchange.glob("ada__lesson3__*.zip")
    with zipfile.ZipFile(archive) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
        assert bundle.read("sgd.py") == solution
    assert manifest["student"] == "ada" and manifest["lesson"] == "lesson3"
    assert manifest["course"] == course.id
    assert manifest["files"] == {"sgd.py": hashlib.sha256(solution).hexdigest()}
    assert manifest["submitted_at"].endswith("Z")
    assert abs(time.time() - time.mktime(time.strptime(manifest["submitted_at"], "%Y-%m-%dT%H:%M:%SZ"))
               + time.timezone) < 300

    status = course_cmd(installed, "status", cwd=work)
    lines = status.stdout.splitlines()
    assert any(line.startswith("lesson3") and "submitted" in line for line in lines)
    assert any(line.startswith("lesson1") and "not fetched" in line for line in lines)
    total = len(course.lessons)
    assert lines[-1] == f"Progress: 1/{total} lessons submitted · 1/{total} pass their public checks"


def test_checking_from_inside_the_lesson_folder_needs_no_argument(installed, tmp_path):
    course_cmd(installed, "fetch", "lesson2", cwd=tmp_path)
    result = course_cmd(installed, "check", cwd=tmp_path / "lesson2")
    assert result.returncode == 1
    assert result.stdout.startswith("lesson2 · ")


def test_a_syntax_error_is_one_friendly_line_with_the_line_number(installed, tmp_path):
    course_cmd(installed, "fetch", "lesson2", cwd=tmp_path)
    (tmp_path / "lesson2" / "mse.py").write_text("import torch\n\ndef predict(x, w, b=0.0)\n    return x\n")
    result = course_cmd(installed, "check", "lesson2", cwd=tmp_path)
    assert result.returncode == 1
    assert "✗ mse.py has a syntax error at line 3 (expected ':')" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


# ---------------------------------------------------------------------- fetch never loses work


def test_fetching_again_keeps_an_edit_and_force_keeps_a_backup(tmp_path):
    runner = CliRunner()
    course_arg = ["--course", str(REPO), "--dir", str(tmp_path)]
    assert runner.invoke(course_main, ["fetch", "lesson2", *course_arg]).exit_code == 0
    module = tmp_path / "lesson2" / "mse.py"
    module.write_text(module.read_text() + "\n# my work\n")
    again = runner.invoke(course_main, ["fetch", "lesson2", *course_arg])
    assert again.exit_code == 0 and "kept your edited mse.py" in again.output
    assert module.read_text().endswith("# my work\n")
    forced = runner.invoke(course_main, ["fetch", "lesson2", "--force", *course_arg])
    assert forced.exit_code == 0
    (backup,) = (tmp_path / "lesson2").glob("mse.py.backup-*")
    assert backup.read_text().endswith("# my work\n")
    assert str(backup.name) in forced.output
    assert not module.read_text().endswith("# my work\n")


def test_submitting_an_untouched_stub_is_refused_unless_forced(tmp_path):
    runner = CliRunner()
    args = ["--course", str(REPO), "--dir", str(tmp_path)]
    runner.invoke(course_main, ["fetch", "lesson2", *args])
    refused = runner.invoke(course_main, ["submit", "lesson2", "--student", "bo", *args])
    assert refused.exit_code == 1
    assert "still the untouched exercise" in refused.output and "--force" in refused.output
    assert not (tmp_path / "submissions").exists()


def test_hints_come_in_order_and_are_remembered(tmp_path):
    runner = CliRunner()
    args = ["--course", str(REPO), "--dir", str(tmp_path)]
    runner.invoke(course_main, ["fetch", "lesson2", *args])
    first = runner.invoke(course_main, ["hint", "lesson2", "mse_grad", *args]).output
    second = runner.invoke(course_main, ["hint", "lesson2", "mse_grad", *args]).output
    assert first.startswith("Hint 1/3 for mse_grad: ")
    assert second.startswith("Hint 2/3 for mse_grad: ")
    unknown = runner.invoke(course_main, ["hint", "lesson2", "nope", *args])
    assert unknown.exit_code == 1 and "has no function 'nope'" in unknown.output


def test_commands_outside_a_fetched_lesson_explain_what_to_do(tmp_path):
    runner = CliRunner()
    result = runner.invoke(course_main, ["check", "--course", str(REPO), "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "name the lesson" in result.output
    result = runner.invoke(course_main, ["check", "lesson2", "--course", str(REPO),
                                         "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "run course fetch lesson2 first" in result.output
    result = runner.invoke(course_main, ["fetch", "lesson9", "--course", str(REPO),
                                         "--dir", str(tmp_path)])
    assert result.exit_code == 1 and "unknown lesson 'lesson9'" in result.output


# ---------------------------------------------------------------------- watch and plot


def test_watch_checks_again_after_a_save(installed, course, tmp_path):
    course_cmd(installed, "fetch", "lesson2", cwd=tmp_path)
    env = {**os.environ, "PYTHONPATH": str(installed)}
    # As from a terminal: a test run started in the background inherits SIGINT as ignored,
    # and Python then never turns Ctrl-C into KeyboardInterrupt.
    process = subprocess.Popen([sys.executable, "-m", "grader.cli.student", "check", "lesson2",
                                "--watch"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()

    def wait_for(text: str, count: int = 1, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if sum(text in line for line in list(lines)) >= count:
                return
            time.sleep(0.1)
        pytest.fail(f"no {text!r} after {seconds} s: {lines}")

    try:
        wait_for("Watching lesson2/mse.py (file events)")
        assert any(re.search(r"\b0/\d+ public checks passed", line) for line in lines)
        (tmp_path / "lesson2" / "mse.py").write_bytes(
            course.reference_source(course.lesson("lesson2")))
        wait_for("public checks passed — hidden tests run at grading")
        wait_for("Watching lesson2/mse.py", count=2)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            pytest.fail(f"--watch did not stop on Ctrl-C; it printed: {lines}")
        reader.join(timeout=5)
    assert any("Stopped watching." in line for line in lines)
    assert process.returncode == 0


def test_polling_notices_a_save_too(tmp_path):
    from grader.student.watch import FileWatcher

    target = tmp_path / "mse.py"
    target.write_text("a")
    watcher = FileWatcher(target, force_polling=True)
    assert watcher.mode == "polling"
    assert watcher.wait(timeout=0.5) is False
    threading.Timer(0.2, lambda: target.write_text("b")).start()
    assert watcher.wait(timeout=5) is True
    watcher.close()


@pytest.mark.parametrize("lesson_id", ["lesson2", "lesson3", "lesson4", "lesson5"])
def test_plot_writes_a_real_png(installed, course, tmp_path, lesson_id):
    import matplotlib.image

    lesson = course.lesson(lesson_id)
    course_cmd(installed, "fetch", lesson_id, cwd=tmp_path)
    (tmp_path / lesson_id / lesson.module).write_bytes(course.reference_source(lesson))
    result = course_cmd(installed, "check", lesson_id, "--plot", "picture.png", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "Plot written to picture.png" in result.stdout
    image = matplotlib.image.imread(tmp_path / "picture.png")
    assert image.shape[0] > 200 and image.shape[1] > 300
    assert image[..., :3].std() > 0.05  # not a blank canvas


# ---------------------------------------------------------------------- the release


def test_the_installed_release_speaks_chinese_and_ships_no_hidden_words(installed, course,
                                                                       tmp_path):
    """The wheel carries the compiled catalogs: a student's ``course --lang zh`` reads in
    Chinese; the lesson catalogs keep only messages public files use."""
    import gettext

    work = tmp_path / "work"
    work.mkdir()
    assert course_cmd(installed, "fetch", "lesson3", cwd=work).returncode == 0
    checked = course_cmd(installed, "--lang", "zh", "check", "lesson3", cwd=work)
    assert checked.returncode == 1
    assert "卡住了？试试 course hint lesson3" in checked.stdout
    assert "Stuck?" not in checked.stdout and "Traceback" not in checked.stderr
    shipped = installed / "grader" / "_course" / "locale" / "zh" / "LC_MESSAGES" / "lesson3.mo"
    with shipped.open("rb") as handle:
        ids = set(gettext.GNUTranslations(handle)._catalog)
    hidden = (course.hidden_suite_dir(course.lesson("lesson3")) / "test_sgd_hidden.py").read_text()
    public = (course.exercise_dir(course.lesson("lesson3")) / "test_sgd.py").read_text()
    only_hidden = [message for message in ids if message and message in hidden
                   and message not in public]
    assert not only_hidden
    assert any(message and message in public for message in ids)


def wheel_files(release: Path) -> dict[str, bytes]:
    """Every file the release's wheel installs, and its README."""
    (wheel,) = release.glob("*.whl")
    with zipfile.ZipFile(wheel) as bundle:
        files = {name: bundle.read(name) for name in bundle.namelist()}
    files["README.md"] = (release / "README.md").read_bytes()
    return files


def test_the_release_holds_no_solution_or_hidden_test_text(release, course):
    private = [course.solution_path(lesson) for lesson in course.lessons]
    private += [p for lesson in course.lessons for p in course.hidden_suite_dir(lesson).rglob("*.py")]
    files = wheel_files(release)
    names = {part for name in files for part in name.split("/")}
    assert "solutions" not in names and "hidden" not in names and "catalog" not in names
    release_text = "\n".join(data.decode(errors="ignore") for data in files.values())
    for path in private:
        for line in path.read_text().splitlines():
            stripped = line.strip()
            if len(stripped) > 60 and stripped not in course.stub_source(course.lessons[0]).decode():
                assert stripped not in release_text or _public(course, stripped), f"{path}: {stripped}"
    assert "seed" not in files["grader/_course/course.toml"].decode()


def test_the_wheel_holds_only_what_students_run(release):
    files = wheel_files(release)
    modules = {name for name in files if name.startswith("grader/") and name.endswith(".py")}
    for student_side in ("grader/cli/student.py", "grader/checks.py", "grader/runner/serve.py",
                         "grader/checker/plugin.py", "grader/engine/grading.py",
                         "grader/sandbox/host.py", "grader/student/workspace.py"):
        assert student_side in modules
    for instructor_only in ("grader/cli/instructor.py", "grader/engine/batch.py",
                            "grader/engine/validate.py", "grader/student/release.py",
                            "grader/reports/outputs.py"):
        assert instructor_only not in modules
    assert not any(name.startswith(("grader/jupyter/", "grader/intake/")) for name in files)
    info = next(name for name in files if name.endswith(".dist-info/METADATA"))
    requires = [line.removeprefix("Requires-Dist: ") for line in files[info].decode().splitlines()
                if line.startswith("Requires-Dist: ")]
    import tomllib

    assert requires == tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    entry_points = files[info.replace("METADATA", "entry_points.txt")].decode()
    assert "course = grader.cli.student:main" in entry_points
    readme = files["README.md"].decode()
    assert "torch --index-url https://download.pytorch.org/whl/cpu" in readme
    assert readme.index("--index-url") < readme.index("pip install torch_fundamentals_course")


def test_the_release_installs_from_its_wheel_in_a_fresh_venv_and_works(release, tmp_path):
    """No build step, no download: the wheel into a new venv whose torch (and the other
    dependencies) are already installed, then the commands a student runs first."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True,
                   timeout=120)
    site = next((venv / "lib").glob("python3*/site-packages"))
    import sysconfig

    (site / "already-installed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    (wheel,) = release.glob("*.whl")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"),
                    "install", "--no-deps", "--no-index", "--quiet", str(wheel)],
                   check=True, timeout=300)
    course = venv / "bin" / "course"
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    version = subprocess.run([str(course), "--version"], capture_output=True, text=True, env=env,
                             cwd=tmp_path, timeout=60)
    assert version.returncode == 0 and "course, version" in version.stdout, version.stderr
    listed = subprocess.run([str(course), "list"], capture_output=True, text=True, env=env,
                            cwd=tmp_path, timeout=60)
    assert listed.returncode == 0 and listed.stdout.startswith("lesson1"), listed.stderr
    subprocess.run([str(course), "fetch", "lesson2"], check=True, env=env, cwd=tmp_path, timeout=60)
    checked = subprocess.run([str(course), "check", "lesson2", "-v"], capture_output=True,
                             text=True, env=env, cwd=tmp_path, timeout=300)
    assert checked.returncode == 1 and "not implemented yet" in checked.stdout, checked.stderr
    assert "→ line " in checked.stdout  # -v shows the line of the student's file
    assert "Traceback" not in checked.stdout + checked.stderr


def _public(course, line: str) -> bool:
    """In an exercise folder, or in a stub (made from the master, shared with it on purpose)."""
    return any(line in p.read_text(errors="ignore")
               for lesson in course.lessons for p in course.exercise_dir(lesson).rglob("*")
               if p.suffix in (".py", ".md")) or any(
        line in course.stub_source(lesson).decode() for lesson in course.lessons)


@pytest.mark.parametrize("where", ["exercises/lesson2/helpers.py", "exercises/lesson2/notes.md"])
def test_a_release_that_would_leak_is_refused_and_not_written(tmp_path, where):
    root = copy_course(tmp_path / "course", ["lesson2"])
    solution = (root / "solutions" / "lesson2" / "mse.py").read_text()
    hidden = (root / "tests" / "hidden" / "lesson2" / "test_mse_hidden.py").read_text()
    leaked = solution if where.endswith(".py") else "Try this:\n" + hidden.split("def dw_mistakes")[1][:400]
    (root / where).write_text(leaked)
    out = tmp_path / "release"
    with pytest.raises(ReleaseError, match="refusing to write a release that leaks"):
        build_release(load_course(root), out)
    assert not out.exists()


@pytest.mark.parametrize("where", ["helper", "hint"])
def test_a_release_whose_helper_or_hint_is_an_answer_is_refused(tmp_path, where):
    """Not copied text, but an answer in other words: found by grading it."""
    root = copy_course(tmp_path / "course", ["lesson2"])
    if where == "helper":  # mse in other words, in a released helper module
        (root / "exercises" / "lesson2" / "shortcuts.py").write_text(
            "import torch\n\n\ndef mean_sq(a, b):\n    if tuple(a.shape) != tuple(b.shape):\n"
            "        raise ValueError('different shapes')\n    d = a.detach() - b.detach()\n"
            "    return (d * d).sum() / d.numel()\n")
    else:
        (root / "hints.toml").write_text(
            '[lesson2]\nmse = ["Write `if y_hat.shape != y.shape: raise ValueError(\'shapes\')'
            '\\nreturn ((y_hat - y) ** 2).mean()`"]\n')
    with pytest.raises(ReleaseError, match="a complete mse: it passes every hidden test"):
        build_release(load_course(root), tmp_path / "release")
    assert not (tmp_path / "release").exists()


def test_release_refuses_a_folder_that_is_not_empty(tmp_path, course):
    (tmp_path / "keep.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="not empty"):
        build_release(course, tmp_path)
    assert (tmp_path / "keep.txt").read_text() == "mine"


# ---------------------------------------------------------------------- the student's day


def test_the_hint_goes_to_the_function_that_fails_not_one_whose_name_it_starts(installed, course,
                                                                               tmp_path):
    course_cmd(installed, "fetch", "lesson2", cwd=tmp_path)
    reference = course.reference_source(course.lesson("lesson2")).decode()
    broken = reference.replace("dw = 2 * (x * residual).mean()", "dw = (x * residual).mean()")
    assert broken != reference
    (tmp_path / "lesson2" / "mse.py").write_text(broken)
    checked = course_cmd(installed, "check", "lesson2", cwd=tmp_path)
    assert "Stuck? course hint lesson2 mse_grad" in checked.stdout, checked.stdout
    hinted = course_cmd(installed, "hint", "lesson2", cwd=tmp_path)
    assert hinted.stdout.startswith("Hint 1/") and "for mse_grad:" in hinted.stdout


def test_checking_a_named_lesson_from_inside_its_own_folder(installed, tmp_path):
    course_cmd(installed, "fetch", "lesson2", cwd=tmp_path)
    result = course_cmd(installed, "check", "lesson2", cwd=tmp_path / "lesson2")
    assert result.returncode == 1 and result.stdout.startswith("lesson2 · "), result.stderr
    assert "does not exist" not in result.stdout + result.stderr


def test_verbose_shows_the_line_of_the_students_file_and_what_it_printed(installed, tmp_path):
    course_cmd(installed, "fetch", "lesson2", cwd=tmp_path)
    (tmp_path / "lesson2" / "mse.py").write_text(
        "import torch\n\n\ndef predict(x, w, b=0.0):\n    print('predicting', x.shape)\n"
        "    return x.undefined_method()\n")
    plain = course_cmd(installed, "check", "lesson2", cwd=tmp_path)
    assert "→ line" not in plain.stdout and "Your code printed" not in plain.stdout
    verbose = course_cmd(installed, "check", "lesson2", "-v", "--all", cwd=tmp_path)
    assert "→ line 6: return x.undefined_method()" in verbose.stdout, verbose.stdout
    assert "Your code printed:" in verbose.stdout and "predicting" in verbose.stdout
    assert verbose.stdout.count("✗ ") > 1  # --all: every failing check
    assert "course check --all shows them" in plain.stdout


def test_colour_only_on_a_terminal():
    from click.testing import CliRunner

    runner = CliRunner()
    piped = runner.invoke(course_main, ["list"], color=False)
    coloured = runner.invoke(course_main, ["check", "lesson1", "--dir", "/nonexistent"], color=True)
    assert "\x1b[" not in piped.output
    assert coloured.exit_code != 0 and "Traceback" not in coloured.output


def test_list_reset_and_no_more_hints(installed, tmp_path):
    listed = course_cmd(installed, "list", cwd=tmp_path)
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()][:2] == ["lesson1", "lesson2"]
    course_cmd(installed, "fetch", "lesson2", cwd=tmp_path)
    module = tmp_path / "lesson2" / "mse.py"
    stub = module.read_text()
    module.write_text(stub + "\n# my work\n")
    reset = course_cmd(installed, "reset", "lesson2", cwd=tmp_path)
    assert reset.returncode == 0 and "is the untouched exercise again" in reset.stdout
    assert module.read_text() == stub
    (backup,) = module.parent.glob("mse.py.backup-*")
    assert backup.read_text().endswith("# my work\n")
    seen = [course_cmd(installed, "hint", "lesson2", "mse", cwd=tmp_path).stdout
            for _ in range(6)]
    assert "(that was the last hint)" in "".join(seen)
    assert seen[-1].startswith("No more hints for mse: you have seen all")


def test_a_submission_is_remembered_after_later_edits_and_submit_remembers_who(installed,
                                                                               course, tmp_path):
    course_cmd(installed, "fetch", "lesson2", cwd=tmp_path)
    exchange = tmp_path / "exchange"
    refused = course_cmd(installed, "submit", "lesson2", "--student", "ada", "--out",
                         str(exchange), cwd=tmp_path)
    assert refused.returncode == 1 and "untouched exercise" in refused.stderr
    module = tmp_path / "lesson2" / "mse.py"
    module.write_bytes(course.reference_source(course.lesson("lesson2")))
    submitted = course_cmd(installed, "submit", "lesson2", cwd=tmp_path)  # ada, exchange kept
    assert submitted.returncode == 0, submitted.stderr
    assert "Next: course submit" not in submitted.stdout
    assert submitted.stdout.index("Submitted lesson2 as ada") < submitted.stdout.index("Progress")
    assert list(exchange.glob("ada__lesson2__*.zip"))
    module.write_text(module.read_text() + "\n# later\n")
    status = course_cmd(installed, "status", cwd=tmp_path)
    assert any(line.startswith("lesson2") and "submitted, edited since" in line
               for line in status.stdout.splitlines())
    assert status.stdout.strip().endswith("1/6 lessons submitted · 0/6 pass their public checks")


def test_submit_help_says_where_archives_go(installed, tmp_path):
    shown = course_cmd(installed, "submit", "--help", cwd=tmp_path)
    assert "default: submissions/ in your workspace" in " ".join(shown.stdout.split())


def test_shell_completion_completes_lesson_ids(installed, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(installed), "_COURSE_COMPLETE": "bash_complete",
           "COMP_WORDS": "course check less", "COMP_CWORD": "2"}
    done = subprocess.run([str(installed / "bin" / "course")], env=env, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert "plain,lesson1" in done.stdout and "plain,lesson6" in done.stdout, done.stdout
