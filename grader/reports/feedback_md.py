"""feedback/<student>.md: per lesson the score, lateness, failed checks with the named
mistakes, and hints. Only feedback the checks marked safe: never hidden inputs or test source."""

from __future__ import annotations

from grader.course.config import Course
from grader.course.results import failing_functions, fold_failures, format_points
from grader.reports.standings import StudentRow


def student_feedback(course: Course, row: StudentRow, hints: dict) -> str:
    possible = sum(entry.lesson.points for entry in row.entries)
    lines = [f"# {course.name}: feedback for {row.student}", "",
             f"**Total: {format_points(row.total)} / {format_points(possible)} points**", ""]
    for entry in row.entries:
        lesson = entry.lesson
        heading = f"## {lesson.id} · {lesson.title}"
        if entry.failure:
            lines += [f"{heading} — not graded", "",
                      f"Your submission could not be graded: {entry.failure}. "
                      f"Your instructor has been told.", ""]
            continue
        if entry.result is None:
            lines += [f"{heading} — not submitted", ""]
            continue
        result = entry.result
        lines += [f"{heading} — {format_points(entry.points)} / {format_points(lesson.points)} points", ""]
        if entry.lateness and entry.lateness.note:
            extra = f" (earned {format_points(entry.earned)} before the late penalty)" if entry.penalty else ""
            lines += [f"Submitted: {entry.lateness.note}{extra}.", ""]
        for note in result.notes:
            lines += [f"> {note}", ""]
        if result.problem:
            lines += [f"Your module could not be run: {result.problem}", ""]
        failed = result.failed
        passed = len(result.tests) - len(failed)
        lines.append(f"{passed} of {len(result.tests)} checks passed.")
        if failed and not result.problem:
            lines += ["", "Checks that failed:"]
            for check in fold_failures(result.tests):
                lines.append(f"- {check.line()}".replace("\n", " "))
        wanted = failing_functions(result, course.stub_functions(lesson))
        lesson_hints = hints.get(lesson.id, {})
        tips = [(f, lesson_hints[f][0]) for f in wanted if lesson_hints.get(f)]
        if tips:
            lines += ["", "Hints:"] + [f"- `{function}`: {tip}" for function, tip in tips]
        lines.append("")
    return "\n".join(lines)


def instructor_details(course: Course, row: StudentRow) -> str:
    """instructor-only/<student>.md: everything behind the feedback, hidden inputs included.

    Never hand this file back: it holds what the submission said and printed, and the
    expected and returned values of hidden tests.
    """
    lines = [f"# {course.name}: details for {row.student} (instructors only)", ""]
    for entry in row.entries:
        result = entry.result
        if result is None:
            continue
        lines += [f"## {entry.lesson.id}", ""]
        if result.problem:
            lines += [f"Problem: {result.problem}", ""]
        if result.problem_details:
            lines += [f"    {result.problem_details}", ""]
        for check in fold_failures(result.tests, student=False):
            lines.append(f"- {check.line()}".replace("\n", " / "))
        if result.printed:
            lines += ["", "What it printed:", "", "```", result.printed.rstrip()[:8000], "```"]
        lines.append("")
    return "\n".join(lines)
