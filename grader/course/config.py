"""The course model: reads ``course.toml`` and is the one place that knows the folder layout.

Every other module asks a ``Course`` for paths; none builds them by hand. Errors are
``CourseError`` with one line that names the file, the key and what to write instead.
"""

from __future__ import annotations

import ast
import datetime as dt
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.course.errors import UserError
from grader.course.i18n import _
from grader.course.master import MasterError, is_master, split_master

COURSE_FILE = "course.toml"
SECRET_FILE = ".grader-secret"
EXERCISES_DIR = "exercises"
SOLUTIONS_DIR = "solutions"
HIDDEN_DIR = Path("tests") / "hidden"
CATALOG_DIR = Path("tests") / "catalog"

# A pip-installed student release carries its course here (see grader.student.release).
BUNDLED_COURSE = Path(__file__).resolve().parent.parent / "_course"

LESSON_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MODULE_FILE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,60}\.py$")
MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
HELPER_FILE = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,80}$")


class CourseError(UserError):
    """A problem with the course definition or layout, explained in one line."""


@dataclass(frozen=True)
class Limits:
    """Grading limits for one job (one submission of one lesson)."""

    job_seconds: float
    call_seconds: float
    memory_mb: int
    output_kib: int


@dataclass(frozen=True)
class LatePolicy:
    """How lateness costs points; see grader.course.late."""

    grace_minutes: float = 0.0
    penalty_per_day: float = 0.0  # fraction of the lesson's points lost per started day late
    max_days_late: float | None = None  # later than this scores zero (None: never)


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    module: str
    points: float
    due: dt.datetime | None
    helper_files: tuple[str, ...]
    preload: tuple[str, ...] = ()
    # function -> APIs disabled whenever it is graded (lessons.md's "disabled while graded")
    disabled: tuple[tuple[str, tuple[str, ...]], ...] = ()

    @property
    def module_name(self) -> str:
        return self.module.removesuffix(".py")

    @property
    def bans(self) -> dict[str, tuple[str, ...]]:
        """The APIs disabled for each function, in every check that calls it."""
        return dict(self.disabled)


@dataclass(frozen=True)
class Course:
    root: Path
    id: str
    name: str
    limits: Limits
    lessons: tuple[Lesson, ...]
    late: LatePolicy = LatePolicy()
    languages: tuple[str, ...] = ("en",)  # the first is the default for students

    @property
    def config_path(self) -> Path:
        return self.root / COURSE_FILE

    @property
    def secret_path(self) -> Path:
        """The grading secret (see grader.course.secret): never shipped, never committed."""
        return self.root / SECRET_FILE

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        known = ", ".join(lesson.id for lesson in self.lessons)
        raise CourseError(_("unknown lesson {lesson}; this course has: {known}").format(
            lesson=repr(lesson_id), known=known))

    # ------------------------------------------------------------------ layout

    def exercise_dir(self, lesson: Lesson) -> Path:
        return self.root / EXERCISES_DIR / lesson.id

    def stub_path(self, lesson: Lesson) -> Path:
        return self.exercise_dir(lesson) / lesson.module

    def public_checks_path(self, lesson: Lesson) -> Path:
        return self.exercise_dir(lesson) / f"test_{lesson.module}"

    def helper_paths(self, lesson: Lesson) -> list[Path]:
        return [self.exercise_dir(lesson) / name for name in lesson.helper_files]

    def solution_path(self, lesson: Lesson) -> Path:
        return self.root / SOLUTIONS_DIR / lesson.id / lesson.module

    def hidden_suite_dir(self, lesson: Lesson) -> Path:
        return self.root / HIDDEN_DIR / lesson.id

    def has_master(self, lesson: Lesson) -> bool:
        """The lesson's one source is its master module (solutions/, with solution regions)."""
        path = self.solution_path(lesson)
        return path.is_file() and is_master(path.read_text(encoding="utf-8", errors="replace"))

    def _split(self, lesson: Lesson):
        path = self.solution_path(lesson)
        try:
            return split_master(path.read_text(encoding="utf-8"), str(path.relative_to(self.root)))
        except MasterError as exc:
            raise CourseError(str(exc)) from None

    def stub_source(self, lesson: Lesson) -> bytes:
        """What students start from: made from the master module, or (in a student release,
        which has no master) the exercise's own file."""
        if not self.stub_path(lesson).is_file() and self.has_master(lesson):
            return self._split(lesson).stub.encode("utf-8")
        try:
            return self.stub_path(lesson).read_bytes()
        except OSError as exc:
            raise CourseError(f"{self.stub_path(lesson)}: cannot be read ({exc.strerror})") from None

    def reference_source(self, lesson: Lesson) -> bytes:
        """The reference solution: the master without its markers and stub lines."""
        if self.has_master(lesson):
            return self._split(lesson).reference.encode("utf-8")
        return self.solution_path(lesson).read_bytes()

    def stub_functions(self, lesson: Lesson) -> tuple[str, ...]:
        """The public functions a student completes, in the stub's order (read, not imported)."""
        try:
            tree = ast.parse(self.stub_source(lesson), filename=lesson.module)
        except SyntaxError as exc:
            raise CourseError(f"the stub of {lesson.id}: cannot be read as Python: {exc}") from None
        return tuple(
            node.name for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
        )

    def catalog_dir(self, lesson: Lesson) -> Path:
        """Wrong and alternative-correct solutions that prove the hidden suite."""
        return self.root / CATALOG_DIR / lesson.id


def runner_preload(lessons) -> tuple[str, ...]:
    """Every module any of ``lessons`` wants the warm runner to import before it forks jobs."""
    return tuple(dict.fromkeys(name for lesson in lessons for name in lesson.preload))


# ---------------------------------------------------------------------- reading


def find_course_root(start: Path | None = None) -> Path:
    """Walk up from ``start`` (default: the current folder) to the folder with course.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / COURSE_FILE).is_file():
            return folder
    if (BUNDLED_COURSE / COURSE_FILE).is_file():
        return BUNDLED_COURSE
    raise CourseError(_("no {file} in {folder} or any folder above it; run this inside the "
                        "course folder or pass --course PATH").format(file=COURSE_FILE, folder=here))


def load_course(path: Path | None = None) -> Course:
    """Read a course from a folder (or a course.toml file); default: found from the cwd."""
    if path is None:
        root = find_course_root()
    else:
        path = Path(path)
        root = path.parent if path.name == COURSE_FILE else path
        if not (root / COURSE_FILE).is_file():
            raise CourseError(_("{path} does not exist; pass the course folder").format(
                path=root / COURSE_FILE))
    course = parse_course(root / COURSE_FILE)
    check_layout(course)
    return course


def check_layout(course: Course) -> None:
    """Every lesson's module exists in its exercise folder (a typo in ``module`` otherwise
    grades the hidden suite alone and ships a release students cannot fetch from)."""
    for number, lesson in enumerate(course.lessons, start=1):
        stub = course.stub_path(lesson)
        if stub.is_file() or course.has_master(lesson):
            continue
        folder = course.exercise_dir(lesson)
        there = sorted(p.name for p in folder.glob("*.py")) if folder.is_dir() else []
        found = f"{folder.relative_to(course.root)}/ holds {', '.join(there)}" if there else (
            f"{folder.relative_to(course.root)}/ has no Python file")
        raise CourseError(f"{course.config_path}: [[lessons]] #{number} ({lesson.id}): module = "
                          f"{lesson.module!r}, but neither {stub.relative_to(course.root)} nor "
                          f"the master {course.solution_path(lesson).relative_to(course.root)} "
                          f"exists ({found}); fix the name or add the file")


def parse_course(config_path: Path) -> Course:
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{config_path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CourseError(f"{config_path}: cannot be read: {exc}") from None
    reader = _Reader(config_path)
    reader.keys(data, "", {"course", "grading", "lessons", "late"})
    if "course" not in data:
        raise reader.fail("", 'missing the [course] table; add [course] with id = "..." and name = "..."')
    if "lessons" not in data:
        raise reader.fail("", "no lessons; add one [[lessons]] table per lesson")

    course_table = reader.table(data, "course")
    reader.keys(course_table, "[course]", {"id", "name", "languages"})
    course_id = reader.value(course_table, "[course]", "id", _text, 'id = "torch-fundamentals"')
    name = reader.value(course_table, "[course]", "name", _text, 'name = "PyTorch fundamentals"')
    languages = reader.value(course_table, "[course]", "languages", _languages,
                             'languages = ["en", "zh"]', default=["en"])

    grading = reader.table(data, "grading") if "grading" in data else {}
    if "seed" in grading:
        raise reader.fail("[grading]", "'seed' is no longer read here: course.toml ships to "
                                       "students. Delete it; hidden inputs now come from the "
                                       "grading secret in .grader-secret (made on first use)")
    reader.keys(grading, "[grading]", set(GRADING_DEFAULTS))
    values = {
        key: reader.value(grading, "[grading]", key, check, example, default=default)
        for key, (check, example, default) in GRADING_DEFAULTS.items()
    }
    limits = Limits(**values)

    late_table = reader.table(data, "late") if "late" in data else {}
    reader.keys(late_table, "[late]", {"grace_minutes", "penalty_per_day", "max_days_late"})
    late = LatePolicy(
        grace_minutes=reader.value(late_table, "[late]", "grace_minutes", _non_negative,
                                   "grace_minutes = 15", default=0.0),
        penalty_per_day=reader.value(late_table, "[late]", "penalty_per_day", _fraction,
                                     "penalty_per_day = 0.1", default=0.0),
        max_days_late=reader.value(late_table, "[late]", "max_days_late", _non_negative,
                                   "max_days_late = 7", default=None),
    )

    lessons_data = data["lessons"]
    if not isinstance(lessons_data, list) or not lessons_data or not all(
        isinstance(item, dict) for item in lessons_data
    ):
        raise CourseError(
            f"{config_path}: [[lessons]] must be a list of tables, one [[lessons]] per lesson"
        )
    lessons: list[Lesson] = []
    for number, table in enumerate(lessons_data, start=1):
        where = f"[[lessons]] #{number}"
        if isinstance(table.get("id"), str):
            where += f" ({table['id']})"
        reader.keys(table, where, set(LESSON_KEYS))
        lesson = Lesson(
            id=reader.value(table, where, "id", _lesson_id, 'id = "lesson3"'),
            title=reader.value(table, where, "title", _text, 'title = "The SGD loop"'),
            module=reader.value(table, where, "module", _module_file, 'module = "sgd.py"'),
            points=reader.value(table, where, "points", _positive, "points = 10", default=10.0),
            due=reader.value(table, where, "due", _datetime, "due = 2026-12-01T23:59:00Z",
                             default=None),
            helper_files=tuple(reader.value(table, where, "helper_files", _helper_files,
                                            'helper_files = ["tinynet.py"]', default=[])),
            preload=tuple(reader.value(table, where, "preload", _module_names,
                                       'preload = ["torch._dynamo"]', default=[])),
            disabled=tuple(reader.value(table, where, "disabled", _disabled,
                                        'disabled = { mse_grad = ["autograd"] }',
                                        default={}).items()),
        )
        if any(earlier.id == lesson.id for earlier in lessons):
            raise CourseError(
                f"{config_path}: {where}: id {lesson.id!r} is used twice; "
                f"give every lesson its own id"
            )
        lessons.append(lesson)
    return Course(config_path.parent.resolve(), course_id, name, limits, tuple(lessons), late,
                  tuple(languages))


class _Reader:
    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, where: str, message: str) -> CourseError:
        prefix = f"{self.path}: {where}: " if where else f"{self.path}: "
        return CourseError(prefix + message)

    def keys(self, table: dict, where: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                raise self.fail(where, f"unknown key {key!r}; allowed keys: "
                                       f"{', '.join(sorted(allowed))}")

    def table(self, data: dict, key: str) -> dict:
        value = data[key]
        if not isinstance(value, dict):
            raise self.fail("", f"{key!r} must be a table; write it as [{key}]")
        return value

    def value(self, table: dict, where: str, key: str, check: Callable[[Any], Any],
              example: str, default: Any = ...) -> Any:
        if key not in table:
            if default is ...:
                raise self.fail(where, f"missing key {key!r}; add e.g. {example}")
            return default
        try:
            return check(table[key])
        except (TypeError, ValueError) as exc:
            raise self.fail(where, f"{key!r} {exc}; write e.g. {example}") from None


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise TypeError("must be a non-empty string")
    return value


def _lesson_id(value: Any) -> str:
    if not isinstance(value, str) or not LESSON_ID.match(value):
        raise ValueError("must be lowercase letters, digits or _ (it is a folder name)")
    return value


def _module_file(value: Any) -> str:
    if not isinstance(value, str) or not MODULE_FILE.match(value):
        raise ValueError("must be a Python file name such as mse.py")
    return value


def _positive(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise TypeError("must be a positive number")
    return float(value)


def _non_negative(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise TypeError("must be a number, zero or more")
    return float(value)


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise TypeError("must be a fraction between 0 and 1")
    return float(value)


def _positive_int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise TypeError("must be a positive whole number")
    return value


def _datetime(value: Any) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.tzinfo is None:
        raise TypeError("must be a date and time with a time zone")
    return value


def _helper_files(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and HELPER_FILE.match(v) for v in value
    ):
        raise TypeError("must be a list of file names in the lesson's exercise folder")
    return value


def _disabled(value: Any) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict) or not all(
        isinstance(function, str) and isinstance(names, list) and names
        and all(isinstance(n, str) and n for n in names) for function, names in value.items()
    ):
        raise TypeError("must be a table of function = [API names], the APIs disabled "
                        "whenever that function is graded")
    return {function: tuple(names) for function, names in value.items()}


def _languages(value: Any) -> list[str]:
    from grader.course.i18n import LANGUAGES

    if not isinstance(value, list) or not value or not all(v in LANGUAGES for v in value):
        raise TypeError(f"must be a list of languages from {', '.join(LANGUAGES)}, the "
                        f"students' default first")
    return value


def _module_names(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(
        isinstance(v, str) and MODULE_NAME.match(v) for v in value
    ):
        raise TypeError("must be a list of importable module names")
    return value


GRADING_DEFAULTS: dict[str, tuple[Callable[[Any], Any], str, Any]] = {
    "job_seconds": (_positive, "job_seconds = 60", 60.0),
    "call_seconds": (_positive, "call_seconds = 15", 15.0),
    "memory_mb": (_positive_int, "memory_mb = 2048", 2048),
    "output_kib": (_positive_int, "output_kib = 64", 64),
}
LESSON_KEYS = ("id", "title", "module", "points", "due", "helper_files", "preload", "disabled")


def public_toml(course: Course, lessons: Sequence[Lesson] | None = None, *,
                header: str = "The course, as released to students.") -> str:
    """``course.toml`` as students may see it (the course, its limits, ``lessons`` (default:
    every lesson) and the late policy; nothing of the instructor's), readable by this module."""
    limits = course.limits
    lines = [
        f"# {header}", "",
        "[course]", f"id = {_toml(course.id)}", f"name = {_toml(course.name)}",
        f"languages = [{', '.join(map(_toml, course.languages))}]", "",
        "[grading]", f"job_seconds = {limits.job_seconds:g}", f"call_seconds = {limits.call_seconds:g}",
        f"memory_mb = {limits.memory_mb}", f"output_kib = {limits.output_kib}",
    ]
    for lesson in course.lessons if lessons is None else lessons:
        lines += ["", "[[lessons]]", f"id = {_toml(lesson.id)}", f"title = {_toml(lesson.title)}",
                  f"module = {_toml(lesson.module)}", f"points = {lesson.points:g}"]
        if lesson.due is not None:
            lines.append(f"due = {lesson.due.isoformat().replace('+00:00', 'Z')}")
        if lesson.helper_files:
            lines.append(f"helper_files = [{', '.join(map(_toml, lesson.helper_files))}]")
        if lesson.preload:
            lines.append(f"preload = [{', '.join(map(_toml, lesson.preload))}]")
        if lesson.disabled:
            entries = ", ".join(f"{_toml(function)} = [{', '.join(map(_toml, names))}]"
                                for function, names in lesson.disabled)
            lines.append(f"disabled = {{ {entries} }}")
    late = course.late
    lines += ["", "[late]", f"grace_minutes = {late.grace_minutes:g}",
              f"penalty_per_day = {late.penalty_per_day:g}"]
    if late.max_days_late is not None:
        lines.append(f"max_days_late = {late.max_days_late:g}")
    return "\n".join(lines) + "\n"


def _toml(text: str) -> str:
    """A TOML basic string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
