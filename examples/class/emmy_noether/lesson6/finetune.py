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

import math

import torch
from torch import nn


def replace_head(model: nn.Module, num_classes: int) -> nn.Module:
    """A fresh xavier-initialised head with zero bias; the same model comes back."""
    old_head = model.fc
    new_head = nn.Linear(old_head.in_features, num_classes).to(
        device=old_head.weight.device, dtype=old_head.weight.dtype
    )
    bound = math.sqrt(6.0 / (old_head.in_features + num_classes))
    with torch.no_grad():
        new_head.weight.uniform_(-bound, bound)
        new_head.bias.fill_(0.0)
    model.fc = new_head
    return model


def param_groups(model: nn.Module, lr: float, head_mult: float = 10.0) -> list[dict]:
    """Backbone at lr, head at lr * head_mult; trainable parameters only."""
    head_ids = {id(p) for p in model.fc.parameters()}
    trainable = [p for p in model.parameters() if p.requires_grad]
    backbone = [p for p in trainable if id(p) not in head_ids]
    head = [p for p in trainable if id(p) in head_ids]
    base = float(lr)
    return [{"params": backbone, "lr": base}, {"params": head, "lr": base * head_mult}]


def make_optimizer(
    model: nn.Module, lr: float, momentum: float = 0.9, weight_decay: float = 1e-3
) -> torch.optim.SGD:
    """SGD with the two groups."""
    groups = param_groups(model, lr)
    return torch.optim.SGD(groups, lr=groups[0]["lr"], momentum=momentum, weight_decay=weight_decay)


def freeze_backbone(model: nn.Module) -> nn.Module:
    """Everything but fc stops requiring gradients."""
    head_ids = {id(p) for p in model.fc.parameters()}
    for p in model.parameters():
        if id(p) not in head_ids:
            p.requires_grad = False
    return model


def fine_tune(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    generator: torch.Generator | None = None,
) -> list[float]:
    """Mini-batch fine-tuning; per-epoch sample-weighted mean loss."""
    optimizer = make_optimizer(model, lr)
    loss_fn = nn.CrossEntropyLoss()
    n = x.shape[0]
    model.train()
    history = []
    for _epoch in range(epochs):
        order = torch.randperm(n, generator=generator)
        weighted = []
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(x[idx]), y[idx])
            weighted.append(loss.item() * idx.numel())
            loss.backward()
            optimizer.step()
        history.append(math.fsum(weighted) / n)
    return history
