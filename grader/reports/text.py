"""Plain-text rendering of results for terminals: one line per check, failures explained."""

from __future__ import annotations

import re

import click

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
                 next_step: bool = True) -> str:
    """A student's view of the public checks: the first failure in full (or every one with
    ``show_all``), then a summary. ``verbose`` adds the line of the student's file each error
    points at and what their code printed. ``progress`` None leaves the progress line out
    (``course submit`` prints it once, after submitting). Colour only on a terminal."""
    lines = [click.style(f"{lesson.id} · {lesson.title} — {lesson.module}", bold=True), ""]
    total = len(result.tests)
    passed = total - len(result.failed)
    if result.problem:
        lines += [_fail(f"✗ {result.problem}")]
        if result.problem_details:
            lines += [f"    {result.problem_details}"]
        lines += ["", f"0/{total} public checks could run."]
        lines += [f"Progress: {progress}"] if progress else []
        return "\n".join(lines)
    if not result.failed:
        lines += [_pass(f"✓ {passed}/{total} public checks passed — hidden tests run at grading.")]
        if next_step:
            lines.append(f"Next: course submit {lesson.id}")
        lines += [f"Progress: {progress}"] if progress else []
        return "\n".join(lines)
    folded = fold_failures(result.tests)
    for check in folded if show_all else folded[:1]:
        cases = f" (in {check.failed} of {check.total} cases)" if check.total > 1 else ""
        lines.append(_fail(f"✗ {check.description}{cases}"))
        for number, message in enumerate(check.feedback):
            first, *rest = message.splitlines() or [""]
            lines.append(f"    {click.style(first, bold=True) if number == 0 else first}")
            lines.extend(f"    {part}" for part in rest)
            if verbose:
                lines.extend(_source_line(message, source))
        lines.append("")
    summary = f"{passed}/{total} public checks passed"
    if failing[1:] and not show_all:
        summary += f" · also failing: {', '.join(failing[1:])} (course check --all shows them)"
    lines.append(summary)
    if verbose and result.printed.strip():
        lines += ["", "Your code printed:"]
        lines.extend(f"    {part}" for part in result.printed.rstrip().splitlines()[-40:])
    if failing:
        lines.append(f"Stuck? course hint {lesson.id} {failing[0]}")
    lines += [f"Progress: {progress}"] if progress else []
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
    return [f"    → line {number}: {text[number - 1].strip()}"]


def _pass(text: str) -> str:
    return click.style(text, fg="green")


def _fail(text: str) -> str:
    return click.style(text, fg="red")
