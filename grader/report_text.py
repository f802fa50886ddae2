"""Plain-text rendering of results for terminals: one line per check, failures explained."""

from __future__ import annotations

from grader.results import LessonResult


def _points(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def summary_line(result: LessonResult) -> str:
    line = f"{result.lesson} · {result.submission}: {_points(result.score)}/{_points(result.max_score)} points"
    failed = len(result.failed)
    line += f" ({len(result.tests) - failed}/{len(result.tests)} checks passed)"
    return line + (f" — {result.problem}" if result.problem else "")


def lesson_report(result: LessonResult) -> str:
    lines = [summary_line(result)]
    for test in result.tests:
        mark = "✓" if test.passed else "✗"
        lines.append(f"  {mark} {test.description}  [{_points(test.score)}/{_points(test.max_score)}]")
        if not test.passed and test.feedback and test.feedback != result.problem:
            lines.extend(f"      {part}" for part in test.feedback.splitlines())
    return "\n".join(lines)
