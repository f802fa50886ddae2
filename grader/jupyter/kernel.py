"""What the exported notebooks' locked test cells call under stock ``nbgrader autograde``.

``hidden_check`` runs the lesson's hidden suite once per kernel, in the kernel, on the
notebook's live functions, and returns the points the named test earned (nbgrader's partial
credit). That kernel also runs the student's code, so this is only as trustworthy as the
student: ``grader nbgrader grade`` (grader.jupyter.grade) is the sandboxed way; see
docs/jupyterhub.md.
"""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
import warnings
from pathlib import Path

from grader.jupyter.export import COURSE_ENV, test_function_of

_kernel_cache: dict[tuple, object] = {}


def hidden_check(lesson_id: str, test: str, namespace: dict):
    """Points earned by hidden test ``test`` (all its cases) on the functions in ``namespace``.

    Where the hidden suites are not reachable (a student's own server) it only says so and
    returns None; under ``nbgrader autograde`` that is an error, so the cell scores 0.
    """
    root = os.environ.get(COURSE_ENV)
    if not root:
        if os.environ.get("NBGRADER_EXECUTION") == "autograde":
            raise RuntimeError(f"{COURSE_ENV} is not set: grade with the nbgrader_config.py "
                               f"that `grader nbgrader export` wrote")
        print(f"{test}: a hidden test; it runs when your notebook is graded.")
        return None
    result = _kernel_result(Path(root), lesson_id, namespace)
    cases = [t for t in result.tests if test_function_of(t.name) == test]
    if not cases:
        raise RuntimeError(f"the hidden suite of {lesson_id} has no test {test}")
    for case in cases:
        if not case.passed:
            print(f"✗ {case.name}: {case.feedback}")
    earned = round(sum(t.score for t in cases), 6)
    return earned


def _kernel_result(root: Path, lesson_id: str, namespace: dict):
    from grader.course.config import load_course
    from grader.engine.grading import run_session

    course = load_course(root)
    lesson = course.lesson(lesson_id)
    functions = course.stub_functions(lesson)
    key = (str(root), lesson_id, id(namespace),
           tuple(id(namespace.get(name)) for name in functions))
    if key not in _kernel_cache:
        helper_files = {p.name: p.read_bytes() for p in course.helper_paths(lesson)}
        with tempfile.TemporaryDirectory(prefix="nbgrader-kernel-") as workdir:
            proxy = _namespace_proxy(lesson, namespace, helper_files, workdir)
            with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                (result,) = run_session(course, lesson, [proxy], ["notebook"],
                                        [course.hidden_suite_dir(lesson)])
        _kernel_cache[key] = result
    return _kernel_cache[key]


class _Live:
    """The kernel's namespace seen as a module (looked up at call time)."""

    def __init__(self, namespace: dict) -> None:
        self._namespace = namespace

    def __getattr__(self, name: str):
        try:
            return self._namespace[name]
        except KeyError:
            raise AttributeError(name) from None


def _namespace_proxy(lesson, namespace: dict, helper_files: dict[str, bytes], workdir: str):
    """The ``sub`` API over the functions the kernel defined (looked up at call time)."""
    from grader.checker.inprocess import InProcessProxy
    from grader.runner.serve import SubmissionRuntime

    runtime = SubmissionRuntime(workdir)
    runtime.load({"module": f"_notebook_{lesson.module_name}",
                  "filename": f"_notebook_{lesson.module}", "source": b"", "files": helper_files})
    runtime.module = _Live(namespace)
    return InProcessProxy(module_file=lesson.module, source=b"", runtime=runtime,
                          bans=lesson.bans)
