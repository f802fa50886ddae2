"""Progress for long runs: a bar with count, rate and ETA on a terminal, plain lines in logs."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(self, label: str, stream: TextIO | None = None, every_seconds: float = 5.0) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.terminal = self.stream.isatty()
        self.every = every_seconds
        self.started = time.monotonic()
        self.first_done: int | None = None
        self.last_line = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.first_done is None:
            self.first_done = done  # work found already done does not count towards the rate
            self.started = now
        fresh = done - self.first_done
        elapsed = max(now - self.started, 1e-9)
        rate = fresh / elapsed
        eta = (total - done) / rate if rate > 0 else None
        eta_text = f"ETA {eta:4.0f} s" if eta is not None else "ETA    ?"
        text = f"{self.label} {done}/{total}  {rate:5.1f}/s  {eta_text}"
        if self.terminal:
            width = 30
            filled = int(width * done / total) if total else width
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {text}")
            if done >= total:
                self.stream.write("\n")
            self.stream.flush()
        elif done >= total or now - self.last_line >= self.every or done == self.first_done:
            self.stream.write(text + "\n")
            self.stream.flush()
            self.last_line = now
