"""Lesson 2: the mean squared error of a linear model and its derivative.

The model is ŷ = x·w + b. Either x is (N,) and w a scalar, or x is (N, D) and w is (D,).
Scalars (w, b) may be Python numbers or 0-dim tensors; every result takes x's dtype, inputs
are never modified, and returned tensors never require grad.

Read notes.md first. Run `course check lesson2` after every change.
"""

import numpy as np
import torch


def _np(value):
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy().astype(np.float64)
    return np.asarray(value, dtype=np.float64)


def _back(array, like):
    return torch.from_numpy(np.array(array, dtype=np.float64)).to(like.dtype)


def predict(x, w, b=0.0):
    xs = _np(x)
    return _back(xs * _np(w) + _np(b) if xs.ndim == 1 else xs @ _np(w) + _np(b), x)


def mse(y_hat, y):
    if tuple(y_hat.shape) != tuple(y.shape):
        raise ValueError(f"shape mismatch {tuple(y_hat.shape)} vs {tuple(y.shape)}")
    return _back(np.mean((_np(y_hat) - _np(y)) ** 2), y_hat)


def mse_grad(x, y, w, b=0.0):
    xs, ys = _np(x), _np(y)
    r = (xs * _np(w) if xs.ndim == 1 else xs @ _np(w)) + _np(b) - ys
    dw = np.mean(2 * xs * r) if xs.ndim == 1 else 2 * xs.T @ r / len(r)
    return _back(dw, x), _back(np.mean(2 * r), x)


def mse_grad_autograd(x, y, w, b=0.0):
    w_leaf = torch.tensor(_np(w), dtype=x.dtype, requires_grad=True)
    b_leaf = torch.tensor(_np(b), dtype=x.dtype, requires_grad=True)
    y_hat = (x.detach() * w_leaf if x.dim() == 1 else x.detach() @ w_leaf) + b_leaf
    loss = ((y_hat - y.detach().to(x.dtype)) ** 2).mean()
    dw, db = torch.autograd.grad(loss, [w_leaf, b_leaf])
    return dw, db


def loss_curve(x, y, ws):
    xs, ys, wv = _np(x), _np(y), _np(ws)
    return _back(((wv[:, None] * xs[None, :] - ys[None, :]) ** 2).mean(axis=1), x)
