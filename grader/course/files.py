"""Writing files so that a reader sees the old content or the new, never half of either."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

STAGING_PREFIX = ".staging-"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_if_changed(path: Path, data: bytes | str) -> bool:
    """``write_atomic`` unless the file already holds exactly ``data``; True if it wrote."""
    path = Path(path)
    if isinstance(data, str):
        data = data.encode()
    try:
        if path.read_bytes() == data:
            return False
    except OSError:
        pass
    write_atomic(path, data)
    return True


@contextlib.contextmanager
def staged(folder: Path, entries: Iterable[str]) -> Iterator[Path]:
    """A copy of ``folder``'s ``entries`` to write a set of files into, put in place only whole.

    The copy is hard links (no bytes copied), so writers that skip unchanged files still see
    them. Leaving the block without an error moves every file changed there into ``folder``
    (a rename each); an error (a full disk, a read-only folder) leaves ``folder`` as it was.
    A copy left by a killed writer is removed by the next one (one writer at a time).
    """
    folder = Path(folder)
    for stale in folder.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    staging = folder / f"{STAGING_PREFIX}{os.getpid()}"
    try:
        staging.mkdir(parents=True)
        for name in entries:
            source = folder / name
            if source.is_dir() and not source.is_symlink():
                shutil.copytree(source, staging / name, symlinks=True, copy_function=_link)
            elif source.exists():
                _link(source, staging / name)
        yield staging
        _move_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:  # a file system without hard links
        shutil.copy2(source, target)


def _move_in(staging: Path, folder: Path) -> None:
    """Every file written in ``staging`` into ``folder``: folders first, then one rename each."""
    moves = []
    for parent, _, names in os.walk(staging):
        for name in names:
            source = Path(parent) / name
            target = folder / source.relative_to(staging)
            if not (target.exists() and os.path.samefile(source, target)):
                moves.append((source, target))
    for _, target in moves:
        target.parent.mkdir(parents=True, exist_ok=True)
    for source, target in moves:
        os.replace(source, target)
