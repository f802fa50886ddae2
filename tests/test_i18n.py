"""The Chinese edition: every message translated, and a student's whole day in Chinese, from
``course fetch`` to the feedback file ``grader batch`` writes in the student's language."""

from __future__ import annotations

import gettext
import json
import re

import pytest
from click.testing import CliRunner
from conftest import REPO

from grader.cli.instructor import main as grader_main
from grader.cli.student import main as course_main
from grader.course.i18n import Text, render, says_in, t, use
from grader.course.i18n_check import problems

HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_student_facing_message_has_a_translation_with_the_same_placeholders():
    assert problems(REPO) == []


# ---------------------------------------------------------------------- rendering


class Catalog(gettext.NullTranslations):
    def __init__(self, table: dict[str, str]) -> None:
        super().__init__()
        self.table = table

    def gettext(self, message: str) -> str:
        return self.table.get(message, message)


def test_a_message_without_parameters_is_text_even_with_braces():
    assert render(t("a_{k+1} = act(a_k)"), "zh", [Catalog({})]) == "a_{k+1} = act(a_k)"


def test_an_empty_message_is_empty_not_the_catalogs_header():
    assert render("", "zh") == ""
    assert render(t("[{a}]", a=""), "zh") == "[]"


def test_a_broken_translation_falls_back_to_the_english():
    catalog = Catalog({"{what} is wrong": "{wat} 错了"})
    assert render(t("{what} is wrong", what="x"), "zh", [catalog]) == "x is wrong"


def test_code_inside_a_translated_message_counts_as_said_in_that_language():
    catalog = Catalog({"which is {what}: {what} is disabled": "这属于 {what}：{what} 被禁用"})
    message = t("which is {what}: {what} is disabled", what="torch.optim")
    assert says_in(message, "torch.optim", "zh", [catalog]) is True
    assert says_in(message, "torch.optim", "zh", [Catalog({})]) is False
    assert says_in(message, "autograd", "zh", [catalog]) is None


def test_text_survives_the_wire_format():
    message = t("{function} raised {error}", function="mse", error=t("a ValueError"))
    assert Text.from_data(json.loads(json.dumps(message.to_data()))) == message


# ---------------------------------------------------------------------- a student's day


@pytest.fixture(scope="module")
def chinese_day(tmp_path_factory):
    """``LANG=zh_CN.UTF-8``: fetch, check a wrong solution, hint, submit, status; then the
    instructor collects and grades the class (in English) and the feedback is Chinese."""
    root = tmp_path_factory.mktemp("zh")
    work, handed, collected, out = (root / name for name in ("work", "handed", "class", "out"))
    runner = CliRunner()
    env = {"LANG": "zh_CN.UTF-8", "LC_ALL": None, "COURSE_LANG": None, "LANGUAGE": None,
           "COURSE_STUDENT": "ada"}

    def course(*args):
        return runner.invoke(course_main, [*args, "--dir", str(work), "--course", str(REPO)],
                             env=env, catch_exceptions=False)

    from grader.course.config import load_course

    lesson = load_course(REPO).lesson("lesson2")
    steps = {"fetch": course("fetch", "lesson2")}
    wrong = load_course(REPO).reference_source(lesson).replace(
        b"dw = 2 * (x * residual).mean()", b"dw = (x * residual).mean()")
    assert wrong != load_course(REPO).reference_source(lesson)
    (work / "lesson2" / "mse.py").write_bytes(wrong)
    steps["check"] = course("check", "lesson2")
    steps["hint"] = course("hint", "lesson2")
    steps["submit"] = runner.invoke(course_main, ["submit", "lesson2", "--dir", str(work),
                                                  "--course", str(REPO), "--out", str(handed)],
                                    env=env, catch_exceptions=False)
    steps["status"] = course("status")
    english = {"LANG": "C.UTF-8", "LC_ALL": None, "LANGUAGE": None, "COURSE_LANG": None}
    steps["collect"] = runner.invoke(grader_main, ["collect", str(handed), "--out",
                                                   str(collected), "--course", str(REPO)],
                                     env=english)
    steps["batch"] = runner.invoke(grader_main, ["batch", str(collected), "--out", str(out),
                                                 "--lesson", "lesson2", "--course", str(REPO)],
                                   env=english)
    use("en")
    return steps, out


@pytest.mark.parametrize("step", ["fetch", "check", "hint", "submit", "status"])
def test_every_student_command_speaks_chinese(chinese_day, step):
    steps, _ = chinese_day
    result = steps[step]
    assert result.exit_code == (1 if step == "check" else 0), result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines and all(HAN.search(line) or _code_only(line) for line in lines), result.output
    for english in ("Stuck?", "Progress:", "public checks", "Wrote", "Submitted", "hint 1 of"):
        assert english not in result.output


def _code_only(line: str) -> bool:
    """A line of code, paths or numbers, with no English sentence in it."""
    words = re.findall(r"[A-Za-z]{4,}", line)
    return not words or line.lstrip().startswith(("lesson", "✓", "✗", "#", "    ")) or all(
        w in line and ("_" in line or "(" in line or "." in line or "/" in line) for w in words)


def test_the_wrong_solution_is_named_in_chinese_and_the_instructor_side_stays_english(
        chinese_day):
    steps, out = chinese_day
    assert "✗" in steps["check"].output
    assert steps["collect"].exit_code == 0, steps["collect"].output
    assert steps["batch"].exit_code == 0, steps["batch"].output
    assert "Graded 1 submissions" in steps["batch"].output


def test_the_feedback_file_is_in_the_students_language(chinese_day):
    _, out = chinese_day
    feedback = (out / "feedback" / "ada.md").read_text()
    assert feedback.startswith("# ") and "的反馈" in feedback.splitlines()[0]
    assert "Checks that failed" not in feedback and "Total:" not in feedback
    assert HAN.search(feedback)
    results = json.loads((out / "results" / "ada" / "lesson2.json").read_text())
    failed = [test["output"] for test in results["tests"] if test["status"] == "failed"]
    assert failed and all(HAN.search(text) for text in failed)
    english = (out / "instructor-only" / "ada.md").read_text()
    assert "details for ada (instructors only)" in english
