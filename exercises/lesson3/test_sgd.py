"""Public checks for lesson 3: the notes' worked examples, small enough to follow by hand.

Run them with `course check lesson3`. `sub` is your sgd.py: every call runs your code and
returns its answer. A generator argument is written `generator(seed)` and built next to your
code as `torch.Generator().manual_seed(seed)`. The hidden tests check the same functions on
random data, float32 and float64, more sizes, batch sizes and learning rates.
"""

import pytest
import torch

from grader.checks import Mistake, expect_close, expect_tensor, expect_tuple, generator

X = torch.tensor([1.0, 2.0], dtype=torch.float64)
Y = torch.tensor([2.0, 4.0], dtype=torch.float64)  # y = 2x: the best weight is 2


def close(got, expected: torch.Tensor, **kwargs) -> None:
    """expect_close with a tolerance that accepts lr = 0.1 or 0.02 rounded through float32.

    float32 cannot hold 0.1 exactly, and torch.tensor(0.1) is float32: whether the learning
    rate is used exactly or after that rounding, the answer is right to about 1e-7.
    """
    expect_close(got, expected, rtol=1e-5, atol=1e-8, **kwargs)


def f64(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


def scalar(value: float) -> torch.Tensor:
    return torch.tensor(value, dtype=torch.float64)


@pytest.mark.points(1)
def test_gd_step(sub):
    """gd_step(w, grad, lr) is w − lr·grad: 1 − 0.1·2 = 0.8."""
    close(sub.gd_step(scalar(1.0), scalar(2.0), 0.1), scalar(0.8),
          what="gd_step(w=1, grad=2, lr=0.1)",
          mistakes=[Mistake("the sign is wrong: w + lr·grad climbs the loss, use "
                            "w − lr·grad", scalar(1.2))])


@pytest.mark.points(1)
def test_train_gd_worked_example(sub):
    """Batch GD from w0 = 0 with lr = 0.1: w = 1.0 then 1.5, losses 2.5 then 0.625."""
    w, losses = expect_tuple(sub.train_gd(X, Y, 0.0, 0.1, 2), 2, what="train_gd")
    close(w, scalar(1.5), what="train_gd(x, y, 0, 0.1, epochs=2): w", mistakes=[
        Mistake("the factor 2 is missing from the gradient mean(2·x·(x·w − y))", scalar(0.875)),
        Mistake("sum instead of mean: the gradient is mean(2·x·(x·w − y)), not the sum",
                scalar(2.0)),
        Mistake("the sign of the update is wrong: w + lr·grad climbs the loss, use w − lr·grad",
                scalar(-2.5)),
    ])
    close(losses, f64(2.5, 0.625), what="train_gd(x, y, 0, 0.1, epochs=2): losses",
          mistakes=[Mistake("the losses are recorded before the update: losses[e] is "
                            "the MSE after epoch e's update", f64(10.0, 2.5))])


@pytest.mark.points(1)
def test_train_sgd_worked_example(sub):
    """Per-sample SGD, samples in order: w = 1.68 after epoch 1, 1.9488 after epoch 2."""
    w, losses = expect_tuple(sub.train_sgd(X, Y, 0.0, 0.1, 2), 2, what="train_sgd")
    close(w, scalar(1.9488), what="train_sgd(x, y, 0, 0.1, epochs=2): w",
          mistakes=[Mistake("sample 0 is skipped: make N updates per epoch, i = 0 … N−1",
                            scalar(1.92))])
    close(losses, f64(0.256, 0.0065536), what="train_sgd(x, y, 0, 0.1, epochs=2): losses",
          mistakes=[Mistake("each loss is a sum of squares: record the mean, "
                            "mean((x·w − y)²)", f64(0.512, 0.0131072))])


@pytest.mark.points(1)
def test_train_autograd_follows_train_sgd(sub):
    """train_autograd takes the same steps as train_sgd, with gradients from backward()."""
    w, losses = expect_tuple(sub.train_autograd(X, Y, 0.0, 0.1, 2), 2, what="train_autograd")
    close(w, scalar(1.9488), what="train_autograd(x, y, 0, 0.1, epochs=2): w",
          mistakes=[Mistake("w.grad is not zeroed after each update, so backward() keeps "
                            "adding the old gradients into it", scalar(4.0128))])
    close(losses, f64(0.256, 0.0065536),
          what="train_autograd(x, y, 0, 0.1, epochs=2): losses")


@pytest.mark.points(1)
def test_train_minibatch_worked_example(sub):
    """x = [1..5], y = 2x, B = 2, generator seeded 0: batches [4, 0], [1, 3], [2]; w = 1.63136."""
    x = f64(1.0, 2.0, 3.0, 4.0, 5.0)
    w, losses = expect_tuple(sub.train_minibatch(x, 2 * x, 0.0, 0.02, 1, 2, generator(0)), 2,
                             what="train_minibatch")
    where = "train_minibatch(x, 2x, 0, 0.02, epochs=1, batch_size=2, generator(0))"
    close(w, scalar(1.63136), what=f"{where}: w", mistakes=[
        Mistake("the last, smaller batch [2] is left out: make ⌈N/B⌉ updates per epoch",
                scalar(1.424)),
        Mistake("the last batch [2] has one sample but its gradient is divided by batch_size = 2:"
                " use the batch mean", scalar(1.52768)),
    ])
    # loss = mean(((1.63136 − 2)·x)²) = 0.36864²·(1 + 4 + 9 + 16 + 25)/5
    close(losses, f64(1.4948499456), what=f"{where}: losses")


@pytest.mark.points(1)
def test_one_big_batch_is_batch_gd(sub):
    """With batch_size ≥ N every epoch is one full batch: the same numbers as train_gd."""
    w, losses = expect_tuple(sub.train_minibatch(X, Y, 0.0, 0.1, 2, 5, generator(1)), 2,
                             what="train_minibatch")
    close(w, scalar(1.5), what="train_minibatch(x, y, 0, 0.1, epochs=2, batch_size=5): w",
          mistakes=[
              Mistake("no update at all: a batch_size larger than N still gives one "
                      "(partial) batch of all N samples", scalar(0.0)),
              Mistake("the batch's gradient is divided by batch_size = 5 instead of the "
                      "2 samples it holds: use the batch mean", scalar(0.72)),
          ])
    close(losses, f64(2.5, 0.625),
          what="train_minibatch(x, y, 0, 0.1, epochs=2, batch_size=5): losses")


@pytest.mark.points(1)
def test_zero_epochs(sub):
    """With epochs = 0, train_gd returns w0 as a 0-dim tensor of x's dtype and empty losses."""
    w, losses = expect_tuple(sub.train_gd(X, Y, 0.75, 0.1, 0), 2, what="train_gd")
    close(w, scalar(0.75), what="train_gd(x, y, w0=0.75, lr=0.1, epochs=0): w")
    expect_tensor(losses, what="train_gd(x, y, w0=0.75, lr=0.1, epochs=0): losses",
                  shape=(0,), dtype=torch.float64)
