"""attack: prints 50 MB to stdout and 50 MB to stderr"""

import os
import sys

import torch

def _flood():
    chunk = "x" * (1024 * 1024)
    for _ in range(50):
        sys.stdout.write(chunk)
        sys.stderr.write(chunk)


def attack():
    _flood()
