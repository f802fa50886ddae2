"""The `sub` API with the submission imported into this very process: no isolation at all.

For benchmarks only: the naive way (a fresh pytest process per job, submission imported) and
the in-process lower bound (every suite against every submission in one warm process). It
reuses the runner's own Job, so calls behave exactly as in the sandbox, minus the sandbox.
"""

from __future__ import annotations

import shutil
import tempfile

from grader.checker.proxy import SubmissionProxy, describe_load_error
from grader.checker.feedback import SubmissionProblem
from grader.runner.serve import Job


class InProcessProxy(SubmissionProxy):
    def __init__(self, *, module_file: str, source: bytes, helper_files: dict[str, bytes]) -> None:
        super().__init__(module_file=module_file, source=source, helper_files=helper_files,
                         host=None, limits=None, job_seconds=float("inf"),
                         call_seconds=float("inf"))
        self._workdir = tempfile.mkdtemp(prefix="inprocess-")
        self._local = Job(self._workdir)
        reply = self._local.load({"module": module_file.removesuffix(".py"),
                                  "filename": module_file, "source": source,
                                  "files": helper_files})
        if reply.get("ok") is not True:
            self._load_problem = describe_load_error(module_file, reply.get("load_error"))

    def _call(self, function, args, kwargs, *, echo_args):
        if self._load_problem:
            raise SubmissionProblem(self._load_problem)
        reply = self._local.call({"function": function, "args": list(args), "kwargs": kwargs,
                                  "disabled": list(self.disabled), "echo_args": echo_args,
                                  "seed": self.seed})
        return self._interpret(function, reply)

    def close(self) -> None:
        shutil.rmtree(self._workdir, ignore_errors=True)
