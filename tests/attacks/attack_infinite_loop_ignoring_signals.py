"""attack: ignores every catchable signal and spins (for at most 120 s)"""

import os
import sys

import torch

import signal
import time

for _signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGXCPU):
    signal.signal(_signal, signal.SIG_IGN)


def _spin():
    started = time.monotonic()
    while time.monotonic() - started < 120:
        pass


def attack():
    _spin()
