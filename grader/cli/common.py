"""What every command shares: the ``--course``/``--unsafe``/``--lesson`` options, finding the
course, and one error policy (a ``UserError`` becomes one line and its exit code).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from grader.course.config import Course, Lesson, load_course
from grader.course.errors import UserError
from grader.course.i18n import LANGUAGES, _, choose_language, speak_to_click, use


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


class OneLineError(click.ClickException):
    """click's error line, in the current language."""

    def show(self, file=None) -> None:
        click.echo(_("Error: {message}").format(message=self.format_message()),
                   file=file or click.get_text_stream("stderr"), err=file is None)


class UserErrorGroup(click.Group):
    """A command group that reports a ``UserError`` as one line, never a traceback (in
    English: the instructor's commands are not translated)."""

    def main(self, args=None, *rest, **options):
        speak("en")
        return super().main(args, *rest, **options)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except UserError as exc:
            error = OneLineError(str(exc))
            error.exit_code = exc.exit_code
            raise error from None
        except OSError as exc:  # a file that cannot be read or written: name it, say why
            where = f"{exc.filename}: " if exc.filename else ""
            raise OneLineError(f"{where}{exc.strerror or exc}") from None
        except click.UsageError:
            raise
        except click.ClickException as exc:
            error = OneLineError(exc.format_message())
            error.exit_code = exc.exit_code
            raise error from None


class TranslatedGroup(UserErrorGroup):
    """A command group that speaks the reader's language from its first word: the language
    (``--lang``, ``$COURSE_LANG``, the locale) is chosen before click reads the arguments, so
    usage errors are translated too. ``speak`` refines it once the course is known."""

    def main(self, args=None, *rest, **options):
        words = list(sys.argv[1:] if args is None else args)
        speak(choose_language(_lang_option(words)))
        return click.Group.main(self, args, *rest, **options)


def _lang_option(words: list[str]) -> str | None:
    for index, word in enumerate(words):
        if word == "--":
            break
        if word.startswith("--lang="):
            return word.split("=", 1)[1]
        if word == "--lang" and index + 1 < len(words):
            return words[index + 1]
    return None


def speak(language: str, course: Course | None = None) -> None:
    """Every message of this command, click's included, in ``language``."""
    use(language if language in LANGUAGES else "en", course)
    speak_to_click(language)


def open_course(course_path: Path | None) -> Course:
    """The course at ``--course``, or found by walking up from the current folder."""
    return load_course(course_path)


def pick_lessons(course: Course, lesson_ids: tuple[str, ...]) -> list[Lesson]:
    """The lessons named (in course order, each once), or every lesson when none is."""
    if not lesson_ids:
        return list(course.lessons)
    wanted = {course.lesson(i.strip()).id for ids in lesson_ids for i in ids.split(",") if i.strip()}
    return [lesson for lesson in course.lessons if lesson.id in wanted]
