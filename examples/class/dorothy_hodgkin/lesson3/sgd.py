"""Lesson 3: training ŷ = x·w by batch gradient descent, per-sample SGD and mini-batches.

The model has one scalar weight w and no bias; x and y are 1-D tensors of N samples and the
loss is the mean squared error L(w) = mean((x·w − y)²). Every trainer returns
``(w, losses)``: w a 0-dim tensor and ``losses[e]`` the full-batch MSE measured after epoch
e's updates, a 1-D tensor of length ``epochs``, both in x's dtype. w0 and lr may be Python
numbers or 0-dim tensors of any floating dtype. Arguments are never modified, and the
returned tensors do not require grad and share no memory with any argument.
"""

from __future__ import annotations

import math

import torch

Scalar = float | torch.Tensor


def _as_float(value: Scalar, name: str) -> float:
    return float(value.item()) if isinstance(value, torch.Tensor) else float(value)


def _rounded(value: Scalar, dtype: torch.dtype, name: str) -> float:
    """The scalar as the reference sees it: rounded to x's dtype."""
    return torch.tensor(_as_float(value, name), dtype=dtype).item()


def _lists(x: torch.Tensor, y: torch.Tensor) -> tuple[list[float], list[float]]:
    return x.tolist(), y.tolist()


def _mse(xs: list[float], ys: list[float], w: float) -> float:
    return math.fsum((xi * w - yi) ** 2 for xi, yi in zip(xs, ys, strict=True)) / len(xs)


def _result(w: float, losses: list[float], dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor(w, dtype=dtype), torch.tensor(losses, dtype=dtype).reshape(len(losses))


def gd_step(w: Scalar, grad: Scalar, lr: Scalar) -> torch.Tensor:
    """Elementwise w − lr·grad on Python floats."""
    if isinstance(w, torch.Tensor) and w.is_floating_point():
        dtype = w.dtype
    elif isinstance(grad, torch.Tensor) and grad.is_floating_point():
        dtype = grad.dtype
    else:
        dtype = torch.get_default_dtype()
    w_t = (
        torch.as_tensor(w).detach().to(dtype)
        if isinstance(w, torch.Tensor)
        else torch.tensor(float(w), dtype=dtype)
    )
    g_t = (
        torch.as_tensor(grad).detach().to(dtype)
        if isinstance(grad, torch.Tensor)
        else torch.tensor(float(grad), dtype=dtype)
    )
    step = _rounded(lr, dtype, "lr")
    if dtype == torch.float64:
        values = [
            wi - step * gi
            for wi, gi in zip(w_t.reshape(-1).tolist(), g_t.reshape(-1).tolist(), strict=True)
        ]
        return torch.tensor(values, dtype=dtype).reshape(w_t.shape)
    # Narrower dtypes: let torch round each operation the same way the dtype does.
    return w_t - torch.tensor(step, dtype=dtype) * g_t


def train_gd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """One full-batch update per epoch, by hand."""
    xs, ys = _lists(x, y)
    w, step = _rounded(w0, x.dtype, "w0"), _rounded(lr, x.dtype, "lr")
    losses = []
    for _ in range(epochs):
        grad = sum(2 * xi * (xi * w - yi) for xi, yi in zip(xs, ys, strict=True)) / len(xs)
        w = w - step * grad
        losses.append(_mse(xs, ys, w))
    return _result(w, losses, x.dtype)


def train_sgd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """N per-sample updates per epoch, by hand."""
    xs, ys = _lists(x, y)
    w, step = _rounded(w0, x.dtype, "w0"), _rounded(lr, x.dtype, "lr")
    losses = []
    for _ in range(epochs):
        for xi, yi in zip(xs, ys, strict=True):
            w -= step * 2 * xi * (xi * w - yi)
        losses.append(_mse(xs, ys, w))
    return _result(w, losses, x.dtype)


def train_minibatch(
    x: torch.Tensor,
    y: torch.Tensor,
    w0: Scalar,
    lr: Scalar,
    epochs: int,
    batch_size: int,
    generator: torch.Generator | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Index lists from one randperm per epoch, by hand."""
    xs, ys = _lists(x, y)
    w, step = _rounded(w0, x.dtype, "w0"), _rounded(lr, x.dtype, "lr")
    n = len(xs)
    losses = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).tolist()
        for start in range(0, n, batch_size):
            batch = order[start : start + batch_size]
            grad = sum(2 * xs[i] * (xs[i] * w - ys[i]) for i in batch) / len(batch)
            w -= step * grad
        losses.append(_mse(xs, ys, w))
    return _result(w, losses, x.dtype)


def train_autograd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Autograd on a float64 leaf, data fed one Python float at a time."""
    xs, ys = _lists(x, y)
    step = _rounded(lr, x.dtype, "lr")
    w = torch.tensor(_rounded(w0, x.dtype, "w0"), dtype=torch.float64, requires_grad=True)
    losses = []
    with torch.enable_grad():
        for _ in range(epochs):
            for xi, yi in zip(xs, ys, strict=True):
                loss = (xi * w - yi) ** 2
                loss.backward()
                with torch.no_grad():
                    w -= step * w.grad
                w.grad.zero_()
            losses.append(_mse(xs, ys, w.item()))
    return _result(w.item(), losses, x.dtype)
