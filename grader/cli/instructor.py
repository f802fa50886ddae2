"""The instructor's command line, ``grader``: thin click commands over the library."""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from grader.course.config import Course, CourseError, load_course

UNSAFE_OPTION = click.option(
    "--unsafe", is_flag=True,
    help="Grade even if the sandbox self-test fails (every report then says so).",
)
SANDBOX_REFUSED_EXIT = 3

COURSE_OPTION = click.option(
    "--course", "course_path", type=click.Path(path_type=Path), default=None,
    help="The course folder (default: found by walking up from here to course.toml).",
)


def preload_for(lessons) -> tuple[str, ...]:
    """Every module any of ``lessons`` wants the warm runner to import up front."""
    return tuple(dict.fromkeys(name for lesson in lessons for name in lesson.preload))


def refuse(exc: Exception) -> None:
    """The sandbox could not be proven: say why, exit with its own code."""
    click.echo(f"Error: {exc}", err=True)
    raise SystemExit(SANDBOX_REFUSED_EXIT)


def open_course(course_path: Path | None) -> Course:
    try:
        return load_course(course_path)
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None


@click.group()
@click.version_option(package_name="torch-grader-course")
def main() -> None:
    """Grade the PyTorch fundamentals course: score submissions, validate the suites."""


def _register_nbgrader() -> None:
    from grader.cli.nbgrader import nbgrader

    main.add_command(nbgrader)


_register_nbgrader()


@main.command()
@click.argument("lesson_id", metavar="LESSON")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print Gradescope-style results.json.")
@UNSAFE_OPTION
@COURSE_OPTION
def score(lesson_id: str, path: Path, as_json: bool, unsafe: bool,
          course_path: Path | None) -> None:
    """Grade one submission (a file, or a folder holding the lesson's module).

    Exits 0 whenever grading ran, whatever the score; 1 when it could not grade, 3 when the
    sandbox self-test failed (see grader doctor).
    """
    from grader.sandbox.host import RunnerHost

    course = open_course(course_path)
    try:
        lesson = course.lesson(lesson_id)
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None
    host = RunnerHost(lesson.preload)  # the runner imports torch while the checker sets up
    try:
        result = _grade_one(course, lesson, path, host, unsafe)
    finally:
        host.close()
    if as_json:
        from grader.reports.gradescope import results_json

        click.echo(json.dumps(results_json(result), indent=2))
    else:
        from grader.reports.text import lesson_report

        click.echo(lesson_report(result))


def _grade_one(course, lesson, path, host, unsafe):
    from grader.engine.grading import GradingError, Submission, grade
    from grader.sandbox.plan import SandboxRefused

    started = time.monotonic()
    try:
        submission = Submission.from_path(lesson, path)
        (result,) = grade(course, lesson, [submission], host=host, unsafe=unsafe)
    except GradingError as exc:
        raise click.ClickException(str(exc)) from None
    except SandboxRefused as exc:
        refuse(exc)
    from dataclasses import replace

    return replace(result, execution_time=round(time.monotonic() - started, 3))


@main.command()
@click.option("--lesson", "lesson_ids", multiple=True, metavar="LESSON",
              help="Validate only this lesson (repeatable); default: every lesson.")
@click.option("--verbose", "-v", is_flag=True, help="List every catalogued solution's verdict.")
@UNSAFE_OPTION
@COURSE_OPTION
def validate(lesson_ids: tuple[str, ...], verbose: bool, unsafe: bool,
             course_path: Path | None) -> None:
    """Prove the hidden suites: reference full marks, stub zero, mistakes caught and named.

    Exits 0 only when every lesson holds.
    """
    from grader.engine.grading import GradingError, grade
    from grader.sandbox.host import RunnerHost
    from grader.sandbox.plan import SandboxRefused
    from grader.engine.validate import table, validate_lesson

    course = open_course(course_path)
    try:
        lessons = [course.lesson(i) for i in lesson_ids] if lesson_ids else list(course.lessons)
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None
    validations = []
    with RunnerHost(preload_for(lessons)) as host:
        for lesson in lessons:
            try:
                validation = validate_lesson(
                    course, lesson,
                    lambda lesson, subs: grade(course, lesson, subs, host=host, unsafe=unsafe))
            except (GradingError, ValueError) as exc:
                raise click.ClickException(str(exc)) from None
            except SandboxRefused as exc:
                refuse(exc)
            validations.append(validation)
            if verbose:
                for verdict in validation.mistakes:
                    mark = "named" if verdict.named else ("caught" if verdict.caught else "MISSED")
                    click.echo(f"{lesson.id}  {mark:6}  {verdict.entry.path.name}: "
                               f"{verdict.result.score:g}/{verdict.result.max_score:g}")
                    if not verdict.named:
                        seen = sorted({t.feedback for t in verdict.result.failed})[:3]
                        click.echo(f"        wanted {verdict.entry.named!r}; feedback: {seen}")
    click.echo(table(validations))
    problems = [f"{v.lesson.id}: {p}" for v in validations for p in v.problems()]
    for problem in problems:
        click.echo(f"  ✗ {problem}", err=True)
    if problems:
        raise SystemExit(1)


@main.command()
@click.argument("out", type=click.Path(path_type=Path))
@COURSE_OPTION
def release(out: Path, course_path: Path | None) -> None:
    """Write the student release to OUT: exercises, public checks, notes and `course`.

    Never solutions or hidden tests: the release is checked by content and not written if
    any private text is in it.
    """
    from grader.student.release import ReleaseError, build_release

    course = open_course(course_path)
    try:
        files = build_release(course, out)
    except (ReleaseError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Wrote {len(files)} files to {out} (leak check passed).")
    click.echo(f"Students install it with: pip install {out}")


@main.command()
@UNSAFE_OPTION
@COURSE_OPTION
def demo(unsafe: bool, course_path: Path | None) -> None:
    """Score the bundled reference solution and the untouched stub of every lesson."""
    from grader.engine.grading import GradingError, Submission, grade
    from grader.reports.text import summary_line
    from grader.sandbox.host import RunnerHost
    from grader.sandbox.plan import SandboxRefused

    course = open_course(course_path)
    with RunnerHost(preload_for(course.lessons)) as host:
        for lesson in course.lessons:
            for label, path in (("reference", course.solution_path(lesson)),
                                ("stub", course.stub_path(lesson))):
                try:
                    (result,) = grade(course, lesson, [Submission.from_path(lesson, path, label)],
                                      host=host, unsafe=unsafe)
                except GradingError as exc:
                    raise click.ClickException(str(exc)) from None
                except SandboxRefused as exc:
                    refuse(exc)
                click.echo(summary_line(result))


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="The submissions folder to fill: OUT/<student>/<lesson>/<module>.")
@COURSE_OPTION
def collect(source: Path, out: Path, course_path: Path | None) -> None:
    """Gather submissions from SOURCE: the exchange folder `course submit` writes to, an LMS
    bulk-download zip, or nbgrader's submitted/ folder. The latest per student and lesson counts.
    """
    from grader.intake.collect import collect as collect_submissions

    course = open_course(course_path)
    try:
        report = collect_submissions(course, source, out)
    except (CourseError, OSError) as exc:
        raise click.ClickException(str(exc)) from None
    students = {h.student for h in report.kept}
    click.echo(f"From {source} ({report.kind}): {len(report.kept)} submissions of "
               f"{len(students)} students into {out}"
               + (f"; {report.superseded} older ones superseded" if report.superseded else "") + ".")
    for what, why in report.rejected:
        click.echo(f"  rejected {what}: {why}")


@main.command()
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Where the gradebook and reports go (created; reused to resume).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Warm grading workers on this machine.")
@click.option("--lessons", "lesson_list", default="", metavar="LESSON,...",
              help="Only these lessons (default: all).")
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Grade on this Dask cluster instead of local workers.")
@UNSAFE_OPTION
@COURSE_OPTION
def batch(submissions: Path, out: Path, workers: int, lesson_list: str, scheduler: str | None,
          unsafe: bool, course_path: Path | None) -> None:
    """Grade a class: SUBMISSIONS/<student>/<lesson>/<module>, results kept in OUT.

    Already graded submissions (same file, same suites) are not graded again, and a run that
    was stopped resumes where it stopped.
    """
    from grader.engine.batch import BatchRefused, grade_class, write_outputs
    from grader.cli.progress import Progress

    course = open_course(course_path)
    try:
        lessons = ([course.lesson(i.strip()) for i in lesson_list.split(",") if i.strip()]
                   or list(course.lessons))
    except CourseError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        found, summary = grade_class(course, submissions, out, lessons=lessons, workers=workers,
                                     scheduler=scheduler, unsafe=unsafe,
                                     progress=Progress("graded"))
    except BatchRefused as exc:
        refuse(exc)
    except (FileNotFoundError, ConnectionError) as exc:
        raise click.ClickException(str(exc)) from None
    rows = write_outputs(course, lessons, found, out, summary)
    totals = sorted(row.total for row in rows)
    possible = sum(lesson.points for lesson in lessons)
    click.echo(f"Graded {summary.jobs} submissions of {len(found.students)} students "
               f"({summary.graded} new, {summary.cached} already graded) in {summary.seconds:.1f} s"
               + (f"; {len(summary.failed)} could not be graded" if summary.failed else "") + ".")
    if totals:
        import statistics

        click.echo(f"Mean total {statistics.mean(totals):.1f}/{possible:g}, "
                   f"median {statistics.median(totals):.1f}/{possible:g}.")
    for student, lesson_id, why in summary.failed[:10]:
        click.echo(f"  not graded: {student} {lesson_id}: {why}")
    click.echo(f"Gradebook: {out / 'gradebook.csv'}   feedback: {out / 'feedback'}/   "
               f"results: {out / 'results'}/   report: {out / 'report' / 'summary.md'}")


@main.command()
@COURSE_OPTION
def doctor(course_path: Path | None) -> None:
    """Show which sandbox layers are active here, then prove them with the self-test.

    Exits 0 only when the self-test passes (hidden suites can be graded).
    """
    from grader.sandbox.host import RunnerHost
    from grader.sandbox.plan import SandboxRefused, plan, self_test

    course = open_course(course_path)
    try:
        sandbox = plan()
    except SandboxRefused as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Sandbox level: {sandbox.level}")
    for layer in sandbox.layers:
        click.echo(f"  ✓ {layer}")
    for note in sandbox.notes:
        click.echo(f"  - {note}")
    with RunnerHost(sandbox=sandbox) as host:
        failures = self_test(host, course.root)
    if failures:
        click.echo("Self-test: FAILED")
        for failure in failures:
            click.echo(f"  ✗ {failure}")
        click.echo("Hidden suites will not be graded here unless you pass --unsafe.")
        raise SystemExit(1)
    click.echo("Self-test: passed (course files unreadable, loopback unreachable, "
               "checker unsignalable)")


if __name__ == "__main__":
    main()
