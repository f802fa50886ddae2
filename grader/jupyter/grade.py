"""Grading nbgrader notebooks, two ways.

``hidden_check`` is what the exported notebooks' locked test cells call under stock
``nbgrader autograde``: it runs the lesson's hidden suite once per kernel, in the kernel, on the
notebook's live functions, and returns the points the named test earned (nbgrader's partial
credit). That kernel also runs the student's code, so this is only as trustworthy as the
student: see docs/jupyterhub.md.

``grade_course`` is ``grader nbgrader grade``: it reads ``submitted/<student>/<lesson>/<lesson>.ipynb``,
builds the module from the solution cells (grader.intake.notebooks), grades it with the sandboxed
engine (this process never imports student code), and writes each test cell's score into
nbgrader's gradebook through ``nbgrader.api.Gradebook``, plus an ``autograded/`` notebook
carrying the feedback, so formgrader, ``nbgrader generate_feedback`` and ``nbgrader export``
work as after ``nbgrader autograde``.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.jupyter.export import COURSE_ENV, test_function_of

# ---------------------------------------------------------------------- inside the kernel

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
        proxy = _NamespaceProxy(lesson, namespace, {p.name: p.read_bytes()
                                                     for p in course.helper_paths(lesson)})
        try:
            with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()):
                warnings.simplefilter("ignore")
                (result,) = run_session(course, lesson, [proxy], ["notebook"],
                                        [course.hidden_suite_dir(lesson)])
        finally:
            proxy.close()
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


def _namespace_proxy_class():
    from grader.checker.proxy import SubmissionProxy
    from grader.checker.feedback import SubmissionProblem
    from grader.runner.serve import Job

    class NamespaceProxy(SubmissionProxy):
        """The ``sub`` API over functions already defined in this process (no isolation)."""

        def __init__(self, lesson, namespace: dict, helper_files: dict[str, bytes]) -> None:
            super().__init__(module_file=lesson.module, source=b"", helper_files=helper_files,
                             host=None, limits=None, job_seconds=float("inf"),
                             call_seconds=float("inf"))
            self._workdir = tempfile.mkdtemp(prefix="nbgrader-kernel-")
            self._local = Job(self._workdir)
            self._local.load({"module": f"_notebook_{lesson.module_name}",
                              "filename": f"_notebook_{lesson.module}", "source": b"",
                              "files": helper_files})
            self._local.module = _Live(namespace)

        def _call(self, function, args, kwargs, *, echo_args):
            if self._load_problem:
                raise SubmissionProblem(self._load_problem)
            reply = self._local.call({"function": function, "args": list(args),
                                      "kwargs": kwargs, "disabled": list(self.disabled),
                                      "echo_args": echo_args, "seed": self.seed})
            return self._interpret(function, reply)

        def close(self) -> None:
            shutil.rmtree(self._workdir, ignore_errors=True)

    return NamespaceProxy


def _NamespaceProxy(lesson, namespace, helper_files):  # noqa: N802 - a lazy class
    return _namespace_proxy_class()(lesson, namespace, helper_files)


# ---------------------------------------------------------------------- secure grading


class NbgraderError(Exception):
    """The nbgrader course folder cannot be graded as asked; the message says why."""


@dataclass
class Graded:
    student: str
    lesson: str
    score: float
    max_score: float
    problem: str = ""


@dataclass
class GradeReport:
    graded: list[Graded] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # what, why


def nbgrader_settings(folder: Path) -> tuple[str, str]:
    """(course_id, db_url) from ``folder/nbgrader_config.py``, with nbgrader's defaults."""
    from traitlets.config.loader import PyFileConfigLoader

    course_id, db_url = "default_course", f"sqlite:///{(folder / 'gradebook.db').resolve()}"
    path = folder / "nbgrader_config.py"
    if path.is_file():
        config = PyFileConfigLoader(path.name, path=str(folder)).load_config()
        directory = config.get("CourseDirectory", {})
        course_id = directory.get("course_id", course_id) or course_id
        db_url = directory.get("db_url", db_url) or db_url
    return course_id, db_url


def submitted_notebooks(folder: Path, lesson_id: str) -> list[tuple[str, Path]]:
    base = folder / "submitted"
    return [(path.parent.parent.name, path)
            for path in sorted(base.glob(f"*/{lesson_id}/{lesson_id}.ipynb"))]


def grade_course(course, folder: Path, lessons: Sequence, *, unsafe: bool = False,
                 host=None) -> GradeReport:
    """Grade every submitted notebook of ``lessons`` and record the scores in the gradebook."""
    from nbgrader.api import Gradebook, MissingEntry

    from grader.engine.batch import STUDENT_ID
    from grader.engine.grading import Submission, grade
    from grader.intake.notebooks import MAX_NOTEBOOK_BYTES, module_from_notebook
    from grader.sandbox.host import RunnerHost

    folder = Path(folder).resolve()
    course_id, db_url = nbgrader_settings(folder)
    report = GradeReport()
    with contextlib.ExitStack() as stack:
        if host is None:
            from grader.cli.instructor import preload_for

            host = stack.enter_context(RunnerHost(preload_for(lessons)))
        gradebook = stack.enter_context(Gradebook(db_url, course_id=course_id))
        for lesson in lessons:
            found = submitted_notebooks(folder, lesson.id)
            if not found:
                continue
            try:
                cells = {c.name: c.max_score for c in
                         gradebook.find_notebook(lesson.id, lesson.id).grade_cells}
            except MissingEntry:
                raise NbgraderError(f"{lesson.id} is not in the gradebook ({db_url}); run "
                                    f"`nbgrader generate_assignment {lesson.id}` first") from None
            subs, who = [], []
            for student, path in found:
                what = f"submitted/{student}/{lesson.id}"
                if not STUDENT_ID.match(student) or path.is_symlink():
                    report.skipped.append((what, "not a valid student folder or notebook"))
                    continue
                data = path.read_bytes() if path.stat().st_size <= MAX_NOTEBOOK_BYTES else b""
                try:
                    source = module_from_notebook(data) if data else None
                    problem = "" if data else "the notebook is too large"
                except ValueError as exc:
                    source, problem = None, str(exc)
                # a notebook with no solution cells still gets a gradebook entry: zero
                subs.append(Submission(what, source if source is not None
                                       else b"raise SystemExit('no module')\n"))
                who.append((student, path, problem))
            results = grade(course, lesson, subs, host=host, public=False, unsafe=unsafe)
            for (student, path, problem), result in zip(who, results, strict=True):
                scores = _cell_scores(result, cells)
                if problem:
                    scores = dict.fromkeys(cells, 0.0)
                _record(gradebook, lesson.id, student, path, scores)
                _write_autograded(folder, lesson.id, student, path, result, scores, problem)
                report.graded.append(Graded(student, lesson.id, round(sum(scores.values()), 6),
                                            round(sum(cells.values()), 6),
                                            problem or result.problem))
    return report


def _cell_scores(result, cells: dict[str, float]) -> dict[str, float]:
    scores = dict.fromkeys(cells, 0.0)
    for test in result.tests:
        name = test_function_of(test.name)
        if name in scores:
            scores[name] += test.score
    return {name: round(min(score, cells[name]), 6) for name, score in scores.items()}


def _timestamp(path: Path) -> str | None:
    stamp = path.parent / "timestamp.txt"
    return stamp.read_text().strip() if stamp.is_file() else None


def _record(gradebook, lesson_id: str, student: str, path: Path, scores: dict[str, float]) -> None:
    from nbgrader.api import MissingEntry

    gradebook.update_or_create_student(student)
    when = _timestamp(path)
    try:
        submission = gradebook.find_submission(lesson_id, student)
        if when:
            from nbgrader.utils import parse_utc

            submission.timestamp = parse_utc(when)
    except MissingEntry:
        gradebook.add_submission(lesson_id, student, **({"timestamp": when} if when else {}))
    for cell, score in scores.items():
        entry = gradebook.find_grade(cell, lesson_id, lesson_id, student)
        entry.auto_score = score
        entry.needs_manual_grade = False
    gradebook.db.commit()


def _write_autograded(folder: Path, lesson_id: str, student: str, path: Path, result,
                      scores: dict[str, float], problem: str) -> None:
    """autograded/<student>/<lesson>/: the notebook with the locked cells restored from the
    release and each test cell's verdict as its output (what formgrader shows)."""
    import nbformat

    target = folder / "autograded" / student / lesson_id
    target.mkdir(parents=True, exist_ok=True)
    try:
        notebook = nbformat.read(str(path), as_version=4)
    except Exception:  # noqa: BLE001 - an unreadable notebook: show the release instead
        notebook = None
    release = folder / "release" / lesson_id / f"{lesson_id}.ipynb"
    if release.is_file():
        released = nbformat.read(str(release), as_version=4)
        locked = {c.metadata.get("nbgrader", {}).get("grade_id"): c for c in released.cells
                  if c.metadata.get("nbgrader", {}).get("locked")}
        if notebook is None:
            notebook = released
        for index, cell in enumerate(notebook.cells):
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in locked:
                notebook.cells[index] = nbformat.from_dict(dict(locked[grade_id]))
    if notebook is None:
        return
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and grade_id in scores:
            lines = [f"✗ {t.name}: {t.feedback}" for t in result.tests
                     if test_function_of(t.name) == grade_id and not t.passed]
            if problem:
                lines = [f"not graded: {problem}"]
            text = "\n".join(lines) + "\n" if lines else "all cases passed\n"
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=text),
                nbformat.v4.new_output("execute_result", data={"text/plain": repr(scores[grade_id])},
                                       execution_count=None),
            ]
    nbformat.write(notebook, str(target / f"{lesson_id}.ipynb"))
    if (path.parent / "timestamp.txt").is_file():
        shutil.copy2(path.parent / "timestamp.txt", target / "timestamp.txt")


__all__ = ["GradeReport", "NbgraderError", "grade_course", "hidden_check"]
