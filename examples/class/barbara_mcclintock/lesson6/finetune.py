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
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset


def replace_head(model: nn.Module, num_classes: int) -> nn.Module:
    """Swap in a new nn.Linear head: xavier weight, zero bias."""
    reference = model.fc.weight
    head = nn.Linear(
        model.fc.in_features, num_classes, dtype=reference.dtype, device=reference.device
    )
    torch.nn.init.xavier_uniform_(head.weight)
    torch.nn.init.constant_(head.bias, 0.0)
    model.fc = head
    return model


def param_groups(model: nn.Module, lr: float, head_mult: float = 10.0) -> list[dict]:
    """Name-prefix split of the trainable parameters."""
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    return [
        {"params": [p for n, p in named if not n.startswith("fc.")], "lr": float(lr)},
        {"params": [p for n, p in named if n.startswith("fc.")], "lr": float(lr) * head_mult},
    ]


def make_optimizer(
    model: nn.Module, lr: float, momentum: float = 0.9, weight_decay: float = 1e-3
) -> torch.optim.SGD:
    """torch.optim.SGD over param_groups."""
    return torch.optim.SGD(
        param_groups(model, lr), lr=lr, momentum=momentum, weight_decay=weight_decay
    )


def freeze_backbone(model: nn.Module) -> nn.Module:
    """Freeze all, then give fc back the flags it had."""
    head_flags = [p.requires_grad for p in model.fc.parameters()]
    model.requires_grad_(False)
    for p, flag in zip(model.fc.parameters(), head_flags, strict=True):
        p.requires_grad_(flag)
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
    """Train with a DataLoader whose sampler is this epoch's permutation."""
    dataset = TensorDataset(x, y)
    optimizer = make_optimizer(model, lr)
    model.train()
    losses = []
    for _ in range(epochs):
        order = torch.randperm(len(dataset), generator=generator).tolist()
        # A DataLoader draws a base seed for its workers from its generator, or from the
        # global RNG when it has none, which would change the next epoch's permutation.
        loader = DataLoader(
            dataset, batch_size=batch_size, sampler=order, generator=torch.Generator()
        )
        total = 0.0
        for xb, yb in loader:
            summed = F.cross_entropy(model(xb), yb, reduction="sum")
            loss = summed / len(yb)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += summed.item()
        losses.append(total / len(dataset))
    return losses
