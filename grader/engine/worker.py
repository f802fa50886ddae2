"""A warm checker worker: a trusted process that grades many requests with one warm runner.

The worker imports torch and pytest once and keeps its runner host alive, so each request
pays only for the tests themselves. Requests and answers are JSON lines on the worker's
stdin and on a private copy of its stdout (fd 1 itself is pointed at stderr, so nothing a
library prints can corrupt the channel). Both ends are trusted: no student code runs here.
"""

from __future__ import annotations

import base64
import contextlib
import importlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from grader.course.results import LessonResult


class WorkerError(Exception):
    """The worker could not grade a request; the message says why.

    ``refused``: the worker's sandbox failed its self-test, so no worker will do better.
    ``stopped``: the course's suites cannot run (a missing check file, a broken course), so
    no other submission will do better either.
    """

    def __init__(self, message: str, *, refused: bool = False, stopped: bool = False) -> None:
        super().__init__(message)
        self.refused = refused
        self.stopped = stopped


class CheckerWorker:
    """Client for one worker process; ``grade`` is synchronous."""

    def __init__(self, course_root: Path, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "grader.engine.worker", str(course_root)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1, env=env,
        )

    def grade(self, lesson_id: str, submissions: Sequence[tuple[str, bytes]], *,
              public: bool = True, hidden: bool = True,
              unsafe: bool = False) -> list[LessonResult]:
        """Grade ``(label, source)`` pairs for one lesson; results in the same order."""
        request = {
            "lesson": lesson_id, "public": public, "hidden": hidden, "unsafe": unsafe,
            "submissions": [{"label": label, "source": base64.b64encode(source).decode()}
                            for label, source in submissions],
        }
        assert self.process.stdin is not None and self.process.stdout is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
            line = self.process.stdout.readline()
        except (OSError, ValueError):  # its pipes broke, or were closed by ``close``
            line = ""
        if not line:
            raise WorkerError("the checker worker stopped")
        try:
            answer = json.loads(line)
            if "error" in answer:
                raise WorkerError(answer["error"], refused=bool(answer.get("refused")),
                                  stopped=bool(answer.get("stopped")))
            return [LessonResult.from_dict(r) for r in answer["results"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise WorkerError(f"the checker worker answered garbage ({type(exc).__name__})") from None

    def stop(self) -> None:
        """Ask the worker to stop (it finishes what it was asked) without waiting for it."""
        with contextlib.suppress(OSError, ValueError):
            if self.process.stdin is not None:
                self.process.stdin.close()

    def close(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None and not stream.closed:
                stream.close()

    def __enter__(self) -> CheckerWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve(course_root: Path) -> None:
    """Answer grading requests until stdin closes; every failure is an answer, never a traceback."""
    from grader.course.errors import UserError
    from grader.sandbox.plan import SandboxRefused

    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    try:
        with _warm(course_root) as (course, host):
            for line in sys.stdin:
                channel.write(json.dumps(_answer(course, host, line)) + "\n")
    except SandboxRefused as exc:
        _answer_all(channel, {"error": str(exc), "refused": True})
    except UserError as exc:
        _answer_all(channel, {"error": str(exc), "stopped": True})
    except OSError as exc:  # the course folder or the sandbox cannot be reached
        _answer_all(channel, {"error": f"the checker worker could not start ({exc})",
                              "stopped": True})


@contextlib.contextmanager
def _warm(course_root: Path):
    from grader.course.config import CourseError, load_course, runner_preload
    from grader.sandbox.host import RunnerHost

    course = load_course(course_root)
    preload = runner_preload(course.lessons)
    with RunnerHost(preload) as host:
        # While the runner imports torch: the checker's own imports, and the same preload
        # (the suites' reference answers use what the submissions do: torch.optim and
        # autograd's shape checks import torch._dynamo and sympy on first use).
        import grader.checker.plugin  # noqa: F401

        for name in preload:
            try:
                importlib.import_module(name)
            except ImportError:
                raise CourseError(f"course.toml: preload names {name}, which cannot be "
                                  f"imported; fix the module name or remove it") from None
        yield course, host


def _answer(course, host, line: str) -> dict:
    from grader.course.config import CourseError
    from grader.engine.grading import GradingError, Submission, grade
    from grader.sandbox.plan import SandboxRefused

    try:
        request = json.loads(line)
        lesson = course.lesson(request["lesson"])
        submissions = [Submission(s["label"], base64.b64decode(s["source"]))
                       for s in request["submissions"]]
        results = grade(course, lesson, submissions, host=host,
                        public=request.get("public", True),
                        hidden=request.get("hidden", True),
                        unsafe=request.get("unsafe", False))
        return {"results": [r.to_dict() for r in results]}
    except SandboxRefused as exc:
        return {"error": str(exc), "refused": True}
    except (CourseError, GradingError) as exc:
        return {"error": str(exc), "stopped": True}
    except Exception as exc:  # noqa: BLE001 - one chunk's failure, said in one line
        return {"error": f"the checker failed on this chunk ({type(exc).__name__}: {exc})"}


def _answer_all(channel, answer: dict) -> None:
    """A worker that cannot grade gives the same answer to every request it is sent."""
    for _ in sys.stdin:
        channel.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    try:
        serve(Path(sys.argv[1]))
    except KeyboardInterrupt:  # Ctrl-C reaches the whole process group: the batch reports it
        sys.exit(130)
    # Every answer is written and the runner is stopped: skip the interpreter's teardown of
    # torch and pytest, which the batch would otherwise wait for at its end.
    sys.stderr.flush()
    os._exit(0)
