"""Assertions for public checks and hidden suites, with feedback safe for students.

Every helper raises ``Mismatch`` whose ``feedback`` names the function, what is wrong and,
when recognisable, the mistake (see ``grader.checker.diagnose``); ``details`` (expected vs got) is
shown for public checks only.
"""

from __future__ import annotations

import copy
import functools
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import torch

from grader.checker import diagnose
from grader.checker.diagnose import Mistake, close, ratio_mistakes
from grader.checker.feedback import Mismatch, RemoteRaised
from grader.course.i18n import N_, Text, t
from grader.wire import FunctionSource, ObjectSpec

__all__ = [
    "Mistake", "ratio_mistakes", "oracle", "expect_close", "expect_tensor", "expect_tuple", "expect_raises", "expect_untouched",
    "expect_contract", "source_fn", "helper_object", "built_by", "generator", "tolerances", "short",
    "Mismatch", "RemoteRaised", "close", "exercise_file", "expect_exact", "t", "N_", "Text",
]

TOLERANCES = {torch.float64: (1e-7, 1e-9), torch.float32: (1e-4, 1e-5)}


def oracle(function: Callable) -> Callable:
    """Cache a pure checker-side reference computation across the submissions of a session.

    Every submission's copy of a test asks the oracle the same question with the same inputs
    (they come from the test's seed), so the answer is computed once. Arguments are
    fingerprinted by content (tensors by dtype, shape and bytes; models by their state); an
    argument that cannot be fingerprinted (a function) means no caching for that call.
    Callers get a deep copy, so no test can change what the next one sees.
    """
    cache: dict[str, Any] = {}

    @functools.wraps(function)
    def cached(*args: Any, **kwargs: Any) -> Any:
        try:
            key = _fingerprint((args, sorted(kwargs.items())))
        except TypeError:
            return function(*args, **kwargs)
        if key not in cache:
            cache[key] = function(*args, **kwargs)
        return copy.deepcopy(cache[key])

    cached.cache = cache  # type: ignore[attr-defined]
    return cached


def _fingerprint(value: Any) -> str:
    digest = hashlib.sha256()

    def feed(item: Any) -> None:
        if isinstance(item, torch.Tensor):
            flat = item.detach().contiguous().reshape(-1)
            digest.update(f"T{item.dtype}{tuple(item.shape)}{item.requires_grad}".encode())
            digest.update(flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b"")
        elif isinstance(item, torch.nn.Module):
            digest.update(f"M{type(item).__qualname__}".encode())
            feed(sorted(item.state_dict().items()))
        elif isinstance(item, (list, tuple)):
            digest.update(f"L{len(item)}".encode())
            for part in item:
                feed(part)
        elif isinstance(item, dict):
            feed(sorted(item.items(), key=lambda pair: repr(pair[0])))
        elif item is None or isinstance(item, (bool, int, float, str, bytes, torch.dtype)):
            digest.update(f"{type(item).__name__}:{item!r}|".encode())
        elif isinstance(item, (FunctionSource, ObjectSpec)):
            digest.update(repr(item).encode())
        else:
            raise TypeError(f"cannot fingerprint {type(item).__name__}")

    feed(value)
    return digest.hexdigest()


def exercise_file(lesson_id: str, name: str) -> Path:
    """A file of a lesson's exercise folder (a helper such as ``tinynet.py``), in the checker."""
    from grader.checker.plugin import active_course

    course = active_course()
    return course.exercise_dir(course.lesson(lesson_id)) / name


def tolerances(dtype: torch.dtype) -> tuple[float, float]:
    """(rtol, atol) for comparing values computed in ``dtype``."""
    return TOLERANCES.get(dtype, (1e-2, 1e-3))


def source_fn(source: str, name: str = "") -> FunctionSource:
    """A function for the submission to receive, built in the runner from its source text."""
    return FunctionSource(source, name)


def helper_object(factory: str, *args: Any, **kwargs: Any) -> ObjectSpec:
    """An object built in the runner by a lesson helper, e.g. ``"tinynet.load_pretrained"``."""
    return ObjectSpec(factory, args, kwargs)


def built_by(function: FunctionSource, *args: Any, **kwargs: Any) -> ObjectSpec:
    """An object the runner makes by calling ``function`` (a ``source_fn``) with ``args``.

    For arguments no helper file provides, e.g. a pretrained model with a fresh head; the
    source may import the lesson's helper modules.
    """
    return ObjectSpec("call", (function, *args), kwargs)


def generator(seed: int) -> ObjectSpec:
    """A ``torch.Generator`` seeded with ``seed``, built in the runner."""
    return ObjectSpec("generator", (seed,))


def short(value: Any, limit: int = 6) -> str:
    """A compact rendering of a value for expected-vs-got lines."""
    if isinstance(value, torch.Tensor):
        flat = value.detach().reshape(-1)
        shown = ", ".join(f"{float(v):.6g}" for v in flat[:limit].tolist()) if flat.numel() else ""
        more = ", …" if flat.numel() > limit else ""
        body = f"[{shown}{more}]" if value.dim() else f"{float(value):.6g}"
        dtype = str(value.dtype).removeprefix("torch.")
        return f"tensor({body}, shape={tuple(value.shape)}, dtype={dtype})"
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _describe_type(value: Any) -> str:
    if value is None:
        return "None"
    if hasattr(value, "__array__") and not isinstance(value, torch.Tensor):
        return t("a numpy array")
    return t("a {type}", type=type(value).__name__)


def expect_tensor(
    got: Any,
    *,
    what: str,
    dtype: torch.dtype | None = None,
    shape: tuple[int, ...] | torch.Size | None = None,
) -> torch.Tensor:
    """``got`` is a tensor of the given dtype and shape that does not require grad."""
    if not isinstance(got, torch.Tensor):
        raise Mismatch(t("{what} should be a torch tensor, but it is {kind}", what=what,
                         kind=_describe_type(got)), t("got {got}", got=short(got)))
    if shape is not None and tuple(got.shape) != tuple(shape):
        got_shape = t("got shape {shape}", shape=str(tuple(got.shape)))
        if got.dim() == len(shape) + 1 and 1 in got.shape:
            raise Mismatch(t("{what} has the wrong shape, it should be {shape}: an extra "
                             "dimension of size 1 (broadcasting (N, 1) against (N,)?)",
                             what=what, shape=str(tuple(shape))), got_shape)
        raise Mismatch(t("{what} has the wrong shape, it should be {shape}", what=what,
                         shape=str(tuple(shape))), got_shape)
    if dtype is not None and got.dtype != dtype:
        raise Mismatch(t("{what} has dtype {got} instead of {expected}: results keep the dtype "
                         "of the inputs", what=what, got=str(got.dtype)[6:],
                         expected=str(dtype)[6:]))
    if got.requires_grad:
        raise Mismatch(t("{what} still requires grad: return a detached tensor", what=what))
    return got


def expect_tuple(got: Any, length: int, *, what: str) -> tuple:
    """``got`` is a tuple (or list) of ``length`` values, e.g. a gradient pair (dw, db)."""
    if not isinstance(got, (tuple, list)) or len(got) != length:
        raise Mismatch(t("{what} should return {length} values as a tuple, but it returned "
                         "{kind}", what=what, length=length, kind=_describe_type(got)),
                       t("got {got}", got=short(got)))
    return tuple(got)


def expect_close(
    got: Any,
    expected: torch.Tensor,
    *,
    what: str,
    mistakes: Iterable[Mistake] | Callable[[], Iterable[Mistake]] = (),
    rtol: float | None = None,
    atol: float | None = None,
    nonfinite: str | None = None,
    check_dtype: bool = True,
) -> None:
    """``got`` is a tensor equal to ``expected`` (shape, dtype and values within tolerance).

    ``mistakes`` may be a function returning the candidates: it is called only if ``got`` is
    wrong, so building expensive candidates costs nothing for correct answers.
    """
    expected = torch.as_tensor(expected)
    if isinstance(got, torch.Tensor) and got.shape != expected.shape and (
            got.numel() <= 4 * expected.numel() + 64):  # never materialise a huge wrong reply
        mistakes = list(mistakes() if callable(mistakes) else mistakes)
        # A wrong shape can itself be a known mistake (a trajectory without its first row).
        reason = diagnose.explain(got, expected, mistakes, rtol=rtol or 1e-6, atol=atol or 1e-8)
        if reason:
            raise Mismatch(t("{what}: {reason}", what=what, reason=reason),
                           _expected_got(expected, got))
    got = expect_tensor(got, what=what, shape=expected.shape,
                        dtype=expected.dtype if check_dtype else None)
    default_rtol, default_atol = tolerances(expected.dtype)
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    if diagnose.close(got, expected, rtol, atol):
        return
    mistakes = list(mistakes() if callable(mistakes) else mistakes)
    reason = diagnose.explain(got, expected, mistakes, rtol=rtol, atol=atol, nonfinite=nonfinite)
    feedback = t("{what}: {reason}", what=what, reason=reason) if reason else t(
        "{what} does not match the expected value", what=what)
    raise Mismatch(feedback, _expected_got(expected, got))


def _expected_got(expected: Any, got: Any) -> Text:
    return t("expected {expected}\n     got {got}", expected=short(expected), got=short(got))


FINITE_DIFFERENCE = N_(
    "it agrees with the derivative only to about {order}: that is a numerical approximation "
    "(a finite difference of the function), not the derivative; derive the formula instead "
    "(see the notes)")


def expect_exact(
    got: Any,
    expected: torch.Tensor,
    *,
    what: str,
    mistakes: Iterable[Mistake] | Callable[[], Iterable[Mistake]] = (),
) -> None:
    """A derivative in float64 to ~1e-12: an analytic formula, not a finite difference.

    Use moderate inputs (|x| up to about 3) where every analytic form agrees to 1e-14. Wrong
    answers are diagnosed as by ``expect_close``; an answer right only to ~1e-9 is named as a
    finite difference.
    """
    expected = torch.as_tensor(expected, dtype=torch.float64)
    expect_close(got, expected, what=what, mistakes=mistakes)
    if diagnose.close(got, expected, 1e-11, 1e-13):
        return
    error = float((got.to(torch.float64) - expected).abs().max())
    scale = max(float(expected.abs().max()), 1e-300)
    order = f"1e{int(torch.floor(torch.log10(torch.tensor(error / scale))).item()):d}"
    raise Mismatch(t("{what}: {reason}", what=what, reason=t(FINITE_DIFFERENCE, order=order)),
                   _expected_got(expected, got))


def expect_raises(
    error: type[Exception], call: Any, *args: Any, what: str, why: str,
    match: str | None = None, **kwargs: Any,
) -> RemoteRaised:
    """Calling the submission raises ``error`` (as the contract says it must, ``why``).

    The call is an error-case probe: the check earns its points only when the same function's
    value checks pass too, so a function that raises for everything earns nothing here.
    """
    probe = getattr(call, "probe", call)
    try:
        returned = probe(*args, **kwargs)
    except RemoteRaised as raised:
        if raised.type_name == "NotImplementedError" and error is not NotImplementedError:
            raise Mismatch(raised.feedback_text or raised.feedback) from None
        if not isinstance(raised, error):
            raise Mismatch(
                t("{what} should raise {error} {why}, but it raised {raised}", what=what,
                  error=error.__name__, why=why, raised=raised.type_shown),
                raised.details_text or raised.details) from None
        if match and match.lower() not in raised.message.lower():
            raise Mismatch(t("{what} raises {error} {why}, as it should, but its message "
                             "should mention {match}", what=what, error=error.__name__, why=why,
                             match=repr(match)), raised.details_text or raised.details) from None
        return raised
    raise Mismatch(t("{what} should raise {error} {why}, but it returned normally", what=what,
                     error=error.__name__, why=why), t("got {got}", got=short(returned)))


def expect_untouched(before: Iterable[Any], after: Iterable[Any], *, what: str,
                     names: Iterable[str]) -> None:
    """Arguments came back exactly as they were sent: values, requires_grad and .grad."""
    for name, old, new in zip(names, before, after, strict=False):
        if not isinstance(old, torch.Tensor) or not isinstance(new, torch.Tensor):
            continue
        if old.shape != new.shape or old.dtype != new.dtype or not torch.equal(
            old.detach(), new.detach()
        ):
            raise Mismatch(t("{what} modified its argument {name} in place: inputs must stay "
                             "unchanged (work on a copy, or build new tensors)", what=what,
                             name=name))
        if old.requires_grad != new.requires_grad:
            raise Mismatch(t("{what} changed {name}.requires_grad: leave the caller's tensor as "
                             "it was (use a detached copy for autograd)", what=what, name=name))
        if old.grad is None and new.grad is not None:
            raise Mismatch(t("{what} left a .grad on its argument {name}: compute gradients on "
                             "a detached copy so the caller's tensor is untouched", what=what,
                             name=name))
        if old.grad is not None and (new.grad is None or not torch.equal(old.grad, new.grad)):
            raise Mismatch(t("{what} changed {name}.grad: gradients accumulate into .grad, so "
                             "work on a detached copy and leave the caller's .grad alone",
                             what=what, name=name))


def expect_contract(outcome: Any, args: Iterable[Any], *, what: str,
                    names: Iterable[str]) -> None:
    """The general rules: inputs untouched, no storage shared, result does not require grad."""
    expect_untouched(args, outcome.args_after, what=what, names=names)
    if outcome.shares_storage:
        raise Mismatch(t("{what} returned a tensor that shares memory with an argument: "
                         "return a new tensor (e.g. .clone())", what=what))
    for part in _tensors(outcome.result):
        if part.requires_grad:
            raise Mismatch(t("{what} returned a tensor that still requires grad: return a "
                             "detached tensor", what=what))


def _tensors(value: Any):
    if isinstance(value, torch.Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors(item)
