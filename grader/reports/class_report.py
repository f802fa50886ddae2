"""The class report: ``report/summary.md``, ``report/index.html`` (for a browser), and the
charts ``scores.png`` and ``pass_rates.png``.

It reads only standings (results, lateness, points). "What to reteach" groups failing
checks by the mistake their feedback names, so twenty students who dropped the factor 2
show up as one line with a count, whichever of the checks caught them.
"""

from __future__ import annotations

import html
import io
import json
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.course.config import Course
from grader.course.files import sha256, write_atomic
from grader.course.results import fold_failures, format_points
from grader.reports.standings import StudentRow

HARDEST = 12
CHARTS = ("scores.png", "pass_rates.png")


@dataclass(frozen=True)
class CheckRate:
    lesson: str
    check: str  # the check's description
    passed: int  # submissions passing every case of it
    seen: int

    @property
    def rate(self) -> float:
        return self.passed / self.seen if self.seen else 0.0

    @property
    def label(self) -> str:
        return f"{self.lesson} · {self.check.rstrip('.')}"


@dataclass(frozen=True)
class MistakeCount:
    lesson: str
    mistake: str  # the feedback that names it (what a student reads)
    students: int
    checks: tuple[str, ...]  # the checks that caught it


def pass_rates(rows: Sequence[StudentRow]) -> list[CheckRate]:
    """Per check (its parametrized cases counted as one), how many submissions pass it;
    the hardest first."""
    passed: Counter = Counter()
    seen: Counter = Counter()
    for row in rows:
        for entry in row.entries:
            if entry.result is None or entry.result.problem:
                continue
            outcome: dict[tuple[str, str], bool] = {}
            for test in entry.result.tests:
                key = (entry.lesson.id, test.description)
                outcome[key] = outcome.get(key, True) and test.passed
            for key, ok in outcome.items():
                seen[key] += 1
                passed[key] += ok
    rates = [CheckRate(lesson, check, passed[(lesson, check)], seen[(lesson, check)])
             for lesson, check in seen]
    return sorted(rates, key=lambda r: (r.rate, r.label))


def mistakes(rows: Sequence[StudentRow]) -> list[MistakeCount]:
    """The named mistakes of the class, each with how many students made it; most first."""
    students: dict[tuple[str, str], set[str]] = {}
    checks: dict[tuple[str, str], set[str]] = {}
    for row in rows:
        for entry in row.entries:
            if entry.result is None or entry.result.problem:
                continue
            for check in fold_failures(entry.result.tests, student=False):
                for message in check.feedback:
                    named = _mistake_of(message)
                    key = (entry.lesson.id, named)
                    students.setdefault(key, set()).add(row.student)
                    checks.setdefault(key, set()).add(check.description.rstrip("."))
    counts = [MistakeCount(lesson, named, len(who), tuple(sorted(checks[(lesson, named)])))
              for (lesson, named), who in students.items()]
    return sorted(counts, key=lambda m: (-m.students, m.lesson, m.mistake))


def _mistake_of(message: str) -> str:
    """The part of a check's feedback that names the mistake (after 'what: ')."""
    first = message.split("\n")[0]
    what, sep, named = first.partition(": ")
    return named if sep and "(" in what else first


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
              "The mistakes the checks named most often, each with the students who made it:", "",
              "| lesson | mistake | students | caught by |", "|---|---|---|---|"]
    for mistake in mistakes(rows)[:HARDEST]:
        lines.append(f"| {mistake.lesson} | {_cell(mistake.mistake)} | {mistake.students} | "
                     f"{_cell('; '.join(mistake.checks))} |")
    lines += ["", "## The hardest checks", "", "| check | passed |", "|---|---|"]
    for rate in pass_rates(rows)[:HARDEST]:
        if rate.rate < 1:
            lines.append(f"| {_cell(rate.label)} | {rate.rate:.0%} of {rate.seen} |")
    if failed:
        lines += ["", "## Could not be graded", ""]
        lines += [f"- {student} {lesson}: {why}" for student, lesson, why in failed]
    lines += ["", "Charts: `scores.png` (totals), `pass_rates.png` (hardest checks); "
              "`index.html` shows all of it in a browser.", ""]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")[:160]


def write_report(course: Course, rows: Sequence[StudentRow], folder: Path,
                 failed: Sequence[tuple[str, str, str]], unsafe_notes: Sequence[str],
                 feedback: dict[str, str] | None = None) -> None:
    """summary.md, index.html and the charts; ``feedback``: student -> their feedback page."""
    write_atomic(folder / "summary.md", summary_markdown(course, rows, failed, unsafe_notes))
    write_atomic(folder / "index.html", report_html(course, rows, failed, unsafe_notes,
                                                    feedback or {}))
    _write_charts(course, rows, folder)


def prepare_charts() -> None:
    """Import matplotlib in the background (about half a second) while a batch grades, so the
    charts at its end do not wait for it."""
    import threading

    def load() -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401

    threading.Thread(target=load, name="import-matplotlib", daemon=True).start()


def _write_charts(course: Course, rows: Sequence[StudentRow], folder: Path) -> None:
    rates = pass_rates(rows)[:25]
    totals = [round(row.total, 4) for row in rows]
    digest = sha256(json.dumps([totals, [(r.label, r.passed, r.seen) for r in rates]]).encode())
    marker = folder / ".charts-digest"
    charts = [folder / name for name in CHARTS]
    if marker.exists() and marker.read_text() == digest and all(c.exists() for c in charts):
        return  # nothing behind the charts changed: skip matplotlib entirely
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    possible = sum(entry.lesson.points for entry in rows[0].entries) if rows else 1
    figure, axes = plt.subplots(figsize=(7, 4), dpi=110)
    edges = _whole_point_bins(possible)
    axes.hist(totals, bins=edges, color="steelblue", edgecolor="white")
    axes.set_xlabel(f"total points (of {format_points(possible)})")
    axes.set_ylabel("students")
    axes.yaxis.get_major_locator().set_params(integer=True)  # whole students
    axes.set_title(f"{course.name}: totals of {len(totals)} students")
    figure.tight_layout()
    _save(figure, charts[0], plt)

    height = max(3.0, 0.32 * len(rates) + 1)
    figure, axes = plt.subplots(figsize=(9, height), dpi=110)
    labels = [r.label if len(r.label) <= 70 else r.label[:67] + "..." for r in rates]
    values = [r.rate * 100 for r in rates]
    bars = axes.barh(range(len(rates)), [max(v, 0.6) for v in values], color="indianred")
    for bar, rate in zip(bars, rates, strict=True):  # the value, and zero bars stay visible
        axes.text(bar.get_width() + 1, bar.get_y() + bar.get_height() / 2,
                  f"{rate.rate:.0%} ({rate.passed}/{rate.seen})", va="center", fontsize=7)
    axes.set_yticks(range(len(rates)), labels, fontsize=7)
    axes.invert_yaxis()
    axes.set_xlim(0, 112)
    axes.set_xlabel("% of submissions passing every case of the check")
    axes.set_title("The hardest checks")
    figure.tight_layout()
    _save(figure, charts[1], plt)
    write_atomic(marker, digest)


def _whole_point_bins(possible: float) -> list[float]:
    step = max(1.0, round(possible / 20))
    edges = [0.0]
    while edges[-1] < possible:
        edges.append(min(possible, edges[-1] + step))
    return edges if len(edges) > 1 else [0.0, 1.0]


def _save(figure, path: Path, plt) -> None:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    write_atomic(path, buffer.getvalue())


# ---------------------------------------------------------------------- the HTML page

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 72em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ccc;
padding: .3em .6em; text-align: left; vertical-align: top; } th { background: #f3f3f3; }
.note { background: #fff3cd; padding: .5em 1em; } img { max-width: 100%; }
details { margin: .3em 0; } summary { cursor: pointer; } .ok { color: #2e7d32; }
.bad { color: #c62828; } pre { white-space: pre-wrap; background: #f8f8f8; padding: .5em; }
"""


def report_html(course: Course, rows: Sequence[StudentRow],
                failed: Sequence[tuple[str, str, str]], unsafe_notes: Sequence[str],
                feedback: dict[str, str]) -> str:
    """One page for the instructor's browser: the class at a glance, what to reteach, and
    every student's feedback (as the student will read it)."""
    e = html.escape
    totals = [row.total for row in rows]
    possible = sum(entry.lesson.points for entry in rows[0].entries) if rows else 0
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'>"
             f"<title>{e(course.name)}: class report</title><style>{STYLE}</style></head><body>",
             f"<h1>{e(course.name)}: class report</h1>"]
    parts += [f"<p class='note'>{e(note)}</p>" for note in unsafe_notes]
    if totals:
        parts.append(f"<p>{len(rows)} students · mean {format_points(statistics.mean(totals))} · "
                     f"median {format_points(statistics.median(totals))} of "
                     f"{format_points(possible)} points</p>")
    parts.append("<h2>Scores</h2><img src='scores.png' alt='histogram of the students' totals'>")
    parts.append("<h2>What to reteach</h2><table><tr><th>lesson</th><th>mistake</th>"
                 "<th>students</th><th>caught by</th></tr>")
    for mistake in mistakes(rows)[:HARDEST * 2]:
        parts.append(f"<tr><td>{e(mistake.lesson)}</td><td>{e(mistake.mistake)}</td>"
                     f"<td>{mistake.students}</td><td>{e('; '.join(mistake.checks))}</td></tr>")
    parts.append("</table><h2>The hardest checks</h2>"
                 "<img src='pass_rates.png' alt='share of submissions passing each check'>")
    parts.append("<h2>Lessons</h2><table><tr><th>lesson</th><th>submitted</th>"
                 "<th>mean points</th><th>late</th></tr>")
    for index, column in enumerate(rows[0].entries if rows else []):
        entries = [row.entries[index] for row in rows if row.entries[index].result is not None]
        mean = statistics.mean(x.points for x in entries) if entries else 0.0
        late = sum(1 for x in entries if x.lateness and x.lateness.days_late)
        parts.append(f"<tr><td>{e(column.lesson.id)} · {e(column.lesson.title)}</td>"
                     f"<td>{len(entries)}</td><td>{format_points(mean)} / "
                     f"{format_points(column.lesson.points)}</td><td>{late}</td></tr>")
    parts.append("</table>")
    if failed:
        parts.append("<h2>Could not be graded</h2><ul>")
        parts += [f"<li>{e(student)} {e(lesson)}: {e(why)}</li>" for student, lesson, why in failed]
        parts.append("</ul>")
    parts.append("<h2>Students</h2>")
    for row in rows:
        marks = " · ".join(f"{entry.lesson.id} {format_points(entry.points)}" for entry in row.entries)
        parts.append(f"<details><summary><b>{e(row.student)}</b>: {format_points(row.total)} / "
                     f"{format_points(possible)} ({e(marks)})</summary>"
                     f"<pre>{e(feedback.get(row.student, ''))}</pre></details>")
    parts.append("</body></html>")
    return "\n".join(parts)
