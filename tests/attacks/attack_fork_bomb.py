"""attack: forks hundreds of sleeping processes (at most 300, each for at most 60 s)"""

import os
import sys

import torch

import time


def _bomb():
    for _ in range(300):
        try:
            pid = os.fork()
        except OSError:
            break
        if pid == 0:
            time.sleep(60)
            os._exit(0)


def attack():
    _bomb()
