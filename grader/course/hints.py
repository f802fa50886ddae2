"""Hints: ``hints.toml`` beside ``course.toml``, one list of hints per lesson function.

```toml
[lesson2]
mse_grad = ["gentle first hint", "more specific", "almost there"]
```
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from grader.course.config import Course, CourseError

HINTS_FILE = "hints.toml"


def hints_path(course: Course) -> Path:
    return course.root / HINTS_FILE


def load_hints(course: Course, language: str = "en") -> dict[str, dict[str, tuple[str, ...]]]:
    """lesson id -> function -> hints in order (in ``language``, from the lesson's catalog);
    errors name the file and the key."""
    path = hints_path(course)
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CourseError(f"{path}: not valid TOML: {exc}") from None
    known = {lesson.id for lesson in course.lessons}
    hints: dict[str, dict[str, tuple[str, ...]]] = {}
    for lesson_id, table in data.items():
        if lesson_id not in known:
            raise CourseError(f"{path}: [{lesson_id}] is not a lesson in course.toml; "
                              f"use one of: {', '.join(sorted(known))}")
        if not isinstance(table, dict):
            raise CourseError(f"{path}: {lesson_id} must be a table: [{lesson_id}]")
        functions = course.stub_functions(course.lesson(lesson_id))
        for function, items in table.items():
            if function not in functions:
                raise CourseError(f"{path}: [{lesson_id}] {function}: no such function in "
                                  f"the stub; use one of: {', '.join(functions)}")
            if not isinstance(items, list) or not items or not all(
                isinstance(item, str) and item.strip() for item in items
            ):
                raise CourseError(f"{path}: [{lesson_id}] {function} must be a list of "
                                  f'non-empty strings, e.g. {function} = ["first hint"]')
        hints[lesson_id] = {function: tuple(items) for function, items in table.items()}
    if language != "en":
        from grader.course.i18n import course_translations

        for lesson_id, table in hints.items():
            catalog = course_translations(course, language, lesson_id)
            hints[lesson_id] = {function: tuple(catalog.gettext(item) for item in items)
                                for function, items in table.items()}
    return hints
