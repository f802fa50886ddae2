"""Lesson 5 · activation and loss gradients: sigmoid, tanh, ReLU, softmax and cross-entropy.

Rules for every function: leave the arguments unchanged, keep the input's dtype (float32
stays float32), and return new tensors that do not require grad (also when an argument
does) and share no memory with an argument. The ``*_grad`` functions compute derivatives
from formulas, without autograd.
"""

import torch

ACTIVATIONS = ("sigmoid", "tanh", "relu")


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """σ(x) = (1 + tanh(x/2)) / 2."""
    return 0.5 * (1.0 + torch.tanh(0.5 * x.detach()))


def sigmoid_grad(x: torch.Tensor) -> torch.Tensor:
    """σ'(x) = σ(1 − σ) = (1 − tanh(x/2)²) / 4."""
    t = torch.tanh(0.5 * x.detach())
    return 0.25 * (1.0 - t.square())


def tanh_grad(x: torch.Tensor) -> torch.Tensor:
    """tanh'(x) = 1 − tanh(x)²."""
    return 1.0 - torch.tanh(x.detach()).square()


def relu_grad(x: torch.Tensor) -> torch.Tensor:
    """1 where x > 0, else 0, in x's dtype."""
    x = x.detach()
    return torch.where(x > 0, torch.ones_like(x), torch.zeros_like(x))


def softmax(z: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """exp(z − max) normalised along dim."""
    z = z.detach()
    m = torch.max(z, dim=dim, keepdim=True).values if z.dim() else z
    e = (z - m).exp()
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean of logsumexp(z) − z[target], with the max factored out."""
    z = logits.detach()
    m = z.max(dim=1).values
    lse = m + (z - m[:, None]).exp().sum(dim=1).log()
    rows = torch.arange(z.shape[0])
    return (lse - z[rows, target]).mean()


def cross_entropy_grad(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(softmax − one-hot) / N."""
    probs = softmax(logits, dim=1)
    one_hot = torch.zeros_like(probs).scatter(1, target[:, None], 1.0)
    return (probs - one_hot) / len(target)


def chain_grad(x: torch.Tensor, depth: int, activation: str) -> torch.Tensor:
    """Derivative of act applied depth times, by recursion on the depth."""
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}")
    if depth < 0:
        raise ValueError("depth must be >= 0")
    x = x.detach()
    if depth == 0:
        return torch.ones_like(x)
    if activation == "sigmoid":
        return sigmoid_grad(x) * chain_grad(sigmoid(x), depth - 1, activation)
    if activation == "tanh":
        return tanh_grad(x) * chain_grad(torch.tanh(x), depth - 1, activation)
    return relu_grad(x) * chain_grad(x.clamp(min=0), depth - 1, activation)
