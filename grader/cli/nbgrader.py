"""``grader nbgrader``: export the course for nbgrader, and grade nbgrader submissions securely."""

from __future__ import annotations

from pathlib import Path

import click

from grader.course.config import CourseError


def _course(course_path: Path | None):
    from grader.cli.instructor import open_course

    return open_course(course_path)


_UNSAFE = click.option("--unsafe", is_flag=True,
                       help="Grade even if the sandbox self-test fails (every report then says so).")
_COURSE = click.option("--course", "course_path", type=click.Path(path_type=Path), default=None,
                       help="The course folder (default: found by walking up from here to course.toml).")


@click.group("nbgrader")
def nbgrader() -> None:
    """Run the course on nbgrader/JupyterHub: export the notebooks, grade submissions."""


@nbgrader.command()
@click.argument("out", type=click.Path(path_type=Path))
@click.option("--exchange", default="/srv/nbgrader/exchange", show_default=True,
              help="The nbgrader exchange folder written into nbgrader_config.py.")
@_COURSE
def export(out: Path, exchange: str, course_path: Path | None) -> None:
    """Write an nbgrader course folder to OUT: nbgrader_config.py and source/<lesson>/.

    Notebooks hold the reference between BEGIN/END SOLUTION and locked test cells that run the
    hidden suites from this course folder at grading time; no hidden test text goes into OUT.
    """
    from grader.jupyter.export import export as export_course

    course = _course(course_path)
    try:
        files = export_course(course, out, exchange=exchange)
    except (CourseError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {len(files)} files to {out}: nbgrader_config.py and source/ for "
               f"{len(course.lessons)} lessons.")
    click.echo(f"Next, in {out}: nbgrader generate_assignment LESSON, then release_assignment.")


@nbgrader.command()
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option("--assignment", "lesson_id", default=None, metavar="LESSON",
              help="Grade only this lesson (default: every lesson with submissions).")
@_UNSAFE
@_COURSE
def grade(folder: Path, lesson_id: str | None, unsafe: bool, course_path: Path | None) -> None:
    """Grade FOLDER/submitted/<student>/<lesson>/<lesson>.ipynb in the sandbox and write the
    scores into nbgrader's gradebook (formgrader and `nbgrader export` show them).

    Exits 0 whenever grading ran; 1 when it could not; 3 when the sandbox self-test failed.
    """
    from grader.cli.instructor import refuse
    from grader.engine.grading import GradingError
    from grader.jupyter.grade import NbgraderError, grade_course
    from grader.sandbox.plan import SandboxRefused

    course = _course(course_path)
    try:
        lessons = [course.lesson(lesson_id)] if lesson_id else list(course.lessons)
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        report = grade_course(course, folder, lessons, unsafe=unsafe)
    except (NbgraderError, GradingError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    except SandboxRefused as exc:
        refuse(exc)
    for graded in report.graded:
        click.echo(f"{graded.student}  {graded.lesson}  {graded.score:g}/{graded.max_score:g}"
                   + (f"  ({graded.problem})" if graded.problem else ""))
    for what, why in report.skipped:
        click.echo(f"  skipped {what}: {why}")
    click.echo(f"Graded {len(report.graded)} notebooks into the gradebook of {folder}.")


if __name__ == "__main__":
    nbgrader()
