"""The hidden suites are proven: `grader validate`'s rules hold for every lesson in the course."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from conftest import REPO, copy_course

from grader.course.config import CourseError, load_course
from grader.engine.catalog import apply_patch, make_patch, read_catalog
from grader.engine.validate import table, validate_lesson

LESSONS = [lesson.id for lesson in load_course(REPO).lessons]


@pytest.fixture(scope="module")
def validations(course, worker):
    def grade(lesson, submissions):
        return worker.grade(lesson.id, [(s.label, s.source) for s in submissions])

    return {lesson.id: validate_lesson(course, lesson, grade) for lesson in course.lessons}


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_every_lesson_is_proven_by_its_catalog(validations, lesson_id):
    validation = validations[lesson_id]
    assert validation.problems() == []


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_every_catalogued_mistake_is_named_in_the_feedback(validations, lesson_id):
    validation = validations[lesson_id]
    unnamed = [v.entry.path.name for v in validation.mistakes if not v.named]
    assert len(validation.mistakes) >= 10
    assert validation.named >= 0.9 * len(validation.mistakes), unnamed


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_each_lesson_has_several_correct_styles(course, lesson_id):
    lesson = course.lesson(lesson_id)
    entries = read_catalog(course.catalog_dir(lesson), course.reference_source(lesson))
    assert sum(e.kind == "correct" for e in entries) >= 3


def test_the_table_has_a_row_per_lesson(validations):
    text = table(list(validations.values()))
    for lesson_id in LESSONS:
        assert any(line.startswith(lesson_id) and line.endswith("ok") for line in text.splitlines())


def run_validate(*args):
    return subprocess.run([sys.executable, "-m", "grader.cli.instructor", "validate", *args],
                          capture_output=True, text=True, timeout=600)


def test_grader_validate_exits_0_and_prints_the_table(course):
    result = run_validate("--lesson", "lesson2", "--course", str(course.root))
    assert result.returncode == 0, result.stderr
    header, rule, row = result.stdout.strip().splitlines()[-3:]
    assert header.split() == ["lesson", "reference", "stub", "caught", "named", "correct",
                              "styles", "verdict"]
    assert row.split()[0] == "lesson2" and row.split()[-1] == "ok"


def test_grader_validate_fails_when_the_stub_is_already_solved(tmp_path):
    root = copy_course(tmp_path, ["lesson2"])
    shutil.copytree(REPO / "tests" / "catalog" / "lesson2", root / "tests" / "catalog" / "lesson2")
    reference = load_course(root).reference_source(load_course(root).lesson("lesson2"))
    for folder in ("solutions", "exercises"):  # no master: a hand-kept stub that is solved
        (root / folder / "lesson2" / "mse.py").write_bytes(reference)
    result = run_validate("--course", str(root))
    assert result.returncode == 1
    assert "lesson2: the stub scores" in result.stderr
    assert result.stdout.strip().splitlines()[-1].split()[-1] == "FAIL"


def test_a_catalog_file_without_a_header_is_an_error(tmp_path):
    (tmp_path / "odd.py").write_text('"""just a module"""\n')
    with pytest.raises(CourseError, match="mistake:' or 'correct:"):
        read_catalog(tmp_path, b"")


REFERENCE = "def f(x):\n    y = 2 * x\n    return y + 1\n\n\ndef g(x):\n    return x\n"


def test_a_mistake_is_a_small_patch_applied_to_the_reference(tmp_path):
    mistaken = REFERENCE.replace("2 * x", "x")
    patch = make_patch(REFERENCE, mistaken, mistake="the factor 2 is dropped", named="factor 2")
    assert patch.startswith("mistake: the factor 2 is dropped\nnamed: factor 2\n--- reference")
    (tmp_path / "mistake_no_two.diff").write_text(patch)
    (entry,) = read_catalog(tmp_path, REFERENCE.encode())
    assert entry.kind == "mistake" and entry.named == "factor 2"
    assert entry.source.decode() == mistaken


def test_a_patch_still_applies_when_the_reference_moves_but_not_when_it_changes():
    patch = make_patch(REFERENCE, REFERENCE.replace("2 * x", "x"), mistake="m", named="n")
    diff = patch.split("\n", 2)[2]
    moved = "import math\n\n" + REFERENCE
    assert apply_patch(moved, diff) == moved.replace("2 * x", "x")
    with pytest.raises(CourseError, match="hunk 1 .* does not match the reference"):
        apply_patch(REFERENCE.replace("2 * x", "2.0 * x"), diff, "mistake_no_two.diff")
