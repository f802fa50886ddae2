"""Public checks for lesson 2: small fixed inputs you can work out by hand.

Run them with `course check lesson2`. `sub` is your mse.py: every call runs your code and
returns its answer. The hidden tests check the same rules on random inputs, in float32 and
float64, and more shapes. In every check of mse_grad autograd is disabled: use the formula.
"""

import pytest
import torch

from grader.checks import (
    N_,
    Mistake,
    expect_close,
    expect_contract,
    expect_exact,
    expect_raises,
    expect_tensor,
    expect_tuple,
    ratio_mistakes,
)

F64 = torch.float64
X = torch.tensor([1.0, 2.0, 3.0], dtype=F64)
Y = torch.tensor([2.0, 4.0, 6.0], dtype=F64)  # exactly y = 2x
X2 = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], dtype=F64)  # (N, D) = (3, 2)
Y2 = torch.tensor([1.0, 3.0, 3.0], dtype=F64)
W2 = torch.tensor([2.0, 3.0], dtype=F64)

# How each known mistake is named (the hidden tests use the same words).
SQRT_LEFT_IN = N_("the square root is left in: torch.norm(r, 2) is √(Σr²); square it and take "
                  "the mean")
NORM_IS_A_SUM = N_("a sum where a mean belongs: torch.norm(r, 2).pow(2) is Σr², divide by N")
ABS_NOT_SQUARE = N_("the residuals are not squared: use (ŷ − y)², not |ŷ − y|")
X_FACTOR_MISSING = N_("the factor x is missing: dL/dw = mean(2·x·(ŷ − y)), the chain rule brings "
                      "in x")
BIAS_IGNORED = N_("the bias b is left out of the prediction: ŷ = x·w + b")
DB_TIMES_X = N_("db is multiplied by x: dŷ/db = 1, so dL/db = mean(2·(ŷ − y))")
PRODUCT_OF_MEANS = N_("the product of the means is not the mean of the products: "
                      "dL/dw = mean(2·x·(ŷ − y)), so multiply x and the residual first, then "
                      "average")


def tensor(*values, dtype=F64):
    return torch.tensor(values if len(values) != 1 else values[0], dtype=dtype)


# ---------------------------------------------------------------------- predict


@pytest.mark.points(1)
def test_predict_1d(sub):
    """predict(x, w, b) is x·w + b for 1-D x and a scalar w."""
    expect_close(sub.predict(X, 2.0, 1.5), tensor(3.5, 5.5, 7.5),
                 what="predict([1, 2, 3], w=2, b=1.5)")


@pytest.mark.points(1)
def test_predict_matrix(sub):
    """For x of shape (N, D) and w of shape (D,), predict is x @ w + b."""
    # rows: 1·2 + 0·3 + 0.5, 0·2 + 1·3 + 0.5, 1·2 + 1·3 + 0.5
    expect_close(sub.predict(X2, W2, 0.5), tensor(2.5, 3.5, 5.5),
                 what="predict([[1, 0], [0, 1], [1, 1]], w=[2, 3], b=0.5)")


@pytest.mark.points(1)
def test_predict_float32_with_tensor_scalars(sub):
    """float32 x gives float32 predictions; w and b may be 0-dim tensors; x, w, b are untouched."""
    x, w, b = X.float(), torch.tensor(2.0), torch.tensor(1.5)
    outcome = sub.run("predict", x, w, b)
    expect_close(outcome.result, tensor(3.5, 5.5, 7.5, dtype=torch.float32),
                 what="predict(float32 [1, 2, 3], w=tensor(2.), b=tensor(1.5))")
    expect_contract(outcome, (x, w, b), what="predict", names=("x", "w", "b"))


# ---------------------------------------------------------------------- mse


@pytest.mark.points(1)
def test_mse_of_perfect_fit_is_zero(sub):
    """A perfect prediction has zero cost."""
    expect_close(sub.mse(Y, Y), tensor(0.0), what="mse(y, y)")


@pytest.mark.points(1)
def test_mse_value(sub):
    """mse is the mean of the squared residuals, a 0-dim tensor."""
    y_hat = tensor(1.0, 4.0, 8.0)  # residuals -1, 0, 2
    expect_close(sub.mse(y_hat, Y), tensor(5.0 / 3.0), what="mse([1, 4, 8], [2, 4, 6])",
                 mistakes=[Mistake(NORM_IS_A_SUM, tensor(5.0)),
                           Mistake(SQRT_LEFT_IN, tensor(5.0 ** 0.5)),
                           Mistake(ABS_NOT_SQUARE, tensor(1.0))])


@pytest.mark.points(1)
def test_mse_float32_keeps_inputs(sub):
    """float32 inputs give a float32 0-dim cost; y_hat and y are left as they were."""
    y_hat, y = tensor(1.0, 4.0, 8.0, dtype=torch.float32), Y.float()
    outcome = sub.run("mse", y_hat, y)
    expect_close(outcome.result, tensor(5.0 / 3.0, dtype=torch.float32),
                 what="mse(float32 [1, 4, 8], float32 [2, 4, 6])")
    expect_contract(outcome, (y_hat, y), what="mse", names=("y_hat", "y"))


@pytest.mark.points(1)
def test_mse_rejects_mismatched_shapes(sub):
    """mse refuses (N, 1) against (N,) instead of broadcasting."""
    expect_raises(ValueError, sub.mse, Y[:, None], Y,
                  what="mse(y_hat of shape (3, 1), y of shape (3,))",
                  why="when the shapes differ (no silent broadcasting to (N, N))")


# ---------------------------------------------------------------------- mse_grad


@pytest.mark.points(2)
@pytest.mark.disabled("autograd")
def test_mse_grad_at_w_1(sub):
    """At w = 1 the model under-predicts y = 2x: both gradients are negative."""
    dw, db = expect_tuple(sub.mse_grad(X, Y, 1.0), 2, what="mse_grad")
    # residual = x·1 − 2x = −x, so dw = mean(2·x·(−x)) = −2·(1 + 4 + 9)/3 and db = mean(−2x) = −4
    expected_dw = tensor(-28.0 / 3.0)
    expect_close(dw, expected_dw, what="mse_grad(x, y, w=1): dw",
                 mistakes=[Mistake(PRODUCT_OF_MEANS, tensor(-8.0)),  # 2·mean(x)·mean(r) = 2·2·(−2)
                           Mistake(X_FACTOR_MISSING, tensor(-4.0)),
                           *ratio_mistakes(expected_dw, n=3)])
    expect_close(db, tensor(-4.0), what="mse_grad(x, y, w=1): db",
                 mistakes=[Mistake(DB_TIMES_X, expected_dw), *ratio_mistakes(tensor(-4.0), n=3)])


@pytest.mark.points(2)
@pytest.mark.disabled("autograd")
def test_mse_grad_with_bias(sub):
    """The bias is part of ŷ: with w = 1, b = 1 the residuals are ŷ − y = (0, −1, −2)."""
    dw, db = expect_tuple(sub.mse_grad(X, Y, 1.0, 1.0), 2, what="mse_grad")
    # dw = 2·(1·0 + 2·(−1) + 3·(−2))/3 = −16/3 and db = 2·(0 − 1 − 2)/3 = −2
    expect_close(dw, tensor(-16.0 / 3.0), what="mse_grad(x, y, w=1, b=1): dw",
                 mistakes=[Mistake(BIAS_IGNORED, tensor(-28.0 / 3.0)),
                           Mistake(PRODUCT_OF_MEANS, tensor(-4.0)),  # 2·mean(x)·mean(r) = 2·2·(−1)
                           *ratio_mistakes(tensor(-16.0 / 3.0), n=3)])
    expect_close(db, tensor(-2.0), what="mse_grad(x, y, w=1, b=1): db",
                 mistakes=[Mistake(BIAS_IGNORED, tensor(-4.0)), *ratio_mistakes(tensor(-2.0), n=3)])


@pytest.mark.points(2)
@pytest.mark.disabled("autograd")
def test_mse_grad_matrix_form(sub):
    """For x of shape (N, D), dw = (2/N)·Xᵀ(Xw + b − y) has shape (D,)."""
    dw, db = expect_tuple(sub.mse_grad(X2, Y2, W2, 0.5), 2, what="mse_grad")
    # ŷ = (2.5, 3.5, 5.5), r = ŷ − y = (1.5, 0.5, 2.5): dw = (2/3)·(1.5 + 2.5, 0.5 + 2.5)
    expected_dw = tensor(8.0 / 3.0, 2.0)
    expect_close(dw, expected_dw, what="mse_grad(X, y, w=[2, 3], b=0.5): dw",
                 mistakes=[Mistake(X_FACTOR_MISSING, tensor(3.0, 3.0)),
                           Mistake(PRODUCT_OF_MEANS, tensor(2.0, 2.0)),  # 2·mean(X, 0)·mean(r)
                           Mistake(BIAS_IGNORED, tensor(2.0, 4.0 / 3.0)),
                           *ratio_mistakes(expected_dw, n=3)])
    expect_close(db, tensor(3.0), what="mse_grad(X, y, w=[2, 3], b=0.5): db",
                 mistakes=[Mistake(BIAS_IGNORED, tensor(2.0)), *ratio_mistakes(tensor(3.0), n=3)])


@pytest.mark.points(2)
@pytest.mark.disabled("autograd")
def test_mse_grad_is_the_exact_derivative(sub):
    """In float64 mse_grad matches the derivative to ~1e-12: a formula, not a finite difference."""
    # y lies far from the line (large residuals) while the cost's slope is small: there a
    # finite difference of the cost loses ~1e-10 to round-off; the formula is exact.
    x = tensor(0.5, -1.25, 2.0, 1.5)
    y = tensor(-8.0, -1.125, -14.75, 24.625)
    # r = 0.75·x − 0.25 − y = (8.125, −0.0625, 16, −23.75), every number exact in float64:
    # dw = 2·(0.5·8.125 + 1.25·0.0625 + 2·16 − 1.5·23.75)/4 = 33/128, db = 2·(0.3125)/4 = 5/32
    dw, db = expect_tuple(sub.mse_grad(x, y, 0.75, -0.25), 2, what="mse_grad")
    expect_exact(dw, tensor(33.0 / 128.0), what="mse_grad(x, y, w=0.75, b=-0.25): dw",
                 mistakes=[Mistake(PRODUCT_OF_MEANS, tensor(55.0 / 512.0)),
                           *ratio_mistakes(tensor(33.0 / 128.0), n=4)])
    expect_exact(db, tensor(5.0 / 32.0), what="mse_grad(x, y, w=0.75, b=-0.25): db",
                 mistakes=ratio_mistakes(tensor(5.0 / 32.0), n=4))


@pytest.mark.points(1)
@pytest.mark.disabled("autograd")
def test_mse_grad_float32_tensor_scalars(sub):
    """float32 inputs with 0-dim w and b give float32 0-dim gradients; the inputs are untouched."""
    x, y, w, b = X.float(), Y.float(), torch.tensor(1.0), torch.tensor(1.0)
    outcome = sub.run("mse_grad", x, y, w, b)
    dw, db = expect_tuple(outcome.result, 2, what="mse_grad")
    expect_tensor(dw, what="mse_grad(x, y, w, b)[0] for a 0-dim w", shape=(), dtype=torch.float32)
    expect_close(dw, tensor(-16.0 / 3.0, dtype=torch.float32),
                 what="mse_grad(float32 x, y, w=1, b=1): dw",
                 mistakes=[Mistake(BIAS_IGNORED, tensor(-28.0 / 3.0, dtype=torch.float32)),
                           Mistake(PRODUCT_OF_MEANS, tensor(-4.0, dtype=torch.float32))])
    expect_close(db, tensor(-2.0, dtype=torch.float32),
                 what="mse_grad(float32 x, y, w=1, b=1): db",
                 mistakes=[Mistake(BIAS_IGNORED, tensor(-4.0, dtype=torch.float32))])
    expect_contract(outcome, (x, y, w, b), what="mse_grad", names=("x", "y", "w", "b"))


# ---------------------------------------------------------------------- mse_grad_autograd


@pytest.mark.points(1)
def test_mse_grad_autograd_agrees(sub):
    """mse_grad_autograd gives the same numbers as the formula, with and without a bias."""
    dw, db = expect_tuple(sub.mse_grad_autograd(X, Y, 1.0), 2, what="mse_grad_autograd")
    expect_close(dw, tensor(-28.0 / 3.0), what="mse_grad_autograd(x, y, w=1): dw")
    expect_close(db, tensor(-4.0), what="mse_grad_autograd(x, y, w=1): db")
    dw, db = expect_tuple(sub.mse_grad_autograd(X2, Y2, W2, 0.5), 2, what="mse_grad_autograd")
    expect_close(dw, tensor(8.0 / 3.0, 2.0), what="mse_grad_autograd(X, y, w=[2, 3], b=0.5): dw",
                 mistakes=[Mistake(BIAS_IGNORED, tensor(2.0, 4.0 / 3.0))])
    expect_close(db, tensor(3.0), what="mse_grad_autograd(X, y, w=[2, 3], b=0.5): db",
                 mistakes=[Mistake(BIAS_IGNORED, tensor(2.0))])


@pytest.mark.points(2)
@pytest.mark.parametrize("w_requires_grad", [False, True], ids=["plain w", "w requiring grad"])
def test_mse_grad_autograd_leaves_callers_tensors_alone(sub, w_requires_grad):
    """The caller's w and b come back as they were: requires_grad unchanged, no .grad left."""
    x, y = X.float(), Y.float()
    w = torch.tensor(1.0).requires_grad_(w_requires_grad)
    b = torch.tensor(1.0)
    outcome = sub.run("mse_grad_autograd", x, y, w, b)
    dw, db = expect_tuple(outcome.result, 2, what="mse_grad_autograd")
    expect_close(dw, tensor(-16.0 / 3.0, dtype=torch.float32),
                 what="mse_grad_autograd(x, y, w=1, b=1): dw",
                 mistakes=[Mistake(BIAS_IGNORED, tensor(-28.0 / 3.0, dtype=torch.float32))])
    expect_close(db, tensor(-2.0, dtype=torch.float32),
                 what="mse_grad_autograd(x, y, w=1, b=1): db")
    expect_contract(outcome, (x, y, w, b), what="mse_grad_autograd", names=("x", "y", "w", "b"))


# ---------------------------------------------------------------------- loss_curve


@pytest.mark.points(2)
def test_loss_curve_has_its_minimum_at_w_2(sub):
    """loss_curve evaluates the cost for each candidate w; y = 2x is best fit by w = 2."""
    ws = tensor(0.0, 1.0, 2.0, 3.0)
    # cost(w) = mean(((w − 2)·x)²) = (w − 2)²·14/3
    expected = tensor(56.0 / 3.0, 14.0 / 3.0, 0.0, 14.0 / 3.0)
    expect_close(sub.loss_curve(X, Y, ws), expected, what="loss_curve(x, y, [0, 1, 2, 3])",
                 mistakes=[Mistake(NORM_IS_A_SUM, 3 * expected)])
    # float32 inputs give a float32 curve of shape (len(ws),); x, y and ws stay untouched
    x, y, ws = X.float(), Y.float(), ws.float()
    outcome = sub.run("loss_curve", x, y, ws)
    expect_close(outcome.result, expected.float(), what="loss_curve(float32 x, y, [0, 1, 2, 3])",
                 mistakes=[Mistake(NORM_IS_A_SUM, 3 * expected.float())])
    expect_contract(outcome, (x, y, ws), what="loss_curve", names=("x", "y", "ws"))
