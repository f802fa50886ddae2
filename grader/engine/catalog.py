"""A lesson's catalog (``tests/catalog/<lesson>/``): the solutions that prove its suites.

Two kinds of entry:

- ``mistake_<name>.diff``: a realistic wrong solution as a small patch against the
  reference (a unified diff, as ``diff -u`` or ``grader new-mistake`` writes it), after a
  header of two lines::

      mistake: the factor 2 from the square is dropped in dw
      named: factor 2
      --- reference
      +++ mistake
      @@ -61,1 +61,1 @@
      -    dw = 2 * (x * residual).mean() if x.dim() == 1 else 2 * (x.T @ residual) / n
      +    dw = (x * residual).mean() if x.dim() == 1 else (x.T @ residual) / n

  ``named:`` is a phrase the feedback must contain for the mistake to count as named.
- ``correct_<style>.py`` (and, for a mistake that is a whole other way of writing the module,
  ``mistake_<name>.py``): a complete module whose docstring starts with ``correct: <style>``
  or ``mistake: …`` / ``named: …``.

A patch whose context no longer matches the reference is an error that names the file and
the hunk, so a catalog never silently tests something else.
"""

from __future__ import annotations

import ast
import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from grader.course.config import CourseError

HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True)
class CatalogEntry:
    path: Path
    kind: str  # "mistake" or "correct"
    description: str
    source: bytes
    named: str = ""


def read_catalog(folder: Path, reference: bytes) -> list[CatalogEntry]:
    """Every entry in ``folder`` (sorted by file name); bad headers or patches are errors."""
    entries = []
    if not folder.is_dir():
        return entries
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".py", ".diff")):
        if path.suffix == ".diff":
            header, _, diff = _split_patch(path)
            source = apply_patch(reference.decode("utf-8"), diff, path.name).encode("utf-8")
        else:
            source = path.read_bytes()
            try:
                header = _docstring_header(ast.get_docstring(ast.parse(source)) or "")
            except SyntaxError as exc:
                raise CourseError(f"{path}: not valid Python ({exc.msg}, line {exc.lineno})") from None
        if "mistake" in header:
            entries.append(CatalogEntry(path, "mistake", header["mistake"], source,
                                        header.get("named", "")))
        elif "correct" in header:
            entries.append(CatalogEntry(path, "correct", header["correct"], source))
        else:
            raise CourseError(f"{path}: the docstring must start with 'mistake:' or 'correct:'")
    return entries


def _docstring_header(doc: str) -> dict[str, str]:
    lines = [line.strip() for line in doc.splitlines() if line.strip()]
    header = dict(line.split(":", 1) for line in lines if ":" in line.split(" ", 1)[0])
    return {k.strip().lower(): v.strip() for k, v in header.items()}


def _split_patch(path: Path) -> tuple[dict[str, str], str, str]:
    text = path.read_text(encoding="utf-8")
    head, marker, rest = text.partition("\n--- ")
    if not marker:
        raise CourseError(f"{path}: not a patch: no '--- ' line after the mistake: and "
                          f"named: header")
    header = _docstring_header(head)
    return header, head, "--- " + rest


def apply_patch(original: str, diff: str, name: str = "patch") -> str:
    """``original`` with the unified diff ``diff`` applied; every hunk's context must match
    exactly (at the line it names, or wherever else it is unique)."""
    lines = original.splitlines(keepends=True)
    hunks = _hunks(diff, name)
    if not hunks:
        raise CourseError(f"{name}: the patch has no hunk (@@ … @@)")
    offset = 0
    for number, (start, old, new) in enumerate(hunks, start=1):
        at = _find(lines, old, start - 1 + offset)
        if at is None:
            raise CourseError(f"{name}: hunk {number} (at line {start}) does not match the "
                              f"reference any more; make the patch again from the reference")
        lines[at : at + len(old)] = new
        offset += len(new) - len(old)
    return "".join(lines)


def _hunks(diff: str, name: str) -> list[tuple[int, list[str], list[str]]]:
    hunks: list[tuple[int, list[str], list[str]]] = []
    current: tuple[int, list[str], list[str]] | None = None
    for line in diff.splitlines(keepends=True):
        match = HUNK.match(line)
        if match:
            current = (int(match.group(1)), [], [])
            hunks.append(current)
        elif current is None or line.startswith(("--- ", "+++ ", "\\")):
            continue
        elif line[:1] in (" ", "-", "+"):
            body = line[1:] if line.endswith("\n") else line[1:] + "\n"
            if line[0] in " -":
                current[1].append(body)
            if line[0] in " +":
                current[2].append(body)
        elif line.strip() == "":
            current[1].append("\n")
            current[2].append("\n")
        else:
            raise CourseError(f"{name}: a line in a hunk must start with ' ', '-' or '+': "
                              f"{line.rstrip()[:60]!r}")
    return hunks


def _find(lines: list[str], old: list[str], hint: int) -> int | None:
    if not old:
        return max(0, min(hint, len(lines)))
    normal = [line.rstrip("\n") for line in lines]
    wanted = [line.rstrip("\n") for line in old]
    starts = [i for i in range(len(lines) - len(old) + 1) if normal[i : i + len(old)] == wanted]
    if not starts:
        return None
    return min(starts, key=lambda i: abs(i - hint))


def make_patch(reference: str, mistaken: str, *, mistake: str, named: str) -> str:
    """A catalog patch: the header, then ``mistaken`` as a unified diff against ``reference``."""
    diff = "".join(difflib.unified_diff(reference.splitlines(keepends=True),
                                        mistaken.splitlines(keepends=True),
                                        "reference", "mistake", n=2))
    if not diff:
        raise CourseError("the file is the reference itself: there is no mistake to record")
    return f"mistake: {mistake}\nnamed: {named}\n{diff}"
