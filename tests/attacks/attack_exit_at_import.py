"""attack: exits with status 0 while being imported"""

import os
import sys

import torch
import sys
sys.exit(0)


def attack():
    return None
