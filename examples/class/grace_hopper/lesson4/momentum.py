"""Lesson 4 · momentum: heavy-ball and Nesterov updates, and a small optimizer loop.

Conventions follow ``torch.optim.SGD`` (no dampening, no weight decay):
the velocity is a running sum v = μ·v + g, and the step is w = w − lr·v.
"""

from collections.abc import Callable

import torch

Scalar = float | torch.Tensor


def _number(value: Scalar) -> float:
    return value.item() if isinstance(value, torch.Tensor) else float(value)


def _velocity(w, grad, velocity, momentum):
    g = grad.detach().to(dtype=w.dtype, copy=True)
    if velocity is None:
        return g
    return torch.add(g, velocity.detach().to(w.dtype), alpha=_number(momentum))


def momentum_step(
    w: torch.Tensor,
    grad: torch.Tensor,
    velocity: torch.Tensor | None,
    lr: Scalar,
    momentum: Scalar,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One heavy-ball step: v = μ·v + g (v = g first), w = w − lr·v."""
    v_new = _velocity(w, grad, velocity, momentum)
    return torch.sub(w.detach(), v_new, alpha=_number(lr)), v_new


def nesterov_step(
    w: torch.Tensor,
    grad: torch.Tensor,
    velocity: torch.Tensor | None,
    lr: Scalar,
    momentum: Scalar,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One Nesterov step: v as in momentum_step, w = w − lr·(g + μ·v)."""
    v_new = _velocity(w, grad, velocity, momentum)
    direction = torch.add(grad.detach().to(w.dtype), v_new, alpha=_number(momentum))
    return torch.sub(w.detach(), direction, alpha=_number(lr)), v_new


def minimize(
    f: Callable[[torch.Tensor], torch.Tensor],
    x0: torch.Tensor,
    lr: Scalar,
    steps: int,
    momentum: Scalar = 0.0,
    nesterov: bool = False,
) -> torch.Tensor:
    """Trajectory of SGD with momentum on f from x0, shape (steps + 1, *x0.shape)."""
    if nesterov and _number(momentum) == 0:
        raise ValueError("nesterov=True needs a momentum different from 0")

    x = x0.detach().clone().requires_grad_(True)
    points = [x.detach().clone()]
    velocity = None
    for _ in range(steps):
        x.grad = None
        f(x).sum().backward()
        update = nesterov_step if nesterov else momentum_step
        x_next, velocity = update(x, x.grad, velocity, lr, momentum)
        with torch.no_grad():
            x.copy_(x_next)
        points.append(x_next)
    return torch.stack(points)


def escape_hyperparameters() -> dict[str, float]:
    """An (lr, momentum) pair that escapes the local minimum of x·cos(πx) from −0.8."""
    return {"lr": 0.05, "momentum": 0.92}
