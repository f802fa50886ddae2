"""Lesson 4 · momentum: heavy-ball and Nesterov updates, and a small optimizer loop.

Conventions follow ``torch.optim.SGD`` (no dampening, no weight decay):
the velocity is a running sum v = μ·v + g, and the step is w = w − lr·v.
"""

from collections.abc import Callable

import torch

Scalar = float | torch.Tensor


def _f(value: Scalar) -> float:
    return float(value)


def _buffer(w, grad, velocity, momentum):
    if velocity is None:
        return torch.clone(grad.detach()).to(w.dtype)
    buf = velocity.detach().to(w.dtype, copy=True)
    buf.mul_(_f(momentum)).add_(grad.detach().to(w.dtype))
    return buf


def momentum_step(
    w: torch.Tensor,
    grad: torch.Tensor,
    velocity: torch.Tensor | None,
    lr: Scalar,
    momentum: Scalar,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One heavy-ball step in PyTorch's convention."""
    buf = _buffer(w, grad, velocity, momentum)
    w_new = w.detach().clone()
    w_new.add_(buf, alpha=-_f(lr))
    return w_new, buf


def nesterov_step(
    w: torch.Tensor,
    grad: torch.Tensor,
    velocity: torch.Tensor | None,
    lr: Scalar,
    momentum: Scalar,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One Nesterov step in PyTorch's convention."""
    buf = _buffer(w, grad, velocity, momentum)
    d_p = grad.detach().to(w.dtype).add(buf, alpha=_f(momentum))
    w_new = w.detach().clone()
    w_new.add_(d_p, alpha=-_f(lr))
    return w_new, buf


def minimize(
    f: Callable[[torch.Tensor], torch.Tensor],
    x0: torch.Tensor,
    lr: Scalar,
    steps: int,
    momentum: Scalar = 0.0,
    nesterov: bool = False,
) -> torch.Tensor:
    """Trajectory of torch.optim.SGD on f from x0, without torch.optim."""
    lr, momentum = _f(lr), _f(momentum)
    if nesterov and momentum == 0:
        raise ValueError("Nesterov momentum requires a momentum")

    out = torch.empty((steps + 1, *x0.shape), dtype=x0.dtype)
    param = x0.detach().clone()
    out[0] = param
    buf = None
    for k in range(steps):
        leaf = param.clone().requires_grad_()
        loss = f(leaf)
        (d_p,) = torch.autograd.grad(loss.squeeze(), leaf)
        if momentum != 0:
            if buf is None:
                buf = torch.clone(d_p).detach()
            else:
                buf.mul_(momentum).add_(d_p)
            d_p = d_p.add(buf, alpha=momentum) if nesterov else buf
        param.add_(d_p, alpha=-lr)
        out[k + 1] = param
    return out


def escape_hyperparameters() -> dict[str, float]:
    """An (lr, momentum) pair that escapes the local minimum of x·cos(πx) from −0.8."""
    return {"lr": 0.08, "momentum": 0.9}
