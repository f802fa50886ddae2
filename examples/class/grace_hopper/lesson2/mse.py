"""Lesson 2: the mean squared error of a linear model and its derivative.

The model is ŷ = x·w + b. Either x is (N,) and w a scalar, or x is (N, D) and w is (D,).
Scalars (w, b) may be Python numbers or 0-dim tensors; every result takes x's dtype, inputs
are never modified, and returned tensors never require grad.

Read notes.md first. Run `course check lesson2` after every change.
"""

import torch


def _scalar(value, dtype):
    return value.detach().to(dtype) if isinstance(value, torch.Tensor) else torch.tensor(value, dtype=dtype)


def predict(x, w, b=0.0):
    w = _scalar(w, x.dtype)
    b = _scalar(b, x.dtype)
    rows = []
    for i in range(x.shape[0]):
        rows.append((x[i] * w).sum() + b if x.dim() == 2 else x[i] * w + b)
    return torch.stack(rows).detach() if rows else torch.zeros(0, dtype=x.dtype)


def mse(y_hat, y):
    if y_hat.shape != y.shape:
        raise ValueError("y_hat and y must have the same shape")
    total = torch.zeros((), dtype=y_hat.dtype)
    for a, b in zip(y_hat.detach().reshape(-1), y.detach().reshape(-1)):
        total = total + (a - b) ** 2
    return total / y_hat.numel()


def mse_grad(x, y, w, b=0.0):
    y_hat = predict(x, w, b)
    n = x.shape[0]
    dw = torch.zeros(x.shape[1:], dtype=x.dtype)
    db = torch.zeros((), dtype=x.dtype)
    for i in range(n):
        r = y_hat[i] - y[i].to(x.dtype)
        dw = dw + 2 * x[i].detach() * r / n
        db = db + 2 * r / n
    return dw, db


def mse_grad_autograd(x, y, w, b=0.0):
    w_leaf = _scalar(w, x.dtype).clone().requires_grad_(True)
    b_leaf = _scalar(b, x.dtype).clone().requires_grad_(True)
    x = x.detach()
    y_hat = (x * w_leaf if x.dim() == 1 else x @ w_leaf) + b_leaf
    loss = ((y_hat - y.detach().to(x.dtype)) ** 2).mean()
    loss.backward()
    return w_leaf.grad.detach(), b_leaf.grad.detach()


def loss_curve(x, y, ws):
    return torch.stack([mse(predict(x, w), y) for w in ws.detach().to(x.dtype)])
