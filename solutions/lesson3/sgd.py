"""Lesson 3: training ŷ = x·w by batch gradient descent, per-sample SGD and mini-batches.

The model has one scalar weight w and no bias; x and y are 1-D tensors of N samples and the
loss is the mean squared error L(w) = mean((x·w − y)²). Every trainer returns
``(w, losses)``: w a 0-dim tensor and ``losses[e]`` the full-batch MSE measured after epoch
e's updates, a 1-D tensor of length ``epochs``, both in x's dtype. w0 and lr may be Python
numbers or 0-dim tensors of any floating dtype. Arguments are never modified, and the
returned tensors do not require grad and share no memory with any argument.
"""

from __future__ import annotations

import torch

Scalar = float | torch.Tensor


### BEGIN SOLUTION
def _mse(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """Full-batch mean squared error of the model x·w."""
    return torch.mean((x * w - y) ** 2)
### END SOLUTION


def gd_step(w: Scalar, grad: Scalar, lr: Scalar) -> torch.Tensor:
    """One gradient descent step: w − lr·grad, as a new tensor.

    w and grad are tensors of the same shape (or Python numbers); lr is a Python number or
    a 0-dim tensor. The result is a new tensor of w's shape in w's dtype (lr never changes
    the dtype: a float64 lr leaves a float32 w float32); when w is a Python number it takes
    grad's dtype, and when both are numbers torch's default dtype. No argument is modified
    and the result does not require grad.
    """
    ### BEGIN SOLUTION
    if isinstance(w, torch.Tensor):
        dtype = w.dtype
    elif isinstance(grad, torch.Tensor):
        dtype = grad.dtype
    else:
        dtype = torch.get_default_dtype()
    w = torch.as_tensor(w, dtype=dtype).detach()
    grad = torch.as_tensor(grad, dtype=dtype).detach()
    return w - float(lr) * grad
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: subtract lr times grad from w and return a new tensor in w's dtype — see "
    # STUB:     "notes.md, section Gradient descent"
    # STUB: )


def train_gd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Batch gradient descent: one update per epoch with the full-batch gradient.

    Each epoch: grad = mean(2·x·(x·w − y)), w ← w − lr·grad, then losses[e] = mean((x·w − y)²).
    With epochs = 0 the result is (w0's value as a new 0-dim tensor in x's dtype, an empty
    1-D tensor in x's dtype).
    """
    ### BEGIN SOLUTION
    w = torch.tensor(float(w0), dtype=x.dtype)
    losses = torch.empty(epochs, dtype=x.dtype)
    for epoch in range(epochs):
        grad = torch.mean(2 * x * (x * w - y))
        w = gd_step(w, grad, lr)
        losses[epoch] = _mse(x, y, w)
    return w, losses
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: loop over epochs: full-batch gradient, one gd_step, then record the loss —"
    # STUB:     " see notes.md, section Batch gradient descent"
    # STUB: )


def train_sgd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample stochastic gradient descent: N updates per epoch, in index order.

    Each epoch visits i = 0, 1, …, N−1 without shuffling and updates with that sample's
    gradient, grad = 2·x_i·(x_i·w − y_i); losses[e] is the full-batch MSE after the N updates.
    Zero epochs as in train_gd.
    """
    ### BEGIN SOLUTION
    w = torch.tensor(float(w0), dtype=x.dtype)
    losses = torch.empty(epochs, dtype=x.dtype)
    for epoch in range(epochs):
        for i in range(len(x)):
            grad = 2 * x[i] * (x[i] * w - y[i])
            w = gd_step(w, grad, lr)
        losses[epoch] = _mse(x, y, w)
    return w, losses
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: loop over epochs and over samples in index order, one update per sample — "
    # STUB:     "see notes.md, section Stochastic gradient descent"
    # STUB: )


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
    Zero epochs as in train_gd.
    """
    ### BEGIN SOLUTION
    w = torch.tensor(float(w0), dtype=x.dtype)
    losses = torch.empty(epochs, dtype=x.dtype)
    for epoch in range(epochs):
        perm = torch.randperm(len(x), generator=generator)
        for start in range(0, len(x), batch_size):
            batch = perm[start : start + batch_size]
            xb, yb = x[batch], y[batch]
            grad = torch.mean(2 * xb * (xb * w - yb))
            w = gd_step(w, grad, lr)
        losses[epoch] = _mse(x, y, w)
    return w, losses
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: draw one randperm per epoch and update on consecutive slices of it — see "
    # STUB:     "notes.md, section Mini-batch gradient descent"
    # STUB: )


def train_autograd(
    x: torch.Tensor, y: torch.Tensor, w0: Scalar, lr: Scalar, epochs: int
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample SGD like train_sgd, but with gradients from autograd.

    w is a fresh leaf tensor that requires grad (w0 itself is never touched). For each
    sample, in index order: loss = (x_i·w − y_i)², loss.backward(), then under
    torch.no_grad() w ← w − lr·w.grad, and w.grad is zeroed because backward() adds into it.
    The trajectory, and so the result, equals train_sgd's. The returned w is detached
    (requires_grad False). Zero epochs as in train_gd.
    """
    ### BEGIN SOLUTION
    lr = float(lr)
    w = torch.tensor(float(w0), dtype=x.dtype, requires_grad=True)
    losses = torch.empty(epochs, dtype=x.dtype)
    # enable_grad so training also works when the caller is inside a torch.no_grad() block.
    with torch.enable_grad():
        for epoch in range(epochs):
            for i in range(len(x)):
                loss = (x[i] * w - y[i]) ** 2
                loss.backward()
                with torch.no_grad():
                    w -= lr * w.grad
                w.grad.zero_()
            with torch.no_grad():
                losses[epoch] = _mse(x, y, w)
    return w.detach(), losses
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: use a leaf tensor, loss.backward(), update under torch.no_grad() and zero "
    # STUB:     ".grad — see notes.md, section Training with autograd"
    # STUB: )
