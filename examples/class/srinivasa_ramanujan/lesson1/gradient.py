"""Lesson 1: what a gradient is, computed by finite differences and by autograd.

Every function here leaves its arguments exactly as it found them (values, ``requires_grad``
and ``.grad``), returns tensors in the dtype of ``x`` that do not require grad and share no
memory with an argument, and accepts float32 or float64 ``x`` of any shape, 0-dim included.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

ScalarFn = Callable[[torch.Tensor], "torch.Tensor | float"]
TensorFn = Callable[[torch.Tensor], torch.Tensor]


def _check_x(x: torch.Tensor) -> None:
    if not x.is_floating_point():
        raise TypeError(f"only floating point tensors can require gradients, not {x.dtype}")


def _scalar_out(value: torch.Tensor | float, dtype: torch.dtype) -> torch.Tensor:
    out = torch.as_tensor(value, dtype=dtype) if not torch.is_tensor(value) else value
    if out.numel() != 1:
        raise ValueError(f"f must return a scalar, got shape {list(out.shape)}")
    return out.reshape(())


def numerical_grad(f: ScalarFn, x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Central differences along the rows of an identity matrix, in float64."""
    n = x.numel()
    point = x.detach().to(torch.float64).reshape(-1)
    steps = torch.eye(n, dtype=torch.float64) * float(eps)
    values = []
    for step in steps:
        f_plus = float(f((point + step).reshape(x.shape)))
        f_minus = float(f((point - step).reshape(x.shape)))
        values.append((f_plus - f_minus) / (2 * float(eps)))
    return torch.tensor(values, dtype=torch.float64).reshape(x.shape).to(x.dtype)


def autograd_grad(f: ScalarFn, x: torch.Tensor) -> torch.Tensor:
    """backward() on a fresh leaf, then read its .grad."""
    _check_x(x)
    leaf = torch.tensor(x.detach().tolist(), dtype=x.dtype, requires_grad=True)
    with torch.enable_grad():
        out = _scalar_out(f(leaf), x.dtype)
        if out.requires_grad:
            out.backward(inputs=[leaf])
    if leaf.grad is None:
        return torch.zeros(x.shape, dtype=x.dtype)
    return leaf.grad.detach()


def vjp(f: TensorFn, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """backward(gradient=v) on a fresh leaf."""
    leaf = x.detach().clone().requires_grad_()
    with torch.enable_grad():
        out = f(leaf)
        out = out if torch.is_tensor(out) else torch.as_tensor(out, dtype=x.dtype)
        if tuple(torch.as_tensor(v).shape) != tuple(out.shape):
            raise ValueError("v must have the same shape as f(x)")
        if out.requires_grad:
            out.backward(gradient=torch.as_tensor(v).detach().to(out.dtype), inputs=[leaf])
    if leaf.grad is None:
        return torch.zeros(x.shape, dtype=x.dtype)
    return leaf.grad.detach()


def steepest_descent(f: ScalarFn, x: torch.Tensor) -> torch.Tensor:
    """−g/‖g‖ with the norm written out as sqrt(Σ g²)."""
    g = autograd_grad(f, x).double()
    norm = (g * g).sum().sqrt()
    if norm.item() < 1e-12:
        return torch.zeros(x.shape, dtype=x.dtype)
    return (-g / norm).to(x.dtype)


def classify_critical_point(f: ScalarFn, x: torch.Tensor, tol: float = 1e-6) -> str:
    """Hessian rows by double backward, then the eigenvalues' signs."""
    if autograd_grad(f, x).double().norm().item() > tol:
        return "not critical"
    n = x.numel()
    leaf = x.detach().clone().reshape(-1).requires_grad_()
    rows = []
    with torch.enable_grad():
        out = torch.as_tensor(f(leaf.reshape(x.shape)), dtype=x.dtype).reshape(())
        if out.requires_grad:
            (grad,) = torch.autograd.grad(out, leaf, create_graph=True, allow_unused=True)
        else:
            grad = None
        for i in range(n):
            if grad is None or not grad[i].requires_grad:
                rows.append(torch.zeros(n, dtype=x.dtype))
                continue
            (row,) = torch.autograd.grad(grad[i], leaf, retain_graph=True, allow_unused=True)
            rows.append(torch.zeros(n, dtype=x.dtype) if row is None else row.detach())
    hessian = torch.stack(rows)
    eigenvalues = torch.linalg.eigvalsh(0.5 * (hessian + hessian.T)).tolist()
    positive = sum(lam > tol for lam in eigenvalues)
    negative = sum(lam < -tol for lam in eigenvalues)
    if positive == n:
        return "minimum"
    if negative == n:
        return "maximum"
    if positive and negative:
        return "saddle"
    return "degenerate"
