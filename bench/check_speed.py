"""How long `course check lesson3` takes, as a ratio to `python -c "import torch"`.

Both are measured in this run, alternating, on the same machine: the ratio is what matters
(target <= 1.5x). The check runs in a fresh workspace on the reference solution, so every
public check runs to completion.

    python bench/check_speed.py [--runs 5] [--lesson lesson3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--lesson", default="lesson3")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO))
    from grader.course.config import load_course

    course = load_course(REPO)
    lesson = course.lesson(args.lesson)
    work = Path(tempfile.mkdtemp(prefix="bench-check-"))
    try:
        course_cmd = [sys.executable, "-m", "grader.cli.student"]
        subprocess.run([*course_cmd, "fetch", lesson.id, "--course", str(REPO)], cwd=work,
                       check=True, stdout=subprocess.DEVNULL)
        (work / lesson.id / lesson.module).write_bytes(course.reference_source(lesson))
        check = [*course_cmd, "check", lesson.id, "--course", str(REPO)]
        baseline = [sys.executable, "-c", "import torch"]
        timed(baseline, work)  # warm the file cache for both
        timed(check, work)
        torch_times, check_times = [], []
        for _ in range(args.runs):
            torch_times.append(timed(baseline, work))
            check_times.append(timed(check, work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    torch_median = statistics.median(torch_times)
    check_median = statistics.median(check_times)
    print(f"python -c 'import torch'   median {torch_median:.2f} s  (runs: "
          f"{', '.join(f'{t:.2f}' for t in torch_times)})")
    print(f"course check {lesson.id}      median {check_median:.2f} s  (runs: "
          f"{', '.join(f'{t:.2f}' for t in check_times)})")
    print(f"ratio {check_median / torch_median:.2f}x  (target <= 1.5x)")


if __name__ == "__main__":
    main()
