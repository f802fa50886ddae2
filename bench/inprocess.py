"""The `sub` API with the submission imported into this very process: no isolation at all.

For benchmarks only: the naive way (a fresh pytest process per job, submission imported) and
the in-process lower bound (every suite against every submission in warm processes). It
reuses the runner's own job class, so calls behave exactly as in the sandbox, minus the
sandbox, the runner process and the wire.

Run as a script, it is a lower-bound worker: one JSON request per line on stdin,
``{"lesson": "lesson2", "paths": [...]}``, graded in one session; one line back when done.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.checker.inprocess import InProcessProxy  # noqa: E402
from grader.runner.serve import SubmissionRuntime  # noqa: E402

_HELPER_FOLDERS: dict[tuple, str] = {}


def in_process_proxy(*, module_file: str, source: bytes, helper_files: dict[str, bytes],
                     bans: dict[str, tuple[str, ...]] | None = None):
    """A proxy whose submission is loaded into this process by the runner's own job class.

    One folder per set of helper files for the whole process: the helper modules (lesson 6's
    tinynet) are imported once and stay valid, as in any warm process.
    """
    key = tuple(sorted((name, hash(data)) for name, data in helper_files.items()))
    if key not in _HELPER_FOLDERS:
        _HELPER_FOLDERS[key] = tempfile.mkdtemp(prefix="inprocess-")
    workdir = _HELPER_FOLDERS[key]
    runtime = SubmissionRuntime(workdir)
    reply = runtime.load({"module": module_file.removesuffix(".py"), "filename": module_file,
                          "source": source, "files": helper_files})
    proxy = InProcessProxy(module_file=module_file, source=source, runtime=runtime,
                           load_reply=reply, bans=bans)
    proxy.close = lambda: None  # the folder is the process's, for its lifetime
    return proxy


def serve() -> None:
    import torch

    from grader.course.config import load_course
    from grader.engine.grading import run_session, suite_paths

    torch.set_num_threads(1)  # as in the runner
    course = load_course(REPO)
    for line in sys.stdin:
        request = json.loads(line)
        lesson = course.lesson(request["lesson"])
        helpers = {p.name: p.read_bytes() for p in course.helper_paths(lesson)}
        paths = [Path(p) for p in request["paths"]]
        proxies = [in_process_proxy(module_file=lesson.module, source=p.read_bytes(),
                                    helper_files=helpers, bans=lesson.bans) for p in paths]
        try:
            run_session(course, lesson, proxies, [str(p) for p in paths],
                        suite_paths(course, lesson, public=True, hidden=True))
        finally:
            for proxy in proxies:
                proxy.close()
        print("done", flush=True)


if __name__ == "__main__":
    serve()
