"""What the exported notebooks' graded cells call, in the notebook's own kernel.

``public_checks`` runs one function's public checks (``test_<module>.py`` beside the notebook,
with the lesson's facts from ``<lesson>.course.toml`` beside it too) on the functions the
notebook defined, and prints what ``course check`` prints. In JupyterLab and under Validate a
failure goes to stderr, which is what makes Validate fail and show it; under
``nbgrader autograde`` it goes to stdout and the cell returns the points it earned
(nbgrader's partial credit).

``hidden_check`` runs the lesson's hidden suite, found through ``TORCH_GRADER_COURSE`` (set by
the exported ``nbgrader_config.py`` for the kernels ``nbgrader autograde`` starts), and
returns the points one hidden test earned. Where the hidden suites are not (a student's
server) it only says that the test runs at grading.

Both speak the notebook's language: the first of ``[course] languages`` in the facts file
(``grader nbgrader export --lang`` puts it first). ``public_checks`` renders the checks' words
with the compiled catalogs in ``locale/`` beside the notebook (public messages only, written by
the export); ``hidden_check`` with the course's own catalogs.

Each suite runs once per kernel state: the result is kept until a function is redefined or
a check file changes. The kernel also runs the student's code, so none of this is more
trustworthy than the student: ``grader nbgrader grade`` (grader.jupyter.grade) is the
sandboxed way; see docs/jupyterhub.md.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import linecache
import os
import sys
import tempfile
import types
import warnings
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

from grader.course.i18n import lesson_catalogs, render, t
from grader.course.results import LessonResult, format_points
from grader.jupyter.cells import (
    HIDDEN,
    PUBLIC,
    GradeCell,
    cases_of,
    hidden_report,
    public_report,
    score_of,
)
from grader.jupyter.export import (
    COURSE_ENV,
    catalog_file,
    facts_file,
    language_beside,
    notebook_language,
)

_results: dict[tuple, tuple[object, LessonResult]] = {}  # (kind, where, lesson) -> latest


def _mode() -> str:
    """"autograde", "validate", or "" (a person running cells)."""
    return os.environ.get("NBGRADER_EXECUTION", "")


def public_checks(lesson_id: str, function: str, namespace: dict, *, points: float,
                  checks: Sequence[str]):
    """Run ``function``'s public checks on the notebook's functions and show the outcome, in
    the notebook's language (the first of the facts file's ``languages``, with the lesson's
    compiled catalog from ``locale/`` beside the notebook).

    Returns the points earned under ``nbgrader autograde``, None otherwise.
    """
    from grader.course.config import parse_course

    folder = Path.cwd()
    facts = folder / facts_file(lesson_id)
    if not facts.is_file():
        raise FileNotFoundError(_missing(facts.name, folder, "en", ()))
    facts_course = parse_course(facts)
    lesson = facts_course.lesson(lesson_id)
    language = notebook_language(facts_course)
    # the notebook's folder as the course's root: its locale/ is the one the export wrote
    catalogs = lesson_catalogs(replace(facts_course, root=folder), language, lesson_id)
    names = [facts_course.public_checks_path(lesson).name, *lesson.helper_files]
    needed = [*names, *([catalog_file(lesson_id, language)] if language != "en" else [])]
    missing = [name for name in needed if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(_missing(missing[0], folder, language, catalogs))
    files = {name: (folder / name).read_bytes() for name in names}
    digest = hashlib.sha256(facts.read_bytes() + b"".join(
        hashlib.sha256(data).digest() for data in files.values())).hexdigest()

    def run_checks():
        with tempfile.TemporaryDirectory(prefix="notebook-course-") as root:
            # the course's layout around copies of the files beside the notebook
            course = replace(facts_course, root=Path(root))
            exercise = course.exercise_dir(lesson)
            exercise.mkdir(parents=True)
            for name, data in files.items():
                (exercise / name).write_bytes(data)
            helpers = {name: files[name] for name in lesson.helper_files}
            try:
                return _run(course, lesson, namespace, course.public_checks_path(lesson), helpers)
            finally:
                _forget_modules_in(root)

    result = _cached((PUBLIC, str(folder), lesson_id), (digest, _namespace_key(namespace)),
                     run_checks)
    cell = GradeCell(f"public_{function}", PUBLIC, function, tuple(checks), points)
    cases = cases_of(cell, result.tests)
    if not cases:
        raise LookupError(render(t(
            "{checks} beside this notebook has none of the checks this cell runs: fetch the "
            "notebook and its files again", checks=names[0]), language, catalogs))
    report = public_report(function, cases, language, catalogs)
    if _mode() == "autograde":
        print(report)
        return score_of(cell, cases)
    print(report, file=sys.stderr if any(not case.passed for case in cases) else sys.stdout)
    return None


def _missing(name: str, folder: Path, language: str, catalogs: tuple) -> str:
    return render(t("{name} is not in {folder}: the check cells need the files that came with "
                    "this notebook (fetch it again)", name=name, folder=str(folder)),
                  language, catalogs)


def hidden_check(lesson_id: str, test: str, namespace: dict, *, points: float):
    """The points hidden test ``test`` (all its cases) earned on the notebook's functions.

    Where the hidden suites are not reachable it only says so and returns None; under
    ``nbgrader autograde`` that is an error, so the cell scores 0. What it prints is in the
    notebook's language (the course's own catalogs, where the course is).
    """
    from grader.course.config import load_course

    language = language_beside(Path.cwd(), lesson_id)
    root = os.environ.get(COURSE_ENV)
    if not root:
        if _mode() == "autograde":
            raise RuntimeError(f"{COURSE_ENV} is not set: grade with the nbgrader_config.py "
                               f"that `grader nbgrader export` wrote")
        print(render(t("{test}: a hidden test ({points} points); it runs when your notebook is "
                       "graded.", test=test, points=format_points(points)), language))
        return None
    course = load_course(Path(root))
    lesson = course.lesson(lesson_id)
    helpers = {p.name: p.read_bytes() for p in course.helper_paths(lesson)}
    result = _cached((HIDDEN, str(root), lesson_id), _namespace_key(namespace),
                     lambda: _run(course, lesson, namespace, course.hidden_suite_dir(lesson),
                                  helpers))
    cell = GradeCell(test, HIDDEN, test, (test,), points)
    cases = cases_of(cell, result.tests)
    if not cases:
        raise LookupError(f"the hidden suite of {lesson_id} has no test {test}")
    if any(not case.passed for case in cases):
        print(hidden_report(cases, language, lesson_catalogs(course, language, lesson_id)))
    return score_of(cell, cases)


def _cached(slot: tuple, key: object, compute: Callable[[], LessonResult]) -> LessonResult:
    """The suite's result for this state of the notebook: computed again only when ``key``
    (the files, the functions defined) changed since the last run in this ``slot``."""
    held = _results.get(slot)
    if held is None or held[0] != key:
        _results[slot] = (key, compute())
    return _results[slot][1]


def _namespace_key(namespace: dict) -> frozenset:
    """Which functions and classes the notebook has defined: a new definition is a new key."""
    return frozenset((name, id(value)) for name, value in namespace.items()
                     if isinstance(value, (types.FunctionType, type)))


def _notebook_source(namespace: dict) -> bytes:
    """The cells that defined the notebook's functions, in order: the module the bans are
    read from (as ``grader nbgrader grade`` reads the solution cells)."""
    here = namespace.get("__name__", "__main__")
    cells: list[str] = []
    for value in list(namespace.values()):
        if not isinstance(value, types.FunctionType) or value.__module__ != here:
            continue  # imported, not defined in a cell
        text = "".join(linecache.getlines(value.__code__.co_filename))
        if text and text not in cells:
            cells.append(text)
    return ("\n\n".join(cell.rstrip("\n") for cell in cells) + "\n").encode() if cells else b""


def _run(course, lesson, namespace: dict, suite: Path, helper_files: dict[str, bytes]):
    """One pytest session of ``suite`` over the notebook's functions, in this kernel.

    The kernel is the student's: its torch threads and random state are put back afterwards.
    """
    import torch

    from grader.engine.grading import run_session

    threads, rng = torch.get_num_threads(), torch.get_rng_state()
    with tempfile.TemporaryDirectory(prefix="nbgrader-kernel-") as workdir:
        proxy = _namespace_proxy(lesson, namespace, helper_files, workdir)
        try:
            with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                (result,) = run_session(course, lesson, [proxy], ["notebook"], [suite])
        finally:
            torch.set_num_threads(threads)
            torch.set_rng_state(rng)
            with contextlib.suppress(ValueError):
                sys.path.remove(workdir)
            _forget_modules_in(workdir)
            sys.modules.pop(f"_notebook_{lesson.module_name}", None)
    return result


def _forget_modules_in(folder: str) -> None:
    """Drop the modules imported from a folder about to be deleted: pytest would reuse the
    checks' module next time (with its helpers' paths), and tinynet loads files from beside
    itself."""
    for name, module in list(sys.modules.items()):
        if str(getattr(module, "__file__", None) or "").startswith(os.path.join(folder, "")):
            del sys.modules[name]


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
    return InProcessProxy(module_file=lesson.module, source=_notebook_source(namespace),
                          runtime=runtime, bans=lesson.bans)
