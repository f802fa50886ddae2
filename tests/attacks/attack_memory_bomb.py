"""attack: allocates memory until something gives (at most 6 GB)"""

import os
import sys

import torch

HOARD = []


def _hoard():
    for _ in range(24):
        HOARD.append(bytearray(256 * 1024 * 1024))


def attack():
    _hoard()
