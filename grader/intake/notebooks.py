"""Reading nbgrader notebooks: a submission's module is its solution cells, in order.

Notebooks are read and validated with ``nbformat`` (the reference implementation of the
format); a malformed one is a ``ValueError`` with one line that says what is wrong. Cells are
found by their nbgrader metadata (``metadata.nbgrader.solution``), not by their text, so a
student cannot smuggle code in as a test cell. Only code cells count.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

from grader.course.times import parse_utc

MAX_NOTEBOOK_BYTES = 4 * 1024 * 1024
TIMESTAMP_FILE = "timestamp.txt"  # nbgrader's record of when a notebook was submitted


def skip_iri_grammars() -> None:
    """Keep jsonschema from importing its optional IRI checker (``rfc3987_syntax``, installed
    with Jupyter), which compiles 38 grammars at import: half a second of every command that
    reads a notebook, for a format nbformat's schema never uses. Call before the first import
    of nbformat or nbgrader; a process that already has jsonschema is left as it is."""
    import sys

    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None in sys.modules: ImportError


def read_notebook(data: bytes):
    """The notebook in ``data`` (nbformat v4), validated; ``ValueError`` in one line if not."""
    skip_iri_grammars()
    try:
        import nbformat
    except ImportError:
        raise ValueError("reading notebooks needs nbformat: pip install the course with its "
                         "nbgrader extra (pip install '.[nbgrader]')") from None

    if len(data) > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"the notebook is larger than {MAX_NOTEBOOK_BYTES} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValueError("not a notebook (not UTF-8 text)") from None
    try:
        data = json.loads(text)
    except ValueError:
        raise ValueError("not a notebook (not JSON)") from None
    if not isinstance(data, dict) or "cells" not in data:
        raise ValueError("not a notebook (no cells)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # missing cell ids: normalize() below adds them
            notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # noqa: BLE001 - nbformat raises many types for bad input
        raise ValueError(f"a malformed notebook ({_first_line(exc)}); "
                         f"open it in Jupyter and save it again") from None
    try:
        _, notebook = nbformat.validator.normalize(notebook)  # e.g. add missing cell ids
        nbformat.validate(notebook)
        notebook = nbformat.from_dict(notebook)
    except nbformat.ValidationError as exc:
        raise ValueError(f"a malformed notebook ({_first_line(exc)}); "
                         f"open it in Jupyter and save it again") from None
    return notebook


def module_from_notebook(data: bytes) -> bytes:
    """The Python module built from a notebook's solution code cells."""
    notebook = read_notebook(data)
    parts = []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        meta = cell.metadata.get("nbgrader", {})
        if isinstance(meta, dict) and meta.get("solution") is True:
            parts.append(cell.source)
    if not parts:
        raise ValueError("no solution cells (is this an nbgrader notebook?)")
    return ("\n\n".join(part.rstrip("\n") for part in parts) + "\n").encode()


def submission_time(notebook_path: Path) -> dt.datetime | None:
    """When nbgrader recorded the submission (``timestamp.txt`` beside the notebook)."""
    stamp = Path(notebook_path).parent / TIMESTAMP_FILE
    if not stamp.is_file():
        return None
    try:
        return parse_utc(stamp.read_text(encoding="utf-8", errors="replace"))
    except ValueError:
        raise ValueError(f"{TIMESTAMP_FILE} does not hold a time") from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:200]
