"""Convert the UCI optical-digits CSV shipped inside scikit-learn into lesson6's digits.npz.

Usage: python scripts/make_digits_npz.py PATH/TO/digits.csv.gz [OUT.npz]

The CSV is ``sklearn/datasets/data/digits.csv.gz`` from a scikit-learn wheel (unzip the
wheel; scikit-learn itself is not needed). Each of its 1797 rows is 64 pixel counts in
0..16 followed by the digit label. The course never imports scikit-learn: this script only
re-packs the numbers, unchanged, as uint8 arrays.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "exercises" / "lesson6" / "digits.npz"


def convert(csv_path: Path, out_path: Path) -> None:
    """Read the CSV, check it is the expected 1797 x (64 + 1) table, and write the npz."""
    table = np.loadtxt(csv_path, delimiter=",")
    if table.shape != (1797, 65):
        raise SystemExit(f"{csv_path}: expected 1797 rows of 65 numbers, got {table.shape}")
    if table.min() < 0 or table[:, :64].max() > 16 or table[:, 64].max() > 9:
        raise SystemExit(f"{csv_path}: values outside 0..16 (pixels) or 0..9 (labels)")
    images = table[:, :64].astype(np.uint8)
    labels = table[:, 64].astype(np.uint8)
    np.savez_compressed(out_path, images=images, labels=labels)
    print(f"wrote {out_path}: images {images.shape} uint8, labels {labels.shape} uint8")


def main(argv: list[str]) -> None:
    if len(argv) not in (2, 3):
        raise SystemExit(__doc__)
    convert(Path(argv[1]), Path(argv[2]) if len(argv) == 3 else DEFAULT_OUT)


if __name__ == "__main__":
    main(sys.argv)
