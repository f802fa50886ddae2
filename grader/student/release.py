"""The student release: the course's public part as a pip-installable package with ``course``.

Layout of the release folder::

    README.md, pyproject.toml
    grader/                      the package (engine, checker, runner, both command lines)
    grader/_course/course.toml   the public course file
    grader/_course/hints.toml
    grader/_course/exercises/    stubs, public checks, notes, helper files

It is built in a temporary folder, checked for leaks by content (solution function bodies by
their syntax tree, and every line that only private files contain), and moved into place only
when clean: a release that leaks is never written.
"""

from __future__ import annotations

import ast
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader import __version__
from grader.course.config import (
    CATALOG_DIR,
    COURSE_FILE,
    EXERCISES_DIR,
    HIDDEN_DIR,
    SOLUTIONS_DIR,
    Course,
)
from grader.course.errors import UserError
from grader.course.hints import HINTS_FILE
from grader.course.leaks import line_runs

PACKAGE_DIR = Path(__file__).resolve().parent.parent
BUNDLE = "_course"
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", ".*", BUNDLE)


class ReleaseError(UserError):
    """The release could not be written; the message says why."""


@dataclass(frozen=True)
class Leak:
    file: str
    line: int
    origin: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} repeats {self.origin}"


def build_release(course: Course, out: Path) -> list[Path]:
    """Write the student release to ``out`` (which must not exist or be empty)."""
    out = Path(out).resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not empty; choose a new folder")
    if out == course.root or course.root in out.parents:
        raise ReleaseError(f"{out} is inside the course folder; write the release elsewhere")
    staging = Path(tempfile.mkdtemp(prefix=".release-", dir=out.parent if out.parent.exists() else None))
    try:
        _write(course, staging)
        leaks = find_leaks(course, staging)
        if leaks:
            shown = "; ".join(str(leak) for leak in leaks[:5])
            raise ReleaseError(f"refusing to write a release that leaks private text: {shown}"
                               + (f" (and {len(leaks) - 5} more)" if len(leaks) > 5 else ""))
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.rmdir()
        shutil.move(str(staging), out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(p for p in out.rglob("*") if p.is_file())


def _write(course: Course, root: Path) -> None:
    shutil.copytree(PACKAGE_DIR, root / "grader", ignore=IGNORED)
    bundle = root / "grader" / BUNDLE
    bundle.mkdir()
    (bundle / COURSE_FILE).write_text(public_course_toml(course))
    if (course.root / HINTS_FILE).is_file():
        shutil.copy2(course.root / HINTS_FILE, bundle / HINTS_FILE)
    for lesson in course.lessons:
        shutil.copytree(course.exercise_dir(lesson), bundle / EXERCISES_DIR / lesson.id,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "pyproject.toml").write_text(PYPROJECT.format(version=__version__))
    (root / "README.md").write_text(student_readme(course))


def public_course_toml(course: Course) -> str:
    """course.toml as students need it: the course, its limits, lessons and late policy."""
    limits = course.limits
    lines = [
        "# The course, as released to students.", "",
        "[course]", f"id = {_toml(course.id)}", f"name = {_toml(course.name)}", "",
        "[grading]", f"job_seconds = {limits.job_seconds:g}", f"call_seconds = {limits.call_seconds:g}",
        f"memory_mb = {limits.memory_mb}", f"output_kib = {limits.output_kib}",
    ]
    for lesson in course.lessons:
        lines += ["", "[[lessons]]", f"id = {_toml(lesson.id)}", f"title = {_toml(lesson.title)}",
                  f"module = {_toml(lesson.module)}", f"points = {lesson.points:g}"]
        if lesson.due is not None:
            lines.append(f"due = {lesson.due.isoformat().replace('+00:00', 'Z')}")
        if lesson.helper_files:
            lines.append(f"helper_files = [{', '.join(map(_toml, lesson.helper_files))}]")
        if lesson.preload:
            lines.append(f"preload = [{', '.join(map(_toml, lesson.preload))}]")
        if lesson.disabled:
            entries = ", ".join(f"{function} = [{', '.join(map(_toml, names))}]"
                                for function, names in lesson.disabled)
            lines.append(f"disabled = {{ {entries} }}")
    late = course.late
    lines += ["", "[late]", f"grace_minutes = {late.grace_minutes:g}",
              f"penalty_per_day = {late.penalty_per_day:g}"]
    if late.max_days_late is not None:
        lines.append(f"max_days_late = {late.max_days_late:g}")
    return "\n".join(lines) + "\n"


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# ---------------------------------------------------------------------- the leak check


def _private_files(course: Course) -> list[Path]:
    """Solutions, hidden suites and the mistake catalog: nothing of these may ship."""
    folders = [course.root / SOLUTIONS_DIR, course.root / HIDDEN_DIR, course.root / CATALOG_DIR]
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*.py"))


def _bodies(source: bytes) -> dict[str, int]:
    """Syntax-tree fingerprints of non-trivial function bodies (docstrings left out)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return {}
    found = {}
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            body = node.body if isinstance(node.body, list) else [node.body]
            if body and isinstance(body[0], ast.Expr) and isinstance(
                getattr(body[0], "value", None), ast.Constant
            ):
                body = body[1:]
            text = "\n".join(ast.dump(statement) for statement in body)
            trivial = len(body) < 2 and len(text) < 200 or "NotImplementedError" in text
            if not trivial:
                found[text] = node.lineno
    return found


def find_leaks(course: Course, release: Path) -> list[Leak]:
    """Places in ``release`` that repeat solution, hidden-test or catalog text.

    A leak is a non-trivial function body of a private module (compared by syntax tree, so
    reformatting does not hide it) in any released Python file, or three consecutive
    significant lines of a private file in any released text file. The stubs' own text (signatures and
    docstrings, shared with the reference on purpose) and the engine's source are public.
    """
    public_windows: set[tuple[str, ...]] = set()
    for path in [course.stub_path(lesson) for lesson in course.lessons] + list(PACKAGE_DIR.rglob("*.py")):
        if path.is_file():
            public_windows.update(line_runs(path.read_text(errors="replace")))
    private_windows: dict[tuple[str, ...], str] = {}
    private_bodies: dict[str, str] = {}
    for path in _private_files(course):
        origin = str(path.relative_to(course.root))
        data = path.read_bytes()
        for window, number in line_runs(data.decode(errors="replace")).items():
            if window not in public_windows:
                private_windows.setdefault(window, f"{origin}:{number}")
        for body, number in _bodies(data).items():
            private_bodies.setdefault(body, f"a function body in {origin}:{number}")
    secret = course.secret_path.read_bytes().strip() if course.secret_path.is_file() else b""
    leaks = []
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        shown = str(path.relative_to(release))
        if secret and secret in path.read_bytes():
            leaks.append(Leak(shown, 0, "the grading secret"))
        if path.suffix == ".py":
            for body, number in _bodies(path.read_bytes()).items():
                if body in private_bodies:
                    leaks.append(Leak(shown, number, private_bodies[body]))
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue  # binary helper files (weights, data) are not source
        for window, number in line_runs(text).items():
            if window in private_windows:
                leaks.append(Leak(shown, number, private_windows[window]))
    return leaks


PYPROJECT = """\
[build-system]
requires = ["setuptools>=64"]
build-backend = "setuptools.build_meta"

[project]
name = "torch-fundamentals-course"
version = "{version}"
description = "PyTorch fundamentals: exercises you complete and check locally with `course`."
readme = "README.md"
requires-python = ">=3.11"
dependencies = ["torch>=2.2", "numpy>=1.24", "pytest>=8", "click>=8.1", "matplotlib>=3.7"]

[project.scripts]
course = "grader.cli.student:main"

[tool.setuptools.packages.find]
include = ["grader*"]

[tool.setuptools.package-data]
grader = ["checker/pytest.ini", "_course/**/*"]
"""


def student_readme(course: Course) -> str:
    rows = "\n".join(f"| `{lesson.id}` | {lesson.title} | `{lesson.module}` |"
                     for lesson in course.lessons)
    return f"""# {course.name}

{len(course.lessons)} lessons. In each you complete a Python module; `course check` runs the
public checks on it as you work, and your instructor grades it with more (hidden) tests.

| lesson | topic | you edit |
|---|---|---|
{rows}

## Install

```bash
pip install .          # from this folder; gives you the `course` command
```

(or run it in place: `python -m grader.cli.student ...` from this folder.)

## Work through a lesson

```bash
mkdir my-work && cd my-work
course fetch lesson1            # lesson1/: the exercise, its public checks, notes.md
course check lesson1            # run the public checks; the first failure is explained
course check lesson1 --watch    # check again every time you save
course hint lesson1             # the next hint for what you are stuck on
course submit lesson1 --student YOUR_ID   # an archive for your instructor
course status                   # where you are: 3/{len(course.lessons)} lessons
```

`course fetch` never overwrites your work: if you edited the file it is left alone, and with
`--force` the old version is kept as a timestamped backup. `course check --plot picture.png`
draws your functions at work for lessons 2 to 5.

Passing the public checks is a good sign, not a grade: hidden tests run when your instructor
grades (random inputs, float32 and float64, edge cases).
"""
