"""Build the synthetic demo class in examples/class/ (deterministic: same bytes every run).

    .venv/bin/python scripts/make_demo_class.py

About 30 students over the six lessons, made from files already in the repo:

* correct work: the reference solution (solutions/) or a ``correct_*`` catalog file
  (tests/catalog/), so strong students show different styles;
* mistakes: ``mistake_*`` catalog files, one or two wrong lessons per student, some shared
  by several students so the class summary shows what to reteach;
* untouched stubs (exercises/), hostile lesson 2 modules (a quick tests/attacks/ file plus
  the ANSWERS functions from tests/test_attacks.py) and realistic one-character typos;
* on-time, slightly late (inside a grace period), late and very late submissions, and
  missing lessons.

Every catalog file's own docstring (which names the mistake) is replaced by the stub's
module docstring, as if the student had edited the stub; what each submission is meant to
show is written to examples/class-answers.md instead. The script deletes and rewrites
examples/class/ and touches nothing else.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import random
import re
import shutil
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples" / "class"
sys.path.insert(0, str(ROOT))

from grader.course.config import load_course  # noqa: E402
from grader.engine.catalog import read_catalog  # noqa: E402

COURSE = load_course(ROOT)


def catalog(lesson: str) -> dict[str, bytes]:
    """The lesson's catalog entries by name (patches applied to the reference)."""
    lesson_ = COURSE.lesson(lesson)
    entries = read_catalog(COURSE.catalog_dir(lesson_), COURSE.reference_source(lesson_))
    return {entry.path.stem: entry.source for entry in entries}
SEED = 2026
LESSONS = ("lesson1", "lesson2", "lesson3", "lesson4", "lesson5", "lesson6")

# Spec of one submission (a string):
#   "ok"                 correct, in a style picked by rotation (reference or correct_*)
#   "reference"          solutions/<lesson>/<module>
#   "correct_<name>"     tests/catalog/<lesson>/correct_<name>.py
#   "mistake_<name>"     tests/catalog/<lesson>/mistake_<name>.diff (or .py)
#   "stub"               exercises/<lesson>/<module>, untouched
#   "attack_<name>"      tests/attacks/attack_<name>.py + ANSWERS (lesson2 only)
#   "typo_<kind>:<fn>"   the reference with one typo in function <fn> (a SyntaxError)
# A lesson absent from the dict was never submitted.
# ``late`` maps a lesson to how many minutes after the deadline it was submitted.


@dataclass
class Student:
    id: str
    role: str
    lessons: dict[str, str]
    late: dict[str, int] = field(default_factory=dict)


def every(spec: str = "ok", **overrides: str) -> dict[str, str]:
    """All six lessons with ``spec``, except the ``lessonN=...`` overrides ("-": missing)."""
    lessons = {lesson: spec for lesson in LESSONS}
    lessons.update(overrides)
    return {lesson: s for lesson, s in lessons.items() if s != "-"}


DAY, HOUR = 24 * 60, 60

ROSTER = [
    # --- strong students: correct everywhere, in different styles
    Student("ada_lovelace", "strong: the reference solution in every lesson", every("reference")),
    Student("alan_turing", "strong: torch.func / matrix / autograd styles", {
        "lesson1": "correct_torch_func", "lesson2": "correct_matrix_form",
        "lesson3": "correct_autograd_gradients", "lesson4": "correct_torch_func_numpy_steps",
        "lesson5": "correct_tanh_identity", "lesson6": "correct_named_modules"}),
    Student("emmy_noether", "strong: explicit loops and plain Python floats", {
        "lesson1": "correct_backward_and_loops", "lesson2": "correct_loops",
        "lesson3": "correct_python_floats", "lesson4": "correct_backward_leaf",
        "lesson5": "correct_loops", "lesson6": "correct_identity_sets"}),
    Student("carl_gauss", "strong: NumPy round trips, vectorised maps, DataLoader", {
        "lesson1": "correct_numpy_round_trip", "lesson2": "correct_numpy",
        "lesson3": "correct_affine_maps_and_optim", "lesson4": "correct_pytorch_style_buffers",
        "lesson5": "correct_numpy_round_trip", "lesson6": "correct_dataloader"}),
    Student("grace_hopper", "strong: mixed styles; lesson3 8 minutes after the deadline (grace)",
            every(lesson2="correct_loops", lesson4="correct_backward_leaf",
                  lesson6="correct_dataloader"),
            late={"lesson3": 8}),
    # --- realistic mistakes: one or two wrong lessons each
    Student("marie_curie", "1 mistake", every(lesson2="mistake_factor_two_dropped")),
    Student("isaac_newton", "2 mistakes", every(lesson2="mistake_factor_two_dropped",
                                              lesson3="mistake_grad_not_zeroed", lesson6="-"),
            late={"lesson4": DAY + 13 * HOUR + 21}),
    Student("rosalind_franklin", "2 mistakes", every(lesson3="mistake_grad_not_zeroed",
                                                   lesson5="mistake_relu_grad_one_at_zero")),
    Student("niels_bohr", "1 mistake", every(lesson1="mistake_one_sided_difference",
                                           lesson5="-", lesson6="-"),
            late={"lesson2": DAY + 2 * HOUR + 47}),
    Student("lise_meitner", "1 mistake", every(lesson5="mistake_relu_grad_one_at_zero")),
    Student("richard_feynman", "1 mistake", every(lesson3="mistake_last_partial_batch_dropped"),
            late={"lesson2": 2 * DAY + 5 * HOUR + 12}),
    Student("katherine_johnson", "1 mistake", every(lesson4="mistake_sutskever_form")),
    Student("claude_shannon", "2 mistakes", every(lesson1="-",
                                                lesson5="mistake_softmax_no_max_subtraction",
                                                lesson6="mistake_head_mult_ignored"),
            late={"lesson6": 2 * DAY + 20 * HOUR + 35}),
    Student("dorothy_hodgkin", "2 mistakes", every(lesson1="mistake_one_sided_difference",
                                                 lesson4="mistake_sutskever_form")),
    Student("james_maxwell", "2 mistakes", every(lesson2="mistake_factor_two_dropped",
                                               lesson6="mistake_no_shuffle")),
    Student("sophie_germain", "1 mistake", every(lesson3="mistake_grad_not_zeroed"),
            late={"lesson4": 8 * DAY + 3 * HOUR + 4}),
    Student("leonhard_euler", "2 mistakes", every(lesson1="mistake_ascent_direction",
                                                lesson6="mistake_head_mult_ignored")),
    Student("srinivasa_ramanujan", "1 mistake", every(lesson3="-", lesson4="-",
                                                    lesson5="mistake_relu_grad_one_at_zero")),
    Student("chien_shiung_wu", "2 mistakes", every(lesson4="mistake_velocity_reset_every_step",
                                                 lesson6="mistake_returns_copy")),
    Student("hedy_lamarr", "1 mistake", every(lesson2="mistake_sign_flipped", lesson6="-"),
            late={"lesson3": DAY + 7 * HOUR + 50}),
    Student("barbara_mcclintock", "1 mistake", every(lesson1="mistake_divides_by_eps", lesson4="-"),
            late={"lesson5": 10 * DAY + 1 * HOUR + 26}),
    # --- hostile lesson 2 submissions (quick attacks only); honest work elsewhere
    Student("kurt_goedel", "hostile", every(lesson2="attack_monkeypatch_torch", lesson6="-")),
    Student("nikola_tesla", "hostile", every(lesson2="attack_fake_summary",
                                             lesson4="-", lesson5="-", lesson6="-")),
    Student("blaise_pascal", "hostile", every(lesson2="attack_exit_at_import")),
    Student("pierre_laplace", "hostile", every(lesson2="attack_tensor_subclass")),
    # --- a typo that breaks the file: SyntaxError / IndentationError
    Student("enrico_fermi", "syntax error", every(lesson1="typo_missing_colon:steepest_descent"),
            late={"lesson4": 2 * DAY + 9 * HOUR + 8}),
    Student("werner_heisenberg", "syntax error",
            every(lesson3="typo_unclosed_paren:gd_step", lesson6="-")),
    Student("max_planck", "syntax error", every(lesson5="typo_misspelt_return:tanh_grad"),
            late={"lesson2": 3}),
    # --- untouched stubs
    Student("paul_dirac", "fetched, never worked: stubs", {"lesson1": "stub", "lesson2": "stub"}),
    Student("erwin_schroedinger", "gave up at lesson4: stub",
            every(lesson4="stub", lesson5="-", lesson6="-")),
]


# ---------------------------------------------------------------- sources


def course_modules() -> dict[str, tuple[str, dt.datetime]]:
    """lesson id -> (module file name, due datetime in UTC)."""
    config = tomllib.loads((ROOT / "course.toml").read_text())
    modules = {}
    for lesson in config["lessons"]:
        due = lesson["due"]
        if isinstance(due, str):
            due = dt.datetime.fromisoformat(due.replace("Z", "+00:00"))
        modules[lesson["id"]] = (lesson["module"], due.astimezone(dt.UTC))
    assert tuple(modules) == LESSONS, f"course.toml lessons changed: {tuple(modules)}"
    return modules


def docstring_span(source: str) -> tuple[int, int]:
    """First and last line (1-based) of the module docstring."""
    node = ast.parse(source).body[0]
    assert isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant), "no docstring"
    assert isinstance(node.value.value, str)
    return node.lineno, node.end_lineno


def with_docstring_of(source: str, stub: str) -> str:
    """``source`` with its module docstring replaced by the stub's."""
    first, last = docstring_span(stub)
    stub_doc = stub.splitlines(keepends=True)[first - 1:last]
    first, last = docstring_span(source)
    lines = source.splitlines(keepends=True)
    return "".join(lines[:first - 1] + stub_doc + lines[last:])


def attack_answers() -> str:
    """The ANSWERS string of tests/test_attacks.py (the lesson 2 functions an attack needs)."""
    tree = ast.parse((ROOT / "tests" / "test_attacks.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "ANSWERS" for t in node.targets):
            return ast.literal_eval(node.value)
    raise SystemExit("tests/test_attacks.py has no ANSWERS")


def function_lines(source: str, name: str) -> tuple[int, int, int]:
    """(def line, first body line after the docstring, last line) of function ``name``, 1-based."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            body = node.body
            if (isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and len(body) > 1):
                body = body[1:]
            return node.lineno, body[0].lineno, node.end_lineno
    raise SystemExit(f"no function {name}")


def with_typo(source: str, kind: str, name: str) -> str:
    """``source`` with one realistic typo inside function ``name`` that breaks compilation."""
    lines = source.splitlines(keepends=True)
    start, body, end = function_lines(source, name)
    if kind == "missing_colon":      # def f(x: T) -> R      (the colon forgotten)
        index = next(i for i in range(start - 1, body - 1) if lines[i].rstrip().endswith(":"))
        text = lines[index].rstrip()
        lines[index] = text[:-1] + "\n"
    elif kind == "unclosed_paren":   # one closing parenthesis too few at the end of a line
        index = max((i for i in range(body - 1, end) if lines[i].rstrip().endswith(")")
                     and lines[i].count("(") == lines[i].count(")") >= 1),
                    key=lambda i: (lines[i].count("("), -i))
        text = lines[index].rstrip()
        lines[index] = text[:-1] + "\n"
    elif kind == "misspelt_return":  # retrun x
        index = next(i for i in range(body - 1, end) if re.match(r"\s*return [\w.]", lines[i]))
        lines[index] = lines[index].replace("return ", "retrun ", 1)
    else:
        raise SystemExit(f"unknown typo {kind}")
    broken = "".join(lines)
    try:
        compile(broken, name, "exec")
    except SyntaxError:
        return broken
    raise SystemExit(f"typo {kind} in {name} still compiles")


def correct_styles(lesson: str) -> list[str]:
    return ["reference"] + sorted(name for name in catalog(lesson) if name.startswith("correct_"))


def source_for(lesson: str, module: str, spec: str, answers: str) -> str:
    stub = COURSE.stub_source(COURSE.lesson(lesson)).decode()
    if spec == "stub":
        return stub
    if spec == "reference":
        return with_docstring_of(COURSE.reference_source(COURSE.lesson(lesson)).decode(), stub)
    if spec.startswith(("correct_", "mistake_")):
        return with_docstring_of(catalog(lesson)[spec].decode(), stub)
    if spec.startswith("attack_"):
        assert lesson == "lesson2", "the attacks' ANSWERS are lesson 2's functions"
        path = ROOT / "tests" / "attacks" / f"{spec}.py"
        return with_docstring_of(path.read_text(), stub) + answers
    if spec.startswith("typo_"):
        kind, name = spec[len("typo_"):].split(":")
        return with_typo(source_for(lesson, module, "reference", answers), kind, name)
    raise SystemExit(f"unknown spec {spec!r}")


# ---------------------------------------------------------------- description


def describe(spec: str) -> str:
    if spec == "stub":
        return "untouched stub"
    if spec == "reference":
        return "correct (reference)"
    if spec.startswith("correct_"):
        return f"correct ({spec})"
    if spec.startswith("mistake_"):
        return f"**{spec}**"
    if spec.startswith("attack_"):
        return f"**HOSTILE {spec}**"
    if spec.startswith("typo_"):
        kind, name = spec[len("typo_"):].split(":")
        return f"**syntax error** ({kind.replace('_', ' ')} in {name})"
    raise SystemExit(spec)


def lateness(minutes: int) -> str:
    days, rest = divmod(minutes, DAY)
    hours, mins = divmod(rest, HOUR)
    if not days and not hours:
        return f"{mins} min late (grace)"
    parts = ([f"{days} d"] if days else []) + ([f"{hours} h"] if hours else []) + (
        [f"{mins} min"] if mins else [])
    return "late " + " ".join(parts)


def category(spec: str) -> str:
    if spec in ("reference",) or spec.startswith("correct_"):
        return "correct"
    if spec.startswith("mistake_"):
        return "mistake"
    if spec.startswith("attack_"):
        return "hostile"
    if spec.startswith("typo_"):
        return "syntax error"
    return spec  # stub


# ---------------------------------------------------------------- build


def build() -> dict:
    modules = course_modules()
    answers = attack_answers()
    rng = random.Random(SEED)
    ids = [s.id for s in ROSTER]
    assert len(ids) == len(set(ids)), "duplicate student id"
    assert all(re.fullmatch(r"[a-z0-9_-]+", i) for i in ids)

    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)

    rows, counts, late_rows, mistakes = [], {}, [], {}
    for number, student in enumerate(ROSTER):
        cells = []
        for lesson_number, lesson in enumerate(LESSONS):
            module, due = modules[lesson]
            spec = student.lessons.get(lesson)
            # draw for every cell so one student's change does not shift everyone else's times
            early = rng.randint(60, 26 * 60)
            if spec is None:
                cells.append("—")
                counts["missing"] = counts.get("missing", 0) + 1
                continue
            if spec == "ok":
                styles = correct_styles(lesson)
                spec = styles[(number + lesson_number) % len(styles)]
            folder = OUT / student.id / lesson
            folder.mkdir(parents=True)
            (folder / module).write_text(source_for(lesson, module, spec, answers))
            minutes = student.late.get(lesson)
            moment = due + dt.timedelta(minutes=minutes if minutes is not None else -early)
            stamp = moment.strftime("%Y-%m-%dT%H:%M:00Z")
            (folder / "submission.json").write_text(json.dumps({"submitted_at": stamp}) + "\n")
            text = describe(spec)
            if minutes is not None:
                text += f", {lateness(minutes)}"
                late_rows.append((student.id, lesson, stamp, lateness(minutes)))
            cells.append(text)
            kind = category(spec)
            counts[kind] = counts.get(kind, 0) + 1
            if kind == "mistake":
                mistakes.setdefault(f"{lesson} {spec}", []).append(student.id)
        rows.append((student, cells))
    write_readme(rows, counts, late_rows, mistakes, modules)
    return counts


def write_readme(rows, counts, late_rows, mistakes, modules) -> None:
    total = sum(v for k, v in counts.items() if k != "missing")
    lines = [
        "# Demo class (synthetic)",
        "",
        "Generated by `scripts/make_demo_class.py` (deterministic; do not edit by hand: rerun",
        "the script). Each submission is `<student>/<lesson>/<module>` plus `submission.json`",
        "with its UTC `submitted_at`. Files come from the repository: `reference` is",
        "`solutions/`, `correct_*` / `mistake_*` are `tests/catalog/<lesson>/` files, hostile",
        "ones are `tests/attacks/` files plus the lesson 2 functions from",
        "`tests/test_attacks.py`, stubs are `exercises/`. Catalog docstrings (which name the",
        "mistake) are replaced by the stub's docstring; this file is the answer key.",
        "",
        f"{len(rows)} students, {total} submissions: "
        + ", ".join(f"{counts.get(k, 0)} {k}" for k in
                    ("correct", "mistake", "hostile", "syntax error", "stub"))
        + f"; {counts.get('missing', 0)} lesson slots left empty.",
        "",
        "Expected: correct → full marks; mistake → partial; stub, syntax error and hostile → 0.",
        "Unmarked submissions are a few hours to a day before the deadline (23:59 UTC):",
        ", ".join(f"{lesson} {due:%Y-%m-%d}" for lesson, (_, due) in modules.items()) + ".",
        "",
        "| student | role | " + " | ".join(LESSONS) + " |",
        "|---|---|" + "---|" * len(LESSONS),
    ]
    for student, cells in rows:
        lines.append(f"| `{student.id}` | {student.role} | " + " | ".join(cells) + " |")
    lines += ["", "## Late submissions", "", "| student | lesson | submitted_at | |", "|---|---|---|---|"]
    lines += [f"| `{s}` | {lesson} | {stamp} | {text} |" for s, lesson, stamp, text in late_rows]
    lines += ["", "## Mistakes (shared ones should top the reteach summary)", "",
              "| lesson / mistake | students |", "|---|---|"]
    for key, students in sorted(mistakes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        lines.append(f"| {key} | {len(students)}: " + ", ".join(f"`{s}`" for s in students) + " |")
    missing = [(s.id, [lesson for lesson in LESSONS if lesson not in s.lessons])
               for s, _ in rows]
    missing = [(s, m) for s, m in missing if m]
    lines += ["", f"## Missing lessons ({len(missing)} students)", ""]
    lines += [f"- `{s}`: " + ", ".join(m) for s, m in missing]
    (OUT.parent / "class-answers.md").write_text("\n".join(lines) + "\n")


def main() -> int:
    counts = build()
    total = sum(v for k, v in counts.items() if k != "missing")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(ROSTER)} students, {total} submissions, "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
