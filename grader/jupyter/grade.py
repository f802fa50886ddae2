"""``grader nbgrader grade``: grade nbgrader submissions in the sandbox.

It reads ``submitted/<student>/<lesson>/<lesson>.ipynb``, builds the module from the solution
cells (grader.intake.notebooks), grades it with the sandboxed engine, public checks and hidden
suite as ``grader batch`` does (this process never imports student code), and writes each
graded cell's score into nbgrader's gradebook through ``nbgrader.api.Gradebook``, plus an
``autograded/`` notebook carrying the feedback, so formgrader, ``nbgrader generate_feedback``
and ``nbgrader export`` work as after ``nbgrader autograde``.

Which checks each cell scores, and its points, are read from the exported source notebook
(grader.jupyter.cells), so the scores add up to the lesson's points as ``gradebook.csv``'s do.
The late penalty is course.toml's ``[late]`` policy (grader.course.late, as the class
standings apply it), recorded as nbgrader's late-submission penalty. (What stock autograde runs
in the kernel is grader.jupyter.kernel.)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from grader.course.i18n import N_, render
from grader.jupyter.cells import (
    HIDDEN,
    GradeCell,
    cases_of,
    grade_cells_in,
    hidden_report,
    public_report,
    score_of,
)
from grader.jupyter.export import NbgraderError

NOT_GRADED = N_("not graded: {problem}")


@dataclass
class Graded:
    student: str
    lesson: str
    score: float  # after the late penalty
    max_score: float
    problem: str = ""
    late: str = ""  # the late policy's note, when the submission was late


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


NOTEBOOKS_PER_WORKER = 40  # measured with bench/nbgrader.py: 24 notebooks grade faster on one


def submitted_notebooks(folder: Path, lesson_id: str) -> list[tuple[str, Path]]:
    base = folder / "submitted"
    return [(path.parent.parent.name, path)
            for path in sorted(base.glob(f"*/{lesson_id}/{lesson_id}.ipynb"))]


def source_cells(folder: Path, lesson) -> list[GradeCell]:
    """The graded cells of the lesson's exported source notebook."""
    import nbformat

    path = folder / "source" / lesson.id / f"{lesson.id}.ipynb"
    if not path.is_file():
        raise NbgraderError(f"{path} does not exist: export the course into {folder} "
                            f"(grader nbgrader export) before grading")
    try:
        cells = grade_cells_in(nbformat.read(str(path), as_version=4))
    except ValueError as exc:
        raise NbgraderError(f"{path}: {exc}") from None
    if not cells:
        raise NbgraderError(f"{path} has no graded cells: export the course again")
    return cells


def grade_course(course, folder: Path, lessons: Sequence, *, unsafe: bool = False,
                 workers: int | None = None) -> GradeReport:
    """Grade every submitted notebook of ``lessons`` and record the scores in the gradebook.

    The grading runs in checker worker processes (the engine ``grader batch`` uses, each
    taking whole lessons), started first; this process reads the notebooks meanwhile, and
    imports nbgrader (which pulls in the Jupyter server stack) once the first results are in,
    so as not to slow the workers' start. A second worker costs a second start (torch imported twice more)
    and pays for itself from about ``NOTEBOOKS_PER_WORKER`` notebooks on: one per that many,
    one per core, two at most.
    """
    import concurrent.futures
    import os
    import threading

    from grader.engine.worker import CheckerWorker
    from grader.intake.notebooks import skip_iri_grammars

    skip_iri_grammars()
    folder = Path(folder).resolve()
    report = GradeReport()
    found = sum(len(submitted_notebooks(folder, lesson.id)) for lesson in lessons)
    count = workers or min(2, os.cpu_count() or 1, found // NOTEBOOKS_PER_WORKER)
    count = max(1, min(count, len(lessons)))
    with contextlib.ExitStack() as stack:
        pool_of = [stack.enter_context(CheckerWorker(course.root)) for _ in range(count)]
        work = [(lesson, *_submissions(folder, lesson, report)) for lesson in lessons]
        work = [(lesson, subs, who) for lesson, subs, who in work if subs]
        stop = threading.Event()
        with concurrent.futures.ThreadPoolExecutor(count) as pool:
            graded = _grade_all(pool, pool_of, work, unsafe, stop)
            # the workers stop while the last lesson is recorded, not after it
            closer = threading.Thread(target=_close_when_done, args=(graded, pool_of))
            closer.start()
            stack.callback(closer.join)
            try:
                _record_all(course, folder, work, graded, report)
            finally:
                stop.set()  # on an error here, grade no further lesson
    return report


def _close_when_done(graded: list, workers: list) -> None:
    import concurrent.futures

    concurrent.futures.wait(graded)
    for worker in workers:
        worker.stop()
    for worker in workers:
        worker.close()


def _grade_all(pool, workers, work, unsafe: bool, stop) -> list:
    """One future per lesson's results; each worker takes the next lesson when it is free
    (the threads wait on the workers' pipes, holding no GIL)."""
    import queue

    from grader.engine.worker import WorkerError
    from grader.sandbox.plan import SandboxRefused

    free: queue.Queue = queue.Queue()
    for worker in workers:
        free.put(worker)

    def one(lesson, subs):
        worker = free.get()
        try:
            if stop.is_set():
                raise NbgraderError("stopped")
            return worker.grade(lesson.id, [(s.label, s.source) for s in subs], unsafe=unsafe)
        except WorkerError as exc:
            if exc.refused:
                raise SandboxRefused(str(exc)) from None
            raise NbgraderError(str(exc)) from None
        finally:
            free.put(worker)

    return [pool.submit(one, lesson, subs) for lesson, subs, _ in work]


def _record_all(course, folder: Path, work, graded, report: GradeReport) -> None:
    import concurrent.futures

    # nbgrader's imports wait for the first results: while the workers start (importing
    # torch on every core) they would only slow them down
    concurrent.futures.wait(graded[:1])
    from nbgrader.api import Gradebook

    from grader.course.i18n import lesson_catalogs
    from grader.course.late import assess
    from grader.course.results import SANDBOX_FAILURE
    from grader.jupyter.export import language_beside
    from grader.reports.standings import Entry

    course_id, db_url = nbgrader_settings(folder)
    with contextlib.ExitStack() as stack:
        # nbgrader's add_submission trips SQLAlchemy's autoflush warnings; the rows are right
        stack.enter_context(warnings.catch_warnings())
        warnings.filterwarnings("ignore", message=r"Object of type .* not in session")
        gradebook = stack.enter_context(Gradebook(db_url, course_id=course_id))
        cells_of = {}
        for lesson, _, _ in work:
            cells_of[lesson.id] = source_cells(folder, lesson)
            _check_gradebook(gradebook, lesson, cells_of[lesson.id], db_url)
        for (lesson, _, who), future in zip(work, graded, strict=True):
            results = future.result()
            cells = cells_of[lesson.id]
            language = language_beside(folder / "source" / lesson.id, lesson.id)
            catalogs = lesson_catalogs(course, language, lesson.id)
            for (student, path, problem), result in zip(who, results, strict=True):
                if result.status == SANDBOX_FAILURE:  # not the student's doing: no zero
                    report.skipped.append((f"submitted/{student}/{lesson.id}",
                                           f"not graded: {result.problem}"))
                    continue
                scores = cell_scores(cells, result, lesson.id)
                if problem:
                    scores = {cell.grade_id: 0.0 for cell in cells}
                earned = round(sum(scores.values()), 6)
                moment = _submitted_at(path)
                lateness = assess(course.late, lesson.due, moment)
                # late: the class standings' points for this result are what it keeps
                standing = Entry(lesson, result, lateness)
                penalty = (round(min(max(earned - standing.points, 0.0), earned), 6)
                           if standing.penalty > 0 else 0.0)
                _record(gradebook, lesson.id, student, moment, scores, penalty)
                _write_autograded(folder, lesson.id, student, path, cells, result, problem,
                                  language, catalogs)
                report.graded.append(Graded(
                    student, lesson.id, round(earned - penalty, 6), lesson.points,
                    problem or result.problem, lateness.note if lateness.days_late else ""))


def _submissions(folder: Path, lesson, report: GradeReport) -> tuple[list, list]:
    """The lesson's submitted notebooks as Submissions, and (student, notebook, problem) each."""
    from grader.course.classfolder import student_id
    from grader.engine.grading import Submission
    from grader.intake.notebooks import MAX_NOTEBOOK_BYTES, module_from_notebook

    subs, who = [], []
    for student, path in submitted_notebooks(folder, lesson.id):
        if student_id(student) != student or path.is_symlink():
            report.skipped.append((f"submitted/{student}/{lesson.id}",
                                   "not a valid student folder or notebook"))
            continue
        data = path.read_bytes() if path.stat().st_size <= MAX_NOTEBOOK_BYTES else b""
        try:
            source = module_from_notebook(data) if data else None
            problem = "" if data else "the notebook is too large"
        except ValueError as exc:
            source, problem = None, str(exc)
        # a notebook with no solution cells still gets a gradebook entry: zero
        subs.append(Submission(f"submitted/{student}/{lesson.id}", source if source is not None
                               else b"raise SystemExit('no module')\n"))
        who.append((student, path, problem))
    return subs, who


def _check_gradebook(gradebook, lesson, cells: Sequence[GradeCell], db_url: str) -> None:
    """The gradebook knows the lesson with the source notebook's cells; its due date is
    course.toml's (formgrader shows lateness against it)."""
    from nbgrader.api import MissingEntry

    try:
        known = {c.name: c.max_score for c in
                 gradebook.find_notebook(lesson.id, lesson.id).grade_cells}
    except MissingEntry:
        raise NbgraderError(f"{lesson.id} is not in the gradebook ({db_url}); run "
                            f"`nbgrader generate_assignment {lesson.id}` first") from None
    if known != {cell.grade_id: cell.points for cell in cells}:
        raise NbgraderError(f"the gradebook's cells of {lesson.id} are not those of "
                            f"source/{lesson.id}/{lesson.id}.ipynb; run `nbgrader "
                            f"generate_assignment {lesson.id} --force` again")
    if lesson.due is not None:
        gradebook.update_or_create_assignment(
            lesson.id, duedate=lesson.due.astimezone(dt.UTC).replace(tzinfo=None))


def cell_scores(cells: Sequence[GradeCell], result, lesson_id: str) -> dict[str, float]:
    """Each cell's points for ``result``; every check of the result must have its cell."""
    scores, scored = {}, set()
    for cell in cells:
        cases = cases_of(cell, result.tests)
        if not cases:
            raise NbgraderError(f"cell {cell.grade_id} of {lesson_id}'s notebook scores checks "
                                f"the course no longer has ({', '.join(cell.checks[:3])}); "
                                f"export the course again and regenerate the assignment")
        scores[cell.grade_id] = score_of(cell, cases)
        scored |= {id(test) for test in cases}
    unscored = [test.name for test in result.tests if id(test) not in scored]
    if unscored:
        raise NbgraderError(f"{lesson_id}'s notebook has no cell for the check {unscored[0]}; "
                            f"export the course again and regenerate the assignment")
    return scores


def _submitted_at(path: Path) -> dt.datetime | None:
    """When nbgrader recorded the submission, if it did (and legibly)."""
    from grader.intake.notebooks import submission_time

    try:
        return submission_time(path)
    except ValueError:
        return None


def _record(gradebook, lesson_id: str, student: str, moment: dt.datetime | None,
            scores: dict[str, float], penalty: float) -> None:
    from nbgrader.api import MissingEntry

    gradebook.update_or_create_student(student)
    # nbgrader keeps naive UTC times
    when = moment.astimezone(dt.UTC).replace(tzinfo=None) if moment else None
    try:
        submission = gradebook.find_submission(lesson_id, student)
        if when:
            submission.timestamp = when
    except MissingEntry:
        gradebook.add_submission(lesson_id, student, **({"timestamp": when} if when else {}))
    notebook = gradebook.find_submission_notebook(lesson_id, lesson_id, student)
    grades = {grade.name: grade for grade in notebook.grades}  # one query, not one per cell
    for cell, score in scores.items():
        entry = grades.get(cell) or gradebook.find_grade(cell, lesson_id, lesson_id, student)
        entry.auto_score = score
        entry.needs_manual_grade = False
    notebook.late_submission_penalty = penalty or None
    gradebook.db.commit()


def _write_autograded(folder: Path, lesson_id: str, student: str, path: Path,
                      cells: Sequence[GradeCell], result, problem: str, language: str = "en",
                      catalogs: tuple = ()) -> None:
    """autograded/<student>/<lesson>/: the notebook with the locked cells restored from the
    release and each graded cell's outcome as its output (what formgrader shows)."""
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
    by_id = {cell.grade_id: cell for cell in cells}
    for cell in notebook.cells:
        graded = by_id.get(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"))
        if cell.cell_type != "code" or graded is None:
            continue
        cases = cases_of(graded, result.tests)
        if problem:
            text = render(NOT_GRADED, language).format(problem=problem)
        elif graded.kind == HIDDEN:
            text = hidden_report(cases, language, catalogs)
        else:
            text = public_report(graded.subject, cases, language, catalogs)
        score = 0.0 if problem else score_of(graded, cases)
        # plain nodes: new_output would validate each one; ``write`` validates the notebook
        cell.outputs = [
            nbformat.from_dict({"output_type": "stream", "name": "stdout", "text": text + "\n"}),
            nbformat.from_dict({"output_type": "execute_result", "metadata": {},
                                "data": {"text/plain": repr(score)}, "execution_count": None}),
        ]
    nbformat.write(notebook, str(target / f"{lesson_id}.ipynb"))
    from grader.intake.notebooks import TIMESTAMP_FILE

    if (path.parent / TIMESTAMP_FILE).is_file():
        shutil.copy2(path.parent / TIMESTAMP_FILE, target / TIMESTAMP_FILE)
