"""A class graded three ways in one run, at equal cores: the sandboxed engine, the in-process
lower bound (every suite in warm processes, no isolation at all), and the naive way (a fresh
pytest process per job). Prints per-lesson and overall ratios, then scaling and the regrade.

    .venv/bin/python bench/batch.py [--students 20] [--workers 1] [--naive-sample 24]

Per lesson, warm: N real checker workers (the processes `grader batch` runs: a warm checker
with its sandboxed warm runner) against N warm processes that run the same suites on the same
submissions imported in-process. End to end: `grader batch --workers N` on the whole class
(start-up, gradebook and reports included), against the naive way on a spread sample of jobs,
scaled to the class. Scaling: `grader batch` with 1 and with 2 workers. The class: per
lesson, each student has the reference, an alternative correct style or a catalogued mistake
(nothing hostile, so the unisolated ways can run it too).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from grader.course.config import load_course  # noqa: E402
from grader.engine.catalog import read_catalog  # noqa: E402
from grader.engine.worker import CheckerWorker  # noqa: E402


def make_class(course, folder: Path, students: int) -> list[tuple[str, str, Path]]:
    jobs = []
    for lesson in course.lessons:
        reference = course.reference_source(lesson)
        catalog = read_catalog(course.catalog_dir(lesson), reference)
        choices = [reference]
        choices += [entry.source for entry in catalog if entry.kind == "correct"]
        choices += [entry.source for entry in catalog if entry.kind == "mistake"]
        for number in range(students):
            student = f"student{number:03d}"
            target = folder / student / lesson.id / lesson.module
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(choices[(number * 7 + len(lesson.id)) % len(choices)])
            jobs.append((student, lesson.id, target))
    return jobs


class LowerBoundWorker:
    """A warm process that grades with the suites in-process: the same requests as a
    CheckerWorker, answered with no sandbox, no runner and no wire."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, str(REPO / "bench" / "inprocess.py")],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        bufsize=1)

    def grade(self, lesson_id: str, paths: list[Path]) -> None:
        self.process.stdin.write(json.dumps({"lesson": lesson_id,
                                             "paths": [str(p) for p in paths]}) + "\n")
        self.process.stdin.flush()
        if not self.process.stdout.readline():
            raise RuntimeError("the lower-bound worker stopped")

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def split(items: list, parts: int) -> list[list]:
    return [items[i::parts] for i in range(parts) if items[i::parts]]


def per_lesson(workers: list, grade, course, jobs) -> dict[str, float]:
    """Seconds per lesson with every worker grading its share of that lesson in parallel."""
    seconds = {}
    for lesson in course.lessons:
        mine = [path for _, lesson_id, path in jobs if lesson_id == lesson.id]
        shares = split(mine, len(workers))
        started = time.perf_counter()
        threads = [threading.Thread(target=grade, args=(worker, lesson.id, share))
                   for worker, share in zip(workers, shares, strict=False)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        seconds[lesson.id] = time.perf_counter() - started
    return seconds


def sandboxed_grade(worker: CheckerWorker, lesson_id: str, paths: list[Path]) -> None:
    worker.grade(lesson_id, [(str(p), p.read_bytes()) for p in paths])


def lower_grade(worker: LowerBoundWorker, lesson_id: str, paths: list[Path]) -> None:
    worker.grade(lesson_id, paths)


BUSY = [0.0]  # cores busy on average during the last ``timed`` call, machine-wide


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) ticks of every core since boot (/proc/stat). Machine-wide, because the
    sandboxed runners live in their own pid namespace, whose CPU time never reaches this
    process's children's accounting."""
    with open("/proc/stat") as stat:
        fields = [int(x) for x in stat.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle and iowait
    return sum(fields) - idle, sum(fields)


def timed(function) -> float:
    """Wall seconds of ``function``; the cores busy meanwhile (run on a quiet machine) go to
    BUSY[0]."""
    busy, total = _cpu_ticks()
    started = time.perf_counter()
    function()
    wall = time.perf_counter() - started
    busy_after, total_after = _cpu_ticks()
    BUSY[0] = (busy_after - busy) / max(1, total_after - total) * (os.cpu_count() or 1)
    return wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--naive-sample", type=int, default=24)
    args = parser.parse_args()
    course = load_course(REPO)
    scratch = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        jobs = make_class(course, scratch / "class", args.students)
        warm_jobs = make_class(course, scratch / "warmup", 2)

        # Warm, per lesson: real checker workers against in-process workers.
        sandboxed = [CheckerWorker(REPO) for _ in range(args.workers)]
        lower = [LowerBoundWorker() for _ in range(args.workers)]
        try:
            per_lesson(sandboxed, sandboxed_grade, course, warm_jobs)
            per_lesson(lower, lower_grade, course, warm_jobs)
            batch_lessons = per_lesson(sandboxed, sandboxed_grade, course, jobs)
            lower_lessons = per_lesson(lower, lower_grade, course, jobs)
        finally:
            for worker in [*sandboxed, *lower]:
                worker.close()

        # End to end: grader batch, the naive way, scaling and the regrade.
        grader = [str(Path(sys.executable).with_name("grader"))]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}

        def batch(workers: int, out: str) -> list[str]:
            return [*grader, "batch", str(scratch / "class"), "--out", str(scratch / out),
                    "--workers", str(workers), "--course", str(REPO)]

        batch_seconds = timed(lambda: subprocess.run(batch(args.workers, "out"), **quiet))
        batch_cores = BUSY[0]
        regrade_seconds = timed(lambda: subprocess.run(batch(args.workers, "out"), **quiet))
        one = timed(lambda: subprocess.run(batch(1, "out1"), **quiet))
        one_cores = BUSY[0]
        two = timed(lambda: subprocess.run(batch(2, "out2"), **quiet))
        two_cores = BUSY[0]

        step = max(1, len(jobs) // args.naive_sample)
        sample = jobs[::step][: args.naive_sample]
        naive = [sys.executable, str(REPO / "bench" / "naive_job.py")]

        def naive_way() -> None:
            with ThreadPoolExecutor(args.workers) as pool:
                list(pool.map(lambda job: subprocess.run([*naive, job[1], str(job[2])], **quiet),
                              sample))

        naive_seconds = timed(naive_way) * len(jobs) / len(sample)
        naive_cores = BUSY[0]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    n = len(jobs)
    per = args.students
    print(f"{n} jobs ({args.students} students x {len(course.lessons)} lessons), "
          f"{args.workers} worker(s) each way")
    print(f"  end to end: grader batch {batch_seconds:6.1f} s ({batch_seconds / n * 1000:.0f} ms/job)"
          f"   naive {naive_seconds:6.1f} s ({naive_seconds / n * 1000:.0f} ms/job, "
          f"from {len(sample)} jobs)")
    print(f"  cores busy on average: grader batch {batch_cores:.2f}   naive {naive_cores:.2f}"
          f"   (the lower bound: one per process)")
    print(f"  scaling: 1 worker {one:.1f} s ({one_cores:.2f} cores busy), 2 workers {two:.1f} s "
          f"({two_cores:.2f} cores busy): throughput x{one / two:.2f}   (target >= 1.8x on 2 cores)")
    print(f"  regrade of the unchanged class: {regrade_seconds:.2f} s "
          f"({regrade_seconds / n * 300:.2f} s per 300 jobs; target <= 2 s)")
    for lesson in course.lessons:
        b, lb = batch_lessons[lesson.id] / per * 1000, lower_lessons[lesson.id] / per * 1000
        print(f"{lesson.id}  batch {b:.0f} ms/job  lower bound {lb:.0f} ms/job  ratio {b / lb:.2f}x")
    total_batch, total_lower = sum(batch_lessons.values()), sum(lower_lessons.values())
    print(f"overall  batch/lower bound {total_batch / total_lower:.2f}x  "
          f"naive/batch {naive_seconds / batch_seconds:.1f}x  workers {args.workers}")


if __name__ == "__main__":
    main()
