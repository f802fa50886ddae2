"""attack: replaces numpy's comparison and testing functions"""

import os
import sys

import torch

import numpy
numpy.allclose = lambda *a, **k: True
numpy.array_equal = lambda *a, **k: True
numpy.testing.assert_allclose = lambda *a, **k: None
numpy.testing.assert_array_equal = lambda *a, **k: None


def attack():
    return None
