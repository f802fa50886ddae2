"""Babel extraction methods for what the course says to students (``scripts/i18n.sh`` uses
them through ``pybabel extract -F``): the suites' words, the hints and the course file.

Each yields ``(line, funcname, message, comments)`` as Babel expects.

- ``extract_suite``: a test's description (the first line of its docstring), and the first
  literal argument of ``t(...)``, ``N_(...)``, ``Mistake(...)``, ``Mismatch(...)``,
  ``SubmissionProblem(...)``, plus literal ``what=`` and ``why=`` arguments.
- ``extract_hints``: every hint of one lesson (option ``lesson``) in ``hints.toml``.
- ``extract_course``: the course's name and the lessons' titles in ``course.toml``.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator

CALLS = {"t", "N_", "Mistake", "Mismatch", "SubmissionProblem"}
KEYWORDS = {"what", "why", "nonfinite"}


def extract_suite(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    tree = ast.parse(fileobj.read())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            doc = ast.get_docstring(node)
            if doc and doc.strip():
                yield node.lineno, None, doc.strip().splitlines()[0], ["a check's description"]
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else (
                node.func.attr if isinstance(node.func, ast.Attribute) else "")
            if name in CALLS and node.args and _literal(node.args[0]):
                yield node.lineno, None, node.args[0].value, []
            for keyword in node.keywords:
                if keyword.arg in KEYWORDS and _literal(keyword.value):
                    yield node.lineno, None, keyword.value.value, []


def extract_hints(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    data = tomllib.loads(fileobj.read().decode("utf-8"))
    for function, hints in data.get(options.get("lesson", ""), {}).items():
        for hint in hints:
            yield 0, None, hint, [f"a hint for {function}"]


def extract_course(fileobj, keywords, comment_tags, options) -> Iterator[tuple]:
    data = tomllib.loads(fileobj.read().decode("utf-8"))
    yield 0, None, data["course"]["name"], ["the course's name"]
    for lesson in data.get("lessons", []):
        yield 0, None, lesson["title"], [f"the title of {lesson['id']}"]


def _literal(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)
