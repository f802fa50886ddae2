"""The gradebook: every result, keyed by what produced it, in SQLite (stdlib ``sqlite3``).

A result is stored under (student, lesson, submission sha256, suite sha256): the same
submission graded by the same suites is never graded again, a changed submission or a
changed suite is. Each chunk of results is one transaction, so a batch killed at any
moment (even ``kill -9``) loses at most the chunk in flight and resumes where it stopped.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from grader.course.results import LessonResult

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


class Gradebook:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.connection = sqlite3.connect(path, isolation_level=None, timeout=30)
        self.connection.execute("PRAGMA journal_mode=WAL")
        self.connection.execute("PRAGMA synchronous=FULL")
        self.connection.executescript(SCHEMA)

    def graded(self, keys: Iterable[tuple[str, str, str, str]]) -> set[tuple[str, str, str, str]]:
        """Which of ``keys`` (student, lesson, submission sha, suite sha) already have results."""
        rows = self.connection.execute(
            "SELECT student, lesson, submission_sha, suite_sha FROM results").fetchall()
        return set(map(tuple, rows)) & set(keys)

    def result(self, key: tuple[str, str, str, str]) -> LessonResult | None:
        row = self.connection.execute(
            "SELECT result FROM results WHERE student=? AND lesson=? AND submission_sha=? "
            "AND suite_sha=?", key).fetchone()
        return LessonResult.from_dict(json.loads(row[0])) if row else None

    def store(self, entries: Iterable[tuple[tuple[str, str, str, str], LessonResult]]) -> None:
        """Write a chunk of results in one transaction (and clear their past failures)."""
        with self.connection:
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
        with self.connection:
            self.connection.execute(
                "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?)",
                (student, lesson, submission_sha, reason))

    def failures(self) -> dict[tuple[str, str], tuple[str, str]]:
        rows = self.connection.execute(
            "SELECT student, lesson, submission_sha, reason FROM failures").fetchall()
        return {(s, lesson): (sha, reason) for s, lesson, sha, reason in rows}

    def close(self) -> None:
        self.connection.close()
