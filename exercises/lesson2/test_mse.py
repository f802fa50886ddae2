"""Public checks for lesson 2: small fixed inputs you can work out by hand.

Run them with `course check lesson2`. `sub` is your mse.py: every call runs your code and
returns its answer. The hidden tests check the same functions on random inputs, both
float32 and float64, and more shapes.
"""

import pytest
import torch

from grader.checks import expect_close, expect_raises, expect_tuple, ratio_mistakes

X = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)
Y = torch.tensor([2.0, 4.0, 6.0], dtype=torch.float64)  # exactly y = 2x


@pytest.mark.points(1)
def test_predict_1d(sub):
    """predict(x, w, b) is x·w + b."""
    expected = torch.tensor([3.5, 5.5, 7.5], dtype=torch.float64)
    expect_close(sub.predict(X, 2.0, 1.5), expected, what="predict([1, 2, 3], w=2, b=1.5)")


@pytest.mark.points(1)
def test_mse_of_perfect_fit_is_zero(sub):
    """A perfect prediction has zero cost."""
    expect_close(sub.mse(Y, Y), torch.tensor(0.0, dtype=torch.float64), what="mse(y, y)")


@pytest.mark.points(1)
def test_mse_value(sub):
    """mse is the mean of the squared residuals."""
    y_hat = torch.tensor([1.0, 4.0, 8.0], dtype=torch.float64)  # residuals -1, 0, 2
    expect_close(sub.mse(y_hat, Y), torch.tensor(5.0 / 3.0, dtype=torch.float64),
                 what="mse([1, 4, 8], [2, 4, 6])")


@pytest.mark.points(1)
def test_mse_rejects_mismatched_shapes(sub):
    """mse refuses (N, 1) against (N,) instead of broadcasting."""
    expect_raises(ValueError, sub.mse, Y[:, None], Y, what="mse(y_hat of shape (3, 1), y of shape (3,))",
                  why="when the shapes differ")


@pytest.mark.points(2)
def test_mse_grad_at_w_1(sub):
    """At w = 1 the model under-predicts y = 2x: both gradients are negative."""
    dw, db = expect_tuple(sub.mse_grad(X, Y, 1.0), 2, what="mse_grad")
    # residual = x·1 − 2x = −x, so dw = mean(2·x·(−x)) = −2·(1 + 4 + 9)/3 and db = mean(−2x) = −4
    expected_dw = torch.tensor(-28.0 / 3.0, dtype=torch.float64)
    expect_close(dw, expected_dw, what="mse_grad(x, y, w=1): dw",
                 mistakes=ratio_mistakes(expected_dw, n=3))
    expect_close(db, torch.tensor(-4.0, dtype=torch.float64), what="mse_grad(x, y, w=1): db")


@pytest.mark.points(1)
def test_mse_grad_autograd_agrees(sub):
    """mse_grad_autograd gives the same numbers as the formula."""
    dw, db = expect_tuple(sub.mse_grad_autograd(X, Y, 1.0), 2, what="mse_grad_autograd")
    expect_close(dw, torch.tensor(-28.0 / 3.0, dtype=torch.float64),
                 what="mse_grad_autograd(x, y, w=1): dw")
    expect_close(db, torch.tensor(-4.0, dtype=torch.float64), what="mse_grad_autograd(x, y, w=1): db")


@pytest.mark.points(1)
def test_loss_curve_has_its_minimum_at_w_2(sub):
    """loss_curve evaluates the cost for each candidate w; y = 2x is best fit by w = 2."""
    ws = torch.tensor([0.0, 1.0, 2.0, 3.0], dtype=torch.float64)
    # cost(w) = mean(((w − 2)·x)²) = (w − 2)²·14/3
    expected = torch.tensor([56.0 / 3.0, 14.0 / 3.0, 0.0, 14.0 / 3.0], dtype=torch.float64)
    expect_close(sub.loss_curve(X, Y, ws), expected, what="loss_curve(x, y, [0, 1, 2, 3])")
