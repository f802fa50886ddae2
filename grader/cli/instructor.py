"""The instructor's command line, ``grader``: thin click commands over the library.

Every command parses, calls one library function and prints. Problems a user can fix are
``UserError``s, which the group reports as one line (exit code 1, or 3 when the sandbox could
not be proven); see grader.cli.common.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from grader.cli.common import (
    CONTEXT_SETTINGS,
    COURSE_OPTION,
    LESSON_OPTION,
    UNSAFE_OPTION,
    UserErrorGroup,
    open_course,
    pick_lessons,
)


@click.group(cls=UserErrorGroup, context_settings=CONTEXT_SETTINGS)
@click.version_option(package_name="torch-grader-course")
def main() -> None:
    """Grade the PyTorch fundamentals course: score submissions, validate the suites.

    Exit codes: 0 done; 1 a problem to fix (the message says which); 2 wrong usage;
    3 the sandbox self-test failed, so hidden suites were not run (see grader doctor).
    """


@main.group("nbgrader", cls=UserErrorGroup)
def nbgrader_group() -> None:
    """Run the course on nbgrader/JupyterHub: export the notebooks, grade submissions."""


def _register_nbgrader() -> None:
    from grader.cli.nbgrader import export, grade

    nbgrader_group.add_command(export)
    nbgrader_group.add_command(grade)


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
    from grader.engine.grading import grade_file

    course = open_course(course_path)
    result = grade_file(course, course.lesson(lesson_id), path, unsafe=unsafe)
    if as_json:
        from grader.reports.gradescope import results_json

        click.echo(json.dumps(results_json(result), indent=2))
    else:
        from grader.reports.text import lesson_report

        click.echo(lesson_report(result))


@main.command()
@LESSON_OPTION
@click.option("--verbose", "-v", is_flag=True, help="List every catalogued solution's verdict.")
@UNSAFE_OPTION
@COURSE_OPTION
def validate(lesson_ids: tuple[str, ...], verbose: bool, unsafe: bool,
             course_path: Path | None) -> None:
    """Prove the hidden suites: reference full marks, stub zero, mistakes caught and named.

    Exits 0 only when every lesson holds.
    """
    from grader.engine.validate import table, validate_course

    course = open_course(course_path)
    lessons = pick_lessons(course, lesson_ids)
    _lint_or_stop(course, lessons)
    validations = validate_course(course, lessons, unsafe=unsafe,
                                  progress=lambda lesson: click.echo(f"validating {lesson.id} …",
                                                                     err=True))
    for validation in validations:
        if verbose:
            for verdict in validation.mistakes:
                mark = "named" if verdict.named else ("caught" if verdict.caught else "MISSED")
                click.echo(f"{validation.lesson.id}  {mark:6}  {verdict.entry.path.name}: "
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
@UNSAFE_OPTION
@COURSE_OPTION
def release(out: Path, unsafe: bool, course_path: Path | None) -> None:
    """Write the student release to OUT: exercises, public checks, notes and `course`.

    Never solutions or hidden tests: the release is checked by content, and hints and
    helper files are graded as answers; it is not written if any of them leaks.
    """
    from grader.student.release import build_release

    course = open_course(course_path)
    _lint_or_stop(course, list(course.lessons))
    files = build_release(course, out, unsafe=unsafe)
    wheel = next(path for path in files if path.suffix == ".whl")
    click.echo(f"Wrote {out}: {wheel.name} and README.md (leak checks passed).")
    click.echo(f"Students install torch's CPU wheel first, then: pip install {wheel.name}")


def _lint_or_stop(course, lessons) -> None:
    from grader.engine.lint import lint_course

    problems = lint_course(course, lessons)
    for problem in problems:
        click.echo(f"  ✗ {problem.render(course.root)}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} authoring problem(s) above; fix them "
                                   f"first (grader lint shows them again)")


@main.command()
@LESSON_OPTION
@COURSE_OPTION
def lint(lesson_ids: tuple[str, ...], course_path: Path | None) -> None:
    """Check how the lessons are written, before they are graded or released.

    Each problem is one line with its file and line. Exits 0 when there is none, 1 otherwise.
    """
    course = open_course(course_path)
    lessons = pick_lessons(course, lesson_ids)
    _lint_or_stop(course, lessons)
    click.echo(f"{len(lessons)} lesson(s): no authoring problem.")


@main.command("new-lesson")
@click.argument("lesson_id", metavar="ID")
@click.option("--title", default=None, help="The lesson's title (default: 'Lesson ID').")
@click.option("--module", default=None, help="The module students complete (default: ID.py).")
@COURSE_OPTION
def new_lesson(lesson_id: str, title: str | None, module: str | None,
               course_path: Path | None) -> None:
    """Scaffold a lesson: every file it needs, registered in course.toml, already valid.

    The trivial lesson it writes (scale(x, a) = a·x) passes `grader validate`; replace its
    master module, public checks, hidden suite, notes and mistake patches with yours.
    """
    from grader.engine.scaffold import new_lesson as scaffold

    course = open_course(course_path)
    written = scaffold(course, lesson_id, title=title, module=module)
    for path in written:
        click.echo(f"  wrote {path.relative_to(course.root)}")
    click.echo(f"Next: grader validate --lesson {lesson_id}")


@main.command("new-mistake")
@click.argument("lesson_id", metavar="LESSON")
@click.argument("edited", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--name", required=True, help="The mistake's file name: mistake_NAME.diff.")
@click.option("--mistake", "what", required=True, help="What is wrong, in one sentence.")
@click.option("--named", required=True,
              help="Words the feedback must contain for the mistake to count as named.")
@COURSE_OPTION
def new_mistake(lesson_id: str, edited: Path, name: str, what: str, named: str,
                course_path: Path | None) -> None:
    """Record EDITED (a copy of the master or the reference with one realistic mistake) as a
    catalog patch against the reference."""
    from grader.course.files import write_atomic
    from grader.course.master import is_master, split_master
    from grader.engine.catalog import make_patch

    course = open_course(course_path)
    lesson = course.lesson(lesson_id)
    text = edited.read_text(encoding="utf-8")
    if is_master(text):  # an edited copy of the master: compare its reference
        text = split_master(text).reference
    patch = make_patch(course.reference_source(lesson).decode("utf-8"), text, mistake=what,
                       named=named)
    target = course.catalog_dir(lesson) / f"mistake_{name}.diff"
    write_atomic(target, patch)
    click.echo(f"Wrote {target.relative_to(course.root)} "
               f"({patch.count(chr(10) + '-') + patch.count(chr(10) + '+') - 2} changed lines).")


@main.command()
@UNSAFE_OPTION
@COURSE_OPTION
def demo(unsafe: bool, course_path: Path | None) -> None:
    """Score the bundled reference solution and the untouched stub of every lesson."""
    from grader.engine.grading import grade_references_and_stubs
    from grader.reports.text import summary_line

    course = open_course(course_path)
    for result in grade_references_and_stubs(course, unsafe=unsafe):
        click.echo(summary_line(result))


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="The submissions folder to fill: OUT/<student>/<lesson>/<module>.")
@COURSE_OPTION
def collect(source: Path, out: Path, course_path: Path | None) -> None:
    """Gather submissions from SOURCE: the exchange folder `course submit` writes to, an LMS
    bulk-download zip, or nbgrader's submitted/ folder. The latest per student and lesson counts.

    Exit codes: 0 collected; 1 nothing collected (SOURCE of no known kind, --out a file);
    6 OUT cannot be written (full disk, read-only: nothing in it changed); 7 collected, but
    some hand-ins were rejected (each named on its own line). See docs/operations.md.
    """
    from grader.engine.outfolder import writing_into
    from grader.intake.collect import collect as collect_submissions

    course = open_course(course_path)
    with writing_into(out, "nothing in it was changed"):
        report = collect_submissions(course, source, out)
    students = {h.student for h in report.kept}
    click.echo(f"From {source} ({report.kind}): {len(report.kept)} submissions of "
               f"{len(students)} students into {out}"
               + (f"; {report.superseded} older ones superseded" if report.superseded else "") + ".")
    for what, why in report.ignored:
        click.echo(f"  ignored {what}: {why}")
    for what, why in report.rejected:
        click.echo(f"  rejected {what}: {why}")
    if report.rejected:
        raise SystemExit(7)


@main.command()
@click.argument("submissions", type=click.Path(path_type=Path))
@click.option("--out", "out", type=click.Path(path_type=Path), required=True,
              help="Where the gradebook and reports go (created; reused to resume).")
@click.option("--workers", type=click.IntRange(1, 64), default=2, show_default=True,
              help="Warm grading workers on this machine.")
@LESSON_OPTION
@click.option("--scheduler", default=None, metavar="tcp://HOST:PORT",
              help="Grade on this Dask cluster instead of local workers.")
@UNSAFE_OPTION
@COURSE_OPTION
def batch(submissions: Path, out: Path, workers: int, lesson_ids: tuple[str, ...],
          scheduler: str | None, unsafe: bool, course_path: Path | None) -> None:
    """Grade a class: SUBMISSIONS/<student>/<lesson>/<module>, results kept in OUT.

    Already graded submissions (same file, same suites) are not graded again, and a run that
    was stopped resumes where it stopped. One batch at a time uses OUT.

    Exit codes: 0 every submission found was graded; 1 a problem to fix (the course, the class
    folder, --out, the cluster; the message says which); 2 wrong usage; 3 the sandbox self-test
    failed; 4 another batch is using OUT; 5 OUT's gradebook is damaged or not a gradebook;
    6 OUT cannot be written (full disk, read-only); 7 done, but some submissions could not be
    graded (each named on its own line). See docs/operations.md.
    """
    import statistics

    from grader.cli.progress import Progress
    from grader.engine.batch import class_results, grade_class
    from grader.engine.outfolder import BatchLock, holder_text
    from grader.reports.class_report import prepare_charts
    from grader.reports.outputs import write_outputs

    course = open_course(course_path)
    lessons = pick_lessons(course, lesson_ids)
    shown = Progress("graded")

    def progress(done: int, total: int) -> None:
        if done < total and shown.first_done is None:
            prepare_charts()  # there is grading to do: import matplotlib meanwhile
        shown(done, total)

    try:
        with BatchLock(out) as lock:
            if lock.interrupted:
                click.echo(f"Resuming the run that was stopped "
                           f"({holder_text(lock.interrupted)}).", err=True)
            found, summary = grade_class(course, submissions, out, lessons=lessons,
                                         workers=workers, scheduler=scheduler, unsafe=unsafe,
                                         progress=progress)
            rows = write_outputs(course, lessons, found.students,
                                 class_results(course, lessons, found, out, summary.suites), out,
                                 summary.failed, found.languages(course.languages[0]))
    except Exception:
        if shown.terminal and shown.first_done is not None:
            click.echo(err=True)  # the error's line starts below the progress bar, not on it
        raise
    totals = sorted(row.total for row in rows)
    possible = sum(lesson.points for lesson in lessons)
    click.echo(f"Graded {summary.jobs} submissions of {len(found.students)} students "
               f"({summary.graded} new, {summary.cached} already graded) in {summary.seconds:.1f} s"
               + (f"; {len(summary.failed)} could not be graded" if summary.failed else "") + ".")
    if totals:
        click.echo(f"Mean total {statistics.mean(totals):.1f}/{possible:g}, "
                   f"median {statistics.median(totals):.1f}/{possible:g}.")
    for student, lesson_id, why in summary.failed:
        click.echo(f"  not graded: {' '.join(filter(None, (student, lesson_id)))}: {why}")
    if found.ignored:
        click.echo("  ignored (not a submission): "
                   + "; ".join(f"{name} ({why})" for name, why in found.ignored))
    click.echo(f"Gradebook: {out / 'gradebook.csv'}   feedback: {out / 'feedback'}/   "
               f"results: {out / 'results'}/   report: {out / 'report' / 'summary.md'}")
    if summary.failed:
        raise SystemExit(7)


@main.command()
@COURSE_OPTION
def doctor(course_path: Path | None) -> None:
    """Show which sandbox layers are active here, then prove them with the self-test.

    Exits 0 only when the self-test passes (hidden suites can be graded).
    """
    from grader.sandbox.selftest import diagnose_sandbox

    course = open_course(course_path)
    report = diagnose_sandbox(course.root)
    click.echo(f"Sandbox level: {report.sandbox.level}")
    for layer in report.sandbox.layers:
        click.echo(f"  ✓ {layer}")
    for note in report.sandbox.notes:
        click.echo(f"  - {note}")
    click.echo("A probe job had (read from inside it):")
    for present, layer in report.observed_lines():
        click.echo(f"  {'✓' if present else '✗'} {layer}")
    if report.failures:
        click.echo("Self-test: FAILED")
        for failure in report.failures:
            click.echo(f"  ✗ {failure}")
        click.echo("Hidden suites will not be graded here unless you pass --unsafe.")
        raise SystemExit(1)
    click.echo("Self-test: passed (course files unreadable, loopback unreachable, "
               "checker unsignalable)")


if __name__ == "__main__":
    main()
