"""A warm checker worker: a trusted process that grades many requests with one warm runner.

The worker imports torch and pytest once and keeps its runner host alive, so each request
pays only for the tests themselves. Requests and answers are JSON lines on the worker's
stdin and on a private copy of its stdout (fd 1 itself is pointed at stderr, so nothing a
library prints can corrupt the channel). Both ends are trusted: no student code runs here.
"""

from __future__ import annotations

import base64
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
    """

    def __init__(self, message: str, *, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


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
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise WorkerError("the checker worker stopped")
        answer = json.loads(line)
        if "error" in answer:
            raise WorkerError(answer["error"], refused=bool(answer.get("refused")))
        return [LessonResult.from_dict(r) for r in answer["results"]]

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
    from grader.course.config import CourseError, load_course, runner_preload
    from grader.engine.grading import GradingError, Submission, grade
    from grader.sandbox.host import RunnerHost
    from grader.sandbox.plan import SandboxRefused

    channel = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    course = load_course(course_root)
    with RunnerHost(runner_preload(course.lessons)) as host:
        for line in sys.stdin:
            request = json.loads(line)
            try:
                lesson = course.lesson(request["lesson"])
                submissions = [Submission(s["label"], base64.b64decode(s["source"]))
                               for s in request["submissions"]]
                results = grade(course, lesson, submissions, host=host,
                                public=request.get("public", True),
                                hidden=request.get("hidden", True),
                                unsafe=request.get("unsafe", False))
                answer = {"results": [r.to_dict() for r in results]}
            except SandboxRefused as exc:
                answer = {"error": str(exc), "refused": True}
            except (CourseError, GradingError) as exc:
                answer = {"error": str(exc)}
            channel.write(json.dumps(answer) + "\n")


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
