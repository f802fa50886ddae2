"""Wait until a file is saved: inotify events on Linux, polling anywhere else.

Polling is the fallback where file events do not arrive (WSL's Windows drives, network
file systems) and can be forced. Either way a "change" means the file's bytes changed, so an
editor that writes twice, or touches without writing, triggers one rerun or none.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import select
import time
from pathlib import Path

IN_MODIFY = 0x002
IN_CLOSE_WRITE = 0x008
IN_MOVED_TO = 0x080
IN_CREATE = 0x100
POLL_SECONDS = 0.3


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class FileWatcher:
    def __init__(self, path: Path, *, force_polling: bool = False) -> None:
        self.path = Path(path)
        self.last = _digest(self.path)
        self.fd = -1
        if not force_polling:
            self.fd = self._inotify(self.path.parent)
        self.mode = "file events" if self.fd >= 0 else "polling"

    @staticmethod
    def _inotify(folder: Path) -> int:
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
            if fd < 0:
                return -1
            mask = IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE
            if libc.inotify_add_watch(fd, str(folder).encode(), mask) < 0:
                os.close(fd)
                return -1
            return fd
        except (OSError, AttributeError):
            return -1

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the file's content changes (True) or ``timeout`` passes (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while deadline is None or time.monotonic() < deadline:
            if self.fd >= 0:
                remaining = POLL_SECONDS * 10 if deadline is None else max(0.0, deadline - time.monotonic())
                ready, _, _ = select.select([self.fd], [], [], remaining)
                if ready:
                    try:
                        os.read(self.fd, 65536)
                    except BlockingIOError:
                        pass
                    time.sleep(0.05)  # let the editor finish writing
            else:
                time.sleep(POLL_SECONDS)
            current = _digest(self.path)
            if current is not None and current != self.last:
                self.last = current
                return True
        return False

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
