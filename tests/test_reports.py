"""What instructors and students read: the late policy, the gradebook's reasons, folded
feedback, the class report (rendered for real in headless Chromium) and the charts."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.course.config import LatePolicy, load_course
from grader.course.late import assess
from grader.course.results import HIDDEN, VISIBLE, LessonResult, TestResult, fold_failures
from grader.reports.class_report import mistakes, write_report
from grader.reports.feedback_md import student_feedback
from grader.reports.gradebook_csv import gradebook_csv
from grader.reports.standings import standings

REPO = Path(__file__).resolve().parent.parent
DUE = dt.datetime(2026, 12, 11, 23, 59, tzinfo=dt.UTC)
POLICY = LatePolicy(grace_minutes=15, penalty_per_day=0.1, max_days_late=7)


def result(lesson: str, passed: dict[str, bool], *, feedback: str = "", points: float = 1.0,
           status: str = "") -> LessonResult:
    tests = tuple(TestResult(name=f"test_x.py::{name}", description=f"check {name.split('[')[0]}",
                             max_score=points, passed=ok, feedback="" if ok else feedback,
                             visibility=HIDDEN if "hidden" in name else VISIBLE,
                             details="" if ok else "expected 1.0\n     got 2.0")
                  for name, ok in passed.items())
    return LessonResult(lesson, "s", tests, status=status)


# ---------------------------------------------------------------------- the late policy


def test_a_late_penalty_is_a_share_of_the_lessons_points_taken_off_what_was_earned():
    course = load_course(REPO)
    lesson = course.lesson("lesson2")
    late = assess(POLICY, DUE, DUE + dt.timedelta(days=2, hours=1))  # 3 started days late
    assert late.days_late == 3 and late.share_lost == pytest.approx(0.3)
    # 4.12 of 10 earned, 3 of the lesson's 10 points off: 1.12 (not 4.12 × 0.7 = 2.884)
    assert late.points_after(4.12, lesson.points) == pytest.approx(1.12)
    assert late.points_after(2.0, lesson.points) == 0  # floored at zero
    assert "30% of the lesson's points off" in late.note


def test_within_the_grace_period_and_past_the_last_day():
    assert assess(POLICY, DUE, DUE + dt.timedelta(minutes=10)).share_lost == 0
    too_late = assess(POLICY, DUE, DUE + dt.timedelta(days=8))
    assert too_late.points_after(10, 10) == 0 and "scores zero" in too_late.note


# ---------------------------------------------------------------------- the gradebook says why


def test_the_gradebook_says_why_a_lesson_scored_what_it_did():
    course = load_course(REPO)
    lessons = [course.lesson("lesson1"), course.lesson("lesson2")]
    graded = {
        ("ana", "lesson1"): (result("lesson1", {"a": False}, feedback="x", status="not implemented"),
                             DUE, ""),
        ("ana", "lesson2"): (result("lesson2", {"a": False}, status="syntax error"),
                             DUE + dt.timedelta(days=1), ""),
        ("ben", "lesson1"): (None, None, "the sandbox failed: landlock"),
    }
    rows = standings(course, lessons, ["ana", "ben"], graded)
    text = gradebook_csv(rows)
    assert "not implemented; " in text
    assert "syntax error; 1 day late" in text
    assert "could not be graded" in text and "not submitted" in text


# ---------------------------------------------------------------------- folded feedback


def test_parametrized_cases_fold_into_one_line_with_the_mistake_named_once():
    cases = {f"test_dw[{n}-hidden]": False for n in range(6)}
    cases.update({"test_dw[6-hidden]": True, "test_dw[7-hidden]": True})
    named = "mse_grad(x, y, w): dw: the factor 2 from differentiating the square is missing"
    (check,) = fold_failures(result("lesson2", cases, feedback=named).tests)
    assert check.line() == f"check test_dw: in 6 of 8 cases: {named}"


def test_hidden_cases_fold_without_their_details_and_public_ones_with_them():
    public, hidden = fold_failures(result("lesson2", {"test_a": False, "test_b[hidden]": False},
                                          feedback="wrong").tests)
    assert "expected 1.0" in public.feedback[0]
    assert hidden.feedback == ("wrong",)


def test_a_student_feedback_file_folds_cases_and_names_each_mistake_once():
    course = load_course(REPO)
    lesson = course.lesson("lesson2")
    named = "mse_grad(x, y, w): dw: the factor 2 from differentiating the square is missing"
    cases = {f"test_dw[{n}-hidden]": False for n in range(4)}
    rows = standings(course, [lesson], ["ana"],
                     {("ana", "lesson2"): (result("lesson2", cases, feedback=named), DUE, "")})
    text = student_feedback(course, rows[0], {})
    assert text.count("the factor 2") == 1 and "in 4 of 4 cases" in text


# ---------------------------------------------------------------------- the class report


def class_rows(course, students: int = 9):
    lessons = [course.lesson("lesson2"), course.lesson("lesson3")]
    named = "mse_grad(x, y, w): dw: the factor 2 from differentiating the square is missing"
    graded = {}
    for number in range(students):
        two = {f"test_dw[{n}-hidden]": number % 3 != 0 for n in range(3)} | {"test_mse": True}
        three = {"test_epochs[hidden]": number % 2 == 0, "test_gd": number != 4}
        graded[(f"s{number}", "lesson2")] = (result("lesson2", two, feedback=named), DUE, "")
        graded[(f"s{number}", "lesson3")] = (
            result("lesson3", three, feedback="train_gd(x, y): an extra epoch: range(epochs + 1)"),
            DUE, "")
    return standings(course, lessons, [f"s{n}" for n in range(students)], graded)


def test_what_to_reteach_groups_students_by_the_mistake_named():
    course = load_course(REPO)
    counts = {(m.lesson, m.mistake): m.students for m in mistakes(class_rows(course))}
    assert counts[("lesson2", "dw: the factor 2 from differentiating the square is missing")] == 3
    assert counts[("lesson3", "an extra epoch: range(epochs + 1)")] == 5


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_the_html_report_renders_in_chromium_with_every_image(tmp_path):
    course = load_course(REPO)
    rows = class_rows(course)
    folder = tmp_path / "report"
    write_report(course, rows, folder, [("s9", "lesson2", "the sandbox failed")], [],
                 {row.student: f"feedback for {row.student}" for row in rows})
    page = (folder / "index.html").read_text()
    assert "What to reteach" in page and "feedback for s3" in page
    # The real page, plus a probe that records what the browser made of every image.
    probe = folder / "probe.html"
    probe.write_text(page.replace("</body>", """<script>
window.addEventListener('load', () => {
  const broken = [...document.images].filter(i => !i.complete || i.naturalWidth === 0);
  document.body.setAttribute('data-images', document.images.length);
  document.body.setAttribute('data-broken', broken.map(i => i.getAttribute('src')).join(','));
});
</script></body>"""))
    shown = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
         "--no-first-run", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=5000", "--allow-file-access-from-files", "--dump-dom",
         probe.as_uri()], capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr[-2000:]
    images = re.search(r'data-images="(\d+)"', shown.stdout)
    broken = re.search(r'data-broken="([^"]*)"', shown.stdout)
    assert images and int(images.group(1)) == 2, shown.stdout[:2000]
    assert broken and broken.group(1) == "", f"missing images: {broken.group(1)}"


def test_the_charts_count_whole_students_and_show_every_bar(tmp_path):
    import matplotlib.image

    course = load_course(REPO)
    folder = tmp_path / "report"
    write_report(course, class_rows(course), folder, [], [])
    for name in ("scores.png", "pass_rates.png"):
        image = matplotlib.image.imread(folder / name)
        assert image.shape[0] > 200 and image[..., :3].std() > 0.05
