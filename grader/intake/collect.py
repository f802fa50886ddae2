"""Fill ``SUBMISSIONS/<student>/<lesson>/<module>`` (+ ``submission.json``) from what students
handed in: the exchange folder ``course submit`` writes to, an LMS bulk download, or nbgrader's
``submitted/`` folder.

Every archive is unpacked by ``grader.intake.archives`` (no escapes, no links, no bombs); exchange
manifests are checked (course, lesson, student, sha256 of each file); of several submissions
of one lesson the latest counts, and its time is kept for the late policy. Student ids may be
in any script and are kept in Unicode's composed form; two spellings of one name (``zoë``
precomposed and decomposed) are never merged: both are rejected, each with a line.

What is written into OUT is written as a set (``grader.course.files.staged``): a full disk or
a read-only folder leaves OUT as it was.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from grader.course.classfolder import METADATA, STUDENT_ID_RULE, metadata_text, shown, student_id
from grader.course.config import Course, CourseError, Lesson
from grader.course.files import sha256, staged, write_if_changed
from grader.course.i18n import normalise
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
    spelled: str = ""  # the student's name as it was handed in, before normalisation
    language: str | None = None  # the student's, from their manifest


@dataclass
class CollectReport:
    kind: str
    kept: list[Handed] = field(default_factory=list)
    superseded: int = 0
    rejected: list[tuple[str, str]] = field(default_factory=list)  # what, why
    ignored: list[tuple[str, str]] = field(default_factory=list)  # what, why: not a hand-in


def _student(name: str) -> str:
    """``name`` as a student id (composed form), or ValueError saying why it is not one."""
    sid = student_id(name)
    if sid is None:
        raise ValueError(f"{shown(name)} is not a student id ({STUDENT_ID_RULE})")
    return sid


def collect(course: Course, source: Path, out: Path) -> CollectReport:
    """Read ``source`` (detecting its kind), keep the latest per student and lesson, write out."""
    source, out = Path(source), Path(out)
    if out.exists() and not out.is_dir():
        raise CourseError(f"--out {out} is a file; give the class folder to fill (created if "
                          f"missing)")
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
    for handed in _one_spelling_each(found, report):
        key = (handed.student, handed.lesson.id)
        current = latest.get(key)
        if current is None or _later(handed, current):
            report.superseded += current is not None
            latest[key] = handed
        else:
            report.superseded += 1
    kept = sorted(latest.values(), key=lambda h: (h.student, h.lesson.id))
    out.mkdir(parents=True, exist_ok=True)
    with staged(out, sorted({handed.student for handed in kept})) as folder:
        for handed in kept:
            target = folder / handed.student / handed.lesson.id
            write_if_changed(target / handed.lesson.module, handed.source)
            write_if_changed(target / METADATA, metadata_text(handed.submitted_at, handed.origin,
                                                              sha256(handed.source),
                                                              handed.language))
    report.kept.extend(kept)
    return report


def _one_spelling_each(found: list[Handed], report: CollectReport) -> list[Handed]:
    """The hand-ins whose student id was spelt one way only; the others are rejected."""
    spellings: dict[str, set[str]] = {}
    for handed in found:
        spellings.setdefault(handed.student, set()).add(handed.spelled or handed.student)
    kept = []
    for handed in found:
        names = sorted(spellings[handed.student])
        if len(names) == 1:
            kept.append(handed)
            continue
        report.rejected.append((handed.origin, (
            f"{len(names)} spellings, {' and '.join(shown(n) for n in names)}, are the same name "
            f"{handed.student} once Unicode-normalised; they are not merged: give each student "
            f"one spelling (or tell them apart) and collect again")))
    return kept


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
    spelled = str(manifest["student"])
    student = _student(spelled)
    match = EXCHANGE_NAME.match(origin)
    if match and (student_id(match["student"]) != student or match["lesson"] != lesson.id):
        raise ValueError("its name and its manifest disagree on student or lesson")
    files = manifest["files"]
    if set(files) != {lesson.module}:
        raise ValueError(f"it must hold exactly {lesson.module}")
    data = (folder / lesson.module).read_bytes()
    if sha256(data) != files[lesson.module]:
        raise ValueError(f"{lesson.module} does not match its sha256 in the manifest")
    language = manifest.get("language")
    return Handed(student, lesson, data, parse_utc(str(manifest["submitted_at"])), origin,
                  spelled, normalise(language) if isinstance(language, str) else None)


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
                if entry.is_dir() and student_id(name) is None and not any(
                        _lesson_by_module(course, p.name) for p in entry.rglob("*.py")):
                    report.ignored.append((f"{archive.name}:{name}", "not a student's folder"))
                elif entry.is_dir():
                    found += _student_folder(course, name, entry, times, f"{archive.name}:{name}")
                elif name.endswith(".zip"):
                    found += _student_zip(course, entry, times.get(name), report)
                elif "__" in name:
                    spelled, _, module = name.partition("__")
                    lesson = _lesson_by_module(course, module)
                    if lesson is None:
                        raise ValueError(f"not <student>__<module>: {module} is no lesson's "
                                         f"module ({_modules(course)})")
                    found.append(Handed(_student(spelled), lesson, entry.read_bytes(),
                                        times.get(name), f"{archive.name}:{name}", spelled))
                else:
                    report.ignored.append((f"{archive.name}:{name}",
                                           "not a student's folder, file or archive"))
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


def _modules(course: Course) -> str:
    return "expected one of " + ", ".join(lesson.module for lesson in course.lessons)


def _student_folder(course: Course, spelled: str, folder: Path, times: dict,
                    origin: str) -> list[Handed]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        lesson = _lesson_by_module(course, path.name)
        if lesson is not None:
            found.append(Handed(_student(spelled), lesson, path.read_bytes(), times.get(spelled),
                                origin, spelled))
    if not found:
        there = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
        held = f"it holds {', '.join(there[:5])}" + (" …" if len(there) > 5 else "") if there \
            else "it is empty"
        raise ValueError(f"no lesson module in it ({held}; {_modules(course)})")
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
        spelled, lesson_id = notebook.parent.parent.name, notebook.parent.name
        try:
            lesson = course.lesson(lesson_id)
            student = _student(spelled)
            source = module_from_notebook(notebook.read_bytes())
            when = submission_time(notebook)
            found.append(Handed(student, lesson, source, when, str(notebook.relative_to(root)),
                                spelled))
        except (ValueError, CourseError, OSError) as exc:
            report.rejected.append((str(notebook.relative_to(root)), str(exc)))
    return found

