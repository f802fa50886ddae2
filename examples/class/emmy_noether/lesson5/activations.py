"""Lesson 5 · activation and loss gradients: sigmoid, tanh, ReLU, softmax and cross-entropy.

Rules for every function: leave the arguments unchanged, keep the input's dtype (float32
stays float32), and return new tensors that do not require grad (also when an argument
does) and share no memory with an argument. The ``*_grad`` functions compute derivatives
from formulas, without autograd.
"""

import torch

ACTIVATIONS = ("sigmoid", "tanh", "relu")


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Two-branch stable sigmoid filled in with boolean masks."""
    x = x.detach()
    out = torch.empty_like(x)
    pos = x >= 0
    neg = ~pos
    out[pos] = 1.0 / (1.0 + torch.exp(-x[pos]))
    e = torch.exp(x[neg])
    out[neg] = e / (1.0 + e)
    return out


def sigmoid_grad(x: torch.Tensor) -> torch.Tensor:
    """σ(x)·(1 − σ(x))."""
    s = sigmoid(x)
    return s - s * s


def tanh_grad(x: torch.Tensor) -> torch.Tensor:
    """1 − tanh(x)²."""
    return 1.0 - torch.tanh(x.detach()) ** 2


def relu_grad(x: torch.Tensor) -> torch.Tensor:
    """1 where x > 0, else 0."""
    return torch.gt(x.detach(), 0).type(x.dtype)


def _softmax_1d(row: torch.Tensor) -> torch.Tensor:
    e = torch.exp(row - row.max())
    return e / e.sum()


def softmax(z: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax along dim, one row at a time."""
    z = z.detach()
    if z.dim() == 0:
        return torch.ones_like(z)
    moved = z.movedim(dim, -1)
    rows = moved.reshape(-1, moved.shape[-1])
    out = torch.empty_like(rows)
    for i in range(rows.shape[0]):
        out[i] = _softmax_1d(rows[i])
    return out.reshape(moved.shape).movedim(-1, dim)


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Average of the per-sample losses, one sample at a time."""
    z = logits.detach()
    n = z.shape[0]
    total = torch.zeros((), dtype=z.dtype)
    for i in range(n):
        row = z[i] - z[i].max()
        total = total + torch.log(torch.exp(row).sum()) - row[target[i]]
    return total / n


def cross_entropy_grad(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(softmax − one-hot) / N, one sample at a time."""
    z = logits.detach()
    n = z.shape[0]
    grad = torch.empty_like(z)
    for i in range(n):
        g = _softmax_1d(z[i])
        g[target[i]] -= 1.0
        grad[i] = g / n
    return grad


def chain_grad(x: torch.Tensor, depth: int, activation: str) -> torch.Tensor:
    """Product of the layer derivatives, layer by layer."""
    if activation not in ("sigmoid", "tanh", "relu"):
        raise ValueError(f"activation must be sigmoid, tanh or relu, not {activation!r}")
    if depth < 0:
        raise ValueError("depth must not be negative")
    a = x.detach().clone()
    result = torch.ones_like(a)
    for _ in range(depth):
        if activation == "sigmoid":
            result = result * sigmoid_grad(a)
            a = sigmoid(a)
        elif activation == "tanh":
            result = result * tanh_grad(a)
            a = torch.tanh(a)
        else:
            result = result * relu_grad(a)
            a = torch.clamp(a, min=0)
    return result
