"""Fill ``SUBMISSIONS/<student>/<lesson>/<module>`` (+ ``submission.json``) from what students
handed in: the exchange folder ``course submit`` writes to, an LMS bulk download, or nbgrader's
``submitted/`` folder.

Every archive is unpacked by ``grader.intake.archives`` (no escapes, no links, no bombs); exchange
manifests are checked (course, lesson, student, sha256 of each file); of several submissions
of one lesson the latest counts, and its time is kept for the late policy.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.course.classfolder import METADATA, STUDENT_ID, metadata_text
from grader.course.config import Course, CourseError, Lesson
from grader.course.files import sha256, write_if_changed
from grader.course.times import parse_utc
from grader.intake.archives import ArchiveLimits, UnsafeArchive, extract

EXCHANGE_NAME = re.compile(r"^(?P<student>[^_].*?)__(?P<lesson>[a-z][a-z0-9_]*)__\d{8}T\d{6}Z\.zip$")
LMS_LIMITS = ArchiveLimits(max_files=20_000, max_bytes=512 * 1024 * 1024, max_ratio=200)
STUDENT_LIMITS = ArchiveLimits()


@dataclass(frozen=True)
class Handed:
    student: str
    lesson: Lesson
    source: bytes
    submitted_at: dt.datetime | None
    origin: str


@dataclass
class CollectReport:
    kind: str
    kept: list[Handed] = field(default_factory=list)
    superseded: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # what, why


def collect(course: Course, source: Path, out: Path) -> CollectReport:
    """Read ``source`` (detecting its kind), keep the latest per student and lesson, write out."""
    source = Path(source)
    if source.is_file() and zipfile.is_zipfile(source):
        report = CollectReport("LMS bulk download")
        found = _from_lms_zip(course, source, report)
    elif source.is_dir() and any(EXCHANGE_NAME.match(p.name) for p in source.glob("*.zip")):
        report = CollectReport("exchange folder")
        found = [h for p in sorted(source.glob("*.zip")) if (h := _from_exchange(course, p, report))]
    elif source.is_dir() and any(source.glob("*/*/*.ipynb")):
        report = CollectReport("nbgrader submitted/ folder")
        found = _from_nbgrader(course, source, report)
    else:
        raise CourseError(f"{source} is neither an exchange folder, an LMS zip nor nbgrader's "
                          f"submitted/ folder")
    latest: dict[tuple[str, str], Handed] = {}
    for handed in found:
        key = (handed.student, handed.lesson.id)
        current = latest.get(key)
        if current is None or _later(handed, current):
            report.superseded += current is not None
            latest[key] = handed
        else:
            report.superseded += 1
    for handed in sorted(latest.values(), key=lambda h: (h.student, h.lesson.id)):
        folder = out / handed.student / handed.lesson.id
        write_if_changed(folder / handed.lesson.module, handed.source)
        write_if_changed(folder / METADATA,
                         metadata_text(handed.submitted_at, handed.origin, sha256(handed.source)))
        report.kept.append(handed)
    return report


def _later(a: Handed, b: Handed) -> bool:
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return (a.submitted_at or epoch, a.origin) > (b.submitted_at or epoch, b.origin)


def _lesson_by_module(course: Course, name: str) -> Lesson | None:
    return next((lesson for lesson in course.lessons if lesson.module == name), None)


# ---------------------------------------------------------------------- the exchange


def _from_exchange(course: Course, archive: Path, report: CollectReport) -> Handed | None:
    with tempfile.TemporaryDirectory() as scratch:
        try:
            extract(archive, Path(scratch) / "x", STUDENT_LIMITS)
            return _from_manifest(course, Path(scratch) / "x", archive.name)
        except (UnsafeArchive, ValueError, KeyError, CourseError, OSError) as exc:
            report.rejected.append((archive.name, str(exc)))
            return None


def _from_manifest(course: Course, folder: Path, origin: str) -> Handed:
    manifest = json.loads((folder / "manifest.json").read_text())
    if manifest.get("course") != course.id:
        raise ValueError(f"it is for course {manifest.get('course')!r}, not {course.id!r}")
    lesson = course.lesson(str(manifest["lesson"]))
    student = str(manifest["student"])
    if not STUDENT_ID.match(student):
        raise ValueError(f"student id {student!r} is not valid")
    match = EXCHANGE_NAME.match(origin)
    if match and (match["student"] != student or match["lesson"] != lesson.id):
        raise ValueError("its name and its manifest disagree on student or lesson")
    files = manifest["files"]
    if set(files) != {lesson.module}:
        raise ValueError(f"it must hold exactly {lesson.module}")
    data = (folder / lesson.module).read_bytes()
    if sha256(data) != files[lesson.module]:
        raise ValueError(f"{lesson.module} does not match its sha256 in the manifest")
    return Handed(student, lesson, data, parse_utc(str(manifest["submitted_at"])), origin)


# ---------------------------------------------------------------------- an LMS bulk download


def _from_lms_zip(course: Course, archive: Path, report: CollectReport) -> list[Handed]:
    """One entry per student: ``<student>/<module>``, ``<student>__<module>``, or
    ``<student>.zip`` (module files, or a ``course submit`` archive with its manifest)."""
    found = []
    with tempfile.TemporaryDirectory() as scratch:
        try:
            extract(archive, Path(scratch) / "all", LMS_LIMITS)
        except UnsafeArchive as exc:
            report.rejected.append((archive.name, str(exc)))
            return []
        times = _zip_times(archive)
        root = Path(scratch) / "all"
        for entry in sorted(root.iterdir()):
            name = entry.name
            try:
                if entry.is_dir():
                    found += _student_folder(course, name, entry, times, f"{archive.name}:{name}")
                elif name.endswith(".zip"):
                    found += _student_zip(course, entry, times.get(name), report)
                elif "__" in name:
                    student, _, module = name.partition("__")
                    lesson = _lesson_by_module(course, module)
                    if lesson is None or not STUDENT_ID.match(student):
                        raise ValueError("not <student>__<module>")
                    found.append(Handed(student, lesson, entry.read_bytes(), times.get(name),
                                        f"{archive.name}:{name}"))
                else:
                    raise ValueError("not a student's folder, file or archive")
            except (ValueError, UnsafeArchive, OSError) as exc:
                report.rejected.append((f"{archive.name}:{name}", str(exc)))
    return found


def _zip_times(archive: Path) -> dict[str, dt.datetime]:
    """When each top-level entry was handed in, as the LMS recorded it (taken as UTC)."""
    times: dict[str, dt.datetime] = {}
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            top = info.filename.split("/")[0]
            moment = dt.datetime(*info.date_time, tzinfo=dt.UTC)
            times[top] = max(times.get(top, moment), moment)
    return times


def _student_folder(course: Course, student: str, folder: Path, times: dict,
                    origin: str) -> list[Handed]:
    if not STUDENT_ID.match(student):
        raise ValueError(f"{student!r} is not a valid student id")
    found = []
    for path in sorted(folder.rglob("*.py")):
        lesson = _lesson_by_module(course, path.name)
        if lesson is not None:
            found.append(Handed(student, lesson, path.read_bytes(), times.get(student), origin))
    if not found:
        raise ValueError("no lesson module in it")
    return found


def _student_zip(course: Course, archive: Path, when, report: CollectReport) -> list[Handed]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "s"
        extract(archive, folder, STUDENT_LIMITS)
        if (folder / "manifest.json").exists():
            try:
                return [_from_manifest(course, folder, archive.name)]
            except (ValueError, KeyError, CourseError) as exc:
                raise ValueError(f"manifest: {exc}") from None
        student = archive.name.removesuffix(".zip")
        return _student_folder(course, student, folder, {student: when}, archive.name)


# ---------------------------------------------------------------------- nbgrader


def _from_nbgrader(course: Course, root: Path, report: CollectReport) -> list[Handed]:
    """``submitted/<student>/<lesson>/<lesson>.ipynb``: the module is the solution cells."""
    from grader.intake.notebooks import module_from_notebook, submission_time

    found = []
    for notebook in sorted(root.glob("*/*/*.ipynb")):
        student, lesson_id = notebook.parent.parent.name, notebook.parent.name
        try:
            lesson = course.lesson(lesson_id)
            if not STUDENT_ID.match(student):
                raise ValueError(f"{student!r} is not a valid student id")
            source = module_from_notebook(notebook.read_bytes())
            when = submission_time(notebook)
            found.append(Handed(student, lesson, source, when, str(notebook.relative_to(root))))
        except (ValueError, CourseError, OSError) as exc:
            report.rejected.append((str(notebook.relative_to(root)), str(exc)))
    return found

