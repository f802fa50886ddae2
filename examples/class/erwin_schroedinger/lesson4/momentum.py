"""Lesson 4 · momentum: heavy-ball and Nesterov updates, and a small optimizer loop.

Conventions follow ``torch.optim.SGD`` (no dampening, no weight decay):
the velocity is a running sum v = μ·v + g, and the step is w = w − lr·v.
"""

from collections.abc import Callable

import torch

Scalar = float | torch.Tensor


def momentum_step(
    w: torch.Tensor,
    grad: torch.Tensor,
    velocity: torch.Tensor | None,
    lr: Scalar,
    momentum: Scalar,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One heavy-ball step in PyTorch's convention; returns ``(w_new, v_new)``.

    v_new = grad if velocity is None (the first step), else momentum·velocity + grad;
    w_new = w − lr·v_new.

    ``grad`` and ``velocity`` have w's shape. ``lr`` and ``momentum`` may be Python numbers or
    0-dim tensors (of any floating dtype: they never change the result's dtype). Both results
    are new tensors in w's dtype that do not require grad (even when an argument does) and
    share no memory with any argument (on the first step v_new is a copy of grad, not grad
    itself); no argument is modified.
    """
    raise NotImplementedError(
        "Your task: update the velocity, then step w along it — see notes.md, section "
        "PyTorch's convention"
    )


def nesterov_step(
    w: torch.Tensor,
    grad: torch.Tensor,
    velocity: torch.Tensor | None,
    lr: Scalar,
    momentum: Scalar,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One Nesterov step in PyTorch's convention; returns ``(w_new, v_new)``.

    v_new is updated exactly as in ``momentum_step``; the step looks ahead along the new
    velocity: w_new = w − lr·(grad + momentum·v_new).

    Same rules as ``momentum_step``: results are new tensors in w's dtype that do not
    require grad and share no memory with any argument, and no argument is modified.
    """
    raise NotImplementedError(
        "Your task: update the velocity as in momentum_step, then take the look-ahead step — "
        "see notes.md, section Nesterov's look-ahead"
    )


def minimize(
    f: Callable[[torch.Tensor], torch.Tensor],
    x0: torch.Tensor,
    lr: Scalar,
    steps: int,
    momentum: Scalar = 0.0,
    nesterov: bool = False,
) -> torch.Tensor:
    """Run ``steps`` SGD updates on f from x0 and return the whole trajectory.

    Must match ``torch.optim.SGD([x], lr=lr, momentum=momentum, nesterov=nesterov)`` step
    for step (to 1e-10 in float64) without using ``torch.optim`` (disabled while graded):
    each step evaluates f at the current point, takes the gradient by autograd, and applies
    ``nesterov_step`` if ``nesterov`` else ``momentum_step`` (with momentum 0 both reduce to
    plain gradient descent). No gradient may carry over from one step to the next.

    x0 is a floating tensor of any shape; f maps a tensor shaped like x0 to a tensor with
    one element (0-dim, or shape (1,) when x0 has shape (1,)). ``lr`` and ``momentum`` may
    be Python numbers or 0-dim tensors. x0 is never modified (its values, requires_grad and
    .grad stay as they were), also when it requires grad.

    Returns a tensor of shape (steps + 1, *x0.shape) in x0's dtype, row 0 equal to x0 and
    row k the point after k updates; it does not require grad and shares no memory with x0.
    ``nesterov=True`` with ``momentum == 0`` → ``ValueError`` (as in PyTorch).
    """
    raise NotImplementedError(
        "Your task: loop: gradient of f by autograd at the current point, one step, record the "
        "point — see notes.md, section The optimizer loop"
    )


def escape_hyperparameters() -> dict[str, float]:
    """Return ``{"lr": ..., "momentum": ...}`` that let momentum escape a local minimum.

    On f(x) = x·cos(πx) from x0 = −0.8, 200 steps of ``minimize`` with these values must end
    within 0.05 of the global minimum on [−1, 2] (x ≈ 1.0904), while plain gradient descent
    (momentum 0) at the same lr stays in the local minimum x ≈ −0.2739. Both values are
    Python floats. Graded with the reference optimizer.
    """
    raise NotImplementedError(
        "Your task: experiment with minimize and pick lr and momentum — see notes.md, section "
        "Escaping a local minimum"
    )
