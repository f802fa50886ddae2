"""Grading on a Dask distributed cluster: the same chunks as the local pool, sent to workers.

Each Dask worker process keeps, per course, one warm sandboxed runner and grades one chunk at
a time with it (pytest sessions are not thread-safe, so a lock serialises them even on a
worker with several threads). The course folder must be readable at the same path on every
worker machine (a shared file system); submissions travel with the task as bytes.

Why Dask: it already does what a hand-written cluster layer would have to (scheduling,
worker loss and retries, a dashboard, `dask-worker` on any machine), and its
`LocalCluster` gives the tests a real cluster on loopback.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from grader.course.errors import UserError

_WARM: dict[str, tuple] = {}
_LOCK = threading.Lock()


class ClusterUnreachable(UserError):
    """No Dask scheduler answers at the address given."""


class ClusterLost(UserError):
    """The Dask scheduler went away in the middle of a batch."""


def grade_chunk(course_root: str, lesson_id: str, submissions: list[tuple[str, bytes]],
                unsafe: bool) -> list[dict]:
    """Runs on a Dask worker: grade one chunk with this worker's warm runner."""
    from grader.course.config import load_course, runner_preload
    from grader.engine.grading import Submission, grade
    from grader.sandbox.host import RunnerHost

    with _LOCK:
        if course_root not in _WARM:
            course = load_course(Path(course_root))
            _WARM[course_root] = (course, RunnerHost(runner_preload(course.lessons)))
        course, host = _WARM[course_root]
        results = grade(course, course.lesson(lesson_id),
                        [Submission(label, source) for label, source in submissions],
                        host=host, unsafe=unsafe)
        return [result.to_dict() for result in results]


def _quiet_dask() -> None:
    """Dask logs a lost scheduler as tracebacks on stderr; the batch says it in one line."""
    root = logging.getLogger("distributed")
    root.setLevel(logging.CRITICAL)
    for handler in root.handlers:
        handler.setLevel(logging.CRITICAL)
    for name in list(logging.root.manager.loggerDict):
        if name.startswith("distributed."):
            logging.getLogger(name).setLevel(logging.CRITICAL)


class DaskPool:
    """Sends chunks to an existing cluster at ``address`` (``tcp://host:port``)."""

    def __init__(self, address: str, course_root: Path, unsafe: bool) -> None:
        from dask.distributed import Client

        _quiet_dask()
        try:
            self.client = Client(address, timeout="20s")
        except OSError as exc:
            raise ClusterUnreachable(f"no Dask scheduler answers at {address} ({exc})") from None
        self.address = address
        self.course_root = str(course_root)
        self.unsafe = unsafe

    def run(self, chunks) -> Iterator:
        from dask.distributed import as_completed

        from grader.course.results import LessonResult

        futures = {}
        for chunk in chunks:
            lesson_id, jobs = chunk
            payload = [(job.student, job.source) for job in jobs]
            future = self.client.submit(grade_chunk, self.course_root, lesson_id, payload,
                                        self.unsafe, pure=False)
            futures[future] = chunk
        for future in as_completed(list(futures)):
            chunk = futures[future]
            try:
                results = [LessonResult.from_dict(r) for r in future.result()]
            except UserError:  # the sandbox refused, or the course's suites cannot run
                raise
            except Exception as exc:  # noqa: BLE001 - a worker's failure is this chunk's failure
                if self._lost(exc):
                    raise ClusterLost(
                        f"the Dask scheduler at {self.address} stopped answering in the middle "
                        f"of the batch; every result graded before is kept in the gradebook and "
                        f"no report was changed: restart the scheduler and its workers (or drop "
                        f"--scheduler to grade on this machine) and run the same command "
                        f"again") from None
                yield chunk, None, f"the cluster could not grade it ({type(exc).__name__}: {exc})"
                continue
            yield chunk, results, ""

    def _lost(self, error: Exception) -> bool:
        return ("scheduler-connection-lost" in str(error)
                or self.client.status != "running")

    def close(self) -> None:
        try:
            self.client.close(timeout=5)
        except Exception:  # noqa: BLE001, S110 - a scheduler that is gone cannot be told goodbye
            pass
