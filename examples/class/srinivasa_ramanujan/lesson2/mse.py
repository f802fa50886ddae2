"""Lesson 2: the mean squared error of a linear model and its derivative.

The model is ŷ = x·w + b. Either x is (N,) and w a scalar, or x is (N, D) and w is (D,).
Scalars (w, b) may be Python numbers or 0-dim tensors; every result takes x's dtype, inputs
are never modified, and returned tensors never require grad.

Read notes.md first. Run `course check lesson2` after every change.
"""

import torch


def _t(value, dtype):
    return torch.as_tensor(value.detach() if isinstance(value, torch.Tensor) else value, dtype=dtype)


def _design(x, w):
    if x.dim() == 1:
        return x.detach().unsqueeze(1), w.reshape(1)
    return x.detach(), w


def predict(x, w, b=0.0):
    w, b = _t(w, x.dtype), _t(b, x.dtype)
    X, wv = _design(x, w)
    return torch.mv(X, wv) + b


def mse(y_hat, y):
    if y_hat.shape != y.shape:
        raise ValueError("mse: shapes must match exactly")
    diff = (y_hat - y).detach()
    return torch.dot(diff.reshape(-1), diff.reshape(-1)) / diff.numel()


def mse_grad(x, y, w, b=0.0):
    w, b = _t(w, x.dtype), _t(b, x.dtype)
    X, wv = _design(x, w)
    r = torch.mv(X, wv) + b - y.detach().to(x.dtype)
    n = X.shape[0]
    dw = (2.0 / n) * torch.mv(X.T, r)
    return dw.reshape(w.shape), (2.0 / n) * r.sum()


def mse_grad_autograd(x, y, w, b=0.0):
    params = [_t(w, x.dtype).clone().requires_grad_(), _t(b, x.dtype).clone().requires_grad_()]
    X, wv = _design(x, params[0])
    loss = ((torch.mv(X, wv) + params[1] - y.detach().to(x.dtype)) ** 2).mean()
    grads = torch.autograd.grad(loss, params)
    return grads[0].detach(), grads[1].detach()


def loss_curve(x, y, ws):
    ws = _t(ws, x.dtype)
    return torch.stack([mse(predict(x, w), y.detach().to(x.dtype)) for w in ws])
