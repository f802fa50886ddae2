"""nbgrader round trip on lesson2 with stock nbgrader commands, then `grader nbgrader grade`.

One module-scoped run: export, generate_assignment, release_assignment, fetch_assignment and
submit as students, collect, autograde, generate_feedback; the autograde scores are read from
nbgrader's gradebook, then `grader nbgrader grade` (sandboxed) grades the same submissions.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, copy_course

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbgrader")

VENV_BIN = Path(sys.executable).parent
LESSON = "lesson2"
COURSE_ID = "torch-fundamentals-copy"
MISTAKE = "mistake_factor_two_dropped"

ALLCLOSE = "import torch\ntorch.allclose = lambda *a, **k: True\n"
HOSTILE = {
    # wrong answers, and the checker's comparison patched to say yes
    "allclose": "WRONG+" + ALLCLOSE,
    # the test cells' helper replaced before they import it
    "helper": "STUB+import grader.jupyter.kernel as _g\n_g.hidden_check = lambda *a, **k: None\n",
    # leave before anything can fail
    "exit": "STUB+import sys\nsys.exit(0)\n",
    # read the hidden suite (the reference answers the tests)
    "reads": "REF+import pathlib\n_suite = [p.read_text() for p in pathlib.Path(COURSE).glob('tests/hidden/lesson2/*.py')]\n"
             "assert _suite, 'hidden suite not readable'\nprint(''.join(_suite))\n",
}
WRONG = '''
import torch
def predict(x, w, b=0.0): return torch.zeros(x.shape[0], dtype=x.dtype)
def mse(y_hat, y): return torch.zeros((), dtype=y_hat.dtype)
def mse_grad(x, y, w, b=0.0): return torch.zeros_like(torch.as_tensor(w, dtype=x.dtype)), torch.zeros((), dtype=x.dtype)
def mse_grad_autograd(x, y, w, b=0.0): return mse_grad(x, y, w, b)
def loss_curve(x, y, ws): return torch.zeros(len(ws), dtype=x.dtype)
'''


def run(args, cwd, env, check=True):
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
    if check and done.returncode != 0:
        raise AssertionError(f"{args} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done


def solution_cells(notebook):
    return [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]


def fill(release_nb: Path, source_nb: Path, how: str, course: Path) -> None:
    """Edit a student's fetched notebook: the reference, a catalog mistake, or a hostile one."""
    notebook = nbformat.read(str(release_nb), as_version=4)
    reference = [c.source for c in solution_cells(nbformat.read(str(source_nb), as_version=4))]
    cells = solution_cells(notebook)
    if how == "reference":
        for cell, text in zip(cells, reference, strict=True):
            cell.source = text
    elif how == "stub":
        pass
    elif how.startswith("mistake_"):
        module = (REPO / "tests/catalog" / LESSON / f"{how}.py").read_text()
        cells[0].source = module
        for cell in cells[1:]:
            cell.source = "# (in the first cell)"
    else:
        base, _, extra = HOSTILE[how].partition("+")
        if base == "REF":
            for cell, text in zip(cells, reference, strict=True):
                cell.source = text
        elif base == "WRONG":
            cells[0].source = WRONG
            for cell in cells[1:]:
                cell.source = "# (in the first cell)"
        cells[-1].source += "\n\n" + extra.replace("COURSE", repr(str(course)))
    nbformat.write(notebook, str(release_nb))


@pytest.fixture(scope="module")
def round_trip(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nbgrader")
    course = copy_course(tmp / "course", [LESSON])
    exchange, home = tmp / "exchange", tmp / "nb"
    exchange.mkdir()
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
    grader = [sys.executable, "-m", "grader.cli.instructor", "nbgrader"]
    run([*grader, "export", str(home), "--exchange", str(exchange), "--course", str(course)],
        REPO, env)
    nbg = [str(VENV_BIN / "nbgrader")]
    run([*nbg, "generate_assignment", LESSON, "--force"], home, env)
    run([*nbg, "release_assignment", LESSON, "--force"], home, env)
    students = ["reference", "stub", MISTAKE, *HOSTILE]
    for student in students:
        senv = {**env, "USER": student, "LOGNAME": student}
        workspace = tmp / "students" / student
        workspace.mkdir(parents=True)
        flags = [f"--Exchange.root={exchange}", f"--course={COURSE_ID}"]
        run([*nbg, "fetch_assignment", LESSON, *flags], workspace, senv)
        fill(workspace / LESSON / f"{LESSON}.ipynb", home / "source" / LESSON / f"{LESSON}.ipynb",
             student, course)
        run([*nbg, "submit", LESSON, *flags, f"--student={student}"], workspace, senv)
    run([*nbg, "collect", LESSON], home, env)
    auto = run([*nbg, "autograde", LESSON], home, env)
    run([*nbg, "generate_feedback", LESSON], home, env)
    stock = cell_scores(home, students)
    grade = run([*grader, "grade", str(home), "--assignment", LESSON, "--course", str(course)],
                REPO, env)
    secure = cell_scores(home, students)
    return {"home": home, "course": course, "stock": stock, "secure": secure,
            "autograde_log": auto.stderr, "grade_out": grade.stdout}


def cell_scores(home: Path, students) -> dict[str, dict[str, float]]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{home / 'gradebook.db'}", course_id=COURSE_ID) as gradebook:
        return {s: {g.name: g.score for g in
                    gradebook.find_submission_notebook(LESSON, LESSON, s).grades}
                for s in students}


def total(scores: dict[str, float]) -> float:
    return round(sum(scores.values()), 6)


def test_stock_autograde_scores_reference_stub_and_mistake(round_trip):
    stock = round_trip["stock"]
    maximum = total(stock["reference"])
    from grader.course.config import load_course
    from grader.jupyter.export import hidden_tests

    course = load_course(round_trip["course"])
    points = {t.name: t.points for t in hidden_tests(course, course.lesson(LESSON))}
    assert stock["reference"] == pytest.approx(points), round_trip["autograde_log"][-3000:]
    assert total(stock["stub"]) == 0 != maximum
    # the mistake loses exactly the points of the tests it fails in the sandboxed engine
    assert stock[MISTAKE] == pytest.approx(round_trip["secure"][MISTAKE])
    assert 0 < total(stock[MISTAKE]) < sum(points.values())


def test_secure_grade_agrees_and_refuses_hostile_notebooks(round_trip):
    secure = round_trip["secure"]
    assert secure["reference"] == pytest.approx(round_trip["stock"]["reference"])
    assert total(secure["stub"]) == 0
    for hostile in HOSTILE:
        assert total(secure[hostile]) == 0, (hostile, round_trip["grade_out"])


def test_stock_autograde_on_hostile_notebooks(round_trip, capsys):
    """What stock autograde gives the hostile notebooks (recorded in docs/jupyterhub.md)."""
    stock = round_trip["stock"]
    maximum = sum(stock["reference"].values())
    with capsys.disabled():
        for hostile in HOSTILE:
            print(f"\nstock autograde, {hostile}: {total(stock[hostile]):g}/{maximum:g}")
    assert total(stock["allclose"]) > 0  # the monkeypatch fools the in-kernel checks
    assert total(stock["helper"]) == maximum  # a redefined helper takes everything
    assert total(stock["reads"]) == maximum
    # and the hidden suite's source is in the feedback nbgrader generated from that run
    feedback = round_trip["home"] / "feedback" / "reads" / LESSON / f"{LESSON}.html"
    assert "def test_mse_grad_matrix_form" in feedback.read_text()


def test_release_holds_no_reference_or_hidden_source(round_trip):
    from grader.course.config import load_course
    from grader.jupyter.export import hidden_text_in
    from grader.student.release import _bodies

    home, course = round_trip["home"], load_course(round_trip["course"])
    released = home / "release" / LESSON
    text = (released / f"{LESSON}.ipynb").read_text()
    assert hidden_text_in(course, text) == []
    for name in ("### BEGIN SOLUTION", "_check_shapes", "x.T @ residual"):
        assert name not in text
    module = "\n".join(c.source for c in nbformat.read(str(released / f"{LESSON}.ipynb"), 4).cells
                       if c.cell_type == "code")
    reference = set(_bodies(course.solution_path(course.lesson(LESSON)).read_bytes()))
    assert not reference & set(_bodies(module.encode()))
    assert sorted(p.name for p in released.iterdir()) == [f"{LESSON}.ipynb"]
    assert not list((home / "source").rglob("test_*.py"))
    # feedback was generated from the stock autograde run
    assert (home / "feedback" / "reference" / LESSON / f"{LESSON}.html").exists()
