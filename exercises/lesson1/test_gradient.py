"""Public checks for lesson 1: small fixed inputs you can work out by hand.

Run them with `course check lesson1`. `sub` is your gradient.py: every call runs your code and
returns its answer. A function argument such as f is written as its source text
(`source_fn("lambda x: ...")`) and built next to your code. Most checks use the notes' worked
example f(x, y) = x² + 3y at p = (1, 2), where ∇f(p) = (2, 3). The hidden tests check the same
rules on random inputs, float32 and float64, more shapes and more functions.
"""

import math

import pytest
import torch

from grader.checks import (
    N_,
    Mismatch,
    Mistake,
    Text,
    expect_close,
    expect_contract,
    expect_raises,
    expect_untouched,
    source_fn,
    t,
)

F64, F32 = torch.float64, torch.float32
P = torch.tensor([1.0, 2.0], dtype=F64)
F = source_fn("lambda x: x[0] ** 2 + 3 * x[1]")  # f(x, y) = x² + 3y, ∇f = (2x, 3)
GRAD_F = torch.tensor([2.0, 3.0], dtype=F64)
LABELS = ("minimum", "maximum", "saddle", "degenerate", "not critical")

ONE_SIDED = N_("a one-sided difference (f(x + eps·eᵢ) − f(x)) / eps: use the central difference "
               "(f(x + eps·eᵢ) − f(x − eps·eᵢ)) / (2·eps)")
TWICE = N_("twice the central difference: divide by 2·eps (the two points are 2·eps apart), "
           "not by eps")
ROUND_OFF = N_("float32 round-off: f was evaluated in float32, which cannot resolve a step of "
               "1e-6; evaluate f on float64 copies of x and cast the estimate back to x's dtype")
NOT_RESTORED = N_("an earlier perturbation was not undone: after element i its value was left at "
                  "xᵢ − eps, so later elements were computed at a shifted point; perturb a fresh "
                  "copy for every element (or restore xᵢ exactly)")
NON_LEAF = N_("the gradient came back as zeros: .grad was read from a non-leaf tensor (a "
              ".to()/.double() after requires_grad_() makes a new tensor whose .grad stays None); "
              "convert first, then call requires_grad_()")
ACCUMULATE = N_("the old x.grad was added in: backward() adds into .grad, so gradients accumulate "
                "across calls; differentiate a fresh leaf copy of x and leave x.grad alone")
V_IGNORED = N_("v is ignored (this is the gradient of sum(f(x))): weight each output element by "
               "v, e.g. grad_outputs=v")
OUTPUT_TIMES_V = N_("that is f(x)·v, an elementwise product, not vᵀ·J: element j of vᵀ·J is "
                    "Σᵢ vᵢ·∂fᵢ/∂xⱼ, a sum over the outputs (pass v as grad_outputs)")
GRADIENT_TIMES_V = N_("that is the gradient of sum(f(x)) multiplied elementwise by v, not vᵀ·J: "
                      "weight each output fᵢ by its own vᵢ before summing over the outputs, "
                      "Σᵢ vᵢ·∂fᵢ/∂xⱼ (pass v as grad_outputs)")
J_TIMES_V = N_("that is J·v, not vᵀ·J: weight the rows of J (one per output) by v")
ASCENT = N_("this is the direction of steepest ascent, +∇f/‖∇f‖: the descent direction is "
            "−∇f/‖∇f‖")
UNNORMALISED = N_("the direction does not have unit length: divide −∇f by its 2-norm ‖∇f‖ "
                  "(over all elements)")
ROWWISE = N_("each row was normalised on its own: use one 2-norm over all elements of ∇f, as if "
             "the tensor were flattened")
ZERO_DIRECTION = N_("the direction came back as zeros although ∇f(x) ≠ 0: check the gradient it is "
                    "built from (is .grad read from a non-leaf tensor?)")
ZERO_GRADIENT = N_("at a zero gradient (‖∇f‖ < 1e-12) there is no descent direction: return a "
                   "zero tensor instead of dividing by the norm")
SMALL_GRADIENT = N_("the direction came back as zeros for a small but nonzero gradient: only "
                    "‖∇f‖ < 1e-12 counts as zero; above that, −∇f/‖∇f‖ is a unit vector however "
                    "small ∇f is (compare the norm with 1e-12, not a larger threshold)")


def tensor(*values, dtype=F64):
    return torch.tensor(values if len(values) != 1 else values[0], dtype=dtype)


# Why a label is wrong, by the label expected (and 'not critical' given for a critical point).
NOT_CRITICAL = N_("‖∇f(x)‖ > tol here, so x is not a critical point: check the gradient's norm "
                  "before looking at the Hessian")
CRITICAL = N_("‖∇f(x)‖ ≤ tol here, so x is a critical point: answer 'not critical' only when the "
              "gradient's norm exceeds tol")
DEGENERATE = N_("an eigenvalue of the Hessian lies within ±tol of 0 (a flat direction), so the "
                "point is degenerate: compare the eigenvalues with tol and −tol, not with 0")
SADDLE = N_("the Hessian has eigenvalues of both signs (> tol and < −tol), so it is a saddle: "
            "decide from the signs of all the eigenvalues (the det(H) and H[0,0] test only holds "
            "for two variables)")
MINIMUM = N_("every eigenvalue of the Hessian is above tol, so it is a minimum: decide from the "
             "signs of all the eigenvalues (the det(H) and H[0,0] test only holds for two "
             "variables)")
MAXIMUM = N_("every eigenvalue of the Hessian is below −tol, so it is a maximum: decide from the "
             "signs of all the eigenvalues (the det(H) and H[0,0] test only holds for two "
             "variables)")


def expect_label(got, expected: str, *, what: str | Text) -> None:
    """classify_critical_point's answer is the expected label; a wrong one is explained."""
    if got == expected:
        return
    shown = t("expected {expected}\n     got {got}", expected=repr(expected), got=repr(got))
    if not isinstance(got, str) or got not in LABELS:
        raise Mismatch(t("{what} should return one of {labels}", what=what,
                         labels=", ".join(map(repr, LABELS))), shown)
    if expected == "not critical":
        why = NOT_CRITICAL
    elif got == "not critical":
        why = CRITICAL
    else:
        why = {"degenerate": DEGENERATE, "saddle": SADDLE, "minimum": MINIMUM,
               "maximum": MAXIMUM}[expected]
    raise Mismatch(t("{what} should be {expected}: {why}", what=what, expected=repr(expected),
                     why=why), shown)


# ---------------------------------------------------------------------- numerical_grad


@pytest.mark.points(1)
def test_numerical_grad_is_a_central_difference(sub):
    """numerical_grad is the central difference (f(x+ε·eᵢ) − f(x−ε·eᵢ)) / (2ε)."""
    # Along x: (f(1.1, 2) − f(0.9, 2)) / 0.2 = (7.21 − 6.81) / 0.2 = 2, exact for a quadratic.
    mistakes = [
        Mistake(t("{mistake} (it gives 2.1 here)", mistake=ONE_SIDED), tensor(2.1, 3.0)),
        Mistake(TWICE, 2 * GRAD_F),
    ]
    expect_close(sub.numerical_grad(F, P, eps=0.1), GRAD_F,
                 what="numerical_grad(f, p, eps=0.1)", mistakes=mistakes)


def _float32_estimate() -> torch.Tensor:
    """What evaluating x³ + xy in float32 at (1, 2) with eps = 1e-6 gives (the mistake)."""
    x, eps = torch.tensor([1.0, 2.0]), 1e-6
    out = []
    for i in range(2):
        plus, minus = x.clone(), x.clone()
        plus[i] += eps
        minus[i] -= eps
        g = lambda z: z[0] ** 3 + z[0] * z[1]  # noqa: E731
        out.append(float((g(plus) - g(minus)) / (2 * eps)))
    return torch.tensor(out)


@pytest.mark.points(1)
def test_numerical_grad_default_eps_keeps_float32(sub):
    """At the default eps a float32 x gets an accurate float32 estimate (f runs on float64 copies)."""
    f = source_fn("lambda x: x[0] ** 3 + x[0] * x[1]")  # ∇f = (3x² + y, x) = (5, 1) at (1, 2)
    expect_close(sub.numerical_grad(f, P.float()), tensor(5.0, 1.0, dtype=F32),
                 what="numerical_grad(x³ + xy, float32 p)",
                 mistakes=[Mistake(ROUND_OFF, _float32_estimate())])


@pytest.mark.points(1)
def test_numerical_grad_restores_every_element(sub):
    """x comes back untouched, and every element is estimated at x itself, not at a shifted point."""
    f = source_fn("lambda x: x[0] * x[1] + x[0] ** 2")  # ∇f = (y + 2x, x) = (4, 1) at (1, 2)
    outcome = sub.run("numerical_grad", f, P, eps=0.1)
    expect_contract(outcome, (f, P), what="numerical_grad", names=("f", "x"))
    # Left at x₀ − 0.1 = 0.9 after element 0, element 1 would come out as 0.9 instead of 1.
    expect_close(outcome.result, tensor(4.0, 1.0), what="numerical_grad(xy + x², p, eps=0.1)",
                 mistakes=[Mistake(NOT_RESTORED, tensor(4.0, 0.9))])


# ---------------------------------------------------------------------- autograd_grad


@pytest.mark.points(1)
def test_autograd_grad_example(sub):
    """autograd_grad gives the exact gradient (2, 3) of x² + 3y at (1, 2)."""
    expect_close(sub.autograd_grad(F, P), GRAD_F, what="autograd_grad(f, p)",
                 mistakes=[Mistake(NON_LEAF, torch.zeros(2, dtype=F64))])


@pytest.mark.points(1)
def test_autograd_grad_keeps_float32(sub):
    """A float32 x gets its float32 gradient (2, 3)."""
    expect_close(sub.autograd_grad(F, P.float()), tensor(2.0, 3.0, dtype=F32),
                 what="autograd_grad(f, float32 p)",
                 mistakes=[Mistake(NON_LEAF, torch.zeros(2))])


@pytest.mark.points(2)
@pytest.mark.parametrize("case", [N_("plain x"), N_("x holding a .grad")])
def test_autograd_grad_leaves_x_alone(sub, case):
    """x keeps its requires_grad and its .grad (None, or what it held): nothing accumulates into it."""
    x = P.clone()
    if case == "x holding a .grad":
        x.requires_grad_(True)
        x.grad = tensor(1.0, 1.0)  # as left by an earlier backward()
    outcome = sub.run("autograd_grad", F, x)
    expect_close(outcome.result, GRAD_F, what=t("autograd_grad(f, p) for {case}", case=case),
                 mistakes=[Mistake(ACCUMULATE, GRAD_F + 1),
                           Mistake(NON_LEAF, torch.zeros(2, dtype=F64))])
    expect_contract(outcome, (F, x), what="autograd_grad", names=("f", "x"))


@pytest.mark.points(1)
def test_autograd_grad_one_element_and_constant_outputs(sub):
    """A one-element output counts as a scalar; an output that does not depend on x has gradient 0."""
    one = source_fn("lambda x: (x ** 3).sum().reshape(1)")  # ∇ = 3x² = (3, 12)
    expect_close(sub.autograd_grad(one, P), tensor(3.0, 12.0),
                 what="autograd_grad(f, p) with f returning a tensor of shape (1,)")
    constant = source_fn("lambda x: torch.tensor(2.5, dtype=x.dtype)")
    expect_close(sub.autograd_grad(constant, P), tensor(0.0, 0.0),
                 what="autograd_grad(f, p) with f returning a constant tensor")


@pytest.mark.points(1)
def test_autograd_grad_refuses_vector_output(sub):
    """autograd_grad raises ValueError mentioning "scalar" when f returns more than one number."""
    expect_raises(ValueError, sub.autograd_grad, source_fn("lambda x: x ** 2"), P,
                  what="autograd_grad(lambda x: x ** 2, p)",
                  why="when f returns more than one number (only a scalar has a gradient; a "
                      "vector output must not be summed into one)",
                  match="scalar")


@pytest.mark.points(1)
def test_autograd_grad_refuses_integer_x(sub):
    """autograd_grad raises TypeError for an integer x: only floating point tensors can require gradients."""
    expect_raises(TypeError, sub.autograd_grad, F, torch.tensor([1, 2]),
                  what="autograd_grad(f, torch.tensor([1, 2]))",
                  why="for an integer x (only floating point tensors can require gradients)",
                  match="floating point")


# ---------------------------------------------------------------------- vjp

STACK = source_fn("lambda x: torch.stack([x[0] ** 2, x[0] * x[1]])")  # J = [[2, 0], [2, 1]] at p
OUTER = source_fn("lambda x: torch.outer(x, torch.tensor([1.0, 2.0, 3.0], dtype=x.dtype))")


@pytest.mark.points(1)
def test_vjp_example(sub):
    """vjp of f(x) = (x₀², x₀·x₁) at (1, 2) with v = (1, 10) is vᵀJ = (1·2 + 10·2, 10·1) = (22, 10)."""
    v = tensor(1.0, 10.0)
    expect_close(sub.vjp(STACK, P, v), tensor(22.0, 10.0), what="vjp(f, p, v=(1, 10))",
                 mistakes=[Mistake(J_TIMES_V, tensor(2.0, 12.0)),
                           Mistake(OUTPUT_TIMES_V, tensor(1.0, 20.0)),    # f(p)·v = (1, 2)·(1, 10)
                           Mistake(GRADIENT_TIMES_V, tensor(4.0, 10.0)),  # ∇sum(f) = (4, 1) times v
                           Mistake(V_IGNORED, tensor(4.0, 1.0))])


@pytest.mark.points(1)
def test_vjp_float32_leaves_x_and_v_alone(sub):
    """f(x) = x·(1, 2, 3)ᵀ is 2×3; v picks f₀₀ and f₁₂, so vᵀJ = (1, 3), in float32, x and v untouched."""
    x = P.float().requires_grad_(True)
    v = torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    outcome = sub.run("vjp", OUTER, x, v)
    expect_close(outcome.result, tensor(1.0, 3.0, dtype=F32), what="vjp(f, float32 p, v)",
                 mistakes=[Mistake(V_IGNORED, tensor(6.0, 6.0, dtype=F32))])
    expect_contract(outcome, (OUTER, x, v), what="vjp", names=("f", "x", "v"))


@pytest.mark.points(2)
@pytest.mark.parametrize("case", ["reshaped", "broadcast"])
def test_vjp_rejects_v_of_another_shape(sub, case):
    """vjp raises ValueError unless v has exactly f(x)'s shape (no reshaping, no broadcasting)."""
    if case == "reshaped":
        v = torch.ones(3, 2, dtype=F64)
        why = N_("when v has shape (3, 2) but f(x) has shape (2, 3): the same number of "
                 "elements, but v must have exactly f(x)'s shape, not be reshaped to it")
    else:
        v = torch.ones(3, dtype=F64)
        why = N_("when v has shape (3,) and f(x) has shape (2, 3): v would broadcast, but it "
                 "must have exactly f(x)'s shape")
    expect_raises(ValueError, sub.vjp, OUTER, P, v,
                  what=t("vjp(f, p, v of shape {shape})", shape=str(tuple(v.shape))), why=why)


# ---------------------------------------------------------------------- steepest_descent


@pytest.mark.points(1)
def test_steepest_descent_example(sub):
    """steepest_descent is −∇f/‖∇f‖ = (−2, −3)/√13 ≈ (−0.5547, −0.8321)."""
    expected = tensor(-2.0, -3.0) / math.sqrt(13.0)
    mistakes = [Mistake(ASCENT, -expected), Mistake(UNNORMALISED, -GRAD_F)]
    expect_close(sub.steepest_descent(F, P), expected, what="steepest_descent(f, p)",
                 mistakes=mistakes)


@pytest.mark.points(1)
def test_steepest_descent_normalises_over_all_elements(sub):
    """For a 2×2 x the norm is taken over all four elements: ∇f = [[1, 2], [2, 4]], ‖∇f‖ = 5."""
    f = source_fn("lambda x: (torch.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=x.dtype) * x).sum()")
    x = torch.ones(2, 2)
    outcome = sub.run("steepest_descent", f, x)
    grad = torch.tensor([[1.0, 2.0], [2.0, 4.0]])
    expect_close(outcome.result, -grad / 5, what="steepest_descent(f, float32 2×2 x)",
                 mistakes=[Mistake(ROWWISE, -grad / grad.norm(dim=1, keepdim=True)),
                           Mistake(ASCENT, grad / 5), Mistake(UNNORMALISED, -grad),
                           Mistake(ZERO_DIRECTION, torch.zeros(2, 2))])
    expect_contract(outcome, (f, x), what="steepest_descent", names=("f", "x"))


@pytest.mark.points(1)
def test_steepest_descent_at_a_saddle_is_zero(sub):
    """Where the gradient is zero there is no descent direction: a zero tensor, not nan."""
    g = source_fn("lambda x: x[0] ** 2 - x[1] ** 2")
    expect_close(sub.steepest_descent(g, torch.zeros(2, dtype=F64)), torch.zeros(2, dtype=F64),
                 what="steepest_descent(x² − y², (0, 0))", nonfinite=ZERO_GRADIENT)


@pytest.mark.points(1)
def test_steepest_descent_of_a_small_gradient_is_a_unit_vector(sub):
    """∇f = (3, 4)·1e-9 is small but not below 1e-12: the direction is still (−0.6, −0.8)."""
    g = source_fn("lambda x: 1e-9 * (3 * x[0] + 4 * x[1])")
    expect_close(sub.steepest_descent(g, P), tensor(-0.6, -0.8),
                 what="steepest_descent(1e-9·(3x + 4y), p)",
                 mistakes=[Mistake(SMALL_GRADIENT, torch.zeros(2, dtype=F64)),
                           Mistake(UNNORMALISED, tensor(-3e-9, -4e-9))])


# ---------------------------------------------------------------------- 0-dim x


@pytest.mark.points(1)
def test_zero_dim_x(sub):
    """A 0-dim x gives 0-dim answers: f(x) = x³ at x = 2 has f'(2) = 12, descent direction −1."""
    x = tensor(2.0)
    cube = source_fn("lambda x: x ** 3")
    # central difference of x³: ((2.5)³ − (1.5)³) / 1 = 12.25 = 3x² + eps²
    expect_close(sub.numerical_grad(cube, x, eps=0.5), tensor(12.25),
                 what="numerical_grad(x³, tensor(2.), eps=0.5)")
    expect_close(sub.autograd_grad(cube, x), tensor(12.0), what="autograd_grad(x³, tensor(2.))")
    expect_close(sub.steepest_descent(cube, x), tensor(-1.0),
                 what="steepest_descent(x³, tensor(2.))",
                 mistakes=[Mistake(ASCENT, tensor(1.0)), Mistake(UNNORMALISED, tensor(-12.0))])
    # f(x) = (x, x²) has J = (1, 2x)ᵀ = (1, 4)ᵀ at 2, so with v = (1, 1): vᵀJ = 1 + 4 = 5
    pair = source_fn("lambda x: torch.stack([x, x ** 2])")
    expect_close(sub.vjp(pair, x, tensor(1.0, 1.0)), tensor(5.0),
                 what="vjp((x, x²), tensor(2.), v=(1, 1))")


# ---------------------------------------------------------------------- classify_critical_point


@pytest.mark.points(1)
def test_classify_critical_point_examples(sub):
    """The notes' table: minimum, maximum, saddle, degenerate at the origin; p is not critical."""
    origin = torch.zeros(2, dtype=F64)
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
                     what=t("classify_critical_point({name}, {where})", name=name, where=where))


@pytest.mark.points(1)
def test_classify_compares_eigenvalues_with_tol(sub):
    """x² + 10⁻⁸·y² has eigenvalues 2 and 2·10⁻⁸: within tol = 1e-6 of 0, so it is degenerate."""
    f = source_fn("lambda x: x[0] ** 2 + 1e-8 * x[1] ** 2")
    origin = torch.zeros(2, dtype=F64)
    expect_label(sub.classify_critical_point(f, origin), "degenerate",
                 what="classify_critical_point(x² + 1e-8·y², (0, 0))")
    expect_label(sub.classify_critical_point(f, origin, tol=1e-9), "minimum",
                 what="classify_critical_point(x² + 1e-8·y², (0, 0), tol=1e-9)")


@pytest.mark.points(1)
def test_classify_uses_tol_for_the_gradient(sub):
    """At (1e-4, 0) the gradient of x² + y² has norm 2e-4: not critical for tol = 1e-6, critical for 1e-3."""
    f = source_fn("lambda x: x[0] ** 2 + x[1] ** 2")
    x = tensor(1e-4, 0.0)
    expect_label(sub.classify_critical_point(f, x), "not critical",
                 what="classify_critical_point(x² + y², (1e-4, 0))")
    expect_label(sub.classify_critical_point(f, x, tol=1e-3), "minimum",
                 what="classify_critical_point(x² + y², (1e-4, 0), tol=1e-3)")


@pytest.mark.points(1)
def test_classify_three_variables(sub):
    """With three variables (float32 x) only the eigenvalues' signs decide, not the 2-D det(H) test."""
    origin = torch.zeros(3)
    cases = [
        ("−x² − y² − z²", "lambda x: -(x ** 2).sum()", "maximum"),
        ("x² − y² − z²", "lambda x: x[0] ** 2 - x[1] ** 2 - x[2] ** 2", "saddle"),
        ("x² + y² + z²", "lambda x: (x ** 2).sum()", "minimum"),
    ]
    for name, source, label in cases:
        x = origin.clone().requires_grad_(True)
        outcome = sub.run("classify_critical_point", source_fn(source), x)
        expect_label(outcome.result, label,
                     what=t("classify_critical_point({name}, (0, 0, 0))", name=name))
        expect_untouched((x,), outcome.args_after[1:], what="classify_critical_point",
                         names=("x",))
