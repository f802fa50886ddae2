"""attack: returns a torch.Tensor subclass whose comparisons always succeed"""

import os
import sys

import torch

class Liar(torch.Tensor):
    def __eq__(self, other):
        return True

    @classmethod
    def __torch_function__(cls, func, types, args=(), kwargs=None):
        if getattr(func, "__name__", "") in ("allclose", "equal", "isclose", "eq", "sub"):
            return True
        return super().__torch_function__(func, types, args, kwargs or {})


def attack():
    return torch.full((3,), 7.0).as_subclass(Liar)
