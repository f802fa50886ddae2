"""mistake: converts the mask with .float(), so a float64 input gets a float32 derivative
named: keep the dtype
function: relu_grad

Catalog entry: the reference solution with this one mistake in relu_grad.
"""

import torch

ACTIVATIONS = ("sigmoid", "tanh", "relu")


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Logistic function σ(x) = 1 / (1 + e^(−x)), computed without overflow.

    Only e^(−|x|) is ever evaluated, which lies in (0, 1]:
    σ(x) = 1 / (1 + e^(−|x|)) for x ≥ 0 and e^(−|x|) / (1 + e^(−|x|)) for x < 0.
    So σ saturates to 1.0 and 0.0 for huge |x| (up to ±1e4) instead of giving nan.
    Same shape and dtype as x.
    """
    x = x.detach()
    e = torch.exp(-x.abs())
    return torch.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_grad(x: torch.Tensor) -> torch.Tensor:
    """Derivative of the sigmoid, σ'(x) = σ(x)·(1 − σ(x)), elementwise.

    Computed from σ(x), not from x; at most 0.25 (at x = 0) and 0.0 where σ saturates.
    Same shape and dtype as x.
    """
    s = sigmoid(x)
    return s * (1.0 - s)


def tanh_grad(x: torch.Tensor) -> torch.Tensor:
    """Derivative of tanh, 1 − tanh(x)², elementwise; same shape and dtype as x."""
    t = torch.tanh(x.detach())
    return 1.0 - t * t


def relu_grad(x: torch.Tensor) -> torch.Tensor:
    """Derivative of ReLU: 1 where x > 0, else 0 (also 0 at x = 0, as PyTorch does).

    Returned in x's dtype and shape.
    """
    return (x.detach() > 0).float()


def softmax(z: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Softmax along ``dim``: exp(z − max) / sum(exp(z − max)).

    Subtracting the maximum along ``dim`` changes nothing mathematically but keeps every
    exponent ≤ 0, so logits of ±1e4 give finite probabilities. Entries along ``dim`` sum to
    1; same shape and dtype as z. A 0-dim z gives 1.
    """
    z = z.detach()
    shifted = z - z.amax(dim=dim, keepdim=True)
    e = torch.exp(shifted)
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of a batch: mean over i of −log softmax(logits[i])[target[i]].

    Uses the log-sum-exp form −log softmax(z)[t] = log Σ_j exp(z_j − m) − (z_t − m) with
    m = max_j z_j, written by hand, so logits of ±1e4 give a finite loss (never log(0)).
    logits: (N, C); target: (N,) int64 class indices. Returns a 0-dim tensor in logits' dtype.
    """
    z = logits.detach()
    shifted = z - z.amax(dim=1, keepdim=True)
    log_sum_exp = torch.log(torch.exp(shifted).sum(dim=1))
    picked = shifted[torch.arange(z.shape[0]), target]  # one entry per row
    return (log_sum_exp - picked).mean()


def cross_entropy_grad(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Gradient of ``cross_entropy`` with respect to the logits: (softmax − one-hot) / N.

    The one-hot row i has a 1 in column target[i] (classes run along dim 1).
    Same shape (N, C) and dtype as logits.
    """
    probs = softmax(logits, dim=1)
    one_hot = torch.nn.functional.one_hot(target, logits.shape[1]).to(logits.dtype)
    return (probs - one_hot) / logits.shape[0]


def chain_grad(x: torch.Tensor, depth: int, activation: str) -> torch.Tensor:
    """Elementwise derivative of act∘act∘…∘act (``depth`` times) at x.

    By the chain rule, with a₀ = x and a_{k+1} = act(a_k), the derivative is the product
    act'(a₀)·act'(a₁)·…·act'(a_{depth−1}): each factor is taken at the layer's own input,
    not at x. ``activation`` is one of "sigmoid", "tanh", "relu" (exact, lowercase);
    depth 0 (the identity) gives ones. Same shape and dtype as x.
    Any other activation name or a negative depth → ``ValueError`` (checked even when
    depth is 0).
    """
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
