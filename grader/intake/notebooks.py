"""Reading nbgrader notebooks: a submission's module is its solution cells, in order.

Cells are found by their nbgrader metadata (``metadata.nbgrader.solution``), not by their
text, so a student cannot smuggle code in as a test cell. Only code cells count.
"""

from __future__ import annotations

import json

MAX_NOTEBOOK_BYTES = 4 * 1024 * 1024


def module_from_notebook(data: bytes) -> bytes:
    """The Python module built from a notebook's solution code cells."""
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise ValueError(f"the notebook is larger than {MAX_NOTEBOOK_BYTES} bytes")
    try:
        notebook = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ValueError("not a notebook (not JSON)") from None
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise ValueError("not a notebook (no cells)")
    parts = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if isinstance(meta, dict) and meta.get("solution") is True:
            source = cell.get("source", "")
            parts.append("".join(source) if isinstance(source, list) else str(source))
    if not parts:
        raise ValueError("no solution cells (is this an nbgrader notebook?)")
    return ("\n\n".join(part.rstrip("\n") for part in parts) + "\n").encode()
