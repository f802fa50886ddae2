"""Per-job cost of the sandbox once workers are warm, as a ratio to an unsandboxed runner.

Grades the same submissions (the lesson's reference, repeated) through a warm runner at each
sandbox level in this one run, alternating rounds so machine noise hits every level alike;
reports the median per-job time and the ratio to the plain process (target <= 1.1x).

    .venv/bin/python bench/sandbox_overhead.py [--jobs 24] [--rounds 3] [--lesson lesson2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader.course.config import load_course  # noqa: E402
from grader.engine.grading import Submission, grade  # noqa: E402
from grader.sandbox.host import RunnerHost  # noqa: E402
from grader.sandbox.plan import plan  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--lesson", default="lesson2")
    args = parser.parse_args()
    course = load_course(REPO)
    lesson = course.lesson(args.lesson)
    source = course.reference_source(lesson)
    submissions = [Submission(f"s{i}", source) for i in range(args.jobs)]
    levels = {"full": "auto", "fallback": "fallback", "process (no sandbox)": "off"}
    hosts = {name: RunnerHost(lesson.preload, plan(mode)) for name, mode in levels.items()}
    try:
        for name, host in hosts.items():  # warm: runner started, self-test run, suites imported
            grade(course, lesson, submissions[:1], host=host, unsafe=name.startswith("process"))
        times: dict[str, list[float]] = {name: [] for name in hosts}
        for _ in range(args.rounds):
            for name, host in hosts.items():
                started = time.perf_counter()
                results = grade(course, lesson, submissions, host=host,
                                unsafe=name.startswith("process"))
                times[name].append((time.perf_counter() - started) / args.jobs)
                assert all(r.score == r.max_score for r in results), name
    finally:
        for host in hosts.values():
            host.close()
    base = statistics.median(times["process (no sandbox)"])
    print(f"{args.jobs} jobs of {lesson.id} per round, {args.rounds} rounds, warm runners")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:22} {median * 1000:7.1f} ms/job   ratio {median / base:.2f}x")
    print("target: full sandbox <= 1.1x the plain process")


if __name__ == "__main__":
    main()
