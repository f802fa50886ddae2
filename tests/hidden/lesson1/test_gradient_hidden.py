"""Hidden suite for lesson 1 (gradient.py): random points, both dtypes, shapes, edge and error cases.

Functions reach the submission as source text (``source_fn``); the same text is rebuilt here,
in the checker, for the oracle: exact gradients and vector-Jacobian products by float64
autograd, and the central difference itself for a given eps. The submission is reached only
through ``sub``. Wrong answers with a known shape are named through ``Mistake`` candidates,
each the checker's own version of a catalogued mistake.
"""

from __future__ import annotations

import importlib.util
import math

import pytest
import torch

from grader.checks import (
    N_,
    Mismatch,
    Mistake,
    exercise_file,
    expect_close,
    expect_contract,
    expect_raises,
    expect_untouched,
    source_fn,
    t,
)

DTYPES = [pytest.param(torch.float64, id="float64"), pytest.param(torch.float32, id="float32")]
SHAPES = [pytest.param((), id="0-dim"), pytest.param((5,), id="vector"),
          pytest.param((3, 4), id="matrix")]

# Tolerances of a finite difference at the default eps = 1e-6 against the exact gradient:
# round-off in f(x ± eps) divided by 2·eps leaves about 1e-8 here.
NUMERICAL_RTOL, NUMERICAL_ATOL = 1e-5, 1e-6


def _import_public_checks():
    """This lesson's public checks (the course's own file, read in the checker): the hidden
    suite names mistakes in the same words, so the messages live there only."""
    path = exercise_file("lesson1", "test_gradient.py")
    spec = importlib.util.spec_from_file_location("_lesson1_public_checks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


public = _import_public_checks()
ONE_SIDED = public.ONE_SIDED
TWICE = public.TWICE
ROUND_OFF = public.ROUND_OFF
NOT_RESTORED = public.NOT_RESTORED
NON_LEAF = public.NON_LEAF
ACCUMULATE = public.ACCUMULATE
V_IGNORED = public.V_IGNORED
OUTPUT_TIMES_V = public.OUTPUT_TIMES_V
GRADIENT_TIMES_V = public.GRADIENT_TIMES_V
ASCENT = public.ASCENT
UNNORMALISED = public.UNNORMALISED
ROWWISE = public.ROWWISE
ZERO_DIRECTION = public.ZERO_DIRECTION
ZERO_GRADIENT = public.ZERO_GRADIENT
SMALL_GRADIENT = public.SMALL_GRADIENT
LABELS = public.LABELS
expect_label = public.expect_label

EXACT_NOT_NUMERICAL = N_("this is the exact derivative, not the finite-difference estimate: "
                         "numerical_grad computes the central difference with the eps it is "
                         "given")
INTEGER_X = N_("for an integer x (only floating point tensors can require gradients)")
VECTOR_F = N_("when f returns more than one number (a gradient needs a scalar output; a vector "
              "output must not be summed into one)")


# ---------------------------------------------------------------------- oracle (checker only)


class Fn:
    """A function known by its source: sent to the runner as text, rebuilt here for the oracle."""

    def __init__(self, source: str, name: str = "") -> None:
        self.spec = source_fn(source, name)
        namespace = {"torch": torch, "math": math}
        if name:
            exec(compile(source, f"<oracle {name}>", "exec"), namespace)
            self.call = namespace[name]
        else:
            self.call = eval(compile(source, "<oracle>", "eval"), namespace)


# A smooth scalar function of any shape; the weights k make every element's derivative differ.
SMOOTH = Fn(
    "def f(x):\n"
    "    k = torch.arange(1, x.numel() + 1, dtype=x.dtype).reshape(x.shape)\n"
    "    return (k * torch.sin(x)).sum() + (x ** 3).sum() / 3\n",
    "f",
)
# SMOOTH plus a coupling term: every partial derivative depends on every element, so an
# estimate taken at a point an earlier element left shifted is visibly wrong.
COUPLED = Fn(
    "def f(x):\n"
    "    k = torch.arange(1, x.numel() + 1, dtype=x.dtype).reshape(x.shape)\n"
    "    return (k * torch.sin(x)).sum() + (x ** 3).sum() / 3 + 0.5 * x.sum() ** 2\n",
    "f",
)
ELEMENTWISE = Fn("lambda x: torch.sin(x) * x ** 2")
STACKED = Fn("lambda x: torch.stack([x.sum(), (x ** 2).sum(), (torch.cos(x) * x).sum()])")
OUTER = Fn("lambda x: torch.outer(torch.tensor([1.0, -2.0], dtype=x.dtype), torch.exp(0.5 * x))")
CUBE_SUM = Fn("lambda x: (x ** 3).sum()")
SQUARES = Fn("lambda x: (x ** 2).sum()")


def exact_grad(fn: Fn, x: torch.Tensor) -> torch.Tensor:
    """∇f(x) by float64 autograd."""
    leaf = x.detach().to(torch.float64).clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(fn.call(leaf), leaf)
    return grad


def exact_vjp(fn: Fn, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """vᵀ·J_f(x) by float64 autograd."""
    leaf = x.detach().to(torch.float64).clone().requires_grad_(True)
    (grad,) = torch.autograd.grad(fn.call(leaf), leaf, grad_outputs=v.to(torch.float64))
    return grad


def differences(fn: Fn, x: torch.Tensor, eps: float, *, central: bool = True,
                dtype: torch.dtype = torch.float64, restore: bool = True) -> torch.Tensor:
    """The central (or one-sided) difference for every element, f evaluated in ``dtype``;
    with ``restore=False`` each element is left at xᵢ − eps (the mistake)."""
    flat = x.detach().to(dtype).clone().reshape(-1)
    out = torch.empty(flat.numel(), dtype=dtype)
    for i in range(flat.numel()):
        if not restore:
            flat[i] += eps
            f_plus = float(fn.call(flat.reshape(x.shape)))
            flat[i] -= 2 * eps
            out[i] = (f_plus - float(fn.call(flat.reshape(x.shape)))) / (2 * eps)
            continue
        plus = flat.clone()
        plus[i] += eps
        f_plus = float(fn.call(plus.reshape(x.shape)))
        if central:
            minus = flat.clone()
            minus[i] -= eps
            out[i] = (f_plus - float(fn.call(minus.reshape(x.shape)))) / (2 * eps)
        else:
            out[i] = (f_plus - float(fn.call(flat.reshape(x.shape)))) / eps
    return out.reshape(x.shape)


def numerical_mistakes(fn: Fn, x: torch.Tensor, eps: float, expected: torch.Tensor) -> list:
    """The catalogued wrong estimates at x (x in the dtype the submission receives)."""
    mistakes = [Mistake(TWICE, 2 * expected),
                Mistake(ONE_SIDED, differences(fn, x, eps, central=False).to(x.dtype))]
    if x.dtype == torch.float32:
        mistakes.insert(0, Mistake(ROUND_OFF, differences(fn, x, eps, dtype=torch.float32)))
    return mistakes


def draw(rng: torch.Generator, shape: tuple, dtype: torch.dtype, scale: float = 1.0):
    """A random point in float64, rounded to ``dtype`` (so the oracle sees what is sent)."""
    return (torch.randn(shape, generator=rng, dtype=torch.float64) * scale).to(dtype)


def vjp_mistakes(fn: Fn, x: torch.Tensor, v: torch.Tensor) -> list:
    """v ignored, and the elementwise products a vᵀ·J is mistaken for (where they broadcast)."""
    out = fn.call(x.double())
    ones = exact_vjp(fn, x, torch.ones_like(out))
    mistakes = [Mistake(V_IGNORED, ones.to(x.dtype)),
                Mistake(OUTPUT_TIMES_V, (out * v.double()).to(x.dtype))]
    try:
        mistakes.append(Mistake(GRADIENT_TIMES_V, (ones * v.double()).to(x.dtype)))
    except RuntimeError:  # v does not broadcast against x: that mistake would have crashed
        pass
    return mistakes


def descent_mistakes(grad: torch.Tensor, direction: torch.Tensor) -> list:
    mistakes = [Mistake(ASCENT, -direction), Mistake(UNNORMALISED, -grad),
                Mistake(ZERO_DIRECTION, torch.zeros_like(direction))]
    if grad.dim() >= 2:
        rows = torch.linalg.vector_norm(grad, dim=-1, keepdim=True)
        mistakes.append(Mistake(ROWWISE, -grad / rows))
    return mistakes


def quadratic(rng: torch.Generator, eigenvalues: list[float], *, rotate: bool, shape: tuple):
    """f(x) = ½·dᵀAd + 0.3·Σd³ with d = x.flatten() − c: ∇f(c) = 0 and the Hessian at c is A.

    A = Q·diag(λ)·Qᵀ with Q a random rotation, or a random signed permutation when ``rotate``
    is False (then A's eigenvalues are exactly λ in any dtype). Returns (Fn, c shaped like x).
    """
    n = len(eigenvalues)
    if rotate:
        q, _ = torch.linalg.qr(torch.randn(n, n, generator=rng, dtype=torch.float64))
    else:
        signs = torch.where(torch.rand(n, generator=rng) < 0.5, -1.0, 1.0).to(torch.float64)
        q = torch.eye(n, dtype=torch.float64)[torch.randperm(n, generator=rng)] * signs
    a = q @ torch.diag(torch.tensor(eigenvalues, dtype=torch.float64)) @ q.T
    a = (a + a.T) / 2
    # Round the centre to float32 values so the point sent in either dtype is exactly c.
    c = torch.randn(n, generator=rng, dtype=torch.float64).float().double()
    source = (
        "def f(x):\n"
        f"    a = torch.tensor({a.tolist()!r}, dtype=x.dtype)\n"
        f"    c = torch.tensor({c.tolist()!r}, dtype=x.dtype)\n"
        "    d = x.reshape(-1) - c\n"
        "    return 0.5 * (d @ a @ d) + 0.3 * (d ** 3).sum()\n"
    )
    return Fn(source, "f"), c.reshape(shape), a


# ---------------------------------------------------------------------- numerical_grad


@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_numerical_grad_matches_the_gradient(sub, rng, dtype, shape):
    """At the default eps, numerical_grad agrees with the exact gradient, in x's dtype and shape."""
    x = draw(rng, shape, dtype)
    expected = exact_grad(SMOOTH, x).to(dtype)
    rtol, atol = (NUMERICAL_RTOL, NUMERICAL_ATOL) if dtype == torch.float64 else (None, None)
    expect_close(sub.numerical_grad(SMOOTH.spec, x), expected, what="numerical_grad(f, x)",
                 mistakes=lambda: numerical_mistakes(SMOOTH, x, 1e-6, expected), rtol=rtol, atol=atol)


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [pytest.param((4,), id="vector"),
                                   pytest.param((2, 3), id="matrix")])
def test_numerical_grad_uses_the_given_eps(sub, rng, dtype, shape):
    """With eps = 0.01 the result is the central difference itself, each element taken at x itself."""
    eps = 0.01
    x = draw(rng, shape, dtype)
    expected = differences(COUPLED, x, eps).to(dtype)
    mistakes = [
        Mistake(ONE_SIDED, differences(COUPLED, x, eps, central=False).to(dtype)),
        Mistake(TWICE, 2 * expected),
        Mistake(EXACT_NOT_NUMERICAL, exact_grad(COUPLED, x).to(dtype)),
        Mistake(NOT_RESTORED, differences(COUPLED, x, eps, restore=False).to(dtype)),
    ]
    # rtol 1e-6 leaves room for an eps rounded through float32; the exact derivative is
    # about 1e-5 away, a one-sided difference about 1e-2.
    rtol, atol = (1e-6, 1e-8) if dtype == torch.float64 else (None, None)
    expect_close(sub.numerical_grad(COUPLED.spec, x, eps=eps), expected,
                 what="numerical_grad(f, x, eps=0.01)", mistakes=mistakes, rtol=rtol, atol=atol)


@pytest.mark.points(1)
def test_numerical_grad_accepts_a_python_float(sub, rng):
    """f may return a Python float instead of a 0-dim tensor."""
    x = draw(rng, (4,), torch.float64)
    expected = torch.cos(x) - x * torch.sin(x)
    expect_close(sub.numerical_grad(source_fn("lambda x: float((torch.cos(x) * x).sum())"), x),
                 expected, what="numerical_grad(f, x) with f returning a Python float",
                 rtol=NUMERICAL_RTOL, atol=NUMERICAL_ATOL)


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
def test_numerical_grad_leaves_x_alone(sub, rng, dtype):
    """numerical_grad is right and x comes back exactly as it was sent (no in-place perturbation)."""
    x = draw(rng, (3, 2), dtype)
    outcome = sub.run("numerical_grad", SMOOTH.spec, x)
    expect_contract(outcome, (SMOOTH.spec, x), what="numerical_grad", names=("f", "x"))
    expected = exact_grad(SMOOTH, x).to(dtype)
    rtol, atol = (NUMERICAL_RTOL, NUMERICAL_ATOL) if dtype == torch.float64 else (None, None)
    expect_close(outcome.result, expected, what="numerical_grad(f, x)", rtol=rtol, atol=atol,
                 mistakes=lambda: numerical_mistakes(SMOOTH, x, 1e-6, expected))


# ---------------------------------------------------------------------- autograd_grad


@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_autograd_grad_values(sub, rng, dtype, shape):
    """autograd_grad is ∇f(x), detached, with x's shape and dtype."""
    x = draw(rng, shape, dtype)
    expected = exact_grad(SMOOTH, x).to(dtype)
    expect_close(sub.autograd_grad(SMOOTH.spec, x), expected, what="autograd_grad(f, x)",
                 mistakes=[Mistake(NON_LEAF, torch.zeros_like(expected))])


@pytest.mark.points(2)
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain x", "x requiring grad"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_autograd_grad_leaves_x_alone(sub, rng, dtype, requires_grad):
    """autograd_grad is right and leaves x.requires_grad as it was and x.grad None."""
    x = draw(rng, (2, 3), dtype).requires_grad_(requires_grad)
    outcome = sub.run("autograd_grad", SMOOTH.spec, x)
    expected = exact_grad(SMOOTH, x).to(dtype)
    expect_close(outcome.result, expected, what="autograd_grad(f, x)",
                 mistakes=[Mistake(NON_LEAF, torch.zeros_like(expected))])
    expect_contract(outcome, (SMOOTH.spec, x), what="autograd_grad", names=("f", "x"))


@pytest.mark.points(1)
def test_autograd_grad_ignores_an_old_grad(sub, rng):
    """An x whose .grad is already set (as after an earlier backward) gets ∇f, and keeps its .grad."""
    x = draw(rng, (4,), torch.float64).requires_grad_(True)
    old = torch.randn(4, generator=rng, dtype=torch.float64)
    x.grad = old.clone()
    outcome = sub.run("autograd_grad", SMOOTH.spec, x)
    expected = exact_grad(SMOOTH, x)
    expect_close(outcome.result, expected, what="autograd_grad(f, x) for an x holding a .grad",
                 mistakes=[Mistake(ACCUMULATE, expected + old),
                           Mistake(NON_LEAF, torch.zeros_like(expected))])
    after = outcome.args_after[1]
    if after.grad is None:
        raise Mismatch("autograd_grad cleared x.grad: leave the caller's tensor as it was and "
                       "differentiate a fresh leaf copy")
    expect_close(after.grad, old, what="x.grad after autograd_grad(f, x)",
                 mistakes=[Mistake(ACCUMULATE, expected + old)])
    expect_untouched((x,), (after,), what="autograd_grad", names=("x",))


@pytest.mark.points(1)
@pytest.mark.parametrize("output", [N_("constant tensor"), N_("one-element tensor")])
def test_autograd_grad_accepts_any_scalar_output(sub, rng, output):
    """f may return a one-element tensor of shape (1,); a constant tensor has gradient zero."""
    x = draw(rng, (3,), torch.float64)
    if output == "one-element tensor":
        source, expected = "lambda x: (x ** 3).sum().reshape(1)", 3 * x**2
    else:
        source = "lambda x: torch.tensor(2.5, dtype=x.dtype)"
        expected = torch.zeros(3, dtype=torch.float64)
    expect_close(sub.autograd_grad(source_fn(source), x), expected,
                 what=t("autograd_grad(f, x) with f returning a {output}", output=output))


@pytest.mark.points(2)
@pytest.mark.parametrize("fn", [pytest.param(ELEMENTWISE, id="same shape as x"),
                                pytest.param(STACKED, id="three numbers")])
def test_autograd_grad_refuses_vector_output(sub, rng, fn):
    """autograd_grad raises ValueError mentioning "scalar" when f returns more than one number."""
    x = draw(rng, (3,), torch.float64)
    expect_raises(ValueError, sub.autograd_grad, fn.spec, x,
                  what="autograd_grad with f returning a vector", why=VECTOR_F, match="scalar")


@pytest.mark.points(2)
@pytest.mark.parametrize("x", [pytest.param(torch.tensor([1, 2, 3]), id="int64 vector"),
                               pytest.param(torch.arange(6, dtype=torch.int32).reshape(2, 3),
                                            id="int32 matrix")])
def test_autograd_grad_refuses_integer_x(sub, x):
    """autograd_grad raises TypeError for a non-floating x, saying only floating point tensors can require gradients."""
    expect_raises(TypeError, sub.autograd_grad, SQUARES.spec, x,
                  what="autograd_grad with an integer x", why=INTEGER_X, match="floating point")


# ---------------------------------------------------------------------- vjp

VJP_CASES = [
    pytest.param(ELEMENTWISE, (3, 4), id="elementwise"),
    pytest.param(STACKED, (5,), id="vector to 3"),
    pytest.param(STACKED, (), id="0-dim to 3"),
    pytest.param(OUTER, (3,), id="vector to matrix"),
    pytest.param(CUBE_SUM, (2, 2), id="scalar output"),
]


@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("fn", "shape"), VJP_CASES)
def test_vjp_values(sub, rng, dtype, fn, shape):
    """vjp(f, x, v) = vᵀ·J_f(x), shaped like x, for outputs of any shape."""
    x = draw(rng, shape, dtype)
    out_shape = fn.call(x.double()).shape
    v = draw(rng, tuple(out_shape), dtype)
    expected = exact_vjp(fn, x, v).to(dtype)
    expect_close(sub.vjp(fn.spec, x, v), expected, what="vjp(f, x, v)",
                 mistakes=lambda: vjp_mistakes(fn, x, v))


@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["reshaped", "broadcast row", "0-dim v", "too short"])
def test_vjp_rejects_v_of_another_shape(sub, rng, case):
    """vjp raises ValueError unless v has exactly f(x)'s shape (no reshaping, no broadcasting)."""
    if case == "reshaped":
        fn, x, v_shape = OUTER, draw(rng, (3,), torch.float64), (3, 2)
        why = N_("when v has shape (3, 2) but f(x) has shape (2, 3): the same number of "
                 "elements, but v must have exactly f(x)'s shape, not be reshaped to it")
    elif case == "broadcast row":
        fn, x, v_shape = ELEMENTWISE, draw(rng, (3, 4), torch.float64), (4,)
        why = N_("when v has shape (4,) and f(x) has shape (3, 4): v would broadcast, but it "
                 "must have exactly f(x)'s shape")
    elif case == "0-dim v":
        fn, x, v_shape = STACKED, draw(rng, (5,), torch.float64), ()
        why = N_("when v is 0-dim and f(x) has shape (3,): v would broadcast, but it must "
                 "have exactly f(x)'s shape")
    else:
        fn, x, v_shape = STACKED, draw(rng, (5,), torch.float64), (4,)
        why = N_("when v has shape (4,) but f(x) has shape (3,)")
    v = draw(rng, v_shape, torch.float64)
    expect_raises(ValueError, sub.vjp, fn.spec, x, v,
                  what=t("vjp with v of shape {shape}", shape=str(v_shape)), why=why)


@pytest.mark.points(1)
def test_vjp_leaves_x_and_v_alone(sub, rng):
    """vjp is right and leaves x and v unchanged, returning a new detached tensor."""
    x = draw(rng, (3,), torch.float64).requires_grad_(True)
    v = draw(rng, (2, 3), torch.float64)
    outcome = sub.run("vjp", OUTER.spec, x, v)
    expect_close(outcome.result, exact_vjp(OUTER, x, v), what="vjp(f, x, v)")
    expect_contract(outcome, (OUTER.spec, x, v), what="vjp", names=("f", "x", "v"))


# ---------------------------------------------------------------------- steepest_descent


@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_steepest_descent_values(sub, rng, dtype, shape):
    """steepest_descent is −∇f/‖∇f‖ with one 2-norm over all elements, in x's shape and dtype."""
    x = draw(rng, shape, dtype)
    grad = exact_grad(SMOOTH, x)
    direction = -grad / torch.linalg.vector_norm(grad)
    expect_close(sub.steepest_descent(SMOOTH.spec, x), direction.to(dtype),
                 what="steepest_descent(f, x)", mistakes=lambda: descent_mistakes(grad, direction))


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", [N_("critical point"), N_("tiny gradient")])
def test_steepest_descent_at_a_zero_gradient(sub, rng, dtype, case):
    """Where ‖∇f(x)‖ < 1e-12 there is no descent direction: a zero tensor, not nan."""
    if case == "critical point":
        fn, x = SQUARES, torch.zeros(2, 3, dtype=dtype)
    else:
        fn = Fn("lambda x: 1e-14 * (torch.arange(1, x.numel() + 1, dtype=x.dtype)"
                ".reshape(x.shape) * x).sum()")
        x = draw(rng, (2, 3), dtype)
    grad = exact_grad(fn, x)
    norm = torch.linalg.vector_norm(grad)
    mistakes = [Mistake(ZERO_GRADIENT, -grad / norm)] if norm > 0 else []
    expect_close(sub.steepest_descent(fn.spec, x), torch.zeros(2, 3, dtype=dtype),
                 what=t("steepest_descent(f, x) at a {case}", case=case), mistakes=mistakes,
                 nonfinite=ZERO_GRADIENT)


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
def test_steepest_descent_of_a_small_gradient(sub, rng, dtype):
    """A gradient of norm ~1e-8 is above the 1e-12 threshold: the direction is a unit vector, not zeros."""
    fn = Fn("lambda x: 1e-9 * (torch.arange(1, x.numel() + 1, dtype=x.dtype)"
            ".reshape(x.shape) * x).sum()")
    x = draw(rng, (2, 3), dtype)
    grad = exact_grad(fn, x)
    direction = -grad / torch.linalg.vector_norm(grad)
    expect_close(sub.steepest_descent(fn.spec, x), direction.to(dtype),
                 what="steepest_descent(f, x) with ‖∇f(x)‖ ≈ 1e-8",
                 mistakes=lambda: [Mistake(SMALL_GRADIENT, torch.zeros(2, 3, dtype=dtype)),
                                   *descent_mistakes(grad, direction)])


@pytest.mark.points(1)
def test_steepest_descent_leaves_x_alone(sub, rng):
    """steepest_descent is right and leaves x unchanged, returning a new detached tensor."""
    x = draw(rng, (4, 2), torch.float64).requires_grad_(True)
    outcome = sub.run("steepest_descent", SMOOTH.spec, x)
    grad = exact_grad(SMOOTH, x)
    direction = -grad / torch.linalg.vector_norm(grad)
    expect_close(outcome.result, direction, what="steepest_descent(f, x)",
                 mistakes=lambda: descent_mistakes(grad, direction))
    expect_contract(outcome, (SMOOTH.spec, x), what="steepest_descent", names=("f", "x"))


# ---------------------------------------------------------------------- classify_critical_point

# (eigenvalues of the Hessian at the critical point, rotate, shape of x, expected label)
CRITICAL_CASES = [
    pytest.param([0.8, 2.5, 1.3], True, (3,), "minimum", id="minimum in 3-D"),
    pytest.param([-1.7], True, (), "maximum", id="maximum in 1-D"),
    pytest.param([-0.9, -2.2, -1.4, -3.0], True, (2, 2), "maximum", id="maximum in 2x2"),
    pytest.param([2.0, -1.0, -1.5], True, (3,), "saddle", id="saddle in 3-D"),
    pytest.param([1.0, 2.0, -1.0, -2.0], True, (4,), "saddle", id="saddle in 4-D"),
    pytest.param([1.5, 0.0, 0.7], False, (3,), "degenerate", id="zero eigenvalue"),
    pytest.param([2.0, 1e-8], False, (2,), "degenerate", id="tiny positive eigenvalue"),
    pytest.param([-3.0, -2.0, -5e-9], False, (3,), "degenerate", id="tiny negative eigenvalue"),
    pytest.param([2.0, -1e-8, 1.0], False, (3,), "degenerate", id="tiny eigenvalue in a bowl"),
    pytest.param([1.0, 2.0], True, (2,), "not critical", id="not critical"),
]


@pytest.mark.points(4)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("eigenvalues", "rotate", "shape", "label"), CRITICAL_CASES)
def test_classify_critical_point(sub, rng, dtype, eigenvalues, rotate, shape, label):
    """classify_critical_point reads the gradient norm, then the signs of the Hessian's eigenvalues."""
    fn, c, _ = quadratic(rng, eigenvalues, rotate=rotate, shape=shape)
    x = c if label != "not critical" else c + 0.5
    got = sub.classify_critical_point(fn.spec, x.to(dtype))
    expect_label(got, label, what=t("classify_critical_point at a {n}-variable point",
                                    n=len(eigenvalues)))


@pytest.mark.points(1)
@pytest.mark.parametrize("case", [N_("near-critical gradient"), N_("small eigenvalue")])
def test_classify_uses_tol(sub, rng, case):
    """tol is the threshold for both the gradient norm and the eigenvalues."""
    if case == "near-critical gradient":
        fn, c, a = quadratic(rng, [2.0, 1.5], rotate=True, shape=(2,))
        u = torch.randn(2, generator=rng, dtype=torch.float64)
        x = c + u * (5e-4 / torch.linalg.vector_norm(a @ u))  # ‖∇f(x)‖ ≈ 5e-4
        with_tol, default = "minimum", "not critical"
    else:
        fn, x, _ = quadratic(rng, [2.0, 3e-4], rotate=False, shape=(2,))
        with_tol, default = "degenerate", "minimum"
    expect_label(sub.classify_critical_point(fn.spec, x, tol=1e-3), with_tol,
                 what=t("classify_critical_point(f, x, tol=1e-3) with a {case}", case=case))
    expect_label(sub.classify_critical_point(fn.spec, x), default,
                 what=t("classify_critical_point(f, x) (tol=1e-6) with a {case}", case=case))


@pytest.mark.points(1)
def test_classify_leaves_x_alone(sub, rng):
    """classify_critical_point is right and leaves x unchanged."""
    fn, c, _ = quadratic(rng, [1.0, -2.0, 0.5], rotate=True, shape=(3,))
    x = c.clone().requires_grad_(True)
    outcome = sub.run("classify_critical_point", fn.spec, x)
    expect_label(outcome.result, "saddle",
                 what=t("classify_critical_point at a {n}-variable point", n=3))
    expect_untouched((x,), outcome.args_after[1:], what="classify_critical_point", names=("x",))
