"""Wait until a file is saved, with watchfiles (the Rust ``notify`` engine rustlings uses).

watchfiles debounces an editor's burst of writes into one event and polls where file events
do not arrive (``--poll``, or WSL's Windows drives, which it detects). A "change" means the
file's bytes changed, so touching a file without changing it reruns nothing.
"""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import watchfiles

from grader.course.i18n import N_

TICK_MS = 200  # how often wait() looks at its timeout while no event arrives


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class FileWatcher:
    def __init__(self, path: Path, *, force_polling: bool = False) -> None:
        self.path = Path(path).resolve()
        self.last = _digest(self.path)
        self.polling = force_polling
        self.mode = N_("polling") if force_polling else N_("file events")
        self._stop = threading.Event()
        self._changes = watchfiles.watch(
            self.path.parent,
            watch_filter=lambda _change, changed: Path(changed).name == self.path.name,
            debounce=100, step=20, rust_timeout=TICK_MS, yield_on_timeout=True,
            force_polling=force_polling, poll_delay_ms=300, recursive=False,
            stop_event=self._stop,
        )

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the file's content changes (True) or ``timeout`` passes (False)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        for changes in self._changes:
            if changes or self.polling:  # polling: also look at every tick, not only on events
                current = _digest(self.path)
                if current is not None and current != self.last:
                    self.last = current
                    return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
        return False

    def close(self) -> None:
        self._stop.set()
