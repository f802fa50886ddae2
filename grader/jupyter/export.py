"""Export the course as an nbgrader course folder.

Layout written to ``OUT``::

    nbgrader_config.py                    course id, exchange, this folder, the course folder
    source/<lesson>/<lesson>.ipynb        notes; per function its answer cell and a locked
                                          cell running its public checks; one locked cell
                                          per hidden test
    source/<lesson>/test_<module>.py      the public checks the public cells run
    source/<lesson>/<lesson>.course.toml  the lesson's public facts from course.toml
    source/<lesson>/<helper files>        the rest of the exercise folder (lesson6's model,
                                          data and its licence)
    source/<lesson>/locale/<lang>/...     (``--lang`` other than English) the lesson's and the
                                          course's compiled catalogs, public messages only

Each function's cell is the stub's signature, docstring and task message with the reference
body between ``### BEGIN SOLUTION`` / ``### END SOLUTION`` (private helpers and constants of
the reference that the body uses are defined inside that region, so nothing but the stub
survives ``nbgrader generate_assignment``). Which public checks belong to which function is
learnt by running them on the reference (``grader.jupyter.cells``); the graded cells' points
add up to the lesson's ``points``. The hidden cells hold no test source: they call
``grader.jupyter.kernel.hidden_check``, which finds the hidden suites through the
``TORCH_GRADER_COURSE`` environment variable that ``nbgrader_config.py`` sets. nbgrader copies
every non-notebook file of ``source/`` into the student release, so only the exercise
folder's public files go there, and the written notebook is checked for hidden-suite text.

A translated edition (``lang``, e.g. ``zh``) writes the notebook's words from ``TEXT[lang]``,
the notes from ``notes.<lang>.md``, the lesson's title through the course's catalog and the
graded cells' comments in that language; the facts file lists ``lang`` first among the
course's languages, which is how the kernel knows the notebook's language, and ``locale/``
beside the notebook holds the catalogs the kernel renders the checks' words with (filtered as
``grader release`` filters them: never a hidden suite's wording).
"""

from __future__ import annotations

import ast
import re
import shutil
import textwrap
from dataclasses import dataclass, replace
from pathlib import Path

from grader.course.config import (
    Course,
    CourseError,
    Lesson,
    load_course,
    parse_course,
    public_toml,
)
from grader.course.errors import UserError
from grader.course.files import write_atomic
from grader.course.i18n import (
    COURSE_DOMAIN,
    LOCALE_DIR,
    lesson_catalogs,
    normalise,
    render,
    write_public_catalogs,
)
from grader.course.results import LessonResult, format_points
from grader.jupyter.cells import HIDDEN, PUBLIC, GradeCell, cell_source, plan_cells, wrap

COURSE_ENV = "TORCH_GRADER_COURSE"
CONFIG_FILE = "nbgrader_config.py"
DEFAULT_EXCHANGE = "/srv/nbgrader/exchange"
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
SCHEMA_VERSION = 3
NOTES_FILE = "notes.md"

# Everything the notebook says besides the lesson's own text, per language (the seam for
# translated editions: a language adds its entry here, its notes.<lang>.md, and its catalogs
# in locale/; the graded cells' words are gettext messages of the package).
TEXT = {
    "en": {
        "module": "the cells below",  # the notes name the module file; notebooks have cells
        "notes_above": "the notes above",  # the task messages point at notes.md
        "see_section": "see the notes above, section {section}",  # (their usual words)
        "intro": (
            "**{title}** — write each function in its answer cell below (only inside the "
            "function; keep its name and signature). Together your answer cells are the module "
            "`{module}` that is graded, so messages that name `{module}` mean them.\n\n"
            "After each function a locked cell runs its public checks ({checks}, beside this "
            "notebook) with the same messages as `course check`: run it after every change. "
            "**Validate** passes only when every public check passes. The locked cells at the "
            "end are the hidden tests: they run when your notebook is graded.\n\n"
        ),
        "hidden_heading": (
            "## Hidden tests ({points} of the lesson's {total} points)\n\n"
            "One locked cell per hidden test. They need the course's hidden suites, which exist "
            "only where your notebook is graded: here they only say so."
        ),
    },
    "zh": {
        "module": "下面的单元格",
        "notes_above": "上面的讲义",
        "see_section": "见上面讲义中的 {section} 一节",  # the notes' headings keep the English
        "intro": (
            "**{title}** —— 在下面每个函数的答案单元格里写出这个函数（只改函数内部，函数名和"
            "签名保持不变）。你的所有答案单元格合在一起，就是要评分的模块 `{module}`，所以提示"
            "信息里说到 `{module}` 时，指的就是这些单元格。\n\n"
            "每个函数后面都有一个锁定的单元格，运行这个函数的公开检查（本笔记本旁边的 {checks}），"
            "提示信息和 `course check` 打印的一样：每次修改之后都运行一下。只有全部公开检查都通过，"
            "**Validate** 才会通过。末尾那些锁定的单元格是隐藏测试：它们在你的笔记本评分时运行。"
            "\n\n"
        ),
        "hidden_heading": (
            "## 隐藏测试（占本课 {total} 分中的 {points} 分）\n\n"
            "每个隐藏测试一个锁定的单元格。它们需要课程的隐藏测试集，而隐藏测试集只在给你的笔记本"
            "评分的地方才有：在这里，它们只会说明这一点。"
        ),
    },
}


class NbgraderError(UserError):
    """The course cannot be exported or graded for nbgrader as asked; the message says why."""


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


def facts_file(lesson_id: str) -> str:
    """The name of the file beside a lesson's notebook that holds its public facts."""
    return f"{lesson_id}.course.toml"


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
    body = textwrap.dedent("\n".join(lines)).splitlines()
    return [indent + line if line.strip() else "" for line in body]


def _task_lines(stub_node: ast.FunctionDef, indent: str, lang: str) -> list[str]:
    """The stub's ``raise NotImplementedError("Your task: ...")`` message, wrapped for a comment."""
    for node in stub_node.body:
        if (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)
                and ast.unparse(node.exc.func).endswith("NotImplementedError") and node.exc.args
                and isinstance(node.exc.args[0], ast.Constant)
                and isinstance(node.exc.args[0].value, str)):
            message = re.sub(rf"\bsee {re.escape(NOTES_FILE)}, section (.+)$",
                             lambda found: TEXT[lang]["see_section"].format(section=found[1]),
                             node.exc.args[0].value)
            message = message.replace(NOTES_FILE, TEXT[lang]["notes_above"])
            return wrap(message, max(40, 96 - len(indent) - 2), lang)
    return []


def function_cells(course: Course, lesson: Lesson, *,
                   lang: str = "en") -> list[tuple[str, str]]:
    """(function name, cell source) per stub function, the first one opening with the imports.

    The stub's task message stays as a comment above the solution region, so the released
    cell still says what to do (with "the notes above" for ``notes.md``).
    """
    ref_path = course.solution_path(lesson)
    stub_text = course.stub_source(lesson).decode("utf-8")
    ref_text = course.reference_source(lesson).decode("utf-8")
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
        task = [f"{indent}# {line}" for line in _task_lines(stub_node, indent, lang)]
        region = [*task, indent + BEGIN, *inlined, *_dedent_to(body, indent), indent + END]
        text = "\n".join(head + region)
        if number == 0 and preamble_text:
            text = preamble_text + "\n\n\n" + text
        cells.append((name, text))
    return cells


def _meta(**fields) -> dict:
    meta = {"grade": False, "solution": False, "locked": False, "schema_version": SCHEMA_VERSION}
    meta.update(fields)
    return {"nbgrader": meta}


def notebook_notes(course: Course, lesson: Lesson, *, lang: str = "en") -> str:
    """The lesson's notes as the notebook shows them: the module's file name becomes "the
    cells below" (a notebook student has no ``sgd.py``)."""
    name = NOTES_FILE if lang == "en" else f"notes.{lang}.md"
    path = course.exercise_dir(lesson) / name
    if not path.is_file():
        return f"# {lesson_title(course, lesson, lang)}\n"
    text = path.read_text(encoding="utf-8")
    module = rf"`?(?<![\w./-]){re.escape(lesson.module)}\b`?"
    if lang == "en":
        mention = re.compile(rf"(?:\b(?:your|the)\s+)?{module}")
    else:  # no space between the cells' name and the words around it
        mention = re.compile(rf"(?:(?<=[^\x00-\x7f]) )?{module}(?: (?=[^\x00-\x7f]))?")
    return mention.sub(TEXT[lang]["module"], text)


def lesson_title(course: Course, lesson: Lesson, lang: str = "en") -> str:
    """The lesson's title in ``lang`` (through the course's catalog)."""
    return render(lesson.title, lang, lesson_catalogs(course, lang, lesson.id))


def grade_cells(course: Course, lesson: Lesson, reference: LessonResult) -> list[GradeCell]:
    """The lesson's graded cells, from the public checks' results on the reference."""
    failed = [test for test in reference.tests if test.public and not test.passed]
    if reference.problem or failed:
        why = reference.problem or f"{failed[0].name}: {failed[0].instructor_text()}"
        raise NbgraderError(f"refusing to export {lesson.id}: the reference "
                            f"{course.solution_path(lesson)} fails its public checks ({why}); "
                            f"fix it first (grader validate --lesson {lesson.id})")
    hidden = [(test.name, test.points) for test in hidden_tests(course, lesson)]
    return plan_cells(lesson.points, course.stub_functions(lesson), reference.tests, hidden)


def build_notebook(course: Course, lesson: Lesson, cells: list[GradeCell], *, lang: str = "en"):
    """The instructor's (source) notebook of one lesson, as an nbformat v4 notebook."""
    import nbformat
    from nbformat import v4

    text = TEXT[lang]
    checks_file = course.public_checks_path(lesson).name
    stub_tree = ast.parse(course.stub_source(lesson))
    about = ast.get_docstring(stub_tree) or ""
    intro = text["intro"].format(title=lesson_title(course, lesson, lang), module=lesson.module,
                                 checks=f"`{checks_file}`")
    intro += f"```\n{about}\n```\n\n" if about else ""
    notebook_cells = [v4.new_markdown_cell(intro + notebook_notes(course, lesson, lang=lang),
                                           metadata=_meta(locked=True, grade_id="notes"))]

    def graded(cell: GradeCell):
        return v4.new_code_cell(cell_source(lesson.id, checks_file, lesson.points, cell, lang=lang),
                                metadata=_meta(grade=True, locked=True, grade_id=cell.grade_id,
                                               points=cell.points))

    public = {cell.subject: cell for cell in cells if cell.kind == PUBLIC}
    for name, source in function_cells(course, lesson, lang=lang):
        notebook_cells.append(v4.new_code_cell(source, metadata=_meta(solution=True, grade_id=name)))
        if name in public:
            notebook_cells.append(graded(public[name]))
    hidden = [cell for cell in cells if cell.kind == HIDDEN]
    notebook_cells.append(v4.new_markdown_cell(text["hidden_heading"].format(
        points=format_points(sum(cell.points for cell in hidden)),
        total=format_points(lesson.points)), metadata=_meta(locked=True, grade_id="tests_heading")))
    notebook_cells += [graded(cell) for cell in hidden]
    notebook = v4.new_notebook(cells=notebook_cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"},
    })
    nbformat.validate(notebook)
    return notebook


def lesson_facts(course: Course, lesson: Lesson, lang: str = "en") -> str:
    """The lesson's public facts in course.toml's own format (the kernel reads them back
    with the course's parser): what the public cells need besides the checks, and (first of
    ``[course] languages``) the notebook's language."""
    languages = (lang, *(language for language in course.languages if language != lang))
    return public_toml(replace(course, languages=languages), [lesson], header=(
        f"The public facts of {lesson.id} from course.toml, for the check cells of "
        f"{lesson.id}.ipynb (written by `grader nbgrader export`)."))


def notebook_language(facts_course: Course) -> str:
    """A notebook's language: the first of its facts file's ``[course] languages``."""
    return normalise((facts_course.languages or ("en",))[0]) or "en"


def language_beside(folder: Path, lesson_id: str) -> str:
    """The language of the lesson's notebook in ``folder``, from the facts file beside it
    ("en" when there is none)."""
    facts = Path(folder) / facts_file(lesson_id)
    try:
        return notebook_language(parse_course(facts)) if facts.is_file() else "en"
    except (CourseError, OSError):
        return "en"


def catalog_file(lesson_id: str, lang: str) -> str:
    """The lesson's compiled catalog in ``lang``, relative to its notebook's folder."""
    return f"{LOCALE_DIR}/{lang}/LC_MESSAGES/{lesson_id}.mo"


def notebook_catalogs(course: Course, lesson: Lesson, folder: Path, lang: str) -> list[Path]:
    """``folder/locale/``: the lesson's (and the course's) compiled catalogs in ``lang``,
    with only the messages public files use, as the student release ships them. Nothing
    for English."""
    if lang == "en":
        return []
    return write_public_catalogs(course, folder / LOCALE_DIR,
                                 domains=(lesson.id, COURSE_DOMAIN), languages=(lang,))


def _catalog_source(course: Course, lesson: Lesson, lang: str) -> Path:
    return course.root / LOCALE_DIR / lang / "LC_MESSAGES" / f"{lesson.id}.po"


def notebook_files(course: Course, lesson: Lesson) -> list[Path]:
    """The exercise folder's files that go beside the notebook: everything a student who runs
    ``course fetch`` gets, except the module (the notebook replaces it) and the notes (the
    notebook shows them)."""
    folder = course.exercise_dir(lesson)
    return [path for path in sorted(folder.iterdir())
            if path.is_file() and not path.name.startswith(".") and path.name != lesson.module
            and not re.fullmatch(r"notes(\.[\w-]+)?\.md", path.name)]


def reference_results(course: Course, lessons: list[Lesson]) -> dict[str, LessonResult]:
    """Each lesson's public checks run on its reference (sandboxed, like `course check`)."""
    from grader.course.config import runner_preload
    from grader.engine.grading import Submission, grade
    from grader.sandbox.host import RunnerHost

    results = {}
    with RunnerHost(runner_preload(lessons)) as host:
        for lesson in lessons:
            reference = Submission("reference", course.reference_source(lesson))
            (results[lesson.id],) = grade(course, lesson, [reference], host=host, hidden=False)
    return results


# ---------------------------------------------------------------------- the course folder


CONFIG = '''\
# nbgrader configuration for {name!r}, written by `grader nbgrader export`.
# nbgrader's instructor commands read it when run in this folder; formgrader reads it when the
# instructor's ~/.jupyter/nbgrader_config.py loads it (see docs/jupyterhub.md).
import os

c = get_config()  # noqa: F821 (provided by nbgrader)

# This folder is the nbgrader course: source/, release/, submitted/, autograded/, gradebook.db.
# Formgrader needs it inside the instructor's server root (their home folder on JupyterHub).
c.CourseDirectory.root = {out!r}

# The course id students fetch and submit under.
c.CourseDirectory.course_id = {course_id!r}

# The exchange: one folder shared by every JupyterHub user's server, world-writable with the
# sticky bit (chmod 1777). Instructors release into it and collect from it; students fetch
# from it and submit to it.
c.Exchange.root = {exchange!r}

# The course folder (course.toml, the hidden suites): `grader nbgrader export` and `grade`
# read it from here, and the kernels that `nbgrader autograde` starts find the hidden suites
# through this variable. It is never in the student release.
os.environ.setdefault({env!r}, {course_root!r})

# The first public cell of a notebook runs its public checks, the first hidden cell its whole
# hidden suite.
c.Execute.timeout = {timeout}
'''


def export(course: Course, out: Path, *, exchange: str = DEFAULT_EXCHANGE,
           lessons: list[Lesson] | None = None, lang: str = "en") -> list[Path]:
    """Write the nbgrader course folder; returns the files written."""
    import nbformat

    if lang not in TEXT:
        raise NbgraderError(f"no notebook text for language {lang!r}; known: {', '.join(TEXT)}")
    out = Path(out).resolve()
    if out == course.root or out in course.root.parents or course.root in out.parents:
        raise NbgraderError(f"{out} overlaps the course folder {course.root}; export elsewhere")
    lessons = list(lessons or course.lessons)
    for lesson in lessons:
        for helper in course.helper_paths(lesson):
            if not helper.is_file():
                raise CourseError(f"{lesson.id} needs {helper}, which is missing")
        if lang != "en" and not _catalog_source(course, lesson, lang).is_file():
            raise NbgraderError(f"{lesson.id} has no {lang} catalog "
                                f"({_catalog_source(course, lesson, lang)}): run "
                                f"`bash scripts/i18n.sh {lesson.id}` and translate it first")
    references = reference_results(course, lessons)
    texts = {}
    for lesson in lessons:
        notebook = build_notebook(course, lesson, grade_cells(course, lesson, references[lesson.id]),
                                  lang=lang)
        text = nbformat.writes(notebook)
        leaks = hidden_text_in(course, "\n".join(cell.source for cell in notebook.cells))
        if leaks:
            raise NbgraderError(f"refusing to export {lesson.id}: the notebook repeats {leaks[0]}")
        texts[lesson.id] = text
    written: list[Path] = []
    for lesson in lessons:
        folder = out / "source" / lesson.id
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        write_atomic(folder / f"{lesson.id}.ipynb", texts[lesson.id])
        write_atomic(folder / facts_file(lesson.id), lesson_facts(course, lesson, lang))
        written += [folder / f"{lesson.id}.ipynb", folder / facts_file(lesson.id)]
        written += notebook_catalogs(course, lesson, folder, lang)
        for path in notebook_files(course, lesson):
            shutil.copy2(path, folder / path.name)
            written.append(folder / path.name)
    config = out / CONFIG_FILE
    write_atomic(config, CONFIG.format(
        name=course.name, out=str(out), course_id=course.id, exchange=str(exchange),
        env=COURSE_ENV, course_root=str(course.root),
        timeout=int(max(60, 2 * course.limits.job_seconds))))
    written.append(config)
    return written


def recorded(folder: Path) -> dict[str, str]:
    """What an exported ``nbgrader_config.py`` records (read, never run): ``course`` (the
    course folder) and ``exchange``, where present."""
    path = Path(folder) / CONFIG_FILE
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return {}
    found = {}
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and ast.unparse(node.func) == "os.environ.setdefault"
                and [getattr(arg, "value", None) for arg in node.args[:1]] == [COURSE_ENV]
                and len(node.args) == 2 and isinstance(node.args[1], ast.Constant)):
            found["course"] = str(node.args[1].value)
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and ast.unparse(node.targets[0]) == "c.Exchange.root"
                and isinstance(node.value, ast.Constant)):
            found["exchange"] = str(node.value.value)
    return found


def course_for(folder: Path, course_path: Path | None) -> Course:
    """The course to export into or grade ``folder``: ``--course``, else the one the folder's
    nbgrader_config.py records, else the course found from the current folder."""
    if course_path is not None:
        return load_course(course_path)
    config = Path(folder) / CONFIG_FILE
    named = recorded(folder).get("course")
    if named is not None:
        if not (Path(named) / "course.toml").is_file():
            raise NbgraderError(f"{config} names the course folder {named} ({COURSE_ENV}), "
                                f"which has no course.toml; pass --course PATH")
        return load_course(Path(named))
    try:
        return load_course(None)
    except CourseError:
        why = (f"{config} names no course folder" if config.is_file() else
               f"{folder} has no {CONFIG_FILE} from `grader nbgrader export`")
        raise NbgraderError(f"which course? {why}, and there is no course.toml here or above; "
                            f"pass --course PATH") from None


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

