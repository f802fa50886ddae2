"""Every output of a class batch, written from the gradebook: ``gradebook.csv``,
``results/<student>/<lesson>.json``, ``feedback/<student>.md`` and ``report/``.

They are written as a set (``grader.course.files.staged``): a run that fails part way (a full
disk) leaves every one of them as it was, and no file is ever half written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from grader.course.config import Course, Lesson
from grader.course.files import staged, write_if_changed
from grader.course.hints import load_hints
from grader.reports.class_report import write_report
from grader.reports.feedback_md import instructor_details, student_feedback
from grader.reports.gradebook_csv import gradebook_csv
from grader.reports.gradescope import results_json
from grader.reports.standings import standings

INSTRUCTOR_ONLY = "instructor-only"  # what never goes back to students
OUTPUTS = ("gradebook.csv", "results", "feedback", INSTRUCTOR_ONLY, "report")


def write_outputs(course: Course, lessons: Sequence[Lesson], students: Sequence[str],
                  graded: dict, out: Path, not_graded: Sequence[tuple[str, str, str]]) -> list:
    """gradebook.csv, results/, feedback/ and report/, all or none; returns the standings rows.

    ``graded[(student, lesson)] = (result, submitted_at, failure)`` (see
    grader.engine.batch.class_results); ``not_graded``: (student, lesson, why) for the report.
    """
    with staged(out, OUTPUTS) as folder:
        return _write_all(course, lessons, students, graded, folder, not_graded)


def _write_all(course: Course, lessons: Sequence[Lesson], students: Sequence[str],
               graded: dict, out: Path, not_graded: Sequence[tuple[str, str, str]]) -> list:
    rows = standings(course, lessons, students, graded)
    write_if_changed(out / "gradebook.csv", gradebook_csv(rows))
    hints = load_hints(course)
    notes: list[str] = []
    feedback: dict[str, str] = {}
    for row in rows:
        for entry in row.entries:
            if entry.result is not None:
                data = results_json(entry.result)
                if entry.lateness and entry.lateness.share_lost > 0:
                    data["output"] = "\n".join(filter(None, [data.get("output", ""),
                                                             f"Late: {entry.lateness.note}"]))
                write_if_changed(out / "results" / row.student / f"{entry.lesson.id}.json",
                                 json.dumps(data, indent=2) + "\n")
                notes.extend(n for n in entry.result.notes if n not in notes)
        feedback[row.student] = student_feedback(course, row, hints)
        write_if_changed(out / "feedback" / f"{row.student}.md", feedback[row.student])
        write_if_changed(out / INSTRUCTOR_ONLY / f"{row.student}.md", instructor_details(course, row))
    write_report(course, rows, out / "report", not_graded, notes, feedback)
    return rows
