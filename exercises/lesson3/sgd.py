"""Lesson 3: training ŷ = x·w by batch gradient descent, per-sample SGD and mini-batches.

The model has one scalar weight w and no bias; x and y are 1-D tensors of N ≥ 1 samples and
the loss is the mean squared error L(w) = mean((x·w − y)²). Every trainer returns
``(w, losses)``: w a 0-dim tensor and ``losses[e]`` the full-batch MSE measured after epoch
e's updates, a 1-D tensor of length ``epochs``, both in x's dtype. Arguments are never
modified and the returned tensors do not require grad.
"""

from __future__ import annotations

import torch

Scalar = float | torch.Tensor


def gd_step(w: Scalar, grad: Scalar, lr: Scalar) -> torch.Tensor:
    """One gradient descent step: w − lr·grad, as a new tensor.

    w and grad may be tensors of any (identical) shape, 0-dim tensors or Python numbers; lr
    is a number or a one-element tensor. The result has w's shape and dtype when w is a
    floating tensor; otherwise grad's dtype if grad is a floating tensor, else torch's
    default dtype. Neither argument is modified and the result does not require grad.

    Raises:
        ValueError: w and grad have different shapes (no broadcasting), or lr is not a scalar.
    """
    raise NotImplementedError(
        "TODO: subtract lr times grad from w and return a new tensor in w's dtype — see "
        "notes.md, section Gradient descent"
    )


def train_gd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch gradient descent: one update per epoch with the full-batch gradient.

    Each epoch: grad = mean(2·x·(x·w − y)), w ← w − lr·grad, then losses[e] = mean((x·w − y)²).
    With epochs = 0 the result is (w0 as a new 0-dim tensor in x's dtype, an empty tensor).

    Raises:
        TypeError: x is not floating point.
        ValueError: x is not a non-empty 1-D tensor, y's shape differs from x's, w0 or lr is
            not a scalar, or epochs < 0.
    """
    raise NotImplementedError(
        "TODO: loop over epochs: full-batch gradient, one gd_step, then record the loss —"
        " see notes.md, section Batch gradient descent"
    )


def train_sgd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample stochastic gradient descent: N updates per epoch, in index order.

    Each epoch visits i = 0, 1, …, N−1 without shuffling and updates with that sample's
    gradient, grad = 2·x_i·(x_i·w − y_i); losses[e] is the full-batch MSE after the N updates.
    Same zero-epoch result and errors as train_gd.
    """
    raise NotImplementedError(
        "TODO: loop over epochs and over samples in index order, one update per sample — "
        "see notes.md, section Stochastic gradient descent"
    )


def train_minibatch(
    x: torch.Tensor,
    y: torch.Tensor,
    w0: Scalar,
    lr: Scalar,
    epochs: int,
    batch_size: int,
    generator: torch.Generator | None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Mini-batch SGD: shuffle once per epoch, then one update per consecutive batch.

    Each epoch draws perm = torch.randperm(N, generator=generator) exactly once (from the
    global generator when generator is None; no draw at all when epochs = 0), then updates
    on perm[0:B], perm[B:2B], …: ⌈N/B⌉ updates, the last batch smaller when B does not divide
    N, and a single batch of all N samples when B ≥ N. Each update uses that batch's mean
    gradient, grad = mean(2·x_b·(x_b·w − y_b)) over the samples actually in the batch.
    Same zero-epoch result and errors as train_gd, plus ValueError when batch_size < 1.
    """
    raise NotImplementedError(
        "TODO: draw one randperm per epoch and update on consecutive slices of it — see "
        "notes.md, section Mini-batch gradient descent"
    )


def train_autograd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample SGD like train_sgd, but with gradients from autograd.

    w is a fresh leaf tensor that requires grad (w0 itself is never touched). For each
    sample, in index order: loss = (x_i·w − y_i)², loss.backward(), then under
    torch.no_grad() w ← w − lr·w.grad, and w.grad is zeroed because backward() adds into it.
    The trajectory, and so the result, equals train_sgd's. The returned w is detached
    (requires_grad False). Same zero-epoch result and errors as train_gd.
    """
    raise NotImplementedError(
        "TODO: use a leaf tensor, loss.backward(), update under torch.no_grad() and zero "
        ".grad — see notes.md, section Training with autograd"
    )
