"""Shared fixtures: real course folders and warm checker workers shared across tests.

Grading needs torch in two processes (checker and runner); a session-scoped worker pays
that once, so most tests cost only the time of their own checks.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from grader.course.config import load_course
from grader.course.secret import grading_secret
from grader.engine.worker import CheckerWorker

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def course():
    return load_course(REPO)


@pytest.fixture(scope="session")
def worker():
    with CheckerWorker(REPO) as checker:
        yield checker


def copy_course(destination: Path, lesson_ids: list[str], grading: str = "") -> Path:
    """A real course folder holding some of the repo's lessons, with its own [grading]."""
    course = load_course(REPO)
    parts = [f'[course]\nid = "{course.id}-copy"\nname = "Copy"\n']
    if grading:
        parts.append("[grading]\n" + textwrap.dedent(grading))
    for lesson_id in lesson_ids:
        lesson = course.lesson(lesson_id)
        for source in (course.exercise_dir(lesson), course.solution_path(lesson).parent,
                       course.hidden_suite_dir(lesson)):
            target = destination / source.relative_to(REPO)
            shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        parts.append(f'[[lessons]]\nid = "{lesson.id}"\ntitle = "{lesson.title}"\n'
                     f'module = "{lesson.module}"\nhelper_files = {list(lesson.helper_files)!r}\n'
                     f'preload = {list(lesson.preload)!r}\n')
    (destination / "course.toml").write_text("\n".join(parts).replace("'", '"'))
    grading_secret(load_course(destination))  # as an instructor's course has one already
    return destination


@pytest.fixture(scope="session")
def tight_course(tmp_path_factory):
    """lesson2 with short time limits, for hanging submissions."""
    return copy_course(tmp_path_factory.mktemp("tight"), ["lesson2"], grading="""
        job_seconds = 6
        call_seconds = 2
    """)


@pytest.fixture(scope="session")
def tight_worker(tight_course):
    with CheckerWorker(tight_course) as checker:
        yield checker
