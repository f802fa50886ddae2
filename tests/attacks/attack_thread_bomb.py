"""attack: starts hundreds of threads that spin (at most 400, each for at most 30 s)"""

import os
import sys

import torch

import threading
import time


def _spin():
    started = time.monotonic()
    while time.monotonic() - started < 30:
        pass


def _bomb():
    for _ in range(400):
        try:
            threading.Thread(target=_spin, daemon=True).start()
        except RuntimeError:
            break


def attack():
    _bomb()
