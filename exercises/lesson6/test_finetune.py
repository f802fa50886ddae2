"""Public checks for lesson 6: the pretrained TinyNet, its parameter names and the worked example.

Run them with `course check lesson6`. `sub` is your finetune.py: every call runs your code.
A model you pass in or return comes back as its parameters, by name (`backbone.0.weight`,
..., `fc.bias`); an optimizer comes back as its param_groups. The hidden tests check the same
rules on more models (float64, frozen parts, other layer names), other learning rates and
head_mult, the losses and weights of fine_tune step by step, and the accuracy fine-tuning
reaches on the fine-tuning task's test images, which the grader keeps (they do not ship).
Here the last check measures it on digits held out of the training split instead.
"""

import importlib.util
import math
from pathlib import Path

import pytest
import torch

from grader.checks import (
    N_,
    Mismatch,
    Mistake,
    RemoteRaised,
    Text,
    built_by,
    expect_close,
    expect_untouched,
    generator,
    helper_object,
    source_fn,
    t,
)

BACKBONE = ["backbone.0.weight", "backbone.0.bias", "backbone.2.weight", "backbone.2.bias"]
HEAD = ["fc.weight", "fc.bias"]
PRETRAINED = helper_object("tinynet.load_pretrained")

# The pretrained TinyNet, optionally with a head of all zeros (every logit is then 0, so the
# loss is log(5)), in float32 or float64, with the parameters named in `frozen` (or under a
# module named there) frozen.
MODEL = '''
def make(zero_head=False, dtype="float32", frozen=()):
    import tinynet
    net = tinynet.load_pretrained()
    if zero_head:
        net.fc = torch.nn.Linear(32, 5)
        torch.nn.init.zeros_(net.fc.weight)
        torch.nn.init.zeros_(net.fc.bias)
    net = net.to(getattr(torch, dtype))
    for prefix in frozen:
        for key, p in net.named_parameters():
            if key == prefix or key.startswith(prefix + "."):
                p.requires_grad = False
    return net
'''

# A model unlike TinyNet: a top-level parameter, fc registered before the other layers, and a
# layer fc_in whose name begins with "fc" but which is not the head.
CUSTOM = '''
def make_custom():
    nn = torch.nn

    class Other(nn.Module):
        def __init__(self):
            super().__init__()
            self.scale = nn.Parameter(torch.ones(6))   # the backbone's first parameter
            self.fc = nn.Linear(6, 3)                  # the head, registered second
            self.fc_in = nn.Linear(4, 6)               # not the head
            self.blocks = nn.Sequential(nn.Linear(6, 6), nn.Tanh())

        def forward(self, x):
            return self.fc(self.blocks(self.fc_in(x) * self.scale))

    return Other()
'''
CUSTOM_BACKBONE = ["scale", "fc_in.weight", "fc_in.bias", "blocks.0.weight", "blocks.0.bias"]

# The pretrained TinyNet with a new 5-class head made after torch.manual_seed(seed), as the
# reference replace_head makes it (so your fine_tune is measured on its own).
SEEDED = '''
def make_seeded(seed):
    import tinynet
    model = tinynet.load_pretrained()
    torch.manual_seed(seed)
    head = torch.nn.Linear(32, 5)
    torch.nn.init.xavier_uniform_(head.weight)
    torch.nn.init.zeros_(head.bias)
    model.fc = head
    return model
'''


def model(**kwargs):
    return built_by(source_fn(MODEL, "make"), **kwargs)


def custom_model():
    return built_by(source_fn(CUSTOM, "make_custom"))


def _tinynet():
    """This folder's tinynet.py, for the data and the pretrained weights."""
    spec = importlib.util.spec_from_file_location("_lesson6_tinynet", Path(__file__).parent / "tinynet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tinynet = _tinynet()
X, Y = tinynet.load_digits("finetune", "train")  # 226 digits 5-9, labels 0-4

# What each mistake looks like, in the words the hidden tests use too.
SAME_OBJECT = N_("replace_head must change the model it is given and return that same model "
                 "object (assign model.fc = ... and return model, no copy)")
OLD_CLASSES = N_("the new head must have num_classes outputs: nn.Linear(model.fc.in_features, "
                 "num_classes), not the old head's number of outputs")
NOT_NEW_HEAD = N_("the head was not replaced: with num_classes equal to the old number of outputs "
                  "the model must still get a new head")
NOT_XAVIER = N_("the new head's weight is not initialised by xavier_uniform_: nn.Linear's default "
                "init is U(±1/√fan_in); call nn.init.xavier_uniform_(head.weight)")
BIAS_NOT_ZERO = N_("the new head's bias must be a zero bias (nn.init.zeros_(head.bias))")
HEAD_FROZEN = N_("the new head must be trainable (requires_grad True), not a frozen head")
HEAD_TWICE = N_("the head's parameters are in both groups: PyTorch refuses that ('some parameters "
                "appear in more than one parameter group'); the backbone group holds only the "
                "parameters outside fc")
FROZEN_LISTED = N_("frozen parameters (requires_grad False) are listed in a group: leave them out "
                   "of both groups")
ORDER = N_("the parameters are not in named_parameters() order: keep that order inside each group")
FC_PREFIX = N_("a parameter whose name only begins with the letters 'fc' (fc_in.weight) is treated as "
               "the head's: the head is the module fc, whose parameters' names start with 'fc.'")
MULT_ON_BACKBONE = N_("the 10× is on the wrong group: the large learning rate (lr * head_mult) "
                      "belongs to the head, not the backbone, which keeps lr")
MULT_IGNORED = N_("the head learns at the backbone's rate: its group's lr must be lr * head_mult")
LR_NOT_FLOAT = N_("learning rates must be Python floats (float(lr)), also when lr is a 0-dim tensor")
NO_MOMENTUM = N_("the optimizer has no momentum: pass momentum=momentum to torch.optim.SGD")
FROZE_HEAD_INSTEAD = N_("freeze_backbone froze the head instead of the backbone: set requires_grad "
                        "False on every parameter outside fc and leave fc as it is")
FROZE_EVERYTHING = N_("freeze_backbone froze everything: the head must stay trainable (only "
                      "parameters outside fc get requires_grad False)")
HEAD_UNTRAINED = N_("fine_tune replaced the model's head: it trains the head the model has (was "
                    "the optimizer built before the head was replaced? build it with "
                    "make_optimizer after replace_head, and do not replace the head in fine_tune)")
NOT_FLOATS = N_("fine_tune must return the epoch losses as Python floats (loss.item()), not tensors")
EXTRA_EPOCH = N_("one epoch too many: the loop runs epochs + 1 times; loop over range(epochs) and "
                 "record one loss per epoch")
MISSING_EPOCH = N_("one epoch too few: the loop runs epochs - 1 times; loop over range(epochs) and "
                   "record one loss per epoch")
LOSS_AFTER_STEP = N_("each batch's loss is measured after its step: record the loss computed "
                     "before each step (the one you call backward() on)")
NOT_WEIGHTED = N_("the batch losses are averaged with equal weights: use the sample-weighted mean "
                  "sum(batch_loss · batch_len) / N")
LAST_BATCH = N_("the last batch (34 samples) is dropped: keep the short last slice of the permutation")
GRAD_NOT_ZEROED = N_("the gradients pile up from one step to the next: call optimizer.zero_grad() "
                     "before every backward()")
NO_SHUFFLE = N_("the samples are never shuffled: draw perm = torch.randperm(N, generator=generator) "
                "at the start of every epoch")
ONE_PERMUTATION = N_("one permutation is reused in every epoch: draw perm = torch.randperm(N, "
                     "generator=generator) anew at the start of each epoch")
NOT_GENERATOR = N_("the shuffling does not come from the generator argument: torch.randperm(N) "
                   "without generator=generator draws from the global RNG")
SUMMED = N_("the batch loss is a sum over the batch, not its mean: use F.cross_entropy's default "
            "reduction='mean' (a sum makes every step batch_size times too large)")
REBUILT = N_("the optimizer is rebuilt every epoch, which throws its momentum away: it must be "
             "built once, before the first epoch")
LOOP_NO_MOMENTUM = N_("the training matches SGD without momentum: make_optimizer must pass "
                      "momentum=0.9 (and weight_decay) to torch.optim.SGD")
LOOP_MULT_ON_BACKBONE = N_("the training matches 10× on the backbone instead of the head: "
                           "lr * head_mult belongs to the head, not the backbone")
LOOP_MULT_IGNORED = N_("the training matches the same lr for head and backbone: the head's group "
                       "gets lr * head_mult")

HEAD_AT_BASE_LR = N_("the head trains at lr instead of lr * head_mult: the 10× belongs to the head, "
                     "not the backbone (is it on the backbone's group, or missing?)")

# What a check looked at, in words a student reads in their own language.
YOUR_MODEL = N_("the model you passed")
EPOCH_LOSSES = N_("the epoch losses")


def check(condition: bool, feedback: Text, details=None) -> None:
    """Fail with ``feedback`` unless ``condition``; ``details`` (text, or a function making it,
    so a passing check never formats what it did not need) for the failure only."""
    if not condition:
        raise Mismatch(feedback, (details() if callable(details) else details) or "")


def about(what: Text | str, message: Text | str) -> Text:
    """``what: message``, a mistake's name after what the check looked at."""
    return t("{what}: {reason}", what=what, reason=message)


def call(function, *args, what, **kwargs):
    """``function(*args)``, naming the head-in-both-groups mistake when PyTorch refuses it."""
    try:
        return function(*args, **kwargs)
    except RemoteRaised as raised:
        if "more than one parameter group" in raised.message:
            raise Mismatch(about(what, HEAD_TWICE), raised.details_text or raised.details) from None
        raise


def tensor(*values):
    return torch.tensor(values, dtype=torch.float64)


def got_fc(result) -> Text:
    return t("got fc = {fc}", fc=str(result.get("fc")))


def got_bias(bias) -> Text:
    return t("got bias {bias}", bias=str(bias.tolist()))


def largest_weight(weight, bound: float) -> Text:
    return t("the largest |weight| is {largest}; xavier's bound is {bound}",
             largest=f"{float(weight.abs().max()):.4f}", bound=f"{bound:.4f}")


def module(value, what):
    """A model that came back as data: a dict with its parameters, fc's size, ..."""
    check(isinstance(value, dict) and value.get("__object__") == "module"
          and isinstance(value.get("parameters"), dict),
          t("{what} should be the model (an nn.Module)", what=what),
          lambda: t("got {got}", got=str(value)[:200]))
    return value


def group_names(groups, what):
    """[(names, lr), (names, lr)] from param_groups' result (or an optimizer's groups)."""
    check(isinstance(groups, (list, tuple)) and len(groups) == 2
          and all(isinstance(g, dict) and {"params", "lr"} <= set(g) for g in groups),
          t("{what} should give exactly two groups {{'params': [...], 'lr': ...}}, backbone "
            "first, then the head, even when one of them is empty", what=what),
          lambda: t("got {got}", got=str(groups)[:300]))
    out = []
    for group in groups:
        names = [p["name"] if isinstance(p, dict) else p for p in group["params"]]
        out.append((names, group["lr"]))
    return out


def expect_groups(groups, what, backbone, head, lrs, frozen=()):
    """Two groups holding exactly these names, in order, at these learning rates."""
    (got_backbone, lr_backbone), (got_head, lr_head) = group_names(groups, what)
    details = t("expected {backbone} at {backbone_lr} and {head} at {head_lr}\n     got "
                "{got_backbone} at {got_backbone_lr} and {got_head} at {got_head_lr}",
                backbone=str(backbone), backbone_lr=str(lrs[0]), head=str(head),
                head_lr=str(lrs[1]), got_backbone=str(got_backbone),
                got_backbone_lr=repr(lr_backbone), got_head=str(got_head),
                got_head_lr=repr(lr_head))
    check(not set(got_backbone) & set(got_head), about(what, HEAD_TWICE), details)
    check(not any(n in frozen for n in got_backbone + got_head), about(what, FROZEN_LISTED),
          details)
    check(not any(n.startswith("fc") and not n.startswith("fc.") for n in got_head),
          about(what, FC_PREFIX), details)
    for got, want, wrong_group in (
        (got_backbone, backbone, N_("{what}: the backbone group should hold exactly the "
                                    "trainable parameters outside fc")),
        (got_head, head, N_("{what}: the head group should hold exactly the trainable "
                            "parameters of fc")),
    ):
        if got != want and sorted(got) == sorted(want):
            check(False, about(what, ORDER), details)
        check(got == want, t(wrong_group, what=what), details)
    check(all(type(lr) is float for lr in (lr_backbone, lr_head)), about(what, LR_NOT_FLOAT),
          details)
    if not (math.isclose(lr_backbone, lrs[0]) and math.isclose(lr_head, lrs[1])):
        check(not (math.isclose(lr_backbone, lrs[1]) and math.isclose(lr_head, lrs[0])),
              about(what, MULT_ON_BACKBONE), details)
        check(not math.isclose(lr_head, lr_backbone), about(what, MULT_IGNORED), details)
        check(False, t("{what}: the learning rates should be lr for the backbone and "
                       "lr * head_mult for the head", what=what), details)


# ---------------------------------------------------------------------- replace_head


@pytest.mark.points(2)
def test_replace_head_new_output_layer(sub):
    """replace_head(pretrained, 3) gives fc = Linear(32, 3), xavier weight, zero bias, same model."""
    outcome = sub.run("replace_head", PRETRAINED, 3)
    what = t("replace_head(pretrained TinyNet, 3)")
    result = module(outcome.result, t("what {what} returns", what=what))
    passed = module(outcome.args_after[0], YOUR_MODEL)
    size = got_fc(result)
    check(result.get("fc", {}) != {"in_features": 32, "out_features": 5}, about(what, OLD_CLASSES),
          size)
    check(result.get("fc") == {"in_features": 32, "out_features": 3},
          t("{what}: model.fc should be nn.Linear(32, 3): model.fc.in_features inputs, "
            "num_classes outputs", what=what), size)
    weight, bias = result["parameters"]["fc.weight"], result["parameters"]["fc.bias"]
    check(weight.requires_grad and bias.requires_grad, about(what, HEAD_FROZEN))
    bound = math.sqrt(6 / (32 + 3))  # xavier_uniform_ draws from U(-bound, bound)
    largest = largest_weight(weight, bound)
    check(float(weight.abs().max()) <= bound, about(what, NOT_XAVIER), largest)
    check(float(weight.abs().max()) > 1 / math.sqrt(32), about(what, NOT_XAVIER), largest)
    check(not bias.detach().any(), about(what, BIAS_NOT_ZERO), got_bias(bias))
    check(passed.get("fc", {}).get("out_features") == 3, about(what, SAME_OBJECT))


@pytest.mark.points(1)
def test_replace_head_keeps_backbone(sub):
    """replace_head(model, 5) keeps every backbone value and flag and still puts in a new head.

    Here backbone.0 is frozen, and the new head is trainable although the size is unchanged."""
    outcome = sub.run("replace_head", model(frozen=["backbone.0"]), 5)
    what = t("replace_head(pretrained TinyNet with backbone.0 frozen, 5)")
    result = module(outcome.result, t("what {what} returns", what=what))
    pretrained = tinynet.load_pretrained()
    for name, value in pretrained.named_parameters():
        if name.startswith("backbone."):
            expect_close(result["parameters"][name].detach(), value.detach(),
                         what=t("{what}: {name}", what=what, name=name))
            check(result["parameters"][name].requires_grad == (not name.startswith("backbone.0.")),
                  t("{what}: the backbone keeps its requires_grad flags ({name})", what=what,
                    name=name))
    check(not torch.equal(result["parameters"]["fc.weight"], pretrained.fc.weight.detach()),
          about(what, NOT_NEW_HEAD))
    check(result["parameters"]["fc.weight"].requires_grad
          and result["parameters"]["fc.bias"].requires_grad, about(what, HEAD_FROZEN))


@pytest.mark.points(1)
def test_replace_head_float64_model(sub):
    """On a float64 model the new head is float64 too (the old head's dtype)."""
    result = module(sub.replace_head(model(dtype="float64"), 4), t("what replace_head returns"))
    what = t("replace_head(float64 model, 4)")
    size = got_fc(result)
    check(result.get("fc", {}) != {"in_features": 32, "out_features": 5},
          about(what, OLD_CLASSES), size)
    check(result.get("fc") == {"in_features": 32, "out_features": 4},
          t("{what}: model.fc should be nn.Linear(32, 4)", what=what), size)
    weight, bias = result["parameters"]["fc.weight"], result["parameters"]["fc.bias"]
    check(weight.dtype == bias.dtype == torch.float64,
          t("{what}: the new head should be float64 like the model: "
            "nn.Linear(..., dtype=model.fc.weight.dtype)", what=what),
          t("got {got}", got=str(weight.dtype)))
    bound = math.sqrt(6 / (32 + 4))  # xavier_uniform_'s bound; nn.Linear's default is 1/√32
    check(1 / math.sqrt(32) < float(weight.abs().max()) <= bound, about(what, NOT_XAVIER),
          largest_weight(weight, bound))
    check(not bias.any(), about(what, BIAS_NOT_ZERO), got_bias(bias))


# ---------------------------------------------------------------------- param_groups


@pytest.mark.points(2)
def test_param_groups_backbone_then_head(sub):
    """param_groups(pretrained, 0.01): the 4 backbone parameters at 0.01, fc's 2 at 0.1.

    The model itself is not changed."""
    what = t("param_groups(pretrained TinyNet, 0.01)")
    outcome = sub.run("param_groups", PRETRAINED, 0.01)
    expect_groups(outcome.result, what, BACKBONE, HEAD, (0.01, 0.1))
    after = module(outcome.args_after[0], YOUR_MODEL)["parameters"]
    for name, value in tinynet.load_pretrained().named_parameters():
        check(after[name].requires_grad and torch.equal(after[name].detach(), value.detach()),
              t("{what}: param_groups changed the model ({name}): it only lists the parameters",
                what=what, name=name))


@pytest.mark.points(1)
@pytest.mark.parametrize(("frozen", "backbone", "head"), [
    pytest.param("backbone", [], HEAD, id="backbone-frozen"),
    pytest.param("fc", BACKBONE, [], id="head-frozen"),
])
def test_param_groups_leave_out_frozen(sub, frozen, backbone, head):
    """Frozen parameters appear in no group; there are still two groups (one empty)."""
    what = t("param_groups(pretrained TinyNet with {frozen} frozen, 0.02, head_mult=5)",
             frozen=frozen)
    expect_groups(sub.param_groups(model(frozen=[frozen]), 0.02, 5.0), what, backbone, head,
                  (0.02, 0.1), frozen=[n for n in BACKBONE + HEAD if n.startswith(frozen + ".")])


@pytest.mark.points(1)
def test_param_groups_tensor_lr(sub):
    """lr may be a 0-dim tensor: the groups' learning rates are still Python floats."""
    what = t("param_groups(pretrained TinyNet, torch.tensor(0.25), head_mult=2)")
    expect_groups(sub.param_groups(PRETRAINED, torch.tensor(0.25), head_mult=2.0), what,
                  BACKBONE, HEAD, (0.25, 0.5))


@pytest.mark.points(1)
def test_param_groups_other_model(sub):
    """The head is the module fc (names starting with 'fc.'), wherever it is registered."""
    what = t("param_groups(model with layers scale, fc, fc_in and blocks, 0.1)")
    expect_groups(sub.param_groups(custom_model(), 0.1), what, CUSTOM_BACKBONE, HEAD, (0.1, 1.0))


# ---------------------------------------------------------------------- make_optimizer


@pytest.mark.points(1)
@pytest.mark.parametrize(("lr", "kwargs", "momentum", "weight_decay", "what"), [
    pytest.param(0.01, {}, 0.9, 1e-3, t("make_optimizer(pretrained TinyNet, 0.01)"),
                 id="defaults"),
    pytest.param(0.01, {"momentum": 0.5, "weight_decay": 0.01}, 0.5, 0.01,
                 t("make_optimizer(pretrained TinyNet, 0.01, momentum=0.5, weight_decay=0.01)"),
                 id="settings"),
    pytest.param(torch.tensor(0.01, dtype=torch.float64), {}, 0.9, 1e-3,
                 t("make_optimizer(pretrained TinyNet, torch.tensor(0.01))"), id="tensor-lr"),
])
def test_make_optimizer(sub, lr, kwargs, momentum, weight_decay, what):
    """make_optimizer: SGD over param_groups (0.01 and 0.1) with momentum and weight decay."""
    optimizer = call(sub.make_optimizer, PRETRAINED, lr, what=what, **kwargs)
    check(isinstance(optimizer, dict) and optimizer.get("class") == "SGD",
          t("{what} should return a torch.optim.SGD", what=what),
          lambda: t("got {got}", got=str(optimizer)[:200]))
    groups = optimizer["param_groups"]
    expect_groups(groups, what, BACKBONE, HEAD, (0.01, 0.1))
    for group in groups:
        settings = t("got momentum {momentum}, weight_decay {weight_decay}",
                     momentum=repr(group.get("momentum")),
                     weight_decay=repr(group.get("weight_decay")))
        check(group.get("momentum") != 0 or momentum == 0, about(what, NO_MOMENTUM), settings)
        check(group.get("momentum") == momentum and group.get("weight_decay") == weight_decay,
              t("{what}: both groups get momentum={momentum} and weight_decay={weight_decay}: "
                "pass momentum=momentum, weight_decay=weight_decay to torch.optim.SGD",
                what=what, momentum=str(momentum), weight_decay=str(weight_decay)), settings)


# ---------------------------------------------------------------------- freeze_backbone


@pytest.mark.points(1)
@pytest.mark.parametrize(("spec", "head_flags", "names"), [
    pytest.param(PRETRAINED, {"fc.weight": True, "fc.bias": True}, BACKBONE, id="pretrained"),
    pytest.param(model(frozen=["fc.bias"]), {"fc.weight": True, "fc.bias": False}, BACKBONE,
                 id="fc.bias-already-frozen"),
    pytest.param(custom_model(), {"fc.weight": True, "fc.bias": True}, CUSTOM_BACKBONE,
                 id="other-model"),
])
def test_freeze_backbone(sub, spec, head_flags, names):
    """freeze_backbone: every parameter outside fc gets requires_grad False; fc is left as it was.

    The model passed in is changed and returned."""
    outcome = sub.run("freeze_backbone", spec)
    for label, value in ((N_("the returned model"), outcome.result),
                         (N_("the model you were given"), outcome.args_after[0])):
        what = t("freeze_backbone: {label}", label=label)
        got = {n: bool(p.requires_grad) for n, p in module(value, what)["parameters"].items()}
        expected = {**{n: False for n in names}, **head_flags}
        details = t("expected requires_grad {expected}\n     got {got}", expected=str(expected),
                    got=str(got))
        head = {n: got.get(n) for n in head_flags}
        if head != head_flags and not any(head.values()):
            check(any(got.get(n) for n in names), about(what, FROZE_EVERYTHING), details)
            check(False, about(what, FROZE_HEAD_INSTEAD), details)
        check(head == head_flags, t("{what}: leave fc's requires_grad as it was", what=what),
              details)
        still = [n for n in names if got.get(n)]
        check(not still or not all(n.startswith("fc") for n in still), about(what, FC_PREFIX),
              details)
        check(got == expected, t("{what}: every parameter outside fc should have requires_grad "
                                 "False", what=what), details)


# ---------------------------------------------------------------------- fine_tune


def expect_losses(losses, epochs, what):
    def got():
        return t("got {got}", got=str(losses)[:200])

    check(isinstance(losses, list),
          t("{what} should return a list of {epochs} Python floats", what=what, epochs=epochs),
          got)
    count = t("got {count} losses", count=len(losses))
    check(len(losses) != epochs + 1, about(what, EXTRA_EPOCH), count)
    check(len(losses) != epochs - 1, about(what, MISSING_EPOCH), count)
    check(len(losses) == epochs,
          t("{what} should return one loss per epoch ({epochs})", what=what, epochs=epochs), count)
    check(all(type(v) is float for v in losses), about(what, NOT_FLOATS), got)
    return torch.tensor(losses, dtype=torch.float64)


@pytest.mark.points(1)
def test_fine_tune_lr_zero(sub):
    """With lr=0 and a zero head nothing moves: every epoch's loss is log(5) = 1.6094.

    The losses are Python floats; x and y are untouched; epochs=0 gives []."""
    x, y = X.clone(), Y.clone()
    what = t("fine_tune(zero-head model, x, y, epochs=2, lr=0, batch_size=64)")
    outcome = call(sub.run, "fine_tune", model(zero_head=True), x, y, 2, 0.0, 64, what=what)
    losses = expect_losses(outcome.result, 2, what)
    after = module(outcome.args_after[0], YOUR_MODEL)
    check(not after["parameters"]["fc.weight"].any() and after.get("fc") == {
        "in_features": 32, "out_features": 5}, about(what, HEAD_UNTRAINED))
    # a zero head gives every class the same score, and lr=0 changes nothing
    expect_close(losses, tensor(math.log(5), math.log(5)), what=about(what, EPOCH_LOSSES))
    expect_untouched((x, y), outcome.args_after[1:3], what=what, names=("x", "y"))
    what = t("fine_tune(zero-head model, x, y, epochs=0, lr=0.03)")
    expect_losses(sub.fine_tune(model(zero_head=True), x, y, 0, 0.03), 0, what)


@pytest.mark.points(2)
def test_fine_tune_worked_example(sub):
    """Zero head, 3 epochs, lr 0.03, batch 64, generator(0) on the 226 digits: the losses fall."""
    sub.seed = 1  # the global RNG (which your fine_tune must not use) starts from seed 1
    what = t("fine_tune(zero-head model, x, y, 3, 0.03, 64, generator(0))")
    losses = expect_losses(call(sub.fine_tune, model(zero_head=True), X, Y, 3, 0.03, 64,
                                generator(0), what=what), 3, what)
    # 226 samples: each epoch takes 4 steps, on 64, 64, 64 and 34 samples
    expect_close(losses, tensor(1.391389, 0.765242, 0.466502), rtol=1e-4, atol=1e-5,
                 what=about(what, EPOCH_LOSSES), mistakes=[
                     Mistake(LOSS_AFTER_STEP, tensor(1.133088, 0.645945, 0.365436)),
                     Mistake(NOT_WEIGHTED, tensor(1.363539, 0.743852, 0.460708)),
                     Mistake(LAST_BATCH, tensor(1.433472, 0.905094, 0.647335)),
                     Mistake(GRAD_NOT_ZEROED, tensor(1.388453, 1.528918, 5.547019)),
                     Mistake(NO_SHUFFLE, tensor(1.355491, 0.696622, 0.410107)),
                     Mistake(ONE_PERMUTATION, tensor(1.391389, 0.743153, 0.405421)),
                     Mistake(NOT_GENERATOR, tensor(1.379723, 0.694659, 0.417564)),
                     Mistake(REBUILT, tensor(1.391389, 0.794583, 0.608960)),
                     Mistake(LOOP_NO_MOMENTUM, tensor(1.428453, 1.064150, 0.899921)),
                     Mistake(LOOP_MULT_ON_BACKBONE, tensor(1.578368, 1.314246, 0.886945)),
                     Mistake(LOOP_MULT_IGNORED, tensor(1.578725, 1.362160, 1.083231)),
                     Mistake(SUMMED, tensor(33146.776467, 52595.340532, 51.514768)),
                     Mistake(SUMMED, tensor(1213950.906267, 3365793.886574, 3131.791268)),
                 ])


@pytest.mark.points(1)
@pytest.mark.parametrize(("lr", "dtype"), [
    pytest.param(0.001, "float32", id="float-lr"),
    pytest.param(torch.tensor(0.001, dtype=torch.float64), "float32", id="tensor-lr"),
    pytest.param(0.001, "float64", id="float64-model"),
])
def test_fine_tune_frozen_backbone(sub, lr, dtype):
    """Backbone frozen, zero head, 2 epochs, lr 0.001, generator(0): only the head moves.

    The losses are [1.598789, 1.517246] and fc.bias ends at the values below (float32 or
    float64)."""
    what = t("fine_tune({dtype} zero-head model with the backbone frozen, x, y, 2, lr=0.001, 64, "
             "generator(0))", dtype=dtype)
    x = X.to(getattr(torch, dtype))
    frozen_model = model(zero_head=True, frozen=["backbone"], dtype=dtype)
    losses = expect_losses(call(sub.fine_tune, frozen_model, x, Y, 2, lr, 64, generator(0),
                                what=what), 2, what)
    # With the backbone frozen, only the head can learn: equal losses mean it did not.
    check(abs(losses[0] - losses[1]) > 1e-6,
          t("{what}: the loss does not change from one epoch to the next, so the head is not "
            "learning: {reason}", what=what, reason=HEAD_UNTRAINED),
          lambda: t("got {got}", got=str(losses.tolist())))
    expect_close(losses, tensor(1.598789, 1.517246), rtol=1e-4, atol=1e-5,
                 what=about(what, EPOCH_LOSSES), mistakes=[
                     Mistake(SUMMED, tensor(1.257911, 0.683905)),
                     Mistake(SUMMED, tensor(76.468398, 41.364684)),
                     Mistake(LOSS_AFTER_STEP, tensor(1.582843, 1.487701)),
                     Mistake(NOT_WEIGHTED, tensor(1.597196, 1.511316)),
                     Mistake(LAST_BATCH, tensor(1.601196, 1.550977)),
                     Mistake(GRAD_NOT_ZEROED, tensor(1.595290, 1.395298)),
                     Mistake(NO_SHUFFLE, tensor(1.596158, 1.513520)),
                     Mistake(ONE_PERMUTATION, tensor(1.598789, 1.515381)),
                     Mistake(REBUILT, tensor(1.598789, 1.538428)),
                     Mistake(LOOP_NO_MOMENTUM, tensor(1.601600, 1.574743)),
                     Mistake(HEAD_AT_BASE_LR, tensor(1.608353, 1.599589)),
                 ])
    # The same run, with generator=None: the global RNG, seeded with 0, shuffles the same way;
    # the model comes back, trained in place.
    sub.seed = 0
    outcome = call(sub.run, "fine_tune", frozen_model, x, Y, 2, lr, 64, what=what)
    after = module(outcome.args_after[0], YOUR_MODEL)
    pretrained = dict(tinynet.load_pretrained().named_parameters())
    for name in BACKBONE:
        check(not after["parameters"][name].requires_grad,
              t("{what}: fine_tune must leave requires_grad as it was (the backbone stays frozen)",
                what=what))
        expect_close(after["parameters"][name].detach(), pretrained[name].detach().to(x.dtype),
                     what=t("{what}: the frozen {name} (it must not change)", what=what,
                            name=name))
    expect_close(after["parameters"]["fc.bias"].detach(),
                 torch.tensor([-0.003154, 0.002141, 0.002781, -0.000706, -0.001062], dtype=x.dtype),
                 rtol=1e-3, atol=2e-6, what=t("{what}: fc.bias after training, in place",
                                              what=what))
    expect_untouched((x, Y), outcome.args_after[1:3], what=what, names=("x", "y"))


@pytest.mark.points(1)
def test_fine_tune_beats_training_from_scratch(sub):
    """Fine-tuned on 150 of the 226 training digits, the pretrained TinyNet is 85 % accurate on the rest.

    5 epochs, lr 0.03, batch 64, a new head, 2 runs (the reference: 92.8 %, a from-scratch
    TinyNet 67.1 %)."""
    keep = torch.arange(len(X)) % 3 != 0
    x, y, x_held, y_held = X[keep], Y[keep], X[~keep], Y[~keep]
    what = t("fine_tune(pretrained TinyNet with a new head, 150 digits, epochs=5, lr=0.03)")
    accuracies = []
    for seed in (0, 1):
        sub.seed = seed  # generator=None: the global RNG, seeded with `seed`, shuffles
        outcome = call(sub.run, "fine_tune", built_by(source_fn(SEEDED, "make_seeded"), seed),
                       x, y, 5, 0.03, 64, what=what)
        expect_losses(outcome.result, 5, what)
        after = module(outcome.args_after[0], YOUR_MODEL)
        check(after.get("fc") == {"in_features": 32, "out_features": 5},
              t("{what}: fine_tune must train the model's own head, not replace it", what=what))
        net = tinynet.TinyNet(5)
        net.load_state_dict({k: v.detach().float() for k, v in after["parameters"].items()})
        accuracies.append(tinynet.accuracy(net, x_held, y_held))
    mean = sum(accuracies) / len(accuracies)
    check(mean >= 0.85, t("{what}: the mean accuracy on the 76 held-out training digits should "
                          "be at least 85 %", what=what),
          t("got {mean} (runs: {runs})", mean=f"{mean:.1%}",
            runs=", ".join(f"{a:.1%}" for a in accuracies)))
