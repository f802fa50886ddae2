"""Lesson 6: fine-tuning a pretrained network with a 10x learning rate on the new head.

The model is any `nn.Module` whose output layer is an `nn.Linear` attribute named `fc` (the
head); every other parameter belongs to the backbone. `tinynet.TinyNet` (in this folder,
read-only) is such a model, and `tinynet.load_pretrained()` gives one trained on digits 0-4.
Parameters are grouped by their names in `model.named_parameters()`: a name that starts with
`fc.` is the head's.

A typical run (see notes.md, section A worked example):

    from tinynet import load_digits, load_pretrained
    model = replace_head(load_pretrained(), 5)
    x, y = load_digits("finetune", "train")
    losses = fine_tune(model, x, y, epochs=5, lr=0.03, generator=torch.Generator().manual_seed(0))
    print(losses)

The fine-tuning task's test images do not ship: the grader keeps them and measures there the
accuracy your fine_tune reaches (see fine_tune). To estimate it yourself, hold out part of the
training split (notes.md, section Fine-tuning versus training from scratch).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional


def replace_head(model: nn.Module, num_classes: int) -> nn.Module:
    """New fc: xavier-uniform weight, zeros bias."""
    fc = nn.Linear(model.fc.in_features, num_classes)
    fc = fc.to(model.fc.weight)
    nn.init.xavier_uniform_(fc.weight)
    nn.init.zeros_(fc.bias)
    model.fc = fc
    return model


def _head_names(model: nn.Module) -> set[str]:
    return {f"fc.{name}" for name, _ in model.fc.named_parameters()}


def param_groups(model: nn.Module, lr: float, head_mult: float = 10.0) -> list[dict]:
    """Two groups by name, trainable only, in named_parameters order."""
    head_names = _head_names(model)
    groups = [{"params": [], "lr": float(lr)}, {"params": [], "lr": float(lr) * float(head_mult)}]
    for name, param in model.named_parameters():
        if param.requires_grad:
            groups[name in head_names]["params"].append(param)
    return groups


def make_optimizer(
    model: nn.Module, lr: float, momentum: float = 0.9, weight_decay: float = 1e-3
) -> torch.optim.SGD:
    """SGD with per-group learning rates."""
    optimizer = torch.optim.SGD(
        param_groups(model, lr), lr=float(lr), momentum=momentum, weight_decay=weight_decay
    )
    return optimizer


def freeze_backbone(model: nn.Module) -> nn.Module:
    """requires_grad off outside the head."""
    head_names = _head_names(model)
    for name, param in model.named_parameters():
        if name not in head_names:
            param.requires_grad = False
    return model


def _step(model, optimizer, xb, yb) -> torch.Tensor:
    optimizer.zero_grad()
    loss = functional.cross_entropy(model(xb), yb)
    loss.backward()
    optimizer.step()
    return loss.detach()


def fine_tune(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    generator: torch.Generator | None = None,
) -> list[float]:
    """Fine-tune in place; per-epoch sample-weighted mean of the pre-step batch losses."""
    optimizer = make_optimizer(model, lr)
    model.train()
    out = []
    for _ in range(epochs):
        total = torch.zeros((), dtype=torch.float64)
        for batch in torch.split(torch.randperm(x.shape[0], generator=generator), batch_size):
            total += _step(model, optimizer, x[batch], y[batch]).double() * batch.numel()
        out.append(float(total / x.shape[0]))
    return out
