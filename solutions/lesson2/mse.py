"""Lesson 2: the mean squared error of a linear model and its derivative.

The model is ŷ = x·w + b. Either x is (N,) and w a scalar, or x is (N, D) and w is (D,).
Scalars (w, b) may be Python numbers or 0-dim tensors; every result takes x's dtype, inputs
are never modified, and returned tensors never require grad.

Read notes.md first. Run `course check lesson2` after every change.
"""

from __future__ import annotations

import torch

Scalar = float | int | torch.Tensor


### BEGIN SOLUTION
def _like(value: Scalar | torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``value`` as a tensor of x's dtype, detached from any graph."""
    if isinstance(value, torch.Tensor):
        return value.detach().to(x.dtype)
    return torch.as_tensor(value, dtype=x.dtype)


def _forward(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """x·w + b: x * w for 1-D x and a scalar w, x @ w for (N, D) x and w of shape (D,)."""
    return (x * w if x.dim() == 1 else x @ w) + b
### END SOLUTION


def predict(x: torch.Tensor, w: Scalar, b: Scalar = 0.0) -> torch.Tensor:
    """Predictions ŷ = x·w + b, shape (N,).

    x is (N,) with a scalar w, or (N, D) with w of shape (D,). b is a scalar. The result has
    x's dtype (convert Python numbers with torch.as_tensor(..., dtype=x.dtype)).
    """
    ### BEGIN SOLUTION
    return _forward(x.detach(), _like(w, x), _like(b, x))
    ### END SOLUTION
    # STUB: raise NotImplementedError("Your task: compute x·w + b — see notes.md, section 'The model'")


def mse(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean of (ŷ − y)² as a 0-dim tensor.

    If the shapes of y_hat and y differ, raise ValueError: (N, 1) against (N,) would
    broadcast to (N, N) and silently give a wrong number.
    """
    ### BEGIN SOLUTION
    if y_hat.shape != y.shape:
        raise ValueError(
            f"shapes differ: y_hat {tuple(y_hat.shape)} vs y {tuple(y.shape)}; "
            f"reshape one of them so they match (no broadcasting)"
        )
    return ((y_hat.detach() - y.detach()) ** 2).mean()
    ### END SOLUTION
    # STUB: raise NotImplementedError("Your task: mean of the squared residuals — see notes.md, section 'Loss and cost'")


def mse_grad(x: torch.Tensor, y: torch.Tensor, w: Scalar, b: Scalar = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """Analytic gradient (dL/dw, dL/db) of L = mean((x·w + b − y)²).

    dw is shaped like w (a 0-dim tensor for a scalar w); db is a 0-dim tensor. Use the
    formula, not autograd: autograd is disabled while this function is graded, and in
    float64 the answer is compared with the derivative to about 1e-12, which a finite
    difference of the loss does not reach.
    """
    ### BEGIN SOLUTION
    x = x.detach()
    residual = predict(x, w, b) - y.detach().to(x.dtype)
    dw = 2 * (x * residual).mean() if x.dim() == 1 else 2 * (x.T @ residual) / x.shape[0]
    db = 2 * residual.mean()
    return dw, db
    ### END SOLUTION
    # STUB: raise NotImplementedError("Your task: differentiate the mean squared error by hand — see notes.md, section 'The derivative'")


def mse_grad_autograd(x: torch.Tensor, y: torch.Tensor, w: Scalar, b: Scalar = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The same (dL/dw, dL/db) as mse_grad, computed by autograd.

    Work on leaf copies of w and b that require grad (never call requires_grad_() or
    backward() on the caller's own w or b): the caller's tensors must come back unchanged,
    with requires_grad as it was and no .grad left behind.
    """
    ### BEGIN SOLUTION
    w_leaf = _like(w, x).clone().requires_grad_(True)
    b_leaf = _like(b, x).clone().requires_grad_(True)
    with torch.enable_grad():
        loss = ((_forward(x.detach(), w_leaf, b_leaf) - y.detach().to(x.dtype)) ** 2).mean()
        dw, db = torch.autograd.grad(loss, (w_leaf, b_leaf))
    return dw.detach(), db.detach()
    ### END SOLUTION
    # STUB: raise NotImplementedError("Your task: let autograd differentiate the loss — see notes.md, section 'Checking with autograd'")


def loss_curve(x: torch.Tensor, y: torch.Tensor, ws: torch.Tensor) -> torch.Tensor:
    """mse(predict(x, w), y) for each candidate scalar weight w in the 1-D tensor ws.

    x is 1-D. The result has shape (len(ws),) and x's dtype.
    """
    ### BEGIN SOLUTION
    ws = _like(ws, x)
    predictions = ws[:, None] * x.detach()[None, :]
    return ((predictions - y.detach().to(x.dtype)[None, :]) ** 2).mean(dim=1)
    ### END SOLUTION
    # STUB: raise NotImplementedError("Your task: evaluate the cost for every candidate w — see notes.md, section 'Searching over w'")
