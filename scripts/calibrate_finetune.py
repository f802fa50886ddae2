"""Measure lesson6's fine-tuning accuracy against the baselines the hidden suite compares with.

Usage: python scripts/calibrate_finetune.py [--seeds 50] [--epochs 5] [--lr 0.03] [--batch-size 64]

Rerun it whenever tinynet_weights.pt, the data split or the budget changes, and move the
hidden suite's threshold with it. One CPU thread, like the grading runner. For every seed s:

    model = <start>; torch.manual_seed(s); replace_head(model, 5)
    fine_tune(model, x_train, y_train, epochs, lr, batch_size, torch.Generator().manual_seed(s))
    accuracy(model, x_test, y_test)

with the reference solution, x_test, y_test being the fine-tuning task's held-out test split
(tests/hidden/lesson6/finetune_test.npz: it never ships and never enters the grading runner),
where <start> is `tinynet.load_pretrained()` or, for the from-scratch baseline,
`tinynet.from_scratch(5, seed=1000 + s)`. The broken variants change
one thing each: the backbone frozen (a legitimate alternative, for reference), the head
frozen, or the 10x moved from the head to the backbone. Prints min / mean / max over the
seeds, the same over consecutive blocks of 5 seeds, and the slowest run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "exercises" / "lesson6"))
sys.path.insert(0, str(ROOT / "solutions" / "lesson6"))

import finetune  # noqa: E402  (the reference solution)
import tinynet  # noqa: E402

NUM_CLASSES = 5
HELD_OUT = ROOT / "tests" / "hidden" / "lesson6" / "finetune_test.npz"
TRAIN = tinynet.load_digits("finetune", "train")
TEST = tinynet.load_digits("finetune", "test", path=HELD_OUT)


def _pretrained(seed: int) -> torch.nn.Module:
    return tinynet.load_pretrained()


def _scratch(seed: int) -> torch.nn.Module:
    return tinynet.from_scratch(NUM_CLASSES, seed=1000 + seed)


def _swap_group_lrs(groups: list[dict]) -> list[dict]:
    backbone, head = groups
    return [dict(backbone, lr=head["lr"]), dict(head, lr=backbone["lr"])]


VARIANTS: dict[str, tuple[Callable[[int], torch.nn.Module], str]] = {
    "fine-tuning (reference)": (_pretrained, ""),
    "from scratch": (_scratch, ""),
    "backbone frozen": (_pretrained, "freeze_backbone"),
    "head frozen": (_pretrained, "freeze_head"),
    "10x on the backbone": (_pretrained, "swap_lrs"),
}


def run(variant: str, seed: int, epochs: int, lr: float, batch_size: int) -> tuple[float, float]:
    """Test accuracy and wall time of one fine-tuning run."""
    make_model, change = VARIANTS[variant]
    model = make_model(seed)
    torch.manual_seed(seed)
    finetune.replace_head(model, NUM_CLASSES)
    if change == "freeze_backbone":
        finetune.freeze_backbone(model)
    if change == "freeze_head":
        model.fc.requires_grad_(False)
    x, y = TRAIN
    generator = torch.Generator().manual_seed(seed)
    original = finetune.param_groups
    if change == "swap_lrs":
        finetune.param_groups = lambda *args, **kwargs: _swap_group_lrs(original(*args, **kwargs))
    try:
        start = time.perf_counter()
        finetune.fine_tune(model, x, y, epochs, lr, batch_size, generator)
        seconds = time.perf_counter() - start
    finally:
        finetune.param_groups = original
    return tinynet.accuracy(model, *TEST), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=50)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--lr", type=float, default=0.03)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(
        f"epochs={args.epochs} lr={args.lr} batch_size={args.batch_size}, "
        f"seeds 0..{args.seeds - 1}, test accuracy on digits 5-9"
    )
    print(f"{'variant':26} {'min':>6} {'mean':>6} {'max':>6}   5-seed means min/max   slowest")
    for variant in VARIANTS:
        runs = [run(variant, s, args.epochs, args.lr, args.batch_size) for s in range(args.seeds)]
        accs = [acc for acc, _ in runs]
        blocks = [statistics.mean(accs[i : i + 5]) for i in range(0, len(accs) - 4, 5)]
        block_text = f"{min(blocks):.4f}/{max(blocks):.4f}" if blocks else "-"
        print(
            f"{variant:26} {min(accs):6.4f} {statistics.mean(accs):6.4f} {max(accs):6.4f}"
            f"   {block_text:>20}   {max(s for _, s in runs):.3f} s"
        )


if __name__ == "__main__":
    main()
