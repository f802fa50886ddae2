"""``grader new-lesson ID``: every file a lesson needs, registered in course.toml, passing
``grader validate`` as a trivial lesson the author then rewrites.

The trivial lesson is ``scale(x, a) = a·x``: a master module, public checks, a hidden suite,
notes, hints and ten catalogued mistakes as patches, so the author starts from a lesson that
is already proven and changes one file at a time.
"""

from __future__ import annotations

import re
from pathlib import Path

from grader.course.config import (
    COURSE_FILE,
    LESSON_ID,
    MODULE_FILE,
    Course,
    CourseError,
)
from grader.course.files import write_atomic
from grader.course.hints import HINTS_FILE
from grader.engine.catalog import make_patch

MASTER = '''"""{title}: scale a tensor.

Replace this trivial lesson with yours: write the reference between the solution markers and
the stub's line after them; `grader validate --lesson {id}` proves the suites.
"""

from __future__ import annotations

import torch


def scale(x: torch.Tensor, a: float) -> torch.Tensor:
    """a·x as a new tensor of x's dtype; x is left unchanged."""
    ### BEGIN SOLUTION
    return torch.as_tensor(a, dtype=x.dtype) * x
    ### END SOLUTION
    # STUB: raise NotImplementedError("Your task: multiply x by a — see notes.md, section 'Scaling'")
'''

MISTAKES = {  # name: (the reference line replaced by, what it is, the words feedback names)
    "adds": ("return torch.as_tensor(a, dtype=x.dtype) + x", "adds a instead of multiplying",
             "adds a"),
    "forgets_a": ("return x.clone()", "returns x unscaled", "unscaled"),
    "sign": ("return -torch.as_tensor(a, dtype=x.dtype) * x", "flips the sign", "sign"),
    "twice": ("return 2 * torch.as_tensor(a, dtype=x.dtype) * x", "scales twice", "factor 2"),
    "plus_one": ("return torch.as_tensor(a, dtype=x.dtype) * x + 1", "adds 1", "adds 1"),
    "divides": ("return x / torch.as_tensor(a, dtype=x.dtype)", "divides by a", "divides"),
    "squares_a": ("return torch.as_tensor(a * a, dtype=x.dtype) * x", "squares a", "squares"),
    "in_place": ("return x.mul_(a)", "scales x in place", "in place"),
    "loses_dtype": ("return torch.as_tensor(a) * x.double()", "returns float64 always", "dtype"),
    "only_a": ("return torch.full_like(x, a)", "returns a everywhere", "everywhere"),
}

CANDIDATES = '''def mistakes(x, a):
    """What each catalogued mistake returns, with the sentence that names it."""
    return [
        Mistake("scale adds a instead of multiplying by it", a + x),
        Mistake("scale returns x unscaled: multiply by a", x.clone()),
        Mistake("the sign is flipped: a·x, not −a·x", -a * x),
        Mistake("there is an extra factor 2: a·x, not 2·a·x", 2 * a * x),
        Mistake("scale adds 1 to a·x", a * x + 1),
        Mistake("scale divides by a instead of multiplying", x / a),
        Mistake("scale squares a: a·x, not a²·x", a * a * x),
        Mistake("scale returns a everywhere instead of a·x", torch.full_like(x, a)),
    ]
'''

PUBLIC = '''"""Public checks for {id}: small inputs you can work out by hand (`course check {id}`)."""

import pytest
import torch

from grader.checks import Mistake, expect_close, expect_contract

X = torch.tensor([1.0, 2.0, -3.0], dtype=torch.float64)


''' + CANDIDATES + '''

@pytest.mark.points(2)
def test_scale_by_three(sub):
    """scale(x, 3) is 3·x."""
    expect_close(sub.scale(X, 3.0), 3 * X, what="scale([1, 2, -3], 3)", mistakes=mistakes(X, 3.0))


@pytest.mark.points(1)
def test_scale_keeps_float32(sub):
    """A float32 x gives a float32 result."""
    x = X.float()
    expect_close(sub.scale(x, 2.0), 2 * x, what="scale(float32 x, 2)", mistakes=mistakes(x, 2.0))


@pytest.mark.points(1)
def test_scale_leaves_x_alone(sub):
    """x is left unchanged, and the result is a new tensor."""
    outcome = sub.run("scale", X, 2.0)
    expect_contract(outcome, (X, 2.0), what="scale", names=("x", "a"))
    expect_close(outcome.result, 2 * X, what="scale([1, 2, -3], 2)")
'''

HIDDEN = '''"""Hidden suite for {id}: random inputs, both dtypes, several sizes."""

import pytest
import torch

from grader.checks import Mistake, expect_close, expect_contract

DTYPES = [pytest.param(torch.float64, id="float64"), pytest.param(torch.float32, id="float32")]


''' + CANDIDATES + '''

@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [1, 5, 33])
def test_scale_values(sub, rng, dtype, n):
    """scale(x, a) = a·x for random x and a."""
    x = torch.randn(n, generator=rng, dtype=torch.float64).to(dtype)
    a = float(torch.rand((), generator=rng, dtype=torch.float64) * 4 + 0.5)
    expect_close(sub.scale(x, a), (a * x.double()).to(dtype), what="scale(x, a)",
                 mistakes=lambda: mistakes(x, a))


@pytest.mark.points(1)
def test_scale_leaves_x_alone(sub, rng):
    """x is left unchanged, and the result is a new tensor."""
    x = torch.randn(7, generator=rng, dtype=torch.float64)
    outcome = sub.run("scale", x, 1.5)
    expect_contract(outcome, (x, 1.5), what="scale", names=("x", "a"))
    expect_close(outcome.result, 1.5 * x, what="scale(x, 1.5)")
'''

NOTES = '''# {title}

Replace these notes with your lesson's: the concept, the formulas, a worked example.

## Scaling

`scale(x, a)` multiplies every element of `x` by the number `a` and returns a new tensor of
`x`'s dtype: `scale([1, 2, -3], 3)` is `[3, 6, -9]`.
'''

CORRECT = '''"""correct: multiplies with torch.mul"""

import torch


def scale(x, a):
    return torch.mul(x, torch.as_tensor(a, dtype=x.dtype))
'''


def new_lesson(course: Course, lesson_id: str, *, title: str | None = None,
               module: str | None = None) -> list[Path]:
    """Write the lesson's files and register it; returns the files written."""
    module = module or f"{lesson_id}.py"
    if not LESSON_ID.match(lesson_id):
        raise CourseError(f"{lesson_id!r} is not a lesson id: lowercase letters, digits or _")
    if not MODULE_FILE.match(module):
        raise CourseError(f"{module!r} is not a Python file name such as adam.py")
    if any(lesson.id == lesson_id for lesson in course.lessons):
        raise CourseError(f"{lesson_id} is already a lesson of this course")
    title = title or f"Lesson {lesson_id}"
    stem = module.removesuffix(".py")
    values = {"id": lesson_id, "title": title}
    files = {
        Path("solutions") / lesson_id / module: MASTER.format(**values),
        Path("exercises") / lesson_id / f"test_{module}": PUBLIC.format(**values),
        Path("exercises") / lesson_id / "notes.md": NOTES.format(**values),
        Path("tests") / "hidden" / lesson_id / f"test_{stem}_hidden.py": HIDDEN.format(**values),
        Path("tests") / "catalog" / lesson_id / "correct_torch_mul.py": CORRECT,
    }
    reference = "\n".join(line for line in MASTER.format(**values).splitlines()
                          if not line.strip().startswith(("### ", "# STUB"))) + "\n"
    solution_line = "    return torch.as_tensor(a, dtype=x.dtype) * x"
    for name, (line, what, named) in MISTAKES.items():
        mistaken = reference.replace(solution_line, "    " + line)
        files[Path("tests") / "catalog" / lesson_id / f"mistake_{name}.diff"] = make_patch(
            reference, mistaken, mistake=what, named=named)
    existing = [path for path in files if (course.root / path).exists()]
    if existing:
        raise CourseError(f"{existing[0]} already exists; choose another lesson id")
    for path, text in files.items():
        write_atomic(course.root / path, text)
    config = course.root / COURSE_FILE
    text = config.read_text(encoding="utf-8")
    block = (f'\n[[lessons]]\nid = "{lesson_id}"\ntitle = "{title}"\nmodule = "{module}"\n'
             f"points = 10\n")
    write_atomic(config, _insert_lesson(text, block))
    hints = course.root / HINTS_FILE
    if hints.is_file():
        write_atomic(hints, hints.read_text(encoding="utf-8").rstrip("\n") +
                     f'\n\n[{lesson_id}]\nscale = ["Multiply every element of x by a: a * x, '
                     f'with a as a tensor of x\'s dtype."]\n')
    return [course.root / path for path in files] + [config]


def _insert_lesson(text: str, block: str) -> str:
    """The new [[lessons]] table after the last one (before [late], if that follows)."""
    late = re.search(r"(?m)^\[late\]", text)
    if late and late.start() > text.rfind("[[lessons]]"):
        return text[: late.start()].rstrip("\n") + "\n" + block + "\n" + text[late.start():]
    return text.rstrip("\n") + "\n" + block
