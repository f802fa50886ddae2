"""Lesson 5 · activation and loss gradients: sigmoid, tanh, ReLU, softmax and cross-entropy.

Rules for every function: leave the arguments unchanged, keep the input's dtype (float32
stays float32), and return new tensors that do not require grad (also when an argument
does) and share no memory with an argument. The ``*_grad`` functions compute derivatives
from formulas, without autograd.
"""

import numpy as np
import torch

ACTIVATIONS = ("sigmoid", "tanh", "relu")


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().numpy()


def _torch(a) -> torch.Tensor:
    return torch.from_numpy(np.array(a, copy=True))


def _sigmoid_np(a: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(a))
    return np.where(a >= 0, 1 / (1 + e), e / (1 + e)).astype(a.dtype)


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Stable sigmoid in NumPy."""
    return _torch(_sigmoid_np(_np(x)))


def sigmoid_grad(x: torch.Tensor) -> torch.Tensor:
    """σ(1 − σ) in NumPy."""
    s = _sigmoid_np(_np(x))
    return _torch(s * (1 - s))


def _tanh_grad_np(a: np.ndarray) -> np.ndarray:
    return 1 - np.tanh(a) ** 2


def tanh_grad(x: torch.Tensor) -> torch.Tensor:
    """1 − tanh² in NumPy."""
    return _torch(_tanh_grad_np(_np(x)))


def _relu_grad_np(a: np.ndarray) -> np.ndarray:
    return (a > 0).astype(a.dtype)


def relu_grad(x: torch.Tensor) -> torch.Tensor:
    """Heaviside step with value 0 at 0, in x's dtype."""
    return _torch(_relu_grad_np(_np(x)))


def _softmax_np(a: np.ndarray, axis: int) -> np.ndarray:
    if a.ndim == 0:
        return np.ones_like(a)
    e = np.exp(a - a.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def softmax(z: torch.Tensor, dim: int = -1) -> torch.Tensor:
    """Max-shifted softmax in NumPy."""
    return _torch(_softmax_np(_np(z), dim))


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean log-sum-exp minus the target logit, in NumPy."""
    t = _np(target)
    z = _np(logits)
    shifted = z - z.max(axis=1, keepdims=True)
    losses = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(t)), t]
    return _torch(np.asarray(losses.mean(), dtype=z.dtype))


def cross_entropy_grad(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """(softmax − one-hot) / N in NumPy."""
    t = _np(target)
    z = _np(logits)
    one_hot = np.eye(z.shape[1], dtype=z.dtype)[t]
    return _torch((_softmax_np(z, 1) - one_hot) / z.shape[0])


def chain_grad(x: torch.Tensor, depth: int, activation: str) -> torch.Tensor:
    """Product of the layer derivatives, in NumPy."""
    layers = {
        "sigmoid": (_sigmoid_np, lambda a: _sigmoid_np(a) * (1 - _sigmoid_np(a))),
        "tanh": (np.tanh, _tanh_grad_np),
        "relu": (lambda a: np.maximum(a, 0), _relu_grad_np),
    }
    if activation not in layers:
        raise ValueError(f"activation must be one of {ACTIVATIONS}")
    if depth < 0:
        raise ValueError("depth must be non-negative")
    forward, derivative = layers[activation]
    a = _np(x)
    total = np.ones_like(a)
    for _ in range(depth):
        total = total * derivative(a)
        a = forward(a)
    return _torch(total)
