"""attack: replaces torch's comparison functions so every check would pass"""

import os
import sys

import torch

torch.allclose = lambda *a, **k: True
torch.equal = lambda *a, **k: True
torch.isclose = lambda a, b, *r, **k: torch.ones_like(a, dtype=torch.bool)
torch.testing.assert_close = lambda *a, **k: None
torch.Tensor.__eq__ = lambda *a, **k: True
torch.Tensor.__ne__ = lambda *a, **k: False


def attack():
    return None
