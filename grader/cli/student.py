"""The student's command line, ``course``: list, fetch, check (and watch), hint, reset, submit,
status.

Commands are thin: they find the course and the workspace, call library code, and print.
Anything a student can fix is one line and a non-zero exit code, never a traceback.

Exit codes: 0 done (``check``: every public check passed); 1 a check failed or something
needs fixing (the message says what); 2 wrong usage.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from grader import __version__
from grader.cli.common import CONTEXT_SETTINGS, TranslatedGroup, course_option, open_course, speak
from grader.course.classfolder import STUDENT_ID_RULE, is_student_id
from grader.course.config import Course, CourseError, Lesson
from grader.course.errors import UserError
from grader.course.i18n import LANGUAGES, _, choose_language, current_language
from grader.reports.text import display_width, pad
from grader.student.workspace import Workspace

DIR_OPTION = click.option("--dir", "workspace_dir", type=click.Path(path_type=Path), default=None,
                          help="Your workspace folder (default: the current folder).")
COURSE_OPTION = course_option(hidden=True)  # a released course knows its own
DEFAULT_EXCHANGE = "submissions"  # inside the workspace, unless --out or $COURSE_EXCHANGE


def _complete_lessons(ctx: click.Context, param: click.Parameter, incomplete: str):
    """Shell completion for LESSON: the course's lesson ids."""
    try:
        course = open_course(ctx.params.get("course_path"))
    except UserError:
        return []
    return [click.shell_completion.CompletionItem(lesson.id, help=lesson.title)
            for lesson in course.lessons if lesson.id.startswith(incomplete)]


def lesson_argument(required: bool = True):
    return click.argument("lesson_id", metavar="LESSON" if required else "[LESSON]",
                          required=required, shell_complete=_complete_lessons)


def _course(course_path: Path | None) -> Course:
    """The course, and from it the language every message of this command is in."""
    course = open_course(course_path)
    context = click.get_current_context(silent=True)
    option = (context.find_root().params.get("lang") if context else None)
    speak(choose_language(option, course), course)
    return course


def _locate(course: Course, lesson_id: str | None, workspace_dir: Path | None) -> tuple[Workspace, Lesson]:
    """The workspace and lesson: from the arguments, or from being inside a lesson folder.

    Inside ``work/lesson2/``, both ``course check`` and ``course check lesson2`` mean
    ``work/lesson2/mse.py``.
    """
    here = Path(workspace_dir or Path.cwd()).resolve()
    if lesson_id is None:
        try:
            return Workspace(here.parent, course), course.lesson(here.name)
        except CourseError:
            raise click.UsageError(_("name the lesson (e.g. course check lesson3), or run this "
                                     "inside a fetched lesson folder")) from None
    lesson = course.lesson(lesson_id)
    if here.name == lesson.id and (here / lesson.module).exists() and not (
            here / lesson.id / lesson.module).exists():
        return Workspace(here.parent, course), lesson
    return Workspace(here, course), lesson


def _fetched(course_path: Path | None, lesson_id: str | None,
             workspace_dir: Path | None) -> tuple[Workspace, Lesson, Path]:
    """The workspace, the lesson and the student's module, which must have been fetched."""
    workspace, lesson = _locate(_course(course_path), lesson_id, workspace_dir)
    module = workspace.module_path(lesson)
    if not module.exists():
        raise click.ClickException(_("{module} does not exist; run course fetch {lesson} first")
                                   .format(module=os.path.relpath(module), lesson=lesson.id))
    return workspace, lesson, module


@click.group(cls=TranslatedGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(__version__, prog_name="course")
@click.option("--lang", type=click.Choice(LANGUAGES), default=None,
              help="The language of every message (default: $COURSE_LANG, the locale, the "
                   "course's first language).")
def main(lang: str | None) -> None:
    """Work through the PyTorch fundamentals course: fetch a lesson, check it, submit it.

    Exit codes: 0 done (check: every public check passed); 1 a check failed or something
    needs fixing (the message says what); 2 wrong usage. Shell completion of commands and
    lesson ids: eval "$(_COURSE_COMPLETE=bash_source course)" (zsh_source, fish_source).
    """


@main.command("list")
@DIR_OPTION
@COURSE_OPTION
def list_lessons(workspace_dir: Path | None, course_path: Path | None) -> None:
    """The lessons in order: id, module, title, due date and where you stand."""
    course = _course(course_path)
    workspace = Workspace(Path(workspace_dir or Path.cwd()), course)
    width = max(len(lesson.id) for lesson in course.lessons)
    module_width = max(len(lesson.module) for lesson in course.lessons)
    for lesson in course.lessons:
        due = _("  due {when} UTC").format(when=f"{lesson.due:%Y-%m-%d %H:%M}") if lesson.due else ""
        click.echo(f"{lesson.id.ljust(width)}  {lesson.module.ljust(module_width)}  "
                   f"{_(lesson.title)}{due}  [{_(workspace.status(lesson))}]")


@main.command()
@lesson_argument()
@click.option("--force", is_flag=True, help="Replace your edited file with a fresh copy (a backup is kept).")
@DIR_OPTION
@COURSE_OPTION
def fetch(lesson_id: str, force: bool, workspace_dir: Path | None, course_path: Path | None) -> None:
    """Copy a lesson's exercise, public checks and notes into DIR/LESSON/."""
    course = _course(course_path)
    workspace, lesson = _locate(course, lesson_id, workspace_dir)
    try:
        report = workspace.fetch(lesson, force=force)
    except OSError as exc:
        raise click.ClickException(_("could not write {folder}: {why}").format(
            folder=workspace.lesson_dir(lesson), why=exc.strerror)) from None
    shown = os.path.relpath(report.folder)
    click.echo(f"{lesson.id} · {_(lesson.title)} → {shown}/")
    if report.kept:
        click.echo(_("  kept your edited {module} (course reset {lesson} replaces it and keeps a "
                     "backup)").format(module=lesson.module, lesson=lesson.id))
    if report.backup is not None:
        click.echo(_("  your previous {module} is saved as {backup}").format(
            module=lesson.module, backup=os.path.relpath(report.backup)))
    for name in report.written:
        click.echo(_("  wrote {name}").format(name=name))
    click.echo(_("Next: read {folder}/{notes}, edit {folder}/{module}, then run course check "
                 "{lesson}").format(folder=shown, notes=workspace.notes_name(lesson),
                                    module=lesson.module, lesson=lesson.id))


@main.command()
@lesson_argument()
@DIR_OPTION
@COURSE_OPTION
def reset(lesson_id: str, workspace_dir: Path | None, course_path: Path | None) -> None:
    """Start a lesson's module again from the untouched exercise (your file is backed up)."""
    workspace, lesson, module = _fetched(course_path, lesson_id, workspace_dir)
    try:
        backup = workspace.reset(lesson)
    except OSError as exc:
        raise click.ClickException(_("could not write {folder}: {why}").format(
            folder=module, why=exc.strerror)) from None
    if backup is None:
        click.echo(_("{module} was already the untouched exercise.").format(
            module=os.path.relpath(module)))
    else:
        click.echo(_("{module} is the untouched exercise again; your version is saved as "
                     "{backup}").format(module=os.path.relpath(module),
                                        backup=os.path.relpath(backup)))


@main.command()
@lesson_argument(required=False)
@click.option("--watch", is_flag=True, help="Check again every time you save the file.")
@click.option("--poll", is_flag=True, help="With --watch: poll for changes instead of file events.")
@click.option("--all", "show_all", is_flag=True, help="Show every failing check, not only the first.")
@click.option("--verbose", "-v", is_flag=True,
              help="Also show the line of your file an error points at, and what your code printed.")
@click.option("--plot", "plot_path", type=click.Path(path_type=Path), default=None,
              help="Also draw a picture of your functions at work into this PNG file.")
@DIR_OPTION
@COURSE_OPTION
def check(lesson_id: str | None, watch: bool, poll: bool, show_all: bool, verbose: bool,
          plot_path: Path | None, workspace_dir: Path | None, course_path: Path | None) -> None:
    """Run the public checks on your file; exit 0 only when they all pass."""
    from grader.sandbox.host import RunnerHost

    workspace, lesson, _course = _fetched(course_path, lesson_id, workspace_dir)
    if plot_path is not None and plot_path.suffix.lower() != ".png":
        raise click.UsageError(_("--plot needs a file name ending in .png"))
    host = RunnerHost(lesson.preload)  # the runner imports torch while the checker does
    options = {"show_all": show_all, "verbose": verbose, "plot_path": plot_path}
    try:
        if not watch:
            passed = _check_once(workspace, lesson, host, **options)
            sys.exit(0 if passed else 1)
        _watch(workspace, lesson, host, poll, options)
    finally:
        host.close()


def _check_once(workspace: Workspace, lesson: Lesson, host, *, show_all: bool = False,
                verbose: bool = False, plot_path: Path | None = None,
                next_step: bool = True) -> bool:
    from grader.course.results import failing_functions
    from grader.engine.grading import Submission, grade
    from grader.reports.text import check_report

    module = workspace.module_path(lesson)
    try:
        source = module.read_bytes()
    except OSError as exc:
        raise click.ClickException(_("cannot read {module}: {why}").format(
            module=module, why=exc.strerror)) from None
    (result,) = grade(workspace.course, lesson, [Submission(str(module), source)],
                      host=host, hidden=False)
    functions = workspace.course.stub_functions(lesson)
    failing = failing_functions(result, functions)
    passed = bool(result.tests) and not result.failed
    workspace.record_check(lesson, source, passed, failing)
    click.echo(check_report(result, lesson, workspace.progress().text() if next_step else None,
                            failing, show_all=show_all, verbose=verbose, source=source,
                            next_step=next_step, course=workspace.course))
    if plot_path is not None:
        _plot(workspace, lesson, host, source, plot_path)
    return passed


def _plot(workspace: Workspace, lesson: Lesson, host, source: bytes, plot_path: Path) -> None:
    from grader.student.plots import PlotError, draw

    try:
        draw(workspace.course, lesson, source, host, plot_path)
    except PlotError as exc:
        click.echo(_("No plot: {why}").format(why=exc))
        return
    click.echo(_("Plot written to {path}").format(path=os.path.relpath(plot_path)))


def _watch(workspace: Workspace, lesson: Lesson, host, poll: bool, options: dict) -> None:
    from grader.student.watch import FileWatcher

    module = workspace.module_path(lesson)
    watcher = FileWatcher(module, force_polling=poll)
    try:
        while True:
            click.clear()
            click.echo(time.strftime("%H:%M:%S"))
            try:
                _check_once(workspace, lesson, host, **options)
            except click.ClickException as exc:
                click.echo(_("Error: {message}").format(message=exc.format_message()))
            except UserError as exc:
                click.echo(_("Error: {message}").format(message=exc))
            click.echo(_("\nWatching {module} ({mode}): save to check again, Ctrl-C to "
                         "stop.").format(module=os.path.relpath(module), mode=_(watcher.mode)))
            watcher.wait()
    except KeyboardInterrupt:
        click.echo(_("\nStopped watching."))
    finally:
        watcher.close()


@main.command()
@lesson_argument(required=False)
@click.argument("function", required=False)
@DIR_OPTION
@COURSE_OPTION
def hint(lesson_id: str | None, function: str | None, workspace_dir: Path | None,
         course_path: Path | None) -> None:
    """Show the next hint (for FUNCTION, or the first one your last check failed)."""
    from grader.course.hints import load_hints

    course = _course(course_path)
    workspace, lesson = _locate(course, lesson_id, workspace_dir)
    hints = load_hints(course, current_language()).get(lesson.id, {})
    functions = course.stub_functions(lesson)
    if function is None:
        failing = [f for f in workspace.lesson_state(lesson).get("failing", []) if f in hints]
        function = failing[0] if failing else next((f for f in functions if f in hints), None)
    if function not in functions:
        raise click.ClickException(_("{lesson} has no function {function}; choose one of: "
                                     "{functions}").format(lesson=lesson.id,
                                                          function=repr(function),
                                                          functions=", ".join(functions)))
    if function not in hints:
        raise click.ClickException(_("there are no hints for {function} yet").format(
            function=function))
    total = len(hints[function])
    number, text = workspace.next_hint(lesson, function, hints[function])
    if not text:
        click.echo(_("No more hints for {function}: you have seen all {total}. Read the notes "
                     "again, or run course check {lesson} --verbose to see exactly where your "
                     "code goes wrong.").format(function=function, total=total,
                                                lesson=lesson.id))
        return
    click.echo(_("Hint {number}/{total} for {function}: {text}").format(
        number=number, total=total, function=function, text=text))
    if number < total:
        click.echo(_("(course hint {lesson} {function} shows the next one)").format(
            lesson=lesson.id, function=function))
    else:
        click.echo(_("(that was the last hint)"))


@main.command()
@DIR_OPTION
@COURSE_OPTION
def status(workspace_dir: Path | None, course_path: Path | None) -> None:
    """Every lesson with its state, and your progress."""
    course = _course(course_path)
    workspace = Workspace(Path(workspace_dir or Path.cwd()), course)
    width = max(len(lesson.id) for lesson in course.lessons)
    states = [_(workspace.status(lesson)) for lesson in course.lessons]
    state_width = max(display_width(state) for state in states)
    for lesson, state in zip(course.lessons, states, strict=True):
        due = _("  due {when} UTC").format(when=f"{lesson.due:%Y-%m-%d %H:%M}") if lesson.due else ""
        click.echo(f"{lesson.id.ljust(width)}  {pad(state, state_width)}  {_(lesson.title)}{due}")
    click.echo(_("Progress: {progress}").format(progress=workspace.progress().text()))


@main.command()
@lesson_argument(required=False)
@click.option("--student", default=None,
              help="Your student id (remembered; or set COURSE_STUDENT).")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=None,
              help=f"Where to put the archive (remembered; or set COURSE_EXCHANGE; default: "
                   f"{DEFAULT_EXCHANGE}/ in your workspace).")
@click.option("--force", is_flag=True, help="Submit even if the file is the untouched exercise.")
@DIR_OPTION
@COURSE_OPTION
def submit(lesson_id: str | None, student: str | None, out_dir: Path | None, force: bool,
           workspace_dir: Path | None, course_path: Path | None) -> None:
    """Run the public checks, then write a submission archive with a manifest."""
    from grader.sandbox.host import RunnerHost

    workspace, lesson, module = _fetched(course_path, lesson_id, workspace_dir)
    if student is not None and not is_student_id(student):
        raise click.UsageError(_("a student id is {rule}").format(rule=_(STUDENT_ID_RULE)))
    remembered = {key: value for key, value in (
        ("student", student), ("exchange", str(out_dir.resolve()) if out_dir else None)) if value}
    if remembered:  # kept even when this submission is refused below
        workspace.update_state(**remembered)
    state = workspace.state()
    student = student or os.environ.get("COURSE_STUDENT") or state.get("student")
    if not student:
        raise click.UsageError(_("who are you? course submit {lesson} --student YOUR_ID "
                                 "(remembered afterwards)").format(lesson=lesson.id))
    if not is_student_id(student):
        raise click.UsageError(_("a student id is {rule}").format(rule=_(STUDENT_ID_RULE)))
    if workspace.is_stub(lesson) and not force:
        raise click.ClickException(_("{module} is still the untouched exercise; edit it first "
                                     "(or add --force to submit it as it is)").format(
            module=os.path.relpath(module)))
    exchange = out_dir or os.environ.get("COURSE_EXCHANGE") or state.get("exchange")
    exchange = Path(exchange) if exchange else workspace.root / DEFAULT_EXCHANGE
    with RunnerHost(lesson.preload) as host:
        passed = _check_once(workspace, lesson, host, next_step=False)
    try:
        archive = workspace.write_submission(lesson, student, exchange,
                                             language=current_language())
    except OSError as exc:
        raise click.ClickException(_("could not write to {folder}: {why}").format(
            folder=exchange, why=exc.strerror)) from None
    workspace.update_state(student=student, exchange=str(exchange.resolve()))
    click.echo(_("\nSubmitted {lesson} as {student}: {archive}").format(
        lesson=lesson.id, student=student, archive=os.path.relpath(archive)))
    if not passed:
        click.echo(_("Note: some public checks fail; you can submit again after fixing them "
                     "(the latest submission counts)."))
    click.echo(_("Progress: {progress}").format(progress=workspace.progress().text()))


if __name__ == "__main__":
    main()
