"""``grader nbgrader``: export the course for nbgrader, and grade nbgrader submissions securely.

Loaded only when the group is used, so ``grader`` starts without nbgrader's imports. Both
commands work from any folder: the course is ``--course``, else the one the nbgrader folder's
``nbgrader_config.py`` records (``grader nbgrader export`` writes it there), else the course
around the current folder.
"""

from __future__ import annotations

from pathlib import Path

import click

from grader.cli.common import UNSAFE_OPTION, pick_lessons
from grader.course.i18n import LANGUAGES

COURSE_OPTION = click.option(
    "--course", "course_path", type=click.Path(path_type=Path), default=None,
    help="The course folder (default: the one the nbgrader folder's nbgrader_config.py names, "
         "else found by walking up from here to course.toml).",
)


@click.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--exchange", default=None, metavar="FOLDER",
              help="The nbgrader exchange folder written into nbgrader_config.py "
                   "(default: the one OUT's nbgrader_config.py names, else "
                   "/srv/nbgrader/exchange).")
@click.option("--lang", "lang", type=click.Choice(LANGUAGES), default="en", show_default=True,
              help="The notebooks' language: their text, notes, graded cells' comments and what "
                   "the checks print (zh: the Chinese edition, with the lessons' compiled "
                   "catalogs beside each notebook).")
@COURSE_OPTION
def export(out: Path, exchange: str | None, lang: str, course_path: Path | None) -> None:
    """Write an nbgrader course folder to OUT: nbgrader_config.py and source/<lesson>/.

    Notebooks hold the reference between BEGIN/END SOLUTION, a locked cell with each
    function's public checks, and locked cells that run the hidden suites from this course
    folder at grading time; no hidden test text goes into OUT. With --lang the notebooks
    speak that language.
    """
    from grader.jupyter.export import DEFAULT_EXCHANGE, course_for, recorded
    from grader.jupyter.export import export as export_course

    course = course_for(out, course_path)
    exchange = exchange or recorded(out).get("exchange") or DEFAULT_EXCHANGE
    files = export_course(course, out, exchange=exchange, lang=lang)
    click.echo(f"Wrote {len(files)} files to {out} for the course in {course.root}: "
               f"nbgrader_config.py and source/ for {len(course.lessons)} lessons.")
    click.echo(f"Next, in {out}: nbgrader generate_assignment LESSON, then release_assignment.")


@click.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--lesson", "--assignment", "lesson_ids", multiple=True, metavar="LESSON",
              help="Grade only this lesson (repeatable; default: every lesson with submissions).")
@UNSAFE_OPTION
@COURSE_OPTION
def grade(folder: Path, lesson_ids: tuple[str, ...], unsafe: bool,
          course_path: Path | None) -> None:
    """Grade FOLDER/submitted/<student>/<lesson>/<lesson>.ipynb in the sandbox and write the
    scores into nbgrader's gradebook (formgrader and `nbgrader export` show them).

    Exits 0 whenever grading ran; 1 when it could not; 3 when the sandbox self-test failed.
    """
    from grader.jupyter.export import course_for
    from grader.jupyter.grade import grade_course

    course = course_for(folder, course_path)
    report = grade_course(course, folder, pick_lessons(course, lesson_ids), unsafe=unsafe)
    for graded in report.graded:
        click.echo(f"{graded.student}  {graded.lesson}  {graded.score:g}/{graded.max_score:g}"
                   + (f"  ({graded.late})" if graded.late else "")
                   + (f"  ({graded.problem})" if graded.problem else ""))
    for what, why in report.skipped:
        click.echo(f"  skipped {what}: {why}")
    click.echo(f"Graded {len(report.graded)} notebooks into the gradebook of {folder}.")
