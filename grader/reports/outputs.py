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
from grader.course.i18n import N_, lesson_catalogs, render
from grader.reports.class_report import write_report
from grader.reports.feedback_md import instructor_details, student_feedback
from grader.reports.gradebook_csv import gradebook_csv
from grader.reports.gradescope import results_json
from grader.reports.standings import standings

INSTRUCTOR_ONLY = "instructor-only"  # what never goes back to students
OUTPUTS = ("gradebook.csv", "results", "feedback", INSTRUCTOR_ONLY, "report")
LATE = N_("Late: {note}")


def write_outputs(course: Course, lessons: Sequence[Lesson], students: Sequence[str],
                  graded: dict, out: Path, not_graded: Sequence[tuple[str, str, str]],
                  languages: dict[str, str] | None = None) -> list:
    """gradebook.csv, results/, feedback/ and report/, all or none; returns the standings rows.

    ``graded[(student, lesson)] = (result, submitted_at, failure)`` (see
    grader.engine.batch.class_results); ``not_graded``: (student, lesson, why) for the report;
    ``languages``: each student's language (their feedback and results are written in it).
    """
    with staged(out, OUTPUTS) as folder:
        return _write_all(course, lessons, students, graded, folder, not_graded,
                          languages or {})


def _write_all(course: Course, lessons: Sequence[Lesson], students: Sequence[str],
               graded: dict, out: Path, not_graded: Sequence[tuple[str, str, str]],
               languages: dict[str, str]) -> list:
    rows = standings(course, lessons, students, graded)
    write_if_changed(out / "gradebook.csv", gradebook_csv(rows))
    hints = {language: load_hints(course, language)
             for language in {"en", *languages.values()}}
    notes: list[str] = []
    feedback: dict[str, str] = {}
    for row in rows:
        language = languages.get(row.student, "en")
        for entry in row.entries:
            if entry.result is not None:
                data = results_json(entry.result, language,
                                    lesson_catalogs(course, language, entry.lesson.id))
                if entry.lateness and entry.lateness.share_lost > 0:
                    late = render(LATE, language).format(note=render(
                        entry.lateness.text or entry.lateness.note, language))
                    data["output"] = "\n".join(filter(None, [data.get("output", ""), late]))
                write_if_changed(out / "results" / row.student / f"{entry.lesson.id}.json",
                                 json.dumps(data, indent=2, ensure_ascii=False) + "\n")
                notes.extend(n for n in entry.result.notes if n not in notes)
        feedback[row.student] = student_feedback(course, row, hints[language], language)
        write_if_changed(out / "feedback" / f"{row.student}.md", feedback[row.student])
        write_if_changed(out / INSTRUCTOR_ONLY / f"{row.student}.md", instructor_details(course, row))
    write_report(course, rows, out / "report", not_graded, notes, feedback)
    return rows
