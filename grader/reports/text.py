"""Plain-text rendering of results for terminals: one line per check, failures explained."""

from __future__ import annotations

from grader.course.results import LessonResult, format_points


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


def check_report(result: LessonResult, lesson, progress: str, failing: list[str]) -> str:
    """A student's view of the public checks: the first failure in full, then a summary."""
    lines = [f"{lesson.id} · {lesson.title} — {lesson.module}", ""]
    total = len(result.tests)
    passed = total - len(result.failed)
    if result.problem:
        lines += [f"✗ {result.problem}"]
        if result.problem_details:
            lines += [f"    {result.problem_details}"]
        lines += ["", f"0/{total} public checks could run.", f"Progress: {progress}"]
        return "\n".join(lines)
    if not result.failed:
        lines += [f"✓ {passed}/{total} public checks passed — hidden tests run at grading.",
                  f"Next: course submit {lesson.id}", f"Progress: {progress}"]
        return "\n".join(lines)
    first = result.failed[0]
    lines.append(f"✗ {first.description}")
    lines.extend(f"    {part}" for part in first.student_text().splitlines())
    lines.append("")
    summary = f"{passed}/{total} public checks passed"
    if failing[1:]:
        summary += f" · also failing: {', '.join(failing[1:])}"
    lines.append(summary)
    if failing:
        lines.append(f"Stuck? course hint {lesson.id} {failing[0]}")
    lines.append(f"Progress: {progress}")
    return "\n".join(lines)
