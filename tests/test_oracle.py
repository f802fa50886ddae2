"""@oracle caches a checker-side computation by the content of its arguments, safely."""

from __future__ import annotations

import torch

from grader.checks import oracle


def test_the_same_inputs_are_computed_once_and_copies_are_returned():
    calls = []

    @oracle
    def slow_square(x: torch.Tensor, power: int = 2) -> torch.Tensor:
        calls.append(1)
        return x ** power

    first = slow_square(torch.tensor([1.0, 2.0]))
    first.add_(100)  # a caller changing its copy must not change the next caller's
    second = slow_square(torch.tensor([1.0, 2.0]))
    assert torch.equal(second, torch.tensor([1.0, 4.0]))
    assert len(calls) == 1
    slow_square(torch.tensor([1.0, 3.0]))  # different content
    slow_square(torch.tensor([1.0, 2.0], dtype=torch.float64))  # different dtype
    slow_square(torch.tensor([1.0, 2.0]), power=3)  # different keyword
    assert len(calls) == 4


def test_models_are_fingerprinted_by_their_state():
    calls = []

    @oracle
    def run(model: torch.nn.Module) -> float:
        calls.append(1)
        return float(model.weight.detach().sum())

    torch.manual_seed(0)
    model = torch.nn.Linear(2, 2)
    run(model)
    run(model)
    with torch.no_grad():
        model.weight.add_(1)
    run(model)
    assert len(calls) == 2


def test_arguments_that_cannot_be_fingerprinted_are_never_cached():
    calls = []

    @oracle
    def apply(function, x):
        calls.append(1)
        return function(x)

    apply(lambda v: v + 1, 1)
    apply(lambda v: v + 1, 1)
    assert len(calls) == 2
