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


def numerical_grad(f: ScalarFn, x: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """Central-difference estimate of the gradient of a scalar function f at x.

    For every element i: (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps), where e_i is the
    one-hot tensor for element i. f is always called on float64 copies of x (float32 cannot
    resolve a step of 1e-6), the estimate is cast back to x's dtype, and x is never modified.

    Args:
        f: maps a tensor shaped like x to a scalar: a 0-dim (or one-element) tensor or a
            Python number.
        x: floating point tensor of any shape, 0-dim included.
        eps: the step, a positive number.

    Returns:
        A new tensor with x's shape and dtype that does not require grad.

    Raises:
        TypeError: x is not a floating point tensor.
        ValueError: eps is not positive, or f returns more than one number.
    """
    raise NotImplementedError(
        "TODO: perturb one element at a time by ±eps on a float64 copy and take the central "
        "difference — see notes.md, section Numerical gradients: central differences"
    )


def autograd_grad(f: ScalarFn, x: torch.Tensor) -> torch.Tensor:
    """The gradient ∇f(x) of a scalar function f, computed by autograd.

    f is called on a fresh leaf copy of x that requires grad, so afterwards x.requires_grad
    is unchanged and x.grad is still None. Only that copy's gradient is computed (no other
    tensor's .grad is filled in). If f's output does not depend on x the gradient is zero.

    Args:
        f: maps a tensor shaped like x to a scalar (a one-element tensor or a Python number).
        x: floating point tensor of any shape, 0-dim included.

    Returns:
        A new detached tensor with x's shape and dtype.

    Raises:
        TypeError: x is not floating point (only floating point tensors can require gradients).
        ValueError: f's output does not hold exactly one element (it must be a scalar).
    """
    raise NotImplementedError(
        "TODO: differentiate f at a detached leaf copy of x that requires grad — see notes.md, "
        "section Autograd: leaf tensors, backward() and .grad"
    )


def vjp(f: TensorFn, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The vector-Jacobian product vᵀ·J_f(x) for f with any output shape.

    Element j of the result is Σ_i v_i · ∂f_i/∂x_j (sums over all elements of f(x)). This is
    what ``torch.autograd.grad(f(x), x, grad_outputs=v)`` computes; when f is scalar and
    v = 1 it is the gradient. v is cast to f(x)'s dtype; x and v are left untouched.

    Args:
        f: maps a tensor shaped like x to a tensor of any shape.
        x: floating point tensor of any shape.
        v: tensor with exactly the shape of f(x) (no broadcasting).

    Returns:
        A new detached tensor with x's shape and dtype.

    Raises:
        TypeError: x is not a floating point tensor.
        ValueError: v's shape differs from f(x)'s shape.
    """
    raise NotImplementedError(
        "TODO: check v's shape against f(x), then pass v as the gradient of the output — see "
        "notes.md, section Non-scalar outputs and vector-Jacobian products"
    )


def steepest_descent(f: ScalarFn, x: torch.Tensor) -> torch.Tensor:
    """The unit direction of steepest descent of f at x: −∇f(x) / ‖∇f(x)‖.

    The norm is the 2-norm over all elements (x is treated as one long vector); computing it
    in float64 keeps large float32 gradients from overflowing. Where ‖∇f(x)‖ < 1e-12 there
    is no descent direction and a zero tensor is returned.

    Args:
        f: maps a tensor shaped like x to a scalar.
        x: floating point tensor of any shape.

    Returns:
        A new tensor with x's shape and dtype whose 2-norm is 1 (or 0 at a critical point).

    Raises:
        TypeError / ValueError: as for autograd_grad.
    """
    raise NotImplementedError(
        "TODO: negate the gradient and divide it by its 2-norm — see notes.md, section "
        "Steepest ascent and steepest descent"
    )


def classify_critical_point(f: ScalarFn, x: torch.Tensor, tol: float = 1e-6) -> str:
    """Say whether x is a minimum, maximum or saddle point of f, from the Hessian.

    Returns "not critical" if ‖∇f(x)‖ > tol. Otherwise the Hessian of f at x (x flattened
    to a vector of n elements, an n×n matrix, symmetrised) is computed by autograd in x's
    dtype and its eigenvalues λ decide:
      - "minimum"    if every λ > tol,
      - "maximum"    if every λ < −tol,
      - "saddle"     if some λ > tol and some λ < −tol,
      - "degenerate" otherwise (some |λ| ≤ tol and no opposite signs: second order
        information cannot decide).

    Args:
        f: maps a tensor shaped like x to a scalar.
        x: floating point tensor with at least one element.
        tol: non-negative threshold for both the gradient norm and the eigenvalues.

    Raises:
        TypeError: x is not a floating point tensor.
        ValueError: x is empty, or f's output is not a scalar.
    """
    raise NotImplementedError(
        "TODO: check the gradient norm, then look at the signs of the Hessian's eigenvalues — "
        "see notes.md, section Critical points and the Hessian"
    )
