"""APIs that a test can disable while it calls the submission ("disabled while graded").

Functions are blocked by a ``TorchFunctionMode``, so every spelling is caught, including
references the submission took at import time (``from torch import sigmoid``), method forms
(``x.sigmoid()``) and aliases (``torch.special.expit``). Classes (optimizers) are blocked by
swapping their ``__init__`` for the duration of the call.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator

import torch
from torch.overrides import TorchFunctionMode

# The names a test may disable, each with every spelling that reaches the same computation.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "torch.autograd.grad": ("torch.autograd.grad",),
    "torch.autograd.backward": ("torch.autograd.backward", "torch.Tensor.backward"),
    "Tensor.backward": ("torch.Tensor.backward", "torch.autograd.backward"),
    "torch.sigmoid": (
        "torch.sigmoid", "torch.sigmoid_", "torch.Tensor.sigmoid", "torch.Tensor.sigmoid_",
        "torch.special.expit", "torch.nn.functional.sigmoid",
    ),
    "torch.tanh": (
        "torch.tanh", "torch.tanh_", "torch.Tensor.tanh", "torch.Tensor.tanh_",
        "torch.nn.functional.tanh",
    ),
    "torch.softmax": (
        "torch.softmax", "torch.Tensor.softmax", "torch.nn.functional.softmax",
        "torch.special.softmax", "torch._softmax",
    ),
    "torch.log_softmax": (
        "torch.log_softmax", "torch.Tensor.log_softmax", "torch.nn.functional.log_softmax",
        "torch.special.log_softmax", "torch._log_softmax",
    ),
    "torch.logsumexp": ("torch.logsumexp", "torch.Tensor.logsumexp", "torch.special.logsumexp"),
    "torch.nn.functional.cross_entropy": ("torch.nn.functional.cross_entropy",),
    "torch.nn.functional.nll_loss": ("torch.nn.functional.nll_loss",),
    "torch.optim.SGD": ("torch.optim.SGD",),
    "torch.optim": ("torch.optim.Optimizer",),
}
# Shorthands a test may use for a group of names.
GROUPS: dict[str, tuple[str, ...]] = {
    "autograd": ("torch.autograd.grad", "torch.autograd.backward"),
}
# Any function with one of these names (leading and trailing "_" ignored) is blocked with its
# group, however it was reached: private aliases (torch._softmax), the same computation under
# another module (torch.special.expit) or a derivative kernel (sigmoid_backward).
NAMED: dict[str, frozenset[str]] = {
    "torch.autograd.grad": frozenset({"grad", "backward", "vjp", "jvp", "jacrev", "jacfwd",
                                      "hessian", "jacobian", "make_dual", "unpack_dual"}),
    "torch.autograd.backward": frozenset({"backward"}),
    "Tensor.backward": frozenset({"backward"}),
    "torch.sigmoid": frozenset({"sigmoid", "expit", "log_expit", "logsigmoid", "log_sigmoid",
                                "silu", "glu", "softplus", "hardsigmoid",
                                "binary_cross_entropy_with_logits"}),
    "torch.tanh": frozenset({"tanh"}),
    "torch.softmax": frozenset({"softmax", "softmin", "gumbel_softmax"}),
    "torch.log_softmax": frozenset({"log_softmax"}),
    "torch.logsumexp": frozenset({"logsumexp"}),
    "torch.nn.functional.cross_entropy": frozenset({"cross_entropy", "cross_entropy_loss"}),
    "torch.nn.functional.nll_loss": frozenset({"nll_loss", "nll_loss_nd", "nll_loss2d"}),
}
SUFFIXED = {"torch.autograd.grad": "_backward"}  # derivative kernels: sigmoid_backward, …


class DisabledAPIError(RuntimeError):
    """Raised inside the submission when it calls an API the current test disabled."""


def _resolve(dotted: str) -> object | None:
    module_name, _, attr_path = dotted.partition(".")
    obj: object = importlib.import_module(module_name)
    for part in attr_path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _expand(names: list[str]) -> dict[str, tuple[object, ...]]:
    expanded: dict[str, tuple[object, ...]] = {}
    for name in names:
        for canonical in GROUPS.get(name, (name,)):
            if canonical not in SPELLINGS:
                raise ValueError(f"unknown API to disable: {canonical}")
            objs = tuple(o for o in map(_resolve, SPELLINGS[canonical]) if o is not None)
            expanded[canonical] = objs
    return expanded


def _message(name: str) -> str:
    return (
        f"{name} is disabled while this is graded: compute it yourself from the formula "
        f"in the notes instead of calling the built-in"
    )


class _BlockFunctions(TorchFunctionMode):
    def __init__(self, blocked: dict[object, str], names: dict[str, str],
                 suffixes: dict[str, str], hits: list[str], verdicts: dict) -> None:
        super().__init__()
        self.blocked = blocked
        self.names = names
        self.suffixes = suffixes
        self.hits = hits
        self.verdicts = verdicts  # func -> the group it belongs to, or "" (most calls: one lookup)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        name = self.verdicts.get(func)
        if name is None:
            name = self.verdicts[func] = self._verdict(func)
        if name:
            self.hits.append(name)
            raise DisabledAPIError(_message(name))
        return func(*args, **(kwargs or {}))

    def _verdict(self, func) -> str:
        name = self.blocked.get(func)
        if name is None:
            bare = str(getattr(func, "__name__", "")).strip("_")
            name = self.names.get(bare)
            if name is None:
                name = next((group for suffix, group in self.suffixes.items()
                             if bare.endswith(suffix)), None)
        return name or ""


_VERDICTS: dict[tuple[str, ...], dict] = {}  # per set of banned names: func -> group or ""


@contextlib.contextmanager
def disabled(names: list[str], hits: list[str]) -> Iterator[None]:
    """Block ``names`` (and all their spellings) inside the block; record every attempt."""
    if not names:
        yield
        return
    blocked_functions: dict[object, str] = {}
    blocked_classes: list[tuple[type, str]] = []
    expanded = _expand(names)
    blocked_names = {bare: group for group in expanded for bare in NAMED.get(group, ())}
    suffixes = {SUFFIXED[group]: group for group in expanded if group in SUFFIXED}
    for name, objs in expanded.items():
        for obj in objs:
            if isinstance(obj, type):
                blocked_classes.append((obj, name))
            else:
                blocked_functions[obj] = name
    saved = [(cls, cls.__dict__.get("__init__")) for cls, _ in blocked_classes]
    for cls, name in blocked_classes:
        cls.__init__ = _blocked_init(name, hits)
    try:
        verdicts = _VERDICTS.setdefault(tuple(sorted(names)), {})
        with _BlockFunctions(blocked_functions, blocked_names, suffixes, hits, verdicts):
            yield
    finally:
        for cls, init in saved:
            if init is None:
                delattr(cls, "__init__")
            else:
                cls.__init__ = init


def _blocked_init(name: str, hits: list[str]):
    def __init__(self, *args, **kwargs):
        hits.append(name)
        raise DisabledAPIError(_message(name))

    return __init__


def warm_up() -> None:
    """Resolve every spelling once, so the first graded call pays no import cost."""
    _expand(list(SPELLINGS))
    assert torch.Tensor  # torch is imported by now
