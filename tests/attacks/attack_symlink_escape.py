"""attack: links its folder to /proc/1/root and the parent's cwd and reads through them"""

import os
import sys

import torch

def _follow():
    found = []
    for target in ("/proc/1/root", f"/proc/{os.getppid()}/cwd", "/proc/self/root/.."):
        link = os.path.join(os.getcwd(), "link" + str(len(found)))
        try:
            os.symlink(target, link)
            found.append(os.listdir(link))
        except OSError:
            pass
    return found


print(_follow())


def attack():
    return None
