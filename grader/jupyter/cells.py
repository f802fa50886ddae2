"""The notebook's graded cells: which checks each one scores, its points, its source, its report.

An exported notebook has two kinds of graded (locked, pointed) code cells:

- one **public** cell after each function's answer cell: that function's public checks
  (``test_<module>.py`` beside the notebook), run in the kernel by
  ``grader.jupyter.kernel.public_checks`` with the messages ``course check`` prints;
- one **hidden** cell per hidden test function, run at grading time.

The points of all of them add up to the lesson's ``points`` in ``course.toml``: each cell gets
its checks' share of the suites' raw points. Cell points and scores are multiples of
``1 / GRID``, so nbgrader's sums (SQLite adds floats in whatever order) are exact: a notebook
with full marks totals exactly the lesson's points.

The cell's source is the one record of what it scores: the export writes it from a
``GradeCell`` and ``grader nbgrader grade`` reads it back (``grade_cells_in``), so the kernel,
the sandboxed grader and the gradebook agree on every cell.
"""

from __future__ import annotations

import ast
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass

from grader.course.i18n import render, t
from grader.course.results import TestResult, format_points
from grader.reports.text import display_width

PUBLIC, HIDDEN = "public", "hidden"
GRID = 2 ** 16
PUBLIC_CALL, HIDDEN_CALL = "public_checks", "hidden_check"
PUBLIC_PREFIX = "public_"  # a public cell's grade_id: public_<function>
COMMENT_WIDTH = 92  # a graded cell's comment lines, after "# "
NO_LINE_START = set("，。、；：？！）》」』”’,.;:?!)]}")  # punctuation that ends a line, never starts one


@dataclass(frozen=True)
class GradeCell:
    """One graded cell: the checks it scores and the points it is worth in nbgrader."""

    grade_id: str
    kind: str  # PUBLIC or HIDDEN
    subject: str  # the lesson function (public) or the hidden test function (hidden)
    checks: tuple[str, ...]  # test functions (``test_f``) or single cases (``test_f[a-b]``)
    points: float


def on_grid(value: float) -> float:
    return round(value * GRID) / GRID


def scaled_points(raw: Sequence[float], total: float) -> list[float]:
    """Each raw share of ``total``, on the grid, adding up to ``total`` exactly."""
    whole = sum(raw)
    if whole <= 0:
        raise ValueError("the checks are worth no points")
    points = [on_grid(total * share / whole) for share in raw]
    largest = max(range(len(raw)), key=lambda index: raw[index])
    points[largest] = total - (sum(points) - points[largest])
    return points


def cell_score(points: float, earned: float, possible: float) -> float:
    """A cell's points for ``earned`` of its checks' ``possible`` raw points (on the grid)."""
    if possible <= 0:
        return 0.0
    if earned >= possible - 1e-9:
        return points
    return min(points, on_grid(points * max(earned, 0.0) / possible))


def case_of(result_name: str) -> str:
    """``test_x.py::test_f[a-b]`` -> ``test_f[a-b]``: a result's name as cells list it."""
    return result_name.split("::")[-1]


def check_of(result_name: str) -> str:
    """``test_x.py::test_f[a-b]`` -> ``test_f``: the test function, all its cases."""
    return case_of(result_name).split("[")[0]


def cases_of(cell: GradeCell, tests: Sequence[TestResult]) -> list[TestResult]:
    """The results (parametrized cases) that ``cell`` scores, in order."""
    public = cell.kind == PUBLIC
    return [test for test in tests if test.public == public
            and (case_of(test.name) in cell.checks or check_of(test.name) in cell.checks)]


def score_of(cell: GradeCell, cases: Sequence[TestResult]) -> float:
    return cell_score(cell.points, sum(t.score for t in cases), sum(t.max_score for t in cases))


# ---------------------------------------------------------------------- planning


def public_groups(functions: Sequence[str],
                  reference: Sequence[TestResult]) -> list[tuple[str, tuple[str, ...], float]]:
    """(function, checks, raw points) per function that has public checks, in stub order.

    A check belongs to the last function (in the stub's order) it called on the reference:
    its cell comes after every function it needs. A test function whose cases all belong to
    one function is listed whole; otherwise each case is listed where it belongs.
    """
    order = {name: index for index, name in enumerate(functions)}

    def owner(test: TestResult) -> str:
        called = [f for f in test.functions if f in order]
        if called:
            return max(called, key=order.__getitem__)
        named = [f for f in functions if check_of(test.name) == f"test_{f}"
                 or check_of(test.name).startswith(f"test_{f}_")]
        return max(named, key=len) if named else functions[-1]

    owners: dict[str, list[tuple[TestResult, str]]] = {}
    for test in reference:
        if test.public:
            owners.setdefault(check_of(test.name), []).append((test, owner(test)))
    checks: dict[str, list[str]] = {f: [] for f in functions}
    raw: dict[str, float] = dict.fromkeys(functions, 0.0)
    for check, cases in owners.items():
        whole = len({function for _, function in cases}) == 1
        for test, function in cases:
            entry = check if whole else case_of(test.name)
            if entry not in checks[function]:
                checks[function].append(entry)
            raw[function] += test.max_score
    return [(f, tuple(checks[f]), raw[f]) for f in functions if checks[f]]


def plan_cells(lesson_points: float, functions: Sequence[str],
               reference_public: Sequence[TestResult],
               hidden: Sequence[tuple[str, float]]) -> list[GradeCell]:
    """Every graded cell of a lesson's notebook, points scaled to ``lesson_points``.

    ``hidden`` is (test function, points) per hidden test; ``reference_public`` the public
    checks' results on the reference (their points, and which functions each one calls).
    """
    groups = public_groups(functions, reference_public)
    raw = [points for _, _, points in groups] + [points for _, points in hidden]
    points = scaled_points(raw, lesson_points)
    cells = [GradeCell(f"{PUBLIC_PREFIX}{function}", PUBLIC, function, checks, share)
             for (function, checks, _), share in zip(groups, points[:len(groups)], strict=True)]
    cells += [GradeCell(name, HIDDEN, name, (name,), share)
              for (name, _), share in zip(hidden, points[len(groups):], strict=True)]
    return cells


# ---------------------------------------------------------------------- cell source


def cell_source(lesson_id: str, checks_file: str, lesson_points: float, cell: GradeCell, *,
                lang: str = "en") -> str:
    """The code of a graded cell: a comment for the student (in ``lang``), then the one call
    it makes (the same in every language: ``grade_cells_in`` reads it back)."""
    points, total = format_points(cell.points), format_points(lesson_points)
    if cell.kind == PUBLIC:
        comment = t("Public checks of {function} ({points} of the lesson's {total} points): the "
                    "checks in {checks} beside this notebook, with the messages `course check` "
                    "prints. Validate passes only when every check passes; the hidden tests run "
                    "when your notebook is graded.",
                    function=cell.subject, points=points, total=total, checks=checks_file)
        listed = "".join(f"    {check!r},\n" for check in cell.checks)
        call = (f"{PUBLIC_CALL}({lesson_id!r}, {cell.subject!r}, globals(), "
                f"points={cell.points!r}, checks=[\n{listed}])")
    else:
        comment = t("Hidden test {test} ({points} of the lesson's {total} points): it runs on "
                    "your functions when your notebook is graded; its checks are not shown.",
                    test=cell.subject, points=points, total=total)
        call = f"{HIDDEN_CALL}({lesson_id!r}, {cell.subject!r}, globals(), points={cell.points!r})"
    name = PUBLIC_CALL if cell.kind == PUBLIC else HIDDEN_CALL
    lines = [f"# {line}" for line in wrap(comment.render(lang), COMMENT_WIDTH, lang)]
    return "\n".join([*lines, f"from grader.jupyter.kernel import {name}", call])


def wrap(text: str, width: int, lang: str = "en") -> list[str]:
    """``text`` in lines of at most ``width`` terminal columns. English breaks at spaces
    (``textwrap``); Chinese, which has none, between any two characters (a Chinese character
    takes two columns), never before closing punctuation nor inside a run of code."""
    if lang == "en":
        return textwrap.wrap(text, width=width)
    lines: list[str] = []
    line, space = "", ""
    for token in re.findall(r"\s+|[!-~]+|.", text):
        if token.isspace():
            space = " " if line else ""
            continue
        joined = line + space + token
        if line and display_width(joined) > width and token not in NO_LINE_START:
            lines.append(line)
            joined = token
        line, space = joined, ""
    return [*lines, line] if line else lines


def grade_cells_in(notebook) -> list[GradeCell]:
    """The graded cells of an exported notebook, read back from their source."""
    cells = []
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or not meta.get("grade"):
            continue
        grade_id = str(meta.get("grade_id", ""))
        call = _the_call(cell.get("source", ""))
        if call is None:
            raise ValueError(f"graded cell {grade_id} calls neither {PUBLIC_CALL} nor "
                             f"{HIDDEN_CALL}: it was not written by `grader nbgrader export`")
        name, subject, keywords = call
        points = float(meta.get("points", 0.0))
        if name == PUBLIC_CALL:
            cells.append(GradeCell(grade_id, PUBLIC, subject, tuple(keywords.get("checks", ())),
                                   points))
        else:
            cells.append(GradeCell(grade_id, HIDDEN, subject, (subject,), points))
    return cells


def _the_call(source: str) -> tuple[str, str, dict] | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in (PUBLIC_CALL, HIDDEN_CALL) and len(node.args) >= 2):
            try:
                subject = ast.literal_eval(node.args[1])
                keywords = {k.arg: ast.literal_eval(k.value) for k in node.keywords
                            if k.arg in ("checks", "points")}
            except ValueError:
                return None
            return node.func.id, str(subject), keywords
    return None


# ---------------------------------------------------------------------- what a cell shows


def public_report(function: str, cases: Sequence[TestResult], language: str = "en",
                  catalogs: tuple = ()) -> str:
    """A public cell's output: as ``course check`` words it, for one function's checks, in
    ``language`` (``catalogs``: the lesson's, from ``lesson_catalogs``)."""
    failed = [test for test in cases if not test.passed]
    passed = len(cases) - len(failed)

    def say(message) -> str:
        return render(message, language, catalogs)

    if not failed:
        return f"✓ {function}: " + say(t("{passed}/{total} public checks passed — hidden tests "
                                         "run at grading.", passed=passed, total=len(cases)))
    first = failed[0]
    lines = [f"✗ {first.description_in(language, catalogs)}",
             *(f"    {part}" for part in first.student_text(language, catalogs).splitlines())]
    lines += ["", f"{function}: " + say(t("{passed}/{total} public checks passed",
                                          passed=passed, total=len(cases)))]
    shown = first.description_in(language, catalogs)
    others = list(dict.fromkeys(description for description in (
        test.description_in(language, catalogs) for test in failed[1:]) if description != shown))
    lines += ["  " + say(t("also failing: {check}", check=description)) for description in others]
    return "\n".join(lines)


def hidden_report(cases: Sequence[TestResult], language: str = "en", catalogs: tuple = ()) -> str:
    """A hidden cell's output: each failing case with the check's own words only, in
    ``language`` (``catalogs``: the lesson's, with its hidden suites' words)."""
    lines = [f"✗ {test.name}: {test.feedback_in(language, catalogs)}"
             for test in cases if not test.passed]
    if lines:
        return "\n".join(lines)
    return render(t("all {count} cases passed", count=len(cases)), language, catalogs)
