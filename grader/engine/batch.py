"""Grade a whole class: find the submissions, skip what is already graded, grade the rest on
warm workers (a local pool, or a Dask cluster), and keep every result in the gradebook.

Layout read: ``SUBMISSIONS/<student>/<lesson>/<module>`` with an optional
``submission.json`` (``{"submitted_at": "...Z"}``, written by ``grader collect``) beside it.
"""

from __future__ import annotations

import datetime as dt
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader import __version__
from grader.course.classfolder import MAX_SUBMISSION_BYTES, METADATA, STUDENT_ID, read_submitted_at
from grader.course.config import Course, CourseError, Lesson
from grader.course.files import sha256
from grader.course.results import SANDBOX_FAILURE, LessonResult
from grader.course.secret import grading_secret
from grader.engine.gradebook import Gradebook
from grader.sandbox.plan import SandboxRefused

CHUNK = 6  # submissions per request: small enough for steady progress, big enough to amortise
GRADEBOOK = "gradebook.sqlite"


@dataclass(frozen=True)
class ClassJob:
    student: str
    lesson: Lesson
    source: bytes
    submitted_at: dt.datetime | None

    @property
    def sha(self) -> str:
        return sha256(self.source)


@dataclass
class Discovery:
    jobs: list[ClassJob] = field(default_factory=list)
    students: list[str] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # student, lesson, why
    ignored: list[str] = field(default_factory=list)


def discover(course: Course, root: Path, lessons: Sequence[Lesson],
             skip: Path | None = None) -> Discovery:
    """Every (student, lesson) submission below ``root``; what cannot be graded, and why.

    ``skip``: a folder that is not a student's (the output folder, when it sits inside).
    """
    found = Discovery()
    if not root.is_dir():
        raise CourseError(f"{root} is not a folder of submissions; pass the folder that "
                          f"grader collect filled (SUBMISSIONS/<student>/<lesson>/<module>)")
    for student_dir in sorted(root.iterdir()):
        if skip is not None and student_dir.resolve() == skip.resolve():
            continue
        if not student_dir.is_dir() or student_dir.is_symlink() or not STUDENT_ID.match(student_dir.name):
            found.ignored.append(student_dir.name)
            continue
        found.students.append(student_dir.name)
        for lesson in lessons:
            module = student_dir / lesson.id / lesson.module
            if not module.exists() and not module.is_symlink():
                continue
            if module.is_symlink() or not module.is_file():
                found.problems.append((student_dir.name, lesson.id, "not a regular file"))
                continue
            if module.stat().st_size > MAX_SUBMISSION_BYTES:
                found.problems.append((student_dir.name, lesson.id,
                                       f"larger than {MAX_SUBMISSION_BYTES} bytes"))
                continue
            try:
                submitted_at = read_submitted_at(module.parent / METADATA)
            except ValueError as exc:
                found.problems.append((student_dir.name, lesson.id, f"bad {METADATA}: {exc}"))
                continue
            found.jobs.append(ClassJob(student_dir.name, lesson, module.read_bytes(), submitted_at))
    return found


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


class LocalPool:
    """N warm checker workers on this machine, each grading one chunk at a time."""

    def __init__(self, course_root: Path, workers: int, unsafe: bool) -> None:
        from grader.engine.worker import CheckerWorker

        self.unsafe = unsafe
        self.course_root = course_root
        self.workers = [CheckerWorker(course_root) for _ in range(max(1, workers))]

    def run(self, chunks: list[Chunk]) -> Iterator[ChunkOutcome]:
        from grader.engine.worker import CheckerWorker, WorkerError

        todo: queue.Queue = queue.Queue()
        for chunk in chunks:
            todo.put(chunk)
        done: queue.Queue = queue.Queue()

        def drive(index: int) -> None:
            while True:
                try:
                    chunk = todo.get_nowait()
                except queue.Empty:
                    return
                lesson_id, jobs = chunk
                try:
                    results = self.workers[index].grade(
                        lesson_id, [(job.student, job.source) for job in jobs], unsafe=self.unsafe)
                    done.put((chunk, results, ""))
                except WorkerError as exc:
                    if exc.refused:
                        done.put((chunk, None, f"refused: {exc}"))
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
            yield outcome
            if outcome[2].startswith("refused: "):
                return

    def close(self) -> None:
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


class BatchRefused(SandboxRefused):
    """The workers' sandbox could not be proven; nothing was graded."""


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
    """Grade every submission not yet in OUT's gradebook; returns what was found and done."""
    started = time.monotonic()
    found = discover(course, submissions_root, lessons, skip=out)
    book = Gradebook(out / GRADEBOOK)
    summary = BatchSummary(jobs=len(found.jobs))
    try:
        digests = {lesson.id: suite_digest(course, lesson) for lesson in lessons}
        keys = {job: (job.student, job.lesson.id, job.sha, digests[job.lesson.id])
                for job in found.jobs}
        already = book.graded(keys.values())
        pending = [job for job in found.jobs if keys[job] not in already]
        summary.cached = len(found.jobs) - len(pending)
        for student, lesson_id, why in found.problems:
            book.fail(student, lesson_id, "", why)
            summary.failed.append((student, lesson_id, why))
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
                if why.startswith("refused: "):
                    raise BatchRefused(why.removeprefix("refused: "))
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


def class_results(course: Course, lessons: Sequence[Lesson], found: Discovery,
                  out: Path) -> dict[tuple[str, str], tuple[LessonResult | None, object, str]]:
    """From OUT's gradebook: ``(student, lesson) -> (result, submitted_at, why not graded)``."""
    book = Gradebook(out / GRADEBOOK)
    try:
        digests = {lesson.id: suite_digest(course, lesson) for lesson in lessons}
        failures = book.failures()
        graded = {}
        for job in found.jobs:
            result = book.result((job.student, job.lesson.id, job.sha, digests[job.lesson.id]))
            failure = ""
            if result is None:
                failure = failures.get((job.student, job.lesson.id), ("", "not graded yet"))[1]
            graded[(job.student, job.lesson.id)] = (result, job.submitted_at, failure)
        for student, lesson_id, why in found.problems:
            graded[(student, lesson_id)] = (None, None, why)
    finally:
        book.close()
    return graded
