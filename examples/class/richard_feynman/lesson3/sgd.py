"""Lesson 3: training ŷ = x·w by batch gradient descent, per-sample SGD and mini-batches.

The model has one scalar weight w and no bias; x and y are 1-D tensors of N ≥ 1 samples and
the loss is the mean squared error L(w) = mean((x·w − y)²). Every trainer returns
``(w, losses)``: w a 0-dim tensor and ``losses[e]`` the full-batch MSE measured after epoch
e's updates, a 1-D tensor of length ``epochs``, both in x's dtype. Arguments are never
modified and the returned tensors do not require grad.
"""

from __future__ import annotations

import operator

import torch

Scalar = float | torch.Tensor


def _scalar(value: Scalar, dtype: torch.dtype, name: str) -> torch.Tensor:
    """A Python number or one-element tensor as a 0-dim tensor of the given dtype."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a scalar, got a tensor of shape {tuple(value.shape)}")
        return value.detach().reshape(()).to(dtype)
    return torch.tensor(float(value), dtype=dtype)


def _check_data(x: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Detached x and y (y cast to x's dtype) after checking they form a valid data set."""
    if not x.is_floating_point():
        raise TypeError(f"x must be a floating point tensor, got dtype {x.dtype}")
    if x.ndim != 1 or x.numel() == 0:
        raise ValueError(f"x must be a non-empty 1-D tensor, got shape {tuple(x.shape)}")
    if y.shape != x.shape:
        raise ValueError(f"y must have x's shape {tuple(x.shape)}, got {tuple(y.shape)}")
    return x.detach(), y.detach().to(x.dtype)


def _check_epochs(epochs: int) -> int:
    epochs = operator.index(epochs)
    if epochs < 0:
        raise ValueError(f"epochs must be >= 0, got {epochs}")
    return epochs


def _mse(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Full-batch mean squared error of the model x·w."""
    return torch.mean((x * w - y) ** 2)


def gd_step(w: Scalar, grad: Scalar, lr: Scalar) -> torch.Tensor:
    """One gradient descent step: w − lr·grad, as a new tensor.

    w and grad may be tensors of any (identical) shape, 0-dim tensors or Python numbers; lr
    is a number or a one-element tensor. The result has w's shape and dtype when w is a
    floating tensor; otherwise grad's dtype if grad is a floating tensor, else torch's
    default dtype. Neither argument is modified and the result does not require grad.

    Raises:
        ValueError: w and grad have different shapes (no broadcasting), or lr is not a scalar.
    """
    if isinstance(w, torch.Tensor) and w.is_floating_point():
        dtype = w.dtype
    elif isinstance(grad, torch.Tensor) and grad.is_floating_point():
        dtype = grad.dtype
    else:
        dtype = torch.get_default_dtype()
    w = w.detach().to(dtype) if isinstance(w, torch.Tensor) else torch.tensor(float(w), dtype=dtype)
    if isinstance(grad, torch.Tensor):
        grad = grad.detach().to(dtype)
    else:
        grad = torch.tensor(float(grad), dtype=dtype)
    if grad.shape != w.shape:
        raise ValueError(f"grad must have w's shape {tuple(w.shape)}, got {tuple(grad.shape)}")
    return w - _scalar(lr, dtype, "lr") * grad


def train_gd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch gradient descent: one update per epoch with the full-batch gradient.

    Each epoch: grad = mean(2·x·(x·w − y)), w ← w − lr·grad, then losses[e] = mean((x·w − y)²).
    With epochs = 0 the result is (w0 as a new 0-dim tensor in x's dtype, an empty tensor).

    Raises:
        TypeError: x is not floating point.
        ValueError: x is not a non-empty 1-D tensor, y's shape differs from x's, w0 or lr is
            not a scalar, or epochs < 0.
    """
    x, y = _check_data(x, y)
    epochs = _check_epochs(epochs)
    w = _scalar(w0, x.dtype, "w0").clone()
    lr = _scalar(lr, x.dtype, "lr")
    losses = torch.empty(epochs, dtype=x.dtype)
    for epoch in range(epochs):
        grad = torch.mean(2 * x * (x * w - y))
        w = gd_step(w, grad, lr)
        losses[epoch] = _mse(x, y, w)
    return w, losses


def train_sgd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample stochastic gradient descent: N updates per epoch, in index order.

    Each epoch visits i = 0, 1, …, N−1 without shuffling and updates with that sample's
    gradient, grad = 2·x_i·(x_i·w − y_i); losses[e] is the full-batch MSE after the N updates.
    Same zero-epoch result and errors as train_gd.
    """
    x, y = _check_data(x, y)
    epochs = _check_epochs(epochs)
    w = _scalar(w0, x.dtype, "w0").clone()
    lr = _scalar(lr, x.dtype, "lr")
    losses = torch.empty(epochs, dtype=x.dtype)
    for epoch in range(epochs):
        for i in range(len(x)):
            grad = 2 * x[i] * (x[i] * w - y[i])
            w = gd_step(w, grad, lr)
        losses[epoch] = _mse(x, y, w)
    return w, losses


def train_minibatch(
    x: torch.Tensor,
    y: torch.Tensor,
    w0: Scalar,
    lr: Scalar,
    epochs: int,
    batch_size: int,
    generator: torch.Generator | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mini-batch SGD: shuffle once per epoch, then one update per consecutive batch.

    Each epoch draws perm = torch.randperm(N, generator=generator) exactly once (from the
    global generator when generator is None; no draw at all when epochs = 0), then updates
    on perm[0:B], perm[B:2B], …: ⌈N/B⌉ updates, the last batch smaller when B does not divide
    N, and a single batch of all N samples when B ≥ N. Each update uses that batch's mean
    gradient, grad = mean(2·x_b·(x_b·w − y_b)) over the samples actually in the batch.
    Same zero-epoch result and errors as train_gd, plus ValueError when batch_size < 1.
    """
    x, y = _check_data(x, y)
    epochs = _check_epochs(epochs)
    batch_size = operator.index(batch_size)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    w = _scalar(w0, x.dtype, "w0").clone()
    lr = _scalar(lr, x.dtype, "lr")
    losses = torch.empty(epochs, dtype=x.dtype)
    for epoch in range(epochs):
        perm = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x) - batch_size + 1, batch_size):
            batch = perm[start : start + batch_size]
            xb, yb = x[batch], y[batch]
            grad = torch.mean(2 * xb * (xb * w - yb))
            w = gd_step(w, grad, lr)
        losses[epoch] = _mse(x, y, w)
    return w, losses


def train_autograd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample SGD like train_sgd, but with gradients from autograd.

    w is a fresh leaf tensor that requires grad (w0 itself is never touched). For each
    sample, in index order: loss = (x_i·w − y_i)², loss.backward(), then under
    torch.no_grad() w ← w − lr·w.grad, and w.grad is zeroed because backward() adds into it.
    The trajectory, and so the result, equals train_sgd's. The returned w is detached
    (requires_grad False). Same zero-epoch result and errors as train_gd.
    """
    x, y = _check_data(x, y)
    epochs = _check_epochs(epochs)
    lr = _scalar(lr, x.dtype, "lr")
    w = _scalar(w0, x.dtype, "w0").clone().requires_grad_(True)
    losses = torch.empty(epochs, dtype=x.dtype)
    # enable_grad so training also works when the caller is inside a torch.no_grad() block.
    with torch.enable_grad():
        for epoch in range(epochs):
            for i in range(len(x)):
                loss = (x[i] * w - y[i]) ** 2
                loss.backward()
                with torch.no_grad():
                    w -= lr * w.grad
                w.grad.zero_()
            with torch.no_grad():
                losses[epoch] = _mse(x, y, w)
    return w.detach(), losses
