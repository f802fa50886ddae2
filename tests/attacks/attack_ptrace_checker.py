"""attack: tries to ptrace-attach to its parent and to pid 1"""

import os
import sys

import torch

import ctypes

_libc = ctypes.CDLL(None, use_errno=True)


def _attach():
    for pid in (os.getppid(), 1):
        _libc.ptrace(16, pid, 0, 0)  # PTRACE_ATTACH


def attack():
    _attach()
