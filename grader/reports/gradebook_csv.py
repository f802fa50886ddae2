"""gradebook.csv: one row per student, points per lesson (after late penalties), the penalties,
why each lesson scored what it did (not implemented, syntax error, import error, time limit,
suspicious, crashed, could not be graded, not submitted; and how late), and the total."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from grader.course.results import format_points
from grader.reports.standings import StudentRow


def gradebook_csv(rows: Sequence[StudentRow]) -> str:
    lessons = [entry.lesson for entry in rows[0].entries] if rows else []
    header = ["student"]
    for lesson in lessons:
        header += [lesson.id, f"{lesson.id}_late_penalty", f"{lesson.id}_status"]
    header.append("total")
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        cells = [row.student]
        for entry in row.entries:
            if entry.failure:
                status = "could not be graded"
            elif not entry.submitted:
                status = "not submitted"
            else:
                status = entry.lateness.note if entry.lateness and entry.lateness.note else "on time"
                if entry.result is not None and entry.result.status:
                    status = f"{entry.result.status}; {status}"
            cells += [format_points(entry.points), format_points(entry.penalty), status]
        cells.append(format_points(row.total))
        writer.writerow(cells)
    return buffer.getvalue()
