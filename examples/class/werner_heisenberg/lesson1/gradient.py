"""Lesson 1: what a gradient is, computed by finite differences and by autograd.

Every function here leaves its arguments exactly as it found them (values, ``requires_grad``
and ``.grad``), returns tensors in the dtype of ``x`` that do not require grad and share no
memory with an argument, and accepts float32 or float64 ``x`` of any shape, 0-dim included.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

ScalarFn = Callable[[torch.Tensor], "torch.Tensor | float"]
TensorFn = Callable[[torch.Tensor], torch.Tensor]


def _need_float(x: torch.Tensor) -> None:
    if not x.dtype.is_floating_point:
        raise TypeError("only floating point tensors can require gradients")


def _number(value: torch.Tensor | float) -> float:
    return float(np.asarray(value.detach() if torch.is_tensor(value) else value, dtype=np.float64))


def numerical_grad(f: ScalarFn, x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Central differences on a float64 numpy copy of x."""
    point = x.detach().cpu().numpy().astype(np.float64).reshape(-1)
    grad = np.zeros_like(point)
    for i in range(point.size):
        plus, minus = point.copy(), point.copy()
        plus[i] += eps
        minus[i] -= eps
        f_plus = _number(f(torch.from_numpy(plus.reshape(x.shape))))
        f_minus = _number(f(torch.from_numpy(minus.reshape(x.shape))))
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return torch.from_numpy(grad.reshape(x.shape)).to(x.dtype)


def _gradient_tensor(f: ScalarFn, leaf: torch.Tensor, create_graph: bool) -> torch.Tensor:
    out = f(leaf)
    if not torch.is_tensor(out):
        out = torch.as_tensor(out, dtype=leaf.dtype)
    if out.numel() != 1:
        raise ValueError("f must return a scalar")
    if not out.requires_grad:
        return torch.zeros_like(leaf)
    (grad,) = torch.autograd.grad(out.sum(), leaf, create_graph=create_graph, allow_unused=True)
    return torch.zeros_like(leaf) if grad is None else grad


def autograd_grad(f: ScalarFn, x: torch.Tensor) -> torch.Tensor:
    """torch.autograd.grad on a leaf rebuilt from numpy."""
    _need_float(x)
    leaf = torch.from_numpy(x.detach().cpu().numpy().copy()).requires_grad_(True)
    with torch.enable_grad():
        grad = _gradient_tensor(f, leaf, create_graph=False)
    return grad.detach()


def vjp(f: TensorFn, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """torch.autograd.grad with grad_outputs=v after a numpy shape check."""
    leaf = torch.from_numpy(x.detach().cpu().numpy().copy()).requires_grad_(True)
    with torch.enable_grad():
        out = f(leaf)
        if not torch.is_tensor(out):
            out = torch.as_tensor(out, dtype=x.dtype)
        v_array = np.asarray(v.detach() if torch.is_tensor(v) else v)
        if v_array.shape != tuple(out.shape):
            raise ValueError("v must be shaped like f(x)")
        if not out.requires_grad:
            return torch.zeros(x.shape, dtype=x.dtype)
        weights = torch.from_numpy(v_array.copy()).to(out.dtype)
        (grad,) = torch.autograd.grad(out, leaf, grad_outputs=weights, allow_unused=True)
    return torch.zeros(x.shape, dtype=x.dtype) if grad is None else grad.detach()


def steepest_descent(f: ScalarFn, x: torch.Tensor) -> torch.Tensor:
    """numpy norm of the gradient."""
    g = autograd_grad(f, x).numpy().astype(np.float64)
    norm = np.linalg.norm(g.reshape(-1))
    if norm < 1e-12:
        return torch.zeros(x.shape, dtype=x.dtype)
    return torch.from_numpy(np.asarray(-g / norm)).to(x.dtype)


def classify_critical_point(f: ScalarFn, x: torch.Tensor, tol: float = 1e-6) -> str:
    """numpy eigenvalues of the Jacobian of the autograd gradient."""
    if np.linalg.norm(autograd_grad(f, x).numpy().astype(np.float64).reshape(-1)) > tol:
        return "not critical"

    def flat_gradient(z: torch.Tensor) -> torch.Tensor:
        return _gradient_tensor(lambda t: f(t.reshape(x.shape)), z, create_graph=True)

    with torch.enable_grad():
        jac = torch.autograd.functional.jacobian(
            flat_gradient, x.detach().reshape(-1).clone(), create_graph=False
        )
    hessian = jac.detach().numpy()
    eigenvalues = np.linalg.eigvalsh((hessian + hessian.T) / 2)
    if np.all(eigenvalues > tol):
        return "minimum"
    if np.all(eigenvalues < -tol):
        return "maximum"
    if np.any(eigenvalues > tol) and np.any(eigenvalues < -tol):
        return "saddle"
    return "degenerate"
