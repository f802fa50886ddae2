"""Export the course as an nbgrader course folder.

Layout written to ``OUT``::

    nbgrader_config.py              course id, exchange, where the hidden suites are
    source/<lesson>/<lesson>.ipynb  notes, one autograded-answer cell per function, locked tests
    source/<lesson>/<helper files>  what the lesson needs at run time (lesson6's model, data)

Each function's cell is the stub's signature and docstring with the reference body between
``### BEGIN SOLUTION`` / ``### END SOLUTION`` (private helpers and constants of the reference
that the body uses are defined inside that region, so nothing but the stub survives
``nbgrader generate_assignment``). The locked test cells mirror the hidden suite, one cell per
hidden test function with its points; they hold no test source: they call
``grader.jupyter.kernel.hidden_check``, which finds the hidden suites through the
``TORCH_GRADER_COURSE`` environment variable that ``nbgrader_config.py`` sets. nbgrader copies
every non-notebook file of ``source/`` into the student release, so nothing private is ever
written there, and the written notebook is checked for hidden-suite text.
"""

from __future__ import annotations

import ast
import shutil
from dataclasses import dataclass
from pathlib import Path

from grader.course.config import Course, CourseError, Lesson

COURSE_ENV = "TORCH_GRADER_COURSE"
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SCHEMA_VERSION = 3


@dataclass(frozen=True)
class HiddenTest:
    name: str  # the test function's name, also the cell's grade_id
    points: float
    file: str


def hidden_tests(course: Course, lesson: Lesson) -> list[HiddenTest]:
    """The hidden suite's test functions and their points (read, not imported)."""
    found: list[HiddenTest] = []
    folder = course.hidden_suite_dir(lesson)
    for path in sorted(folder.rglob("test_*.py")):
        tree = ast.parse(path.read_bytes(), filename=str(path))
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test_"):
                points = 1.0
                for decorator in node.decorator_list:
                    if (isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("mark.points")
                            and decorator.args and isinstance(decorator.args[0], ast.Constant)):
                        points = float(decorator.args[0].value)
                if any(t.name == node.name for t in found):
                    raise CourseError(f"{path}: test {node.name} also exists in another hidden "
                                      f"file of {lesson.id}; nbgrader cells need unique names")
                found.append(HiddenTest(node.name, points, path.name))
    if not found:
        raise CourseError(f"{lesson.id} has no hidden tests in {folder}")
    return found


def test_function_of(result_name: str) -> str:
    """``test_x.py::test_f[float64-1]`` -> ``test_f`` (a TestResult's name to its cell)."""
    return result_name.split("::")[-1].split("[")[0]


# ---------------------------------------------------------------------- notebook cells


def _lines(text: str, first: int, last: int) -> list[str]:
    return text.splitlines()[first - 1:last]


def _segment(text: str, node: ast.stmt) -> str:
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return "\n".join(_lines(text, first, node.end_lineno))


def _has_docstring(node: ast.FunctionDef) -> bool:
    return bool(node.body) and isinstance(node.body[0], ast.Expr) and isinstance(
        node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str)


def _defined_names(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return set()


def _used_names(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _dedent_to(lines: list[str], indent: str) -> list[str]:
    import textwrap

    body = textwrap.dedent("\n".join(lines)).splitlines()
    return [indent + line if line.strip() else "" for line in body]


def function_cells(course: Course, lesson: Lesson) -> list[tuple[str, str]]:
    """(function name, cell source) per stub function, the first one opening with the imports."""
    stub_path, ref_path = course.stub_path(lesson), course.solution_path(lesson)
    stub_text = stub_path.read_text(encoding="utf-8")
    ref_text = ref_path.read_text(encoding="utf-8")
    stub_tree, ref_tree = ast.parse(stub_text), ast.parse(ref_text)
    public = course.stub_functions(lesson)
    stub_defs = {n.name: n for n in stub_tree.body if isinstance(n, ast.FunctionDef) and n.name in public}
    ref_defs = {n.name: n for n in ref_tree.body if isinstance(n, ast.FunctionDef)}
    missing = [name for name in public if name not in ref_defs]
    if missing:
        raise CourseError(f"{ref_path}: no reference for {', '.join(missing)}")

    # The preamble: the stub's module-level statements (imports, aliases, constants), plus
    # the reference's imports the stub lacks; __future__ imports first.
    preamble: list[ast.stmt] = []
    stub_defined: set[str] = set()
    for index, node in enumerate(stub_tree.body):
        docstring = index == 0 and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if docstring or (isinstance(node, ast.FunctionDef) and node.name in public):
            continue
        preamble.append(node)
        stub_defined |= _defined_names(node)
        stub_defined |= {a.asname or a.name.split(".")[0] for a in getattr(node, "names", [])
                         if isinstance(node, (ast.Import, ast.ImportFrom))}
    stub_imports = {ast.unparse(n) for n in preamble if isinstance(n, (ast.Import, ast.ImportFrom))}
    lines = [(_segment(stub_text, n), isinstance(n, ast.ImportFrom) and n.module == "__future__")
             for n in preamble]
    for node in ref_tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) and ast.unparse(node) not in stub_imports:
            lines.append((_segment(ref_text, node), isinstance(node, ast.ImportFrom)
                          and node.module == "__future__"))
    lines.sort(key=lambda item: not item[1])  # stable: __future__ first
    preamble_text = "\n".join(text for text, _ in lines)

    # Reference-only helpers (private functions, classes, constants) a body may need.
    helpers: dict[str, ast.stmt] = {}
    for node in ref_tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr)):
            continue
        for name in _defined_names(node) - set(public) - stub_defined:
            helpers[name] = node
    order = {id(node): i for i, node in enumerate(ref_tree.body)}

    cells = []
    for number, name in enumerate(public):
        stub_node, ref_node = stub_defs[name], ref_defs[name]
        head_end = stub_node.body[0].end_lineno if _has_docstring(stub_node) else stub_node.body[0].lineno - 1
        first = min([stub_node.lineno, *(d.lineno for d in stub_node.decorator_list)])
        head = _lines(stub_text, first, head_end)
        body_nodes = ref_node.body[1:] if _has_docstring(ref_node) else ref_node.body
        if not body_nodes:
            raise CourseError(f"{ref_path}: {name} has no body")
        start = (ref_node.body[0].end_lineno + 1) if _has_docstring(ref_node) else body_nodes[0].lineno
        body = _lines(ref_text, start, ref_node.end_lineno)
        while body and not body[0].strip():
            body.pop(0)
        indent = " " * stub_node.body[0].col_offset
        # helpers this body needs, transitively, in the reference's order
        needed: dict[int, ast.stmt] = {}
        pending = _used_names(ref_node)
        while pending:
            used = pending.pop()
            node = helpers.get(used)
            if node is not None and id(node) not in needed:
                needed[id(node)] = node
                pending |= _used_names(node)
        inlined: list[str] = []
        for node in sorted(needed.values(), key=lambda n: order[id(n)]):
            inlined += _dedent_to(_segment(ref_text, node).splitlines(), indent) + [""]
        region = [indent + BEGIN, *inlined, *_dedent_to(body, indent), indent + END]
        text = "\n".join(head + region)
        if number == 0 and preamble_text:
            text = preamble_text + "\n\n\n" + text
        cells.append((name, text))
    return cells


def _meta(**fields) -> dict:
    meta = {"grade": False, "solution": False, "locked": False, "schema_version": SCHEMA_VERSION}
    meta.update(fields)
    return {"nbgrader": meta}


def test_cell_source(lesson: Lesson, test: HiddenTest) -> str:
    return (f"# Autograder test ({test.points:g} points): {test.name} from the hidden suite.\n"
            f"# It runs on your functions when the notebook is graded; its checks are not shown.\n"
            f"from grader.jupyter.kernel import hidden_check\n"
            f"hidden_check({lesson.id!r}, {test.name!r}, globals())")


def build_notebook(course: Course, lesson: Lesson):
    """The instructor's (source) notebook of one lesson, as an nbformat v4 notebook."""
    import nbformat
    from nbformat import v4

    notes_path = course.exercise_dir(lesson) / "notes.md"
    notes = notes_path.read_text(encoding="utf-8") if notes_path.is_file() else f"# {lesson.title}\n"
    stub_tree = ast.parse(course.stub_path(lesson).read_bytes())
    about = ast.get_docstring(stub_tree) or ""
    intro = (f"**{lesson.title}** — complete each function in the cells below (write only "
             f"inside the function; keep its name and signature). The locked cells at the end "
             f"are the autograder's tests: they run the course's hidden checks on your functions "
             f"when your notebook is graded.\n\n" + (f"```\n{about}\n```\n\n" if about else ""))
    cells = [v4.new_markdown_cell(intro + notes, metadata=_meta(locked=True, grade_id="notes"))]
    for name, source in function_cells(course, lesson):
        cells.append(v4.new_code_cell(source, metadata=_meta(solution=True, grade_id=name)))
    tests = hidden_tests(course, lesson)
    total = sum(t.points for t in tests)
    cells.append(v4.new_markdown_cell(
        f"## Autograder tests ({total:g} points)\n\nOne locked cell per hidden test. They need "
        f"the course's hidden suites, which exist only where your notebook is graded: here "
        f"they only say so.", metadata=_meta(locked=True, grade_id="tests_heading")))
    for test in tests:
        cells.append(v4.new_code_cell(test_cell_source(lesson, test), metadata=_meta(
            grade=True, locked=True, grade_id=test.name, points=test.points)))
    notebook = v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return notebook


# ---------------------------------------------------------------------- the course folder


CONFIG = '''\
# nbgrader configuration for {name!r}, written by `grader nbgrader export`.
# Run nbgrader's instructor commands from this folder (or point --CourseDirectory.root here).
import os

c = get_config()  # noqa: F821 (provided by nbgrader)

# The course id students fetch and submit under.
c.CourseDirectory.course_id = {course_id!r}

# The exchange: one folder shared by every JupyterHub user's server (mounted in the
# single-user image), world-writable with the sticky bit (chmod 1777). Instructors release
# into it and collect from it; students fetch from and submit to it.
c.Exchange.root = {exchange!r}

# The locked test cells call grader.jupyter.kernel.hidden_check, which reads the hidden suites
# from this course folder. Setting the variable here makes it reach the kernels that
# `nbgrader autograde` starts; it is never in the student release.
os.environ.setdefault({env!r}, {course_root!r})

# The first test cell of a notebook runs its whole hidden suite once.
c.Execute.timeout = {timeout}

# `grader nbgrader grade .` grades submitted/ in the course's sandbox instead of a kernel and
# writes the scores into this course's gradebook (gradebook.db here, nbgrader's default).
'''


def export(course: Course, out: Path, *, exchange: str = DEFAULT_EXCHANGE,
           lessons: list[Lesson] | None = None) -> list[Path]:
    """Write the nbgrader course folder; returns the files written."""
    out = Path(out).resolve()
    if out == course.root or out in course.root.parents or course.root in out.parents:
        raise CourseError(f"{out} overlaps the course folder {course.root}; export elsewhere")
    written: list[Path] = []
    notebooks = {}
    for lesson in lessons or course.lessons:
        for helper in course.helper_paths(lesson):
            if not helper.is_file():
                raise CourseError(f"{lesson.id} needs {helper}, which is missing")
        notebooks[lesson.id] = (lesson, build_notebook(course, lesson))
    for lesson_id, (lesson, notebook) in notebooks.items():
        import nbformat

        text = nbformat.writes(notebook)
        leaks = hidden_text_in(course, text)
        if leaks:
            raise CourseError(f"refusing to export {lesson_id}: the notebook repeats {leaks[0]}")
        folder = out / "source" / lesson_id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        (folder / f"{lesson_id}.ipynb").write_text(text, encoding="utf-8")
        written.append(folder / f"{lesson_id}.ipynb")
        for helper in course.helper_paths(lesson):
            shutil.copy2(helper, folder / helper.name)
            written.append(folder / helper.name)
    config = out / "nbgrader_config.py"
    config.write_text(CONFIG.format(
        name=course.name, course_id=course.id, exchange=str(exchange), env=COURSE_ENV,
        course_root=str(course.root), timeout=int(max(60, 2 * course.limits.job_seconds))))
    written.append(config)
    return written


def hidden_text_in(course: Course, text: str) -> list[str]:
    """Hidden-suite text (3 significant lines in a row) that ``text`` repeats."""
    from grader.course.config import HIDDEN_DIR
    from grader.course.leaks import line_runs

    mine = set(line_runs(text))
    found = []
    for folder in (course.root / HIDDEN_DIR,):
        for path in sorted(folder.rglob("*.py")) if folder.is_dir() else []:
            for window, line in line_runs(path.read_text(errors="replace")).items():
                if window in mine:
                    found.append(f"{path.relative_to(course.root)}:{line}")
    return found
