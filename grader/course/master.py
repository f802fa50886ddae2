"""One source per lesson: the master module, from which the stub and the reference are made.

The master is ``solutions/<lesson>/<module>``: the reference solution with its solution
regions marked the way nbgrader marks them, and each region's stub lines as comments::

    def mse(y_hat, y):
        \"\"\"Mean of (ŷ − y)² as a 0-dim tensor.\"\"\"
        ### BEGIN SOLUTION
        return ((y_hat - y) ** 2).mean()
        ### END SOLUTION
        # STUB: raise NotImplementedError("Your task: mean of the squared residuals")

- The **reference** is the master without its markers and stub comments (the master itself
  runs exactly like it: both are only comments).
- The **stub** is the master with every solution region replaced by the stub lines that
  follow it (uncommented, at the region's indentation); a region with no stub lines (a
  solution-only helper at module level) simply disappears.
- The nbgrader export reads the same master.

Marker lines are exact; anything that looks like a marker but is not one (``### BEGIN
SOLUTON``, ``# STUB raise …``) is an error with its line, so a typo never ships a solution.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
STUB = "# STUB: "
LOOKS_LIKE_A_MARKER = re.compile(r"^\s*#+\s*(BEGIN|END)\b|^\s*#\s*STUB\b", re.IGNORECASE)


class MasterError(ValueError):
    """The master module's markers are wrong; the message names the line."""


@dataclass(frozen=True)
class Split:
    stub: str
    reference: str


def split_master(text: str, name: str = "master") -> Split:
    """The stub and the reference made from a master module's text."""
    lines = text.splitlines(keepends=True)
    stub: list[str] = []
    reference: list[str] = []
    inside: int | None = None  # the line number of the open BEGIN
    region_indent = ""
    index = 0
    while index < len(lines):
        line = lines[index]
        stripped = line.strip()
        number = index + 1
        if stripped == BEGIN:
            if inside is not None:
                raise MasterError(f"{name}:{number}: {BEGIN} inside the region opened at line "
                                  f"{inside}; close it with {END} first")
            inside, region_indent = number, line[: len(line) - len(line.lstrip())]
        elif stripped == END:
            if inside is None:
                raise MasterError(f"{name}:{number}: {END} without a {BEGIN} before it")
            inside = None
            index += 1
            while index < len(lines) and lines[index].strip().startswith(STUB.strip()):
                stub_line = lines[index]
                if not stub_line.lstrip().startswith(STUB):
                    raise MasterError(f"{name}:{index + 1}: a stub line is written "
                                      f"'{STUB}<code>' (with a colon and a space)")
                code = stub_line.lstrip()[len(STUB):]
                stub.append(region_indent + code if code.strip() else "\n")
                index += 1
            continue
        elif LOOKS_LIKE_A_MARKER.match(line) and not stripped.startswith(STUB):
            raise MasterError(f"{name}:{number}: {stripped!r} looks like a marker but is not "
                              f"one; markers are exactly '{BEGIN}', '{END}' and '{STUB}<code>'")
        elif stripped.startswith(STUB.strip()):
            if inside is not None:
                raise MasterError(f"{name}:{inside}: the region opened here has no {END} "
                                  f"before the stub line at line {number}")
            raise MasterError(f"{name}:{number}: a stub line must directly follow {END}")
        elif inside is not None:
            reference.append(line)
        else:
            stub.append(line)
            reference.append(line)
        index += 1
    if inside is not None:
        raise MasterError(f"{name}:{inside}: the region opened here has no {END}")
    return Split(_tidy("".join(stub)), "".join(reference))


def is_master(text: str) -> bool:
    """Whether ``text`` has solution regions (an old-style reference has none)."""
    return any(line.strip() == BEGIN for line in text.splitlines())


def _tidy(text: str) -> str:
    """No run of more than two blank lines where a module-level region was removed."""
    return re.sub(r"\n{4,}", "\n\n\n", text)
