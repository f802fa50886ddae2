"""`grader nbgrader grade` (sandboxed) against stock `nbgrader autograde`, same submissions.

Builds a temporary nbgrader course of the lessons asked (default: all six; export,
generate_assignment, release_assignment), has N students fetch and submit the reference of each,
collects, then times both graders over the same submitted/ folder in this one run and prints
both wall times and the ratio. Both run the notebooks' public checks and the hidden suite:
autograde in one kernel per notebook (one `nbgrader autograde` per lesson), `grader nbgrader
grade` in warm sandboxed runners (one command for every lesson).

    .venv/bin/python bench/nbgrader.py [--students 4] [--lesson lesson2 ...]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import nbformat  # noqa: E402

from tests.conftest import copy_course  # noqa: E402

BIN = Path(sys.executable).parent


def run(args, cwd, env):
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(map(str, args))} failed:\n{done.stdout}\n{done.stderr}")
    return done


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=4)
    parser.add_argument("--lesson", action="append", default=[])
    parser.add_argument("--keep", type=Path, default=None,
                        help="build the course here and keep it (to profile either grader)")
    args = parser.parse_args()
    lessons = args.lesson or [f"lesson{n}" for n in range(1, 7)]
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as scratch:
        tmp = Path(scratch) if args.keep is None else args.keep
        tmp.mkdir(parents=True, exist_ok=True)
        course = copy_course(tmp / "course", lessons)
        course_id = "torch-fundamentals-copy"
        home, exchange = tmp / "nb", tmp / "exchange"
        exchange.mkdir()
        kernel = tmp / "jupyter" / "kernels" / "python3"
        kernel.mkdir(parents=True)
        (kernel / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3", "language": "python"}))
        env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
               "JUPYTER_DATA_DIR": str(tmp / "jupyter"), "JUPYTER_PATH": str(tmp / "jupyter"),
               "JUPYTER_CONFIG_DIR": str(tmp / "jcfg"), "PYTHONPATH": str(REPO)}
        grader = [sys.executable, "-m", "grader.cli.instructor", "nbgrader"]
        nbg = [str(BIN / "nbgrader")]
        run([*grader, "export", str(home), "--exchange", str(exchange), "--course", str(course)],
            REPO, env)
        flags = [f"--Exchange.root={exchange}", f"--course={course_id}"]
        for lesson in lessons:
            run([*nbg, "generate_assignment", lesson, "--force"], home, env)
            run([*nbg, "release_assignment", lesson, "--force"], home, env)
            source = nbformat.read(str(home / "source" / lesson / f"{lesson}.ipynb"), 4)
            reference = [c.source for c in source.cells
                         if c.metadata.get("nbgrader", {}).get("solution")]
            for number in range(args.students):
                student = f"student{number:02d}"
                workspace = tmp / "students" / student
                workspace.mkdir(parents=True, exist_ok=True)
                run([*nbg, "fetch_assignment", lesson, *flags], workspace, env)
                path = workspace / lesson / f"{lesson}.ipynb"
                notebook = nbformat.read(str(path), 4)
                cells = [c for c in notebook.cells
                         if c.metadata.get("nbgrader", {}).get("solution")]
                for cell, text in zip(cells, reference, strict=True):
                    cell.source = text
                nbformat.write(notebook, str(path))
                run([*nbg, "submit", lesson, *flags, f"--student={student}"], workspace, env)
            run([*nbg, "collect", lesson], home, env)

        stock = {}
        for lesson in lessons:
            started = time.perf_counter()
            run([*nbg, "autograde", lesson, "--force"], home, env)
            stock[lesson] = time.perf_counter() - started
        started = time.perf_counter()
        out = run([*grader, "grade", str(home), *[a for lesson in lessons
                                                  for a in ("--lesson", lesson)],
                   "--course", str(course)], REPO, env)
        secure = time.perf_counter() - started
    jobs = args.students * len(lessons)
    print(out.stdout.strip().splitlines()[-1])
    for lesson in lessons:
        print(f"{lesson}  nbgrader autograde {stock[lesson]:6.1f} s ({args.students} notebooks)")
    total = sum(stock.values())
    print(f"{jobs} notebooks ({args.students} students x {len(lessons)} lessons)")
    print(f"nbgrader autograde (kernel per notebook, unsandboxed): {total:7.1f} s")
    print(f"grader nbgrader grade (sandboxed engine):               {secure:7.1f} s")
    print(f"autograde/grader {total / secure:.1f}x (target >= 10x)")


if __name__ == "__main__":
    main()
