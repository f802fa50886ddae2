"""``grader lint``: authoring mistakes caught before a lesson ships, each one line with its
file and line. ``grader validate`` and ``grader release`` run it first.

What it checks, per lesson:
- every file the course names exists (master or stub, public checks, hidden suite, notes,
  helper files), and a lesson with a master module has no hand-kept stub beside it;
- the master's markers are exact, and the stub and the reference define the same public
  functions with the same signatures;
- ``hints.toml`` names only functions the stub has, and ``course.toml``'s ``disabled``
  names functions and APIs that exist;
- the suites use only known markers (a misspelt ``points`` would count 1 point), with a
  positive number of points, and ``disabled`` names only APIs the checker can ban;
- no public check or hidden test imports or reads ``solutions/`` or edits ``sys.path``;
- the public checks do not compute answers with the reference's own code.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from grader.checker.bans import BANS
from grader.course.config import Course, CourseError, Lesson
from grader.course.hints import load_hints
from grader.course.leaks import function_bodies

KNOWN_MARKERS = {"points", "disabled", "parametrize", "skip", "skipif", "xfail",
                 "usefixtures", "filterwarnings"}


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def render(self, root: Path) -> str:
        where = self.path.relative_to(root) if self.path.is_relative_to(root) else self.path
        return f"{where}:{self.line}: {self.message}" if self.line else f"{where}: {self.message}"


def lint_course(course: Course, lessons: list[Lesson] | None = None) -> list[Problem]:
    """Every authoring problem in ``lessons`` (default: all), in lesson order."""
    problems: list[Problem] = []
    for lesson in lessons or list(course.lessons):
        problems += lint_lesson(course, lesson)
    try:
        load_hints(course)
    except CourseError as exc:
        problems.append(Problem(course.root / "hints.toml", 0, str(exc).split(": ", 1)[-1]))
    return problems


def lint_lesson(course: Course, lesson: Lesson) -> list[Problem]:
    problems: list[Problem] = []
    problems += _files(course, lesson)
    if problems:
        return problems  # the rest reads these files
    if course.has_master(lesson) and course.stub_path(lesson).is_file():
        problems.append(Problem(course.stub_path(lesson), 0, "the stub is made from the master "
                                f"{course.solution_path(lesson).relative_to(course.root)}: "
                                f"delete this hand-kept copy"))
    problems += _stub_matches_reference(course, lesson)
    problems += _bans(course, lesson)
    suites = [course.public_checks_path(lesson),
              *sorted(course.hidden_suite_dir(lesson).rglob("test_*.py"))]
    for suite in suites:
        problems += _suite(course, suite)
    problems += _public_uses_reference(course, lesson)
    return problems


def _files(course: Course, lesson: Lesson) -> list[Problem]:
    found = []
    master = course.solution_path(lesson)
    if not master.is_file():
        found.append(Problem(course.config_path, 0, f"{lesson.id}: the reference "
                             f"{master.relative_to(course.root)} does not exist"))
    try:
        course.stub_source(lesson)
    except CourseError as exc:
        found.append(Problem(master, 0, str(exc)))
    wanted = [(course.public_checks_path(lesson), "the public checks"),
              (course.exercise_dir(lesson) / "notes.md", "the notes"),
              *((path, "a helper file course.toml names") for path in course.helper_paths(lesson))]
    for path, what in wanted:
        if not path.is_file():
            found.append(Problem(path, 0, f"{what} of {lesson.id}: the file does not exist"))
    hidden = course.hidden_suite_dir(lesson)
    if not hidden.is_dir() or not any(hidden.rglob("test_*.py")):
        found.append(Problem(hidden, 0, f"{lesson.id} has no hidden suite (test_*.py files "
                             f"in this folder)"))
    return found


def _signatures(source: bytes) -> dict[str, tuple[int, str]]:
    tree = ast.parse(source)
    return {node.name: (node.lineno, ast.unparse(node.args)) for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")}


def _stub_matches_reference(course: Course, lesson: Lesson) -> list[Problem]:
    master = course.solution_path(lesson)
    stub_file = course.stub_path(lesson) if course.stub_path(lesson).is_file() else master
    try:
        stub = _signatures(course.stub_source(lesson))
        reference = _signatures(course.reference_source(lesson))
    except SyntaxError as exc:
        return [Problem(master, exc.lineno or 0, f"not valid Python: {exc.msg}")]
    found = []
    for name, (line, args) in reference.items():
        if name not in stub:
            found.append(Problem(stub_file, 0, f"the stub has no function {name} (the "
                                 f"reference defines it at line {line})"))
        elif stub[name][1] != args:
            found.append(Problem(stub_file, stub[name][0], f"{name}({stub[name][1]}) in the stub "
                                 f"but {name}({args}) in the reference"))
    for name, (line, _) in stub.items():
        if name not in reference:
            found.append(Problem(stub_file, line, f"the stub's function {name} is not in the "
                                 f"reference"))
    return found


def _bans(course: Course, lesson: Lesson) -> list[Problem]:
    found = []
    functions = course.stub_functions(lesson)
    for function, names in lesson.disabled:
        if function not in functions:
            found.append(Problem(course.config_path, 0, f"{lesson.id}: disabled names the "
                                 f"function {function!r}, which the stub does not have"))
        found += [Problem(course.config_path, 0, f"{lesson.id}: disabled.{function} names "
                          f"{name!r}; known: {', '.join(sorted(BANS))}")
                  for name in names if name not in BANS]
    return found


def _suite(course: Course, path: Path) -> list[Problem]:
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except SyntaxError as exc:
        return [Problem(path, exc.lineno or 0, f"not valid Python: {exc.msg}")]
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute) and \
                node.value.attr == "mark" and isinstance(node.value.value, ast.Name) and \
                node.value.value.id == "pytest" and node.attr not in KNOWN_MARKERS:
            found.append(Problem(path, line, f"unknown marker pytest.mark.{node.attr}; "
                                 f"known: {', '.join(sorted(KNOWN_MARKERS))}"))
        if isinstance(node, ast.Call) and _is_mark(node.func, "points"):
            value = node.args[0] if len(node.args) == 1 and not node.keywords else None
            number = value.value if isinstance(value, ast.Constant) else None
            if isinstance(number, bool) or not isinstance(number, (int, float)) or number <= 0:
                found.append(Problem(path, line, "pytest.mark.points takes one positive number"))
        if isinstance(node, ast.Call) and _is_mark(node.func, "disabled"):
            for arg in node.args:
                if isinstance(arg, ast.Constant) and arg.value not in BANS:
                    found.append(Problem(path, line, f"disabled({arg.value!r}) names nothing the "
                                         f"checker can ban; known: {', '.join(sorted(BANS))}"))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            if any(name == "solutions" or name.startswith("solutions.") for name in names):
                found.append(Problem(path, line, "a test imports the reference from solutions/: "
                                     "compute expected values in the test instead"))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                "solutions/" in node.value or node.value == "solutions"):
            found.append(Problem(path, line, "a test names the solutions/ folder: tests never "
                                 "read the reference"))
        if isinstance(node, ast.Attribute) and node.attr == "path" and \
                isinstance(node.value, ast.Name) and node.value.id == "sys":
            found.append(Problem(path, line, "a test changes sys.path: import only the "
                                 "course's API (grader.checks) and the lesson's helper files"))
    return found


def _is_mark(node: ast.AST, name: str) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == name
            and isinstance(node.value, ast.Attribute) and node.value.attr == "mark")


def _public_uses_reference(course: Course, lesson: Lesson) -> list[Problem]:
    reference = function_bodies(course.reference_source(lesson))
    checks = course.public_checks_path(lesson)
    return [Problem(checks, line, "this function computes the answer with the reference's own "
                    "code: write the expected value as a literal or a simpler formula")
            for body, line in function_bodies(checks.read_bytes()).items() if body in reference]
