"""One job the naive way: a fresh interpreter runs pytest on the lesson's suites with the
submission imported into it. `python bench/naive_job.py LESSON PATH` (used by bench/batch.py)."""

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from inprocess import in_process_proxy  # noqa: E402

from grader.course.config import load_course  # noqa: E402
from grader.engine.grading import run_session, suite_paths  # noqa: E402

course = load_course(REPO)
lesson = course.lesson(sys.argv[1])
proxy = in_process_proxy(module_file=lesson.module, source=Path(sys.argv[2]).read_bytes(), bans=lesson.bans,
                       helper_files={p.name: p.read_bytes() for p in course.helper_paths(lesson)})
(result,) = run_session(course, lesson, [proxy], [sys.argv[2]],
                        suite_paths(course, lesson, public=True, hidden=True))
print(result.score, result.max_score)
