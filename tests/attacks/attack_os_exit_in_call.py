"""attack: ends its process with os._exit(0) inside every call"""

import os
import sys

import torch


def attack():
    os._exit(0)
