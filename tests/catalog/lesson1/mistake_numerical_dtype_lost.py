"""mistake: forgets to cast the float64 estimate back, so a float32 x gets a float64 gradient
named: keep the dtype
function: numerical_grad

Catalog entry: the reference solution with this one mistake in numerical_grad.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

ScalarFn = Callable[[torch.Tensor], "torch.Tensor | float"]
TensorFn = Callable[[torch.Tensor], torch.Tensor]

ZERO_GRAD_NORM = 1e-12


def _leaf_copy(x: torch.Tensor) -> torch.Tensor:
    """A fresh leaf tensor with x's values that requires grad; x itself is not touched."""
    return x.detach().clone().requires_grad_(True)


def _as_tensor(value: torch.Tensor | float, like: torch.Tensor) -> torch.Tensor:
    """f's output as a tensor (a Python number becomes a constant of x's dtype)."""
    return value if isinstance(value, torch.Tensor) else torch.as_tensor(value, dtype=like.dtype)


def numerical_grad(f: ScalarFn, x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Central-difference estimate of the gradient of a scalar function f at x.

    For every element i: (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps), where e_i is the
    one-hot tensor for element i. f is called on float64 copies of x (float32 cannot resolve
    a step of 1e-6), the estimate is cast back to x's dtype, and x is never modified.
    """
    base = x.detach().to(torch.float64).reshape(-1)
    grad = torch.empty(base.numel(), dtype=torch.float64)
    for i in range(base.numel()):
        # Fresh copies each time: nothing is perturbed in place, so nothing needs restoring.
        plus = base.clone()
        plus[i] += eps
        minus = base.clone()
        minus[i] -= eps
        grad[i] = (float(f(plus.reshape(x.shape))) - float(f(minus.reshape(x.shape)))) / (2 * eps)
    return grad.reshape(x.shape)


def autograd_grad(f: ScalarFn, x: torch.Tensor) -> torch.Tensor:
    """The gradient ∇f(x) of a scalar function f, computed by autograd on a leaf copy of x.

    Raises TypeError for a non-floating x and ValueError (mentioning "scalar") when f's output
    has more than one element.
    """
    if not x.is_floating_point():
        raise TypeError(
            f"only floating point tensors can require gradients; got a tensor of dtype {x.dtype}"
        )
    leaf = _leaf_copy(x)
    # enable_grad so the function also works when called inside a torch.no_grad() block.
    with torch.enable_grad():
        out = _as_tensor(f(leaf), x)
        if out.numel() != 1:
            raise ValueError(
                "f must return a scalar (one element): grad can be implicitly created only for "
                f"scalar outputs, but f returned shape {tuple(out.shape)}"
            )
        if not out.requires_grad:  # f does not depend on x: the gradient is zero
            return torch.zeros_like(x, memory_format=torch.contiguous_format)
        (grad,) = torch.autograd.grad(out.reshape(()), leaf, allow_unused=True)
    if grad is None:
        return torch.zeros_like(x, memory_format=torch.contiguous_format)
    return grad.detach()


def vjp(f: TensorFn, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The vector-Jacobian product vᵀ·J_f(x): v must have exactly the shape of f(x)."""
    leaf = _leaf_copy(x)
    with torch.enable_grad():
        out = _as_tensor(f(leaf), x)
        if v.shape != out.shape:
            raise ValueError(
                f"v must have the shape of f(x), {tuple(out.shape)}, but has shape {tuple(v.shape)}"
            )
        if not out.requires_grad:
            return torch.zeros_like(x, memory_format=torch.contiguous_format)
        (grad,) = torch.autograd.grad(out, leaf, grad_outputs=v.detach().to(out.dtype),
                                      allow_unused=True)
    if grad is None:
        return torch.zeros_like(x, memory_format=torch.contiguous_format)
    return grad.detach()


def steepest_descent(f: ScalarFn, x: torch.Tensor) -> torch.Tensor:
    """The unit direction of steepest descent −∇f(x) / ‖∇f(x)‖, zeros where ‖∇f(x)‖ < 1e-12.

    The norm is one 2-norm over all elements, computed in float64 so that large float32
    gradients do not overflow.
    """
    grad = autograd_grad(f, x).to(torch.float64)
    norm = torch.linalg.vector_norm(grad)
    if norm < ZERO_GRAD_NORM:
        return torch.zeros_like(x, memory_format=torch.contiguous_format)
    return (-grad / norm).to(x.dtype)


def classify_critical_point(f: ScalarFn, x: torch.Tensor, tol: float = 1e-6) -> str:
    """Return "not critical" if ‖∇f(x)‖ > tol; otherwise "minimum", "maximum", "saddle" or
    "degenerate" from the signs of the Hessian's eigenvalues (x flattened to a vector),
    compared with ±tol."""
    grad_norm = torch.linalg.vector_norm(autograd_grad(f, x).to(torch.float64))
    if grad_norm > tol:
        return "not critical"

    def f_flat(z: torch.Tensor) -> torch.Tensor:
        return _as_tensor(f(z.reshape(x.shape)), z).reshape(())

    with torch.enable_grad():
        hessian = torch.autograd.functional.hessian(f_flat, x.detach().reshape(-1).clone())
    eigenvalues = torch.linalg.eigvalsh((hessian + hessian.T) / 2)
    if bool((eigenvalues > tol).all()):
        return "minimum"
    if bool((eigenvalues < -tol).all()):
        return "maximum"
    if bool((eigenvalues > tol).any()) and bool((eigenvalues < -tol).any()):
        return "saddle"
    return "degenerate"
