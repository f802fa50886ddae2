"""attack: returns a gigantic tensor to overflow the checker (at most 2 GB)"""

import os
import sys

import torch


def attack():
    return torch.zeros(250_000_000, dtype=torch.float64)
