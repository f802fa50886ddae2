"""Grading results as small frozen dataclasses, and the pure functions that score them.

A check's ``feedback`` is always safe to show the student: the check's own words, never
anything the submission controls. ``details`` (expected vs got, the submission's exception
message) is shown with public checks only; for hidden tests it stays with the instructor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from grader.course.i18n import Text, _, render

VISIBLE = "visible"
HIDDEN = "after_published"
SANDBOX_FAILURE = "sandbox failure"  # a LessonResult.status: not graded, not the student's doing


@dataclass(frozen=True)
class TestResult:
    """One check (one parametrized case) of one submission."""

    __test__ = False  # not a pytest test class

    name: str
    description: str
    max_score: float
    passed: bool
    feedback: str = ""
    visibility: str = HIDDEN
    details: str = ""  # expected vs got and the like: public checks and instructors only
    functions: tuple[str, ...] = ()  # the lesson functions this check called, in order
    feedback_text: dict | None = None  # ``feedback`` as a translatable Text (to_data)
    details_text: dict | None = None

    @property
    def score(self) -> float:
        return self.max_score if self.passed else 0.0

    @property
    def public(self) -> bool:
        return self.visibility == VISIBLE

    @property
    def check(self) -> str:
        """The test function's name without its parameters: the same for all its cases."""
        return self.name.split("[", 1)[0]

    def student_text(self, language: str = "en", catalogs: tuple = ()) -> str:
        """What the student may read about this check (in ``language``): ``details`` only
        for public checks."""
        feedback = self.feedback_in(language, catalogs)
        if self.public and self.details:
            details = render(Text.from_data(self.details_text) if self.details_text else
                             self.details, language, catalogs)
            return f"{feedback}\n{details}" if feedback else details
        return feedback

    def feedback_in(self, language: str = "en", catalogs: tuple = ()) -> str:
        if language == "en" and not catalogs:
            return self.feedback
        source = Text.from_data(self.feedback_text) if self.feedback_text else self.feedback
        return render(source, language, catalogs)

    def description_in(self, language: str = "en", catalogs: tuple = ()) -> str:
        return self.description if language == "en" and not catalogs else render(
            self.description, language, catalogs)

    def instructor_text(self) -> str:
        return "\n".join(part for part in (self.feedback, self.details) if part)


@dataclass(frozen=True)
class LessonResult:
    """Every check of one submission for one lesson."""

    lesson: str
    submission: str
    tests: tuple[TestResult, ...]
    execution_time: float = 0.0
    problem: str = ""  # why the submission could not be run at all, if it could not
    printed: str = ""  # what the submission printed (capped): instructors only
    notes: tuple[str, ...] = field(default=())
    problem_details: str = ""  # the submission's own words about ``problem``: instructors only
    status: str = ""  # why it scored what it did, for the gradebook (see STATUSES)
    problem_text: dict | None = None  # ``problem`` as a translatable Text (to_data)
    problem_details_text: dict | None = None

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 6)

    @property
    def failed(self) -> tuple[TestResult, ...]:
        return tuple(t for t in self.tests if not t.passed)

    def problem_in(self, language: str = "en", catalogs: tuple = ()) -> str:
        if language == "en" and not catalogs:
            return self.problem
        return render(Text.from_data(self.problem_text) if self.problem_text else self.problem,
                      language, catalogs)

    def problem_details_in(self, language: str = "en", catalogs: tuple = ()) -> str:
        if language == "en" and not catalogs:
            return self.problem_details
        return render(Text.from_data(self.problem_details_text) if self.problem_details_text
                      else self.problem_details, language, catalogs)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LessonResult:
        tests = tuple(TestResult(**{**t, "functions": tuple(t.get("functions", ()))})
                      for t in data["tests"])
        return cls(**{**data, "tests": tests, "notes": tuple(data.get("notes", ()))})


@dataclass(frozen=True)
class FoldedCheck:
    """A check with its parametrized cases folded: one line for the student."""

    check: str
    description: str
    failed: int
    total: int
    feedback: tuple[str, ...]  # distinct messages, most frequent first
    public: bool
    english: tuple[str, ...] = ()  # the failing cases' feedback and details, in English

    def line(self) -> str:
        """``description: in 6 of 8 cases: the factor 2 … is missing`` (current language)."""
        where = _("in {failed} of {total} cases: ").format(failed=self.failed, total=self.total) \
            if self.total > 1 else ""
        messages = _("; ").join(self.feedback) if self.feedback else _("failed")
        return _("{description}: {where}{messages}").format(
            description=self.description.rstrip(".").rstrip("。"), where=where, messages=messages)


def fold_failures(tests: Sequence[TestResult], *, student: bool = True, language: str = "en",
                  catalogs: tuple = ()) -> list[FoldedCheck]:
    """Failing checks, one entry per test function in the order they first fail.

    ``student``: public checks carry their details (expected vs got), hidden ones only their
    feedback; with ``student=False`` every message is complete (the instructor's view).
    Messages and descriptions are in ``language`` (``catalogs``: the lesson's, for its own
    words).
    """
    cases: dict[str, list[TestResult]] = {}
    for test in tests:
        cases.setdefault(test.check, []).append(test)
    folded = []
    for check, group in cases.items():
        failing = [t for t in group if not t.passed]
        if not failing:
            continue
        counts: dict[str, int] = {}
        for test in failing:
            text = test.student_text(language, catalogs) if student else test.instructor_text()
            shown = text if (test.public or not student) else text.split("\n")[0]
            counts[shown] = counts.get(shown, 0) + 1
        messages = tuple(sorted(counts, key=lambda m: -counts[m]))
        folded.append(FoldedCheck(check, group[0].description_in(language, catalogs),
                                  len(failing), len(group), messages, group[0].public,
                                  tuple(t.instructor_text() for t in failing)))
    return folded


def format_points(x: float) -> str:
    """Points as people write them: 10, 7.5, 8.33 (at most two decimals, no trailing zeros)."""
    return f"{x:.2f}".rstrip("0").rstrip(".") or "0"


def split_points(points: float, cases: int) -> float:
    """A test's points shared equally by its parametrized cases."""
    return points / cases if cases else 0.0


def failing_functions(result: LessonResult, functions: tuple[str, ...]) -> list[str]:
    """The lesson functions whose checks fail, in the order the checks failed.

    A check belongs to a function when its feedback starts with the function's name followed
    by something that cannot continue a name (so ``mse`` is not ``mse_grad``), or when its
    test is named ``test_<function>`` followed by ``_`` or the end.
    """
    import re

    found: list[str] = []
    longest_first = sorted(functions, key=len, reverse=True)
    for test in result.failed:
        called = [f for f in test.functions if f in functions]
        if called:
            if called[0] not in found:
                found.append(called[0])
            continue
        for function in longest_first:
            named = re.match(rf"{re.escape(function)}(?![A-Za-z0-9_])", test.feedback) or re.match(
                rf"test_{re.escape(function)}(_|$|\[)", test.check.split("::")[-1])
            if named:
                if function not in found:
                    found.append(function)
                break
    return found
