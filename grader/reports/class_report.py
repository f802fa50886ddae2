"""report/: how the class did, and what to reteach.

- ``summary.md``: students, submissions, mean and median totals, each lesson's average, the
  checks most students fail (with the mistake most often named), and jobs that could not be
  graded.
- ``scores.png``: a histogram of totals; ``pass_rates.png``: the checks with the lowest pass
  rates. Both are redrawn only when the numbers behind them changed.
"""

from __future__ import annotations

import io
import json
import statistics
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from grader.course.config import Course
from grader.course.files import sha256, write_atomic
from grader.course.results import format_points
from grader.reports.standings import StudentRow

HARDEST = 12



def pass_rates(rows: Sequence[StudentRow]) -> list[tuple[str, float, int, str]]:
    """(lesson · check, pass rate, submissions, most common failure message), hardest first.

    A check passes for a submission when all of its parametrized cases pass.
    """
    passed: Counter = Counter()
    seen: Counter = Counter()
    messages: dict[str, Counter] = {}
    for row in rows:
        for entry in row.entries:
            if entry.result is None or entry.result.problem:
                continue
            checks: dict[str, list] = {}  # a check's parametrized cases count as one
            for test in entry.result.tests:
                checks.setdefault(f"{entry.lesson.id} · {test.description.rstrip('.')}", []).append(test)
            for key, cases in checks.items():
                seen[key] += 1
                failing = [t for t in cases if not t.passed]
                if not failing:
                    passed[key] += 1
                else:
                    messages.setdefault(key, Counter())[failing[0].feedback.split("\n")[0]] += 1
    rates = [(key, passed[key] / seen[key], seen[key],
              messages[key].most_common(1)[0][0] if key in messages else "")
             for key in seen]
    return sorted(rates, key=lambda r: (r[1], r[0]))


def summary_markdown(course: Course, rows: Sequence[StudentRow],
                     failed: Sequence[tuple[str, str, str]], unsafe_notes: Sequence[str]) -> str:
    totals = [row.total for row in rows]
    possible = sum(entry.lesson.points for entry in rows[0].entries) if rows else 0
    submissions = sum(entry.submitted for row in rows for entry in row.entries)
    lines = [f"# {course.name}: class summary", ""]
    lines += [f"> {note}" for note in unsafe_notes] + ([""] if unsafe_notes else [])
    lines += [f"- Students: {len(rows)}; submissions: {submissions}",
              f"- Mean total: {format_points(statistics.mean(totals)) if totals else 0} / {format_points(possible)}",
              f"- Median total: {format_points(statistics.median(totals)) if totals else 0} / {format_points(possible)}",
              "", "## Lessons", "", "| lesson | submitted | mean points | late |", "|---|---|---|---|"]
    for index, lesson in enumerate(rows[0].entries if rows else []):
        entries = [row.entries[index] for row in rows if row.entries[index].result is not None]
        mean = statistics.mean(e.points for e in entries) if entries else 0.0
        late = sum(1 for e in entries if e.lateness and e.lateness.days_late)
        lines.append(f"| {lesson.lesson.id} | {len(entries)} | {format_points(mean)} / "
                     f"{format_points(lesson.lesson.points)} | {late} |")
    lines += ["", "## What to reteach", "",
              "The checks most students fail, and the mistake most often named:", "",
              "| check | passed | most common feedback |", "|---|---|---|"]
    for key, rate, count, message in pass_rates(rows)[:HARDEST]:
        if rate < 1:
            lines.append(f"| {key} | {rate:.0%} of {count} | {message.replace('|', '/')[:160]} |")
    if failed:
        lines += ["", "## Could not be graded", ""]
        lines += [f"- {student} {lesson}: {why}" for student, lesson, why in failed]
    lines += ["", "Charts: `scores.png` (totals), `pass_rates.png` (hardest checks).", ""]
    return "\n".join(lines)


def write_report(course: Course, rows: Sequence[StudentRow], folder: Path,
                 failed: Sequence[tuple[str, str, str]], unsafe_notes: Sequence[str]) -> None:
    write_atomic(folder / "summary.md", summary_markdown(course, rows, failed, unsafe_notes))
    rates = pass_rates(rows)[:25]
    totals = [round(row.total, 4) for row in rows]
    digest = sha256(json.dumps([totals, rates]).encode())
    marker = folder / ".charts-digest"
    charts = (folder / "scores.png", folder / "pass_rates.png")
    if marker.exists() and marker.read_text() == digest and all(c.exists() for c in charts):
        return  # nothing behind the charts changed: skip matplotlib entirely
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    possible = sum(entry.lesson.points for entry in rows[0].entries) if rows else 1
    figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
    axes.hist(totals, bins=min(20, max(5, len(totals) // 2)), range=(0, possible),
              color="steelblue", edgecolor="white")
    axes.set_xlabel(f"total points (of {format_points(possible)})")
    axes.set_ylabel("students")
    axes.set_title(f"{course.name}: totals")
    figure.tight_layout()
    _save(figure, charts[0], plt)
    height = max(3.0, 0.32 * len(rates) + 1)
    figure, axes = plt.subplots(figsize=(9, height), dpi=110)
    labels = [key if len(key) <= 70 else key[:67] + "..." for key, *_ in rates]
    axes.barh(range(len(rates)), [rate * 100 for _, rate, *_ in rates], color="indianred")
    axes.set_yticks(range(len(rates)), labels, fontsize=7)
    axes.invert_yaxis()
    axes.set_xlim(0, 100)
    axes.set_xlabel("% of submissions passing")
    axes.set_title("The hardest checks")
    figure.tight_layout()
    _save(figure, charts[1], plt)
    write_atomic(marker, digest)


def _save(figure, path: Path, plt) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    write_atomic(path, buffer.getvalue())
