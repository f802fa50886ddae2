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


def _scalar(value: Scalar, dtype: torch.dtype) -> torch.Tensor:
    t = (
        value.detach()
        if isinstance(value, torch.Tensor)
        else torch.tensor(float(value), dtype=dtype)
    )
    return t.reshape(()).to(dtype).clone()


def _prepare(x: torch.Tensor, y: torch.Tensor, epochs: int) -> tuple[torch.Tensor, torch.Tensor]:
    return x.detach(), y.detach()


def _losses_for(ws: list[torch.Tensor], x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Full-batch MSE for every recorded w at once: a (E, N) residual matrix."""
    if not ws:
        return torch.empty(0, dtype=x.dtype)
    w = torch.stack(ws).unsqueeze(1)
    return ((w * x - y) ** 2).mean(dim=1)


def gd_step(w: Scalar, grad: Scalar, lr: Scalar) -> torch.Tensor:
    """w.clone().sub(lr·grad) on tensors aligned to one dtype."""
    if isinstance(w, torch.Tensor) and w.is_floating_point():
        dtype = w.dtype
    elif isinstance(grad, torch.Tensor) and grad.is_floating_point():
        dtype = grad.dtype
    else:
        dtype = torch.get_default_dtype()
    w = torch.as_tensor(w, dtype=dtype).detach()
    grad = torch.as_tensor(grad, dtype=dtype).detach()
    return w.clone().sub(grad * _scalar(lr, dtype))


def train_gd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """w ← w − lr·(a·w − b) with a = mean(2x²), b = mean(2xy)."""
    x, y = _prepare(x, y, epochs)
    w, step = _scalar(w0, x.dtype), _scalar(lr, x.dtype)
    a, b = (2 * x * x).mean(), (2 * x * y).mean()
    ws = []
    for _ in range(epochs):
        w = w - step * (a * w - b)
        ws.append(w)
    return w, _losses_for(ws, x, y)


def train_sgd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """A whole epoch of in-order per-sample updates as one affine map A·w + B."""
    x, y = _prepare(x, y, epochs)
    w, step = _scalar(w0, x.dtype), _scalar(lr, x.dtype)
    factors = 1 - step * 2 * x * x  # w ← factors[i]·w + offsets[i] for sample i
    offsets = step * 2 * x * y
    # later[i] = Π_{j>i} factors[j]
    later = torch.cat(
        [torch.flip(torch.cumprod(torch.flip(factors[1:], [0]), 0), [0]), factors.new_ones(1)]
    )
    scale, shift = torch.prod(factors), (offsets * later).sum()
    ws = []
    for _ in range(epochs):
        w = scale * w + shift
        ws.append(w)
    return w, _losses_for(ws, x, y)


def train_minibatch(
    x: torch.Tensor,
    y: torch.Tensor,
    w0: Scalar,
    lr: Scalar,
    epochs: int,
    batch_size: int,
    generator: torch.Generator | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per batch: w ← w − lr·(mean(2x_b²)·w − mean(2x_b·y_b))."""
    x, y = _prepare(x, y, epochs)
    w, step = _scalar(w0, x.dtype), _scalar(lr, x.dtype)
    ws = []
    for _ in range(epochs):
        perm = torch.randperm(len(x), generator=generator)
        for batch in torch.split(perm, batch_size):
            xb, yb = x.index_select(0, batch), y.index_select(0, batch)
            w = w - step * ((2 * xb * xb).mean() * w - (2 * xb * yb).mean())
        ws.append(w)
    return w, _losses_for(ws, x, y)


def train_autograd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """torch.optim.SGD over a leaf parameter; zero_grad() before every backward()."""
    x, y = _prepare(x, y, epochs)
    w = torch.nn.Parameter(_scalar(w0, x.dtype))
    optimizer = torch.optim.SGD([w], lr=_scalar(lr, x.dtype).item())
    ws = []
    with torch.enable_grad():
        for _ in range(epochs):
            for xi, yi in zip(x, y, strict=True):
                optimizer.zero_grad()
                ((xi * w - yi) ** 2).backward()
                optimizer.step()
            ws.append(w.detach().clone())
    return w.detach().clone(), _losses_for(ws, x, y)
