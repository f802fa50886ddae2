"""Public checks for lesson 6: the pretrained TinyNet, its parameter names and the worked example.

Run them with `course check lesson6`. `sub` is your finetune.py: every call runs your code.
A model you pass in or return comes back as its parameters, by name (`backbone.0.weight`,
..., `fc.bias`); an optimizer comes back as its param_groups. The hidden tests check more
models (float64, frozen parts, other layer names), other learning rates and head_mult, the
losses of fine_tune step by step, and the accuracy fine-tuning reaches on digits 5-9.
"""

import importlib.util
import math
from pathlib import Path

import pytest
import torch

from grader.checks import Mistake, built_by, expect_close, generator, helper_object, source_fn
from grader.checks import Mismatch

BACKBONE = ["backbone.0.weight", "backbone.0.bias", "backbone.2.weight", "backbone.2.bias"]
HEAD = ["fc.weight", "fc.bias"]
PRETRAINED = helper_object("tinynet.load_pretrained")

# The pretrained TinyNet with a head of all zeros: every logit is 0, so the loss is log(5).
ZERO_HEAD = '''
def make(frozen_backbone=False):
    import tinynet
    model = tinynet.load_pretrained()
    model.fc = torch.nn.Linear(32, 5)
    torch.nn.init.zeros_(model.fc.weight)
    torch.nn.init.zeros_(model.fc.bias)
    if frozen_backbone:
        model.backbone.requires_grad_(False)
    return model
'''


def zero_head_model(frozen_backbone=False):
    return built_by(source_fn(ZERO_HEAD, "make"), frozen_backbone)


def _tinynet():
    """This folder's tinynet.py, for the data and the pretrained weights."""
    spec = importlib.util.spec_from_file_location("_lesson6_tinynet", Path(__file__).parent / "tinynet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tinynet = _tinynet()
X, Y = tinynet.load_digits("finetune", "train")  # 226 digits 5-9, labels 0-4


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Mismatch(message)


def group_names(groups, what):
    """[(names, lr), (names, lr)] from param_groups' result (or an optimizer's groups)."""
    check(isinstance(groups, (list, tuple)) and len(groups) == 2
          and all(isinstance(g, dict) and {"params", "lr"} <= set(g) for g in groups),
          f"{what} should give exactly two groups {{'params': [...], 'lr': ...}}: backbone "
          f"first, then the head")
    out = []
    for group in groups:
        names = [p["name"] if isinstance(p, dict) else p for p in group["params"]]
        out.append((names, group["lr"]))
    return out


def module(value, what):
    """A model that came back as data: a dict with its parameters, fc's size, ..."""
    check(isinstance(value, dict) and value.get("__object__") == "module",
          f"{what} should be the model (an nn.Module)")
    return value


@pytest.mark.points(2)
def test_replace_head_new_output_layer(sub):
    """replace_head(pretrained, 3) gives fc = Linear(32, 3), xavier weight, zero bias, same model."""
    outcome = sub.run("replace_head", PRETRAINED, 3)
    what = "replace_head(pretrained TinyNet, 3)"
    model = module(outcome.result, f"what {what} returns")
    passed = module(outcome.args_after[0], "the model you passed")
    check(model["fc"] == {"in_features": 32, "out_features": 3},
          f"{what}: model.fc should be nn.Linear(32, 3) (num_classes outputs), got {model['fc']}")
    weight, bias = model["parameters"]["fc.weight"], model["parameters"]["fc.bias"]
    check(weight.requires_grad and bias.requires_grad, f"{what}: the new head must be trainable")
    expect_close(bias.detach(), torch.zeros(3), what=f"{what}: the new head's bias (zero bias)")
    bound = math.sqrt(6 / (32 + 3))  # xavier_uniform_ draws from U(-bound, bound)
    check(float(weight.abs().max()) <= bound,
          f"{what}: fc.weight should come from nn.init.xavier_uniform_, within ±{bound:.3f}")
    check(float(weight.abs().max()) > 1 / math.sqrt(32),
          f"{what}: fc.weight looks like nn.Linear's default init, not xavier_uniform_")
    check(passed["fc"]["out_features"] == 3,
          f"{what}: the model you were given still has its old head: change it in place and "
          f"return the same model object")


@pytest.mark.points(1)
def test_replace_head_keeps_backbone(sub):
    """The backbone's weights are exactly the pretrained ones after replace_head."""
    model = module(sub.replace_head(PRETRAINED, 5), "what replace_head returns")
    pretrained = tinynet.load_pretrained()
    for name, value in pretrained.named_parameters():
        if name.startswith("backbone."):
            expect_close(model["parameters"][name].detach(), value.detach(),
                         what=f"replace_head: {name}")
    check(not torch.equal(model["parameters"]["fc.weight"], pretrained.fc.weight.detach()),
          "replace_head(model, 5) must put in a new head even when the size is unchanged")


@pytest.mark.points(2)
def test_param_groups_backbone_then_head(sub):
    """param_groups(pretrained, 0.01): the 4 backbone parameters at 0.01, fc's 2 at 0.1."""
    groups = group_names(sub.param_groups(PRETRAINED, 0.01), "param_groups(model, 0.01)")
    check(groups[0][0] == BACKBONE,
          f"param_groups: the first group should be {BACKBONE}, got {groups[0][0]}")
    check(groups[1][0] == HEAD, f"param_groups: the second group should be {HEAD}, got {groups[1][0]}")
    check(isinstance(groups[0][1], float) and math.isclose(groups[0][1], 0.01),
          f"param_groups: the backbone's lr should be 0.01, got {groups[0][1]!r}")
    check(isinstance(groups[1][1], float) and math.isclose(groups[1][1], 0.1),
          f"param_groups: the head's lr should be lr * head_mult = 0.1, got {groups[1][1]!r}")


@pytest.mark.points(1)
def test_param_groups_leave_out_frozen(sub):
    """With the backbone frozen, the backbone group is empty: param_groups(model, 0.02, 5)."""
    groups = group_names(sub.param_groups(zero_head_model(frozen_backbone=True), 0.02, 5.0),
                         "param_groups(model with a frozen backbone, 0.02, head_mult=5)")
    check(groups[0][0] == [],
          f"param_groups: frozen parameters must be left out; the backbone group should be "
          f"empty, got {groups[0][0]}")
    check(groups[1][0] == HEAD, f"param_groups: the head group should be {HEAD}, got {groups[1][0]}")
    check(math.isclose(groups[1][1], 0.1) and math.isclose(groups[0][1], 0.02),
          f"param_groups: the lrs should be 0.02 and 0.02 * 5 = 0.1, got "
          f"{groups[0][1]!r} and {groups[1][1]!r}")


@pytest.mark.points(1)
def test_make_optimizer(sub):
    """make_optimizer(pretrained, 0.01): SGD, groups at 0.01 and 0.1, momentum 0.9, weight decay 1e-3."""
    optimizer = sub.make_optimizer(PRETRAINED, 0.01)
    check(isinstance(optimizer, dict) and optimizer.get("class") == "SGD",
          "make_optimizer should return a torch.optim.SGD")
    groups = optimizer["param_groups"]
    names = group_names(groups, "make_optimizer(model, 0.01)")
    check([n for n, _ in names] == [BACKBONE, HEAD],
          f"make_optimizer: the groups should hold {BACKBONE} and {HEAD}, got {[n for n, _ in names]}")
    for group, lr in zip(groups, (0.01, 0.1), strict=True):
        check(math.isclose(group["lr"], lr), f"make_optimizer: a group's lr should be {lr}, "
              f"got {group['lr']!r}")
        check(group["momentum"] == 0.9, f"make_optimizer: momentum should be 0.9, got {group['momentum']}")
        check(group["weight_decay"] == 1e-3,
              f"make_optimizer: weight_decay should be 0.001, got {group['weight_decay']}")


@pytest.mark.points(1)
def test_freeze_backbone(sub):
    """freeze_backbone: backbone parameters get requires_grad False, fc's stay True."""
    outcome = sub.run("freeze_backbone", PRETRAINED)
    for label, value in (("the returned model", outcome.result),
                         ("the model you were given", outcome.args_after[0])):
        model = module(value, f"freeze_backbone: {label}")
        flags = {n: bool(p.requires_grad) for n, p in model["parameters"].items()}
        expected = {n: n.startswith("fc.") for n in BACKBONE + HEAD}
        check(flags == expected, f"freeze_backbone: in {label}, requires_grad should be "
              f"{expected}, got {flags}")


@pytest.mark.points(1)
def test_fine_tune_lr_zero(sub):
    """With lr=0 and a zero head nothing moves: every epoch's loss is log(5) = 1.6094, a Python float."""
    outcome = sub.run("fine_tune", zero_head_model(), X, Y, 2, 0.0, 64)
    losses, model = outcome.result, module(outcome.args_after[0], "the model you passed")
    check(isinstance(losses, list) and len(losses) == 2,
          f"fine_tune(..., epochs=2) should return a list of 2 losses, got {losses!r}"[:300])
    check(all(type(v) is float for v in losses),
          "fine_tune should return the losses as Python floats (loss.item()), not tensors")
    check(not model["parameters"]["fc.weight"].any(),
          "fine_tune replaced the model's head: it must train the head the model has (build the "
          "optimizer with make_optimizer after the head was replaced, not the other way round)")
    check(all(abs(v - math.log(5)) < 1e-6 for v in losses),
          f"fine_tune(zero-head model, x, y, epochs=2, lr=0): a zero head gives every class the "
          f"same score and lr=0 changes nothing, so each epoch's loss (the sample-weighted mean "
          f"of the batch losses) should be log(5) = 1.609438, got {losses}")


@pytest.mark.points(2)
def test_fine_tune_worked_example(sub):
    """Zero head, 3 epochs, lr 0.03, batch 64, generator(0) on the 226 digits: the losses fall."""
    losses = sub.fine_tune(zero_head_model(), X, Y, 3, 0.03, 64, generator(0))
    check(isinstance(losses, list) and all(type(v) is float for v in losses),
          "fine_tune should return a list of Python floats, one per epoch")

    def t(*values):
        return torch.tensor(values, dtype=torch.float64)

    expect_close(torch.tensor(losses, dtype=torch.float64), t(1.391389, 0.765242, 0.466502),
                 rtol=1e-4, atol=1e-5, what="fine_tune(zero-head model, x, y, 3, 0.03, 64, generator(0))",
                 mistakes=[
                     Mistake("the loss is measured after the step: record each batch's loss "
                             "before each step", t(1.133088, 0.645945, 0.365436)),
                     Mistake("the batch losses are averaged with equal weights: use the "
                             "sample-weighted mean sum(loss · len(batch)) / N",
                             t(1.363539, 0.743852, 0.460708)),
                     Mistake("the last batch (34 samples) is dropped: keep the short last slice",
                             t(1.433472, 0.905094, 0.647335)),
                     Mistake("the gradients pile up: call optimizer.zero_grad() before every "
                             "backward()", t(1.388453, 1.528918, 5.547019)),
                     Mistake("the samples are never shuffled: perm = torch.randperm(N, "
                             "generator=generator) every epoch", t(1.355491, 0.696622, 0.410107)),
                 ])
