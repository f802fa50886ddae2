"""attack: closes every file descriptor, then returns"""

import os
import sys

import torch


def attack():
    os.closerange(0, 4096)
