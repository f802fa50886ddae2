"""The ``sub`` object tests call: ``sub.mse_grad(x, y, w)`` runs in the runner, returns data.

One proxy serves one submission through a whole pytest session. It starts a runner job on
first use, keeps it while it behaves, and replaces it after a crash or a timeout, so one bad
test never spoils the next. A failure to import the submission is remembered: every later
test fails at once with the same one-line reason instead of re-running a broken import.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from typing import Any

from grader.checker.feedback import RemoteRaised, SubmissionProblem
from grader.sandbox.host import JobLimits, RunnerFailure, RunnerHost, RunnerJob


@dataclass(frozen=True)
class CallOutcome:
    """A call's result together with the arguments as they were after the call."""

    result: Any
    args_after: tuple
    kwargs_after: dict
    shares_storage: bool
    result_type: str


class SubmissionProxy:
    def __init__(self, *, module_file: str, source: bytes, helper_files: dict[str, bytes],
                 host: RunnerHost, limits: JobLimits, job_seconds: float,
                 call_seconds: float) -> None:
        self._module_file = module_file
        self._source = source
        self._helper_files = helper_files
        self._host = host
        self._limits = limits
        self._job_seconds = job_seconds
        self._call_seconds = call_seconds
        self._deadline: float | None = None
        self._job: RunnerJob | None = None
        self._load_problem: str | None = None
        self._printed: list[str] = []
        self.disabled: tuple[str, ...] = ()
        self.seed = 0  # the global RNG seed in the runner at the start of every call

    # ------------------------------------------------------------------ test-facing API

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return functools.partial(self._call_result, name)

    def run(self, function: str, /, *args: Any, **kwargs: Any) -> CallOutcome:
        """Call ``function`` and also return the arguments as the call left them."""
        reply = self._call(function, args, kwargs, echo_args=True)
        return CallOutcome(reply.get("result"), tuple(reply.get("args_after", ())),
                       dict(reply.get("kwargs_after", {})), bool(reply.get("shares_storage")),
                       str(reply.get("result_type", "")))

    def _call_result(self, function: str, *args: Any, **kwargs: Any) -> Any:
        return self._call(function, args, kwargs, echo_args=False).get("result")

    # ------------------------------------------------------------------ plumbing

    def _remaining(self) -> float:
        if self._deadline is None:
            self._deadline = time.monotonic() + self._job_seconds
        return self._deadline - time.monotonic()

    def _call(self, function: str, args: tuple, kwargs: dict, *, echo_args: bool) -> dict:
        request = {"op": "call", "function": function, "args": list(args), "kwargs": kwargs,
                   "disabled": list(self.disabled), "echo_args": echo_args, "seed": self.seed}
        return self._interpret(function, self._send(function, request))

    def _send(self, function: str, request: dict) -> dict:
        """Deliver one call to the submission's job and return its raw reply."""
        job = self._ensure_job()
        seconds = min(self._call_seconds, self._remaining())
        try:
            return job.request(request, time.monotonic() + seconds)
        except RunnerFailure as failure:
            self._drop_job()
            if failure.timed_out:
                raise SubmissionProblem(
                    f"{function} did not return within {seconds:.0f} s "
                    f"(an infinite loop, or far too much work?)") from None
            raise SubmissionProblem(f"{function}: {failure.reason}") from None

    def _interpret(self, function: str, reply: dict) -> dict:
        hits = [h for h in reply.get("disabled_hit", []) if isinstance(h, str)]
        if hits:
            raise SubmissionProblem(
                f"{function} called {hits[0]}, which is disabled in this check: "
                f"compute it yourself (see the notes) instead of calling the built-in")
        if reply.get("ok") is True:
            return reply
        if "bad_request" in reply:  # the test's own description was wrong: not the student's fault
            raise RuntimeError(f"{function}: {reply['bad_request']}")
        if reply.get("missing"):
            raise SubmissionProblem(
                f"{self._module_file} has no function {function}; "
                f"define it with the signature from the exercise file")
        if "unsendable" in reply:
            kind = reply.get("result_type") or "value"
            raise SubmissionProblem(
                f"{function} returned a {kind} that cannot be graded: return tensors, numbers, "
                f"strings, lists, tuples or dicts as the exercise says")
        error = reply.get("error")
        if isinstance(error, dict):
            raise self._remote_error(function, error)
        raise SubmissionProblem(f"{function}: the submission's process answered unexpectedly")

    def _remote_error(self, function: str, error: dict) -> Exception:
        type_name = str(error.get("type", "Exception"))[:80]
        message = str(error.get("message", ""))[:500]
        line = error.get("line") if type(error.get("line")) is int else 0
        at = f" at line {line} of {self._module_file}" if line else ""
        if type_name == "SystemExit":
            return SubmissionProblem(f"{function} called {message}: it must return a value")
        if type_name == "NotImplementedError":
            return RemoteRaised.make(
                "NotImplementedError", type_name,
                f"{function} is not implemented yet (it raises NotImplementedError{at})")
        feedback = f"{function} raised {type_name}{at}: {message}" if message else (
            f"{function} raised {type_name}{at}")
        return RemoteRaised.make(str(error.get("builtin", "Exception")), type_name, feedback)

    def _ensure_job(self) -> RunnerJob:
        if self._load_problem is not None:
            raise SubmissionProblem(self._load_problem)
        if self._remaining() <= 0:
            raise SubmissionProblem(
                f"the time limit for grading this submission ({self._job_seconds:.0f} s) "
                f"was used up by earlier checks")
        if self._job is not None:
            return self._job
        seconds = min(self._call_seconds, self._remaining())
        try:
            job = self._host.spawn(self._limits)
        except RunnerFailure as failure:
            raise SubmissionProblem(f"the grading runner could not start: {failure.reason}") from None
        load = {"op": "load", "module": self._module_file.removesuffix(".py"),
                "filename": self._module_file, "source": self._source,
                "files": self._helper_files}
        try:
            reply = job.request(load, time.monotonic() + seconds)
        except RunnerFailure as failure:
            self._job = job
            self._drop_job()
            reason = ("did not finish importing within the time limit"
                      if failure.timed_out else failure.reason)
            self._load_problem = f"{self._module_file} could not be imported: {reason}"
            raise SubmissionProblem(self._load_problem) from None
        if reply.get("ok") is not True:
            job.close()
            self._load_problem = describe_load_error(self._module_file, reply.get("load_error"))
            raise SubmissionProblem(self._load_problem)
        self._job = job
        return job

    def _drop_job(self) -> None:
        if self._job is not None:
            self._job.close()
            self._printed.append(self._job.printed())
            self._job = None

    @property
    def load_problem(self) -> str:
        """Why the submission could not be imported ('' when it could, or was never tried)."""
        return self._load_problem or ""

    def printed(self) -> str:
        """Everything the submission printed so far (capped per job)."""
        current = [self._job.printed()] if self._job is not None else []
        return "".join(self._printed + current)

    def close(self) -> None:
        self._drop_job()


def describe_load_error(module_file: str, error: Any) -> str:
    """One line for a submission that could not be imported."""
    if not isinstance(error, dict):
        return f"{module_file} could not be imported"
    kind = error.get("kind")
    line = error.get("line") if type(error.get("line")) is int else 0
    message = str(error.get("message", ""))[:300]
    if kind == "syntax":
        text = str(error.get("text", ""))[:120]
        where = f" at line {line}" if line else ""
        shown = f": {text}" if text else ""
        return f"{module_file} has a syntax error{where} ({message}){shown}"
    if kind == "exit":
        return f"{module_file} called sys.exit() while being imported; remove it"
    if kind == "exception":
        where = f" at line {line}" if line else ""
        return (f"importing {module_file} raised {str(error.get('type', 'an error'))[:80]}"
                f"{where}: {message}")
    return f"{module_file} could not be imported"
