"""Lesson 1: what a gradient is, computed by finite differences and by autograd.

Every function here leaves its arguments exactly as it found them (values, ``requires_grad``
and ``.grad``), returns tensors in the dtype of ``x`` that do not require grad and share no
memory with an argument, and accepts float32 or float64 ``x`` of any shape, 0-dim included.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch.func import grad as func_grad
from torch.func import hessian as func_hessian
from torch.func import vjp as func_vjp

ScalarFn = Callable[[torch.Tensor], "torch.Tensor | float"]
TensorFn = Callable[[torch.Tensor], torch.Tensor]


def _floating(x: torch.Tensor) -> None:
    if not torch.is_floating_point(x):
        raise TypeError("only floating point tensors can require gradients")


def _as_tensor_fn(f: Callable, dtype: torch.dtype) -> Callable[[torch.Tensor], torch.Tensor]:
    """f with a Python-number output turned into a tensor."""

    def wrapped(z: torch.Tensor) -> torch.Tensor:
        out = f(z)
        return out if isinstance(out, torch.Tensor) else torch.as_tensor(out, dtype=dtype)

    return wrapped


def _scalar_fn(f: ScalarFn, x: torch.Tensor) -> Callable[[torch.Tensor], torch.Tensor]:
    """f as a function returning a 0-dim tensor, after checking it returns one element."""
    as_tensor = _as_tensor_fn(f, x.dtype)
    if as_tensor(x.detach().clone()).numel() != 1:
        raise ValueError("f must return a scalar (a single element)")
    return lambda z: as_tensor(z).reshape(())


def numerical_grad(f: ScalarFn, x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """All perturbed points built at once as x ± eps·I, then f applied to each."""
    flat = x.detach().double().reshape(1, -1)
    shift = float(eps) * torch.eye(flat.shape[1], dtype=torch.float64)
    ups, downs = flat + shift, flat - shift
    out = torch.empty(flat.shape[1], dtype=torch.float64)
    for i, (up, down) in enumerate(zip(ups, downs, strict=True)):
        f_up = torch.as_tensor(f(up.reshape(x.shape)), dtype=torch.float64)
        f_down = torch.as_tensor(f(down.reshape(x.shape)), dtype=torch.float64)
        out[i] = (f_up.double().reshape(()) - f_down.double().reshape(())) / (2 * float(eps))
    return out.reshape(x.shape).to(x.dtype)


def autograd_grad(f: ScalarFn, x: torch.Tensor) -> torch.Tensor:
    """torch.func.grad of f at a detached copy of x."""
    _floating(x)
    return func_grad(_scalar_fn(f, x))(x.detach().clone())


def vjp(f: TensorFn, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """torch.func.vjp, with v checked against the primal output's shape."""
    out, pullback = func_vjp(_as_tensor_fn(f, x.dtype), x.detach().clone())
    v = torch.as_tensor(v)
    if v.shape != out.shape:
        raise ValueError(f"v has shape {tuple(v.shape)} but f(x) has shape {tuple(out.shape)}")
    (result,) = pullback(v.detach().to(out.dtype))
    return result.detach().clone()


def steepest_descent(f: ScalarFn, x: torch.Tensor) -> torch.Tensor:
    """Normalise −∇f with torch.linalg.norm over the flattened gradient."""
    g = autograd_grad(f, x).to(torch.float64)
    length = torch.linalg.norm(g.reshape(-1))
    if length < 1e-12:
        return torch.zeros_like(g).to(x.dtype)
    return torch.div(g, length).neg().to(x.dtype)


def classify_critical_point(f: ScalarFn, x: torch.Tensor, tol: float = 1e-6) -> str:
    """torch.func.hessian of f over the flattened x, then its eigenvalues."""
    if torch.linalg.norm(autograd_grad(f, x).double().reshape(-1)) > tol:
        return "not critical"
    as_tensor = _as_tensor_fn(f, x.dtype)
    scalar_f = lambda z: as_tensor(z).reshape(())  # noqa: E731
    hess = func_hessian(lambda z: scalar_f(z.reshape(x.shape)))(x.detach().reshape(-1).clone())
    lam = torch.linalg.eigvalsh((hess + hess.mT) / 2)
    if (lam > tol).all():
        return "minimum"
    if (lam < -tol).all():
        return "maximum"
    if (lam > tol).any() and (lam < -tol).any():
        return "saddle"
    return "degenerate"
