"""Hints: every function of every lesson has at least one, and a bad hints file is explained."""

from __future__ import annotations

import shutil

import pytest
from conftest import REPO, copy_course

from grader.course.config import CourseError, load_course
from grader.course.hints import load_hints


def test_every_function_of_every_lesson_has_a_hint(course):
    hints = load_hints(course)
    for lesson in course.lessons:
        for function in course.stub_functions(lesson):
            assert hints[lesson.id].get(function), f"{lesson.id}.{function} has no hint"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[lesson9]\nf = ["x"]\n', "[lesson9] is not a lesson"),
        ('[lesson2]\nnot_a_function = ["x"]\n', "not_a_function: no such function"),
        ("[lesson2]\nmse = []\n", "mse must be a list of non-empty strings"),
        ("[lesson2\n", "not valid TOML"),
    ],
)
def test_a_broken_hints_file_names_the_key(tmp_path, text, needle):
    root = copy_course(tmp_path, ["lesson2"])
    (root / "hints.toml").write_text(text)
    with pytest.raises(CourseError) as caught:
        load_hints(load_course(root))
    assert needle in str(caught.value) and "hints.toml" in str(caught.value)


def test_the_shipped_hints_file_is_read_in_order(tmp_path):
    root = copy_course(tmp_path, ["lesson2"])
    shutil.copy(REPO / "hints.toml", root / "hints.toml")
    text = (root / "hints.toml").read_text()
    only_lesson2 = "[lesson2]" + text.split("[lesson2]")[1].split("\n[")[0]
    (root / "hints.toml").write_text(only_lesson2)
    hints = load_hints(load_course(root))
    assert hints["lesson2"]["mse_grad"][0].startswith("Differentiate")
