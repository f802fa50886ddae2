"""The grading engine: run a lesson's public checks and hidden suite against submissions.

``grade`` runs one in-process pytest session over any number of submissions of one lesson;
the tests reach each submission only through the ``sub`` fixture, which talks to a forked
child of the warm runner. This process (the checker) never imports student code.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.course.classfolder import MAX_SUBMISSION_BYTES
from grader.course.config import Course, Lesson, runner_preload
from grader.course.errors import UserError
from grader.course.results import SANDBOX_FAILURE, LessonResult
from grader.course.secret import grading_secret
from grader.sandbox.host import JobLimits, RunnerHost

PYTEST_INI = Path(__file__).resolve().parent.parent / "checker" / "pytest.ini"


class GradingError(UserError):
    """Grading could not run at all (as opposed to a submission scoring low)."""


@dataclass(frozen=True)
class Submission:
    """One student's module for one lesson, as bytes: it is never imported here."""

    label: str
    source: bytes

    @classmethod
    def from_path(cls, lesson: Lesson, path: Path, label: str | None = None) -> Submission:
        """Read a submission from its module file, or from a folder holding it."""
        path = Path(path)
        file = path / lesson.module if path.is_dir() else path
        if not file.exists():
            where = f"in {path}" if path.is_dir() else f"at {path}"
            raise GradingError(f"no {lesson.module} {where}; pass the file or its folder")
        if not file.is_file():
            raise GradingError(f"{file} is not a regular file")
        size = file.stat().st_size
        if size > MAX_SUBMISSION_BYTES:
            raise GradingError(f"{file} is {size} bytes; submissions are capped at "
                               f"{MAX_SUBMISSION_BYTES} bytes")
        return cls(label or str(path), file.read_bytes())


def job_limits(course: Course) -> JobLimits:
    limits = course.limits
    return JobLimits(
        memory_bytes=limits.memory_mb * 1024 * 1024,
        output_bytes=limits.output_kib * 1024,
        cpu_seconds=int(limits.job_seconds) + 5,
    )


def suite_paths(course: Course, lesson: Lesson, *, public: bool, hidden: bool) -> list[Path]:
    """The test files to run: the public checks and/or the hidden suite folder."""
    paths = []
    if public:
        checks = course.public_checks_path(lesson)
        if not checks.is_file():
            raise GradingError(f"{lesson.id} has no public checks: {checks} does not exist "
                               f"(the public checks of {lesson.module} are test_{lesson.module})")
        paths.append(checks)
    if hidden and course.hidden_suite_dir(lesson).is_dir():
        paths.append(course.hidden_suite_dir(lesson))
    if not paths:
        wanted = " and ".join(
            what for what, on in (("public checks", public), ("hidden suite", hidden)) if on
        )
        raise GradingError(f"{lesson.id} has no {wanted} in {course.root}")
    return paths


def grade(
    course: Course,
    lesson: Lesson,
    submissions: Sequence[Submission],
    *,
    host: RunnerHost | None = None,
    public: bool = True,
    hidden: bool = True,
    unsafe: bool = False,
    ahead: bool = True,
) -> list[LessonResult]:
    """Grade every submission of one lesson; one result per submission, in order.

    Hidden suites run only in a sandbox that passed its self-test (``SandboxRefused``
    otherwise), unless ``unsafe``, which every result then notes. ``ahead``: send each job
    the calls earlier submissions were asked (the results are the same; see
    ``grader.checker.proxy``).
    """
    from dataclasses import replace

    from grader.checker.proxy import SubmissionProxy, forecast_for
    from grader.sandbox.selftest import require_proven

    paths = suite_paths(course, lesson, public=public, hidden=hidden)
    if not submissions:
        return []
    helper_files = {}
    for helper in course.helper_paths(lesson):
        if not helper.is_file():
            raise GradingError(f"{lesson.id} needs {helper}, which is missing")
        helper_files[helper.name] = helper.read_bytes()
    with contextlib.ExitStack() as stack:
        if host is None:
            host = stack.enter_context(RunnerHost(lesson.preload))
        notes = require_proven(host, course.root, unsafe=unsafe) if hidden else ()
        limits = job_limits(course)
        proxies = [
            SubmissionProxy(module_file=lesson.module, source=s.source, helper_files=helper_files,
                            host=host, limits=limits, job_seconds=course.limits.job_seconds,
                            call_seconds=course.limits.call_seconds, bans=lesson.bans,
                            forecast=forecast_for(str(course.root), lesson.id) if ahead else None)
            for s in submissions
        ]
        try:
            results = run_session(course, lesson, proxies, [s.label for s in submissions], paths)
        finally:
            for proxy in proxies:
                proxy.close()
    return [replace(result, notes=notes) for result in results]


def grade_file(course: Course, lesson: Lesson, path: Path, *,
               unsafe: bool = False) -> LessonResult:
    """Grade one submission file (or the folder holding it); its time includes start-up."""
    import time
    from dataclasses import replace

    started = time.monotonic()
    submission = Submission.from_path(lesson, path)
    with RunnerHost(lesson.preload) as host:  # torch imports in the runner meanwhile
        (result,) = grade(course, lesson, [submission], host=host, unsafe=unsafe)
    refuse_sandbox_failures([result])
    return replace(result, execution_time=round(time.monotonic() - started, 3))


def refuse_sandbox_failures(results: Sequence[LessonResult]) -> None:
    """A job whose sandbox layers did not all apply was not graded: never a student's zero."""
    from grader.sandbox.plan import SandboxRefused

    for result in results:
        if result.status == SANDBOX_FAILURE:
            raise SandboxRefused(f"{result.submission} was not graded: {result.problem}")


def grade_references_and_stubs(course: Course, *, unsafe: bool = False) -> Iterator[LessonResult]:
    """The reference and the untouched stub of every lesson, graded in turn (the demo)."""
    with RunnerHost(runner_preload(course.lessons)) as host:
        for lesson in course.lessons:
            for label, source in (("reference", course.reference_source(lesson)),
                                  ("stub", course.stub_source(lesson))):
                (result,) = grade(course, lesson, [Submission(label, source)],
                                  host=host, unsafe=unsafe)
                refuse_sandbox_failures([result])
                yield result


def run_session(course: Course, lesson: Lesson, proxies: Sequence, labels: Sequence[str],
                paths: Sequence[Path]) -> list[LessonResult]:
    """One pytest session over ``paths`` for every proxy (anything with the ``sub`` API)."""
    import pytest

    from grader.checker.plugin import GradingSession

    session = GradingSession(
        proxies=proxies, labels=labels, course=course, lesson_id=lesson.id,
        public_paths=[course.public_checks_path(lesson)],
        secret=grading_secret(course) if any(p != course.public_checks_path(lesson)
                                             for p in paths) else None,
    )
    args = [
        *map(str, paths), "-c", str(PYTEST_INI), "--rootdir", str(course.root),
        "--confcutdir", str(course.root), "--import-mode=importlib",
        "-p", "grader.checker.plugin", "-p", "no:cacheprovider", "-p", "no:terminal",
        "-p", "no:stepwise",
        # It runs gc.collect() five times per session: 0.4 s over torch's heap.
        "-p", "no:unraisableexception", "-p", "no:threadexception",
        "-p", "no:logging",  # checks log nothing; its handlers cost ~1 ms per test phase
    ]
    _freeze_imported_heap()
    with _plugin_autoload_off():
        code = pytest.main(args, plugins=[session])
    # A broken suite interrupts the session too: say what broke before treating an
    # interruption as the user's Ctrl-C.
    if session.collection_errors:
        raise GradingError(f"the tests for {lesson.id} could not be collected: "
                           f"{session.collection_errors[0]}")
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt  # pytest swallowed the user's Ctrl-C; it must still stop us
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        raise GradingError(f"the tests for {lesson.id} did not run (pytest exit code {int(code)})")
    return session.results()



_heap_frozen = False


def _freeze_imported_heap() -> None:
    """Once per process: one torch thread, and import-time objects out of the GC's view.

    Every later collection then scans only objects made while grading, not the ~1M that
    importing torch leaves behind.
    """
    global _heap_frozen
    if not _heap_frozen:
        import torch

        torch.set_num_threads(1)  # the checks are tiny; threads only contend on busy cores
        gc.collect()
        gc.freeze()
        _heap_frozen = True


@contextlib.contextmanager
def _plugin_autoload_off() -> Iterator[None]:
    """Third-party pytest plugins must not change how hidden suites run."""
    old = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if old is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = old
