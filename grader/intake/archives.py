"""Unpacking archives that come from outside (students, an LMS): nothing escapes, nothing explodes.

Entries are checked before a byte is written: no absolute paths, no ``..``, no symlinks,
hard links, devices or FIFOs, at most ``max_files`` entries, at most ``max_bytes`` in total
and ``max_ratio`` compression per entry (zip bombs), counted while reading, not trusted from
the header. Everything goes into a temporary folder first and is moved into place only when
the whole archive was fine.
"""

from __future__ import annotations

import shutil
import stat
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

CHUNK = 1 << 16


class UnsafeArchive(Exception):
    """The archive was refused; the message names the entry and the rule it breaks."""


@dataclass(frozen=True)
class ArchiveLimits:
    max_files: int = 200
    max_bytes: int = 8 * 1024 * 1024
    max_ratio: int = 100


def safe_name(name: str) -> PurePosixPath:
    """The entry's relative path, or UnsafeArchive if it could land outside the folder."""
    path = PurePosixPath(name.replace("\\", "/"))
    if not name or path.is_absolute() or name.startswith(("/", "\\")) or ":" in path.parts[0]:
        raise UnsafeArchive(f"{name!r} is an absolute path")
    if any(part == ".." for part in path.parts):
        raise UnsafeArchive(f"{name!r} climbs out of its folder with '..'")
    return path


def extract(archive: Path, destination: Path, limits: ArchiveLimits = ArchiveLimits()) -> list[Path]:
    """Unpack a .zip or .tar(.gz) into ``destination`` (created); returns the files written."""
    archive = Path(archive)
    destination = Path(destination)
    staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=destination.parent))
    try:
        if zipfile.is_zipfile(archive):
            names = _extract_zip(archive, staging, limits)
        elif tarfile.is_tarfile(archive):
            names = _extract_tar(archive, staging, limits)
        else:
            raise UnsafeArchive(f"{archive.name} is not a zip or tar archive")
        if destination.exists():
            shutil.rmtree(destination)
        staging.rename(destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [destination / name for name in names]


class _Budget:
    def __init__(self, limits: ArchiveLimits) -> None:
        self.limits = limits
        self.files = 0
        self.bytes = 0

    def entry(self, name: str) -> None:
        self.files += 1
        if self.files > self.limits.max_files:
            raise UnsafeArchive(f"more than {self.limits.max_files} files")

    def copy(self, source, target: Path, name: str, packed: int) -> None:
        written = 0
        with open(target, "wb") as out:
            while chunk := source.read(CHUNK):
                written += len(chunk)
                self.bytes += len(chunk)
                if self.bytes > self.limits.max_bytes:
                    raise UnsafeArchive(f"more than {self.limits.max_bytes} bytes unpacked "
                                        f"(at {name!r})")
                if packed and written > max(packed, 1) * self.limits.max_ratio and written > CHUNK:
                    raise UnsafeArchive(f"{name!r} expands more than {self.limits.max_ratio}x "
                                        f"(a zip bomb?)")
                out.write(chunk)


def _extract_zip(archive: Path, staging: Path, limits: ArchiveLimits) -> list[PurePosixPath]:
    budget = _Budget(limits)
    names = []
    with zipfile.ZipFile(archive) as bundle:
        for info in bundle.infolist():
            budget.entry(info.filename)
            path = safe_name(info.filename)
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise UnsafeArchive(f"{info.filename!r} is a symbolic link")
            # No type bits (e.g. ZipFile.writestr's 0o600) means a plain file.
            if stat.S_IFMT(mode) and not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                raise UnsafeArchive(f"{info.filename!r} is not a regular file")
            if info.is_dir():
                (staging / path).mkdir(parents=True, exist_ok=True)
                continue
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            with bundle.open(info) as source:
                budget.copy(source, staging / path, info.filename, info.compress_size)
            names.append(path)
    return names


def _extract_tar(archive: Path, staging: Path, limits: ArchiveLimits) -> list[PurePosixPath]:
    budget = _Budget(limits)
    names = []
    with tarfile.open(archive) as bundle:
        for member in bundle:
            budget.entry(member.name)
            path = safe_name(member.name)
            if member.issym() or member.islnk():
                raise UnsafeArchive(f"{member.name!r} is a link")
            if member.isdir():
                (staging / path).mkdir(parents=True, exist_ok=True)
                continue
            if not member.isfile():
                raise UnsafeArchive(f"{member.name!r} is a device, FIFO or other special file")
            (staging / path).parent.mkdir(parents=True, exist_ok=True)
            source = bundle.extractfile(member)
            budget.copy(source, staging / path, member.name, 0)
            names.append(path)
    return names
