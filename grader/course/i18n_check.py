"""Is every student-facing message translated? (``python -m grader.course.i18n_check``)

Extracts the messages afresh from the sources (as ``scripts/i18n.sh`` does, with Babel) and
holds each against its Chinese catalog: a message with no translation, a fuzzy one, one
whose placeholders differ from the English, or a compiled ``.mo`` older than its ``.po`` is
a problem, printed one per line. Exits 1 when there is any.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from grader.course.i18n import (
    COURSE_DOMAIN,
    LOCALE_DIR,
    PACKAGE_DOMAIN,
    PACKAGE_LOCALE,
    placeholders,
)

LANGUAGES = ("zh",)
SUITE = "grader.course.i18n_extract:extract_suite"


def expected_messages(course_root: Path) -> dict[tuple[Path, str], set[str]]:
    """(locale folder, domain) -> the message ids its sources hold now."""
    from babel.messages.extract import extract_from_dir, extract_from_file

    from grader.course.config import load_course

    course = load_course(course_root)
    found: dict[tuple[Path, str], set[str]] = {}
    package = PACKAGE_LOCALE.parent
    found[(PACKAGE_LOCALE, PACKAGE_DOMAIN)] = {
        message for _, _, message, _, _ in extract_from_dir(
            str(package), [("**.py", "python")], keywords={"_": None, "N_": None, "t": None})
        if isinstance(message, str)}
    local = course.root / LOCALE_DIR
    found[(local, COURSE_DOMAIN)] = {m for _, m, _, _ in extract_from_file(
        "grader.course.i18n_extract:extract_course", str(course.config_path))}
    for lesson in course.lessons:
        messages: set[str] = set()
        for folder in (course.exercise_dir(lesson), course.hidden_suite_dir(lesson)):
            if folder.is_dir():
                messages |= {m for _, _, m, _, _ in extract_from_dir(
                    str(folder), [("test_*.py", SUITE), ("**/test_*.py", SUITE)])}
        hints = course.root / "hints.toml"
        if hints.is_file():
            messages |= {m for _, m, _, _ in extract_from_file(
                "grader.course.i18n_extract:extract_hints", str(hints),
                options={"lesson": lesson.id})}
        found[(local, lesson.id)] = messages
    return found


def problems(course_root: Path) -> list[str]:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    found = []
    for (folder, domain), messages in expected_messages(course_root).items():
        for language in LANGUAGES:
            po = folder / language / "LC_MESSAGES" / f"{domain}.po"
            if not po.is_file():
                found.append(f"{po}: missing (run bash scripts/i18n.sh)")
                continue
            with po.open("rb") as handle:
                catalog = read_po(handle, locale=language)
            for message in sorted(messages):
                entry = catalog.get(message)
                if entry is None:
                    found.append(f"{po}: {message[:60]!r} is not in the catalog "
                                 f"(run bash scripts/i18n.sh)")
                elif not entry.string or entry.fuzzy:
                    found.append(f"{po}: {message[:60]!r} has no translation")
                elif placeholders(message) != placeholders(entry.string):
                    found.append(f"{po}: {message[:60]!r}: the translation's placeholders "
                                 f"{sorted(placeholders(entry.string))} differ from "
                                 f"{sorted(placeholders(message))}")
            compiled = io.BytesIO()
            write_mo(compiled, catalog)
            mo = po.with_suffix(".mo")
            if not mo.is_file() or mo.read_bytes() != compiled.getvalue():
                found.append(f"{mo}: not compiled from its .po (run bash scripts/i18n.sh)")
    return found


def main() -> None:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()
    found = problems(root)
    for problem in found:
        print(problem)
    print(f"{len(found)} translation problem(s)" if found else "every message is translated")
    raise SystemExit(1 if found else 0)


if __name__ == "__main__":
    main()
