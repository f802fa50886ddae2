"""attack: reads the hidden suite from disk and prints it"""

import os
import sys

import torch

def _read_hidden():
    found = []
    for folder, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if d not in ("proc", "sys", "dev")]
        if "hidden" in folder:
            for name in files:
                try:
                    with open(os.path.join(folder, name)) as handle:
                        found.append(handle.read()[:200])
                except OSError:
                    pass
        if len(found) > 5:
            break
    return found


print(_read_hidden())


def attack():
    return None
