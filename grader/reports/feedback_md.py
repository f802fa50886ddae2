"""feedback/<student>.md: per lesson the score, lateness, failed checks with the named
mistakes, and hints. Only feedback the checks marked safe: never hidden inputs or test source."""

from __future__ import annotations

from grader.course.config import Course
from grader.course.i18n import _, lesson_catalogs, render, use
from grader.course.results import failing_functions, fold_failures, format_points
from grader.reports.standings import StudentRow


def student_feedback(course: Course, row: StudentRow, hints: dict, language: str = "en") -> str:
    """The student's feedback file, in ``language`` (theirs: from their submission).

    ``hints``: lesson -> function -> hints, already in ``language`` (``load_hints``).
    """
    use(language, course)
    possible = sum(entry.lesson.points for entry in row.entries)
    lines = [_("# {course}: feedback for {student}").format(course=_(course.name),
                                                          student=row.student), "",
             _("**Total: {total} / {possible} points**").format(total=format_points(row.total),
                                                              possible=format_points(possible)),
             ""]
    for entry in row.entries:
        lesson = entry.lesson
        catalogs = lesson_catalogs(course, language, lesson.id)
        heading = f"## {lesson.id} · {_(lesson.title)}"
        if entry.failure:
            lines += [heading + _(" — not graded"), "",
                      _("Your submission could not be graded: {why}. Your instructor has been "
                        "told.").format(why=render(entry.failure, language, catalogs)), ""]
            continue
        if entry.result is None:
            lines += [heading + _(" — not submitted"), ""]
            continue
        result = entry.result
        lines += [heading + _(" — {points} / {possible} points").format(
            points=format_points(entry.points), possible=format_points(lesson.points)), ""]
        if entry.lateness and entry.lateness.note:
            note = render(entry.lateness.text or entry.lateness.note, language, catalogs)
            extra = _(" (earned {earned} before the late penalty)").format(
                earned=format_points(entry.earned)) if entry.penalty else ""
            lines += [_("Submitted: {note}{extra}.").format(note=note, extra=extra), ""]
        for note in result.notes:
            lines += [f"> {note}", ""]
        if result.problem:
            lines += [_("Your module could not be run: {why}").format(
                why=result.problem_in(language, catalogs)), ""]
        failed = result.failed
        passed = len(result.tests) - len(failed)
        lines.append(_("{passed} of {total} checks passed.").format(passed=passed,
                                                                    total=len(result.tests)))
        if failed and not result.problem:
            lines += ["", _("Checks that failed:")]
            for check in fold_failures(result.tests, language=language, catalogs=catalogs):
                lines.append(f"- {check.line()}".replace("\n", " "))
        wanted = failing_functions(result, course.stub_functions(lesson))
        lesson_hints = hints.get(lesson.id, {})
        tips = [(f, lesson_hints[f][0]) for f in wanted if lesson_hints.get(f)]
        if tips:
            lines += ["", _("Hints:")] + [_("- `{function}`: {tip}").format(function=function, tip=tip)
                                        for function, tip in tips]
        lines.append("")
    use("en")
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
