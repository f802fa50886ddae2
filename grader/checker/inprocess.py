"""The ``sub`` API over a submission loaded in this very process: no isolation at all.

For the two places where the tests and the student's code already share a process: stock
``nbgrader autograde`` (the hidden check runs in the student's kernel) and the benchmarks'
lower bound. The caller passes the runner's own job object (``grader.runner.serve``), so calls
are built, answered and turned into data exactly as in the sandbox, minus the sandbox.
"""

from __future__ import annotations

from typing import Any

from grader.checker.feedback import SubmissionProblem
from grader.checker.proxy import SubmissionProxy, describe_load_error, load_error_kind


class InProcessProxy(SubmissionProxy):
    """``runtime`` answers ``call`` requests (a ``grader.runner.serve`` job, already loaded)."""

    def __init__(self, *, module_file: str, source: bytes, runtime: Any,
                 load_reply: dict | None = None,
                 bans: dict[str, tuple[str, ...]] | None = None) -> None:
        super().__init__(module_file=module_file, source=source, helper_files={}, host=None,
                         limits=None, job_seconds=float("inf"), call_seconds=float("inf"),
                         bans=bans)
        self._runtime = runtime
        if load_reply is not None and load_reply.get("ok") is not True:
            self._load_problem, self._load_details = describe_load_error(
                module_file, load_reply.get("load_error"))
            self._load_kind = load_error_kind(load_reply.get("load_error"))

    def _send(self, function: str, request: dict) -> dict:
        if self._load_problem:
            raise SubmissionProblem(self._load_problem, self._load_details, kind=self._load_kind)
        return self._runtime.call(request)

    def close(self) -> None:
        """The caller owns the runtime and its folder."""
