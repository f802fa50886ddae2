"""The output folder of a batch: one run at a time, and its faults said in one line.

``BatchLock`` holds OUT for the whole run (grading and writing the reports): a second batch on
the same folder is refused with a message naming the run that holds it (pid, host, start
time). The lock is an ``flock`` on ``OUT/.grader-batch.lock``, which the kernel drops when its
process dies, so a run killed with ``kill -9`` leaves nothing that blocks the next one; the
next run says it is resuming that one.

A folder that cannot be written (a full disk, a read-only mount, no permission) becomes an
``OutFolderUnwritable``: what happened, what was kept, and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import socket
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from grader.course.errors import UserError
from grader.course.times import utc_iso, utc_now

LOCK_FILE = ".grader-batch.lock"
KEPT = ("nothing was lost: the gradebook keeps every result saved before, and every report is "
        "as it was before this run")


class OutFolderError(UserError):
    """--out cannot be an output folder (it is a file, or under one)."""


class OutFolderInUse(UserError):
    """Another batch holds the output folder."""

    exit_code = 4


class OutFolderUnwritable(UserError):
    """The output folder cannot be written: the disk is full, it is read-only, or not ours."""

    exit_code = 6


def prepare_out(out: Path) -> Path:
    """Create OUT (and its parents) or say in one line why it cannot be an output folder."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutFolderError(f"--out {out} is a file; give a folder for the gradebook and the "
                             f"reports (it is created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise OutFolderError(f"--out {out} cannot be created: a part of that path is a file; "
                             f"give a folder for the gradebook and the reports") from None
    except OSError as exc:
        raise unwritable(out, exc, "nothing was graded") from None
    return out


def unwritable(out: Path, fault: OSError | sqlite3.Error, kept: str = KEPT) -> OutFolderUnwritable:
    """The one line for a write into ``out`` that failed (``fault``: an OSError or SQLite's)."""
    code = fault.errno if isinstance(fault, OSError) else _sqlite_errno(out, fault)
    if code in (errno.ENOSPC, errno.EDQUOT):
        what, fix = f"the disk holding {out} is full", "free some space"
    elif code == errno.EROFS:
        what, fix = f"{out} is on a read-only file system", "mount it read-write"
    elif code in (errno.EACCES, errno.EPERM):
        what, fix = f"{out} cannot be written (permission denied)", "make it writable"
    else:
        detail = fault.strerror if isinstance(fault, OSError) and fault.strerror else str(fault)
        what, fix = f"{out} cannot be written ({detail})", "fix that"
    return OutFolderUnwritable(f"{what}; {kept}. {fix[0].upper()}{fix[1:]} (or give another "
                               f"--out) and run the same command again")


@contextlib.contextmanager
def writing_into(out: Path, kept: str = KEPT) -> Iterator[None]:
    """Inside the block, a failed write into ``out`` becomes ``OutFolderUnwritable``."""
    try:
        yield
    except OSError as exc:
        if writing_fault(exc, out):
            raise unwritable(out, exc, kept) from None
        raise


def writing_fault(error: BaseException, out: Path) -> bool:
    """Whether ``error`` is a failed write into ``out`` that ``unwritable`` can explain."""
    if not isinstance(error, OSError) or error.errno not in (
            errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM):
        return False
    if error.filename is None:
        return error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)
    try:
        Path(os.path.abspath(error.filename)).relative_to(os.path.abspath(out))
    except ValueError:
        return False
    return True


def _sqlite_errno(out: Path, fault: sqlite3.Error) -> int | None:
    text = str(fault).lower()
    if "disk is full" in text:
        return errno.ENOSPC
    if "readonly" in text or "read-only" in text or _read_only(out):
        return errno.EROFS
    return None


def _read_only(out: Path) -> bool:
    try:
        return bool(os.statvfs(out).f_flag & os.ST_RDONLY)
    except OSError:
        return False


class BatchLock:
    """Exclusive use of OUT for one batch, as a context manager.

    ``interrupted``: what the lock file said about an earlier run that was killed before it
    could remove it (its pid, host and start time), or None.
    """

    def __init__(self, out: Path) -> None:
        self.out = Path(out)
        self.path = self.out / LOCK_FILE
        self.interrupted: dict | None = None
        self._fd: int | None = None
        self._created = False

    def __enter__(self) -> BatchLock:
        self._created = not self.out.exists()
        prepare_out(self.out)
        try:
            self._acquire()
        except OSError as exc:
            raise unwritable(self.out, exc, "nothing was graded") from None
        return self

    def _acquire(self) -> None:
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = holder_text(_read_holder(fd))
                os.close(fd)
                raise OutFolderInUse(
                    f"{self.out} is in use by another grader batch ({holder}); wait for it to "
                    f"finish, or stop it, then run this command again") from None
            except BaseException:
                os.close(fd)
                raise
            try:
                same = os.fstat(fd).st_ino == os.stat(self.path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # not a file its last holder removed while we waited for it
                break
            os.close(fd)
        self._fd = fd
        try:
            self.interrupted = _read_holder(fd) or None
            me = {"pid": os.getpid(), "host": socket.gethostname(),
                  "started": utc_iso(utc_now())}
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(me) + "\n").encode(), 0)
            os.fsync(fd)
        except BaseException:
            self._release()
            raise

    def __exit__(self, kind, error, trace) -> None:
        self._release()
        if error is not None and self._created:
            with contextlib.suppress(OSError):
                self.out.rmdir()  # a run that stopped before writing anything leaves no folder
        if error is not None and writing_fault(error, self.out):
            raise unwritable(self.out, error) from None

    def _release(self) -> None:
        if self._fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)  # while still holding it: no one else has it
        except OSError:
            pass
        os.close(self._fd)
        self._fd = None


def _read_holder(fd: int) -> dict:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def holder_text(holder: dict) -> str:
    """A run as messages name it: ``pid 123 on host, started 2026-12-11T20:00:00Z``."""
    if not holder:
        return "its pid, host and start time are not written yet"
    return (f"pid {holder.get('pid', '?')} on {holder.get('host', '?')}, "
            f"started {holder.get('started', '?')}")

