"""A class graded three ways in one run: `grader batch` (sandboxed, warm workers), the naive way
(a fresh `pytest` process per job with the submission imported), and the in-process lower bound
(every suite against every submission in one warm process, no isolation). Also the regrade of
the unchanged class. Prints wall times and ratios.

    .venv/bin/python bench/batch.py [--students 50] [--workers 2] [--naive-sample 24]

The class is generated: each student gets, per lesson, the reference, an alternative correct
style or a catalogued mistake (no hostile code, so the unisolated ways can run it too). The
naive way is timed on an evenly spread sample of jobs and scaled to the class (it would take
minutes otherwise); the sample size is printed.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from inprocess import in_process_proxy  # noqa: E402

from grader.course.config import load_course  # noqa: E402
from grader.engine.grading import run_session, suite_paths  # noqa: E402


def make_class(course, folder: Path, students: int) -> list[tuple[str, str, Path]]:
    jobs = []
    for lesson in course.lessons:
        choices = [course.solution_path(lesson)]
        choices += sorted(course.catalog_dir(lesson).glob("correct_*.py"))
        choices += sorted(course.catalog_dir(lesson).glob("mistake_*.py"))
        for number in range(students):
            student = f"student{number:03d}"
            target = folder / student / lesson.id / lesson.module
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(choices[(number * 7 + len(lesson.id)) % len(choices)], target)
            jobs.append((student, lesson.id, target))
    return jobs


def forget_oracles() -> None:
    """Empty every @oracle cache of the imported suites."""
    for name, module in list(sys.modules.items()):
        if name.startswith("tests.hidden") or "_hidden" in name:
            for value in vars(module).values():
                if isinstance(getattr(value, "cache", None), dict):
                    value.cache.clear()


def timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--naive-sample", type=int, default=24)
    args = parser.parse_args()
    course = load_course(REPO)
    scratch = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        jobs = make_class(course, scratch / "class", args.students)
        grader = [str(Path(sys.executable).with_name("grader"))]
        batch = [*grader, "batch", str(scratch / "class"), "--out", str(scratch / "out"),
                 "--workers", str(args.workers), "--course", str(REPO)]
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "check": True}
        batch_seconds = timed(lambda: subprocess.run(batch, **quiet))
        regrade_seconds = timed(lambda: subprocess.run(batch, **quiet))

        def lower_bound() -> None:
            for lesson in course.lessons:
                helpers = {p.name: p.read_bytes() for p in course.helper_paths(lesson)}
                mine = [path for _, lesson_id, path in jobs if lesson_id == lesson.id]
                proxies = [in_process_proxy(module_file=lesson.module, source=p.read_bytes(),
                                          helper_files=helpers) for p in mine]
                run_session(course, lesson, proxies, [str(p) for p in mine],
                            suite_paths(course, lesson, public=True, hidden=True))

        lower_bound()  # warm: torch and the suites imported, first optimizer step done
        forget_oracles()  # ...but nothing computed yet, as for the batch's fresh workers
        lower_seconds = timed(lower_bound)

        step = max(1, len(jobs) // args.naive_sample)
        sample = jobs[::step][: args.naive_sample]
        naive = [sys.executable, str(REPO / "bench" / "naive_job.py")]

        def naive_way() -> None:
            with ThreadPoolExecutor(args.workers) as pool:
                list(pool.map(lambda job: subprocess.run([*naive, job[1], str(job[2])], **quiet),
                              sample))

        naive_seconds = timed(naive_way) * len(jobs) / len(sample)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    n = len(jobs)
    print(f"{n} jobs ({args.students} students x {len(course.lessons)} lessons), "
          f"{args.workers} workers")
    rows = [("grader batch (sandboxed)", batch_seconds),
            (f"naive: fresh pytest per job (from {len(sample)} jobs)", naive_seconds),
            ("in-process lower bound (1 process)", lower_seconds)]
    for name, seconds in rows:
        print(f"  {name:44} {seconds:8.1f} s  {seconds / n * 1000:7.0f} ms/job")
    print(f"  naive / batch        {naive_seconds / batch_seconds:5.1f}x   (target >= 20x)")
    print(f"  batch / lower bound  {batch_seconds / lower_seconds:5.2f}x   (target <= 1.25x)")
    print(f"  regrade of the unchanged class: {regrade_seconds:.2f} s   (target <= 2 s for 300 jobs)")


if __name__ == "__main__":
    main()
