"""``grader nbgrader grade``: grade nbgrader submissions in the sandbox.

It reads ``submitted/<student>/<lesson>/<lesson>.ipynb``, builds the module from the solution
cells (grader.intake.notebooks), grades it with the sandboxed engine (this process never
imports student code), and writes each test cell's score into nbgrader's gradebook through
``nbgrader.api.Gradebook``, plus an ``autograded/`` notebook carrying the feedback, so
formgrader, ``nbgrader generate_feedback`` and ``nbgrader export`` work as after
``nbgrader autograde``. (What stock autograde runs in the kernel is grader.jupyter.kernel.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.course.errors import UserError
from grader.jupyter.export import test_function_of

# ---------------------------------------------------------------------- secure grading


class NbgraderError(UserError):
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

    from grader.course.classfolder import is_student_id
    from grader.course.config import runner_preload
    from grader.engine.grading import Submission, grade
    from grader.intake.notebooks import MAX_NOTEBOOK_BYTES, module_from_notebook
    from grader.sandbox.host import RunnerHost

    folder = Path(folder).resolve()
    course_id, db_url = nbgrader_settings(folder)
    report = GradeReport()
    with contextlib.ExitStack() as stack:
        if host is None:
            host = stack.enter_context(RunnerHost(runner_preload(lessons)))
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
                if not is_student_id(student) or path.is_symlink():
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


def _record(gradebook, lesson_id: str, student: str, path: Path, scores: dict[str, float]) -> None:
    from nbgrader.api import MissingEntry

    from grader.intake.notebooks import submission_time

    gradebook.update_or_create_student(student)
    try:
        moment = submission_time(path)
    except ValueError:
        moment = None
    # nbgrader keeps naive UTC times
    when = moment.astimezone(dt.UTC).replace(tzinfo=None) if moment else None
    try:
        submission = gradebook.find_submission(lesson_id, student)
        if when:
            submission.timestamp = when
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
    from grader.intake.notebooks import TIMESTAMP_FILE

    if (path.parent / TIMESTAMP_FILE).is_file():
        shutil.copy2(path.parent / TIMESTAMP_FILE, target / TIMESTAMP_FILE)


__all__ = ["GradeReport", "NbgraderError", "grade_course"]
