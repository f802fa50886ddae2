"""course.toml is read strictly: every mistake gives one line naming the file and the key."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader.cli.instructor import main as grader_main
from grader.course.config import CourseError, find_course_root, load_course

GOOD = """
[course]
id = "demo"
name = "Demo course"

[grading]
job_seconds = 30

[[lessons]]
id = "lesson2"
title = "MSE"
module = "mse.py"
due = 2026-12-01T23:59:00Z

[[lessons]]
id = "lesson3"
title = "SGD"
module = "sgd.py"
points = 5
"""


def write(tmp_path: Path, text: str) -> Path:
    """course.toml, and an exercise module for each lesson it names (as a real course has)."""
    (tmp_path / "course.toml").write_text(text)
    for lesson_id, module in LESSON_MODULE.findall(text):
        stub = tmp_path / "exercises" / lesson_id / module
        stub.parent.mkdir(parents=True, exist_ok=True)
        stub.write_text("def f():\n    raise NotImplementedError\n")
    return tmp_path


LESSON_MODULE = re.compile(r'id = "(\w+)"\s*\ntitle = "[^"]*"\s*\nmodule = "([\w.]+)"')


def test_a_module_that_does_not_exist_names_the_lesson_the_file_and_what_is_there(tmp_path):
    root = write(tmp_path, GOOD)
    (root / "exercises" / "lesson3" / "sgd.py").rename(root / "exercises" / "lesson3" / "SGD.py")
    with pytest.raises(CourseError) as error:
        load_course(root)
    message = str(error.value)
    assert "\n" not in message
    for needle in ("lesson3", "module = 'sgd.py'", "neither exercises/lesson3/sgd.py",
                   "solutions/lesson3/sgd.py exists", "holds SGD.py"):
        assert needle in message, message


def test_a_good_course_reads_into_lessons_in_order(tmp_path):
    course = load_course(write(tmp_path, GOOD))
    assert [lesson.id for lesson in course.lessons] == ["lesson2", "lesson3"]
    assert course.lesson("lesson3").points == 5.0
    assert course.lesson("lesson2").due == dt.datetime(2026, 12, 1, 23, 59, tzinfo=dt.UTC)
    assert course.limits.job_seconds == 30.0
    assert course.limits.call_seconds == 15.0  # default
    assert course.stub_path(course.lesson("lesson2")) == tmp_path / "exercises/lesson2/mse.py"
    assert course.hidden_suite_dir(course.lesson("lesson3")) == tmp_path / "tests/hidden/lesson3"


@pytest.mark.parametrize(
    ("broken", "needles"),
    [
        (GOOD.replace('module = "sgd.py"\n', ""), ["lesson3", "missing key 'module'", "module ="]),
        (GOOD.replace('title = "MSE"', 'title = "MSE"\nmodul = "x.py"'),
         ["lesson2", "unknown key 'modul'", "allowed keys"]),
        (GOOD.replace("job_seconds = 30", 'job_seconds = "thirty"'),
         ["[grading]", "'job_seconds'", "positive number", "job_seconds = 60"]),
        (GOOD.replace('id = "lesson3"', 'id = "lesson2"'), ["'lesson2' is used twice"]),
        (GOOD.replace("[grading]", "[grading]\nsede = 3"), ["[grading]", "unknown key 'sede'"]),
        (GOOD.replace("due = 2026-12-01T23:59:00Z", "due = 2026-12-01"),
         ["'due'", "time zone", "2026-12-01T23:59:00Z"]),
        (GOOD.replace('module = "mse.py"', 'module = "../mse.py"'), ["'module'", "mse.py"]),
        (GOOD.replace('[course]\nid = "demo"', '[course]\nid = 7'), ["[course]", "'id'"]),
        (GOOD + "\n[extra]\n", ["unknown key 'extra'"]),
        (GOOD + "\n[late]\npenalty_per_day = 2\n", ["[late]", "'penalty_per_day'", "fraction"]),
        ("[course\n", ["not valid TOML"]),
    ],
    ids=["missing-key", "unknown-key", "wrong-type", "duplicate-id", "unknown-grading-key",
         "date-without-time", "module-path", "id-not-string", "unknown-table", "late-not-a-fraction",
         "bad-toml"],
)
def test_a_broken_course_toml_gives_one_line_naming_the_problem(tmp_path, broken, needles):
    write(tmp_path, broken)
    with pytest.raises(CourseError) as caught:
        load_course(tmp_path)
    message = str(caught.value)
    assert "\n" not in message
    assert str(tmp_path / "course.toml") in message
    for needle in needles:
        assert needle in message


def test_the_grader_command_reports_a_broken_course_without_a_traceback(tmp_path):
    write(tmp_path, GOOD.replace('title = "MSE"', 'title = "MSE"\nmodul = "x.py"'))
    result = CliRunner().invoke(grader_main, ["score", "lesson2", "x.py", "--course", str(tmp_path)])
    assert result.exit_code == 1
    assert "unknown key 'modul'" in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_course_root_is_found_by_walking_up(tmp_path, monkeypatch):
    write(tmp_path, GOOD)
    deep = tmp_path / "exercises" / "lesson2"
    deep.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(deep)
    assert find_course_root() == tmp_path.resolve()
    assert load_course().id == "demo"


def test_outside_any_course_the_error_says_how_to_point_at_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CourseError, match="--course PATH"):
        load_course()


def test_an_unknown_lesson_lists_the_lessons_there_are(tmp_path):
    course = load_course(write(tmp_path, GOOD))
    with pytest.raises(CourseError, match="lesson2, lesson3"):
        course.lesson("lesson9")


def test_the_shipped_course_toml_is_valid(course):
    assert course.lessons
    for lesson in course.lessons:
        assert course.has_master(lesson)  # one source: the stub and the reference come from it
        assert b"NotImplementedError" in course.stub_source(lesson)
        assert b"NotImplementedError" not in course.reference_source(lesson)
        assert course.public_checks_path(lesson).is_file()
        assert course.hidden_suite_dir(lesson).is_dir()
        for helper in course.helper_paths(lesson):
            assert helper.is_file()


def test_a_lesson_can_ask_the_runner_to_preload_modules(tmp_path):
    course = load_course(write(tmp_path, GOOD.replace('points = 5', 'points = 5\npreload = ["torch._dynamo"]')))
    assert course.lesson("lesson3").preload == ("torch._dynamo",)
    assert course.lesson("lesson2").preload == ()
    write(tmp_path, GOOD.replace('points = 5', 'points = 5\npreload = ["torch; import os"]'))
    with pytest.raises(CourseError, match="importable module names"):
        load_course(tmp_path)
