"""Plain-text rendering of results for terminals: one line per check, failures explained."""

from __future__ import annotations

import re

import click

from grader.course.i18n import _, current_language, lesson_catalogs
from grader.course.results import LessonResult, fold_failures, format_points


def summary_line(result: LessonResult) -> str:
    line = f"{result.lesson} · {result.submission}: {format_points(result.score)}/{format_points(result.max_score)} points"
    failed = len(result.failed)
    line += f" ({len(result.tests) - failed}/{len(result.tests)} checks passed)"
    line += f" — {result.problem}" if result.problem else ""
    return line + (" [UNSAFE: no proven sandbox]" if result.notes else "")


def lesson_report(result: LessonResult, *, details: bool = False) -> str:
    """One line per check; failures explained as a student may read them, or (``details``)
    with everything the instructor may see, hidden inputs included."""
    lines = [*result.notes, summary_line(result)]
    if details and result.problem_details:
        lines.append(f"  ({result.problem_details})")
    for test in result.tests:
        mark = "✓" if test.passed else "✗"
        lines.append(f"  {mark} {test.description}  [{format_points(test.score)}/{format_points(test.max_score)}]")
        text = test.instructor_text() if details else test.student_text()
        if not test.passed and text and text != result.problem:
            lines.extend(f"      {part}" for part in text.splitlines())
    return "\n".join(lines)


LINE_IN_FILE = re.compile(r"at line (\d+) of (\S+?)\b(?:\.py)?")


def check_report(result: LessonResult, lesson, progress: str | None, failing: list[str], *,
                 show_all: bool = False, verbose: bool = False, source: bytes = b"",
                 next_step: bool = True, course=None) -> str:
    """A student's view of the public checks, in the current language: the first failure in
    full (or every one with ``show_all``), then a summary. ``verbose`` adds the line of the
    student's file each error points at and what their code printed. ``progress`` None
    leaves the progress line out (``course submit`` prints it once, after submitting).
    ``course``: where the lesson's own words are translated. Colour only on a terminal."""
    language = current_language()
    catalogs = lesson_catalogs(course, language, lesson.id) if course is not None else ()
    lines = [click.style(f"{lesson.id} · {_(lesson.title)} — {lesson.module}", bold=True), ""]
    total = len(result.tests)
    passed = total - len(result.failed)
    if result.problem:
        lines += [_fail(f"✗ {result.problem_in(language, catalogs)}")]
        if result.problem_details:
            lines += [f"    {result.problem_details_in(language, catalogs)}"]
        lines += ["", _("0/{total} public checks could run.").format(total=total)]
        lines += [_("Progress: {progress}").format(progress=progress)] if progress else []
        return "\n".join(lines)
    if not result.failed:
        lines += [_pass("✓ " + _("{passed}/{total} public checks passed — hidden tests run at "
                                 "grading.").format(passed=passed, total=total))]
        if next_step:
            lines.append(_("Next: course submit {lesson}").format(lesson=lesson.id))
        lines += [_("Progress: {progress}").format(progress=progress)] if progress else []
        return "\n".join(lines)
    folded = fold_failures(result.tests, language=language, catalogs=catalogs)
    for check in folded if show_all else folded[:1]:
        cases = _(" (in {failed} of {total} cases)").format(failed=check.failed,
                                                            total=check.total) \
            if check.total > 1 else ""
        lines.append(_fail(f"✗ {check.description}{cases}"))
        for number, message in enumerate(check.feedback):
            first, *rest = message.splitlines() or [""]
            lines.append(f"    {click.style(first, bold=True) if number == 0 else first}")
            lines.extend(f"    {part}" for part in rest)
        if verbose:
            lines.extend(dict.fromkeys(line for english in check.english
                                       for line in _source_line(english, source)))
        lines.append("")
    summary = _("{passed}/{total} public checks passed").format(passed=passed, total=total)
    if failing[1:] and not show_all:
        summary += _(" · also failing: {functions} (course check --all shows them)").format(
            functions=", ".join(failing[1:]))
    lines.append(summary)
    if verbose and result.printed.strip():
        lines += ["", _("Your code printed:")]
        lines.extend(f"    {part}" for part in result.printed.rstrip().splitlines()[-40:])
    if failing:
        lines.append(_("Stuck? course hint {lesson} {function}").format(lesson=lesson.id,
                                                                       function=failing[0]))
    lines += [_("Progress: {progress}").format(progress=progress)] if progress else []
    return "\n".join(lines)


def _source_line(message: str, source: bytes) -> list[str]:
    """The line of the student's own file an error points at, as a traceback would show it."""
    match = LINE_IN_FILE.search(message)
    if not match or not source:
        return []
    number = int(match.group(1))
    text = source.decode("utf-8", "replace").splitlines()
    if not 1 <= number <= len(text):
        return []
    return ["    → " + _("line {number}: {code}").format(number=number,
                                                    code=text[number - 1].strip())]


def _pass(text: str) -> str:
    return click.style(text, fg="green")


def _fail(text: str) -> str:
    return click.style(text, fg="red")


def display_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: a Chinese character takes two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (``ljust`` counts characters)."""
    return text + " " * max(0, width - display_width(text))
