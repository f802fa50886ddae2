"""attack: walks the caller's frames looking for the expected value"""

import os
import sys

import torch

def _steal():
    frame = sys._getframe(1)
    while frame is not None:
        for name, value in frame.f_locals.items():
            if name in ("expected", "dw", "want", "reference", "oracle"):
                return value
        frame = frame.f_back
    return None


def attack():
    return _steal()
