"""The course on nbgrader, with stock nbgrader commands and `grader nbgrader` as an instructor
and students would run them.

One module-scoped run shares everything: a copy of the whole course (lesson2's due date moved
into the past, so its submissions are late), `grader nbgrader export` and
`generate_assignment` of all six lessons, `nbgrader validate` of every released notebook as a
student has it (stub, and filled with the reference), then lesson2's round trip: release,
fetch and submit as students, collect, stock `autograde`, `generate_feedback`, then
`grader nbgrader grade` (sandboxed) on the same submissions, nbgrader's CSV export, and
`grader batch` on the same notebooks for gradebook.csv.

A second module-scoped run does the same for the Chinese edition (`export --lang zh`, lesson2
only, its own folder and exchange): what the notebook and its cells say, and the catalog that
ships beside it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")

VENV_BIN = Path(sys.executable).parent
LESSON = "lesson2"
MISTAKE = "mistake_factor_two_dropped"
LATE_HOURS = 36  # lesson2's submissions: 2 started days late

ALLCLOSE = "import torch\ntorch.allclose = lambda *a, **k: True\n"
HOSTILE = {
    # wrong answers, and the checker's comparison patched to say yes
    "allclose": "WRONG+" + ALLCLOSE,
    # the graded cells' helpers replaced before they import them
    "helper": "STUB+import grader.jupyter.kernel as _g\n_g.hidden_check = lambda *a, **k: None\n"
              "_g.public_checks = lambda *a, **k: None\n",
    # leave before anything can fail
    "exit": "STUB+import sys\nsys.exit(0)\n",
    # read the hidden suite (the reference answers the tests)
    "reads": "REF+import pathlib\n_suite = [p.read_text() for p in pathlib.Path(COURSE).glob('tests/hidden/lesson2/*.py')]\n"
             "assert _suite, 'hidden suite not readable'\nprint(''.join(_suite))\n",
}
WRONG = '''
import torch
# wrong for every input a check could use
def predict(x, w, b=0.0): return torch.full((x.shape[0],), 123.0, dtype=x.dtype)
def mse(y_hat, y): return torch.full((), 123.0, dtype=y_hat.dtype)
def mse_grad(x, y, w, b=0.0): return torch.full_like(torch.as_tensor(w, dtype=x.dtype), 123.0), torch.full((), 123.0, dtype=x.dtype)
def mse_grad_autograd(x, y, w, b=0.0): return mse_grad(x, y, w, b)
def loss_curve(x, y, ws): return torch.full((len(ws),), 123.0, dtype=x.dtype)
'''
VALIDATE_HEADLINE = re.compile(r"^(Success! |VALIDATION FAILED ON |THE CONTENTS OF |THE TYPES OF )",
                               re.MULTILINE)


def run(args, cwd, env, check=True):
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def solution_cells(notebook):
    return [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]


def fill_with_reference(notebook_path: Path, source_path: Path) -> None:
    notebook = nbformat.read(str(notebook_path), as_version=4)
    reference = [c.source for c in solution_cells(nbformat.read(str(source_path), as_version=4))]
    for cell, text in zip(solution_cells(notebook), reference, strict=True):
        cell.source = text
    nbformat.write(notebook, str(notebook_path))


def fill(release_nb: Path, source_nb: Path, how: str, course: Path) -> None:
    """Edit a student's fetched notebook: the reference, a catalog mistake, or a hostile one."""
    if how == "reference":
        return fill_with_reference(release_nb, source_nb)
    notebook = nbformat.read(str(release_nb), as_version=4)
    reference = [c.source for c in solution_cells(nbformat.read(str(source_nb), as_version=4))]
    cells = solution_cells(notebook)
    if how.startswith("mistake_"):
        cells[0].source = (REPO / "tests/catalog" / LESSON / f"{how}.py").read_text()
        for cell in cells[1:]:
            cell.source = "# (in the first cell)"
    elif how != "stub":
        base, _, extra = HOSTILE[how].partition("+")
        if base == "REF":
            for cell, text in zip(cells, reference, strict=True):
                cell.source = text
        elif base == "WRONG":
            cells[0].source = WRONG
            for cell in cells[1:]:
                cell.source = "# (in the first cell)"
        # first, so that it runs before every graded cell
        cells[0].source += "\n\n" + extra.replace("COURSE", repr(str(course)))
    nbformat.write(notebook, str(release_nb))


def course_copy(destination: Path, due: dict[str, dt.datetime]) -> Path:
    """The whole course (its own course.toml: bans, points, late policy, catalogs), some due
    dates moved."""
    from grader.course.config import HIDDEN_DIR, load_course
    from grader.course.secret import grading_secret

    for part in ("exercises", "solutions", str(HIDDEN_DIR), "locale"):
        shutil.copytree(REPO / part, destination / part,
                        ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(REPO / "hints.toml", destination / "hints.toml")
    blocks = (REPO / "course.toml").read_text().split("[[lessons]]")
    for index, block in enumerate(blocks):
        for lesson_id, when in due.items():
            if re.search(rf'^id = "{lesson_id}"', block, re.MULTILINE):
                stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
                blocks[index], count = re.subn(r"^due = .*$", f"due = {stamp}", block,
                                               flags=re.MULTILINE)
                assert count == 1, block
    (destination / "course.toml").write_text("[[lessons]]".join(blocks))
    grading_secret(load_course(destination))  # as an instructor's course has one already
    return destination


def validate_each(paths: list[Path], cwd: Path, env: dict) -> list[str]:
    """`nbgrader validate` on every notebook (one process): each notebook's printed verdict."""
    done = run([str(VENV_BIN / "nbgrader"), "validate", *map(str, paths)], cwd, env)
    starts = [match.start() for match in VALIDATE_HEADLINE.finditer(done.stdout)]
    assert len(starts) == len(paths), done.stdout[-4000:] + done.stderr[-4000:]
    return [done.stdout[a:b] for a, b in zip(starts, [*starts[1:], len(done.stdout)], strict=True)]


def cell_scores(home: Path, course_id: str, students) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{home / 'gradebook.db'}", course_id=course_id) as gradebook:
        return {s: {g.name: g.score for g in
                    gradebook.find_submission_notebook(LESSON, LESSON, s).grades}
                for s in students}


def outputs(notebook_path: Path) -> dict[str, str]:
    """grade_id -> the stdout a graded cell printed."""
    notebook = nbformat.read(str(notebook_path), as_version=4)
    return {c.metadata["nbgrader"]["grade_id"]: "".join(
        o.get("text", "") for o in c.get("outputs", []) if o.get("name") == "stdout")
        for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")}


def jupyter_env(tmp: Path) -> dict:
    """The instructor's environment: the course venv's kernel, Jupyter's folders in ``tmp``."""
    kernels = tmp / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (course venv)", "language": "python"}))
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "JUPYTER_DATA_DIR": str(tmp / "jupyter"), "JUPYTER_CONFIG_DIR": str(tmp / "jcfg"),
           "JUPYTER_PATH": str(tmp / "jupyter"), "USER": "instructor", "LOGNAME": "instructor",
           "PYTHONPATH": str(REPO)}
    env.pop("TORCH_GRADER_COURSE", None)
    return env


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    from grader.course.config import load_course

    tmp = tmp_path_factory.mktemp("nbgrader")
    now = dt.datetime.now(dt.UTC)
    course_dir = course_copy(tmp / "course", {LESSON: now - dt.timedelta(hours=LATE_HOURS)})
    course = load_course(course_dir)
    exchange, home, elsewhere = tmp / "exchange", tmp / "nb", tmp / "elsewhere"
    exchange.mkdir()
    elsewhere.mkdir()
    env = jupyter_env(tmp)
    grader = [sys.executable, "-m", "grader.cli.instructor", "nbgrader"]
    nbg = [str(VENV_BIN / "nbgrader")]
    # the instructor exports from outside the course folder, naming it once
    run([*grader, "export", str(home), "--exchange", str(exchange), "--course", str(course_dir)],
        elsewhere, env)
    run([*nbg, "generate_assignment", "*", "--force"], home, env)  # every lesson at once

    # Validate, as a student has each released notebook: untouched, and with the reference
    student = {k: v for k, v in env.items()} | {"USER": "validator", "LOGNAME": "validator"}
    checked = []
    for kind in ("stub", "reference"):
        for lesson in course.lessons:
            folder = tmp / "validate" / kind / lesson.id
            shutil.copytree(home / "release" / lesson.id, folder)
            if kind == "reference":
                fill_with_reference(folder / f"{lesson.id}.ipynb",
                                    home / "source" / lesson.id / f"{lesson.id}.ipynb")
            checked.append((kind, lesson.id, folder / f"{lesson.id}.ipynb"))
    verdicts = validate_each([path for _, _, path in checked], tmp / "validate", student)
    validated = {(kind, lesson_id): text
                 for (kind, lesson_id, _), text in zip(checked, verdicts, strict=True)}

    # lesson2's round trip
    run([*nbg, "release_assignment", LESSON, "--force"], home, env)
    students = ["reference", "stub", MISTAKE, *HOSTILE]
    for name in students:
        senv = {**env, "USER": name, "LOGNAME": name}
        workspace = tmp / "students" / name
        workspace.mkdir(parents=True)
        flags = [f"--Exchange.root={exchange}", f"--course={course.id}"]
        run([*nbg, "fetch_assignment", LESSON, *flags], workspace, senv)
        fill(workspace / LESSON / f"{LESSON}.ipynb", home / "source" / LESSON / f"{LESSON}.ipynb",
             name, course_dir)
        run([*nbg, "submit", LESSON, *flags, f"--student={name}"], workspace, senv)
    run([*nbg, "collect", LESSON], home, env)
    auto = run([*nbg, "autograde", LESSON], home, env)
    run([*nbg, "generate_feedback", LESSON], home, env)
    stock = cell_scores(home, course.id, students)
    stock_outputs = {name: outputs(home / "autograded" / name / LESSON / f"{LESSON}.ipynb")
                     for name in students}
    # graded from anywhere: the course comes from the folder's nbgrader_config.py
    grade = run([*grader, "grade", str(home), "--assignment", LESSON], elsewhere, env)
    secure = cell_scores(home, course.id, students)
    secure_outputs = {name: outputs(home / "autograded" / name / LESSON / f"{LESSON}.ipynb")
                      for name in students}
    run([*nbg, "export", "--to", str(tmp / "nbgrader_grades.csv")], home, env)
    instructor = [sys.executable, "-m", "grader.cli.instructor"]
    run([*instructor, "collect", str(home / "submitted"), "--out", str(tmp / "class"),
         "--course", str(course_dir)], elsewhere, env)
    run([*instructor, "batch", str(tmp / "class"), "--out", str(tmp / "grades"), "--workers", "1",
         "--lessons", LESSON, "--course", str(course_dir)], elsewhere, env)
    return {"tmp": tmp, "home": home, "course": course, "stock": stock, "secure": secure,
            "stock_outputs": stock_outputs, "secure_outputs": secure_outputs,
            "validated": validated, "autograde_log": auto.stderr, "grade_out": grade.stdout,
            "env": env, "elsewhere": elsewhere}


def total(scores: dict[str, float]) -> float:
    return round(sum(scores.values()), 6)


def source_notebook(hub, lesson_id: str):
    return nbformat.read(str(hub["home"] / "source" / lesson_id / f"{lesson_id}.ipynb"), 4)


def test_validate_fails_on_the_stub_and_passes_on_the_reference(hub):
    course = hub["course"]
    for lesson in course.lessons:
        reference = hub["validated"][("reference", lesson.id)]
        assert reference.startswith("Success! Your notebook passes all the tests."), reference
        stub = hub["validated"][("stub", lesson.id)]
        assert stub.startswith("VALIDATION FAILED"), stub
        for function in course.stub_functions(lesson):
            assert f"{function} is not implemented yet" in stub, (lesson.id, function, stub)
        # what failed is a public check cell, never a hidden test (those run at grading)
        assert "hidden_check(" not in stub


def test_graded_cells_add_up_to_the_lessons_points(hub):
    from nbgrader.api import Gradebook

    from grader.jupyter.cells import PUBLIC, grade_cells_in

    course = hub["course"]
    with Gradebook(f"sqlite:///{hub['home'] / 'gradebook.db'}", course_id=course.id) as gradebook:
        for lesson in course.lessons:
            cells = grade_cells_in(source_notebook(hub, lesson.id))
            assert sum(cell.points for cell in cells) == lesson.points  # exactly
            assert gradebook.find_assignment(lesson.id).max_score == lesson.points
            # every function with public checks has its own public cell
            public = {cell.subject for cell in cells if cell.kind == PUBLIC}
            assert public == set(course.stub_functions(lesson)), lesson.id


def test_nbgrader_totals_equal_gradebook_csv_with_the_late_penalty(hub):
    rows = list(csv.DictReader(io.StringIO((hub["tmp"] / "nbgrader_grades.csv").read_text())))
    nbgrader = {row["student_id"]: row for row in rows if row["assignment"] == LESSON}
    ours = {row["student"]: row for row in csv.DictReader(
        io.StringIO((hub["tmp"] / "grades" / "gradebook.csv").read_text()))}
    assert set(nbgrader) == set(ours) and len(ours) == 3 + len(HOSTILE)
    for student, row in ours.items():
        assert float(nbgrader[student]["max_score"]) == 10.0
        assert float(nbgrader[student]["score"]) == pytest.approx(float(row[LESSON]), abs=0.006)
        assert float(nbgrader[student]["late_submission_penalty"]) == pytest.approx(
            float(row[f"{LESSON}_late_penalty"]), abs=0.006)
    # the reference was late: full raw marks, less the late penalty
    assert float(nbgrader["reference"]["raw_score"]) == 10.0
    assert 0 < float(nbgrader["reference"]["late_submission_penalty"]) < 10
    assert "2 days late" in hub["grade_out"]


def test_stock_autograde_scores_reference_stub_and_mistake(hub):
    from grader.jupyter.cells import grade_cells_in

    stock = hub["stock"]
    points = {c.grade_id: c.points for c in grade_cells_in(source_notebook(hub, LESSON))}
    assert stock["reference"] == points, hub["autograde_log"][-3000:]  # exactly
    assert total(stock["stub"]) == 0
    # the mistake loses exactly the points of the checks it fails in the sandboxed engine
    assert stock[MISTAKE] == pytest.approx(hub["secure"][MISTAKE])
    assert 0 < total(stock[MISTAKE]) < 10


def test_public_cells_print_what_the_sandboxed_grader_prints(hub):
    """In the kernel (stock autograde) and in the sandbox (grader nbgrader grade) a public
    cell says the same, naming the mistake as `course check` does."""
    stock, secure = hub["stock_outputs"][MISTAKE], hub["secure_outputs"][MISTAKE]
    public = {grade_id for grade_id in secure if grade_id.startswith("public_")}
    assert public
    for grade_id in public:
        assert stock[grade_id].strip() == secure[grade_id].strip(), grade_id
    assert "factor 2" in secure["public_mse_grad"], secure["public_mse_grad"]
    assert secure["public_mse_grad"].startswith("✗ ")
    assert "public checks passed" in secure["public_predict"]


def test_secure_grade_agrees_and_refuses_hostile_notebooks(hub):
    secure = hub["secure"]
    assert secure["reference"] == pytest.approx(hub["stock"]["reference"])
    assert total(secure["stub"]) == 0
    for hostile in HOSTILE:
        assert total(secure[hostile]) == 0, (hostile, hub["grade_out"])


def test_stock_autograde_on_hostile_notebooks(hub, capsys):
    """What stock autograde gives the hostile notebooks (recorded in docs/jupyterhub.md)."""
    stock = hub["stock"]
    with capsys.disabled():
        for hostile in HOSTILE:
            print(f"\nstock autograde, {hostile}: {total(stock[hostile]):g}/10")
    assert total(stock["allclose"]) > 0  # the monkeypatch fools the in-kernel checks
    assert total(stock["helper"]) == 10  # redefined helpers take everything
    assert total(stock["reads"]) > 0
    # and the hidden suite's source is in the feedback nbgrader generated from that run
    feedback = hub["home"] / "feedback" / "reads" / LESSON / f"{LESSON}.html"
    assert "def test_mse_grad_matrix_form" in feedback.read_text()


def test_release_holds_no_reference_or_hidden_source(hub, tmp_path):
    from grader.jupyter.export import facts_file
    from grader.student.release import find_leaks

    home, course = hub["home"], hub["course"]
    scan = tmp_path / "release-as-text"  # the notebooks' cells as the files find_leaks reads
    for lesson in course.lessons:
        released = home / "release" / lesson.id
        notebook = nbformat.read(str(released / f"{lesson.id}.ipynb"), 4)
        assert "### BEGIN SOLUTION" not in "".join(c.source for c in notebook.cells)
        shutil.copytree(released, scan / lesson.id, ignore=shutil.ignore_patterns("*.ipynb"))
        for kind, suffix in (("code", "py"), ("markdown", "md")):
            (scan / lesson.id / f"notebook_{kind}.{suffix}").write_text("\n\n".join(
                c.source for c in notebook.cells if c.cell_type == kind))
        # beside the notebook: its public checks, its facts and the exercise's other public
        # files (lesson6's helpers and data licence); never a hidden test
        expected = {f"{lesson.id}.ipynb", facts_file(lesson.id), course.public_checks_path(lesson).name,
                    *lesson.helper_files}
        if lesson.id == "lesson6":
            expected.add("DATA_LICENSE.md")
        assert {p.name for p in released.iterdir()} == expected
    # no solution body, no three lines of a solution, hidden test or catalog file
    assert find_leaks(course, scan) == []
    # feedback was generated from the stock autograde run
    assert (home / "feedback" / "reference" / LESSON / f"{LESSON}.html").exists()


def test_notebook_notes_name_cells_not_files(hub):
    for lesson in hub["course"].lessons:
        notebook = source_notebook(hub, lesson.id)
        notes = notebook.cells[0].source.split("\n\n", 2)[-1]  # after the two intro paragraphs
        assert f"`{lesson.module}`" not in notes, lesson.id
        code = "\n".join(c.source for c in notebook.cells if c.cell_type == "code")
        assert "notes.md" not in code and "see the notes above" in code, lesson.id
    lesson3 = source_notebook(hub, "lesson3").cells[0].source
    assert "the \"Your task\" messages in the cells below" in lesson3


def test_export_and_grade_need_a_course_they_can_find(hub, tmp_path, monkeypatch):
    from click.testing import CliRunner

    from grader.cli.instructor import main

    monkeypatch.chdir(tmp_path)
    empty = tmp_path / "nbgrader-folder"
    empty.mkdir()
    for args in (["nbgrader", "grade", str(empty)], ["nbgrader", "export", str(tmp_path / "out")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1, result.output
        message = result.output.strip()
        assert message.startswith("Error: which course?") and "pass --course PATH" in message
        assert len(message.splitlines()) == 1 and "Traceback" not in message
    # re-export from anywhere: the folder's nbgrader_config.py names the course
    config = (hub["home"] / "nbgrader_config.py").read_text()
    assert f"TORCH_GRADER_COURSE', {str(hub['course'].root)!r}" in config
    assert f"c.CourseDirectory.root = {str(hub['home'])!r}" in config


def test_scaled_points_add_up_to_the_lesson_exactly():
    import random

    from grader.jupyter.cells import GRID, cell_score, scaled_points

    generator = random.Random(7)
    for _ in range(200):
        raw = [generator.choice([0.125, 0.25, 1 / 3, 0.5, 1.0, 2.0, 3.0]) for _ in range(
            generator.randint(1, 40))]
        total = generator.choice([10.0, 7.5, 1.0, 100.0])
        points = scaled_points(raw, total)
        assert sum(points) == total  # exactly, in whatever order nbgrader adds them
        assert sum(reversed(points)) == total
        for share, cell in zip(raw, points, strict=True):
            assert abs(cell - total * share / sum(raw)) <= len(raw) / GRID
        assert cell_score(points[0], raw[0], raw[0]) == points[0]  # full marks: exactly
        assert 0 <= cell_score(points[0], raw[0] / 3, raw[0]) < points[0]


def test_the_course_is_read_from_the_nbgrader_folders_config(tmp_path):
    from grader.course.errors import UserError
    from grader.jupyter.export import course_for, recorded

    (tmp_path / "nbgrader_config.py").write_text(
        f"import os\nc = get_config()\nc.Exchange.root = '/srv/x'\n"
        f"os.environ.setdefault('TORCH_GRADER_COURSE', {str(REPO)!r})\n")
    assert course_for(tmp_path, None).root == REPO
    assert recorded(tmp_path) == {"course": str(REPO), "exchange": "/srv/x"}  # re-export keeps it
    (tmp_path / "nbgrader_config.py").write_text(
        "import os\nos.environ.setdefault('TORCH_GRADER_COURSE', '/nowhere')\n")
    with pytest.raises(UserError, match="names the course folder /nowhere .* pass --course PATH"):
        course_for(tmp_path, None)
    assert course_for(tmp_path, REPO).root == REPO  # --course wins


# ---------------------------------------------------------------------- the Chinese edition

HAN = re.compile(r"[\u4e00-\u9fff]")
# lesson2's reference with the factor 2 of dL/dw dropped (1-D x)
FACTOR_TWO = ("dw = 2 * (x * residual).mean()", "dw = (x * residual).mean()")
ZH_STUDENTS = ("reference", "stub", "factor2")


def fill_zh(release_nb: Path, source_nb: Path, how: str) -> None:
    if how == "stub":
        return
    fill_with_reference(release_nb, source_nb)
    if how == "factor2":
        notebook = nbformat.read(str(release_nb), as_version=4)
        (cell,) = [c for c in solution_cells(notebook) if FACTOR_TWO[0] in c.source]
        cell.source = cell.source.replace(*FACTOR_TWO)
        nbformat.write(notebook, str(release_nb))


@pytest.fixture(scope="module")
def hub_zh(tmp_path_factory):
    """`grader nbgrader export --lang zh` in a folder of its own (its own exchange), then
    lesson2's round trip as for the English edition: generate, validate (stub, reference),
    release, fetch, submit, collect, stock autograde, `grader nbgrader grade`."""
    from grader.course.config import load_course

    tmp = tmp_path_factory.mktemp("nbgrader-zh")
    course_dir = course_copy(tmp / "course", {})
    course = load_course(course_dir)
    exchange, home, elsewhere = tmp / "exchange", tmp / "nb", tmp / "elsewhere"
    exchange.mkdir()
    elsewhere.mkdir()
    env = jupyter_env(tmp)
    grader = [sys.executable, "-m", "grader.cli.instructor", "nbgrader"]
    nbg = [str(VENV_BIN / "nbgrader")]
    run([*grader, "export", str(home), "--lang", "zh", "--exchange", str(exchange),
         "--course", str(course_dir)], elsewhere, env)
    run([*nbg, "generate_assignment", LESSON, "--force"], home, env)
    student = {**env, "USER": "validator", "LOGNAME": "validator"}
    checked = []
    for kind in ("stub", "reference"):
        folder = tmp / "validate" / kind / LESSON
        shutil.copytree(home / "release" / LESSON, folder)
        fill_zh(folder / f"{LESSON}.ipynb", home / "source" / LESSON / f"{LESSON}.ipynb", kind)
        checked.append(folder / f"{LESSON}.ipynb")
    validated = dict(zip(("stub", "reference"), validate_each(checked, tmp / "validate", student),
                         strict=True))
    run([*nbg, "release_assignment", LESSON, "--force"], home, env)
    for name in ZH_STUDENTS:
        senv = {**env, "USER": name, "LOGNAME": name}
        workspace = tmp / "students" / name
        workspace.mkdir(parents=True)
        flags = [f"--Exchange.root={exchange}", f"--course={course.id}"]
        run([*nbg, "fetch_assignment", LESSON, *flags], workspace, senv)
        fill_zh(workspace / LESSON / f"{LESSON}.ipynb",
                home / "source" / LESSON / f"{LESSON}.ipynb", name)
        run([*nbg, "submit", LESSON, *flags, f"--student={name}"], workspace, senv)
    run([*nbg, "collect", LESSON], home, env)
    auto = run([*nbg, "autograde", LESSON], home, env)
    stock = cell_scores(home, course.id, ZH_STUDENTS)
    stock_outputs = {name: outputs(home / "autograded" / name / LESSON / f"{LESSON}.ipynb")
                     for name in ZH_STUDENTS}
    run([*grader, "grade", str(home), "--assignment", LESSON], elsewhere, env)
    secure = cell_scores(home, course.id, ZH_STUDENTS)
    secure_outputs = {name: outputs(home / "autograded" / name / LESSON / f"{LESSON}.ipynb")
                      for name in ZH_STUDENTS}
    return {"tmp": tmp, "home": home, "course": course, "validated": validated,
            "stock": stock, "secure": secure, "stock_outputs": stock_outputs,
            "secure_outputs": secure_outputs, "autograde_log": auto.stderr}


def test_the_chinese_edition_validates_and_grades_like_the_english_one(hub_zh):
    from grader.course.i18n import render, t
    from grader.jupyter.cells import grade_cells_in

    course = hub_zh["course"]
    lesson = course.lesson(LESSON)
    reference, stub = hub_zh["validated"]["reference"], hub_zh["validated"]["stub"]
    assert reference.startswith("Success! Your notebook passes all the tests."), reference
    assert stub.startswith("VALIDATION FAILED"), stub
    for function in course.stub_functions(lesson):  # "mse 还没有实现", in Chinese only
        unimplemented = render(t("{function} is not implemented yet (it raises "
                                 "NotImplementedError)", function=function), "zh")
        assert f"{function} 还没有实现" in unimplemented and unimplemented.split("（")[0] in stub
    assert "is not implemented yet" not in stub and "hidden_check(" not in stub
    cells = grade_cells_in(nbformat.read(str(hub_zh["home"] / "source" / LESSON
                                             / f"{LESSON}.ipynb"), 4))
    assert sum(cell.points for cell in cells) == lesson.points
    stock, secure = hub_zh["stock"], hub_zh["secure"]
    assert stock["reference"] == {c.grade_id: c.points for c in cells}, hub_zh["autograde_log"][-3000:]
    assert total(stock["stub"]) == 0
    assert 0 < total(stock["factor2"]) < lesson.points
    for name in ZH_STUDENTS:  # the sandboxed grade agrees with the kernel's
        assert secure[name] == pytest.approx(stock[name]), name


def test_the_chinese_notebook_reads_in_chinese(hub_zh):
    from grader.course.config import parse_course
    from grader.course.i18n import course_translations, render
    from grader.jupyter.export import facts_file

    course = hub_zh["course"]
    lesson = course.lesson(LESSON)
    folder = hub_zh["home"] / "source" / LESSON
    notebook = nbformat.read(str(folder / f"{LESSON}.ipynb"), 4)
    intro = notebook.cells[0].source
    title = render(lesson.title, "zh", (course_translations(course, "zh"),))
    assert HAN.search(title) and intro.startswith(f"**{title}**"), intro[:200]
    assert "write each function in its answer cell" not in intro
    notes = (course.exercise_dir(lesson) / "notes.zh.md").read_text(encoding="utf-8")
    assert notes.splitlines()[0] in intro  # the notes' Chinese title line
    assert "## 隐藏测试" in "".join(c.source for c in notebook.cells
                                  if c.metadata["nbgrader"].get("grade_id") == "tests_heading")
    graded = [c for c in notebook.cells if c.metadata["nbgrader"].get("grade")]
    assert graded
    for cell in graded:  # the comment in Chinese, the call as in English
        comment = [line for line in cell.source.splitlines() if line.startswith("#")]
        assert comment and HAN.search(comment[0]), cell.source
        assert "of the lesson's" not in cell.source
    assert parse_course(folder / facts_file(LESSON)).languages[0] == "zh"


def test_a_chinese_public_cell_names_the_mistake_in_chinese(hub_zh):
    from grader.checker.diagnose import FACTOR_TWO_MISSING
    from grader.course.i18n import render

    said = hub_zh["stock_outputs"]["factor2"]
    mistake = render(FACTOR_TWO_MISSING, "zh")
    assert HAN.search(mistake)
    grad = said["public_mse_grad"]
    assert grad.startswith("✗ ") and HAN.search(grad.splitlines()[0]), grad
    assert mistake in grad and "factor 2" not in grad, grad
    assert "mse_grad: 公开检查通过 " in grad and "public checks" not in grad, grad
    assert said["public_predict"].startswith("✓ predict: 公开检查通过"), said["public_predict"]
    # the hidden cells speak Chinese too (the course's catalogs, where the course is)
    hidden = [text for grade_id, text in said.items() if not grade_id.startswith("public_") and text]
    assert any(mistake in text for text in hidden), hidden
    assert not any("factor 2" in text for text in hidden)
    # grader nbgrader grade writes its cell outputs in the notebook's language too
    graded = hub_zh["secure_outputs"]["factor2"]["public_mse_grad"]
    assert mistake in graded and "public checks" not in graded, graded


def test_the_chinese_notebook_ships_only_public_catalog_words(hub_zh, tmp_path):
    import gettext

    from grader.jupyter.export import facts_file
    from grader.student.release import find_leaks

    course, home = hub_zh["course"], hub_zh["home"]
    lesson = course.lesson(LESSON)
    released = home / "release" / LESSON
    assert {p.name for p in released.iterdir()} == {
        f"{LESSON}.ipynb", facts_file(LESSON), course.public_checks_path(lesson).name, "locale"}
    catalogs = {str(p.relative_to(released)) for p in (released / "locale").rglob("*") if p.is_file()}
    assert catalogs == {f"locale/zh/LC_MESSAGES/{name}.mo" for name in (LESSON, "course")}
    fetched = hub_zh["tmp"] / "students" / "reference" / LESSON / "locale" / "zh" / "LC_MESSAGES"
    assert (fetched / f"{LESSON}.mo").is_file()  # students get it with the notebook

    def ids(path: Path) -> set[str]:
        with path.open("rb") as handle:
            return {message for message in gettext.GNUTranslations(handle)._catalog if message}

    hidden = (course.hidden_suite_dir(lesson) / "test_mse_hidden.py").read_text()
    public = (course.exercise_dir(lesson) / "test_mse.py").read_text()
    shipped = ids(released / "locale" / "zh" / "LC_MESSAGES" / f"{LESSON}.mo")
    whole = ids(course.root / "locale" / "zh" / "LC_MESSAGES" / f"{LESSON}.mo")
    only_hidden = {message for message in whole if message in hidden and message not in public}
    assert only_hidden  # the course's own catalog has hidden-suite wording ...
    assert not shipped & only_hidden  # ... the notebook's has none of it
    assert any(message in public for message in shipped)
    # nor any other hidden-suite or solution text (the notebook's cells as text files)
    scan = tmp_path / "release-as-text" / LESSON
    shutil.copytree(released, scan, ignore=shutil.ignore_patterns("*.ipynb"))
    notebook = nbformat.read(str(released / f"{LESSON}.ipynb"), 4)
    for kind, suffix in (("code", "py"), ("markdown", "md")):
        (scan / f"notebook_{kind}.{suffix}").write_text("\n\n".join(
            c.source for c in notebook.cells if c.cell_type == kind))
    assert find_leaks(course, scan.parent) == []


def test_graded_cells_comment_in_their_language_and_call_the_same():
    from grader.jupyter.cells import (
        COMMENT_WIDTH,
        HIDDEN,
        PUBLIC,
        GradeCell,
        _the_call,
        cell_source,
    )
    from grader.reports.text import display_width

    cells = [GradeCell("public_mse_grad", PUBLIC, "mse_grad", ("test_a", "test_b[1-2]"), 1.25),
             GradeCell("test_mse_grad_hidden", HIDDEN, "test_mse_grad_hidden",
                       ("test_mse_grad_hidden",), 0.5)]
    english = ["Public checks of mse_grad (1.25 of the lesson's 10 points): the checks in "
               "test_mse.py beside this notebook, with the messages `course check` prints. "
               "Validate passes only when every check passes; the hidden tests run when your "
               "notebook is graded.",
               "Hidden test test_mse_grad_hidden (0.5 of the lesson's 10 points): it runs on your "
               "functions when your notebook is graded; its checks are not shown."]
    for cell, words in zip(cells, english, strict=True):
        en = cell_source(LESSON, "test_mse.py", 10.0, cell)
        zh = cell_source(LESSON, "test_mse.py", 10.0, cell, lang="zh")
        code = [[line for line in text.splitlines() if not line.startswith("#")] for text in (en, zh)]
        assert code[0] == code[1] and _the_call(zh) == _the_call(en) is not None
        en_comment = [line[2:] for line in en.splitlines() if line.startswith("# ")]
        zh_comment = [line[2:] for line in zh.splitlines() if line.startswith("# ")]
        assert " ".join(en_comment) == words  # the English as it always was
        assert all(HAN.search(line) for line in zh_comment) and not HAN.search(en)
        assert all(display_width(line) <= COMMENT_WIDTH for line in zh_comment), zh_comment
        assert cell.subject in "".join(zh_comment)


def test_the_release_and_the_export_ship_catalogs_with_one_writer(tmp_path):
    import gettext

    from grader.course.config import COURSE_FILE, EXERCISES_DIR, load_course
    from grader.course.hints import HINTS_FILE
    from grader.course.i18n import PUBLIC_SOURCES, write_public_catalogs
    from grader.student import release

    assert PUBLIC_SOURCES == (EXERCISES_DIR, HINTS_FILE, COURSE_FILE)
    assert release.write_public_catalogs is write_public_catalogs
    assert not hasattr(release, "_write_catalogs")
    course = load_course(REPO)
    written = write_public_catalogs(course, tmp_path, domains=(LESSON,), languages=("zh",))
    assert written == [tmp_path / "zh" / "LC_MESSAGES" / f"{LESSON}.mo"]
    with written[0].open("rb") as handle:
        shipped = set(gettext.GNUTranslations(handle)._catalog)
    hidden = (course.hidden_suite_dir(course.lesson(LESSON)) / "test_mse_hidden.py").read_text()
    public = (course.exercise_dir(course.lesson(LESSON)) / "test_mse.py").read_text()
    assert not [m for m in shipped if m and m in hidden and m not in public]
    assert len(write_public_catalogs(course, tmp_path / "all")) == len(
        list((REPO / "locale").glob("*/LC_MESSAGES/*.po")))


def test_export_takes_only_the_courses_languages(tmp_path):
    from click.testing import CliRunner

    from grader.cli.instructor import main
    from grader.course.config import load_course
    from grader.jupyter.export import NbgraderError, export

    result = CliRunner().invoke(main, ["nbgrader", "export", str(tmp_path / "out"), "--lang",
                                       "fr", "--course", str(REPO)])
    assert result.exit_code == 2 and "'fr' is not one of 'en', 'zh'" in result.output
    assert not (tmp_path / "out").exists()
    # a lesson without its catalog in that language: refused before anything is written
    course = load_course(course_copy(tmp_path / "course", {}))
    (course.root / "locale" / "zh" / "LC_MESSAGES" / f"{LESSON}.po").unlink()
    with pytest.raises(NbgraderError, match=f"{LESSON} has no zh catalog"):
        export(course, tmp_path / "out", lang="zh")
    assert not (tmp_path / "out").exists()
