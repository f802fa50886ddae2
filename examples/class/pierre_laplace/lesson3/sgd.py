"""Lesson 3: training ŷ = x·w by batch gradient descent, per-sample SGD and mini-batches.

The model has one scalar weight w and no bias; x and y are 1-D tensors of N samples and the
loss is the mean squared error L(w) = mean((x·w − y)²). Every trainer returns
``(w, losses)``: w a 0-dim tensor and ``losses[e]`` the full-batch MSE measured after epoch
e's updates, a 1-D tensor of length ``epochs``, both in x's dtype. w0 and lr may be Python
numbers or 0-dim tensors of any floating dtype. Arguments are never modified, and the
returned tensors do not require grad and share no memory with any argument.
"""

from __future__ import annotations

import torch

Scalar = float | torch.Tensor


def _number(value: Scalar) -> float:
    if isinstance(value, torch.Tensor):
        return value.item()
    return float(value)


def _data(x: torch.Tensor, y: torch.Tensor, epochs: int) -> tuple[torch.Tensor, torch.Tensor]:
    return x.detach(), y.detach()


def _loss_grad(w: torch.Tensor, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
    """d/dw of mean((xb·w − yb)²), by autograd on a fresh leaf."""
    leaf = w.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        loss = ((xb * leaf - yb) ** 2).mean()
        (grad,) = torch.autograd.grad(loss, leaf)
    return grad


def _full_loss(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return ((x * w - y) ** 2).mean()


def gd_step(w: Scalar, grad: Scalar, lr: Scalar) -> torch.Tensor:
    """torch.sub(w, grad, alpha=lr) on dtype-aligned copies."""
    if torch.is_tensor(w) and w.is_floating_point():
        dtype = w.dtype
    elif torch.is_tensor(grad) and grad.is_floating_point():
        dtype = grad.dtype
    else:
        dtype = torch.get_default_dtype()
    w_t = w.detach().to(dtype) if torch.is_tensor(w) else torch.tensor(float(w), dtype=dtype)
    g_t = (
        grad.detach().to(dtype) if torch.is_tensor(grad) else torch.tensor(float(grad), dtype=dtype)
    )
    return torch.sub(w_t, g_t, alpha=_lr(lr, dtype).item())


def _start(w0: Scalar, dtype: torch.dtype) -> torch.Tensor:
    if torch.is_tensor(w0):
        return w0.detach().to(dtype).reshape(()).clone()
    return torch.tensor(float(w0), dtype=dtype)


def _lr(lr: Scalar, dtype: torch.dtype) -> torch.Tensor:
    lr_t = (
        torch.as_tensor(lr).detach()
        if torch.is_tensor(lr)
        else torch.tensor(float(lr), dtype=dtype)
    )
    return lr_t.reshape(()).to(dtype)


def train_gd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Full-batch autograd gradient, one step per epoch."""
    x, y = _data(x, y, epochs)
    w, step = _start(w0, x.dtype), _lr(lr, x.dtype)
    history = []
    for _ in range(epochs):
        w = gd_step(w, _loss_grad(w, x, y), step)
        history.append(_full_loss(x, y, w))
    return w, torch.stack(history) if history else torch.zeros(0, dtype=x.dtype)


def train_sgd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample autograd gradients, index order."""
    x, y = _data(x, y, epochs)
    w, step = _start(w0, x.dtype), _lr(lr, x.dtype)
    history = []
    for _ in range(epochs):
        for xi, yi in zip(x, y, strict=True):
            w = gd_step(w, _loss_grad(w, xi, yi), step)
        history.append(_full_loss(x, y, w))
    return w, torch.stack(history) if history else torch.zeros(0, dtype=x.dtype)


def train_minibatch(
    x: torch.Tensor,
    y: torch.Tensor,
    w0: Scalar,
    lr: Scalar,
    epochs: int,
    batch_size: int,
    generator: torch.Generator | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batches from perm.split(batch_size), autograd batch gradients."""
    x, y = _data(x, y, epochs)
    w, step = _start(w0, x.dtype), _lr(lr, x.dtype)
    history = []
    for _ in range(epochs):
        order = torch.randperm(x.shape[0], generator=generator)
        for batch in order.split(int(batch_size)):
            w = gd_step(w, _loss_grad(w, x[batch], y[batch]), step)
        history.append(_full_loss(x, y, w))
    return w, torch.stack(history) if history else torch.zeros(0, dtype=x.dtype)


def train_autograd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """backward() on a leaf, no_grad update, .grad reset to None."""
    x, y = _data(x, y, epochs)
    step = _lr(lr, x.dtype)
    w = _start(w0, x.dtype).requires_grad_()
    history = []
    with torch.enable_grad():
        for _ in range(epochs):
            for i in range(x.shape[0]):
                ((x[i] * w - y[i]) ** 2).backward()
                with torch.no_grad():
                    w.sub_(step * w.grad)
                w.grad = None
            with torch.no_grad():
                history.append(_full_loss(x, y, w))
    losses = torch.stack(history) if history else torch.zeros(0, dtype=x.dtype)
    return w.detach().clone(), losses
