"""Prove the hidden suites right: the reference gets full marks; the stub and modules that
raise for everything score zero; every catalogued mistake loses points, fails a public check
and (nearly always) is named; every alternative correct style gets full marks.

The catalog lives in ``tests/catalog/<lesson>/`` (see grader.engine.catalog): mistakes as
small patches against the reference, and alternative correct styles as whole modules.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from grader.course.config import Course, Lesson, runner_preload
from grader.course.i18n import Text, course_translations, says_in
from grader.course.results import LessonResult
from grader.engine.catalog import CatalogEntry, read_catalog
from grader.engine.grading import Submission, refuse_sandbox_failures

NAMED_SHARE_REQUIRED = 0.9
MIN_MISTAKES = 10
RAISING = ("ValueError", "TypeError")  # modules whose every function raises this


@dataclass(frozen=True)
class MistakeVerdict:
    entry: CatalogEntry
    result: LessonResult

    @property
    def caught(self) -> bool:
        return self.result.score < self.result.max_score

    @property
    def named(self) -> bool:
        phrase = self.entry.named.lower()
        return bool(phrase) and any(phrase in t.feedback.lower() for t in self.result.failed)

    def named_in(self, language: str, catalogs: tuple) -> bool:
        """The feedback that names this mistake reads in ``language`` (not left in English)."""
        phrase = self.entry.named
        return any(says_in(Text.from_data(t.feedback_text) if t.feedback_text else t.feedback,
                           phrase, language, catalogs)
                   for t in self.result.failed if phrase)

    @property
    def seen_in_public(self) -> bool:
        """A student who ran the public checks would have seen this mistake fail."""
        return any(t.public for t in self.result.failed)


@dataclass
class LessonValidation:
    lesson: Lesson
    reference: LessonResult
    stub: LessonResult
    mistakes: list[MistakeVerdict] = field(default_factory=list)
    correct: list[tuple[CatalogEntry, LessonResult]] = field(default_factory=list)
    public_not_subset: list[str] = field(default_factory=list)
    raising: list[LessonResult] = field(default_factory=list)
    untranslated: list[str] = field(default_factory=list)  # (language) mistake files

    @property
    def caught(self) -> int:
        return sum(v.caught for v in self.mistakes)

    @property
    def named(self) -> int:
        return sum(v.named for v in self.mistakes)

    def problems(self) -> list[str]:
        """Every way this lesson's suites fall short; empty when they are proven."""
        found = []
        if self.reference.score != self.reference.max_score or self.reference.max_score <= 0:
            failed = ", ".join(t.name for t in self.reference.failed)[:300]
            found.append(f"the reference scores {self.reference.score:g}/"
                         f"{self.reference.max_score:g} (fails: {failed})")
        if self.stub.score != 0:
            passed = ", ".join(t.name for t in self.stub.tests if t.passed)[:300]
            found.append(f"the stub scores {self.stub.score:g} (passes: {passed})")
        for result in self.raising:
            if result.score != 0:
                passed = ", ".join(t.name for t in result.tests if t.passed)[:300]
                found.append(f"a module that only raises ({result.submission}) scores "
                             f"{result.score:g} (passes: {passed})")
        for verdict in self.mistakes:
            if not verdict.caught:
                found.append(f"mistake not caught: {verdict.entry.path.name} "
                             f"({verdict.entry.description})")
            elif not verdict.seen_in_public:
                found.append(f"mistake caught only by hidden tests: {verdict.entry.path.name} "
                             f"({verdict.entry.description}); add a public check that shows it")
        for entry in self.untranslated:
            found.append(f"mistake named only in English: {entry}; translate its message in "
                         f"locale/<language>/LC_MESSAGES/{self.lesson.id}.po "
                         f"(bash scripts/i18n.sh)")
        if len(self.mistakes) < MIN_MISTAKES:
            found.append(f"only {len(self.mistakes)} catalogued mistakes; at least "
                         f"{MIN_MISTAKES} are needed")
        if self.mistakes and self.named < NAMED_SHARE_REQUIRED * len(self.mistakes):
            found.append(f"only {self.named}/{len(self.mistakes)} mistakes are named in the "
                         f"feedback; at least {NAMED_SHARE_REQUIRED:.0%} must be")
        for entry, result in self.correct:
            if result.score != result.max_score:
                failed = "; ".join(f"{t.name}: {t.feedback}" for t in result.failed)[:400]
                found.append(f"correct style loses points: {entry.path.name} ({failed})")
        for label in self.public_not_subset:
            found.append(f"{label} passes every hidden test but fails a public check")
        return found


def validate_lesson(
    course: Course,
    lesson: Lesson,
    grade: Callable[[Lesson, Sequence[Submission]], list[LessonResult]],
) -> LessonValidation:
    """Grade reference, stub and the whole catalog in one session and judge the suites."""
    reference = course.reference_source(lesson)
    catalog = read_catalog(course.catalog_dir(lesson), reference)
    stub = Submission("stub", course.stub_source(lesson))
    raising = [Submission(f"raises {name}", raising_module(stub.source, name))
               for name in RAISING]
    submissions = [
        Submission("reference", reference),
        stub,
        *raising,
        *(Submission(entry.path.name, entry.source) for entry in catalog),
    ]
    results = grade(lesson, submissions)
    refuse_sandbox_failures(results)
    validation = LessonValidation(lesson, results[0], results[1],
                                  raising=results[2 : 2 + len(raising)])
    for entry, result in zip(catalog, results[2 + len(raising):], strict=True):
        if entry.kind == "mistake":
            validation.mistakes.append(MistakeVerdict(entry, result))
        else:
            validation.correct.append((entry, result))
    for language in course.languages:
        if language == "en":
            continue
        catalogs = (course_translations(course, language, lesson.id),)
        validation.untranslated += [f"{verdict.entry.path.name} ({language})"
                                    for verdict in validation.mistakes
                                    if verdict.named and not verdict.named_in(language, catalogs)]
    for result in results:
        hidden = [t for t in result.tests if not t.public]
        if hidden and all(t.passed for t in hidden) and not all(t.passed for t in result.tests):
            validation.public_not_subset.append(result.submission)
    return validation


def validate_course(course: Course, lessons: Sequence[Lesson], *, unsafe: bool = False,
                    progress: Callable[[Lesson], None] = lambda lesson: None,
                    ) -> list[LessonValidation]:
    """Validate ``lessons`` on one warm runner, in order."""
    from grader.engine.grading import grade
    from grader.sandbox.host import RunnerHost

    validations = []
    with RunnerHost(runner_preload(lessons)) as host:
        for lesson in lessons:
            progress(lesson)
            validations.append(validate_lesson(
                course, lesson,
                lambda lesson, subs: grade(course, lesson, subs, host=host, unsafe=unsafe)))
    return validations


def raising_module(stub: bytes, error: str) -> bytes:
    """The stub with every public function's body (after its docstring) replaced by
    ``raise <error>(...)``: a submission that implements nothing but raising."""
    tree = ast.parse(stub)
    lines = stub.decode("utf-8").splitlines(keepends=True)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")]
    for node in sorted(functions, key=lambda n: -n.lineno):
        first = node.body[0]
        docstring = (isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
                     and isinstance(first.value.value, str))
        start = first.end_lineno if docstring else first.lineno - 1
        lines[start:node.end_lineno] = [f"{' ' * first.col_offset}raise {error}('not computed')\n"]
    return "".join(lines).encode()


def table(validations: Sequence[LessonValidation]) -> str:
    """The per-lesson summary: reference score, stub score, mutants caught and named."""
    rows = [("lesson", "reference", "stub", "caught", "named", "correct styles", "verdict")]
    for v in validations:
        full = sum(r.score == r.max_score for _, r in v.correct)
        rows.append((
            v.lesson.id,
            f"{v.reference.score:g}/{v.reference.max_score:g}",
            f"{v.stub.score:g}/{v.stub.max_score:g}",
            f"{v.caught}/{len(v.mistakes)}",
            f"{v.named}/{len(v.mistakes)}",
            f"{full}/{len(v.correct)}",
            "ok" if not v.problems() else "FAIL",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)
