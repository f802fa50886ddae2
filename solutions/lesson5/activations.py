"""Lesson 5 · activation and loss gradients: sigmoid, tanh, ReLU, softmax and cross-entropy.

Rules for every function: leave the arguments unchanged, keep the input's dtype (float32
stays float32), and return new tensors that do not require grad (also when an argument
does) and share no memory with an argument. The ``*_grad`` functions compute derivatives
from formulas, without autograd.
"""

import torch

ACTIVATIONS = ("sigmoid", "tanh", "relu")


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Logistic function σ(x) = 1 / (1 + e^(−x)), elementwise, computed without overflow.

    Must be finite and saturate correctly (to 1.0 for large positive x, to 0.0 for large
    negative x) for |x| up to 1e4, with no overflow warnings, in float32 and float64.
    Same shape and dtype as x.
    ``torch.sigmoid``, ``torch.special.expit`` and ``F.sigmoid`` are disabled while graded.
    """
    ### BEGIN SOLUTION
    x = x.detach()
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: compute σ(x) without ever exponentiating a large positive number — see "
    # STUB:     "notes.md, section Sigmoid"
    # STUB: )


def sigmoid_grad(x: torch.Tensor) -> torch.Tensor:
    """Derivative of the sigmoid, σ'(x) = σ(x)·(1 − σ(x)), elementwise.

    At most 0.25 (at x = 0); 0.0, never nan, where σ saturates (|x| up to 1e4).
    Same shape and dtype as x. Autograd is disabled while graded, and the answer must be the
    formula's value (a finite difference of the sigmoid is not accurate enough).
    """
    ### BEGIN SOLUTION
    s = sigmoid(x)
    return s * (1.0 - s)
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: compute σ(x) first, then the formula — see notes.md, section Sigmoid"
    # STUB: )


def tanh_grad(x: torch.Tensor) -> torch.Tensor:
    """Derivative of tanh, 1 − tanh(x)², elementwise; same shape and dtype as x.

    1 at x = 0 and 0.0, never nan, far out (|x| up to 1e4). ``torch.tanh`` is allowed.
    Autograd is disabled while graded, and the answer must be the formula's value.
    """
    ### BEGIN SOLUTION
    t = torch.tanh(x.detach())
    return 1.0 - t * t
    ### END SOLUTION
    # STUB: raise NotImplementedError("Your task: use 1 − tanh(x)² — see notes.md, section Tanh")


def relu_grad(x: torch.Tensor) -> torch.Tensor:
    """Derivative of ReLU: 1 where x > 0, else 0 (also 0 at x = 0, as PyTorch does).

    Returned in x's dtype (a float64 x gives float64 ones and zeros) and shape.
    Autograd is disabled while graded, and the answer must be exactly 1 or 0.
    """
    ### BEGIN SOLUTION
    return (x.detach() > 0).to(x.dtype)
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: 1 where x > 0, else 0, in x's dtype — see notes.md, section ReLU"
    # STUB: )


def softmax(z: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax along ``dim``: exp(z_i) / Σ_j exp(z_j), computed stably.

    Finite for logits up to ±1e4 (no nan or inf); entries along ``dim`` sum to 1; same
    shape and dtype as z; a 0-dim z gives 1. ``torch.softmax``, ``F.softmax`` and
    ``F.log_softmax`` are disabled while graded.
    """
    ### BEGIN SOLUTION
    z = z.detach()
    shifted = z - z.amax(dim=dim, keepdim=True)
    e = torch.exp(shifted)
    return e / e.sum(dim=dim, keepdim=True)
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: shift the logits before exponentiating — see notes.md, section Softmax"
    # STUB: )


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of a batch: mean over i of −log softmax(logits[i])[target[i]].

    logits: (N, C) floating tensor; target: (N,) int64 class indices in [0, C) (you may
    assume valid arguments). Pick one entry per row: row i's entry is in column target[i].
    Returns a 0-dim tensor in logits' dtype, finite for logits up to ±1e4 (as
    ``F.cross_entropy`` gives), also when a target's probability underflows to 0.
    ``F.cross_entropy``, ``F.nll_loss``, ``F.log_softmax`` and ``torch.logsumexp`` are
    disabled while graded: write the log-sum-exp yourself.
    """
    ### BEGIN SOLUTION
    z = logits.detach()
    shifted = z - z.amax(dim=1, keepdim=True)
    log_sum_exp = torch.log(torch.exp(shifted).sum(dim=1))
    picked = shifted[torch.arange(z.shape[0]), target]  # one entry per row
    return (log_sum_exp - picked).mean()
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: −log softmax via the log-sum-exp trick, averaged over the batch — see "
    # STUB:     "notes.md, section Cross-entropy"
    # STUB: )


def cross_entropy_grad(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Gradient of ``cross_entropy`` with respect to the logits: (softmax − one-hot) / N.

    The one-hot row i has a 1 in column target[i] (classes run along dim 1).
    Same shape (N, C) and dtype as logits, finite for logits up to ±1e4. Autograd is
    disabled while graded, and the answer must be the formula's value (a finite difference
    of ``cross_entropy`` is not accurate enough).
    """
    ### BEGIN SOLUTION
    probs = softmax(logits, dim=1)
    one_hot = torch.nn.functional.one_hot(target, logits.shape[1]).to(logits.dtype)
    return (probs - one_hot) / logits.shape[0]
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: softmax over the classes minus the one-hot targets, divided by N — see "
    # STUB:     "notes.md, section The gradient of cross-entropy"
    # STUB: )


def chain_grad(x: torch.Tensor, depth: int, activation: str) -> torch.Tensor:
    """Elementwise derivative of act∘act∘…∘act (``depth`` times) at x.

    ``activation`` is one of "sigmoid", "tanh", "relu" (exact, lowercase); depth 0 (the
    identity) gives ones. Same shape and dtype as x.
    Each layer's derivative is taken at that layer's own input, and the factors are
    multiplied (chain rule).
    Any other activation name or a negative depth → ``ValueError`` (checked even when
    depth is 0). Autograd is disabled while graded, and the answer must be the product's
    value (a finite difference of the composition is not accurate enough).
    """
    ### BEGIN SOLUTION
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
    if depth < 0:
        raise ValueError(f"depth must be non-negative, got {depth}")
    forward = {"sigmoid": sigmoid, "tanh": torch.tanh, "relu": torch.relu}[activation]
    derivative = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}[activation]

    a = x.detach()
    total = torch.ones_like(a)
    for _ in range(depth):
        total = total * derivative(a)
        a = forward(a)
    return total
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: run the layers forward and multiply each layer's derivative at its own "
    # STUB:     "input — see notes.md, section Chaining: vanishing gradients"
    # STUB: )
