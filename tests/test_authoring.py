"""Authoring a lesson: one source, checked before it ships.

Each authoring mistake an instructor makes is caught by `grader lint` (and so by validate and
release, which run it first) with one line naming the file and the line; a broken suite is a
one-line error, never `Aborted!`; a new lesson goes from `grader new-lesson` to a passing
`grader validate`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import copy_course

from grader.course.config import CourseError, load_course
from grader.course.master import MasterError, split_master
from grader.engine.lint import lint_course


def grader(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.cli.instructor", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def lesson_course(tmp_path) -> Path:
    """A course with one scaffolded lesson (its master module, suites, notes and catalog)."""
    root = copy_course(tmp_path / "course", ["lesson2"])
    (root / "hints.toml").write_text('[lesson2]\nmse = ["the mean of the squares"]\n')
    made = grader("new-lesson", "adam", "--title", "An Adam step", "--course", str(root))
    assert made.returncode == 0, made.stderr
    return root


def lint_lines(root: Path) -> list[str]:
    course = load_course(root)
    return [problem.render(course.root) for problem in lint_course(course)]


# ---------------------------------------------------------------------- the master module

MASTER = '''import torch


### BEGIN SOLUTION
def _twice(x):
    return 2 * x
### END SOLUTION


def f(x):
    """Twice x."""
    ### BEGIN SOLUTION
    return _twice(x)
    ### END SOLUTION
    # STUB: raise NotImplementedError("Your task: double it")
'''


def test_the_stub_and_the_reference_are_made_from_one_master():
    split = split_master(MASTER)
    assert "_twice" not in split.stub and "BEGIN" not in split.stub
    assert '    raise NotImplementedError("Your task: double it")\n' in split.stub
    assert "return _twice(x)" in split.reference and "STUB" not in split.reference
    assert "### " not in split.reference


@pytest.mark.parametrize(("broken", "words"), [
    (MASTER.replace("### BEGIN SOLUTION\n    return", "### BEGIN SOLUTON\n    return"),
     "looks like a marker"),
    (MASTER.replace("    ### END SOLUTION\n", ""), "has no ### END SOLUTION"),
    (MASTER.replace("# STUB: raise", "# STUB raise"), "looks like a marker"),
])
def test_a_misspelt_marker_is_an_error_with_its_line(broken, words):
    with pytest.raises(MasterError, match=rf"master:\d+: .*{words}"):
        split_master(broken)


# ---------------------------------------------------------------------- new-lesson, validate


def test_a_new_lesson_passes_validate_as_it_is(lesson_course):
    result = grader("validate", "--lesson", "adam", "--course", str(lesson_course))
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1].split()[-1] == "ok"
    assert (lesson_course / "solutions" / "adam" / "adam.py").is_file()
    assert not (lesson_course / "exercises" / "adam" / "adam.py").exists()  # made from the master
    assert len(list((lesson_course / "tests" / "catalog" / "adam").glob("mistake_*.diff"))) >= 10
    assert lint_lines(lesson_course) == []


def test_a_new_lesson_refuses_an_id_already_taken(lesson_course):
    again = grader("new-lesson", "adam", "--course", str(lesson_course))
    assert again.returncode == 1 and "already a lesson" in again.stderr
    assert "Traceback" not in again.stderr


def test_a_mistake_is_recorded_as_a_patch_from_an_edited_copy(lesson_course, tmp_path):
    course = load_course(lesson_course)
    edited = tmp_path / "edited.py"
    edited.write_text(course.reference_source(course.lesson("adam")).decode()
                      .replace("* x", "* x * 3"))
    made = grader("new-mistake", "adam", str(edited), "--name", "triples", "--mistake",
                  "multiplies by 3 too", "--named", "constant factor", "--course",
                  str(lesson_course))
    assert made.returncode == 0, made.stderr
    patch = (lesson_course / "tests" / "catalog" / "adam" / "mistake_triples.diff").read_text()
    assert patch.startswith("mistake: multiplies by 3 too\nnamed: constant factor\n--- ")
    assert len(patch.splitlines()) < 15

    # An edited copy of the master gives the same patch: its markers are not the mistake.
    master = course.solution_path(course.lesson("adam")).read_text()
    edited.write_text(master.replace("* x", "* x * 3", 1))
    again = grader("new-mistake", "adam", str(edited), "--name", "triples_from_master",
                   "--mistake", "multiplies by 3 too", "--named", "constant factor", "--course",
                   str(lesson_course))
    assert again.returncode == 0, again.stderr
    assert (lesson_course / "tests" / "catalog" / "adam" / "mistake_triples_from_master.diff"
            ).read_text() == patch


# ---------------------------------------------------------------------- lint, one mistake each


def only_problem(root: Path) -> str:
    lines = lint_lines(root)
    assert len(lines) == 1, lines
    assert "\n" not in lines[0]
    return lines[0]


def test_a_misspelt_points_marker(lesson_course):
    suite = lesson_course / "tests" / "hidden" / "adam" / "test_adam_hidden.py"
    suite.write_text(suite.read_text().replace("@pytest.mark.points(1)", "@pytest.mark.point(2)"))
    line = only_problem(lesson_course)
    assert line.startswith("tests/hidden/adam/test_adam_hidden.py:")
    assert "unknown marker pytest.mark.point" in line


def test_points_that_are_not_a_positive_number(lesson_course):
    suite = lesson_course / "tests" / "hidden" / "adam" / "test_adam_hidden.py"
    suite.write_text(suite.read_text().replace("@pytest.mark.points(1)", "@pytest.mark.points('1')"))
    assert "pytest.mark.points takes one positive number" in only_problem(lesson_course)


def test_a_module_name_that_names_no_file(lesson_course):
    config = lesson_course / "course.toml"
    config.write_text(config.read_text().replace('module = "adam.py"', 'module = "adm.py"'))
    with pytest.raises(CourseError) as error:
        load_course(lesson_course)
    assert "\n" not in str(error.value) and "adm.py" in str(error.value)
    result = grader("release", str(lesson_course.parent / "out"), "--course", str(lesson_course))
    assert result.returncode == 1 and "adm.py" in result.stderr


def test_a_missing_hidden_suite(lesson_course):
    for path in (lesson_course / "tests" / "hidden" / "adam").iterdir():
        path.unlink()
    assert "adam has no hidden suite" in only_problem(lesson_course)


def test_missing_notes(lesson_course):
    (lesson_course / "exercises" / "adam" / "notes.md").unlink()
    line = only_problem(lesson_course)
    assert line.startswith("exercises/adam/notes.md: the notes of adam")


def test_a_stub_function_renamed_away_from_the_reference(lesson_course):
    course = load_course(lesson_course)
    lesson = course.lesson("adam")
    stub = course.stub_source(lesson).decode().replace("def scale(", "def scaled(")
    course.stub_path(lesson).write_text(stub)  # a hand-kept stub beside the master, renamed
    lines = lint_lines(lesson_course)
    assert any("delete this hand-kept copy" in line for line in lines)
    assert any("the stub has no function scale" in line for line in lines)


def test_a_hint_for_a_function_that_does_not_exist(lesson_course):
    hints = lesson_course / "hints.toml"
    hints.write_text(hints.read_text() + 'scaled = ["a hint for nothing"]\n')
    line = only_problem(lesson_course)
    assert line.startswith("hints.toml: ") and "scaled" in line


def test_a_hidden_test_that_imports_the_reference(lesson_course):
    suite = lesson_course / "tests" / "hidden" / "adam" / "test_adam_hidden.py"
    suite.write_text("import sys\nsys.path.insert(0, 'solutions/adam')\n"
                     "from solutions.adam.adam import scale as reference\n" + suite.read_text())
    lines = lint_lines(lesson_course)
    assert any("changes sys.path" in line for line in lines)
    assert any("imports the reference from solutions/" in line for line in lines)
    assert all(line.startswith("tests/hidden/adam/test_adam_hidden.py:") for line in lines)


def test_a_misspelt_api_to_disable(lesson_course):
    suite = lesson_course / "tests" / "hidden" / "adam" / "test_adam_hidden.py"
    suite.write_text(suite.read_text().replace(
        '@pytest.mark.points(3)', '@pytest.mark.points(3)\n@pytest.mark.disabled("torch.optims")'))
    assert "disabled('torch.optims') names nothing the checker can ban" in only_problem(lesson_course)


def test_a_misspelt_marker_in_the_master(lesson_course):
    master = lesson_course / "solutions" / "adam" / "adam.py"
    master.write_text(master.read_text().replace("### END SOLUTION", "### END SOLUTON"))
    lines = lint_lines(lesson_course)
    assert any(line.startswith("solutions/adam/adam.py") and "looks like a marker" in line
               for line in lines), lines


def test_public_checks_that_compute_the_answer_with_the_reference(lesson_course):
    checks = lesson_course / "exercises" / "adam" / "test_adam.py"
    checks.write_text(checks.read_text() + '''

def expected_scale(x: torch.Tensor, a: float) -> torch.Tensor:
    """a·x as a new tensor of x's dtype; x is left unchanged."""
    return torch.as_tensor(a, dtype=x.dtype) * x
''')
    assert "computes the answer with the reference's own code" in only_problem(lesson_course)


# ---------------------------------------------------------------------- a broken suite


@pytest.mark.parametrize(("text", "words"), [
    ("def broken(:\n", "test_broken.py:1: SyntaxError"),
    ("import not_a_module_xyz\n", "test_broken.py:1: ModuleNotFoundError"),
    ("from solutions.adam.adam import scale\n", "test_broken.py:1: ModuleNotFoundError"),
])
def test_a_broken_suite_is_one_line_with_its_file_line_and_error(lesson_course, text, words):
    (lesson_course / "tests" / "hidden" / "adam" / "test_broken.py").write_text(text)
    result = grader("score", "adam", str(lesson_course / "solutions" / "adam" / "adam.py"),
                    "--course", str(lesson_course))
    assert result.returncode == 1
    assert "Aborted" not in result.stderr + result.stdout
    assert words in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
