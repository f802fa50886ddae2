"""Recognise the shape of a wrong answer and name the mistake: the one place all suites share.

A suite passes the expected value and a list of ``Mistake`` candidates: each is the answer a
known wrong solution would give (computed in the checker), with the sentence that names it.
``explain`` checks the candidates (whatever their shape), then non-finite values, then a
constant ratio to the expected value, and returns the first explanation that fits, or None.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import torch

from grader.course.i18n import N_, Text, t


@dataclass(frozen=True)
class Mistake:
    """A recognisable wrong answer: ``value`` is what that mistake returns.

    ``value`` may be a function of no arguments: it is then computed only if an answer is
    actually wrong, so correct submissions never pay for simulating mistakes.
    """

    message: str | Text  # names the mistake; a message id of the catalogs
    value: Any

    def resolve(self) -> Any:
        return self.value() if callable(self.value) else self.value


# Ratios got/expected that mean something for any gradient-like quantity.
FACTOR_TWO_MISSING = N_("the factor 2 from differentiating the square is missing")
SIGN_FLIPPED = N_("the sign is flipped: check the order in (prediction − target) and the "
                  "update's −")
EXTRA_FACTOR_TWO = N_("there is an extra factor 2")


def ratio_mistakes(expected: torch.Tensor, n: int | None = None) -> list[Mistake]:
    """The common scaled versions of a gradient: ×½, ×(−1), ×N (sum for mean), ×2, ×1/N."""
    mistakes = [
        Mistake(FACTOR_TWO_MISSING, expected * 0.5),
        Mistake(SIGN_FLIPPED, -expected),
        Mistake(EXTRA_FACTOR_TWO, expected * 2),
    ]
    if n is not None and n > 2:
        mistakes += [
            Mistake(t("it is {n}× too large: a sum where a mean belongs (divide by N = {n})", n=n),
                    expected * n),
            Mistake(t("it is {n}× too small: divided by N = {n} once too often", n=n),
                    expected / n),
        ]
    return mistakes


def close(got: torch.Tensor, expected: torch.Tensor, rtol: float, atol: float) -> bool:
    """Same shape and all values within tolerance; nan only matches nan."""
    if got.shape != expected.shape:
        return False
    return bool(torch.allclose(got.to(torch.float64), expected.to(torch.float64),
                               rtol=rtol, atol=atol, equal_nan=True))


def explain(
    got: torch.Tensor,
    expected: torch.Tensor,
    mistakes: Iterable[Mistake] = (),
    *,
    rtol: float = 1e-6,
    atol: float = 1e-8,
    nonfinite: str | Text | None = None,
) -> Text | None:
    """Name the mistake behind ``got`` when it has a recognisable shape, else None."""
    got64 = got.detach().to(torch.float64)
    expected64 = expected.detach().to(torch.float64)
    # A candidate that matches exactly (nan where it has nan, its own shape) is the most
    # specific explanation, so candidates come before the generic ones.
    for mistake in mistakes:
        value = torch.as_tensor(mistake.resolve()).detach().to(torch.float64)
        if value.shape == got64.shape and close(got64, value, rtol, atol) and not close(
            value, expected64, rtol, atol
        ):
            return mistake.message if isinstance(mistake.message, Text) else t(mistake.message)
    if got64.shape != expected64.shape:
        return None
    if not torch.isfinite(got64).all() and torch.isfinite(expected64).all():
        bad = "nan" if torch.isnan(got64).any() else "inf"
        if nonfinite:
            return t("the result contains {bad}: {why}", bad=bad, why=nonfinite)
        return t("the result contains {bad}", bad=bad)
    ratio = constant_ratio(got64, expected64, rtol)
    if ratio is not None:
        simple = simple_number(ratio)
        if simple is None:  # an arbitrary number could carry the submission's own data out
            return t("every element is off by the same factor: a constant factor is wrong")
        return t("it is {factor}× the expected value: a constant factor is off", factor=simple)
    return None


def constant_ratio(got: torch.Tensor, expected: torch.Tensor, rtol: float) -> float | None:
    """c when got ≈ c·expected for one constant c ≠ 1 (several values, not all zero)."""
    if int((expected != 0).sum()) < 2:
        return None  # one number that matters: any wrong value is "a constant multiple" of it
    scale = float(expected.abs().max())
    if scale == 0.0:
        return None
    c = float((got * expected).sum() / (expected * expected).sum())
    if abs(c - 1) < 1e-3 or c == 0:
        return None
    residual = float((got - c * expected).abs().max())
    return c if residual <= max(rtol, 1e-6) * 10 * scale * max(abs(c), 1) else None


def simple_number(x: float) -> str | None:
    """``x`` written simply when it is ±n or ±1/n for a whole n up to 100, else None."""
    for n in range(1, 101):
        for value, text in ((n, f"{n}"), (-n, f"-{n}"), (1 / n, f"1/{n}"), (-1 / n, f"-1/{n}")):
            if abs(x - value) <= 1e-6 * max(1.0, abs(value)):
                return {"1/2": "0.5", "-1/2": "-0.5", "1/4": "0.25", "-1/4": "-0.25"}.get(text, text)
    return None
