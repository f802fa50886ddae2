"""Public checks for lesson 1: small fixed inputs you can work out by hand.

Run them with `course check lesson1`. `sub` is your gradient.py: every call runs your code and
returns its answer. A function argument such as f is written as its source text
(`source_fn("lambda x: ...")`) and built next to your code. Most checks use the notes' worked
example f(x, y) = x² + 3y at p = (1, 2), where ∇f(p) = (2, 3). The hidden tests check the same
functions on random inputs, float32 and float64, more shapes and more functions.
"""

import math

import pytest
import torch

from grader.checks import Mistake, expect_close, expect_raises, source_fn
from grader.checks import Mismatch

P = torch.tensor([1.0, 2.0], dtype=torch.float64)
F = source_fn("lambda x: x[0] ** 2 + 3 * x[1]")  # f(x, y) = x² + 3y, ∇f = (2x, 3)
GRAD_F = torch.tensor([2.0, 3.0], dtype=torch.float64)


def expect_label(got, expected: str, *, what: str) -> None:
    """classify_critical_point returned the expected label."""
    if got != expected:
        raise Mismatch(f"{what} should be {expected!r}", f"expected {expected!r}\n     got {got!r}")


@pytest.mark.points(1)
def test_numerical_grad_is_a_central_difference(sub):
    """numerical_grad is the central difference (f(x+ε·eᵢ) − f(x−ε·eᵢ)) / (2ε)."""
    # Along x: (f(1.1, 2) − f(0.9, 2)) / 0.2 = (7.21 − 6.81) / 0.2 = 2, exact for a quadratic.
    mistakes = [
        Mistake("one-sided difference: (f(x+ε) − f(x))/ε gives 2.1 here; use the central "
                "difference", torch.tensor([2.1, 3.0], dtype=torch.float64)),
        Mistake("twice the central difference: divide by 2ε (the two points are 2ε apart), "
                "not ε", 2 * GRAD_F),
    ]
    expect_close(sub.numerical_grad(F, P, eps=0.1), GRAD_F,
                 what="numerical_grad(f, p, eps=0.1)", mistakes=mistakes)


@pytest.mark.points(1)
def test_numerical_grad_default_eps_keeps_float32(sub):
    """At the default eps a float32 x gets an accurate float32 estimate (f runs on float64 copies)."""
    f = source_fn("lambda x: x[0] ** 3 + x[0] * x[1]")  # ∇f = (3x² + y, x) = (5, 1) at (1, 2)
    expect_close(sub.numerical_grad(f, P.float()), torch.tensor([5.0, 1.0]),
                 what="numerical_grad(x³ + xy, float32 p)")


@pytest.mark.points(1)
def test_autograd_grad_example(sub):
    """autograd_grad gives the exact gradient (2, 3) of x² + 3y at (1, 2)."""
    expect_close(sub.autograd_grad(F, P), GRAD_F, what="autograd_grad(f, p)")


@pytest.mark.points(1)
def test_autograd_grad_refuses_what_has_no_gradient(sub):
    """autograd_grad raises ValueError for a vector output and TypeError for an integer x."""
    expect_raises(ValueError, sub.autograd_grad, source_fn("lambda x: x ** 2"), P,
                  what="autograd_grad(lambda x: x ** 2, p)",
                  why="when f returns more than one number (only a scalar has a gradient)",
                  match="scalar")
    expect_raises(TypeError, sub.autograd_grad, F, torch.tensor([1, 2]),
                  what="autograd_grad(f, torch.tensor([1, 2]))",
                  why="for an integer x (only floating point tensors can require gradients)")


@pytest.mark.points(1)
def test_vjp_example(sub):
    """vjp of f(x) = (x₀², x₀·x₁) at (1, 2) with v = (1, 10) is vᵀJ = (22, 10)."""
    f = source_fn("lambda x: torch.stack([x[0] ** 2, x[0] * x[1]])")  # J = [[2, 0], [2, 1]]
    v = torch.tensor([1.0, 10.0], dtype=torch.float64)
    expected = torch.tensor([22.0, 10.0], dtype=torch.float64)
    expect_close(sub.vjp(f, P, v), expected, what="vjp(f, p, v=(1, 10))",
                 mistakes=[Mistake("that is J·v, not vᵀ·J: weight the rows of J (one per output) "
                                   "by v", torch.tensor([2.0, 12.0], dtype=torch.float64))])


@pytest.mark.points(1)
def test_steepest_descent_example(sub):
    """steepest_descent is −∇f/‖∇f‖ = (−2, −3)/√13 ≈ (−0.5547, −0.8321)."""
    expected = torch.tensor([-2.0, -3.0], dtype=torch.float64) / math.sqrt(13.0)
    mistakes = [
        Mistake("that is the direction of steepest ascent: descent is −∇f", -expected),
        Mistake("the direction is not of unit length: divide −∇f by its 2-norm ‖∇f‖",
                -GRAD_F),
    ]
    expect_close(sub.steepest_descent(F, P), expected, what="steepest_descent(f, p)",
                 mistakes=mistakes)


@pytest.mark.points(1)
def test_steepest_descent_at_a_saddle_is_zero(sub):
    """Where the gradient is zero there is no descent direction: a zero tensor, not nan."""
    g = source_fn("lambda x: x[0] ** 2 - x[1] ** 2")
    expect_close(sub.steepest_descent(g, torch.zeros(2, dtype=torch.float64)),
                 torch.zeros(2, dtype=torch.float64), what="steepest_descent(x² − y², (0, 0))",
                 nonfinite="at a zero gradient return zeros instead of dividing by ‖∇f‖ = 0")


@pytest.mark.points(1)
def test_classify_critical_point_examples(sub):
    """The notes' table: minimum, maximum, saddle, degenerate at the origin; p is not critical."""
    origin = torch.zeros(2, dtype=torch.float64)
    cases = [
        ("x² + y²", "lambda x: x[0] ** 2 + x[1] ** 2", origin, "minimum"),
        ("−x² − y²", "lambda x: -x[0] ** 2 - x[1] ** 2", origin, "maximum"),
        ("x² − y²", "lambda x: x[0] ** 2 - x[1] ** 2", origin, "saddle"),
        ("x⁴ + y²", "lambda x: x[0] ** 4 + x[1] ** 2", origin, "degenerate"),
        ("x² + 3y", "lambda x: x[0] ** 2 + 3 * x[1]", P, "not critical"),
    ]
    for name, source, point, label in cases:
        where = "(0, 0)" if point is origin else "(1, 2)"
        expect_label(sub.classify_critical_point(source_fn(source), point), label,
                     what=f"classify_critical_point({name}, {where})")
