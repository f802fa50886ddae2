"""Lesson 2: the mean squared error of a linear model and its derivative.

The model is ŷ = x·w + b. Either x is (N,) and w a scalar, or x is (N, D) and w is (D,).
Scalars (w, b) may be Python numbers or 0-dim tensors; every result takes x's dtype, inputs
are never modified, and returned tensors never require grad.

Read notes.md first. Run `course check lesson2` after every change.
"""

from __future__ import annotations

import torch

Scalar = float | int | torch.Tensor


def predict(x: torch.Tensor, w: Scalar, b: Scalar = 0.0) -> torch.Tensor:
    """Predictions ŷ = x·w + b, shape (N,).

    x is (N,) with a scalar w, or (N, D) with w of shape (D,). b is a scalar. The result has
    x's dtype (convert Python numbers with torch.as_tensor(..., dtype=x.dtype)).
    """
    raise NotImplementedError("Your task: compute x·w + b — see notes.md, section 'The model'")


def mse(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean of (ŷ − y)² as a 0-dim tensor.

    If the shapes of y_hat and y differ, raise ValueError: (N, 1) against (N,) would
    broadcast to (N, N) and silently give a wrong number.
    """
    raise NotImplementedError("Your task: mean of the squared residuals — see notes.md, section 'Loss and cost'")


def mse_grad(x: torch.Tensor, y: torch.Tensor, w: Scalar, b: Scalar = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Analytic gradient (dL/dw, dL/db) of L = mean((x·w + b − y)²).

    dw is shaped like w (a 0-dim tensor for a scalar w); db is a 0-dim tensor. Use the
    formula, not autograd: autograd is disabled while this function is graded, and in
    float64 the answer is compared with the derivative to about 1e-12, which a finite
    difference of the loss does not reach.
    """
    raise NotImplementedError("Your task: differentiate the mean squared error by hand — see notes.md, section 'The derivative'")


def mse_grad_autograd(x: torch.Tensor, y: torch.Tensor, w: Scalar, b: Scalar = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The same (dL/dw, dL/db) as mse_grad, computed by autograd.

    Work on leaf copies of w and b that require grad (never call requires_grad_() or
    backward() on the caller's own w or b): the caller's tensors must come back unchanged,
    with requires_grad as it was and no .grad left behind.
    """
    raise NotImplementedError("Your task: let autograd differentiate the loss — see notes.md, section 'Checking with autograd'")


def loss_curve(x: torch.Tensor, y: torch.Tensor, ws: torch.Tensor) -> torch.Tensor:
    """mse(predict(x, w), y) for each candidate scalar weight w in the 1-D tensor ws.

    x is 1-D. The result has shape (len(ws),) and x's dtype.
    """
    raise NotImplementedError("Your task: evaluate the cost for every candidate w — see notes.md, section 'Searching over w'")
