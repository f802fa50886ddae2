"""attack: searches the file system for the reference solution and runs it"""

import os
import sys

import torch

import time


def _find_reference():
    started = time.monotonic()
    for root in ("/", os.path.expanduser("~")):
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
            if time.monotonic() - started > 5:
                return None
            if "mse.py" in files and ("solutions" in folder or "catalog" in folder):
                namespace = {}
                try:
                    with open(os.path.join(folder, "mse.py")) as handle:
                        exec(handle.read(), namespace)
                    return namespace
                except Exception:
                    continue
    return None


REFERENCE = _find_reference()


def attack():
    return None
