"""Pretrain lesson6's TinyNet on digits 0-4 and write exercises/lesson6/tinynet_weights.pt.

Usage: python scripts/pretrain_tinynet.py [--out PATH]

Deterministic: fixed seeds, one CPU thread, mini-batch SGD with momentum and weight decay.
Each training image is shown shifted by a random offset of -1, 0 or +1 pixel in each
direction (zero padded), so the backbone learns stroke detectors that do not depend on the
exact position of a digit. That makes its features more useful for the new digits 5-9 than
features fitted to the exact pixels of 0-4. Runs in a few seconds and prints the accuracy on
the pretraining task's splits. The weights are saved as a state_dict of contiguous float32
tensors, so `torch.load(..., weights_only=True)` reads them.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

LESSON_DIR = Path(__file__).resolve().parent.parent / "exercises" / "lesson6"
sys.path.insert(0, str(LESSON_DIR))

import tinynet  # noqa: E402  (the lesson's helper lives in the exercise folder)

SEED = 0
EPOCHS = 80
BATCH_SIZE = 32
LR = 0.05
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-3
SIDE = 8  # the images are 8 x 8


def all_shifts(x: torch.Tensor) -> torch.Tensor:
    """The 9 copies of x (N, 64) shifted by -1..1 pixels per axis, zero padded: (9, N, 64)."""
    n = len(x)
    padded = F.pad(x.view(n, SIDE, SIDE), (1, 1, 1, 1))
    return torch.stack(
        [
            padded[:, dy : dy + SIDE, dx : dx + SIDE].reshape(n, SIDE * SIDE)
            for dy in range(3)
            for dx in range(3)
        ]
    )


def pretrain() -> tinynet.TinyNet:
    """Train a 5-class TinyNet on the "pretrain" train split and return it."""
    torch.manual_seed(SEED)
    model = tinynet.TinyNet(num_classes=len(tinynet.TASK_DIGITS["pretrain"]))
    x, y = tinynet.load_digits("pretrain", "train")
    optimizer = torch.optim.SGD(
        model.parameters(), lr=LR, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY
    )
    shifted = all_shifts(x)
    rng = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(EPOCHS):
        for batch in torch.randperm(len(x), generator=rng).split(BATCH_SIZE):
            offset = torch.randint(0, len(shifted), (len(batch),), generator=rng)
            optimizer.zero_grad()
            F.cross_entropy(model(shifted[offset, batch]), y[batch]).backward()
            optimizer.step()
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=tinynet.WEIGHTS_PATH)
    args = parser.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    model = pretrain()
    seconds = time.perf_counter() - start
    state = {
        name: tensor.detach().clone().contiguous() for name, tensor in model.state_dict().items()
    }
    torch.save(state, args.out)
    for split in tinynet.SPLITS:
        x, y = tinynet.load_digits("pretrain", split)
        print(f"pretrain {split}: {len(y)} samples, accuracy {tinynet.accuracy(model, x, y):.4f}")
    print(f"trained in {seconds:.2f} s; wrote {args.out} ({args.out.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
