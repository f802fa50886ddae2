"""The ``sub`` object tests call: ``sub.mse_grad(x, y, w)`` runs in the runner, returns data.

One proxy serves one submission through a whole pytest session. It starts a runner job on
first use, keeps it while it behaves, and replaces it after a crash or a timeout, so one bad
test never spoils the next. A failure to import the submission is remembered: every later
test fails at once with the same one-line reason instead of re-running a broken import.

Calls are sent ahead (``Forecast``): the submissions of a lesson are asked the same calls in
the same order along the path they take through the suite (the inputs are drawn from the
test's seed, the same for everyone; a failed check makes fewer calls), so the calls that the
paths of earlier submissions agree on are written to a new job as soon as it has loaded, and
it answers them while the checker judges the answers it already has. Each answer is used only
when the test really makes that call; at a call no remembered path foresaw, the job is
replaced by a fresh one that is given exactly the calls made so far, so what a submission
answers never depends on calls it was sent ahead. Hidden calls are sent ahead only once the
hidden tests have begun: public checks never run in a process that saw a hidden input.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from grader import wire
from grader.checker.bans import SourceReader
from grader.checker.feedback import (
    CRASHED,
    IMPORT_ERROR,
    REFUSED,
    SYNTAX_ERROR,
    TIME_LIMIT,
    RemoteRaised,
    SandboxFailure,
    SubmissionProblem,
    safe_type_name,
)
from grader.course.i18n import Text, t
from grader.sandbox.host import JobLimits, RunnerFailure, RunnerHost, RunnerJob


@dataclass(frozen=True)
class CallOutcome:
    """A call's result together with the arguments as they were after the call."""

    result: Any
    args_after: tuple
    kwargs_after: dict
    shares_storage: bool
    result_type: str
    warnings: tuple[str, ...] = ()  # warning categories the call raised (RuntimeWarning, …)


class RemoteFunction:
    """``sub.mse``: calling it runs the submission's ``mse`` in the runner and returns data.

    ``probe`` makes the same call as an error-case probe (``expect_raises`` uses it): a check
    whose only calls to a function are probes earns its points only when that function's
    value checks pass too (see grader.checker.plugin), so raising for everything earns nothing.
    """

    def __init__(self, proxy: SubmissionProxy, name: str) -> None:
        self._proxy = proxy
        self.__name__ = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._proxy._call(self.__name__, args, kwargs, echo_args=False).get("result")

    def probe(self, *args: Any, **kwargs: Any) -> Any:
        return self._proxy._call(self.__name__, args, kwargs, echo_args=False,
                                 kind="probe").get("result")


AHEAD = 32  # calls sent ahead of the test that will make them, at most
PATHS = 8  # call sequences remembered per lesson


class Forecast:
    """The calls (visibility and encoded request) that one lesson's jobs were asked, in order:
    the most recent ``PATHS`` distinct sequences. Submissions take different paths through a
    suite (a failed check makes fewer calls than a passed one), so a job is sent ahead only
    what every remembered path that agrees with its real calls so far continues with; where
    they part, it waits for the real call. A submission on a path seen before is then never
    replayed; only a new path is."""

    def __init__(self) -> None:
        self.paths: list[list[tuple[bool, bytes]]] = []

    def learn(self, calls: list[tuple[bool, bytes]]) -> None:
        calls = list(calls)
        if calls in self.paths:
            self.paths.remove(calls)
        self.paths.insert(0, calls)
        del self.paths[PATHS:]


_FORECASTS: dict[tuple[str, ...], Forecast] = {}


def forecast_for(*key: str) -> Forecast:
    """The forecast kept for ``key`` (a course and lesson) for this process's lifetime."""
    return _FORECASTS.setdefault(key, Forecast())


class SubmissionProxy:
    def __init__(self, *, module_file: str, source: bytes, helper_files: dict[str, bytes],
                 host: RunnerHost, limits: JobLimits, job_seconds: float,
                 call_seconds: float, bans: dict[str, tuple[str, ...]] | None = None,
                 forecast: Forecast | None = None) -> None:
        self._module_file = module_file
        self._bans = dict(bans or {})
        self._source = source
        self._helper_files = helper_files
        self._host = host
        self._limits = limits
        self._job_seconds = job_seconds
        self._call_seconds = call_seconds
        self._deadline: float | None = None
        # One job per submission, but what a public check shows comes from a process that
        # never saw a hidden input: a public check after a hidden test gets a fresh job (the
        # plugin runs a submission's public checks first, so this does not happen in grading).
        self._job: RunnerJob | None = None
        self._job_saw_hidden = False
        self._forecast = forecast
        # the first job's foreseen paths that agree with its real calls so far (None: none)
        self._paths: list[list[tuple[bool, bytes]]] | None = None
        self._outgoing: list[tuple[bool, bytes]] = []  # every call this job has been sent
        self._history: list[tuple[bool, bytes]] = []  # the calls this job was really asked
        self._started = self._learnt = False
        self._loading: RunnerJob | None = None  # a job whose load reply is still to be read
        self.public = False  # set per test by the plugin
        self._load_problem: Text | None = None
        self._load_details: Text | str = ""
        self._load_kind = ""
        self._printed: list[str] = []
        self._source_reader: SourceReader | None = None
        self.disabled: tuple[str, ...] = ()
        self.seed = 0  # the global RNG seed in the runner at the start of every call
        self.calls: list[tuple[str, str, bool]] = []  # this test's (function, kind, returned)

    # ------------------------------------------------------------------ test-facing API

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return RemoteFunction(self, name)

    def run(self, function: str, /, *args: Any, **kwargs: Any) -> CallOutcome:
        """Call ``function`` and also return the arguments as the call left them."""
        reply = self._call(function, args, kwargs, echo_args=True)
        warned = reply.get("warnings", ())
        return CallOutcome(reply.get("result"), tuple(reply.get("args_after", ())),
                           dict(reply.get("kwargs_after", {})), bool(reply.get("shares_storage")),
                           str(reply.get("result_type", "")),
                           tuple(str(w)[:80] for w in warned if isinstance(w, str))
                           if isinstance(warned, list) else ())

    # ------------------------------------------------------------------ plumbing

    def _remaining(self) -> float:
        if self._deadline is None:
            self._deadline = time.monotonic() + self._job_seconds
        return self._deadline - time.monotonic()

    def _call(self, function: str, args: tuple, kwargs: dict, *, echo_args: bool,
              kind: str = "value") -> dict:
        returned = False
        try:
            disabled = self.disabled_for(function)
            self._refuse_banned(function, disabled)
            request = {"op": "call", "function": function, "args": list(args),
                       "kwargs": kwargs, "disabled": list(disabled),
                       "echo_args": echo_args, "seed": self.seed}
            reply = self._interpret(function, self._send(function, request), disabled)
            returned = True
            return reply
        finally:
            self.calls.append((function, kind, returned))

    def disabled_for(self, function: str) -> tuple[str, ...]:
        """The lesson's bans on ``function`` (every check) and this test's own markers."""
        return tuple(dict.fromkeys((*self._bans.get(function, ()), *self.disabled)))

    def _refuse_banned(self, function: str, disabled: tuple[str, ...]) -> None:
        """The trusted decisions from the source (read, never imported) before any call:
        bans, and data carried in the code instead of computed."""
        if not self._source:
            return
        embedded = self._reader().embedded_data()
        if embedded:
            raise SubmissionProblem(t("{function} cannot be graded: {where}; a solution computes "
                                      "its answers, it does not carry data",
                                      function=function, where=embedded), kind=REFUSED)
        if not disabled:
            return
        refusal = self._reader().refusal(function, disabled)
        if refusal:
            raise SubmissionProblem(refusal, kind=REFUSED)

    def _reader(self) -> SourceReader:
        if self._source_reader is None:
            self._source_reader = SourceReader(self._source, self._module_file)
        return self._source_reader

    def _send(self, function: str, request: dict) -> dict:
        """Deliver one call to the submission's job and return its raw reply."""
        job = self._ensure_job()
        seconds = min(self._call_seconds, self._remaining())
        call = (self.public, wire.encode(request))
        try:
            job = self._submit(job, call, time.monotonic() + seconds)
            reply = job.take(time.monotonic() + seconds)
        except RunnerFailure as failure:
            self._drop_job()
            if failure.sandbox:
                raise SandboxFailure(failure.reason) from None
            if failure.timed_out:
                raise SubmissionProblem(
                    t("{function} did not return within {seconds} s (an infinite loop, or far "
                      "too much work?)", function=function, seconds=f"{seconds:.0f}"),
                    kind=TIME_LIMIT) from None
            raise SubmissionProblem(t("{function}: {reason}", function=function,
                                      reason=failure.reason), kind=CRASHED) from None
        self._history.append(call)
        return reply

    def _submit(self, job: RunnerJob, call: tuple[bool, bytes], deadline: float) -> RunnerJob:
        """Make sure ``job`` has been sent ``call`` as its next request; the job to read from."""
        index = len(self._history)
        if index < len(self._outgoing):  # a call was sent ahead for this place
            if self._outgoing[index] != call:  # and the test asks another: a path not seen
                self._paths = None
                return self._replay(call, deadline)
        else:
            job.submit(call[1])
            self._outgoing.append(call)
        if self._paths is not None:
            self._paths = [path for path in self._paths
                           if len(path) > index and path[index] == call] or None
        self._send_ahead(job, index + 1)
        return job

    def _send_ahead(self, job: RunnerJob, asked: int | None = None) -> None:
        """Send the calls every path still foreseen agrees on, up to ``AHEAD`` beyond the
        ``asked`` calls the tests have made; hidden ones only once a hidden test has run."""
        paths = self._paths
        if not paths:
            return
        limit = (len(self._history) if asked is None else asked) + AHEAD
        first, others = paths[0], paths[1:]
        while len(self._outgoing) < limit:
            index = len(self._outgoing)
            if index >= len(first):
                break
            call = first[index]
            if any(len(path) <= index or path[index] != call for path in others):
                break  # the paths part here: wait for the test's real call
            if not call[0] and not self._job_saw_hidden:
                break
            job.submit(call[1])
            self._outgoing.append(call)

    def _replay(self, call: tuple[bool, bytes], deadline: float) -> RunnerJob:
        """A fresh job given exactly the calls made so far, then ``call``; what the old job
        printed is dropped (its calls are made again here)."""
        old, self._job = self._job, None
        if old is not None:
            old.close(wait=False)
        history, self._history = self._history, []
        job = self._ensure_job()
        for _, frame in history:
            job.submit(frame)
        job.submit(call[1])
        self._outgoing = [*history, call]
        for _ in history:  # the answers were used already; the time is the job's
            job.take(max(deadline, time.monotonic() + self._remaining()))
        self._history = history
        return job

    def _interpret(self, function: str, reply: dict, disabled: tuple[str, ...] = ()) -> dict:
        hits = [h for h in reply.get("disabled_hit", []) if isinstance(h, str)]
        if hits:
            known = [h for h in hits if h in disabled]
            what = known[0] if known else t("an API that is disabled here")
            raise SubmissionProblem(
                t("{function} called {what}, which is disabled in this check: compute it "
                  "yourself (see the notes) instead of calling the built-in", function=function,
                  what=what),
                kind=REFUSED)
        if reply.get("ok") is True:
            return reply
        if "bad_request" in reply:  # the test's own description was wrong: not the student's fault
            raise RuntimeError(f"{function}: {reply['bad_request']}")
        if reply.get("missing"):
            raise SubmissionProblem(
                t("{module} has no function {function}; define it with the signature from the "
                  "exercise file", module=self._module_file, function=function))
        if "unsendable" in reply:
            raise SubmissionProblem(
                t("{function} returned something that cannot be graded: return tensors, "
                  "numbers, strings, lists, tuples or dicts as the exercise says",
                  function=function),
                t("it returned a {kind}", kind=str(reply.get("result_type") or "value")[:80]))
        error = reply.get("error")
        if isinstance(error, dict):
            raise self._remote_error(function, error)
        raise SubmissionProblem(t("{function}: the submission's process answered unexpectedly",
                                  function=function))

    def _remote_error(self, function: str, error: dict) -> Exception:
        type_name = str(error.get("type", "Exception"))[:80]
        builtin = str(error.get("builtin", "Exception"))[:80]
        message = str(error.get("message", ""))[:500]
        line = error.get("line") if type(error.get("line")) is int else 0
        if type_name == "SystemExit":
            return SubmissionProblem(t("{function} called sys.exit(): it must return a value",
                                       function=function),
                                     t("sys.exit's argument: {message}", message=message))
        if type_name == "NotImplementedError":
            feedback = t("{function} is not implemented yet (it raises NotImplementedError at "
                         "line {line} of {module})", function=function, line=line,
                         module=self._module_file) if line else t(
                "{function} is not implemented yet (it raises NotImplementedError)",
                function=function)
            return RemoteRaised.make("NotImplementedError", type_name, feedback, message)
        shown = safe_type_name(type_name, builtin)
        feedback = t("{function} raised {error} at line {line} of {module}", function=function,
                     error=shown, line=line, module=self._module_file) if line else t(
            "{function} raised {error}", function=function, error=shown)
        return RemoteRaised.make(builtin, type_name, feedback, message)

    def start(self) -> None:
        """Start this submission's job before its first call (the previous submission's job
        has been ended): the runner forks, imports the module and answers the foreseen public
        calls while the checker finishes the previous submission's bookkeeping."""
        if self._job is not None or self._started or self._load_problem is not None:
            return
        if self._source and self._reader().embedded_data():
            return  # refused at its first call, never imported
        try:
            self._begin()
        except (RunnerFailure, SandboxFailure):
            self._job = self._loading = None  # the first call tries again and reports it

    def _ensure_job(self) -> RunnerJob:
        if self._load_problem is not None:
            raise SubmissionProblem(self._load_problem, self._load_details, kind=self._load_kind)
        if self._remaining() <= 0:
            raise SubmissionProblem(
                t("the time limit for grading this submission ({seconds} s) was used up by "
                  "earlier checks", seconds=f"{self._job_seconds:.0f}"), kind=TIME_LIMIT)
        if self._job is not None and self._loading is None and self.public and \
                self._job_saw_hidden:
            self._drop_job()
        if self._job is None:
            try:
                self._begin()
            except RunnerFailure as failure:
                raise SandboxFailure(f"the grading runner could not start: {failure.reason}") \
                    from None
        if self._loading is not None:
            self._finish_load()
        if not self.public and not self._job_saw_hidden:
            self._job_saw_hidden = True  # the hidden tests have begun: send theirs ahead
            self._send_ahead(self._job)
        return self._job

    def _begin(self) -> None:
        """Fork a job, send it the module and (the first time) the foreseen public calls; the
        load's reply is read by ``_finish_load``."""
        job = self._host.spawn(self._limits)
        try:
            job.submit(wire.encode({"op": "load", "module": self._module_file.removesuffix(".py"),
                                    "filename": self._module_file, "source": self._source,
                                    "files": self._helper_files}))
        except RunnerFailure:
            job.close(wait=False)
            raise
        self._job = self._loading = job
        self._job_saw_hidden = False
        self._outgoing = []
        if self._forecast is not None and self._forecast.paths and not self._started:
            self._paths = list(self._forecast.paths)
            self._send_ahead(job)
        self._started = True

    def _finish_load(self) -> None:
        job, self._loading = self._loading, None
        seconds = min(self._call_seconds, self._remaining())
        try:
            reply = job.take(time.monotonic() + seconds)
        except RunnerFailure as failure:
            self._drop_job()
            if failure.sandbox:
                raise SandboxFailure(failure.reason) from None
            reason = (t("did not finish importing within the time limit")
                      if failure.timed_out else failure.reason)
            self._load_problem = t("{module} could not be imported: {reason}",
                                   module=self._module_file, reason=reason)
            self._load_kind = TIME_LIMIT if failure.timed_out else IMPORT_ERROR
            raise SubmissionProblem(self._load_problem, kind=self._load_kind) from None
        if reply.get("ok") is not True:
            self._job = None
            self._paths = None
            job.close()
            self._load_problem, self._load_details = describe_load_error(
                self._module_file, reply.get("load_error"))
            self._load_kind = load_error_kind(reply.get("load_error"))
            raise SubmissionProblem(self._load_problem, self._load_details, kind=self._load_kind)

    def _drop_job(self) -> None:
        """End the job (the runner does, while we go on) and keep what it printed."""
        job, self._job, self._loading = self._job, None, None
        if job is not None:
            job.close(wait=False)
            self._printed.append(job.printed())
        if self._forecast is not None and self._history and not self._learnt:
            self._forecast.learn(self._history)  # what the first job of a submission was asked
            self._learnt = True
        self._paths, self._history, self._outgoing = None, [], []

    @property
    def load_problem(self) -> Text | str:
        """Why the submission could not be imported ('' when it could, or was never tried)."""
        return self._load_problem or ""

    @property
    def load_details(self) -> Text | str:
        """The submission's own words about ``load_problem`` (instructors, public checks)."""
        return self._load_details

    def printed(self) -> str:
        """Everything the submission printed so far (capped per job)."""
        current = [self._job.printed()] if self._job is not None else []
        return "".join(self._printed + current)

    def close(self) -> None:
        self._drop_job()


def load_error_kind(error: Any) -> str:
    """The gradebook's word for why a module could not be imported."""
    return SYNTAX_ERROR if isinstance(error, dict) and error.get("kind") == "syntax" else IMPORT_ERROR


def describe_load_error(module_file: str, error: Any) -> tuple[Text, Text | str]:
    """(one safe line, the submission's own message) for a module that could not be imported.

    A syntax error is shown whole: the compiler's message and the student's own line.
    """
    if not isinstance(error, dict):
        return t("{module} could not be imported", module=module_file), ""
    kind = error.get("kind")
    line = error.get("line") if type(error.get("line")) is int else 0
    message = str(error.get("message", ""))[:300]
    if kind == "syntax":
        text = str(error.get("text", ""))[:120]
        return (t("{module} has a syntax error at line {line} ({message}): {text}", module=module_file,
                  line=line, message=message, text=text) if line and text else
                t("{module} has a syntax error ({message})", module=module_file, message=message),
                "")
    if kind == "exit":
        return t("{module} called sys.exit() while being imported; remove it",
                 module=module_file), ""
    if kind == "exception":
        shown = safe_type_name(error.get("type", "Exception"), error.get("builtin", "Exception"))
        problem = t("importing {module} raised {error} at line {line}", module=module_file,
                    error=shown, line=line) if line else t("importing {module} raised {error}",
                                                           module=module_file, error=shown)
        return problem, t("its message: {message}", message=message) if message else ""
    return t("{module} could not be imported", module=module_file), ""
