"""Gradescope's results.json shape for one lesson result."""

from __future__ import annotations

from typing import Any

from grader.course.i18n import render
from grader.course.results import LessonResult


def results_json(result: LessonResult, language: str = "en",
                 catalogs: tuple = ()) -> dict[str, Any]:
    """``{"lesson", "score", "max_score", "execution_time", "tests": [...]}``, plus ``output``
    when the submission could not be run at all or was graded with ``--unsafe``; the texts in
    ``language`` (``catalogs``: the lesson's, from ``lesson_catalogs``)."""
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
                "output": _output(test, language, catalogs),
                "visibility": test.visibility,
            }
            for test in result.tests
        ],
    }
    problem = result.problem_in(language, catalogs) if result.problem else ""
    output = [*result.notes, problem] if problem else list(result.notes)
    if output:
        data["output"] = "\n".join(output)
    return data


def _output(test, language: str, catalogs: tuple) -> str:
    description = test.description_in(language, catalogs)
    if test.passed:
        return description
    return render("{description}: {where}{messages}", language, catalogs).format(
        description=description.rstrip(".").rstrip("。"), where="",
        messages=test.student_text(language, catalogs))
