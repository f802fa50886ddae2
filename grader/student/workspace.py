"""The student's workspace: fetched lessons, progress state, backups, submission archives.

A workspace is any folder; each fetched lesson is ``<workspace>/<lesson>/``. Progress lives
in ``<workspace>/.course-state.json`` (written atomically). Nothing here ever deletes or
overwrites a student's edit without keeping a copy.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.course.config import Course, CourseError, Lesson
from grader.course.files import sha256, write_atomic
from grader.course.i18n import N_, _, current_language
from grader.course.times import utc_iso, utc_now, utc_stamp

STATE_FILE = ".course-state.json"
MANIFEST = "manifest.json"

NOT_FETCHED = N_("not fetched")
IN_PROGRESS = N_("in progress")
PASSED = N_("public checks passed")
SUBMITTED = N_("submitted")
SUBMITTED_EDITED = N_("submitted, edited since")


@dataclass(frozen=True)
class Progress:
    """Two counts, each saying what it counts."""

    submitted: int
    passing: int
    lessons: int

    def __str__(self) -> str:
        return self.text()

    def text(self) -> str:
        """In the current language."""
        return _("{submitted}/{lessons} lessons submitted · {passing}/{lessons} pass their "
                 "public checks").format(submitted=self.submitted, passing=self.passing,
                                         lessons=self.lessons)


@dataclass(frozen=True)
class FetchReport:
    folder: Path
    written: tuple[str, ...]
    kept: bool  # the student's module was left as it was
    backup: Path | None


class Workspace:
    def __init__(self, root: Path, course: Course) -> None:
        self.root = Path(root).resolve()
        self.course = course

    # ------------------------------------------------------------------ paths

    def lesson_dir(self, lesson: Lesson) -> Path:
        return self.root / lesson.id

    def module_path(self, lesson: Lesson) -> Path:
        return self.lesson_dir(lesson) / lesson.module

    # ------------------------------------------------------------------ state

    @property
    def state_path(self) -> Path:
        return self.root / STATE_FILE

    def state(self) -> dict[str, Any]:
        try:
            data = json.loads(self.state_path.read_text())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            raise CourseError(_("{path} is damaged; delete it to start the progress record "
                                "afresh (your code is not in it)").format(path=self.state_path)) from None
        return data if isinstance(data, dict) else {}

    def update_state(self, lesson_id: str | None = None, **values: Any) -> dict[str, Any]:
        state = self.state()
        target = state.setdefault("lessons", {}).setdefault(lesson_id, {}) if lesson_id else state
        target.update(values)
        write_atomic(self.state_path, json.dumps(state, indent=2, sort_keys=True).encode())
        return state

    def lesson_state(self, lesson: Lesson) -> dict[str, Any]:
        return self.state().get("lessons", {}).get(lesson.id, {})

    # ------------------------------------------------------------------ fetch

    def fetch(self, lesson: Lesson, *, force: bool = False) -> FetchReport:
        """Copy the lesson's files in; the student's module is kept unless ``force``.

        With ``force`` a module that differs from the stub is first copied to a timestamped
        backup next to it.
        """
        source_dir = self.course.exercise_dir(lesson)
        folder = self.lesson_dir(lesson)
        folder.mkdir(parents=True, exist_ok=True)
        stub = self.course.stub_source(lesson)
        module = self.module_path(lesson)
        written: list[str] = []
        kept, backup = False, None
        if module.exists() and module.read_bytes() != stub:
            if force:
                backup = module.with_name(f"{module.name}.backup-{utc_stamp(utc_now())}")
                shutil.copy2(module, backup)
            else:
                kept = True
        if not kept:
            write_atomic(module, stub)
            written.append(lesson.module)
        for path in sorted(source_dir.iterdir()):
            if path.is_file() and path.name != lesson.module and not path.name.startswith("."):
                data = path.read_bytes()
                target = folder / path.name
                if not target.exists() or target.read_bytes() != data:
                    write_atomic(target, data)
                    written.append(path.name)
        self.update_state(lesson.id, fetched=True)
        return FetchReport(folder, tuple(written), kept, backup)

    # ------------------------------------------------------------------ progress

    def is_stub(self, lesson: Lesson) -> bool:
        module = self.module_path(lesson)
        return module.exists() and module.read_bytes() == self.course.stub_source(lesson)

    def status(self, lesson: Lesson) -> str:
        """Where the lesson stands: a submission is remembered even after later edits."""
        module = self.module_path(lesson)
        if not module.exists():
            return NOT_FETCHED
        record = self.lesson_state(lesson)
        current = sha256(module.read_bytes())
        if record.get("submitted_sha256"):
            return SUBMITTED if record["submitted_sha256"] == current else SUBMITTED_EDITED
        if record.get("passed_sha256") == current:
            return PASSED
        return IN_PROGRESS

    def progress(self) -> Progress:
        """How many lessons are submitted, and how many pass their public checks now."""
        lessons = self.course.lessons
        submitted = sum(self.status(lesson) in (SUBMITTED, SUBMITTED_EDITED) for lesson in lessons)
        passing = sum(self.passes_now(lesson) for lesson in lessons)
        return Progress(submitted, passing, len(lessons))

    def passes_now(self, lesson: Lesson) -> bool:
        """The module as it is now passed the public checks when it was last checked."""
        module = self.module_path(lesson)
        record = self.lesson_state(lesson)
        return module.exists() and record.get("passed_sha256") == sha256(module.read_bytes())

    def reset(self, lesson: Lesson) -> Path | None:
        """Put the untouched exercise back; an edited module is kept as a backup (returned)."""
        return self.fetch(lesson, force=True).backup

    def record_check(self, lesson: Lesson, source: bytes, passed: bool,
                     failing_functions: list[str]) -> None:
        self.update_state(lesson.id, passed_sha256=sha256(source) if passed else None,
                          failing=failing_functions, checked_at=utc_iso(utc_now()))

    # ------------------------------------------------------------------ hints

    def next_hint(self, lesson: Lesson, function: str, hints: tuple[str, ...]) -> tuple[int, str]:
        """The next unseen hint for ``function`` (1-based number, text).

        After the last one the number is ``len(hints) + 1`` and the text is empty: there are
        no more (the student can still read them all again with ``again``).
        """
        shown = self.lesson_state(lesson).get("hints_shown", {})
        number = min(int(shown.get(function, 0)) + 1, len(hints) + 1)
        self.update_state(lesson.id, hints_shown={**shown, function: number})
        return number, hints[number - 1] if number <= len(hints) else ""

    # ------------------------------------------------------------------ submit

    def notes_name(self, lesson: Lesson) -> str:
        """The notes in the current language (notes.zh.md), or the English notes.md."""
        translated = f"notes.{current_language()}.md"
        if current_language() != "en" and (self.course.exercise_dir(lesson) / translated).is_file():
            return translated
        return "notes.md"

    def write_submission(self, lesson: Lesson, student: str, out_dir: Path, *,
                         language: str = "en") -> Path:
        """A zip of the module plus a manifest (student, lesson, UTC time, sha256 per file)."""
        module = self.module_path(lesson)
        data = module.read_bytes()
        moment = utc_now()
        manifest = {
            "course": self.course.id,
            "student": student,
            "lesson": lesson.id,
            "submitted_at": utc_iso(moment),
            "language": language,  # the student's: their feedback is written in it
            "files": {lesson.module: sha256(data)},
        }
        out_dir = Path(out_dir)
        archive = out_dir / f"{student}__{lesson.id}__{utc_stamp(moment)}.zip"
        bundle_bytes = io.BytesIO()
        with zipfile.ZipFile(bundle_bytes, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr(MANIFEST, json.dumps(manifest, indent=2))
            bundle.writestr(lesson.module, data)
        write_atomic(archive, bundle_bytes.getvalue())
        self.update_state(lesson.id, submitted_sha256=manifest["files"][lesson.module],
                          submitted_at=manifest["submitted_at"], archive=str(archive))
        return archive
