"""The `sub` API with the submission imported into this very process: no isolation at all.

For benchmarks only: the naive way (a fresh pytest process per job, submission imported) and
the in-process lower bound (every suite against every submission in one warm process). It
reuses the runner's own Job, so calls behave exactly as in the sandbox, minus the sandbox.
"""

from __future__ import annotations

import shutil
import tempfile

from grader.checker.inprocess import InProcessProxy
from grader.runner.serve import SubmissionRuntime


def in_process_proxy(*, module_file: str, source: bytes, helper_files: dict[str, bytes]):
    """A proxy whose submission is loaded into this process by the runner's own job class."""
    workdir = tempfile.mkdtemp(prefix="inprocess-")
    runtime = SubmissionRuntime(workdir)
    reply = runtime.load({"module": module_file.removesuffix(".py"), "filename": module_file,
                          "source": source, "files": helper_files})
    proxy = InProcessProxy(module_file=module_file, source=source, runtime=runtime,
                           load_reply=reply)
    proxy.close = lambda: shutil.rmtree(workdir, ignore_errors=True)
    return proxy
