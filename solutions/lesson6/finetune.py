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


### BEGIN SOLUTION
import torch.nn.functional as F


HEAD = "fc"


def _is_head(name: str) -> bool:
    """Whether a `named_parameters()` name belongs to the head `fc`."""
    return name.split(".", 1)[0] == HEAD
### END SOLUTION


def replace_head(model: nn.Module, num_classes: int) -> nn.Module:
    """Give `model` a fresh output layer `fc` with `num_classes` outputs; return the same model.

    The new head is `nn.Linear(model.fc.in_features, num_classes)`, created trainable in the
    dtype and on the device of the old head, with its weight re-initialised by
    `nn.init.xavier_uniform_` and its bias set to zero. It replaces the old head even when
    the number of outputs is unchanged. The backbone (every parameter outside `fc`) is not
    touched. The model is modified in place and the same object is returned.
    """
    ### BEGIN SOLUTION
    old = model.fc
    head = nn.Linear(old.in_features, num_classes, device=old.weight.device, dtype=old.weight.dtype)
    nn.init.xavier_uniform_(head.weight)
    nn.init.zeros_(head.bias)
    model.fc = head
    return model
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: assign a new nn.Linear(model.fc.in_features, num_classes) to model.fc, with a"
    # STUB:     " xavier_uniform_ weight and a zero bias — see notes.md, section Replacing the head"
    # STUB: )


def param_groups(model: nn.Module, lr: float, head_mult: float = 10.0) -> list[dict]:
    """Two optimizer parameter groups: the backbone at `lr`, the head `fc` at `lr * head_mult`.

    Returns `[{"params": backbone, "lr": lr}, {"params": head, "lr": lr * head_mult}]`, where
    backbone is the list of trainable parameters (requires_grad True) whose name in
    `model.named_parameters()` is not under `fc`, and head is the list of trainable
    parameters of `fc`, both in `named_parameters()` order. Every trainable parameter appears
    exactly once; frozen parameters appear nowhere. There are always two groups, in this
    order, even when one of them is empty. Learning rates are Python floats, also when `lr`
    is a 0-dim tensor. The model is not changed.
    """
    ### BEGIN SOLUTION
    backbone: list[nn.Parameter] = []
    head: list[nn.Parameter] = []
    for name, parameter in model.named_parameters():
        if not parameter.requires_grad:
            continue
        (head if _is_head(name) else backbone).append(parameter)
    return [
        {"params": backbone, "lr": float(lr)},
        {"params": head, "lr": float(lr) * float(head_mult)},
    ]
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: split the trainable parameters into backbone and head (names starting with"
    # STUB:     " 'fc.') and give the head lr * head_mult — see notes.md, section Parameter groups"
    # STUB: )


def make_optimizer(
    model: nn.Module, lr: float, momentum: float = 0.9, weight_decay: float = 1e-3
) -> torch.optim.SGD:
    """`torch.optim.SGD` over `param_groups(model, lr)` (head at 10x), with momentum and weight decay.

    Both groups get the same `momentum` and `weight_decay`; only their learning rates differ.
    Build it after the head has been replaced: an optimizer keeps the parameter objects it
    was given, so it would otherwise update a head the model no longer uses.
    """
    ### BEGIN SOLUTION
    return torch.optim.SGD(
        param_groups(model, lr), lr=float(lr), momentum=momentum, weight_decay=weight_decay
    )
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: return torch.optim.SGD(param_groups(model, lr), ...) with momentum and"
    # STUB:     " weight_decay — see notes.md, section Parameter groups"
    # STUB: )


def freeze_backbone(model: nn.Module) -> nn.Module:
    """Set `requires_grad = False` on every parameter outside `fc`; return the same model.

    The head's parameters are left as they are (trainable after `replace_head`), so training
    afterwards only updates `fc`: the pretrained network becomes a fixed feature extractor.
    """
    ### BEGIN SOLUTION
    for name, parameter in model.named_parameters():
        if not _is_head(name):
            parameter.requires_grad_(False)
    return model
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: turn off requires_grad on every parameter whose name does not start with 'fc.'"
    # STUB:     " — see notes.md, section Freezing the backbone"
    # STUB: )


def fine_tune(
    model: nn.Module,
    x: torch.Tensor,
    y: torch.Tensor,
    epochs: int,
    lr: float,
    batch_size: int = 64,
    generator: torch.Generator | None = None,
) -> list[float]:
    """Train `model` in place on (x, y) and return the mean training loss of each epoch.

    The optimizer is `make_optimizer(model, lr)`, built once at the start; the loss is the
    batch-mean cross-entropy of `model(x[batch])` against `y[batch]`. Each epoch draws
    `perm = torch.randperm(N, generator=generator)` exactly once (the global generator when
    `generator` is None) and takes one optimizer step (zero_grad, backward, step) on each
    consecutive slice of `perm` of `batch_size` samples; the last slice may be smaller and
    is not dropped, so an epoch has ceil(N / batch_size) steps.

    `losses[e]` is the sample-weighted mean of epoch e's batch losses, each measured before
    its step: sum(batch_loss * batch_len) / N. It is a Python float; `len(losses) == epochs`
    (an empty list for 0 epochs). x is (N, features) in the model's dtype, y int64 (N,);
    neither is modified. The model's parameters are trained in place; their requires_grad
    flags are left as they were (frozen parameters stay exactly as they were). The lr may be
    a Python number or a 0-dim tensor.

    Graded on the fine-tuning task: the pretrained TinyNet with a new 5-class head, fine-tuned
    on the 226 training digits with epochs=5, lr=0.03, batch_size=64, must reach a mean
    accuracy of at least 91 % over 5 runs on the held-out test images (which the grader keeps),
    clearly above a from-scratch TinyNet trained the same way.
    """
    ### BEGIN SOLUTION
    optimizer = make_optimizer(model, lr)
    n = len(x)
    losses: list[float] = []
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(n, generator=generator)
        total = 0.0
        for batch in perm.split(batch_size):
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / n)
    return losses
    ### END SOLUTION
    # STUB: raise NotImplementedError(
    # STUB:     "Your task: build make_optimizer(model, lr), then per epoch shuffle with"
    # STUB:     " torch.randperm(N, generator=generator) and step on each mini-batch, recording the"
    # STUB:     " sample-weighted mean loss — see notes.md, section The fine-tuning loop"
    # STUB: )
