"""Hidden suite for lesson 6 (finetune.py): heads, parameter groups, freezing and the loop.

Models reach the submission as descriptions built in the runner (``helper_object`` and
``built_by``) and come back as data: a module as a dict of its parameters, an optimizer as its
param_groups with parameter names, a parameter inside a returned list as its name. The
checker imports the course's own read-only ``tinynet.py`` to build the same models, load the
digits and measure accuracy. The accuracy is measured on the fine-tuning task's test split,
which only this folder holds (``finetune_test.npz``, made by scripts/make_digits_npz.py): it
never ships and is never sent to the runner, so no submission can fit it. Expected losses
and weights come from the float64 trainer below (``torch.optim.SGD``'s update written out),
and each catalogued mistake of the loop is one keyword of that trainer, so a wrong trajectory
is named. The words that name the mistakes both suites diagnose come from the public checks
(``exercises/lesson6/test_finetune.py``), so a student reads the same sentence in both.

Generators: a ``torch.Generator`` argument cannot come back in ``args_after`` (the wire cannot
send it), so calls with ``generator(seed)`` use ``sub.fine_tune`` (losses only); calls that
need the trained weights pass ``generator=None`` and reproduce the global RNG from
``sub.seed``. The accuracy test sets ``sub.seed`` per run to shuffle like the calibration's
``generator(seed)`` (scripts/calibrate_finetune.py).
"""

from __future__ import annotations

import copy
import functools
import importlib.util
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from grader.checks import (
    N_,
    Mismatch,
    RemoteRaised,
    Text,
    built_by,
    close,
    exercise_file,
    expect_untouched,
    generator,
    helper_object,
    source_fn,
    t,
)
from grader.checks import oracle as memoized

F64 = torch.float64
F32 = torch.float32
DTYPES = [pytest.param("float64", id="float64"), pytest.param("float32", id="float32")]
BACKBONE = ["backbone.0.weight", "backbone.0.bias", "backbone.2.weight", "backbone.2.bias"]
HEAD = ["fc.weight", "fc.bias"]
HIDDEN = 32
PRETRAINED = "tinynet.load_pretrained"

# ---------------------------------------------------------------------- messages


def _import_exercise_module(name: str, file: str):
    """A module of the course's own exercise folder (trusted), imported in the checker."""
    spec = importlib.util.spec_from_file_location(name, exercise_file("lesson6", file))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The public checks' words for the mistakes both suites name: one text, the same in both.
public = _import_exercise_module("_lesson6_checker_public_checks", "test_finetune.py")
EXTRA_EPOCH = public.EXTRA_EPOCH
FC_PREFIX = public.FC_PREFIX
GRAD_NOT_ZEROED = public.GRAD_NOT_ZEROED
HEAD_TWICE = public.HEAD_TWICE
LOOP_MULT_IGNORED = public.LOOP_MULT_IGNORED
LOOP_MULT_ON_BACKBONE = public.LOOP_MULT_ON_BACKBONE
LOOP_NO_MOMENTUM = public.LOOP_NO_MOMENTUM
LOSS_AFTER_STEP = public.LOSS_AFTER_STEP
LR_NOT_FLOAT = public.LR_NOT_FLOAT
MISSING_EPOCH = public.MISSING_EPOCH
MULT_IGNORED = public.MULT_IGNORED
MULT_ON_BACKBONE = public.MULT_ON_BACKBONE
NOT_FLOATS = public.NOT_FLOATS
NOT_GENERATOR = public.NOT_GENERATOR
OLD_CLASSES = public.OLD_CLASSES
ONE_PERMUTATION = public.ONE_PERMUTATION
REBUILT = public.REBUILT
SUMMED = public.SUMMED
THE_MODEL = N_("the model")
EPOCH_LOSSES = public.EPOCH_LOSSES
about = public.about


SAME_OBJECT = N_("replace_head must change the model it is given and return that same model "
                 "object: the caller's model still has its old head (was the head replaced on a "
                 "copy?); assign model.fc = ... and return model")
NOT_NEW_HEAD = N_("the head was not replaced: with num_classes equal to the old number of outputs "
                  "the model must still get a new head (nn.Linear, xavier_uniform_ weight, zero "
                  "bias); the old head's weights encode the old classes")
BIAS_NOT_ZERO = N_("the new head's bias must be a zero bias (nn.init.zeros_(head.bias)); "
                   "nn.Linear's default bias is random")
NOT_XAVIER = N_("the new head's weight is not initialised by xavier_uniform_: nn.Linear's default "
                "init is U(±1/√fan_in); call nn.init.xavier_uniform_(head.weight), which draws "
                "from U(±√(6 / (fan_in + fan_out)))")
BACKBONE_CHANGED = N_("replace_head changed the backbone: only fc may change, every other "
                      "parameter keeps its values and its requires_grad")

FROZEN_LISTED = N_("frozen parameters (requires_grad False) are listed in a group: leave them out "
                   "of both groups, an optimizer has nothing to do with them")
ORDER = N_("the parameters are not in named_parameters() order: keep the order in which "
           "model.named_parameters() lists them inside each group")
SWAPPED = N_("the two groups are swapped: the backbone group comes first, the head group second")
MULT_HARDCODED = N_("the head's lr is 10·lr whatever head_mult is: use lr * head_mult")

NO_MOMENTUM = N_("the optimizer has no momentum: pass momentum=momentum to torch.optim.SGD "
                 "(the default 0 is plain SGD)")
WEIGHT_DECAY = N_("the optimizer's weight_decay is not the weight_decay argument: pass "
                  "weight_decay=weight_decay to torch.optim.SGD")

FROZE_HEAD_INSTEAD = N_("freeze_backbone froze the head instead of the backbone: set "
                        "requires_grad False on every parameter outside fc and leave fc trainable")
FROZE_EVERYTHING = N_("freeze_backbone froze everything: the head must stay trainable "
                      "(only parameters outside fc get requires_grad False), or nothing can learn")
BACKBONE_TRAINABLE = N_("freeze_backbone left some backbone parameters trainable: every parameter "
                        "outside fc gets requires_grad False")
HEAD_FLAGS_CHANGED = N_("freeze_backbone changed the head's requires_grad: leave fc's parameters "
                        "as they are")

NOT_WEIGHTED = N_("the batch losses are averaged with equal weights: the epoch loss is the "
                  "sample-weighted mean sum(batch_loss · batch_len) / N, so the smaller last batch "
                  "counts less")
LAST_BATCH = N_("the last batch (the smaller one) is dropped: an epoch takes ceil(N / batch_size) "
                "steps and the last slice of the permutation may be shorter")
NO_SHUFFLE = N_("the samples are never shuffled: draw perm = torch.randperm(N, generator=generator) "
                "at the start of every epoch and take consecutive slices of it")
HEAD_UNTRAINED = N_("after fine_tune the model's head is untrained (its bias is still exactly "
                    "zero, as a new head's): the optimizer was built before the head was replaced "
                    "and holds the old head's parameters; fine_tune trains the head the model has "
                    "and must not replace it")
HEAD_RESHAPED = N_("fine_tune changed the model's head: it trains the model as given and must not "
                   "replace fc (was the optimizer built before the head was replaced?)")

# PyTorch's own words when a parameter is given to an optimizer in two groups.
BOTH_GROUPS_ERROR = "more than one parameter group"


def fail(feedback: Text, details: Text | str = "") -> None:
    """Fail with the check's own words; ``details`` (anything the submission controls) is shown
    to instructors only, since this suite is hidden."""
    raise Mismatch(feedback, details)


def call(function, *args: Any, what: str | Text, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, naming the head-in-both-groups mistake when the submission
    raises PyTorch's refusal of it (its message is matched here, never shown)."""
    try:
        return function(*args, **kwargs)
    except RemoteRaised as raised:
        if BOTH_GROUPS_ERROR in raised.message:
            fail(about(what, HEAD_TWICE), raised.details_text or raised.details)
        raise


@pytest.fixture(autouse=True)
def _one_thread():
    """The checker's own training runs on one thread, like the runner: on a busy machine, tiny
    ops on two threads wait for each other (milliseconds per backward instead of 0.2 ms)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# ---------------------------------------------------------------------- course files (trusted)


tinynet = _import_exercise_module("_lesson6_checker_tinynet", "tinynet.py")
TRAIN = tinynet.load_digits("finetune", "train")
# The held-out test split: read here, in the checker, and nowhere else.
HELD_OUT = Path(__file__).resolve().parent / "finetune_test.npz"
TEST = tinynet.load_digits("finetune", "test", path=HELD_OUT)
PRETRAINED_STATE = {n: p.detach().clone() for n, p in tinynet.load_pretrained().named_parameters()}


def build(source: str, name: str):
    """The checker's copy of a function the runner receives as ``source_fn(source, name)``."""
    namespace: dict[str, Any] = {"torch": torch, "math": math}
    exec(compile(source, f"<suite {name}>", "exec"), namespace)  # noqa: S102 - the suite's own text
    return namespace[name]


# The pretrained TinyNet with a given head (or the pretrained head), in a dtype, with some
# parameters frozen (names or module prefixes). The same text runs
# in the runner (via built_by) and here (with the checker's tinynet).
MODEL_SOURCE = '''
def make(weight=None, bias=None, dtype="float32", frozen=(), tinynet=None):
    if tinynet is None:
        import tinynet
    model = tinynet.load_pretrained()
    if weight is not None:
        with torch.random.fork_rng(devices=[]):
            head = torch.nn.Linear(weight.shape[1], weight.shape[0])
        with torch.no_grad():
            head.weight.copy_(weight)
            head.bias.copy_(bias)
        model.fc = head
    model = model.to(getattr(torch, dtype))
    for name, parameter in model.named_parameters():
        if any(name == f or name.startswith(f + ".") for f in frozen):
            parameter.requires_grad_(False)
    return model
'''

# The calibration's start: the pretrained TinyNet, torch.manual_seed(seed), then a new 5-class
# head exactly as the reference replace_head makes it (independent of the submission's).
SEEDED_SOURCE = '''
def make_seeded(seed, tinynet=None):
    if tinynet is None:
        import tinynet
    model = tinynet.load_pretrained()
    torch.manual_seed(seed)
    head = torch.nn.Linear(model.fc.in_features, 5)
    torch.nn.init.xavier_uniform_(head.weight)
    torch.nn.init.zeros_(head.bias)
    model.fc = head
    return model
'''

# A model unlike TinyNet: a top-level parameter first, the head registered before the backbone
# layers, a backbone layer whose name starts with "fc" but is not fc, and fc of 6 -> 3.
CUSTOM_SOURCE = '''
def make_custom(frozen=()):
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = torch.nn.Parameter(torch.ones(6))
            self.fc = torch.nn.Linear(6, 3)
            self.fc_in = torch.nn.Linear(4, 6)
            self.blocks = torch.nn.Sequential(torch.nn.Linear(6, 6), torch.nn.Tanh())

        def forward(self, x):
            return self.fc(self.blocks(self.fc_in(x) * self.scale))

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(7)
        model = Net()
    for name, parameter in model.named_parameters():
        if any(name == f or name.startswith(f + ".") for f in frozen):
            parameter.requires_grad_(False)
    return model
'''
CUSTOM_ORDER = ["scale", "fc.weight", "fc.bias", "fc_in.weight", "fc_in.bias",
                "blocks.0.weight", "blocks.0.bias"]
CUSTOM_BACKBONE = [n for n in CUSTOM_ORDER if not n.startswith("fc.")]

make_model = functools.partial(build(MODEL_SOURCE, "make"), tinynet=tinynet)
make_seeded = functools.partial(build(SEEDED_SOURCE, "make_seeded"), tinynet=tinynet)


def model_spec(**kwargs):
    """The runner-side twin of ``make_model(**kwargs)``."""
    return built_by(source_fn(MODEL_SOURCE, "make"), **kwargs)


def custom_spec(frozen=()):
    return built_by(source_fn(CUSTOM_SOURCE, "make_custom"), frozen=list(frozen))


def random_head(rng: torch.Generator, classes: int, fan_in: int = HIDDEN):
    """A head's (weight, bias) in float64, xavier-sized, with a clearly non-zero bias."""
    a = math.sqrt(6 / (fan_in + classes))
    weight = (torch.rand(classes, fan_in, generator=rng, dtype=F64) * 2 - 1) * a
    bias = 0.1 + 0.2 * torch.rand(classes, generator=rng, dtype=F64)
    return weight, bias


# ---------------------------------------------------------------------- reading results


def _kind(value: Any) -> str:
    if isinstance(value, dict) and "__object__" in value:
        return t("a {type}", type=str(value["__object__"]))
    return "None" if value is None else t("a {type}", type=type(value).__name__)


def as_module(value: Any, what: str) -> dict:
    if not (isinstance(value, dict) and value.get("__object__") == "module"
            and isinstance(value.get("parameters"), dict)
            and all(isinstance(p, torch.Tensor) for p in value["parameters"].values())):
        fail(t("{what} should be the model (an nn.Module)", what=what),
             t("it is {kind}", kind=_kind(value)))
    return value


def parameters(module: dict) -> dict[str, torch.Tensor]:
    return {n: p.detach() for n, p in module["parameters"].items()}


def flags(module: dict) -> dict[str, bool]:
    return {n: bool(p.requires_grad) for n, p in module["parameters"].items()}


def head_size(module: dict, what: str) -> tuple[int, int]:
    fc = module.get("fc")
    if not isinstance(fc, dict) or not {"in_features", "out_features"} <= set(fc):
        fail(t("{what}: model.fc should be an nn.Linear", what=what))
    return fc["in_features"], fc["out_features"]


def flat(params: dict[str, torch.Tensor], names: Sequence[str]) -> torch.Tensor:
    return torch.cat([params[n].detach().reshape(-1).to(F64) for n in names])


def group_contents(groups: Any, what: str) -> tuple[list[list[str]], list[Any]]:
    """The parameter names and lrs of two groups returned by param_groups (or an optimizer)."""
    if not isinstance(groups, (list, tuple)) or not all(isinstance(g, dict) for g in groups):
        fail(t("{what} should be a list of dicts (parameter groups)", what=what),
             t("it is {kind}", kind=_kind(groups)))
    if len(groups) != 2:
        fail(t("{what} should hold exactly two groups, backbone then head (even when one is "
               "empty)", what=what), t("it holds {count}", count=len(groups)))
    names, lrs = [], []
    for group in groups:
        params = group.get("params")
        if not isinstance(params, (list, tuple)):
            fail(t("{what}: each group's 'params' should be a list of parameters", what=what))
        group_names = []
        for p in params:
            if isinstance(p, dict) and p.get("__object__") == "parameter":
                p = p["name"]  # a parameter in a returned list; in an optimizer, its name
            if not isinstance(p, str) or p.startswith("<unnamed"):
                fail(t("{what}: 'params' should hold the model's own parameter objects (from "
                       "model.named_parameters()), not copies or other values", what=what))
            group_names.append(p)
        names.append(group_names)
        if "lr" not in group:
            fail(t("{what}: each group needs its own 'lr'", what=what))
        lrs.append(group["lr"])
    return names, lrs


def expect_groups(groups: Any, *, what: str, backbone: list[str], head: list[str],
                  frozen: Sequence[str], lr: float, head_mult: float) -> None:
    """Two groups with exactly these names in this order, at lr and lr * head_mult."""
    names, lrs = group_contents(groups, what)
    got_backbone, got_head = names
    listed = got_backbone + got_head
    if any(n in got_backbone for n in got_head) or len(set(listed)) != len(listed):
        fail(about(what, HEAD_TWICE))
    if any(n in frozen for n in listed):
        fail(about(what, FROZEN_LISTED))
    if got_backbone == head and got_head == backbone and backbone != head:
        fail(about(what, SWAPPED))
    if any(n.startswith("fc") and not n.startswith("fc.") for n in got_head):
        fail(about(what, FC_PREFIX))
    for got, expected, wrong_group in (
        (got_backbone, backbone, N_("{what}: the backbone group should hold exactly the "
                                    "trainable parameters outside fc ({count} of them), in "
                                    "named_parameters() order")),
        (got_head, head, N_("{what}: the head group should hold exactly the trainable "
                            "parameters of fc ({count} of them), in named_parameters() order")),
    ):
        if got != expected:
            if sorted(got) == sorted(expected):
                fail(about(what, ORDER))
            fail(t(wrong_group, what=what, count=len(expected)),
                 t("it holds {count} parameters", count=len(got)))
    for got in lrs:
        if isinstance(got, bool) or not isinstance(got, float):
            fail(about(what, LR_NOT_FLOAT), t("a group's lr is {kind}", kind=_kind(got)))
    expected_lrs = (lr, lr * head_mult)

    def near(a: float, b: float) -> bool:
        return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)

    if all(near(g, e) for g, e in zip(lrs, expected_lrs, strict=True)):
        return
    if head_mult != 1 and near(lrs[0], lr * head_mult) and near(lrs[1], lr):
        fail(about(what, MULT_ON_BACKBONE))
    if head_mult != 1 and near(lrs[0], lr) and near(lrs[1], lr):
        fail(about(what, MULT_IGNORED))
    if head_mult != 10 and near(lrs[0], lr) and near(lrs[1], 10 * lr):
        fail(about(what, MULT_HARDCODED))
    fail(t("{what}: the groups' learning rates should be lr = {lr} for the backbone and "
           "lr * head_mult = {head_lr} for the head", what=what, lr=f"{lr:g}",
           head_lr=f"{lr * head_mult:g}"),
         t("they are {first} and {second}", first=repr(lrs[0]), second=repr(lrs[1])))


# ---------------------------------------------------------------------- the trainer (checker)


def permutations(n: int, epochs: int, source: str | int) -> list[torch.Tensor]:
    """Each epoch's order: from generator(seed) for an int (also how the global RNG draws after
    torch.manual_seed(seed)), or the identity for "arange"."""
    if source == "arange":
        return [torch.arange(n) for _ in range(epochs)]
    g = torch.Generator().manual_seed(int(source))
    return [torch.randperm(n, generator=g) for _ in range(epochs)]


class SGD:
    """torch.optim.SGD's update, step for step (the checker avoids torch.optim, whose first step
    imports torch._dynamo: a second of start-up)."""

    def __init__(self, groups: list[tuple[list, float]], momentum: float, weight_decay: float):
        self.groups, self.momentum, self.weight_decay = groups, momentum, weight_decay
        self.buffers: dict[int, torch.Tensor] = {}

    def zero_grad(self) -> None:
        for params, _ in self.groups:
            for p in params:
                p.grad = None

    @torch.no_grad()
    def step(self) -> None:
        for params, lr in self.groups:
            for p in params:
                if p.grad is None:
                    continue
                d_p = p.grad.add(p, alpha=self.weight_decay) if self.weight_decay else p.grad
                if self.momentum:
                    buf = self.buffers.get(id(p))
                    if buf is None:
                        buf = self.buffers[id(p)] = torch.clone(d_p).detach()
                    else:
                        buf.mul_(self.momentum).add_(d_p)
                    d_p = buf
                p.add_(d_p, alpha=-lr)


def train(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, epochs: int, lr: float,
          batch_size: int, perms: list[torch.Tensor], *, zero_grad: bool = True,
          loss_after: bool = False, weighted: bool = True, drop_last: bool = False,
          rebuild: bool = False, momentum: float = 0.9, lrs: tuple[float, float] | None = None,
          summed: str = "", ) -> tuple[list[float], dict[str, torch.Tensor]]:
    """The reference loop; every keyword switches on one mistake.

    ``summed``: the batch loss is F.cross_entropy(..., reduction="sum") (a step batch_size times
    too large), recorded as its sum ("sum": the epoch loss sum(batch sums) / N, which looks
    right) or multiplied by the batch length once more ("sum-weighted")."""
    lrs = lrs or (lr, lr * 10.0)

    def optimizer() -> SGD:
        named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
        groups = [([p for n, p in named if not n.startswith("fc.")], lrs[0]),
                  ([p for n, p in named if n.startswith("fc.")], lrs[1])]
        return SGD(groups, momentum=momentum, weight_decay=1e-3)

    opt = optimizer()
    model.train()
    losses = []
    for epoch in range(epochs):
        if rebuild:
            opt = optimizer()
        total, seen, count = 0.0, 0, 0
        for batch in perms[epoch].split(batch_size):
            if drop_last and len(batch) < batch_size:
                continue
            loss = F.cross_entropy(model(x[batch]), y[batch], reduction="sum" if summed else "mean")
            if zero_grad:
                opt.zero_grad()
            loss.backward()
            opt.step()
            value = loss.item()
            if summed == "sum":
                value /= len(batch)  # the sum of the sums divided by N
            if loss_after:
                with torch.no_grad():
                    value = F.cross_entropy(model(x[batch]), y[batch]).item()
            total += value * len(batch) if weighted else value
            seen += len(batch)
            count += 1
        losses.append(total / seen if weighted else total / count)
    return losses, {k: p.detach().clone() for k, p in model.named_parameters()}


@memoized
def oracle(start: torch.nn.Module, x, y, epochs, lr, batch_size, seed: int, *,
           global_seed: int | None = None):
    """Expected (losses, params) and the mistakes' (message, losses, params) for a start model.

    ``seed`` gives the expected order (generator(seed), or the global RNG after
    manual_seed(seed)); ``global_seed``, when a generator was passed, the order the global RNG
    would give instead.
    """
    n = len(x)
    perms = permutations(n, epochs, seed)
    run = lambda perms, **kw: train(copy.deepcopy(start), x, y, epochs, lr, batch_size,  # noqa: E731
                                    perms, **kw)
    expected = run(perms)
    variants = [
        (GRAD_NOT_ZEROED, dict(zero_grad=False)),
        (LOSS_AFTER_STEP, dict(loss_after=True)),
        (NOT_WEIGHTED, dict(weighted=False)),
        (REBUILT, dict(rebuild=True)),
        (LOOP_NO_MOMENTUM, dict(momentum=0.0)),
        (LOOP_MULT_ON_BACKBONE, dict(lrs=(lr * 10.0, lr))),
        (LOOP_MULT_IGNORED, dict(lrs=(lr, lr))),
        (SUMMED, dict(summed="sum")),
        (SUMMED, dict(summed="sum-weighted")),
    ]
    if n >= batch_size and n % batch_size:
        variants.append((LAST_BATCH, dict(drop_last=True)))
    wrong = [(message, *run(perms, **kw)) for message, kw in variants]
    wrong.append((NO_SHUFFLE, *run(permutations(n, epochs, "arange"))))
    if epochs > 1:
        wrong.append((ONE_PERMUTATION, *run([perms[0]] * epochs)))
    if global_seed is not None:
        wrong.append((NOT_GENERATOR, *run(permutations(n, epochs, global_seed))))
    return expected, merge_alike(wrong)


def merge_alike(wrong):
    """Mistakes that give the same run here (one batch per epoch, say) share one message."""
    merged: list[list] = []
    for message, losses, params in wrong:
        value = torch.cat([torch.tensor(losses, dtype=F64), flat(params, list(params))])
        for entry in merged:
            if entry[3].shape == value.shape and close(entry[3], value, 1e-9, 1e-12):
                if message not in entry[0]:
                    entry[0].append(message)
                break
        else:
            merged.append([[message], losses, params, value])
    return [(either(messages), losses, params) for messages, losses, params, _ in merged]


def either(messages: list[str]) -> str | Text:
    """One mistake's message, or "first; or second" for mistakes that look alike here."""
    text: str | Text = messages[0]
    for message in messages[1:]:
        text = t("{first}; or {second}", first=text, second=message)
    return text


LOOP = N_("(make_optimizer built once; per epoch one torch.randperm(N, generator=generator); per "
        "batch zero_grad, backward, step; losses the sample-weighted mean of the batch losses "
        "measured before each step)")


def expect_values(got: torch.Tensor, expected: torch.Tensor, wrong: list[tuple[str, torch.Tensor]],
                  *, what: str, dtype: torch.dtype) -> None:
    """got matches expected, or the first mistake whose values it matches is named."""
    rtol, atol = (1e-7, 1e-9) if dtype == F64 else (1e-4, 1e-5)
    if close(got, expected, rtol, atol):
        return
    for message, value in wrong:  # a mistake's run may diverge too: match it before saying so
        if close(got, value, rtol, atol):
            fail(about(what, message))
    if not torch.isfinite(got).all():
        fail(t("{what} contain nan or inf: the training diverged", what=what))
    fail(t("{what} differ from the loop the exercise describes {loop}", what=what, loop=LOOP))


def expect_losses(got: Any, expected: list[float], wrong, *, epochs: int, dtype: torch.dtype,
                  what: str) -> None:
    if not isinstance(got, (list, tuple)):
        fail(t("{what} should return a list of {epochs} Python floats", what=what, epochs=epochs),
             t("it returned {kind}", kind=_kind(got)))
    expect_epoch_count(got, epochs, what=what)
    if any(isinstance(v, bool) or not isinstance(v, float) for v in got):
        fail(about(what, NOT_FLOATS))
    expect_values(torch.tensor(got, dtype=F64), torch.tensor(expected, dtype=F64),
                  [(m, torch.tensor(losses, dtype=F64)) for m, losses, _ in wrong],
                  what=about(what, EPOCH_LOSSES), dtype=dtype)


def expect_epoch_count(got: Sequence, epochs: int, *, what: str) -> None:
    """One loss per epoch; one too many or too few is named."""
    if len(got) == epochs:
        return
    details = t("{count} losses for epochs={epochs}", count=len(got), epochs=epochs)
    if len(got) == epochs + 1:
        fail(about(what, EXTRA_EPOCH), details)
    if len(got) == epochs - 1:
        fail(about(what, MISSING_EPOCH), details)
    fail(t("{what} should return one loss per epoch ({epochs})", what=what, epochs=epochs),
         details)


def expect_same_head(module: dict, start: dict[str, torch.Tensor], *, what: str) -> None:
    """fine_tune trained the head the model was given instead of putting in a new one."""
    params = parameters(module)
    if set(params) != set(start) or any(params[n].shape != start[n].shape for n in params):
        fail(about(what, HEAD_RESHAPED))
    if not torch.equal(params["fc.bias"], start["fc.bias"]) and not params["fc.bias"].any():
        fail(about(what, HEAD_UNTRAINED))


def expect_weights(module: dict, expected: dict, wrong, *, dtype: torch.dtype, what: str) -> None:
    """The weights fine_tune left equal the reference loop's."""
    names = list(expected)
    expect_values(flat(parameters(module), names), flat(expected, names),
                  [(m, flat(p, names)) for m, _, p in wrong],
                  what=t("{what}: the model's weights after training", what=what), dtype=dtype)


# ---------------------------------------------------------------------- replace_head


def expect_xavier(weight: torch.Tensor, what: str) -> None:
    fan_out, fan_in = weight.shape
    a = math.sqrt(6 / (fan_in + fan_out))
    w = weight.detach().to(F64)
    if float(w.abs().max()) > a * (1 + 1e-5):
        fail(t("{what}: {reason} (weights lie outside ±{bound})", what=what, reason=NOT_XAVIER,
               bound=f"{a:.3f}"))
    if w.numel() >= 90:
        ratio = float(w.std()) / (a / math.sqrt(3))
        if not 0.75 < ratio < 1.25:
            fail(about(what, NOT_XAVIER))


def expect_zero_bias(bias: torch.Tensor, what: str) -> None:
    if bias.any():
        fail(about(what, BIAS_NOT_ZERO))


def expect_new_head(outcome, classes: int, *, what: str, fan_in: int = HIDDEN,
                    backbone_before: dict[str, torch.Tensor] | None = None,
                    dtype: torch.dtype = F32) -> dict[str, torch.Tensor]:
    """The returned model has a new, trainable head; the argument is that same model."""
    result = as_module(outcome.result, t("{what}'s result", what=what))
    size = head_size(result, what)
    if size[1] == 5 != classes:
        fail(about(what, OLD_CLASSES))
    if size != (fan_in, classes):
        fail(t("{what}: model.fc should be nn.Linear({fan_in}, {classes}) (use "
               "model.fc.in_features and num_classes)", what=what, fan_in=fan_in,
               classes=classes),
             t("it maps {inputs} -> {outputs}", inputs=size[0], outputs=size[1]))
    params = parameters(result)
    if not {"fc.weight", "fc.bias"} <= set(params):
        fail(t("{what}: model.fc should be an nn.Linear with a weight and a bias", what=what))
    weight, bias = params["fc.weight"], params["fc.bias"]
    if weight.dtype != dtype or bias.dtype != dtype:
        fail(t("{what}: the new head should be {dtype}, like the model: create it in "
               "the old head's dtype", what=what, dtype=str(dtype)[6:]),
             t("it is {kind}", kind=str(weight.dtype)[6:]))
    if not (flags(result)["fc.weight"] and flags(result)["fc.bias"]):
        fail(t("{what}: the new head's parameters must be trainable (requires_grad True)",
               what=what))
    old = PRETRAINED_STATE["fc.weight"]
    if fan_in == HIDDEN and weight.shape == old.shape and torch.allclose(weight.double(),
                                                                        old.double()):
        fail(about(what, NOT_NEW_HEAD))
    argument = as_module(outcome.args_after[0], t("the model passed to {what}", what=what))
    after = parameters(argument)
    if head_size(argument, what) != size or not torch.equal(after["fc.weight"], weight):
        fail(about(what, SAME_OBJECT))
    if backbone_before is not None:
        for name, value in backbone_before.items():
            if not torch.equal(after[name], value.to(after[name].dtype)):
                fail(about(what, BACKBONE_CHANGED))
    return params


@pytest.mark.points(2)
@pytest.mark.parametrize("classes", [3, 10, 1, 5])
def test_replace_head_output_size(sub, classes):
    """replace_head gives fc num_classes outputs on the same inputs and returns the same model."""
    outcome = sub.run("replace_head", helper_object(PRETRAINED), classes)
    expect_new_head(outcome, classes,
                    what=t("replace_head(pretrained TinyNet, {classes})", classes=classes))


@pytest.mark.points(2)
@pytest.mark.parametrize("classes", [5, 10, 3])
def test_replace_head_initialisation(sub, classes):
    """The new head has a xavier_uniform_ weight and a zero bias, even when the size is unchanged."""
    outcome = sub.run("replace_head", helper_object(PRETRAINED), classes)
    what = t("replace_head(pretrained TinyNet, {classes})", classes=classes)
    params = expect_new_head(outcome, classes, what=what)
    expect_xavier(params["fc.weight"], what)
    expect_zero_bias(params["fc.bias"], what)


@pytest.mark.points(1)
@pytest.mark.parametrize("frozen", [(), ("backbone",), ("backbone.0",)],
                         ids=["trainable", "frozen-backbone", "first-layer-frozen"])
def test_replace_head_keeps_backbone(sub, frozen):
    """The backbone keeps its values and its requires_grad; the new head is trainable."""
    outcome = sub.run("replace_head", model_spec(frozen=list(frozen)), 4)
    what = t("replace_head(model, 4)")
    backbone = {n: PRETRAINED_STATE[n] for n in BACKBONE}
    expect_new_head(outcome, 4, what=what, backbone_before=backbone)
    for module in (outcome.result, outcome.args_after[0]):
        got = flags(module)
        for name in BACKBONE:
            if got[name] != (not any(name.startswith(f + ".") for f in frozen)):
                fail(about(what, BACKBONE_CHANGED))


@pytest.mark.points(1)
def test_replace_head_float64_model(sub, rng):
    """On a float64 model the new head is float64 too, initialised the same way."""
    weight, bias = random_head(rng, 5)
    outcome = sub.run("replace_head", model_spec(weight=weight, bias=bias, dtype="float64"), 6)
    what = t("replace_head(float64 model, 6)")
    backbone = {n: PRETRAINED_STATE[n].double() for n in BACKBONE}
    params = expect_new_head(outcome, 6, what=what, backbone_before=backbone, dtype=F64)
    expect_xavier(params["fc.weight"], what)
    expect_zero_bias(params["fc.bias"], what)


@pytest.mark.points(1)
def test_replace_head_other_model(sub):
    """Any model with an nn.Linear fc: the new head takes fc.in_features inputs."""
    outcome = sub.run("replace_head", custom_spec(), 2)
    what = t("replace_head on a model whose fc is nn.Linear(6, 3), with num_classes=2")
    result = as_module(outcome.result, t("{what}: the result", what=what))
    if head_size(result, what) == (6, 3):
        fail(about(what, OLD_CLASSES))
    if head_size(result, what) != (6, 2):
        fail(t("{what}: model.fc should become nn.Linear(6, 2) (in_features from the old fc)",
               what=what))
    params = parameters(result)
    expect_xavier(params["fc.weight"], what)
    expect_zero_bias(params["fc.bias"], what)
    argument = as_module(outcome.args_after[0], what)
    if head_size(argument, what) != (6, 2):
        fail(about(what, SAME_OBJECT))


# ---------------------------------------------------------------------- param_groups


@pytest.mark.points(2)
@pytest.mark.parametrize(("lr", "head_mult"), [(0.01, None), (0.05, 3.0), (0.003, 0.5)],
                         ids=["default-mult", "mult-3", "mult-0.5"])
def test_param_groups_pretrained(sub, lr, head_mult):
    """Backbone parameters at lr, fc's at lr * head_mult, in named_parameters() order."""
    kwargs = {} if head_mult is None else {"head_mult": head_mult}
    outcome = sub.run("param_groups", helper_object(PRETRAINED), lr, **kwargs)
    what = t("param_groups(model, lr={lr})", lr=f"{lr:g}") if head_mult is None else t(
        "param_groups(model, lr={lr}, head_mult={head_mult})", lr=f"{lr:g}",
        head_mult=f"{head_mult:g}")
    expect_groups(outcome.result, what=what,
                  backbone=BACKBONE, head=HEAD, frozen=(), lr=lr,
                  head_mult=10.0 if head_mult is None else head_mult)
    after = as_module(outcome.args_after[0], THE_MODEL)
    if not all(flags(after).values()) or any(
        not torch.equal(v, PRETRAINED_STATE[n]) for n, v in parameters(after).items()
    ):
        fail(t("param_groups changed the model: it only lists the parameters"))


@pytest.mark.points(2)
@pytest.mark.parametrize(("frozen", "backbone", "head"), [
    pytest.param(["backbone"], [], HEAD, id="backbone-frozen"),
    pytest.param(["backbone.0"], BACKBONE[2:], HEAD, id="first-layer-frozen"),
    pytest.param(["fc"], BACKBONE, [], id="head-frozen"),
    pytest.param(["backbone.2.bias", "fc.bias"], BACKBONE[:3], ["fc.weight"], id="two-biases"),
])
def test_param_groups_leave_out_frozen(sub, frozen, backbone, head):
    """Frozen parameters appear in no group; there are still two groups, either may be empty."""
    outcome = sub.run("param_groups", model_spec(frozen=frozen), 0.02, 4.0)
    frozen_names = [n for n in BACKBONE + HEAD if n not in backbone + head]
    expect_groups(outcome.result, what="param_groups(model with frozen parameters, 0.02, 4)",
                  backbone=backbone, head=head, frozen=frozen_names, lr=0.02, head_mult=4.0)


@pytest.mark.points(1)
@pytest.mark.parametrize("frozen", [(), ("fc_in",)], ids=["trainable", "fc_in-frozen"])
def test_param_groups_other_model(sub, frozen):
    """Head = parameters under fc. (not fc_in), wherever fc is registered; order kept."""
    outcome = sub.run("param_groups", custom_spec(frozen), 0.1)
    backbone = [n for n in CUSTOM_BACKBONE if not any(n.startswith(f + ".") for f in frozen)]
    expect_groups(outcome.result, what="param_groups on a model with layers fc, fc_in and blocks",
                  backbone=backbone, head=["fc.weight", "fc.bias"],
                  frozen=[n for n in CUSTOM_ORDER if n not in backbone and not n.startswith("fc.")],
                  lr=0.1, head_mult=10.0)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", [F32, F64], ids=["float32", "float64"])
def test_param_groups_tensor_lr(sub, dtype):
    """lr may be a 0-dim tensor; the groups' learning rates are Python floats."""
    lr = torch.tensor(0.03, dtype=dtype)
    outcome = sub.run("param_groups", helper_object(PRETRAINED), lr, head_mult=2.0)
    expect_groups(outcome.result, what="param_groups(model, lr=torch.tensor(0.03), head_mult=2)",
                  backbone=BACKBONE, head=HEAD, frozen=(), lr=float(lr), head_mult=2.0)


# ---------------------------------------------------------------------- make_optimizer


def expect_sgd(got: Any, *, what: str, backbone, head, lr: float, momentum: float,
               weight_decay: float, frozen: Sequence[str] = ()) -> None:
    if not (isinstance(got, dict) and got.get("__object__") == "optimizer"):
        fail(t("{what} should return a torch.optim.SGD optimizer", what=what),
             t("it returned {kind}", kind=_kind(got)))
    if got.get("class") != "SGD":
        fail(t("{what} should return torch.optim.SGD", what=what),
             t("it returned {kind}", kind=t("a {type}", type=str(got.get("class"))[:40])))
    groups = got["param_groups"]
    expect_groups(groups, what=what, backbone=backbone, head=head, frozen=frozen, lr=lr,
                  head_mult=10.0)
    for group in groups:
        if group.get("momentum") == 0:
            fail(about(what, NO_MOMENTUM))
        if not math.isclose(float(group.get("momentum", -1)), momentum, abs_tol=1e-12):
            fail(t("{what}: the momentum should be {momentum} in both groups: pass "
                   "momentum=momentum to torch.optim.SGD", what=what, momentum=f"{momentum:g}"))
        if not math.isclose(float(group.get("weight_decay", -1)), weight_decay, abs_tol=1e-15):
            fail(about(what, WEIGHT_DECAY))
        if group.get("nesterov") or group.get("dampening", 0) != 0 or group.get("maximize"):
            fail(t("{what}: plain SGD with momentum: no nesterov, no dampening", what=what))


@pytest.mark.points(2)
def test_make_optimizer_defaults(sub):
    """SGD over param_groups(model, lr): head at 10·lr, momentum 0.9, weight decay 1e-3."""
    got = call(sub.make_optimizer, helper_object(PRETRAINED), 0.02, what="make_optimizer")
    expect_sgd(got, what="make_optimizer(model, 0.02)", backbone=BACKBONE, head=HEAD, lr=0.02,
               momentum=0.9, weight_decay=1e-3)


@pytest.mark.points(1)
@pytest.mark.parametrize(("momentum", "weight_decay"), [(0.5, 0.0), (0.95, 0.01)])
def test_make_optimizer_settings(sub, momentum, weight_decay):
    """momentum and weight_decay are passed on to both groups."""
    got = call(sub.make_optimizer, helper_object(PRETRAINED), 0.1, momentum=momentum,
               weight_decay=weight_decay, what="make_optimizer")
    expect_sgd(got, what=t("make_optimizer(model, 0.1, momentum={momentum}, "
                           "weight_decay={weight_decay})", momentum=f"{momentum:g}",
                           weight_decay=f"{weight_decay:g}"), backbone=BACKBONE, head=HEAD, lr=0.1,
               momentum=momentum, weight_decay=weight_decay)


@pytest.mark.points(1)
def test_make_optimizer_frozen_backbone_and_tensor_lr(sub):
    """A frozen backbone gives an empty first group; a 0-dim tensor lr gives float lrs."""
    lr = torch.tensor(0.01, dtype=F64)
    got = call(sub.make_optimizer, model_spec(frozen=["backbone"]), lr, what="make_optimizer")
    expect_sgd(got, what="make_optimizer(model with a frozen backbone, torch.tensor(0.01))",
               backbone=[], head=HEAD, lr=0.01, momentum=0.9, weight_decay=1e-3, frozen=BACKBONE)


# ---------------------------------------------------------------------- freeze_backbone


def expect_frozen(module: Any, *, what: str, head_flags: dict[str, bool],
                  values: dict[str, torch.Tensor] | None = None) -> None:
    module = as_module(module, what)
    got = flags(module)
    backbone = {n: f for n, f in got.items() if not n.startswith("fc.")}
    head = {n: f for n, f in got.items() if n.startswith("fc.")}
    if head != head_flags:
        if any(head_flags.values()) and not any(head.values()):
            fail(about(what, FROZE_EVERYTHING if not any(backbone.values())
                       else FROZE_HEAD_INSTEAD))
        fail(about(what, HEAD_FLAGS_CHANGED))
    if any(backbone.values()):
        if all(n.startswith("fc") for n, f in backbone.items() if f):
            fail(about(what, FC_PREFIX))
        fail(about(what, BACKBONE_TRAINABLE))
    if values is not None and any(
        not torch.equal(v, values[n].to(v.dtype)) for n, v in parameters(module).items()
    ):
        fail(t("{what}: freeze_backbone changed parameter values: it only sets requires_grad",
               what=what))


@pytest.mark.points(2)
def test_freeze_backbone_pretrained(sub):
    """Every backbone parameter gets requires_grad False, fc stays trainable; same model back."""
    outcome = sub.run("freeze_backbone", helper_object(PRETRAINED))
    what = t("freeze_backbone(pretrained TinyNet)")
    for module in (outcome.args_after[0], outcome.result):
        expect_frozen(module, what=what, head_flags={n: True for n in HEAD},
                      values=PRETRAINED_STATE)


@pytest.mark.points(1)
def test_freeze_backbone_other_model(sub):
    """Every parameter outside fc is frozen, fc_in and top-level parameters included."""
    outcome = sub.run("freeze_backbone", custom_spec())
    for module in (outcome.args_after[0], outcome.result):
        expect_frozen(module, what="freeze_backbone on a model with layers fc, fc_in and blocks",
                      head_flags={"fc.weight": True, "fc.bias": True})


@pytest.mark.points(1)
def test_freeze_backbone_leaves_head_as_is(sub, rng):
    """The head's requires_grad is left as it was (here fc.bias was frozen already)."""
    weight, bias = random_head(rng, 5)
    outcome = sub.run("freeze_backbone", model_spec(weight=weight, bias=bias, dtype="float64",
                                                    frozen=["fc.bias"]))
    for module in (outcome.args_after[0], outcome.result):
        expect_frozen(module, what="freeze_backbone(model whose fc.bias is frozen)",
                      head_flags={"fc.weight": True, "fc.bias": False})


# ---------------------------------------------------------------------- fine_tune


def subset(rng: torch.Generator, n: int, classes: int = 5):
    """n training samples (labels below ``classes``), chosen by rng, in float64."""
    x, y = TRAIN
    keep = torch.nonzero(y < classes).squeeze(1)
    index = keep[torch.randperm(len(keep), generator=rng)[:n]]
    return x[index].double(), y[index].clone()


def start_model(rng, *, classes=5, dtype="float64", frozen=()):
    weight, bias = random_head(rng, classes)
    kwargs = dict(weight=weight, bias=bias, dtype=dtype, frozen=list(frozen))
    return make_model(**kwargs), model_spec(**kwargs)


# id: (samples, epochs, lr, batch_size, classes, frozen)
RUNS = {
    "n50-b16": (50, 3, 0.05, 16, 5, ()),
    "n40-b64": (40, 2, 0.1, 64, 5, ()),
    "n9-b1": (9, 2, 0.02, 1, 5, ()),
    "classes3-b8": (30, 3, 0.05, 8, 3, ()),
    "frozen-backbone": (50, 3, 0.2, 16, 5, ("backbone",)),
    "small-steps": (40, 3, 0.002, 10, 5, ()),  # a summed batch loss stays finite here
}


@pytest.mark.points(4)
@pytest.mark.parametrize("dtype", DTYPES)
def test_fine_tune_losses_follow_generator(sub, rng, dtype):
    """Losses: sample-weighted means measured before each step, shuffled by `generator`."""
    x, y = subset(rng, 50)
    model, spec = start_model(rng, dtype=dtype)
    torch_dtype = getattr(torch, dtype)
    x = x.to(torch_dtype)
    seed = int(torch.randint(1000, (), generator=rng))
    expected, wrong = oracle(model, x, y, 3, 0.05, 16, seed, global_seed=sub.seed)
    got = call(sub.fine_tune, spec, x, y, 3, 0.05, 16, generator(seed), what="fine_tune")
    expect_losses(got, expected[0], wrong, epochs=3, dtype=torch_dtype,
                  what="fine_tune(model, x, y, epochs=3, lr=0.05, batch_size=16, generator)")


@pytest.mark.points(4)
@pytest.mark.parametrize("run_id", list(RUNS))
def test_fine_tune_trains_model(sub, rng, run_id):
    """The model is trained in place like the reference loop (global RNG when generator=None)."""
    n, epochs, lr, batch_size, classes, frozen = RUNS[run_id]
    x, y = subset(rng, n, classes)
    model, spec = start_model(rng, classes=classes, frozen=frozen)
    start = {k: p.detach().clone() for k, p in model.named_parameters()}
    expected, wrong = oracle(model, x, y, epochs, lr, batch_size, sub.seed)
    outcome = call(sub.run, "fine_tune", spec, x, y, epochs, lr, batch_size, what="fine_tune")
    what = t("fine_tune(model, x, y, epochs={epochs}, lr={lr}, batch_size={batch_size}) with "
             "{n} samples", epochs=epochs, lr=f"{lr:g}", batch_size=batch_size, n=n)
    module = as_module(outcome.args_after[0], about(what, THE_MODEL))
    expect_same_head(module, start, what=what)
    expect_losses(outcome.result, expected[0], wrong, epochs=epochs, dtype=F64, what=what)
    expect_weights(module, expected[1], wrong, dtype=F64, what=what)
    if frozen and any(
        not torch.equal(parameters(module)[k], start[k]) for k in BACKBONE
    ):
        fail(t("{what}: frozen parameters changed: they must stay exactly as they were",
               what=what))
    if flags(module) != {k: p.requires_grad for k, p in model.named_parameters()}:
        fail(t("{what}: fine_tune changed which parameters require grad", what=what))
    expect_untouched((x, y), outcome.args_after[1:3], what=what, names=("x", "y"))


@pytest.mark.points(1)
def test_fine_tune_float32_model(sub, rng):
    """A float32 model and float32 x train like the reference, to float32 precision."""
    x, y = subset(rng, 50)
    model, spec = start_model(rng, dtype="float32")
    x = x.float()
    start = {k: p.detach().clone() for k, p in model.named_parameters()}
    expected, wrong = oracle(model, x, y, 2, 0.05, 16, sub.seed)
    outcome = call(sub.run, "fine_tune", spec, x, y, 2, 0.05, 16, what="fine_tune")
    what = t("fine_tune(float32 model, x, y, epochs=2, lr=0.05, batch_size=16)")
    module = as_module(outcome.args_after[0], about(what, THE_MODEL))
    expect_same_head(module, start, what=what)
    expect_losses(outcome.result, expected[0], wrong, epochs=2, dtype=F32, what=what)
    expect_weights(module, expected[1], wrong, dtype=F32, what=what)


@pytest.mark.points(2)
@pytest.mark.parametrize("batch_size", [16, 7])
def test_fine_tune_lr_zero_gives_full_batch_loss(sub, rng, batch_size):
    """With lr=0 nothing moves, so every epoch's loss is the full-batch cross-entropy."""
    x, y = subset(rng, 40)
    model, spec = start_model(rng)
    with torch.no_grad():
        full = F.cross_entropy(model(x), y).item()
    perms = permutations(40, 2, sub.seed)
    wrong = []
    for message, kw in ((NOT_WEIGHTED, dict(weighted=False)), (LAST_BATCH, dict(drop_last=True))):
        losses, params = train(copy.deepcopy(model), x, y, 2, 0.0, batch_size, perms, **kw)
        wrong.append((message, losses, params))
    outcome = call(sub.run, "fine_tune", spec, x, y, 2, 0.0, batch_size, what="fine_tune")
    what = t("fine_tune(model, x, y, epochs=2, lr=0, batch_size={batch_size})",
             batch_size=batch_size)
    start = {k: p.detach().clone() for k, p in model.named_parameters()}
    module = as_module(outcome.args_after[0], about(what, THE_MODEL))
    expect_same_head(module, start, what=what)
    expect_losses(outcome.result, [full, full], wrong, epochs=2, dtype=F64, what=what)
    expect_values(flat(parameters(module), list(start)), flat(start, list(start)), [],
                  what=t("{what}: the weights (lr=0 leaves them as they were)", what=what),
                  dtype=F64)


@pytest.mark.points(1)
def test_fine_tune_tensor_lr(sub, rng):
    """lr may be a 0-dim tensor."""
    x, y = subset(rng, 30)
    model, spec = start_model(rng)
    expected, wrong = oracle(model, x, y, 2, 0.05, 8, sub.seed)
    got = call(sub.fine_tune, spec, x, y, 2, torch.tensor(0.05, dtype=F64), 8, what="fine_tune")
    expect_losses(got, expected[0], wrong, epochs=2, dtype=F64,
                  what="fine_tune(model, x, y, epochs=2, lr=torch.tensor(0.05), batch_size=8)")


@pytest.mark.points(1)
def test_fine_tune_zero_epochs(sub, rng):
    """epochs=0 returns an empty list and leaves the weights as they were."""
    x, y = subset(rng, 20)
    model, spec = start_model(rng)
    outcome = call(sub.run, "fine_tune", spec, x, y, 0, 0.1, 8, what="fine_tune")
    what = t("fine_tune(model, x, y, epochs=0, lr=0.1)")
    if not isinstance(outcome.result, (list, tuple)):
        fail(t("{what} should return an empty list", what=what),
             t("it returned {kind}", kind=_kind(outcome.result)))
    expect_epoch_count(outcome.result, 0, what=what)
    start = {k: p.detach().clone() for k, p in model.named_parameters()}
    module = as_module(outcome.args_after[0], about(what, THE_MODEL))
    expect_same_head(module, start, what=what)
    expect_values(flat(parameters(module), list(start)), flat(start, list(start)), [],
                  what=t("{what}: the weights (0 epochs leave them as they were)", what=what),
                  dtype=F64)


# ---------------------------------------------------------------------- behaviour

SEEDS = range(5)
BUDGET = dict(epochs=5, lr=0.03, batch_size=64)
THRESHOLD = 0.91  # mean test accuracy over SEEDS (reference 0.928, see calibrate_finetune.py)
MARGIN = 0.05  # over the from-scratch baseline (0.785)


def accuracy_of(params: dict[str, torch.Tensor]) -> float:
    model = tinynet.TinyNet(5)
    model.load_state_dict({k: v.float() for k, v in params.items()})
    return tinynet.accuracy(model, *TEST)


@functools.cache
def scratch_accuracy() -> float:
    """The from-scratch baseline: the same budget, loop and head, with a random backbone."""
    x, y = TRAIN
    accuracies = []
    for s in SEEDS:
        model = tinynet.from_scratch(5, seed=1000 + s)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(s)
            head = torch.nn.Linear(HIDDEN, 5)
            torch.nn.init.xavier_uniform_(head.weight)
            torch.nn.init.zeros_(head.bias)
        model.fc = head
        perms = permutations(len(x), BUDGET["epochs"], s)
        _, params = train(model, x, y, BUDGET["epochs"], BUDGET["lr"], BUDGET["batch_size"], perms)
        accuracies.append(accuracy_of(params))
    return sum(accuracies) / len(accuracies)


@pytest.mark.points(3)
def test_fine_tune_beats_training_from_scratch(sub):
    """Fine-tuned on digits 5-9, the pretrained TinyNet reaches 91 % test accuracy, far above scratch."""
    x, y = TRAIN
    accuracies = []
    what = t("fine_tune(pretrained TinyNet with a new head, 226 digits, epochs=5, lr=0.03)")
    seed = sub.seed
    try:
        for s in SEEDS:
            sub.seed = s  # generator=None: the global RNG, seeded with s, shuffles
            outcome = call(sub.run, "fine_tune",
                           built_by(source_fn(SEEDED_SOURCE, "make_seeded"), s), x, y,
                           BUDGET["epochs"], BUDGET["lr"], BUDGET["batch_size"], what=what)
            if not isinstance(outcome.result, (list, tuple)):
                fail(t("{what} should return 5 epoch losses", what=what),
                     t("it returned {kind}", kind=_kind(outcome.result)))
            expect_epoch_count(outcome.result, BUDGET["epochs"], what=what)
            module = as_module(outcome.args_after[0], about(what, THE_MODEL))
            if head_size(module, what) != (HIDDEN, 5):
                fail(about(what, HEAD_RESHAPED))
            accuracies.append(accuracy_of(parameters(module)))
    finally:
        sub.seed = seed
    mean = sum(accuracies) / len(accuracies)
    details = t("mean accuracy on the held-out test split {mean}", mean=f"{mean:.4f}")
    if not math.isfinite(mean) or mean < THRESHOLD:
        fail(t("{what}: the mean accuracy over 5 runs on the held-out test images is below the "
               "{threshold} that fine-tuning with the head at 10× reaches", what=what,
               threshold=f"{THRESHOLD:.0%}"), details)
    baseline = scratch_accuracy()
    if mean - baseline < MARGIN:
        fail(t("{what}: the mean accuracy on the held-out test images is not clearly above "
               "training from scratch with the same budget", what=what),
             t("{details}; from scratch {baseline}", details=details,
               baseline=f"{baseline:.4f}"))
