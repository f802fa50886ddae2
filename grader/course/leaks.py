"""Copied text, found by content: runs of consecutive significant lines.

The student release and the nbgrader export both refuse to write anything that repeats a
block of private text (solutions, hidden suites, the catalog); this is how a block is found.
"""

from __future__ import annotations

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
