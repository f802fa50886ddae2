"""The student release: one wheel students install with pip, and a README for them.

Layout of ``OUT``::

    README.md                                    the first five minutes, for students
    torch_fundamentals_course-<v>-py3-none-any.whl

The wheel holds what students run and nothing else: the ``course`` command line, the
checker, the runner and sandbox, the public-check API (``grader.checks``) and the course's
public part (``grader/_course``: course.toml without instructor settings, hints, exercises
with stubs, public checks, notes and helper files). No instructor module, solution, hidden
test or grading secret. It is written by hand (the wheel format is a zip with three small
metadata files), so students need no build step and no setuptools; its dependencies are the
project's own, read from pyproject.toml.

The package tree is built in a temporary folder and checked for leaks by content (solution
function bodies by their syntax tree, and every run of lines that only private files
contain) before the wheel is written: a release that leaks is never written.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import io
import re
import shutil
import tempfile
import tomllib
import zipfile
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
    public_toml,
)
from grader.course.errors import UserError
from grader.course.hints import HINTS_FILE
from grader.course.i18n import LOCALE_DIR, write_public_catalogs
from grader.course.leaks import function_bodies, line_runs

PACKAGE_DIR = Path(__file__).resolve().parent.parent
PROJECT_FILE = PACKAGE_DIR.parent / "pyproject.toml"
BUNDLE = "_course"
DISTRIBUTION = "torch_fundamentals_course"
# What students run (paths inside grader/); everything else is the instructor's.
STUDENT_MODULES = (
    "__init__.py", "wire.py", "checks.py",
    "cli/__init__.py", "cli/common.py", "cli/student.py",
    "course/", "checker/", "sandbox/", "runner/",
    "engine/__init__.py", "engine/grading.py",
    "reports/__init__.py", "reports/text.py",
    "student/__init__.py", "student/workspace.py", "student/watch.py", "student/plots.py",
    "locale/",
)
WHEEL_TIME = (1980, 1, 1, 0, 0, 0)  # the same release twice is the same wheel


class ReleaseError(UserError):
    """The release could not be written; the message says why."""


@dataclass(frozen=True)
class Leak:
    file: str
    line: int
    origin: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} repeats {self.origin}"


def build_release(course: Course, out: Path, *, check_answers: bool = True,
                  unsafe: bool = False) -> list[Path]:
    """Write the student release to ``out`` (which must not exist or be empty).

    ``check_answers``: also grade what the public files say (hints, helpers) as answers, and
    refuse a release where any of them passes a function's hidden tests (see
    ``answer_leaks``); this runs the hidden suites, so it needs the sandbox (or ``unsafe``).
    """
    out = Path(out).resolve()
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ReleaseError(f"{out} already exists and is not empty; choose a new folder")
    if out == course.root or course.root in out.parents:
        raise ReleaseError(f"{out} is inside the course folder; write the release elsewhere")
    staging = Path(tempfile.mkdtemp(prefix=".release-", dir=out.parent if out.parent.exists() else None))
    try:
        tree = staging / "tree"
        _write_package(course, tree)
        leaks = find_leaks(course, tree)
        if check_answers and not leaks:
            leaks = answer_leaks(course, unsafe=unsafe)
        if leaks:
            shown = "; ".join(str(leak) for leak in leaks[:5])
            raise ReleaseError(f"refusing to write a release that leaks private text: {shown}"
                               + (f" (and {len(leaks) - 5} more)" if len(leaks) > 5 else ""))
        result = staging / "out"
        result.mkdir()
        write_wheel(tree, result, student_readme(course))
        (result / "README.md").write_text(student_readme(course), encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.exists():
            out.rmdir()
        shutil.move(str(result), out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return sorted(p for p in out.rglob("*") if p.is_file())


def _write_package(course: Course, root: Path) -> None:
    """``root/grader``: the student modules and the bundled public course."""
    package = root / "grader"
    for entry in STUDENT_MODULES:
        source = PACKAGE_DIR / entry
        if entry.endswith("/"):
            shutil.copytree(source, package / entry,  # catalogs ship compiled only
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*", "*.po",
                                                          "*.pot"))
        else:
            (package / entry).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, package / entry)
    bundle = package / BUNDLE
    bundle.mkdir()
    (bundle / COURSE_FILE).write_text(public_toml(course))
    if (course.root / HINTS_FILE).is_file():
        shutil.copy2(course.root / HINTS_FILE, bundle / HINTS_FILE)
    for lesson in course.lessons:
        folder = bundle / EXERCISES_DIR / lesson.id
        shutil.copytree(course.exercise_dir(lesson), folder,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (folder / lesson.module).write_bytes(course.stub_source(lesson))  # from the master
    write_public_catalogs(course, bundle / LOCALE_DIR)  # compiled, public messages only


def project_dependencies() -> list[str]:
    """The project's own dependencies (pyproject.toml's [project] dependencies): one place."""
    try:
        project = tomllib.loads(PROJECT_FILE.read_text(encoding="utf-8"))["project"]
        return list(project["dependencies"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        from importlib.metadata import PackageNotFoundError, requires

        try:
            return [r for r in requires("torch-grader-course") or [] if "extra ==" not in r]
        except PackageNotFoundError:
            raise ReleaseError("cannot find the project's dependencies: run grader release "
                               "from the course's checkout or its installed package") from None


def write_wheel(tree: Path, out: Path, readme: str) -> Path:
    """A py3-none-any wheel of ``tree`` (the package folders) into ``out`` (PEP 427)."""
    name = f"{DISTRIBUTION}-{__version__}"
    info = f"{name}.dist-info"
    requires = "".join(f"Requires-Dist: {dependency}\n" for dependency in project_dependencies())
    metadata = (f"Metadata-Version: 2.1\nName: {DISTRIBUTION.replace('_', '-')}\n"
                f"Version: {__version__}\nSummary: PyTorch fundamentals: exercises you complete "
                f"and check locally with `course`.\nRequires-Python: >=3.11\n{requires}"
                f"Description-Content-Type: text/markdown\n\n{readme}")
    files: dict[str, bytes] = {
        path.relative_to(tree).as_posix(): path.read_bytes()
        for path in sorted(tree.rglob("*")) if path.is_file()
    }
    files[f"{info}/METADATA"] = metadata.encode()
    files[f"{info}/WHEEL"] = (b"Wheel-Version: 1.0\nGenerator: grader release\n"
                              b"Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{info}/entry_points.txt"] = b"[console_scripts]\ncourse = grader.cli.student:main\n"
    record = [f"{path},sha256={_digest(data)},{len(data)}" for path, data in files.items()]
    files[f"{info}/RECORD"] = ("\n".join([*record, f"{info}/RECORD,,"]) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as wheel:
        for path, data in files.items():
            entry = zipfile.ZipInfo(path, WHEEL_TIME)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            wheel.writestr(entry, data)
    target = out / f"{name}-py3-none-any.whl"
    target.write_bytes(buffer.getvalue())
    return target


def _digest(data: bytes) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


# ---------------------------------------------------------------------- the leak check


def _private_files(course: Course) -> list[Path]:
    """Solutions, hidden suites and the mistake catalog: nothing of these may ship."""
    folders = [course.root / SOLUTIONS_DIR, course.root / HIDDEN_DIR, course.root / CATALOG_DIR]
    return sorted(p for folder in folders if folder.is_dir() for p in folder.rglob("*.py"))


def answer_leaks(course: Course, *, unsafe: bool = False) -> list[Leak]:
    """Hints and public helpers that ARE an answer, found by grading them.

    Copied text is not the only leak: a hint whose code, or a function in a released helper
    file, written into the stub as a function's body passes every hidden test of that
    function gives the answer away in other words. Each candidate is graded in the sandbox
    like a submission, with the rest of the stub untouched.
    """
    from grader.course.hints import load_hints
    from grader.engine.grading import Submission, grade

    hints = load_hints(course)
    leaks: list[Leak] = []
    for lesson in course.lessons:
        stub = course.stub_source(lesson).decode("utf-8")
        candidates: list[tuple[str, str, str]] = []  # function, origin, module source
        functions = _stub_functions(stub)
        for function, node in functions.items():
            for number, hint in enumerate(hints.get(lesson.id, {}).get(function, ()), start=1):
                for snippet in _code_snippets(hint):
                    module = _with_body(stub, node, snippet)
                    if module:
                        candidates.append((function, f"hints.toml [{lesson.id}] {function} "
                                                     f"hint {number}", module))
        for path in sorted(course.exercise_dir(lesson).glob("*.py")):
            if path.name in (lesson.module, course.public_checks_path(lesson).name):
                continue
            for helper in _functions_of(path.read_text(encoding="utf-8", errors="replace")):
                for function, node in functions.items():
                    if len(helper.args.args) == len(node.args.args):
                        renamed = ast.unparse(helper).replace(f"def {helper.name}(",
                                                             f"def {function}(", 1)
                        candidates.append((function, f"{path.name}:{helper.lineno} "
                                                     f"({helper.name})", stub + "\n\n" + renamed))
        if not candidates:
            continue
        results = grade(course, lesson,
                        [Submission(origin, module.encode()) for _, origin, module in candidates],
                        public=False, hidden=True, unsafe=unsafe)
        for (function, origin, _), result in zip(candidates, results, strict=True):
            own = [t for t in result.tests if t.functions and set(t.functions) == {function}]
            if own and all(t.passed for t in own):
                leaks.append(Leak(origin, 0, f"a complete {function}: it passes every hidden "
                                             f"test of {function}"))
    return leaks


def _stub_functions(stub: str) -> dict[str, ast.FunctionDef]:
    return {node.name: node for node in ast.parse(stub).body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}


def _functions_of(source: str) -> list[ast.FunctionDef]:
    try:
        return [n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)]
    except SyntaxError:
        return []


def _code_snippets(text: str) -> list[str]:
    """Code a hint spells out: the whole hint if it is Python, its `quoted` parts, and any
    'return …' it contains."""
    found = [text] + re.findall(r"`([^`]+)`", text)
    found += [m.group(0).rstrip(" .;") for m in re.finditer(r"return [^;]+", text)]
    return list(dict.fromkeys(s.strip() for s in found if s.strip()))


def _with_body(stub: str, node: ast.FunctionDef, snippet: str) -> str | None:
    """The stub with ``node``'s body replaced by ``snippet`` (an expression is returned)."""
    try:
        tree = ast.parse(snippet)
    except SyntaxError:
        return None
    if not tree.body:
        return None
    body = snippet if not (len(tree.body) == 1 and isinstance(tree.body[0], ast.Expr)) else (
        f"return {snippet}")
    lines = stub.splitlines(keepends=True)
    first = node.body[0]
    keep = first.end_lineno if (isinstance(first, ast.Expr) and isinstance(
        getattr(first, "value", None), ast.Constant)) else first.lineno - 1
    indent = " " * first.col_offset
    new = "".join(f"{indent}{line}\n" for line in body.splitlines())
    return "".join(lines[:keep]) + new + "".join(lines[node.end_lineno:])


def find_leaks(course: Course, release: Path) -> list[Leak]:
    """Places in ``release`` that repeat solution, hidden-test or catalog text.

    A leak is a non-trivial function body of a private module (compared by syntax tree, so
    reformatting does not hide it) in any released Python file, or three consecutive
    significant lines of a private file in any released text file. The stubs' own text (signatures and
    docstrings, shared with the reference on purpose) and the engine's source are public.
    """
    public_windows: set[tuple[str, ...]] = set()
    for lesson in course.lessons:
        public_windows.update(line_runs(course.stub_source(lesson).decode("utf-8", "replace")))
    for path in PACKAGE_DIR.rglob("*.py"):
        public_windows.update(line_runs(path.read_text(errors="replace")))
    private_windows: dict[tuple[str, ...], str] = {}
    private_bodies: dict[str, str] = {}
    for path in _private_files(course):
        origin = str(path.relative_to(course.root))
        data = path.read_bytes()
        for window, number in line_runs(data.decode(errors="replace")).items():
            if window not in public_windows:
                private_windows.setdefault(window, f"{origin}:{number}")
        for body, number in function_bodies(data).items():
            private_bodies.setdefault(body, f"a function body in {origin}:{number}")
    secret = course.secret_path.read_bytes().strip() if course.secret_path.is_file() else b""
    leaks = []
    for path in sorted(p for p in release.rglob("*") if p.is_file()):
        shown = str(path.relative_to(release))
        if secret and secret in path.read_bytes():
            leaks.append(Leak(shown, 0, "the grading secret"))
        if path.suffix == ".py":
            for body, number in function_bodies(path.read_bytes()).items():
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




def student_readme(course: Course) -> str:
    rows = "\n".join(f"| `{lesson.id}` | {lesson.title} | `{lesson.module}` |"
                     for lesson in course.lessons)
    wheel = f"{DISTRIBUTION}-{__version__}-py3-none-any.whl"
    return f"""# {course.name}

{len(course.lessons)} lessons. In each you complete a Python module; `course check` runs the
public checks on it as you work, and your instructor grades it with more (hidden) tests.

| lesson | topic | you edit |
|---|---|---|
{rows}

## The first five minutes

1. **Install PyTorch's CPU build first** (a few hundred MB instead of several GB of GPU
   libraries), then the course, in a fresh virtual environment:

   ```bash
   python3 -m venv course-env && . course-env/bin/activate
   pip install torch --index-url https://download.pytorch.org/whl/cpu
   pip install {wheel}
   course --version
   ```

2. **Fetch the first lesson and read its notes**:

   ```bash
   mkdir my-work && cd my-work
   course list                 # the lessons, their due dates and where you stand
   course fetch lesson1        # lesson1/: the exercise to edit, its public checks, notes.md
   ```

3. **Edit, then check** (again and again; `--watch` checks on every save):

   ```bash
   course check lesson1        # the first failing check, with what was expected and what came back
   course check lesson1 -v     # also the line of your file it points at, and what you printed
   course check lesson1 --all  # every failing check
   course hint lesson1         # the next hint for what you are stuck on
   ```

4. **Submit** when the public checks pass:

   ```bash
   course submit lesson1 --student YOUR_ID
   ```

   This writes `submissions/YOUR_ID__lesson1__<time>.zip` (your file plus a manifest with the
   time and a checksum). **Hand that archive in the way your instructor says**: upload it to
   the course's page, or, if your course has a shared exchange folder, submit straight into
   it with `--out /path/to/exchange` (or `export COURSE_EXCHANGE=/path/to/exchange`). Your id
   and the folder are remembered; submit again any time, and the latest submission counts.

5. **See where you are**: `course status` (each lesson: not fetched, in progress, public
   checks passed, submitted) and your progress ("2/{len(course.lessons)} lessons submitted").

`course fetch` never overwrites your work: an edited file is left alone, and `course reset
LESSON` puts the exercise back after saving your version as a timestamped backup. `course check
--plot picture.png` draws your functions at work for lessons 2 to 5. Shell completion:
`eval "$(_COURSE_COMPLETE=bash_source course)"` in your `~/.bashrc`.

Passing the public checks is a good sign, not a grade: hidden tests run when your instructor
grades (random inputs, float32 and float64, more sizes).
"""
