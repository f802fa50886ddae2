"""What every command shares: the ``--course``/``--unsafe``/``--lesson`` options, finding the
course, and one error policy (a ``UserError`` becomes one line and its exit code).
"""

from __future__ import annotations

from pathlib import Path

import click

from grader.course.config import Course, Lesson, load_course
from grader.course.errors import UserError


def course_option(*, hidden: bool = False):
    """``--course PATH``: the course folder, when it cannot be found from the current one."""
    return click.option(
        "--course", "course_path", type=click.Path(path_type=Path), default=None, hidden=hidden,
        help="The course folder (default: found by walking up from here to course.toml).",
    )


COURSE_OPTION = course_option()
UNSAFE_OPTION = click.option(
    "--unsafe", is_flag=True,
    help="Grade even if the sandbox self-test fails (every report then says so).",
)
LESSON_OPTION = click.option(
    "--lesson", "--lessons", "lesson_ids", multiple=True, metavar="LESSON",
    help="Only this lesson (repeatable, or comma-separated; default: every lesson).",
)
CONTEXT_SETTINGS = {"help_option_names": ["-h", "--help"]}


class UserErrorGroup(click.Group):
    """A command group that reports a ``UserError`` as one line, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            error = click.ClickException(str(exc))
            error.exit_code = exc.exit_code
            raise error from None
        except OSError as exc:  # a file that cannot be read or written: name it, say why
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(f"{where}{exc.strerror or exc}") from None


def open_course(course_path: Path | None) -> Course:
    """The course at ``--course``, or found by walking up from the current folder."""
    return load_course(course_path)


def pick_lessons(course: Course, lesson_ids: tuple[str, ...]) -> list[Lesson]:
    """The lessons named (in course order, each once), or every lesson when none is."""
    if not lesson_ids:
        return list(course.lessons)
    wanted = {course.lesson(i.strip()).id for ids in lesson_ids for i in ids.split(",") if i.strip()}
    return [lesson for lesson in course.lessons if lesson.id in wanted]
