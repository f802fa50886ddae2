"""Public checks for lesson 3: the notes' worked examples, small enough to follow by hand.

Run them with `course check lesson3`. `sub` is your sgd.py: every call runs your code and
returns its answer. A generator argument is written `generator(seed)` and built next to your
code as `torch.Generator().manual_seed(seed)`. `sub.run(...)` also hands back the arguments as
your function left them, to check that nothing was modified. The hidden tests check the same
functions on random data, float32 and float64, more sizes, batch sizes and learning rates.
"""

import itertools

import pytest
import torch

from grader.checks import (
    N_,
    Mismatch,
    Mistake,
    RemoteRaised,
    Text,
    expect_close,
    expect_contract,
    expect_tensor,
    expect_tuple,
    generator,
    t,
)

F64 = torch.float64
X = torch.tensor([1.0, 2.0], dtype=F64)
Y = torch.tensor([2.0, 4.0], dtype=F64)  # y = 2x: the best weight is 2

SIGN = N_("the sign of the update is wrong: w + lr·grad climbs the loss, use w − lr·grad")
LOSS_BEFORE = N_("the losses are recorded before the update: losses[e] is the MSE after epoch e's "
                 "updates")
EXTRA_EPOCH = N_("one epoch too many: the loop runs epochs + 1 times; use range(epochs), one "
                 "entry in losses per epoch")
MISSING_EPOCH = N_("one epoch too few: the loop runs epochs − 1 times; use range(epochs), one "
                   "entry in losses per epoch")
NOT_ZEROED = N_("w.grad is not zeroed after each update, so backward() keeps adding the old "
                "gradients into it")
ZEROED_PER_EPOCH = N_("w.grad is zeroed once per epoch instead of after every update, so within an "
                      "epoch backward() adds each new gradient to the old ones: zero it after "
                      "every step")
FULL_BATCH_LOSS = N_("each update used the full-batch loss mean((x·w − y)²): in per-sample SGD "
                     "the loss you call backward() on is sample i's own, (x_i·w − y_i)²")
NOT_A_LEAF = N_("w is no longer a leaf: `w = w - lr * w.grad` outside torch.no_grad() makes w "
                "the result of a recorded operation, so the next backward() leaves w.grad None; "
                "update the leaf in place under torch.no_grad() (w -= lr * w.grad)")
NO_GRAD = N_("the in-place update of the leaf w is recorded by autograd, which refuses it: do "
             "`w -= lr * w.grad` inside `with torch.no_grad():`")
SHUFFLED = N_("the samples were shuffled: train_sgd visits them in index order 0, 1, …, N−1 "
              "(only train_minibatch shuffles)")
PERM_REUSED = N_("the same permutation was used for every epoch: draw a new "
                 "torch.randperm(N, generator=generator) at the start of each epoch")
LAST_BATCH_DROPPED = N_("the last partial batch is dropped: when batch_size does not divide N the "
                        "leftover samples form one more, smaller batch (⌈N/B⌉ updates per epoch)")
PERM_PER_BATCH = N_("a new permutation was drawn for every batch: draw "
                    "torch.randperm(N, generator=generator) once per epoch and slice it")
SUMMED_BATCH = N_("each batch's gradient is a sum over its samples: use the batch mean, "
                  "mean(2·x_b·(x_b·w − y_b))")
W0_MODIFIED = N_("w0 was modified: train_autograd trained the caller's w0 itself; make a fresh "
                 "leaf from its value, e.g. torch.tensor(float(w0), dtype=x.dtype, "
                 "requires_grad=True)")


def close(got, expected: torch.Tensor, **kwargs) -> None:
    """expect_close with a tolerance that accepts lr = 0.1 or 0.02 rounded through float32.

    float32 cannot hold 0.1 exactly, and torch.tensor(0.1) is float32: whether the learning
    rate is used exactly or after that rounding, the answer is right to about 1e-7.
    """
    expect_close(got, expected, rtol=1e-5, atol=1e-8, **kwargs)


def f64(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=F64)


def scalar(value: float, dtype: torch.dtype = F64) -> torch.Tensor:
    return torch.tensor(value, dtype=dtype)


def training(got, w: torch.Tensor, losses: torch.Tensor, *, what: str | Text,
             mistakes=()) -> None:
    """(w, losses) as expected; each mistake is (message, its w, its losses)."""
    got_w, got_losses = expect_tuple(got, 2, what=what)
    close(got_w, w, what=t("{what}: {part}", what=what, part="w"),
          mistakes=[Mistake(m, wrong_w) for m, wrong_w, _ in mistakes])
    close(got_losses, losses, what=t("{what}: {part}", what=what, part="losses"),
          mistakes=[Mistake(m, wrong_losses) for m, _, wrong_losses in mistakes])


def autograd_call(call, *args):
    """Call train_autograd; the two ways an update outside torch.no_grad() fails get named."""
    try:
        return call(*args)
    except RemoteRaised as raised:
        text = raised.message.lower()
        if raised.type_name == "RuntimeError" and "leaf variable" in text:
            hint = NO_GRAD
        elif raised.type_name in ("AttributeError", "TypeError") and "nonetype" in text:
            hint = NOT_A_LEAF
        else:
            raise
        raise Mismatch(t("{error}: {hint}", error=raised.feedback_text or raised.feedback,
                         hint=hint), raised.details_text or raised.details) from None


# ---------------------------------------------------------------------- gd_step


@pytest.mark.points(1)
def test_gd_step(sub):
    """gd_step(w, grad, lr) is w − lr·grad: 1 − 0.1·2 = 0.8."""
    close(sub.gd_step(scalar(1.0), scalar(2.0), 0.1), scalar(0.8),
          what="gd_step(w=1, grad=2, lr=0.1)", mistakes=[Mistake(SIGN, scalar(1.2))])


@pytest.mark.points(1)
def test_gd_step_returns_a_new_tensor(sub):
    """gd_step leaves w and grad as they were and returns a new tensor: [1, 2] − 0.5·[4, −2]."""
    w, grad = f64(1.0, 2.0), f64(4.0, -2.0)
    outcome = sub.run("gd_step", w, grad, 0.5)
    expect_contract(outcome, (w, grad), what="gd_step", names=("w", "grad"))
    close(outcome.result, f64(-1.0, 3.0), what="gd_step(w=[1, 2], grad=[4, −2], lr=0.5)",
          mistakes=[Mistake(SIGN, f64(3.0, 1.0))])


@pytest.mark.points(1)
@pytest.mark.parametrize("case", [N_("float32 w and grad, float64 lr"),
                                  N_("Python w, float64 grad"), N_("Python numbers")])
def test_gd_step_dtype(sub, case):
    """The result takes w's dtype (a 0-dim float64 lr does not promote a float32 w)."""
    if case == "float32 w and grad, float64 lr":
        args = (scalar(1.0, torch.float32), scalar(0.5, torch.float32), scalar(0.25))
        expected = scalar(0.875, torch.float32)
    elif case == "Python w, float64 grad":
        args = (1.0, scalar(0.5), 0.25)
        expected = scalar(0.875)
    else:
        args = (1.0, 0.5, 0.25)
        expected = scalar(0.875, torch.get_default_dtype())  # float32
    close(sub.gd_step(*args), expected, what=t("gd_step(1, 0.5, 0.25) with {case}", case=case),
          mistakes=[Mistake(SIGN, scalar(1.125))])


# ---------------------------------------------------------------------- train_gd


@pytest.mark.points(1)
def test_train_gd_worked_example(sub):
    """Batch GD from w0 = 0 with lr = 0.1: w = 1.0 then 1.5, losses 2.5 then 0.625."""
    training(sub.train_gd(X, Y, 0.0, 0.1, 2), scalar(1.5), f64(2.5, 0.625),
             what="train_gd(x=[1, 2], y=[2, 4], w0=0, lr=0.1, epochs=2)", mistakes=[
                 (N_("the factor 2 is missing from the gradient mean(2·x·(x·w − y))"),
                  scalar(0.875), f64(5.625, 3.1640625)),
                 (N_("sum instead of mean: the gradient is mean(2·x·(x·w − y)), not the sum"),
                  scalar(2.0), f64(0.0, 0.0)),
                 (SIGN, scalar(-2.5), f64(22.5, 50.625)),
                 (EXTRA_EPOCH, scalar(1.75), f64(2.5, 0.625, 0.15625)),
                 (MISSING_EPOCH, scalar(1.0), f64(2.5)),
                 (LOSS_BEFORE, scalar(1.5), f64(10.0, 2.5)),
             ])


# ---------------------------------------------------------------------- train_sgd


@pytest.mark.points(1)
def test_train_sgd_worked_example(sub):
    """Per-sample SGD, samples in order: w = 1.68 after epoch 1, 1.9488 after epoch 2."""
    training(sub.train_sgd(X, Y, 0.0, 0.1, 2), scalar(1.9488), f64(0.256, 0.0065536),
             what="train_sgd(x=[1, 2], y=[2, 4], w0=0, lr=0.1, epochs=2)", mistakes=[
                 (N_("sample 0 is skipped: make N updates per epoch, i = 0 … N−1"),
                  scalar(1.92), f64(0.4, 0.016)),
                 (SIGN, scalar(-7.3312), f64(46.656, 217.6782336)),
                 (EXTRA_EPOCH, scalar(1.991808), f64(0.256, 0.0065536, 0.00016777216)),
                 (MISSING_EPOCH, scalar(1.68), f64(0.256)),
                 (LOSS_BEFORE, scalar(1.9488), f64(10.0, 0.256)),
                 (N_("each loss is a sum of squares: record the mean, mean((x·w − y)²)"),
                  scalar(1.9488), f64(0.512, 0.0131072)),
             ])


def sgd_in_order(order: list[list[int]], y: list[float]) -> tuple[float, list[float]]:
    """x = 1 for every sample and lr = 0.25, so each update is w ← (w + y_i)/2."""
    w, losses = 0.0, []
    for epoch in order:
        for i in epoch:
            w = (w + y[i]) / 2
        losses.append(sum((w - target) ** 2 for target in y) / len(y))
    return w, losses


@pytest.mark.points(1)
def test_train_sgd_visits_samples_in_order(sub):
    """x = [1, 1], y = [0, 4], lr = 0.25: each update is w ← (w + y_i)/2, so order matters.

    In index order: epoch 1 goes 0 → 0 → 2, epoch 2 → 1 → 2.5, epoch 3 → 1.25 → 2.625.
    """
    x, y = f64(1.0, 1.0), f64(0.0, 4.0)
    orders = list(itertools.product([[0, 1], [1, 0]], repeat=3))
    shuffled = []
    for order in orders[1:]:
        w, losses = sgd_in_order(list(order), [0.0, 4.0])
        shuffled.append((SHUFFLED, scalar(w), f64(*losses)))
    training(sub.train_sgd(x, y, 0.0, 0.25, 3), scalar(2.625), f64(4.0, 4.25, 4.390625),
             what="train_sgd(x=[1, 1], y=[0, 4], w0=0, lr=0.25, epochs=3)", mistakes=shuffled)


# ---------------------------------------------------------------------- train_autograd


@pytest.mark.points(1)
def test_train_autograd_follows_train_sgd(sub):
    """train_autograd takes the same steps as train_sgd, with gradients from backward()."""
    got = autograd_call(sub.train_autograd, X, Y, 0.0, 0.1, 2)
    training(got, scalar(1.9488), f64(0.256, 0.0065536),
             what="train_autograd(x=[1, 2], y=[2, 4], w0=0, lr=0.1, epochs=2)", mistakes=[
                 (NOT_ZEROED, scalar(4.0128), f64(0.016, 10.1284096)),
                 (ZEROED_PER_EPOCH, scalar(1.9968), f64(0.016, 0.0000256)),
                 (FULL_BATCH_LOSS, scalar(1.875), f64(0.625, 0.0390625)),
                 (EXTRA_EPOCH, scalar(1.991808), f64(0.256, 0.0065536, 0.00016777216)),
                 (MISSING_EPOCH, scalar(1.68), f64(0.256)),
                 (LOSS_BEFORE, scalar(1.9488), f64(10.0, 0.256)),
             ])


@pytest.mark.points(1)
def test_train_autograd_leaves_w0_alone(sub):
    """A tensor w0 comes back unchanged (not trained in place, not requiring grad)."""
    w0 = scalar(0.0)
    outcome = autograd_call(sub.run, "train_autograd", X, Y, w0, 0.1, 2)
    w0_after = outcome.args_after[2]
    if w0_after.requires_grad or not torch.equal(w0_after.detach(), w0):
        raise Mismatch(W0_MODIFIED, t("w0 after the call: {value}", value=str(w0_after)))
    expect_contract(outcome, (X, Y, w0), what="train_autograd", names=("x", "y", "w0"))
    training(outcome.result, scalar(1.9488), f64(0.256, 0.0065536),
             what="train_autograd(x=[1, 2], y=[2, 4], w0=tensor(0.), lr=0.1, epochs=2)")


# ---------------------------------------------------------------------- train_minibatch

X5 = f64(1.0, 2.0, 3.0, 4.0, 5.0)


@pytest.mark.points(1)
def test_train_minibatch_worked_example(sub):
    """x = [1..5], y = 2x, B = 2, generator seeded 0: batches [4, 0], [1, 3], [2]; w = 1.63136."""
    # loss = mean(((1.63136 − 2)·x)²) = 0.36864²·(1 + 4 + 9 + 16 + 25)/5
    training(sub.train_minibatch(X5, 2 * X5, 0.0, 0.02, 1, 2, generator(0)), scalar(1.63136),
             f64(1.4948499456),
             what="train_minibatch(x=[1..5], y=2x, w0=0, lr=0.02, epochs=1, batch_size=2, "
                  "generator(0))",
             mistakes=[
                 (LAST_BATCH_DROPPED, scalar(1.424), f64(3.649536)),
                 (PERM_PER_BATCH, scalar(1.17056), f64(7.5676778496)),
                 (N_("the last batch [2] has one sample but its gradient is divided by "
                     "batch_size = 2: use the batch mean"), scalar(1.52768), f64(2.4539480064)),
                 (SUMMED_BATCH, scalar(2.01024), f64(0.0011534336)),
             ])


@pytest.mark.points(1)
def test_train_minibatch_new_permutation_every_epoch(sub):
    """Two epochs with generator(0): perms [4, 0, 1, 3, 2] then [3, 4, 0, 1, 2]."""
    training(sub.train_minibatch(X5, 2 * X5, 0.0, 0.02, 2, 2, generator(0)),
             scalar(1.9617794048), f64(1.4948499456, 0.016068952872),
             what="train_minibatch(x=[1..5], y=2x, w0=0, lr=0.02, epochs=2, batch_size=2, "
                  "generator(0))",
             mistakes=[(PERM_REUSED, scalar(1.9320522752), f64(1.4948499456, 0.05078582636)),
                       (PERM_PER_BATCH, scalar(1.92865488896), f64(7.5676778496, 0.055991373562)),
                       (LAST_BATCH_DROPPED, scalar(1.906688), f64(3.649536, 0.095778422784))])


@pytest.mark.points(1)
def test_train_minibatch_without_generator(sub):
    """With generator=None the result equals that of generator(sub.seed).

    generator=None draws from the global generator, which the grader seeds with sub.seed
    before every call.
    """
    args = (X5, 2 * X5, 0.0, 0.02, 2, 2)
    call = "train_minibatch(x=[1..5], y=2x, w0=0, lr=0.02, epochs=2, batch_size=2)"
    seeded_call = ("train_minibatch(x=[1..5], y=2x, w0=0, lr=0.02, epochs=2, batch_size=2, "
                   "generator(seed))")
    global_call = ("train_minibatch(x=[1..5], y=2x, w0=0, lr=0.02, epochs=2, batch_size=2, "
                   "generator=None)")
    seeded = expect_tuple(sub.train_minibatch(*args, generator(sub.seed)), 2, what=call)
    got = expect_tuple(sub.train_minibatch(*args, None), 2, what=global_call)
    for name, got_part, expected_part in zip(("w", "losses"), got, seeded, strict=True):
        expect_tensor(expected_part, what=t("{what}: {part}", what=seeded_call, part=name))
        expect_close(got_part, expected_part,
                     what=t("{what}: {part}, compared with generator(seed),", what=global_call,
                            part=name))


@pytest.mark.points(1)
def test_one_big_batch_is_batch_gd(sub):
    """With batch_size ≥ N every epoch is one full batch: the same numbers as train_gd."""
    training(sub.train_minibatch(X, Y, 0.0, 0.1, 2, 5, generator(1)), scalar(1.5),
             f64(2.5, 0.625),
             what="train_minibatch(x=[1, 2], y=[2, 4], w0=0, lr=0.1, epochs=2, batch_size=5)",
             mistakes=[
                 (N_("no update at all: a batch_size larger than N still gives one (partial) "
                     "batch of all N samples"), scalar(0.0), f64(10.0, 10.0)),
                 (N_("the batch's gradient is divided by batch_size = 5 instead of the 2 "
                     "samples it holds: use the batch mean"), scalar(0.72), f64(6.4, 4.096)),
             ])


# ---------------------------------------------------------------------- all trainers

TRAINERS = ["train_gd", "train_sgd", "train_minibatch", "train_autograd"]


@pytest.mark.points(2)
@pytest.mark.parametrize("function", TRAINERS)
def test_float32_with_tensor_scalars(sub, function):
    """float32 data with w0 and lr as 0-dim float64 tensors: results in float32, inputs unchanged.

    The worked examples again: train_gd (and train_minibatch with one batch of everything)
    ends at w = 1.5, train_sgd and train_autograd at w = 1.9488.
    """
    x, y = X.float(), Y.float()
    w0, lr = scalar(0.0), scalar(0.1)
    extra = (5, generator(1)) if function == "train_minibatch" else ()
    args = (function, x, y, w0, lr, 2, *extra)
    outcome = autograd_call(sub.run, *args) if function == "train_autograd" else sub.run(*args)
    if function in ("train_gd", "train_minibatch"):
        w, losses = scalar(1.5), f64(2.5, 0.625)
    else:
        w, losses = scalar(1.9488), f64(0.256, 0.0065536)
    training(outcome.result, w.float(), losses.float(),
             what=t("{function}(float32 x=[1, 2], y=[2, 4], w0=tensor(0.), lr=tensor(0.1), "
                    "epochs=2)", function=function))
    expect_contract(outcome, (x, y, w0, lr), what=function, names=("x", "y", "w0", "lr"))


@pytest.mark.points(2)
@pytest.mark.parametrize("function", TRAINERS)
@pytest.mark.parametrize("w0_kind", ["tensor w0", "Python w0"])
def test_zero_epochs(sub, function, w0_kind):
    """With epochs = 0: w0's value as a new 0-dim tensor of x's dtype, and empty losses."""
    w0 = scalar(0.75) if w0_kind == "tensor w0" else 0.75
    args = (X, Y, w0, 0.1, 0) + ((2, generator(0)) if function == "train_minibatch" else ())
    outcome = sub.run(function, *args)
    what = t("{function}(x, y, w0=0.75, lr=0.1, epochs=0)", function=function)
    w, losses = expect_tuple(outcome.result, 2, what=function)
    close(w, scalar(0.75), what=t("{what}: {part}", what=what, part="w"))
    expect_tensor(losses, what=t("{what}: {part}", what=what, part="losses"), shape=(0,),
                  dtype=F64)
    expect_contract(outcome, (X, Y, w0), what=what, names=("x", "y", "w0"))
