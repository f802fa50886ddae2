"""attack: registers an atexit hook that forces exit code 0, then calls sys.exit"""

import os
import sys

import torch
import atexit
atexit.register(lambda: os._exit(0))


def attack():
    sys.exit(0)
