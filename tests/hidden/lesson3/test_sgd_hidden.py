"""Hidden suite for lesson 3 (sgd.py): random data, both dtypes, sizes, batch sizes, edge cases.

Expected values come from the float64 trainer below, run here in the checker on exactly the
numbers the submission receives; the submission is reached only through ``sub``. The same
trainer, with one thing changed, gives the answer of each catalogued mistake, so a wrong
trajectory is named. Permutations are reproduced from the seed: ``generator(seed)`` is
``torch.Generator().manual_seed(seed)`` in the runner, and the runner's global RNG is seeded
with ``sub.seed`` before every call.
"""

from __future__ import annotations

from collections.abc import Callable

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
    oracle,
    t,
)

DTYPES = [pytest.param(torch.float64, id="float64"), pytest.param(torch.float32, id="float32")]
EPOCHS = 5

SIGN = N_("the sign of the update is wrong: w + lr·grad climbs the loss, use w − "
          "lr·grad")
DIVERGED = N_("the training diverged: check the update's sign (w − lr·grad) and the "
              "gradient's size (a mean, not a sum)")
FACTOR_2 = N_("the factor 2 is missing from the gradient: d/dw (x·w − y)² = 2·x·(x·w "
              "− y)")
SUM_NOT_MEAN = N_("sum instead of mean: the full-batch gradient is mean(2·x·(x·w − "
                  "y)), so the step is N times too large")
LOSS_BEFORE = N_("the losses are recorded before the update instead of after it: "
                 "losses[e] is the full-batch MSE after epoch e's updates")
EXTRA_EPOCH = N_("one epoch too many: the loop runs epochs + 1 times; use "
                 "range(epochs), one entry in losses per epoch")
MISSING_EPOCH = N_("one epoch too few: the loop runs epochs − 1 times; use "
                   "range(epochs), one entry in losses per epoch")
SUM_OF_SQUARES = N_("each loss is a sum of squares (like torch.norm(r)²), N times "
                    "too large: record the mean, mean((x·w − y)²)")
SHUFFLED = N_("the samples were shuffled: train_sgd visits them in index order 0, 1, "
              "…, N−1 (only train_minibatch shuffles)")
SKIPS_FIRST = N_("N − 1 updates per epoch instead of N: sample 0 is skipped (check "
                 "the loop's range: the number of updates per epoch is N)")
GENERATOR_IGNORED = N_("the shuffling does not follow the generator argument: draw "
                       "torch.randperm(N, generator=generator)")
PERM_PER_BATCH = N_("a new permutation was drawn for every batch: draw "
                    "torch.randperm(N, generator=generator) once per epoch and slice "
                    "it")
PERM_REUSED = N_("the same permutation was used for every epoch: draw a new "
                 "torch.randperm(N, generator=generator) at the start of each epoch")
LAST_BATCH_DROPPED = N_("the last partial batch is dropped: when batch_size does not "
                        "divide N the leftover samples form one more, smaller batch "
                        "(⌈N/B⌉ updates per epoch)")
DIVIDED_BY_B = N_("the last, smaller batch's gradient is divided by batch_size: use "
                  "the batch mean, i.e. divide by the number of samples actually in "
                  "the batch")
SUMMED_BATCH = N_("each batch's gradient is a sum over its samples: use the batch "
                  "mean, mean(2·x_b·(x_b·w − y_b))")
NOT_ZEROED = N_("w.grad is not zeroed after each update, so backward() keeps adding "
                "the old gradients into it: call w.grad.zero_() (or set w.grad = "
                "None) after each step")
ZEROED_PER_EPOCH = N_("w.grad is zeroed once per epoch instead of after every "
                      "update, so within an epoch backward() adds each new gradient "
                      "to the old ones: zero it after every step")
FULL_BATCH_LOSS = N_("each update used the full-batch loss mean((x·w − y)²): in "
                     "per-sample SGD the loss you call backward() on is sample i's "
                     "own, (x_i·w − y_i)²")
NOT_A_LEAF = N_("w is no longer a leaf: `w = w - lr * w.grad` outside "
                "torch.no_grad() makes w the result of a recorded operation, so the "
                "next backward() leaves w.grad None; update the leaf in place under "
                "torch.no_grad() (w -= lr * w.grad)")
NO_GRAD = N_("the in-place update of the leaf w is recorded by autograd, which "
             "refuses it: do `w -= lr * w.grad` inside `with torch.no_grad():`")
W0_MODIFIED = N_("w0 was modified: train_autograd trained the caller's w0 itself; "
                 "make a fresh leaf from its value, e.g. torch.tensor(float(w0), "
                 "dtype=x.dtype, requires_grad=True)")


# ---------------------------------------------------------------------- oracle (checker only)


def draw(rng: torch.Generator, n: int, dtype: torch.dtype):
    """x, y on a noisy line and a starting weight, as the submission receives them.

    x is uniform in [−2, 2], so a per-sample step with lr ≤ 0.125 never overshoots; w0 is a
    Python float that is exact in float32 too.
    """
    x = (torch.rand(n, generator=rng, dtype=torch.float64) * 4 - 2).to(dtype)
    true_w = 1.5 + torch.rand((), generator=rng, dtype=torch.float64)
    y = (true_w * x.double() + 0.3 * torch.randn(n, generator=rng, dtype=torch.float64)).to(dtype)
    w0 = float(torch.randn((), generator=rng, dtype=torch.float64).float())
    return x, y, w0


def mse(x: torch.Tensor, y: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return ((x * w - y) ** 2).mean()


def mean_grad(xb: torch.Tensor, yb: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return (2 * xb * (xb * w - yb)).mean()


def summed_grad(xb: torch.Tensor, yb: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    return (2 * xb * (xb * w - yb)).sum()


def train(
    x: torch.Tensor, y: torch.Tensor, w0: float, lr: float, epochs: int,
    batches: Callable[[int], list], *,
    grad: Callable = mean_grad, loss: Callable = mse, sign: float = -1.0,
    loss_before: bool = False, accumulate: str = "",
) -> tuple[torch.Tensor, torch.Tensor]:
    """The float64 trainer: for each epoch, one update per index batch from ``batches(epoch)``.

    The keyword arguments switch on one catalogued mistake at a time; ``accumulate`` is
    "always" (.grad never zeroed) or "epoch" (.grad zeroed once per epoch).
    """
    x, y = x.double(), y.double()
    w = torch.tensor(w0, dtype=torch.float64)
    total = torch.zeros((), dtype=torch.float64)
    losses = []
    for epoch in range(epochs):
        if accumulate == "epoch":
            total = torch.zeros((), dtype=torch.float64)
        if loss_before:
            losses.append(loss(x, y, w))
        for batch in batches(epoch):
            g = grad(x[batch], y[batch], w)
            if accumulate:  # backward() adds into a .grad that is not zeroed after each step
                total = total + g
                g = total
            w = w + sign * lr * g
        if not loss_before:
            losses.append(loss(x, y, w))
    return w, torch.stack(losses) if losses else torch.zeros(0, dtype=torch.float64)


def full_batch(n: int) -> Callable[[int], list]:
    return lambda epoch: [torch.arange(n)]


def in_order(n: int, skip_first: bool = False) -> Callable[[int], list]:
    return lambda epoch: [torch.tensor([i]) for i in range(1 if skip_first else 0, n)]


def shuffled_samples(n: int, seed: int) -> Callable[[int], list]:
    """Per-sample order from one global torch.randperm(n) per epoch, after manual_seed(seed)."""
    g = torch.Generator().manual_seed(seed)
    return lambda epoch: [torch.tensor([i]) for i in torch.randperm(n, generator=g).tolist()]


def slices(perm: torch.Tensor, batch_size: int, *, drop_last: bool = False) -> list:
    n = len(perm)
    stop = n - batch_size + 1 if drop_last else n
    return [perm[start:start + batch_size] for start in range(0, max(stop, 0), batch_size)]


def shuffled_batches(n: int, batch_size: int, draw_perm: Callable[[], torch.Tensor], *,
                     drop_last: bool = False, perm_per_batch: bool = False,
                     perm_reused: bool = False):
    """Consecutive slices of one permutation per epoch (or a fresh one per batch, or the
    first epoch's permutation again and again)."""
    first: list[torch.Tensor] = []

    def batches(epoch: int) -> list:
        if perm_per_batch:
            return [draw_perm()[start:start + batch_size] for start in range(0, n, batch_size)]
        if perm_reused:
            if not first:
                first.append(draw_perm())
            return slices(first[0], batch_size)
        return slices(draw_perm(), batch_size, drop_last=drop_last)
    return batches


def seeded(n: int, seed: int) -> Callable[[], torch.Tensor]:
    """torch.randperm(n) drawn from generator(seed) (or the global RNG seeded with seed: the
    same stream)."""
    g = torch.Generator().manual_seed(seed)
    return lambda: torch.randperm(n, generator=g)


def f32(value: float) -> float:
    """A learning rate exact in float32, so both dtypes train with the very same lr."""
    return float(torch.tensor(value, dtype=torch.float32))


def autograd_hint(raised: RemoteRaised) -> str:
    """Our words for the two ways an autograd update outside torch.no_grad() fails: PyTorch
    refuses an in-place change of a leaf, or w is no longer a leaf and its .grad is None.
    The submission's message only chooses between them; it is never shown."""
    message = raised.message.lower()
    if raised.type_name == "RuntimeError":
        return NO_GRAD if "leaf variable" in message else ""
    if raised.type_name in ("AttributeError", "TypeError"):
        return NOT_A_LEAF if "nonetype" in message else ""
    return ""


def call(function: Callable, *args, **kwargs):
    """Call the submission, naming a failed autograd update (see autograd_hint)."""
    try:
        return function(*args, **kwargs)
    except RemoteRaised as raised:
        hint = autograd_hint(raised)
        if not hint:
            raise
        raise Mismatch(t("{error}: {hint}", error=raised.feedback_text or raised.feedback,
                         hint=hint), raised.details_text or raised.details) from None


def expect_training(got, expected: tuple, dtype: torch.dtype, *, what: str | Text,
                    w_mistakes=(), loss_mistakes=()) -> None:
    """A trainer's (w, losses): w 0-dim and losses of length epochs, both in x's dtype."""
    w, losses = expect_tuple(got, 2, what=what)
    expect_close(w, expected[0].to(dtype), what=t("{what}: {part}", what=what, part="w"),
                 nonfinite=DIVERGED,
                 mistakes=[Mistake(m.message, m.value[0]) for m in w_mistakes])
    expect_close(losses, expected[1].to(dtype),
                 what=t("{what}: {part}", what=what, part="losses"), nonfinite=DIVERGED,
                 mistakes=[Mistake(m.message, m.value[1]) for m in (*loss_mistakes, *w_mistakes)])


def epoch_mistakes(run: Callable, epochs: int) -> list:
    """The loop over epochs run once too often and once too rarely."""
    return [Mistake(EXTRA_EPOCH, run(epochs + 1)), Mistake(MISSING_EPOCH, run(epochs - 1))]


# ---------------------------------------------------------------------- gd_step


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [pytest.param((), id="0-dim"), pytest.param((4,), id="vector"),
                                   pytest.param((2, 3), id="matrix")])
def test_gd_step_values(sub, rng, dtype, shape):
    """gd_step(w, grad, lr) = w − lr·grad, elementwise, in w's shape and dtype."""
    w = torch.randn(shape, generator=rng, dtype=torch.float64).to(dtype)
    grad = torch.randn(shape, generator=rng, dtype=torch.float64).to(dtype)
    lr = f32(0.05 + float(torch.rand((), generator=rng)))
    expected = w.double() - lr * grad.double()
    expect_close(sub.gd_step(w, grad, lr), expected.to(dtype), what="gd_step(w, grad, lr)",
                 mistakes=[Mistake(SIGN, w.double() + lr * grad.double())])


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", DTYPES)
def test_gd_step_returns_a_new_tensor(sub, rng, dtype):
    """gd_step is right and leaves w, grad and lr unchanged, returning a new tensor."""
    w = torch.randn(5, generator=rng, dtype=torch.float64).to(dtype)
    grad = torch.randn(5, generator=rng, dtype=torch.float64).to(dtype)
    lr = torch.tensor(0.25, dtype=dtype)
    outcome = sub.run("gd_step", w, grad, lr)
    expect_contract(outcome, (w, grad, lr), what="gd_step", names=("w", "grad", "lr"))
    expect_close(outcome.result, w - lr * grad, what="gd_step(w, grad, lr)",
                 mistakes=[Mistake(SIGN, w + lr * grad)])


@pytest.mark.points(1)
@pytest.mark.parametrize("case", [N_("float32 w and grad, float64 lr"),
                                  N_("Python w, float64 grad"), N_("Python numbers")])
def test_gd_step_dtype(sub, rng, case):
    """The result has w's dtype, grad's for a Python w, torch's default for Python numbers.

    A 0-dim float64 lr does not promote a float32 w.
    """
    w, grad = (float(torch.randn((), generator=rng, dtype=torch.float32)) for _ in range(2))
    lr = f32(0.05 + float(torch.rand((), generator=rng)))
    if case == "float32 w and grad, float64 lr":
        args = (torch.tensor(w), torch.tensor(grad), torch.tensor(lr, dtype=torch.float64))
        dtype = torch.float32
    elif case == "Python w, float64 grad":
        args, dtype = (w, torch.tensor(grad, dtype=torch.float64), lr), torch.float64
    else:
        args, dtype = (w, grad, lr), torch.get_default_dtype()
    expected = torch.tensor(w - lr * grad, dtype=dtype)
    expect_close(sub.gd_step(*args), expected, what=t("gd_step with {case}", case=case),
                 mistakes=[Mistake(SIGN, torch.tensor(w + lr * grad, dtype=torch.float64))])


# ---------------------------------------------------------------------- train_gd

GD_CASES = [
    pytest.param(1, 0.125, id="one sample"),
    pytest.param(8, 0.125, id="8 samples"),
    pytest.param(40, 0.25, id="40 samples"),
    pytest.param(12, 1.0, id="lr too large"),
]


@oracle
def gd_expectations(x, y, w0, lr, epochs):
    n = len(x)

    def run(epochs=epochs, **mistake):
        return train(x, y, w0, lr, epochs, full_batch(n), **mistake)

    expected = run()
    w_mistakes = [
        Mistake(FACTOR_2, run(grad=lambda xb, yb, w: mean_grad(xb, yb, w) / 2)),
        Mistake(SIGN, run(sign=1.0)),
        *epoch_mistakes(lambda e: run(epochs=e), epochs),
    ]
    if n > 1:
        w_mistakes.append(Mistake(SUM_NOT_MEAN, run(grad=summed_grad)))
    loss_mistakes = [Mistake(LOSS_BEFORE, run(loss_before=True))]
    if n > 1:
        loss_mistakes.append(Mistake(SUM_OF_SQUARES, (expected[0], expected[1] * n)))
    return expected, w_mistakes, loss_mistakes


@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "lr"), GD_CASES)
def test_train_gd(sub, rng, dtype, n, lr):
    """train_gd makes one full-batch update per epoch and records the MSE after it."""
    x, y, w0 = draw(rng, n, dtype)
    expected, w_mistakes, loss_mistakes = gd_expectations(x, y, w0, f32(lr), EPOCHS)
    expect_training(sub.train_gd(x, y, w0, f32(lr), EPOCHS), expected, dtype,
                    what=t("train_gd(x, y, w0, lr={lr}, epochs={epochs}) with N = {n}", lr=lr,
                           epochs=EPOCHS, n=n),
                    w_mistakes=w_mistakes, loss_mistakes=loss_mistakes)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", DTYPES)
def test_train_gd_with_tensor_scalars(sub, rng, dtype):
    """w0 and lr may be 0-dim tensors (even float64 for float32 data); the inputs stay unchanged."""
    x, y, w0 = draw(rng, 9, dtype)
    w0_t, lr_t = torch.tensor(w0, dtype=torch.float64), torch.tensor(0.125, dtype=torch.float64)
    outcome = sub.run("train_gd", x, y, w0_t, lr_t, EPOCHS)
    expected, w_mistakes, loss_mistakes = gd_expectations(x, y, w0, 0.125, EPOCHS)
    expect_training(outcome.result, expected, dtype, what="train_gd with tensor w0 and lr",
                    w_mistakes=w_mistakes, loss_mistakes=loss_mistakes)
    expect_contract(outcome, (x, y, w0_t, lr_t), what="train_gd", names=("x", "y", "w0", "lr"))


# ---------------------------------------------------------------------- train_sgd and train_autograd


@oracle
def sgd_expectations(x, y, w0, lr, epochs, seed, *, autograd=False):
    n = len(x)

    def run(epochs=epochs, batches=None, **mistake):
        return train(x, y, w0, lr, epochs, batches or in_order(n), **mistake)

    expected = run()
    w_mistakes = [Mistake(SIGN, run(sign=1.0)),
                  Mistake(SKIPS_FIRST, run(batches=in_order(n, skip_first=True))),
                  *epoch_mistakes(lambda e: run(epochs=e), epochs)]
    if n > 1:
        w_mistakes.append(Mistake(SHUFFLED, run(batches=shuffled_samples(n, seed))))
    if autograd:
        w_mistakes[:0] = [
            Mistake(NOT_ZEROED, run(accumulate="always")),
            Mistake(ZEROED_PER_EPOCH, run(accumulate="epoch")),
            Mistake(FULL_BATCH_LOSS, run(grad=lambda xb, yb, w: mean_grad(x.double(), y.double(), w))),
        ]
    loss_mistakes = [Mistake(LOSS_BEFORE, run(loss_before=True))]
    if n > 1:
        loss_mistakes.append(Mistake(SUM_OF_SQUARES, (expected[0], expected[1] * n)))
    return expected, w_mistakes, loss_mistakes


SGD_SIZES = [pytest.param(1, id="one sample"), pytest.param(6, id="6 samples"),
             pytest.param(25, id="25 samples")]


@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SGD_SIZES)
def test_train_sgd(sub, rng, dtype, n):
    """train_sgd makes N per-sample updates per epoch, in index order, and records the MSE after."""
    x, y, w0 = draw(rng, n, dtype)
    lr = f32(0.0625)
    expected, w_mistakes, loss_mistakes = sgd_expectations(x, y, w0, lr, EPOCHS, sub.seed)
    expect_training(sub.train_sgd(x, y, w0, lr, EPOCHS), expected, dtype,
                    what=t("train_sgd(x, y, w0, lr, epochs={epochs}) with N = {n}",
                           epochs=EPOCHS, n=n),
                    w_mistakes=w_mistakes, loss_mistakes=loss_mistakes)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", DTYPES)
def test_train_sgd_with_tensor_scalars(sub, rng, dtype):
    """w0 and lr may be 0-dim tensors of x's dtype; the inputs stay unchanged."""
    x, y, w0 = draw(rng, 7, dtype)
    w0_t, lr_t = torch.tensor(w0, dtype=dtype), torch.tensor(0.0625, dtype=dtype)
    outcome = sub.run("train_sgd", x, y, w0_t, lr_t, EPOCHS)
    expected, w_mistakes, loss_mistakes = sgd_expectations(x, y, w0, 0.0625, EPOCHS, sub.seed)
    expect_training(outcome.result, expected, dtype, what="train_sgd with tensor w0 and lr",
                    w_mistakes=w_mistakes, loss_mistakes=loss_mistakes)
    expect_contract(outcome, (x, y, w0_t, lr_t), what="train_sgd", names=("x", "y", "w0", "lr"))


@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", SGD_SIZES)
def test_train_autograd(sub, rng, dtype, n):
    """train_autograd follows train_sgd's trajectory, returning a w that does not require grad."""
    x, y, w0 = draw(rng, n, dtype)
    lr = f32(0.0625)
    expected, w_mistakes, loss_mistakes = sgd_expectations(x, y, w0, lr, EPOCHS, sub.seed,
                                                           autograd=True)
    expect_training(call(sub.train_autograd, x, y, w0, lr, EPOCHS), expected, dtype,
                    what=t("train_autograd(x, y, w0, lr, epochs={epochs}) with N = {n}",
                           epochs=EPOCHS, n=n),
                    w_mistakes=w_mistakes, loss_mistakes=loss_mistakes)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", DTYPES)
def test_train_autograd_leaves_w0_alone(sub, rng, dtype):
    """A tensor w0 of x's dtype comes back unchanged: not trained in place, not requiring grad."""
    x, y, w0 = draw(rng, 6, dtype)
    w0_t, lr = torch.tensor(w0, dtype=dtype), f32(0.0625)
    outcome = call(sub.run, "train_autograd", x, y, w0_t, lr, EPOCHS)
    w0_after = outcome.args_after[2]
    if w0_after.requires_grad or not torch.equal(w0_after.detach(), w0_t):
        raise Mismatch(W0_MODIFIED)
    expected, w_mistakes, loss_mistakes = sgd_expectations(x, y, w0, lr, EPOCHS, sub.seed,
                                                           autograd=True)
    expect_training(outcome.result, expected, dtype, what="train_autograd with a tensor w0",
                    w_mistakes=w_mistakes, loss_mistakes=loss_mistakes)
    expect_contract(outcome, (x, y, w0_t, lr), what="train_autograd", names=("x", "y", "w0", "lr"))


# ---------------------------------------------------------------------- train_minibatch

MINIBATCH_CASES = [
    pytest.param(10, 3, id="N=10 B=3 (partial last batch)"),
    pytest.param(12, 4, id="N=12 B=4"),
    pytest.param(7, 1, id="N=7 B=1"),
    pytest.param(5, 8, id="N=5 B=8 (one batch)"),
    pytest.param(23, 5, id="N=23 B=5 (partial last batch)"),
]


@oracle
def minibatch_expectations(x, y, w0, lr, epochs, batch_size, seed, global_seed):
    """Expected (w, losses) and the mistakes, for generator(seed) (or the global RNG if None)."""
    n = len(x)

    def run(epochs=epochs, perm_seed=seed if seed is not None else global_seed, **mistake):
        options = {k: mistake.pop(k)
                   for k in ("drop_last", "perm_per_batch", "perm_reused") if k in mistake}
        batches = shuffled_batches(n, batch_size, seeded(n, perm_seed), **options)
        return train(x, y, w0, lr, epochs, batches, **mistake)

    expected = run()
    w_mistakes = [Mistake(SIGN, run(sign=1.0)),
                  Mistake(PERM_PER_BATCH, run(perm_per_batch=True)),
                  Mistake(PERM_REUSED, run(perm_reused=True)),
                  *epoch_mistakes(lambda e: run(epochs=e), epochs)]
    if batch_size > 1:
        w_mistakes.append(Mistake(SUMMED_BATCH, run(grad=summed_grad)))
    if n % batch_size:
        w_mistakes += [Mistake(LAST_BATCH_DROPPED, run(drop_last=True)),
                       Mistake(DIVIDED_BY_B, run(grad=lambda xb, yb, w: summed_grad(xb, yb, w)
                                                 / batch_size))]
    if seed is not None:
        w_mistakes.insert(0, Mistake(GENERATOR_IGNORED, run(perm_seed=global_seed)))
    loss_mistakes = [Mistake(LOSS_BEFORE, run(loss_before=True)),
                     Mistake(SUM_OF_SQUARES, (expected[0], expected[1] * n))]
    return expected, w_mistakes, loss_mistakes


@pytest.mark.points(4)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "batch_size"), MINIBATCH_CASES)
def test_train_minibatch(sub, rng, dtype, n, batch_size):
    """One torch.randperm(N, generator=generator) per epoch, ⌈N/B⌉ batch-mean updates on its slices."""
    x, y, w0 = draw(rng, n, dtype)
    seed = int(torch.randint(0, 2**31 - 1, (), generator=rng))
    lr = f32(0.125)
    expected, w_mistakes, loss_mistakes = minibatch_expectations(
        x, y, w0, lr, EPOCHS, batch_size, seed, sub.seed)
    got = sub.train_minibatch(x, y, w0, lr, EPOCHS, batch_size, generator(seed))
    expect_training(got, expected, dtype,
                    what=t("train_minibatch with N = {n}, batch_size = {batch_size}", n=n,
                           batch_size=batch_size),
                    w_mistakes=w_mistakes, loss_mistakes=loss_mistakes)


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", DTYPES)
def test_train_minibatch_global_generator(sub, rng, dtype):
    """With generator=None the permutations come from the global RNG; the inputs stay unchanged."""
    x, y, w0 = draw(rng, 11, dtype)
    w0_t, lr = torch.tensor(w0, dtype=dtype), f32(0.125)
    outcome = sub.run("train_minibatch", x, y, w0_t, lr, EPOCHS, 4, None)
    expected, w_mistakes, loss_mistakes = minibatch_expectations(
        x, y, w0, lr, EPOCHS, 4, None, sub.seed)
    expect_training(outcome.result, expected, dtype,
                    what="train_minibatch(x, y, w0, lr, epochs, 4, generator=None)",
                    w_mistakes=w_mistakes, loss_mistakes=loss_mistakes)
    expect_contract(outcome, (x, y, w0_t), what="train_minibatch", names=("x", "y", "w0"))


# ---------------------------------------------------------------------- all trainers

TRAINERS = ["train_gd", "train_sgd", "train_minibatch", "train_autograd"]


def trainer_args(function: str, x, y, w0, lr, epochs, batch_size: int = 3) -> tuple:
    args = (x, y, w0, lr, epochs)
    return (*args, batch_size, None) if function == "train_minibatch" else args


@pytest.mark.points(2)
@pytest.mark.parametrize("function", TRAINERS)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("w0_kind", ["tensor w0", "Python w0"])
def test_zero_epochs(sub, rng, function, dtype, w0_kind):
    """With epochs = 0: w0's value as a new 0-dim tensor of x's dtype, and empty losses."""
    x, y, w0 = draw(rng, 6, dtype)
    sent = torch.tensor(w0, dtype=dtype) if w0_kind == "tensor w0" else w0
    outcome = call(sub.run, function, *trainer_args(function, x, y, sent, 0.1, 0))
    w, losses = expect_tuple(outcome.result, 2, what=function)
    zero = t("{function}(..., epochs=0)", function=function)
    expect_close(w, torch.tensor(w0, dtype=dtype), what=t("{what}: {part}", what=zero, part="w"))
    expect_tensor(losses, what=t("{what}: {part}", what=zero, part="losses"), shape=(0,),
                  dtype=dtype)
    expect_contract(outcome, (x, y, sent), what=t("{function} with epochs=0", function=function),
                    names=("x", "y", "w0"))
