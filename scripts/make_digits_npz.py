"""Convert the UCI optical-digits CSV shipped inside scikit-learn into lesson6's two data files.

Usage: python scripts/make_digits_npz.py PATH/TO/digits.csv.gz [SHIPPED.npz HELD_OUT.npz]

The CSV is ``sklearn/datasets/data/digits.csv.gz`` from a scikit-learn wheel (unzip the
wheel; scikit-learn itself is not needed). Each of its 1797 rows is 64 pixel counts in
0..16 followed by the digit label. The course never imports scikit-learn: this script only
re-packs the numbers, unchanged, as uint8 arrays, and splits the rows in two files:

- ``exercises/lesson6/digits.npz`` (ships to students, and to the grading runner): every
  digit 0-4 (the pretraining task, train and test) and the fine-tuning task's TRAIN split
  of digits 5-9;
- ``tests/hidden/lesson6/finetune_test.npz`` (never ships, never enters the runner): the
  fine-tuning task's TEST split, on which the hidden suite measures accuracy.

The split is fixed, within each digit in file order (rank j = 0, 1, ...): a digit 0-4 is a
pretraining test sample when j % 5 == 0 (1 in 5 held out); a digit 5-9 is a fine-tuning
train sample when j % 4 == 0 (1 in 4 kept: the fine-tuning set is small on purpose), and a
fine-tuning test sample otherwise. Both files hold the arrays ``images`` (uint8, (N, 64)),
``labels`` (uint8, (N,), the digit) and ``is_test`` (bool, (N,)), rows in file order;
``tinynet.load_digits`` reads either.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "exercises" / "lesson6" / "digits.npz"
HELD_OUT = ROOT / "tests" / "hidden" / "lesson6" / "finetune_test.npz"

PRETRAIN_DIGITS = (0, 1, 2, 3, 4)
PRETRAIN_TEST_EVERY = 5  # digits 0-4: rank % 5 == 0 is a test sample
FINETUNE_TRAIN_EVERY = 4  # digits 5-9: rank % 4 == 0 is a train sample, the rest test


def read_csv(csv_path: Path) -> tuple[np.ndarray, np.ndarray]:
    """The 1797 images and labels, checked to be the expected 1797 x (64 + 1) table."""
    table = np.loadtxt(csv_path, delimiter=",")
    if table.shape != (1797, 65):
        raise SystemExit(f"{csv_path}: expected 1797 rows of 65 numbers, got {table.shape}")
    if table.min() < 0 or table[:, :64].max() > 16 or table[:, 64].max() > 9:
        raise SystemExit(f"{csv_path}: values outside 0..16 (pixels) or 0..9 (labels)")
    if not np.array_equal(table, np.round(table)):
        raise SystemExit(f"{csv_path}: expected whole numbers only")
    return table[:, :64].astype(np.uint8), table[:, 64].astype(np.uint8)


def split(labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(is_test, shipped) per row: the fixed split, and whether the row ships."""
    is_test = np.zeros(len(labels), dtype=bool)
    shipped = np.ones(len(labels), dtype=bool)
    for digit in range(10):
        rows = np.flatnonzero(labels == digit)
        rank = np.arange(len(rows))
        if digit in PRETRAIN_DIGITS:
            is_test[rows] = rank % PRETRAIN_TEST_EVERY == 0
        else:
            is_test[rows] = rank % FINETUNE_TRAIN_EVERY != 0
            shipped[rows] = ~is_test[rows]
    return is_test, shipped


def write(path: Path, images: np.ndarray, labels: np.ndarray, is_test: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(path, images=images, labels=labels, is_test=is_test)
    counts = ", ".join(str(int((labels == d).sum())) for d in np.unique(labels))
    print(f"wrote {path}: {len(labels)} rows ({int(is_test.sum())} test), per digit {counts}")


def convert(csv_path: Path, shipped_path: Path, held_out_path: Path) -> None:
    images, labels = read_csv(csv_path)
    is_test, shipped = split(labels)
    write(shipped_path, images[shipped], labels[shipped], is_test[shipped])
    write(held_out_path, images[~shipped], labels[~shipped], is_test[~shipped])


def main(argv: list[str]) -> None:
    if len(argv) == 2:
        convert(Path(argv[1]), SHIPPED, HELD_OUT)
    elif len(argv) == 4:
        convert(Path(argv[1]), Path(argv[2]), Path(argv[3]))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
