"""Grading results as small frozen dataclasses, and the pure functions that score them."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

VISIBLE = "visible"
HIDDEN = "after_published"


@dataclass(frozen=True)
class TestResult:
    """One check of one submission. ``feedback`` is always safe to show the student."""

    __test__ = False  # not a pytest test class

    name: str
    description: str
    max_score: float
    passed: bool
    feedback: str = ""
    visibility: str = HIDDEN

    @property
    def score(self) -> float:
        return self.max_score if self.passed else 0.0

    @property
    def public(self) -> bool:
        return self.visibility == VISIBLE


@dataclass(frozen=True)
class LessonResult:
    """Every check of one submission for one lesson."""

    lesson: str
    submission: str
    tests: tuple[TestResult, ...]
    execution_time: float = 0.0
    problem: str = ""  # why the submission could not be run at all, if it could not
    printed: str = ""  # what the submission printed (capped), never mixed into verdicts
    notes: tuple[str, ...] = field(default=())

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests), 6)

    @property
    def failed(self) -> tuple[TestResult, ...]:
        return tuple(t for t in self.tests if not t.passed)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LessonResult:
        tests = tuple(TestResult(**t) for t in data["tests"])
        return cls(**{**data, "tests": tests, "notes": tuple(data.get("notes", ()))})


def format_points(x: float) -> str:
    """Points as people write them: 10, 7.5, 8.33 (at most two decimals, no trailing zeros)."""
    return f"{x:.2f}".rstrip("0").rstrip(".") or "0"


def split_points(points: float, cases: int) -> float:
    """A test's points shared equally by its parametrized cases."""
    return points / cases if cases else 0.0


def failing_functions(result: LessonResult, functions: tuple[str, ...]) -> list[str]:
    """The lesson functions named by failing checks, in the order the checks failed."""
    found: list[str] = []
    for test in result.failed:
        for function in functions:
            named = test.feedback.startswith(function) or f"test_{function}" in test.name
            if named and function not in found:
                found.append(function)
    return found
