"""The gradebook: every result, keyed by what produced it, in SQLite (stdlib ``sqlite3``).

A result is stored under (student, lesson, submission sha256, suite sha256): the same
submission graded by the same suites is never graded again, a changed submission or a
changed suite is. Each chunk of results is one transaction, so a batch killed at any
moment (even ``kill -9``) loses at most the chunk in flight and resumes where it stopped.

A file that is not such a gradebook (damaged, or another program's database) is refused
before anything is written to it (``GradebookDamaged``), and a write that fails for want of
space is rolled back whole (``OutFolderUnwritable``): what was stored before stays stored.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

from grader.course.errors import UserError
from grader.course.results import LessonResult
from grader.engine.outfolder import unwritable

APPLICATION_ID = 0x47524442  # "GRDB" in the file's header: this file is a grader gradebook

SCHEMA = """
CREATE TABLE IF NOT EXISTS results (
    student TEXT NOT NULL,
    lesson TEXT NOT NULL,
    submission_sha TEXT NOT NULL,
    suite_sha TEXT NOT NULL,
    result TEXT NOT NULL,
    graded_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),
    PRIMARY KEY (student, lesson, submission_sha, suite_sha)
);
CREATE TABLE IF NOT EXISTS failures (
    student TEXT NOT NULL,
    lesson TEXT NOT NULL,
    submission_sha TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (student, lesson)
);
"""
COLUMNS = {"results": {"student", "lesson", "submission_sha", "suite_sha", "result", "graded_at"},
           "failures": {"student", "lesson", "submission_sha", "reason"}}


class GradebookDamaged(UserError):
    """OUT/gradebook.sqlite is damaged, or is not a gradebook at all."""

    exit_code = 5


class Gradebook:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.connection: sqlite3.Connection | None = None
        if self.path.exists() and not self.path.is_file():
            raise GradebookDamaged(f"{self.path} is not a file; move it away and run the same "
                                   f"command again")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._faults():
                self.connection = sqlite3.connect(self.path, isolation_level=None, timeout=30)
                self._check()
                self.connection.execute("PRAGMA journal_mode=WAL")
                self.connection.execute("PRAGMA synchronous=FULL")
                self.connection.executescript(SCHEMA)
                if self.connection.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                    self.connection.execute(f"PRAGMA application_id={APPLICATION_ID}")
        except BaseException:
            self.close()
            raise

    def _check(self) -> None:
        """Refuse a damaged file, or one that holds another program's tables."""
        connection = self.connection
        verdict = [row[0] for row in connection.execute("PRAGMA quick_check").fetchall()]
        if verdict != ["ok"]:
            raise sqlite3.DatabaseError(f"database disk image is malformed ({verdict[0]})")
        application = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = {name: {row[0] for row in connection.execute(
                      "SELECT name FROM pragma_table_info(?)", (name,))}
                  for (name,) in connection.execute(
                      "SELECT name FROM sqlite_master WHERE type='table' "
                      "AND name NOT LIKE 'sqlite_%'")}
        foreign = application not in (0, APPLICATION_ID) or any(
            COLUMNS.get(name) != columns for name, columns in tables.items())
        if foreign:
            held = ", ".join(sorted(tables)) or "no tables"
            raise GradebookDamaged(
                f"{self.path} is not a gradebook of grader batch (it holds {held}); it was left "
                f"as it is: give another --out, or move that file away and run the same command "
                f"again")

    @contextlib.contextmanager
    def _faults(self) -> Iterator[None]:
        """SQLite's errors as one line each: damaged file, full disk, read-only folder."""
        try:
            yield
        except sqlite3.DatabaseError as exc:
            text = str(exc).lower()
            if isinstance(exc, sqlite3.OperationalError) and "locked" in text:
                raise GradebookDamaged(
                    f"{self.path} is locked by another program (an open sqlite3 shell?); close "
                    f"it and run the same command again") from None
            if not isinstance(exc, sqlite3.OperationalError) or "malformed" in text:
                raise GradebookDamaged(
                    f"{self.path} is damaged ({exc}); it was left as it is: move it away (for "
                    f"example to {self.path.name}.damaged) and run the same command again to "
                    f"grade everything anew, or put back a copy you trust") from None
            raise unwritable(self.path.parent, exc, self._kept()) from None

    def _kept(self) -> str:
        try:
            count = self.connection.execute("SELECT count(*) FROM results").fetchone()[0]
        except (sqlite3.Error, AttributeError):
            return "nothing was written to the gradebook"
        saved = f"the {count} results saved before are kept" if count else "no result was saved"
        return f"{saved}, and every report is as it was before this run"

    def graded(self, keys: Iterable[tuple[str, str, str, str]]) -> set[tuple[str, str, str, str]]:
        """Which of ``keys`` (student, lesson, submission sha, suite sha) already have results."""
        with self._faults():
            rows = self.connection.execute(
                "SELECT student, lesson, submission_sha, suite_sha FROM results").fetchall()
        return set(map(tuple, rows)) & set(keys)

    def result(self, key: tuple[str, str, str, str]) -> LessonResult | None:
        with self._faults():
            row = self.connection.execute(
                "SELECT result FROM results WHERE student=? AND lesson=? AND submission_sha=? "
                "AND suite_sha=?", key).fetchone()
        if row is None:
            return None
        try:
            return LessonResult.from_dict(json.loads(row[0]))
        except (ValueError, KeyError, TypeError) as exc:
            raise GradebookDamaged(
                f"{self.path} holds a result that cannot be read ({key[0]} {key[1]}: "
                f"{type(exc).__name__}); move the file away and run the same command again to "
                f"grade everything anew") from None

    def store(self, entries: Iterable[tuple[tuple[str, str, str, str], LessonResult]]) -> None:
        """Write a chunk of results in one transaction (and clear their past failures)."""
        with self._faults(), self.connection:
            self.connection.execute("BEGIN IMMEDIATE")
            for (student, lesson, submission_sha, suite_sha), result in entries:
                self.connection.execute(
                    "INSERT OR REPLACE INTO results (student, lesson, submission_sha, suite_sha, "
                    "result) VALUES (?, ?, ?, ?, ?)",
                    (student, lesson, submission_sha, suite_sha,
                     json.dumps(result.to_dict(), sort_keys=True)))
                self.connection.execute("DELETE FROM failures WHERE student=? AND lesson=?",
                                        (student, lesson))

    def fail(self, student: str, lesson: str, submission_sha: str, reason: str) -> None:
        """A job that could not be graded: kept apart, tried again on the next run."""
        with self._faults(), self.connection:
            self.connection.execute(
                "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?)",
                (student, lesson, submission_sha, reason))

    def failures(self) -> dict[tuple[str, str], tuple[str, str]]:
        with self._faults():
            rows = self.connection.execute(
                "SELECT student, lesson, submission_sha, reason FROM failures").fetchall()
        return {(s, lesson): (sha, reason) for s, lesson, sha, reason in rows}

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None
