"""Copied text, found by content: runs of consecutive significant lines.

The student release and the nbgrader export both refuse to write anything that repeats a
block of private text (solutions, hidden suites, the catalog); this is how a block is found.
"""

from __future__ import annotations

import ast

MIN_LINE = 24  # shorter lines ("return x", "import torch") are common to any code
WINDOW = 3  # consecutive significant lines that make a copied block


def line_runs(text: str) -> dict[tuple[str, ...], int]:
    """Runs of WINDOW consecutive significant lines, with the line number of the first."""
    lines = [(number, " ".join(line.split())) for number, line in
             enumerate(text.splitlines(), start=1)]
    significant = [(number, line) for number, line in lines if _significant(line)]
    return {
        tuple(line for _, line in significant[i : i + WINDOW]): significant[i][0]
        for i in range(len(significant) - WINDOW + 1)
    }


def _significant(line: str) -> bool:
    return len(line) >= MIN_LINE and not line.startswith(("#", "import ", "from ", '"""', "'''"))


def function_bodies(source: bytes) -> dict[str, int]:
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
