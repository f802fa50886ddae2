"""Where every student stands: per lesson the result, the lateness and the points (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grader.course.config import Course, Lesson
from grader.course.late import Lateness, assess
from grader.course.results import LessonResult


@dataclass(frozen=True)
class Entry:
    lesson: Lesson
    result: LessonResult | None = None
    lateness: Lateness | None = None
    failure: str = ""  # why it could not be graded

    @property
    def submitted(self) -> bool:
        return self.result is not None or bool(self.failure)

    @property
    def earned(self) -> float:
        """Points before any late penalty, on the lesson's scale."""
        if self.result is None or not self.result.max_score:
            return 0.0
        return self.lesson.points * self.result.score / self.result.max_score

    @property
    def points(self) -> float:
        if self.lateness is None:
            return self.earned
        return self.lateness.points_after(self.earned, self.lesson.points)

    @property
    def penalty(self) -> float:
        return self.earned - self.points


@dataclass(frozen=True)
class StudentRow:
    student: str
    entries: tuple[Entry, ...]

    @property
    def total(self) -> float:
        return sum(entry.points for entry in self.entries)


def standings(course: Course, lessons: Sequence[Lesson], students: Sequence[str],
              graded: dict[tuple[str, str], tuple[LessonResult | None, object, str]]) -> list[StudentRow]:
    """``graded[(student, lesson)] = (result, submitted_at, failure)`` for what was submitted."""
    rows = []
    for student in students:
        entries = []
        for lesson in lessons:
            if (student, lesson.id) not in graded:
                entries.append(Entry(lesson))
                continue
            result, submitted_at, failure = graded[(student, lesson.id)]
            lateness = assess(course.late, lesson.due, submitted_at) if result else None
            entries.append(Entry(lesson, result, lateness, failure))
        rows.append(StudentRow(student, tuple(entries)))
    return rows
