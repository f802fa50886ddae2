"""Gradescope's results.json shape for one lesson result."""

from __future__ import annotations

from typing import Any

from grader.course.results import LessonResult


def results_json(result: LessonResult) -> dict[str, Any]:
    """``{"lesson", "score", "max_score", "execution_time", "tests": [...]}``, plus ``output``
    when the submission could not be run at all or was graded with ``--unsafe``."""
    data: dict[str, Any] = {
        "lesson": result.lesson,
        "score": result.score,
        "max_score": result.max_score,
        "execution_time": result.execution_time,
        "tests": [
            {
                "name": test.name,
                "score": round(test.score, 6),
                "max_score": round(test.max_score, 6),
                "status": "passed" if test.passed else "failed",
                "output": test.description if test.passed else (
                    f"{test.description.rstrip('.')}: {test.student_text()}"),
                "visibility": test.visibility,
            }
            for test in result.tests
        ],
    }
    output = [*result.notes, result.problem] if result.problem else list(result.notes)
    if output:
        data["output"] = "\n".join(output)
    return data
