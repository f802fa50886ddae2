"""TinyNet, its pretrained weights and the 8x8 digits data for lesson 6. Read-only: do not edit.

Everything here is given to you; `finetune.py` is what you write. The grader imports this
same file, so changing it changes nothing for your grade except breaking your own runs.

- `TinyNet`: a small MLP, 64 -> 32 -> 32 -> num_classes. Its backbone is `model.backbone`
  (everything but the last layer); its head is the final `nn.Linear`, `model.fc`.
- `load_digits(task, split)`: the UCI handwritten digits (see DATA_LICENSE.md), split into
  a pretraining task (digits 0-4) and a fine-tuning task (digits 5-9, relabelled 0-4). The
  fine-tuning task's test split does not ship: the grader keeps it to measure accuracy.
- `load_pretrained()`: a TinyNet trained by the course on the pretraining task
  (`scripts/pretrain_tinynet.py` made `tinynet_weights.pt`).
- `accuracy(model, x, y)`, `predict(model, x)`, `features(model, x)`: evaluation helpers.
- `from_scratch(num_classes, seed)`: a freshly initialised TinyNet, for comparisons.

Files are found next to this module, so it works from any working directory. Nothing is
downloaded.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch import nn

HERE = Path(__file__).resolve().parent
DATA_PATH = HERE / "digits.npz"
WEIGHTS_PATH = HERE / "tinynet_weights.pt"

IN_FEATURES = 64
HIDDEN = 32
PIXEL_MAX = 16.0

TASK_DIGITS = {"pretrain": (0, 1, 2, 3, 4), "finetune": (5, 6, 7, 8, 9)}
SPLITS = ("train", "test")
# The fixed split, within each digit in the UCI file's order (rank j = 0, 1, ...): in
# "pretrain", j is a test sample when j % 5 == 0 (1 in 5 held out); in "finetune", j is a
# train sample when j % 4 == 0 (1 in 4 kept: the fine-tuning set is small on purpose).
# scripts/make_digits_npz.py applies it and stores it as each row's `is_test` flag;
# digits.npz holds every split but the fine-tuning test split, which the grader keeps.

HEAD_NAME = "fc"


class TinyNet(nn.Module):
    """A small MLP for 8x8 digits: backbone 64 -> 32 -> 32 (ReLU after each), head `fc`: 32 -> C.

    Parameters, in `named_parameters()` order: `backbone.0.weight` (32, 64),
    `backbone.0.bias` (32,), `backbone.2.weight` (32, 32), `backbone.2.bias` (32,),
    `fc.weight` (C, 32), `fc.bias` (C,). The backbone is everything but `fc`.
    Construction initialises the layers with PyTorch's defaults from the global RNG.
    """

    def __init__(self, num_classes: int = 5) -> None:
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Linear(IN_FEATURES, HIDDEN),
            nn.ReLU(),
            nn.Linear(HIDDEN, HIDDEN),
            nn.ReLU(),
        )
        self.fc = nn.Linear(HIDDEN, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of shape (N, num_classes) for inputs of shape (N, 64)."""
        return self.fc(self.backbone(x))


def _check_task_split(task: str, split: str) -> None:
    if task not in TASK_DIGITS:
        raise ValueError(f"task must be one of {sorted(TASK_DIGITS)}, got {task!r}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {list(SPLITS)}, got {split!r}")


def load_digits(task: str, split: str, *, path: Path | str = DATA_PATH
                ) -> tuple[torch.Tensor, torch.Tensor]:
    """One split of one task as `(x, y)`: x float32 (N, 64) in [0, 1], y int64 (N,) in 0..4.

    task "pretrain" holds digits 0-4 (label = digit); task "finetune" holds digits 5-9
    relabelled 0-4 (label = digit - 5). split "train" or "test". The split is fixed: within
    each digit, in file order, the pretraining task holds out every 5th sample for test
    (718 train / 183 test); the fine-tuning task keeps only every 4th sample for training
    (226 train), because fine-tuning is meant for small data sets. Its other 670 samples are
    its test split, which is not in digits.npz: the grader keeps it (in its own file, read
    through `path`) and measures your fine-tuned model's accuracy on it, so nobody can fit
    it. To estimate accuracy yourself, hold out part of the "finetune" train split.
    Pixels (counts 0..16) are divided by 16. Rows keep file order; every call returns new
    tensors. Any other task or split, or a split the file does not hold -> ValueError.
    """
    _check_task_split(task, split)
    with np.load(path) as data:
        images = data["images"]
        labels = data["labels"]
        is_test = data["is_test"]
    index = np.flatnonzero(np.isin(labels, TASK_DIGITS[task]) & (is_test == (split == "test")))
    if len(index) == 0:
        held_out = task == "finetune" and split == "test"
        raise ValueError(
            f"{Path(path).name} does not hold the {task!r} task's {split!r} split"
            + (": the grader keeps the fine-tuning test split to measure accuracy; hold out"
               " part of load_digits('finetune', 'train') to estimate it yourself"
               if held_out else ""))
    x = torch.from_numpy(images[index].astype(np.float32) / PIXEL_MAX)
    y = torch.from_numpy(labels[index].astype(np.int64) - TASK_DIGITS[task][0])
    return x, y


def load_pretrained(path: Path | str = WEIGHTS_PATH) -> TinyNet:
    """A 5-class TinyNet with the course's weights, pretrained on task "pretrain".

    Loaded with `torch.load(..., weights_only=True)`, so only tensors are read. Every call
    returns a new model (float32, on the CPU, in training mode, all parameters trainable).
    The global RNG is left as it was, so seeding before or after this call gives the same
    result.
    """
    state = _weights(str(path))
    with torch.random.fork_rng(devices=[]):
        model = TinyNet(num_classes=state[f"{HEAD_NAME}.weight"].shape[0])
    model.load_state_dict(state)
    return model


_WEIGHTS: dict[str, dict[str, torch.Tensor]] = {}


def _weights(path: str) -> dict[str, torch.Tensor]:
    """The file's tensors, read once per process (`load_state_dict` copies them)."""
    if path not in _WEIGHTS:
        _WEIGHTS[path] = torch.load(path, map_location="cpu", weights_only=True)
    return _WEIGHTS[path]


def from_scratch(num_classes: int = 5, seed: int | None = None) -> TinyNet:
    """A freshly initialised TinyNet (PyTorch's default init), the baseline fine-tuning must beat.

    With a seed, the initialisation comes from that seed and the global RNG is left as it
    was; without one, it draws from the global RNG like `TinyNet(num_classes)`.
    """
    if seed is None:
        return TinyNet(num_classes)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return TinyNet(num_classes)


def backbone_parameter_names(model: nn.Module) -> list[str]:
    """Names of the parameters that are not the head's (`fc.*`), in `named_parameters()` order."""
    return [name for name, _ in model.named_parameters() if not is_head_parameter(name)]


def is_head_parameter(name: str) -> bool:
    """Whether a `named_parameters()` name belongs to the head `fc`."""
    return name.split(".", 1)[0] == HEAD_NAME


@torch.no_grad()
def features(model: TinyNet, x: torch.Tensor) -> torch.Tensor:
    """The backbone's output (N, 32) for x (N, 64): what the head sees."""
    return model.backbone(x)


@torch.no_grad()
def predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Predicted class (argmax of the logits), int64 (N,). The model's train/eval mode is kept."""
    was_training = model.training
    model.eval()
    try:
        return model(x).argmax(dim=1)
    finally:
        model.train(was_training)


def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Fraction of rows of x whose predicted class equals y, as a Python float in [0, 1]."""
    if len(y) == 0:
        raise ValueError("accuracy of an empty data set is undefined")
    return (predict(model, x) == y).double().mean().item()
