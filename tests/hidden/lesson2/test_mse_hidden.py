"""Hidden suite for lesson 2 (mse.py): random inputs, both dtypes, edge and error cases.

Expected values come from the float64 oracle below, computed here in the checker; the
submission is reached only through ``sub``. Wrong answers with a known shape are named
through ``Mistake`` candidates (see grader.checks).
"""

import importlib.util

import pytest
import torch

from grader.checks import (
    Mistake,
    exercise_file,
    expect_close,
    expect_contract,
    expect_exact,
    expect_raises,
    expect_tensor,
    expect_tuple,
    ratio_mistakes,
    t,
)

DTYPES = [pytest.param(torch.float64, id="float64"), pytest.param(torch.float32, id="float32")]
SIZES = [1, 7, 64]


def _import_public_checks():
    """This lesson's public checks (the course's own file, read in the checker): the hidden
    suite names mistakes in the same words, so the messages live there only."""
    path = exercise_file("lesson2", "test_mse.py")
    spec = importlib.util.spec_from_file_location("_lesson2_public_checks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


public = _import_public_checks()
SQRT_LEFT_IN = public.SQRT_LEFT_IN
NORM_IS_A_SUM = public.NORM_IS_A_SUM
ABS_NOT_SQUARE = public.ABS_NOT_SQUARE
X_FACTOR_MISSING = public.X_FACTOR_MISSING
BIAS_IGNORED = public.BIAS_IGNORED
DB_TIMES_X = public.DB_TIMES_X
PRODUCT_OF_MEANS = public.PRODUCT_OF_MEANS


# ---------------------------------------------------------------------- oracle (checker only)


def draw(rng: torch.Generator, n: int, d: int | None = None):
    """x, y, w, b in float64: y follows a noisy linear model, w is not the optimum.

    w and b are rounded to float32 values, so passing them as Python floats is exact however
    the submission converts them (torch.tensor(0.1) is float32).
    """
    shape = (n,) if d is None else (n, d)
    x = torch.randn(shape, generator=rng, dtype=torch.float64) * 2
    w_shape = () if d is None else (d,)
    true_w = torch.randn(w_shape, generator=rng, dtype=torch.float64)
    w = torch.randn(w_shape, generator=rng, dtype=torch.float64).float().double()
    b = torch.randn((), generator=rng, dtype=torch.float64).float().double()
    y = predict(x, true_w, 0.5) + 0.1 * torch.randn(n, generator=rng, dtype=torch.float64)
    return x, y, w, b


def predict(x, w, b):
    return (x * w if x.dim() == 1 else x @ w) + b


def gradients(x, y, w, b):
    r = predict(x, w, b) - y
    dw = 2 * (x * r).mean() if x.dim() == 1 else 2 * x.T @ r / x.shape[0]
    return dw, 2 * r.mean()


def dw_mistakes(x, y, w, b, dw):
    n = x.shape[0]
    r = predict(x, w, b) - y
    no_x = 2 * r.mean() if x.dim() == 1 else (2 * r.mean()).expand_as(w)
    return [Mistake(X_FACTOR_MISSING, no_x), Mistake(BIAS_IGNORED, gradients(x, y, w, 0.0)[0]),
            Mistake(PRODUCT_OF_MEANS, 2 * x.mean(dim=0) * r.mean()), *ratio_mistakes(dw, n)]


def db_mistakes(x, y, w, b, db):
    r = predict(x, w, b) - y
    wrong = [Mistake(BIAS_IGNORED, gradients(x, y, w, 0.0)[1]), *ratio_mistakes(db, x.shape[0])]
    if x.dim() == 1:
        wrong.insert(0, Mistake(DB_TIMES_X, 2 * (x * r).mean()))
    return wrong


def far_from_the_line(rng: torch.Generator, n: int, d: int | None = None):
    """x, y, w, b in float64 with moderate x (|x| ≤ 3) and large residuals ŷ − y that are
    nearly orthogonal to x and to 1: the cost is large and its slope small, so a finite
    difference of the cost is off by ~1e-10 (round-off) while every analytic form agrees
    to ~1e-14."""
    shape = (n,) if d is None else (n, d)
    x = torch.randn(shape, generator=rng, dtype=torch.float64).clamp(-3, 3)
    w = torch.randn(() if d is None else (d,), generator=rng, dtype=torch.float64)
    b = torch.randn((), generator=rng, dtype=torch.float64)
    design = torch.cat([x.reshape(n, -1), torch.ones(n, 1, dtype=torch.float64)], dim=1)
    q, _ = torch.linalg.qr(design)
    u = torch.randn(n, generator=rng, dtype=torch.float64)
    u = u - q @ (q.T @ u)  # orthogonal to every column of x and to 1
    r = 8 * u / u.abs().max() + 0.3 * torch.randn(n, generator=rng, dtype=torch.float64)
    return x, predict(x, w, b) - r, w, b


def cast(dtype, *tensors):
    return [tensor.to(dtype) for tensor in tensors]


# ---------------------------------------------------------------------- predict


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_predict_with_scalar_weight(sub, rng, dtype, n):
    """predict(x, w, b) = x·w + b for 1-D x and a scalar w."""
    x, _, w, b = draw(rng, n)
    got = sub.predict(*cast(dtype, x), float(w), float(b))
    expect_close(got, predict(x, w, b).to(dtype), what="predict(x, w, b) with 1-D x")


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
def test_predict_with_weight_vector(sub, rng, dtype):
    """predict(x, w, b) = x @ w + b for x of shape (N, D) and w of shape (D,)."""
    x, _, w, b = draw(rng, 12, 3)
    got = sub.predict(*cast(dtype, x, w, b))
    expect_close(got, predict(x, w, b).to(dtype), what="predict(x, w, b) with x of shape (N, D)")


@pytest.mark.points(1)
def test_predict_keeps_inputs_and_detaches(sub, rng):
    """predict is right and leaves its arguments unchanged, returning a new tensor."""
    x, _, w, b = draw(rng, 9)
    outcome = sub.run("predict", x, w, b)
    expect_contract(outcome, (x, w, b), what="predict", names=("x", "w", "b"))
    expect_close(outcome.result, predict(x, w, b), what="predict(x, w, b)")


# ---------------------------------------------------------------------- mse


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES)
def test_mse_value(sub, rng, dtype, n):
    """mse is the mean of the squared residuals, as a 0-dim tensor."""
    x, y, w, b = draw(rng, n)
    y_hat = predict(x, w, b)
    r = y_hat - y
    expected = (r**2).mean()
    mistakes = [
        Mistake(SQRT_LEFT_IN, r.norm(2)),
        Mistake("the square root is left in: that is the RMSE, not the MSE", expected.sqrt()),
        Mistake(NORM_IS_A_SUM, (r**2).sum()),
        Mistake(ABS_NOT_SQUARE, r.abs().mean()),
    ]
    got = sub.mse(*cast(dtype, y_hat, y))
    expect_close(got, expected.to(dtype), what="mse(y_hat, y)", mistakes=mistakes)


@pytest.mark.points(2)
@pytest.mark.parametrize("column", ["y_hat", "y"])
def test_mse_refuses_to_broadcast(sub, rng, column):
    """mse raises ValueError when one side is (N, 1) and the other (N,)."""
    x, y, w, b = draw(rng, 5)
    y_hat = predict(x, w, b)
    args = (y_hat[:, None], y) if column == "y_hat" else (y_hat, y[:, None])
    expect_raises(ValueError, sub.mse, *args,
                  what=t("mse with {column} of shape (N, 1)", column=column),
                  why="when the two shapes differ (no silent broadcasting to (N, N))")


@pytest.mark.points(1)
def test_mse_keeps_inputs(sub, rng):
    """mse is right and leaves its arguments unchanged."""
    x, y, w, b = draw(rng, 6)
    y_hat = predict(x, w, b)
    outcome = sub.run("mse", y_hat, y)
    expect_contract(outcome, (y_hat, y), what="mse", names=("y_hat", "y"))
    expect_close(outcome.result, ((y_hat - y) ** 2).mean(), what="mse(y_hat, y)")


# ---------------------------------------------------------------------- mse_grad


@pytest.mark.points(4)
@pytest.mark.disabled("autograd")
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SIZES[1:])
def test_mse_grad_dw_scalar_weight(sub, rng, dtype, n):
    """mse_grad's dw = mean(2·x·(ŷ − y)) for 1-D x (no bias)."""
    x, y, w, _ = draw(rng, n)
    dw, db = gradients(x, y, w, 0.0)
    got_dw, got_db = expect_tuple(sub.mse_grad(*cast(dtype, x, y), float(w)), 2, what="mse_grad")
    expect_close(got_dw, dw.to(dtype), what="mse_grad(x, y, w): dw",
                 mistakes=lambda: dw_mistakes(x, y, w, 0.0, dw))
    expect_close(got_db, db.to(dtype), what="mse_grad(x, y, w): db",
                 mistakes=lambda: db_mistakes(x, y, w, 0.0, db))


@pytest.mark.points(3)
@pytest.mark.disabled("autograd")
@pytest.mark.parametrize("dtype", DTYPES)
def test_mse_grad_with_bias(sub, rng, dtype):
    """mse_grad includes the bias in ŷ and returns db = mean(2·(ŷ − y))."""
    x, y, w, b = draw(rng, 23)
    dw, db = gradients(x, y, w, b)
    got_dw, got_db = expect_tuple(sub.mse_grad(*cast(dtype, x, y, w, b)), 2, what="mse_grad")
    expect_close(got_db, db.to(dtype), what="mse_grad(x, y, w, b): db",
                 mistakes=lambda: db_mistakes(x, y, w, b, db))
    expect_close(got_dw, dw.to(dtype), what="mse_grad(x, y, w, b): dw",
                 mistakes=lambda: dw_mistakes(x, y, w, b, dw))


@pytest.mark.points(3)
@pytest.mark.disabled("autograd")
@pytest.mark.parametrize("dtype", DTYPES)
def test_mse_grad_matrix_form(sub, rng, dtype):
    """For x of shape (N, D), dw = (2/N)·Xᵀ(Xw + b − y) has shape (D,)."""
    x, y, w, b = draw(rng, 30, 4)
    dw, db = gradients(x, y, w, b)
    got_dw, got_db = expect_tuple(sub.mse_grad(*cast(dtype, x, y, w, b)), 2, what="mse_grad")
    expect_close(got_dw, dw.to(dtype), what="mse_grad(X, y, w, b) with X of shape (N, D): dw",
                 mistakes=lambda: dw_mistakes(x, y, w, b, dw))
    expect_close(got_db, db.to(dtype), what="mse_grad(X, y, w, b) with X of shape (N, D): db",
                 mistakes=lambda: db_mistakes(x, y, w, b, db))


@pytest.mark.points(1)
@pytest.mark.disabled("autograd")
def test_mse_grad_returns_shapes_of_its_parameters(sub, rng):
    """dw is 0-dim for a scalar w (even a Python float) and db is always 0-dim."""
    x, y, w, _ = draw(rng, 8)
    dw, db = gradients(x, y, w, 0.0)
    got = expect_tuple(sub.mse_grad(x, y, float(w)), 2, what="mse_grad")
    expect_tensor(got[0], what="mse_grad(x, y, w)[0] for a scalar w", shape=(), dtype=x.dtype)
    expect_tensor(got[1], what="mse_grad(x, y, w)[1]", shape=(), dtype=x.dtype)
    expect_close(got[0], dw, what="mse_grad(x, y, w): dw", mistakes=lambda: dw_mistakes(x, y, w, 0.0, dw))
    expect_close(got[1], db, what="mse_grad(x, y, w): db", mistakes=lambda: db_mistakes(x, y, w, 0.0, db))


@pytest.mark.points(1)
@pytest.mark.disabled("autograd")
def test_mse_grad_keeps_inputs(sub, rng):
    """mse_grad is right and leaves its arguments unchanged, returning new detached tensors."""
    x, y, w, b = draw(rng, 10, 2)
    outcome = sub.run("mse_grad", x, y, w, b)
    expect_contract(outcome, (x, y, w, b), what="mse_grad", names=("x", "y", "w", "b"))
    dw, db = gradients(x, y, w, b)
    got_dw, got_db = expect_tuple(outcome.result, 2, what="mse_grad")
    expect_close(got_dw, dw, what="mse_grad(X, y, w, b): dw", mistakes=lambda: dw_mistakes(x, y, w, b, dw))
    expect_close(got_db, db, what="mse_grad(X, y, w, b): db", mistakes=lambda: db_mistakes(x, y, w, b, db))


@pytest.mark.points(2)
@pytest.mark.disabled("autograd")
@pytest.mark.parametrize("d", [None, 3], ids=["scalar w", "weight vector"])
def test_mse_grad_is_the_exact_derivative(sub, rng, d):
    """In float64 on moderate inputs mse_grad matches the derivative to ~1e-12 (not a finite difference)."""
    x, y, w, b = far_from_the_line(rng, 12, d)
    dw, db = gradients(x, y, w, b)
    got_dw, got_db = expect_tuple(sub.mse_grad(x, y, w, b), 2, what="mse_grad")
    expect_exact(got_dw, dw, what="mse_grad(x, y, w, b) in float64: dw",
                 mistakes=lambda: dw_mistakes(x, y, w, b, dw))
    expect_exact(got_db, db, what="mse_grad(x, y, w, b) in float64: db",
                 mistakes=lambda: db_mistakes(x, y, w, b, db))


# ---------------------------------------------------------------------- mse_grad_autograd


@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("d", [None, 3])
def test_mse_grad_autograd_matches_formula(sub, rng, dtype, d):
    """mse_grad_autograd returns the same (dw, db) as the formula."""
    x, y, w, b = draw(rng, 16, d)
    dw, db = gradients(x, y, w, b)
    got_dw, got_db = expect_tuple(sub.mse_grad_autograd(*cast(dtype, x, y, w, b)), 2, what="mse_grad_autograd")
    expect_close(got_dw, dw.to(dtype), what="mse_grad_autograd(x, y, w, b): dw",
                 mistakes=lambda: dw_mistakes(x, y, w, b, dw))
    expect_close(got_db, db.to(dtype), what="mse_grad_autograd(x, y, w, b): db",
                 mistakes=lambda: db_mistakes(x, y, w, b, db))


@pytest.mark.points(2)
def test_mse_grad_autograd_leaves_callers_tensors_alone(sub, rng):
    """A w that already requires grad comes back with no .grad and requires_grad unchanged."""
    x, y, w, b = draw(rng, 11, 2)
    w_leaf = w.clone().requires_grad_(True)
    outcome = sub.run("mse_grad_autograd", x, y, w_leaf, b)
    expect_contract(outcome, (x, y, w_leaf, b), what="mse_grad_autograd",
                    names=("x", "y", "w", "b"))
    dw, _ = gradients(x, y, w, b)
    got_dw, _ = expect_tuple(outcome.result, 2, what="mse_grad_autograd")
    expect_close(got_dw, dw, what="mse_grad_autograd(x, y, w) with w.requires_grad: dw",
                 mistakes=lambda: dw_mistakes(x, y, w, b, dw))


@pytest.mark.points(2)
@pytest.mark.parametrize("d", [None, 2], ids=["scalar w", "weight vector"])
def test_mse_grad_autograd_leaves_plain_tensors_alone(sub, rng, d):
    """Tensors w and b that do not require grad come back that way: requires_grad is not switched on."""
    x, y, w, b = draw(rng, 10, d)
    outcome = sub.run("mse_grad_autograd", x, y, w, b)
    expect_contract(outcome, (x, y, w, b), what="mse_grad_autograd",
                    names=("x", "y", "w", "b"))
    dw, db = gradients(x, y, w, b)
    got_dw, got_db = expect_tuple(outcome.result, 2, what="mse_grad_autograd")
    expect_close(got_dw, dw, what="mse_grad_autograd(x, y, w, b): dw",
                 mistakes=lambda: dw_mistakes(x, y, w, b, dw))
    expect_close(got_db, db, what="mse_grad_autograd(x, y, w, b): db",
                 mistakes=lambda: db_mistakes(x, y, w, b, db))


@pytest.mark.points(1)
def test_mse_grad_autograd_twice_gives_the_same_answer(sub, rng):
    """Calling twice gives the same gradient: nothing accumulates between calls."""
    x, y, w, b = draw(rng, 13)
    dw, _ = gradients(x, y, w, b)
    w_leaf = w.clone().requires_grad_(True)
    sub.mse_grad_autograd(x, y, w_leaf, b)
    got_dw, _ = expect_tuple(sub.mse_grad_autograd(x, y, w_leaf, b), 2, what="mse_grad_autograd")
    expect_close(got_dw, dw, what="mse_grad_autograd called a second time: dw",
                 mistakes=[Mistake("gradients accumulate across calls: .grad is not zeroed "
                                   "(use fresh leaf copies or torch.autograd.grad)", 2 * dw)])


# ---------------------------------------------------------------------- loss_curve


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
def test_loss_curve_values(sub, rng, dtype):
    """loss_curve(x, y, ws)[i] = mse(predict(x, ws[i]), y)."""
    x, y, _, _ = draw(rng, 20)
    ws = torch.linspace(-3, 3, 25, dtype=torch.float64)
    expected = torch.stack([((x * w - y) ** 2).mean() for w in ws])
    mistakes = [Mistake(NORM_IS_A_SUM, expected * x.shape[0]),
                Mistake("the square root is left in: that is the RMSE, not the MSE",
                        expected.sqrt())]
    got = sub.loss_curve(*cast(dtype, x, y, ws))
    expect_close(got, expected.to(dtype), what="loss_curve(x, y, ws)", mistakes=mistakes)


@pytest.mark.points(1)
def test_loss_curve_finds_least_squares_weight(sub, rng):
    """The smallest value of the curve sits at the least-squares weight Σxy / Σx²."""
    x, y, _, _ = draw(rng, 40)
    best = float((x * y).sum() / (x * x).sum())
    ws = torch.linspace(best - 1, best + 1, 201, dtype=torch.float64)
    got = expect_tensor(sub.loss_curve(x, y, ws), what="loss_curve(x, y, ws)", shape=(201,))
    found = float(ws[int(torch.argmin(got))])
    if abs(found - best) > 0.011:
        expect_close(got, torch.stack([((x * w - y) ** 2).mean() for w in ws]),
                     what="loss_curve(x, y, ws)")


@pytest.mark.points(1)
def test_loss_curve_keeps_inputs(sub, rng):
    """loss_curve is right and leaves x, y and ws unchanged."""
    x, y, _, _ = draw(rng, 10)
    ws = torch.linspace(-1, 1, 5, dtype=torch.float64)
    outcome = sub.run("loss_curve", x, y, ws)
    expect_contract(outcome, (x, y, ws), what="loss_curve", names=("x", "y", "ws"))
    expected = torch.stack([((x * w - y) ** 2).mean() for w in ws])
    expect_close(outcome.result, expected, what="loss_curve(x, y, ws)")
