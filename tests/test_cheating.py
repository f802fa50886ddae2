"""Submissions that could only pass by cheating score 0; an honest neighbour is unaffected.

Every cheat below returns wrong answers (constant 7s) and tries to make the grader accept
them anyway. In-process graders (nbgrader, otter, plain pytest) give several of these full
marks; here verdicts are computed in a process the submission never runs in.
"""

from __future__ import annotations

import pytest

LESSON = "lesson2"

WRONG = '''
def predict(x, w, b=0.0):
    {body}
    return torch.full(x.shape[:1], 7.0, dtype=x.dtype)

def mse(y_hat, y):
    {body}
    return torch.tensor(7.0, dtype=y.dtype)

def mse_grad(x, y, w, b=0.0):
    {body}
    return torch.tensor(7.0, dtype=x.dtype), torch.tensor(7.0, dtype=x.dtype)

mse_grad_autograd = mse_grad

def loss_curve(x, y, ws):
    {body}
    return torch.full(ws.shape, 7.0, dtype=x.dtype)
'''


def cheat(prelude: str = "", body: str = "pass") -> bytes:
    return ("import os, sys, gc, torch\n" + prelude + "\n" + WRONG.format(body=body)).encode()


CHEATS = {
    "allclose-monkeypatch": cheat(
        "torch.allclose = lambda *a, **k: True\n"
        "torch.equal = lambda *a, **k: True\n"
        "torch.testing.assert_close = lambda *a, **k: None\n"
        "torch.Tensor.__eq__ = lambda *a, **k: True\n"
    ),
    "pytest-and-builtins-monkeypatch": cheat(
        "import builtins, math\n"
        "builtins.isinstance = lambda *a: True\n"
        "math.isclose = lambda *a, **k: True\n"
        "try:\n    import pytest\n    pytest.fail = lambda *a, **k: None\nexcept ImportError:\n    pass\n"
    ),
    "sys-exit-at-import": cheat("sys.exit(0)"),
    "os-exit-at-import": cheat("os._exit(0)"),
    "sys-exit-in-function": cheat(body="sys.exit(0)"),
    "os-exit-in-function": cheat(body="os._exit(0)"),
    "atexit-exit-code": cheat("import atexit\natexit.register(lambda: os._exit(0))", body="sys.exit(0)"),
    "eq-always-true": (b"""
import torch
class Anything:
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __float__(self): return 0.0
    def __bool__(self): return True
    def __getattr__(self, name): return lambda *a, **k: self
    def __iter__(self): return iter((Anything(), Anything()))
def predict(x, w, b=0.0): return Anything()
mse = mse_grad = mse_grad_autograd = loss_curve = predict
"""),
    "tensor-subclass-comparisons": (b"""
import torch
class Liar(torch.Tensor):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("allclose", "equal", "isclose", "eq"):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})
def liar(shape, dtype):
    return torch.full(shape, 7.0, dtype=dtype).as_subclass(Liar)
def predict(x, w, b=0.0): return liar(x.shape[:1], x.dtype)
def mse(y_hat, y): return liar((), y.dtype)
def mse_grad(x, y, w, b=0.0): return liar((), x.dtype), liar((), x.dtype)
mse_grad_autograd = mse_grad
def loss_curve(x, y, ws): return liar(ws.shape, x.dtype)
"""),
    "caller-frame-snooping": cheat(body="""
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "dw", "reference"):
            if name in frame.f_locals:
                return frame.f_locals[name]
        frame = frame.f_back"""),
    "gc-snooping": cheat(body="""
    for obj in gc.get_objects():
        if isinstance(obj, dict) and "expected" in obj:
            return obj["expected"]"""),
    "fake-passing-summary": cheat(
        "print('========== 45 passed in 0.12s ==========')\n"
        "print('{\"score\": 40.0, \"max_score\": 40.0, \"tests\": []}')\n"
        "sys.stderr.write('PASSED all checks\\n')\n",
        body="print('test_mse_grad PASSED'); print('{\"score\": 40}')",
    ),
}


@pytest.fixture(scope="module")
def graded(worker, course):
    reference = course.reference_source(course.lesson(LESSON))
    submissions = [("honest-before", reference), *CHEATS.items(), ("honest-after", reference)]
    results = worker.grade(LESSON, submissions)
    return {result.submission: result for result in results}


@pytest.mark.parametrize("name", sorted(CHEATS))
def test_a_cheat_scores_zero(graded, name):
    result = graded[name]
    assert result.max_score > 0
    assert result.score == 0, [t.name for t in result.tests if t.passed]


def test_honest_submissions_graded_beside_the_cheats_keep_full_marks(graded, worker, course):
    (clean,) = worker.grade(LESSON, [("alone", course.reference_source(course.lesson(LESSON)))])
    for label in ("honest-before", "honest-after"):
        result = graded[label]
        assert result.score == result.max_score == clean.score
        assert [t.passed for t in result.tests] == [t.passed for t in clean.tests]


def test_a_fake_summary_stays_in_what_the_submission_printed(graded):
    result = graded["fake-passing-summary"]
    assert "45 passed" in result.printed
    assert all("passed" not in t.feedback for t in result.tests)


def test_exits_are_reported_plainly(graded):
    assert "called sys.exit() while being imported" in graded["sys-exit-at-import"].problem
    assert "could not be imported" in graded["os-exit-at-import"].problem
    feedback = {t.feedback for t in graded["sys-exit-in-function"].tests}
    assert any("called sys.exit(): it must return a value" in f for f in feedback)
    feedback = {t.feedback for t in graded["os-exit-in-function"].tests}
    assert any("process ended (sys.exit, os._exit or a crash)" in f for f in feedback)
