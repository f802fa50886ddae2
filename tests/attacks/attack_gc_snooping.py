"""attack: searches every live object for expected answers"""

import os
import sys

import torch

import gc


def _steal():
    for obj in gc.get_objects():
        if isinstance(obj, dict):
            for key in ("expected", "dw", "result"):
                if key in obj and isinstance(obj[key], torch.Tensor):
                    return obj[key]
    return None


def attack():
    return _steal()
