"""attack: patches math and builtins used by comparisons"""

import os
import sys

import torch

import builtins
import math
math.isclose = lambda *a, **k: True
math.isnan = lambda *a: False
builtins.isinstance = lambda *a: True
builtins.abs = lambda v: 0
builtins.all = lambda *a: True
builtins.any = lambda *a: False


def attack():
    return None
