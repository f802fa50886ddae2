"""Lesson 5 · activation and loss gradients: sigmoid, tanh, ReLU, softmax and cross-entropy.

Rules for every function: leave the arguments unchanged, keep the input's dtype (float32
stays float32), and return new tensors that do not require grad (also when an argument
does) and share no memory with an argument. The ``*_grad`` functions compute derivatives
from formulas, without autograd.
"""

import torch

LAYERS = {
    "sigmoid": (lambda a: sigmoid(a), lambda a: sigmoid_grad(a)),
    "tanh": (torch.tanh, lambda a: tanh_grad(a)),
    "relu": (lambda a: a.clamp(min=0), lambda a: relu_grad(a)),
}


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """σ(x) = e^min(x, 0) / (1 + e^(−|x|)), the same formula for both signs of x."""
    x = x.detach()
    return torch.exp(x.clamp(max=0)) / (1 + torch.exp(-x.abs()))


def sigmoid_grad(x: torch.Tensor) -> torch.Tensor:
    """σ(x)·(1 − σ(x))."""
    s = sigmoid(x)
    return s * (1 - s)


def tanh_grad(x: torch.Tensor) -> torch.Tensor:
    """1 − tanh(x)²."""
    return 1 - torch.tanh(x.detach()).pow(2)


def relu_grad(x: torch.Tensor) -> torch.Tensor:
    """The Heaviside step, taking the value 0 at x = 0."""
    x = x.detach()
    return torch.heaviside(x, torch.zeros_like(x))


def softmax(z: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """exp(z − max) / Σ exp(z − max) along dim."""
    z = z.detach()
    e = torch.exp(z - z.max(dim=dim, keepdim=True).values)
    return e / e.sum(dim=dim, keepdim=True)


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """−mean of the log-probabilities of the targets, log p = (z − m) − log Σ e^(z − m)."""
    z = logits.detach()
    shifted = z - z.max(dim=1, keepdim=True).values
    log_p = shifted - torch.exp(shifted).sum(dim=1, keepdim=True).log()
    return -log_p.gather(1, target.view(-1, 1)).mean()


def cross_entropy_grad(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(softmax − one-hot) / N with the one-hot rows taken from an identity matrix."""
    n, c = logits.shape
    one_hot = torch.eye(c, dtype=logits.dtype)[target]
    return (softmax(logits, dim=1) - one_hot) / n


def chain_grad(x: torch.Tensor, depth: int, activation: str) -> torch.Tensor:
    """act'(a₀)·…·act'(a_{depth−1}) with a_{k+1} = act(a_k), from the table of layers."""
    if activation not in LAYERS or depth < 0:
        raise ValueError("activation must be sigmoid, tanh or relu and depth at least 0")
    forward, derivative = LAYERS[activation]
    a = x.detach()
    grad = torch.ones_like(a)
    for _ in range(depth):
        grad = grad * derivative(a)
        a = forward(a)
    return grad
