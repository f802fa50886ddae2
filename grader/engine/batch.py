"""Grade a whole class: find the submissions, skip what is already graded, grade the rest on
warm workers (a local pool, or a Dask cluster), and keep every result in the gradebook.

Layout read: ``SUBMISSIONS/<student>/<lesson>/<module>`` with an optional
``submission.json`` (``{"submitted_at": "...Z"}``, written by ``grader collect``) beside it.
Nothing found there is dropped without a word: what cannot be graded (a wrong file name, a
folder that is not a student id, two spellings of one name, a link) is a problem that names
it and says what was expected, and whatever else is there is listed as ignored.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import queue
import re
import stat
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader import __version__
from grader.course.classfolder import (
    MAX_SUBMISSION_BYTES,
    METADATA,
    STUDENT_ID_RULE,
    read_language,
    read_submitted_at,
    shown,
    student_id,
    suggested_id,
)
from grader.course.config import Course, CourseError, Lesson
from grader.course.errors import UserError
from grader.course.files import sha256
from grader.course.results import SANDBOX_FAILURE, LessonResult
from grader.course.secret import grading_secret
from grader.engine.gradebook import Gradebook
from grader.engine.outfolder import OutFolderError, prepare_out
from grader.sandbox.plan import SandboxRefused

CHUNK = 6  # submissions per request: small enough for steady progress, big enough to amortise
GRADEBOOK = "gradebook.sqlite"
AGAIN = "and run the same command again"


@dataclass(frozen=True)
class ClassJob:
    student: str
    lesson: Lesson
    source: bytes
    submitted_at: dt.datetime | None
    language: str | None = None  # the student's, from submission.json

    @property
    def sha(self) -> str:
        return sha256(self.source)


@dataclass
class Discovery:
    jobs: list[ClassJob] = field(default_factory=list)
    students: list[str] = field(default_factory=list)  # every student id found, sorted
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # student, lesson, why
    ignored: list[tuple[str, str]] = field(default_factory=list)  # entry, why: not a submission

    def languages(self, default: str) -> dict[str, str]:
        """Each student's language: the one their latest submission recorded, else ``default``."""
        chosen: dict[str, tuple] = {}
        for job in self.jobs:
            if job.language:
                moment = job.submitted_at.timestamp() if job.submitted_at else 0.0
                chosen[job.student] = max(chosen.get(job.student, (moment, job.language)),
                                          (moment, job.language))
        return {student: chosen[student][1] if student in chosen else default
                for student in self.students}


class NothingToGrade(UserError):
    """The class folder holds no submission of the lessons asked for."""


def discover(course: Course, root: Path, lessons: Sequence[Lesson],
             skip: Path | None = None) -> Discovery:
    """Every (student, lesson) submission below ``root``; what cannot be graded, and why.

    Student ids are folder names in Unicode's composed form (see ``classfolder.student_id``);
    ``skip``: a folder that is not a student's (the output folder, when it sits inside).
    """
    found = Discovery()
    if not root.is_dir():
        raise CourseError(f"{root} is not a folder of submissions; pass the folder that "
                          f"grader collect filled (SUBMISSIONS/<student>/<lesson>/<module>)")
    try:
        entries = sorted(root.iterdir())
    except OSError as exc:
        raise CourseError(f"{root} cannot be read ({exc.strerror}); pass the folder that "
                          f"grader collect filled") from None
    folders: dict[str, list[Path]] = {}
    for entry in entries:
        if skip is not None and _same_file(entry, skip):
            continue
        sid = student_id(entry.name)
        if sid is not None and (entry.is_dir() or entry.is_symlink()):
            folders.setdefault(sid, []).append(entry)
        elif entry.is_symlink():
            _refuse(found, entry, None, lessons, _linked(entry))
        elif not entry.is_dir():
            found.ignored.append((_label(entry.name), "not a folder"))
        else:
            _refuse(found, entry, None, lessons,
                    f"the folder name {shown(entry.name)} is not a student id ({STUDENT_ID_RULE}); "
                    f"rename it, for example to {suggested_id(entry.name)}, {AGAIN}")
    for sid, spellings in folders.items():
        if len(spellings) > 1:
            names = " and ".join(shown(folder.name) for folder in spellings)
            for folder in spellings:
                _refuse(found, folder, sid, lessons,
                        f"{len(spellings)} folders, {names}, are the same name {sid} once "
                        f"Unicode-normalised; merge them into one folder {AGAIN}")
        elif spellings[0].is_symlink():
            _refuse(found, spellings[0], sid, lessons, _linked(spellings[0]))
        else:
            _add_student(found, sid)
            _discover_student(found, sid, spellings[0], course, lessons)
    found.students.sort()
    found.problems = sorted(dict.fromkeys(found.problems))
    return found


def _linked(entry: Path) -> str:
    return (f"{shown(entry.name)} is a symbolic link (to {_label(os.readlink(entry))}), which "
            f"grader batch does not follow; put the folder itself there {AGAIN}")


def _label(name: str) -> str:
    """A file name as reports may write it: bytes that are not UTF-8 shown as escapes."""
    return name if name.isprintable() else ascii(name)[1:-1]


def _same_file(entry: Path, other: Path) -> bool:
    try:
        return entry.resolve() == other.resolve()
    except OSError:
        return False


def _add_student(found: Discovery, sid: str) -> None:
    if sid not in found.students:
        found.students.append(sid)


def _refuse(found: Discovery, entry: Path, sid: str | None, lessons: Sequence[Lesson],
            why: str) -> None:
    """A folder that cannot be graded as it is: a problem per lesson it holds, else ignored."""
    held = [lesson for lesson in lessons if _holds(entry, lesson)]
    if not held:
        found.ignored.append((_label(entry.name), why))
        return
    if sid is not None:
        _add_student(found, sid)
    for lesson in held:
        found.problems.append((sid or _label(entry.name), lesson.id, why))


def _holds(folder: Path, lesson: Lesson) -> bool:
    try:
        return (folder / lesson.id).exists() or (folder / lesson.module).exists()
    except OSError:
        return False


def _loose(name: str) -> str:
    """A name compared loosely (``Lesson_2`` is ``lesson2``), to name near misses."""
    return re.sub(r"[\W_]+", "", name).casefold()


def _discover_student(found: Discovery, sid: str, folder: Path, course: Course,
                      lessons: Sequence[Lesson]) -> None:
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError as exc:
        found.problems.append((sid, "", f"the folder {shown(folder.name)} cannot be read "
                                        f"({exc.strerror}); fix its permissions {AGAIN}"))
        return
    expected = {lesson.id for lesson in course.lessons} | {lesson.module for lesson in course.lessons}
    explained: set[str] = set()
    for lesson in lessons:
        where = f"{folder.name}/{lesson.id}"
        lesson_dir = folder / lesson.id
        if lesson_dir.is_symlink():
            found.problems.append((sid, lesson.id, f"{where} is a symbolic link, which grader "
                                                   f"batch does not follow; put the folder itself "
                                                   f"there {AGAIN}"))
        elif lesson_dir.is_dir():
            _discover_module(found, sid, lesson, lesson_dir, where)
        elif lesson_dir.exists():
            found.problems.append((sid, lesson.id, f"{where} is a file; expected a folder "
                                                   f"holding {lesson.module}"))
        elif lesson.module in names:
            found.problems.append((sid, lesson.id, f"{folder.name}/{lesson.module} is not in its "
                                                   f"lesson's folder; move it to {where}/"
                                                   f"{lesson.module} {AGAIN}"))
            explained.add(lesson.module)
        else:
            near = [n for n in names if n not in expected and _loose(n) == _loose(lesson.id)]
            if near:
                found.problems.append((sid, lesson.id, f"found {folder.name}/{_label(near[0])}, expected "
                                                       f"{where}; rename it {AGAIN}"))
                explained.update(near)
    for name in names:
        if name not in expected and name not in explained:
            found.ignored.append((f"{folder.name}/{_label(name)}", "not a lesson of this course"))


def _discover_module(found: Discovery, sid: str, lesson: Lesson, lesson_dir: Path,
                     where: str) -> None:
    module = lesson_dir / lesson.module
    if not module.exists() and not module.is_symlink():
        try:
            inside = sorted(p.name for p in lesson_dir.iterdir() if p.name != METADATA)
        except OSError:
            inside = []
        held = (f"it holds {', '.join(map(_label, inside[:5]))}" + (" …" if len(inside) > 5 else "")
                if inside else "it is empty")
        found.problems.append((sid, lesson.id, f"no {lesson.module} in {where} ({held}); name the "
                                               f"submission {lesson.module} {AGAIN}"))
        return
    source, why = read_submission(module)
    if source is None:
        found.problems.append((sid, lesson.id, why))
        return
    try:
        submitted_at = read_submitted_at(lesson_dir / METADATA)
    except ValueError as exc:
        found.problems.append((sid, lesson.id, f"bad {METADATA}: {exc}"))
        return
    found.jobs.append(ClassJob(sid, lesson, source, submitted_at,
                               read_language(lesson_dir / METADATA)))


def read_submission(path: Path) -> tuple[bytes | None, str]:
    """A submission's bytes, read once (never through a link), or None and why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None, "it vanished while the class folder was being read; run the same command again"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None, "not a regular file"
        return None, f"it cannot be read ({exc.strerror})"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(MAX_SUBMISSION_BYTES + 1)
    except OSError as exc:
        return None, f"it cannot be read ({exc.strerror})"
    finally:
        os.close(fd)
    if len(data) > MAX_SUBMISSION_BYTES:
        return None, f"larger than {MAX_SUBMISSION_BYTES} bytes"
    return data, ""


def nothing_found(root: Path, found: Discovery, lessons: Sequence[Lesson]) -> str:
    """Why a class folder gave nothing to grade: what is there, and what was expected."""
    example = f"{root}/ada/{lessons[0].id}/{lessons[0].module}" if lessons else ""
    wanted = ", ".join(f"<student>/{lesson.id}/{lesson.module}" for lesson in lessons)
    if found.students:
        there = (f"none of its {len(found.students)} student folders "
                 f"({', '.join(found.students[:5])}{' …' if len(found.students) > 5 else ''}) "
                 f"holds {wanted}")
    elif found.ignored:
        names = [name for name, _ in found.ignored]
        there = f"it holds no student folder, only {', '.join(names[:5])}" + (
            " …" if len(names) > 5 else "")
    else:
        there = "it is empty"
    return (f"nothing to grade in {root}: {there}; expected {root}/<student>/<lesson>/<module>, "
            f"for example {example}, as grader collect writes it")


def suite_digest(course: Course, lesson: Lesson) -> str:
    """Everything a lesson's grade depends on besides the submission, as one hash."""
    secret_digest = sha256(b"grading secret " + grading_secret(course))
    parts = [f"grader {__version__}", f"secret {secret_digest}", repr(course.limits)]
    paths = [course.public_checks_path(lesson), *course.helper_paths(lesson)]
    hidden = course.hidden_suite_dir(lesson)
    paths += sorted(p for p in hidden.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in paths:
        if path.is_file():
            parts.append(f"{path.relative_to(course.root)} {sha256(path.read_bytes())}")
    return sha256("\n".join(parts).encode())


# ---------------------------------------------------------------------- executors

Chunk = tuple[str, list[ClassJob]]  # lesson id, its jobs
ChunkOutcome = tuple[Chunk, list[LessonResult] | None, str]  # results, or why the chunk failed


class BatchRefused(SandboxRefused):
    """The workers' sandbox could not be proven; nothing more was graded."""


class GradingStopped(UserError):
    """Grading cannot go on: the course's suites cannot run (not one submission's fault)."""


class LocalPool:
    """N warm checker workers on this machine, each grading one chunk at a time.

    ``run`` yields each chunk's outcome; a problem no other chunk can escape (the sandbox
    refused, the suites cannot run) is raised instead, once, from ``run``.
    """

    def __init__(self, course_root: Path, workers: int, unsafe: bool) -> None:
        from grader.engine.worker import CheckerWorker

        self.unsafe = unsafe
        self.course_root = course_root
        self.workers = [CheckerWorker(course_root) for _ in range(max(1, workers))]
        self.closed = threading.Event()

    def run(self, chunks: list[Chunk]) -> Iterator[ChunkOutcome]:
        from grader.engine.worker import CheckerWorker, WorkerError

        waiting: queue.Queue = queue.Queue()
        for chunk in chunks:
            waiting.put(chunk)
        done: queue.Queue = queue.Queue()

        def drive(index: int) -> None:
            while not self.closed.is_set():
                try:
                    chunk = waiting.get_nowait()
                except queue.Empty:
                    return
                lesson_id, jobs = chunk
                try:
                    results = self.workers[index].grade(
                        lesson_id, [(job.student, job.source) for job in jobs], unsafe=self.unsafe)
                    done.put((chunk, results, ""))
                except WorkerError as exc:
                    if exc.refused or exc.stopped:
                        kind = BatchRefused if exc.refused else GradingStopped
                        done.put(kind(str(exc)))
                        return
                    if self.closed.is_set():
                        return
                    self.workers[index].close()
                    self.workers[index] = CheckerWorker(self.course_root)
                    done.put((chunk, None, str(exc)))

        threads = [threading.Thread(target=drive, args=(i,), daemon=True)
                   for i in range(len(self.workers))]
        for thread in threads:
            thread.start()
        for _ in range(len(chunks)):
            outcome = done.get()
            if isinstance(outcome, UserError):
                raise outcome
            yield outcome

    def close(self) -> None:
        self.closed.set()  # no thread takes another chunk or starts another worker
        for worker in self.workers:  # all stop at once; then each is waited for
            worker.stop()
        for worker in self.workers:
            worker.close()


# ---------------------------------------------------------------------- the run


@dataclass
class BatchSummary:
    jobs: int = 0
    graded: int = 0
    cached: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    failed_jobs: int = 0
    seconds: float = 0.0
    suites: dict[str, str] = field(default_factory=dict)  # lesson -> suite digest graded with


def grade_class(
    course: Course,
    submissions_root: Path,
    out: Path,
    *,
    lessons: Sequence[Lesson],
    workers: int = 2,
    scheduler: str | None = None,
    unsafe: bool = False,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> tuple[Discovery, BatchSummary]:
    """Grade every submission not yet in OUT's gradebook; returns what was found and done.

    ``summary.failed`` names every submission found but not graded (the discovery's problems
    first); a class folder with nothing to grade is ``NothingToGrade``.
    """
    started = time.monotonic()
    if _same_file(Path(out), Path(submissions_root)):
        raise OutFolderError(f"--out {out} is the class folder itself; give a folder of its own "
                             f"for the gradebook and the reports")
    found = discover(course, submissions_root, lessons, skip=out)
    if not found.jobs and not found.problems:
        raise NothingToGrade(nothing_found(submissions_root, found, lessons))
    prepare_out(out)
    book = Gradebook(out / GRADEBOOK)
    summary = BatchSummary(jobs=len(found.jobs), failed=list(found.problems))
    try:
        digests = summary.suites = {lesson.id: suite_digest(course, lesson) for lesson in lessons}
        keys = {job: (job.student, job.lesson.id, job.sha, digests[job.lesson.id])
                for job in found.jobs}
        already = book.graded(keys.values())
        pending = [job for job in found.jobs if keys[job] not in already]
        summary.cached = len(found.jobs) - len(pending)
        progress(summary.cached, summary.jobs)
        if pending:
            _grade_pending(course, pending, keys, book, summary, workers, scheduler, unsafe,
                           progress)
    finally:
        book.close()
    summary.seconds = time.monotonic() - started
    return found, summary


def _chunks(jobs: list[ClassJob]) -> list[Chunk]:
    by_lesson: dict[str, list[ClassJob]] = {}
    for job in jobs:
        by_lesson.setdefault(job.lesson.id, []).append(job)
    return [(lesson_id, group[i : i + CHUNK])
            for lesson_id, group in by_lesson.items() for i in range(0, len(group), CHUNK)]


def _grade_pending(course, pending, keys, book, summary, workers, scheduler, unsafe, progress):
    if scheduler:
        from grader.engine.cluster import DaskPool

        pool = DaskPool(scheduler, course.root, unsafe)
    else:
        pool = LocalPool(course.root, min(workers, len(pending)), unsafe)
    retry: list[ClassJob] = []
    try:
        for rounds, chunks in enumerate((_chunks(pending), None)):
            if chunks is None:  # second round: what failed in a chunk, one job at a time
                chunks = [(job.lesson.id, [job]) for job in retry]
            for (lesson_id, jobs), results, why in pool.run(chunks):
                if results is None:
                    if rounds == 0 and len(jobs) > 1:
                        retry.extend(jobs)
                        continue
                    for job in jobs:
                        book.fail(job.student, lesson_id, job.sha, why)
                        summary.failed.append((job.student, lesson_id, why))
                        summary.failed_jobs += 1
                else:
                    graded = [(job, result) for job, result in zip(jobs, results, strict=True)
                              if result.status != SANDBOX_FAILURE]
                    for job, result in zip(jobs, results, strict=True):
                        if result.status == SANDBOX_FAILURE:  # not graded, not a zero
                            why = f"the sandbox failed: {result.problem}"
                            book.fail(job.student, lesson_id, job.sha, why)
                            summary.failed.append((job.student, lesson_id, why))
                            summary.failed_jobs += 1
                    book.store([(keys[job], result) for job, result in graded])
                    summary.graded += len(graded)
                progress(summary.cached + summary.graded + summary.failed_jobs, summary.jobs)
    finally:
        pool.close()


def class_results(course: Course, lessons: Sequence[Lesson], found: Discovery, out: Path,
                  suites: dict[str, str] | None = None,
                  ) -> dict[tuple[str, str], tuple[LessonResult | None, object, str]]:
    """From OUT's gradebook: ``(student, lesson) -> (result, submitted_at, why not graded)``.

    ``suites``: the digests the batch graded with (``BatchSummary.suites``), so that a suite
    edited while the batch ran does not hide what it graded (the next run regrades).
    """
    book = Gradebook(out / GRADEBOOK)
    try:
        digests = suites or {lesson.id: suite_digest(course, lesson) for lesson in lessons}
        failures = book.failures()
        graded = {}
        for job in found.jobs:
            result = book.result((job.student, job.lesson.id, job.sha, digests[job.lesson.id]))
            failure = ""
            if result is None:
                sha, why = failures.get((job.student, job.lesson.id), ("", ""))
                failure = why if sha == job.sha else "not graded yet"
            graded[(job.student, job.lesson.id)] = (result, job.submitted_at, failure)
        for student, lesson_id, why in found.problems:
            graded[(student, lesson_id)] = (None, None, why)
    finally:
        book.close()
    return graded
