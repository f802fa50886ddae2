"""Lesson 4 · momentum: heavy-ball and Nesterov updates, and a small optimizer loop.

Conventions follow ``torch.optim.SGD`` (no dampening, no weight decay):
the velocity is a running sum v = μ·v + g, and the step is w = w − lr·v.
"""

from collections.abc import Callable

import numpy as np
import torch

Scalar = float | torch.Tensor


def _scalar(value: Scalar) -> float:
    return float(value.detach()) if torch.is_tensor(value) else float(value)


def _arrays(w, grad, velocity):
    dtype = w.detach().numpy().dtype
    w_np = w.detach().numpy()
    g_np = grad.detach().numpy().astype(dtype)
    v_np = None if velocity is None else velocity.detach().numpy().astype(dtype)
    return w_np, g_np, v_np


def _velocity_np(g_np, v_np, momentum):
    if v_np is None:
        return g_np.copy()
    return v_np * _scalar(momentum) + g_np


def _tensor(array) -> torch.Tensor:
    return torch.from_numpy(np.array(array, copy=True))


def momentum_step(
    w: torch.Tensor,
    grad: torch.Tensor,
    velocity: torch.Tensor | None,
    lr: Scalar,
    momentum: Scalar,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One heavy-ball step in PyTorch's convention, computed in NumPy."""
    w_np, g_np, v_np = _arrays(w, grad, velocity)
    v_new = _velocity_np(g_np, v_np, momentum)
    w_new = w_np - _scalar(lr) * v_new
    return _tensor(w_new), _tensor(v_new)


def nesterov_step(
    w: torch.Tensor,
    grad: torch.Tensor,
    velocity: torch.Tensor | None,
    lr: Scalar,
    momentum: Scalar,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One Nesterov step in PyTorch's convention, computed in NumPy."""
    w_np, g_np, v_np = _arrays(w, grad, velocity)
    v_new = _velocity_np(g_np, v_np, momentum)
    w_new = w_np - _scalar(lr) * (g_np + _scalar(momentum) * v_new)
    return _tensor(w_new), _tensor(v_new)


def minimize(
    f: Callable[[torch.Tensor], torch.Tensor],
    x0: torch.Tensor,
    lr: Scalar,
    steps: int,
    momentum: Scalar = 0.0,
    nesterov: bool = False,
) -> torch.Tensor:
    """Trajectory of SGD on f from x0, gradients by torch.func.grad."""
    if nesterov and _scalar(momentum) == 0.0:
        raise ValueError("Nesterov momentum requires a non-zero momentum")

    def scalar_f(x: torch.Tensor) -> torch.Tensor:
        return f(x).reshape(())

    grad_f = torch.func.grad(scalar_f)
    step = nesterov_step if nesterov else momentum_step
    x = x0.detach().clone()
    velocity = None
    rows = [x]
    for _ in range(steps):
        x, velocity = step(x, grad_f(x), velocity, lr, momentum)
        rows.append(x)
    return torch.stack(rows)


def escape_hyperparameters() -> dict[str, float]:
    """An (lr, momentum) pair that escapes the local minimum of x·cos(πx) from −0.8."""
    return {"lr": 0.1, "momentum": 0.88}
