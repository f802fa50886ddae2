"""attack: raises KeyboardInterrupt and GeneratorExit out of every call"""

import os
import sys

import torch


def attack():
    raise KeyboardInterrupt
