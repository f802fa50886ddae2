"""Hidden suite for lesson 5 (activations.py): random inputs, both dtypes, ±1e4 stability.

Expected values come from the float64 oracle below, computed here in the checker with
PyTorch's own functions (torch.sigmoid, torch.softmax, F.cross_entropy, autograd); the
submission is reached only through ``sub``, with those built-ins disabled while it runs.
Known wrong answers are named through ``Mistake`` candidates computed by checker-side
versions of each mistake, and overflow through ``nonfinite``. Every rule checked here is
also shown by a public check; the only errors checked are chain_grad's (lessons.md).
"""

import importlib.util

import pytest
import torch
import torch.nn.functional as F

from grader.checks import (
    N_,
    Mistake,
    close,
    exercise_file,
    expect_close,
    expect_contract,
    expect_exact,
    expect_raises,
    t,
)

F64 = torch.float64
DTYPES = [pytest.param(torch.float64, id="float64"), pytest.param(torch.float32, id="float32")]
SHAPES = [pytest.param((), id="0-dim"), pytest.param((9,), id="vector"),
          pytest.param((4, 5), id="matrix"), pytest.param((2, 3, 4), id="3-d")]
EXTREMES = [-1e4, -1e3, -800.0, -100.0, -50.0, -20.0, -1.0, 0.0, 1.0, 20.0, 50.0, 100.0, 800.0,
            1e3, 1e4]


def _import_public_checks():
    """This lesson's public checks (the course's own file, read in the checker): the hidden
    suite names mistakes in the same words, so the messages live there only."""
    path = exercise_file("lesson5", "test_activations.py")
    spec = importlib.util.spec_from_file_location("_lesson5_public_checks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


public = _import_public_checks()
SIGMOID_DISABLED = public.SIGMOID_DISABLED
SOFTMAX_DISABLED = public.SOFTMAX_DISABLED
CROSS_ENTROPY_DISABLED = public.CROSS_ENTROPY_DISABLED
GRAD_DISABLED = public.GRAD_DISABLED
SIGMOID_OVERFLOW = public.SIGMOID_OVERFLOW
SIGMOID_GRAD_OVERFLOW = public.SIGMOID_GRAD_OVERFLOW
SIGMOID_OF_X = public.SIGMOID_OF_X
TANH_NO_SQUARE = public.TANH_NO_SQUARE
TANH_OF_X = public.TANH_OF_X
RELU_ONE_AT_ZERO = public.RELU_ONE_AT_ZERO
RELU_HALF_AT_ZERO = public.RELU_HALF_AT_ZERO
NO_MAX = public.NO_MAX
IGNORES_DIM = public.IGNORES_DIM
NO_KEEPDIM = public.NO_KEEPDIM
CE_NONFINITE = public.CE_NONFINITE
SUMMED = public.SUMMED
COLUMNS = public.COLUMNS
CE_SIGN = public.CE_SIGN
NOT_DIVIDED = public.NOT_DIVIDED
GRAD_SIGN = public.GRAD_SIGN
ONE_HOT_AXIS = public.ONE_HOT_AXIS
FACTORS_AT_X = public.FACTORS_AT_X
ONE_LAYER_LATE = public.ONE_LAYER_LATE
ADDED = public.ADDED
DIVIDED_TWICE = N_("the gradient is divided by N twice: it is (softmax − one-hot) / N")


# ---------------------------------------------------------------------- oracle (checker only)


def draw(rng, shape, dtype, scale=4.0):
    """x in ``dtype`` and the same values in float64 for the oracle."""
    x = (scale * torch.randn(shape, generator=rng, dtype=F64)).to(dtype)
    return x, x.to(F64)


def moderate(rng, shape, zeros=False):
    """float64 values in [−3, 3] (every third one exactly 0 when ``zeros``): inputs where an
    analytic derivative and a finite difference differ by about 1e-10."""
    x = (1.5 * torch.randn(shape, generator=rng, dtype=F64)).clamp(-3.0, 3.0)
    if zeros:
        x.view(-1)[::3] = 0.0
    return x


def extremes(dtype):
    x = torch.tensor(EXTREMES, dtype=dtype)
    return x, x.to(F64)


def sigmoid(x):
    return torch.sigmoid(x)


def sigmoid_grad(x):
    s = torch.sigmoid(x)
    return s * (1 - s)


def tanh_grad(x):
    return 1 - torch.tanh(x) ** 2


def relu_grad(x):
    return (x > 0).to(x.dtype)


def sigmoid_grad_mistakes(x64):
    return [Mistake(SIGMOID_OF_X, x64 * (1 - x64))]


def tanh_mistakes(x64):
    return [Mistake(TANH_NO_SQUARE, 1 - torch.tanh(x64)), Mistake(TANH_OF_X, 1 - x64 * x64)]


def relu_mistakes(x64):
    return [Mistake(RELU_ONE_AT_ZERO, (x64 >= 0).to(F64)),
            Mistake(RELU_HALF_AT_ZERO, (x64 > 0).to(F64) + 0.5 * (x64 == 0).to(F64))]


def softmax_no_keepdim(z, dim):
    """What softmax gives when the max and the sum lose their dimension, or None if it fails."""
    try:
        e = torch.exp(z - z.amax(dim=dim))
        out = e / e.sum(dim=dim)
    except RuntimeError:
        return None
    return out if out.shape == z.shape else None


def softmax_nonfinite(got, z, dim):
    """Why softmax's answer holds nan or inf: the missing max-subtraction, or a missing keepdim."""
    no_keepdim = softmax_no_keepdim(z, dim)
    if (isinstance(got, torch.Tensor) and no_keepdim is not None and got.shape == z.shape
            and close(got, no_keepdim, 1e-4, 1e-5)):
        return NO_KEEPDIM
    return NO_MAX


def softmax_mistakes(z, dim):
    wrong = [Mistake(IGNORES_DIM, torch.softmax(z, dim=-1))]
    no_keepdim = softmax_no_keepdim(z, dim)
    if no_keepdim is not None:
        wrong.append(Mistake(NO_KEEPDIM, no_keepdim))
    return wrong


def classification(rng, n, c, dtype, scale=3.0):
    logits, logits64 = draw(rng, (n, c), dtype, scale)
    target = torch.randint(0, c, (n,), generator=rng)
    return logits, logits64, target


def extreme_classification(rng, n, c, dtype):
    """Logits in [−1e4, 1e4]; row 0's target is its smallest logit (a probability of e^−much)."""
    z = (2 * torch.rand((n, c), generator=rng, dtype=F64) - 1) * 1e4
    z[0, 0], z[0, -1] = 1e4, -1e4
    target = torch.randint(0, c, (n,), generator=rng)
    target[0] = c - 1
    logits = z.to(dtype)
    return logits, logits.to(F64), target


def cross_entropy(logits, target):
    return F.cross_entropy(logits, target)


def ce_mistakes(logits64, target, expected):
    n = logits64.shape[0]
    columns = -torch.log_softmax(logits64, dim=1)[:, target]
    return [Mistake(SUMMED, expected * n), Mistake(COLUMNS, columns.mean()),
            Mistake(COLUMNS, columns.sum() / n), Mistake(CE_SIGN, -expected)]


def cross_entropy_grad(logits, target):
    n, c = logits.shape
    return (torch.softmax(logits, dim=1) - F.one_hot(target, c).to(logits.dtype)) / n


def grad_mistakes(logits, target, expected):
    n, c = logits.shape
    probs = torch.softmax(logits, dim=1)
    wrong = [Mistake(NOT_DIVIDED, expected * n), Mistake(GRAD_SIGN, -expected)]
    if n > 1:
        wrong.append(Mistake(DIVIDED_TWICE, expected / n))
    if n == c:
        transposed = torch.zeros_like(probs)
        transposed[target, torch.arange(n)] = 1.0
        wrong += [Mistake(ONE_HOT_AXIS, (probs - transposed) / n),
                  Mistake(ONE_HOT_AXIS, (probs - F.one_hot(target, c).to(probs.dtype).T) / n)]
    return wrong


FORWARD = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu}
DERIVATIVE = {"sigmoid": sigmoid_grad, "tanh": tanh_grad, "relu": relu_grad}


def chain_grad(x, depth, activation):
    """d(act∘…∘act)/dx elementwise, by autograd through the composition."""
    if depth == 0:
        return torch.ones_like(x)
    leaf = x.clone().requires_grad_(True)
    out = leaf
    for _ in range(depth):
        out = FORWARD[activation](out)
    (grad,) = torch.autograd.grad(out.sum(), leaf)
    return grad


WRONG_DERIVATIVES = {
    "sigmoid": [(SIGMOID_OF_X, lambda a: a * (1 - a))],
    "tanh": [(TANH_NO_SQUARE, lambda a: 1 - torch.tanh(a)), (TANH_OF_X, lambda a: 1 - a * a)],
    "relu": [(RELU_ONE_AT_ZERO, lambda a: (a >= 0).to(a.dtype)),
             (RELU_HALF_AT_ZERO, lambda a: (a > 0).to(a.dtype) + 0.5 * (a == 0).to(a.dtype))],
}


def chain_mistakes(x, depth, activation):
    """Factors taken at the wrong points, added instead of multiplied, or a wrong layer
    derivative in an otherwise right chain."""
    forward, derivative = FORWARD[activation], DERIVATIVE[activation]
    inputs = [x]
    for _ in range(depth):
        inputs.append(forward(inputs[-1]))
    factors = [derivative(a) for a in inputs]  # act'(a₀), …, act'(a_depth)
    late = torch.ones_like(x)
    added = torch.zeros_like(x)
    for k in range(depth):
        late = late * factors[k + 1]
        added = added + factors[k]
    wrong = [Mistake(FACTORS_AT_X, factors[0] ** depth), Mistake(ONE_LAYER_LATE, late),
             Mistake(ADDED, added), Mistake(ADDED, 1 + added)]
    for message, wrong_derivative in WRONG_DERIVATIVES[activation]:
        total = torch.ones_like(x)
        for a in inputs[:depth]:
            total = total * wrong_derivative(a)
        wrong.append(Mistake(public.wrong_layer(message), total))
    return wrong


def chain_nonfinite(activation):
    return SIGMOID_OVERFLOW if activation == "sigmoid" else None


# ---------------------------------------------------------------------- sigmoid


@pytest.mark.points(2)
@pytest.mark.disabled(*SIGMOID_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_sigmoid_values(sub, rng, dtype, shape):
    """sigmoid(x) = 1 / (1 + e^(−x)) elementwise, same shape and dtype as x."""
    x, x64 = draw(rng, shape, dtype)
    expect_close(sub.sigmoid(x), sigmoid(x64).to(dtype), what="sigmoid(x)",
                 nonfinite=SIGMOID_OVERFLOW)


@pytest.mark.points(2)
@pytest.mark.disabled(*SIGMOID_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_saturates_without_overflow(sub, dtype):
    """sigmoid saturates to 0 and 1 for |x| up to 1e4, never nan."""
    x, x64 = extremes(dtype)
    expect_close(sub.sigmoid(x), sigmoid(x64).to(dtype), what="sigmoid(x) for x up to ±1e4",
                 nonfinite=SIGMOID_OVERFLOW)


@pytest.mark.points(1)
@pytest.mark.disabled(*SIGMOID_DISABLED)
def test_sigmoid_keeps_input(sub, rng):
    """sigmoid is right, leaves x unchanged (even for huge |x|) and returns a new tensor."""
    x = torch.cat([extremes(F64)[0], 600 * torch.randn(6, generator=rng, dtype=F64)])
    outcome = sub.run("sigmoid", x)
    expect_contract(outcome, (x,), what="sigmoid", names=("x",))
    expect_close(outcome.result, sigmoid(x), what="sigmoid(x)", nonfinite=SIGMOID_OVERFLOW)


# ---------------------------------------------------------------------- sigmoid_grad


@pytest.mark.points(2)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_sigmoid_grad_values(sub, rng, dtype, shape):
    """sigmoid_grad(x) = σ(x)·(1 − σ(x)) elementwise."""
    x, x64 = draw(rng, shape, dtype)
    expect_close(sub.sigmoid_grad(x), sigmoid_grad(x64).to(dtype), what="sigmoid_grad(x)",
                 nonfinite=SIGMOID_GRAD_OVERFLOW, mistakes=lambda: sigmoid_grad_mistakes(x64))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_grad_saturates(sub, dtype):
    """sigmoid_grad is 0.25 at 0 and 0, not nan, where σ saturates (|x| up to 1e4)."""
    x, x64 = extremes(dtype)
    expect_close(sub.sigmoid_grad(x), sigmoid_grad(x64).to(dtype),
                 what="sigmoid_grad(x) for x up to ±1e4", nonfinite=SIGMOID_GRAD_OVERFLOW,
                 mistakes=lambda: sigmoid_grad_mistakes(x64))


@pytest.mark.points(2)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_sigmoid_grad_is_exact(sub, rng):
    """sigmoid_grad in float64 is the formula's value to ~1e-12, not a finite difference."""
    x = moderate(rng, (16,))
    expect_exact(sub.sigmoid_grad(x), sigmoid_grad(x), what="sigmoid_grad(x) in float64",
                 mistakes=lambda: sigmoid_grad_mistakes(x))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_sigmoid_grad_keeps_input(sub, rng):
    """sigmoid_grad is right, leaves x unchanged and returns a new tensor."""
    x = torch.cat([extremes(F64)[0], 600 * torch.randn(6, generator=rng, dtype=F64)])
    outcome = sub.run("sigmoid_grad", x)
    expect_contract(outcome, (x,), what="sigmoid_grad", names=("x",))
    expect_close(outcome.result, sigmoid_grad(x), what="sigmoid_grad(x)",
                 nonfinite=SIGMOID_GRAD_OVERFLOW, mistakes=lambda: sigmoid_grad_mistakes(x))


# ---------------------------------------------------------------------- tanh_grad


@pytest.mark.points(2)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_tanh_grad_values(sub, rng, dtype, shape):
    """tanh_grad(x) = 1 − tanh(x)² elementwise."""
    x, x64 = draw(rng, shape, dtype, scale=1.5)
    expect_close(sub.tanh_grad(x), tanh_grad(x64).to(dtype), what="tanh_grad(x)",
                 mistakes=lambda: tanh_mistakes(x64))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_grad_saturates(sub, dtype):
    """tanh_grad is 1 at 0 and 0 far out (|x| up to 1e4), never nan."""
    x, x64 = extremes(dtype)
    expect_close(sub.tanh_grad(x), tanh_grad(x64).to(dtype), what="tanh_grad(x) for x up to ±1e4",
                 mistakes=lambda: tanh_mistakes(x64))


@pytest.mark.points(2)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_tanh_grad_is_exact(sub, rng):
    """tanh_grad in float64 is the formula's value to ~1e-12, not a finite difference."""
    x = moderate(rng, (16,))
    expect_exact(sub.tanh_grad(x), tanh_grad(x), what="tanh_grad(x) in float64",
                 mistakes=lambda: tanh_mistakes(x))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_tanh_grad_keeps_input(sub, rng):
    """tanh_grad is right, leaves x unchanged and returns a new tensor."""
    x, _ = draw(rng, (3, 4), F64, scale=1.5)
    outcome = sub.run("tanh_grad", x)
    expect_contract(outcome, (x,), what="tanh_grad", names=("x",))
    expect_close(outcome.result, tanh_grad(x), what="tanh_grad(x)", mistakes=lambda: tanh_mistakes(x))


# ---------------------------------------------------------------------- relu_grad


def relu_input(rng, shape, dtype):
    """Random values with every third entry exactly 0."""
    x, _ = draw(rng, shape, dtype)
    flat = x.reshape(-1).clone()
    flat[::3] = 0.0
    x = flat.reshape(shape)
    return x, x.to(F64)


@pytest.mark.points(2)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_relu_grad_values(sub, rng, dtype, shape):
    """relu_grad(x) is 1 where x > 0 and 0 elsewhere, including at exactly 0, in x's dtype."""
    x, x64 = relu_input(rng, shape, dtype)
    expect_close(sub.relu_grad(x), relu_grad(x64).to(dtype), what="relu_grad(x) (with zeros in x)",
                 mistakes=lambda: relu_mistakes(x64))


@pytest.mark.points(2)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_relu_grad_is_exact(sub, rng):
    """relu_grad in float64 (zeros in x) is exactly 1 or 0, not a finite difference."""
    x = moderate(rng, (15,), zeros=True)
    expect_exact(sub.relu_grad(x), relu_grad(x), what="relu_grad(x) in float64",
                 mistakes=lambda: relu_mistakes(x))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_relu_grad_keeps_input(sub, rng):
    """relu_grad is right, leaves x unchanged and returns a new tensor."""
    x, _ = relu_input(rng, (4, 4), F64)
    outcome = sub.run("relu_grad", x)
    expect_contract(outcome, (x,), what="relu_grad", names=("x",))
    expect_close(outcome.result, relu_grad(x), what="relu_grad(x)", mistakes=lambda: relu_mistakes(x))


# ---------------------------------------------------------------------- softmax

SOFTMAX_CASES = [
    pytest.param((7,), -1, id="vector"),
    pytest.param((7,), 0, id="vector-dim0"),
    pytest.param((4, 6), -1, id="rows"),
    pytest.param((4, 6), 0, id="columns"),
    pytest.param((4, 6), -2, id="columns-negative-dim"),
    pytest.param((5, 5), -1, id="square-rows"),
    pytest.param((5, 5), 0, id="square-columns"),
    pytest.param((3, 4, 5), 1, id="3-d-middle"),
    pytest.param((3, 4, 5), 2, id="3-d-last"),
]


@pytest.mark.points(4)
@pytest.mark.disabled(*SOFTMAX_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("shape", "dim"), SOFTMAX_CASES)
def test_softmax_values(sub, rng, dtype, shape, dim):
    """softmax(z, dim) = exp(z) / Σ exp(z) along dim; entries along dim sum to 1."""
    z, z64 = draw(rng, shape, dtype, scale=3.0)
    expect_close(sub.softmax(z, dim=dim), torch.softmax(z64, dim=dim).to(dtype),
                 what=t("softmax(z, dim={dim}) for z of shape {shape}", dim=dim, shape=str(shape)),
                 nonfinite=NO_MAX,
                 mistakes=lambda: softmax_mistakes(z64, dim))


@pytest.mark.points(1)
@pytest.mark.disabled(*SOFTMAX_DISABLED)
def test_softmax_default_dim_is_last(sub, rng):
    """Without dim, softmax normalises along the last dimension."""
    z, _ = draw(rng, (3, 5), F64, scale=3.0)
    expect_close(sub.softmax(z), torch.softmax(z, dim=-1), what="softmax(z) with the default dim",
                 nonfinite=NO_MAX, mistakes=lambda: softmax_mistakes(z, -1))


@pytest.mark.points(2)
@pytest.mark.disabled(*SOFTMAX_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [-1, 0])
def test_softmax_stable_for_huge_logits(sub, rng, dtype, dim):
    """Logits up to ±1e4 give finite probabilities (max-subtraction)."""
    z = ((2 * torch.rand((6, 6), generator=rng, dtype=F64) - 1) * 1e4).to(dtype)
    z[0, 0], z[-1, -1] = 1e4, -1e4
    z64 = z.to(F64)
    got = sub.softmax(z, dim=dim)
    expect_close(got, torch.softmax(z64, dim=dim).to(dtype),
                 what=t("softmax(z, dim={dim}) for logits up to ±1e4", dim=dim),
                 nonfinite=softmax_nonfinite(got, z64, dim), mistakes=lambda: softmax_mistakes(z64, dim))


@pytest.mark.points(1)
@pytest.mark.disabled(*SOFTMAX_DISABLED)
def test_softmax_of_a_0_dim_tensor_is_one(sub, rng):
    """A 0-dim z gives 1 (a single probability)."""
    z, _ = draw(rng, (), F64)
    expect_close(sub.softmax(z), torch.ones((), dtype=F64), what="softmax(z) for a 0-dim z",
                 nonfinite=NO_MAX)


@pytest.mark.points(1)
@pytest.mark.disabled(*SOFTMAX_DISABLED)
def test_softmax_keeps_input(sub, rng):
    """softmax is right, leaves z unchanged and returns a new tensor."""
    z = (2 * torch.rand((4, 5), generator=rng, dtype=F64) - 1) * 1e4
    outcome = sub.run("softmax", z, 1)
    expect_contract(outcome, (z,), what="softmax", names=("z",))
    expect_close(outcome.result, torch.softmax(z, dim=1), what="softmax(z, dim=1)",
                 nonfinite=NO_MAX, mistakes=lambda: softmax_mistakes(z, 1))


# ---------------------------------------------------------------------- cross_entropy

CE_SIZES = [pytest.param(1, 4, id="N=1"), pytest.param(6, 3, id="N=6,C=3"),
            pytest.param(16, 10, id="N=16,C=10"), pytest.param(5, 5, id="N=C=5"),
            pytest.param(4, 1, id="one-class")]


@pytest.mark.points(3)
@pytest.mark.disabled(*CROSS_ENTROPY_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "c"), CE_SIZES)
def test_cross_entropy_values(sub, rng, dtype, n, c):
    """cross_entropy is the batch mean of −log softmax(logits)[target], a 0-dim tensor."""
    logits, logits64, target = classification(rng, n, c, dtype)
    expected = cross_entropy(logits64, target)
    expect_close(sub.cross_entropy(logits, target), expected.to(dtype),
                 what=t("cross_entropy(logits of shape ({n}, {c}), target)", n=n, c=c),
                 nonfinite=CE_NONFINITE, mistakes=lambda: ce_mistakes(logits64, target, expected))


@pytest.mark.points(2)
@pytest.mark.disabled(*CROSS_ENTROPY_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_stable_for_huge_logits(sub, rng, dtype):
    """Logits up to ±1e4 give the finite loss F.cross_entropy gives (log-sum-exp)."""
    logits, logits64, target = extreme_classification(rng, 6, 5, dtype)
    expected = cross_entropy(logits64, target)
    expect_close(sub.cross_entropy(logits, target), expected.to(dtype),
                 what="cross_entropy(logits up to ±1e4, target)",
                 nonfinite=CE_NONFINITE, mistakes=lambda: ce_mistakes(logits64, target, expected))


@pytest.mark.points(1)
@pytest.mark.disabled(*CROSS_ENTROPY_DISABLED)
def test_cross_entropy_keeps_inputs(sub, rng):
    """cross_entropy is right, leaves logits and target unchanged and returns a new tensor."""
    logits, _, target = classification(rng, 7, 4, F64)
    outcome = sub.run("cross_entropy", logits, target)
    expect_contract(outcome, (logits, target), what="cross_entropy", names=("logits", "target"))
    expected = cross_entropy(logits, target)
    expect_close(outcome.result, expected, what="cross_entropy(logits, target)",
                 nonfinite=CE_NONFINITE, mistakes=lambda: ce_mistakes(logits, target, expected))


# ---------------------------------------------------------------------- cross_entropy_grad


@pytest.mark.points(3)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("n", "c"), CE_SIZES)
def test_cross_entropy_grad_values(sub, rng, dtype, n, c):
    """cross_entropy_grad = (softmax(logits) − one-hot(target)) / N, shape (N, C)."""
    logits, logits64, target = classification(rng, n, c, dtype)
    expected = cross_entropy_grad(logits64, target)
    expect_close(sub.cross_entropy_grad(logits, target), expected.to(dtype),
                 what=t("cross_entropy_grad(logits of shape ({n}, {c}), target)", n=n, c=c),
                 nonfinite=NO_MAX, mistakes=lambda: grad_mistakes(logits64, target, expected))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_grad_stable_for_huge_logits(sub, rng, dtype):
    """Logits up to ±1e4 give a finite gradient."""
    logits, logits64, target = extreme_classification(rng, 6, 5, dtype)
    expected = cross_entropy_grad(logits64, target)
    expect_close(sub.cross_entropy_grad(logits, target), expected.to(dtype),
                 what="cross_entropy_grad(logits up to ±1e4, target)",
                 nonfinite=NO_MAX, mistakes=lambda: grad_mistakes(logits64, target, expected))


@pytest.mark.points(2)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_cross_entropy_grad_is_exact(sub, rng):
    """cross_entropy_grad in float64 is the formula's value to ~1e-12, not a finite difference."""
    logits = moderate(rng, (5, 5))
    target = torch.randint(0, 5, (5,), generator=rng)
    expected = cross_entropy_grad(logits, target)
    expect_exact(sub.cross_entropy_grad(logits, target), expected,
                 what="cross_entropy_grad(logits, target) in float64",
                 mistakes=lambda: grad_mistakes(logits, target, expected))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_cross_entropy_grad_keeps_inputs(sub, rng):
    """cross_entropy_grad is right, leaves logits and target unchanged, returns a new tensor."""
    logits, _, target = classification(rng, 6, 6, F64)
    outcome = sub.run("cross_entropy_grad", logits, target)
    expect_contract(outcome, (logits, target), what="cross_entropy_grad",
                    names=("logits", "target"))
    expected = cross_entropy_grad(logits, target)
    expect_close(outcome.result, expected, what="cross_entropy_grad(logits, target)",
                 nonfinite=NO_MAX, mistakes=lambda: grad_mistakes(logits, target, expected))


# ---------------------------------------------------------------------- chain_grad

CHAIN_CASES = [pytest.param(a, d, id=f"{a}-{d}") for a in ("sigmoid", "tanh", "relu")
               for d in (1, 2, 3, 6)]


def chain_input(rng, shape, dtype):
    x, _ = draw(rng, shape, dtype, scale=2.0)
    flat = x.reshape(-1).clone()
    flat[::4] = 0.0  # relu's derivative at exactly 0 is 0
    x = flat.reshape(shape)
    return x, x.to(F64)


@pytest.mark.points(4)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(("activation", "depth"), CHAIN_CASES)
def test_chain_grad_values(sub, rng, dtype, activation, depth):
    """chain_grad = act'(a₀)·act'(a₁)·…·act'(a_{depth−1}), a₀ = x, a_{k+1} = act(a_k)."""
    x, x64 = chain_input(rng, (3, 4), dtype)
    expect_close(sub.chain_grad(x, depth, activation), chain_grad(x64, depth, activation).to(dtype),
                 what=t('chain_grad(x, depth={depth}, "{activation}")', depth=depth,
                        activation=activation),
                 nonfinite=chain_nonfinite(activation),
                 mistakes=lambda: chain_mistakes(x64, depth, activation))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_chain_grad_depth_zero_is_ones(sub, rng, dtype, activation):
    """depth 0 is the identity: its derivative is 1 everywhere, in x's shape and dtype."""
    x, x64 = chain_input(rng, (5,), dtype)
    expect_close(sub.chain_grad(x, 0, activation), torch.ones(5, dtype=dtype),
                 what=t('chain_grad(x, depth=0, "{activation}")', activation=activation),
                 mistakes=lambda: chain_mistakes(x64, 0, activation))


@pytest.mark.points(2)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_chain_grad_is_exact(sub, rng, activation):
    """chain_grad in float64 is the product's value to ~1e-12, not a finite difference."""
    x = moderate(rng, (12,), zeros=True)
    expect_exact(sub.chain_grad(x, 3, activation), chain_grad(x, 3, activation),
                 what=t('chain_grad(x, depth=3, "{activation}") in float64', activation=activation),
                 mistakes=lambda: chain_mistakes(x, 3, activation))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_chain_grad_vanishes_for_deep_sigmoids(sub):
    """Ten sigmoid layers at 0 give about 3.9e-7: the vanishing gradient."""
    x = torch.zeros(3, dtype=F64)
    expect_close(sub.chain_grad(x, 10, "sigmoid"), chain_grad(x, 10, "sigmoid"),
                 what='chain_grad(0, depth=10, "sigmoid")', rtol=1e-7, atol=1e-12,
                 nonfinite=SIGMOID_OVERFLOW, mistakes=lambda: chain_mistakes(x, 10, "sigmoid"))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_chain_grad_keeps_input(sub, rng):
    """chain_grad is right, leaves x unchanged and returns a new tensor."""
    x, _ = chain_input(rng, (2, 5), F64)
    outcome = sub.run("chain_grad", x, 3, "tanh")
    expect_contract(outcome, (x,), what="chain_grad", names=("x",))
    expect_close(outcome.result, chain_grad(x, 3, "tanh"), what='chain_grad(x, 3, "tanh")',
                 mistakes=lambda: chain_mistakes(x, 3, "tanh"))


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize(("activation", "depth"), [("softplus", 2), ("Sigmoid", 2), ("", 1),
                                                   ("relu6", 0)])
def test_chain_grad_rejects_unknown_activation(sub, rng, activation, depth):
    """An activation other than "sigmoid", "tanh", "relu" raises ValueError, even at depth 0."""
    x, _ = chain_input(rng, (3,), F64)
    expect_raises(ValueError, sub.chain_grad, x, depth, activation,
                  what=t('chain_grad(x, {depth}, "{activation}")', depth=depth, activation=activation),
                  why='for an activation other than "sigmoid", "tanh" or "relu"')


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_chain_grad_rejects_negative_depth(sub, rng, activation):
    """A negative depth raises ValueError."""
    x, _ = chain_input(rng, (3,), F64)
    expect_raises(ValueError, sub.chain_grad, x, -1, activation,
                  what=t('chain_grad(x, -1, "{activation}")', activation=activation),
                  why="for a negative depth")


# ---------------------------------------------------------------------- results never require grad


def detached_case(rng, function):
    """(args, expected, mistakes, nonfinite), the float argument requiring grad."""
    if function in ("cross_entropy", "cross_entropy_grad"):
        logits, _, target = classification(rng, 4, 3, F64)
        args = (logits.clone().requires_grad_(True), target)
        if function == "cross_entropy":
            expected = cross_entropy(logits, target)
            return args, expected, lambda: ce_mistakes(logits, target, expected), CE_NONFINITE
        expected = cross_entropy_grad(logits, target)
        return args, expected, lambda: grad_mistakes(logits, target, expected), NO_MAX
    x, _ = chain_input(rng, (6,), F64)
    table = {
        "sigmoid": ((), sigmoid(x), (), SIGMOID_OVERFLOW),
        "sigmoid_grad": ((), sigmoid_grad(x), lambda: sigmoid_grad_mistakes(x),
                         SIGMOID_GRAD_OVERFLOW),
        "tanh_grad": ((), tanh_grad(x), lambda: tanh_mistakes(x), None),
        "relu_grad": ((), relu_grad(x), lambda: relu_mistakes(x), None),
        "softmax": ((0,), torch.softmax(x, dim=0), lambda: softmax_mistakes(x, 0), NO_MAX),
        "chain_grad": ((2, "sigmoid"), chain_grad(x, 2, "sigmoid"),
                       lambda: chain_mistakes(x, 2, "sigmoid"), SIGMOID_OVERFLOW),
    }
    rest, expected, mistakes, nonfinite = table[function]
    return (x.clone().requires_grad_(True), *rest), expected, mistakes, nonfinite


# Each function with the APIs disabled while it is graded (as in the public checks).
FUNCTIONS = public.RULE_FUNCTIONS


@pytest.mark.points(2)
@pytest.mark.parametrize("function", FUNCTIONS)
def test_results_are_detached(sub, rng, function):
    """With an argument requiring grad, the result does not, and the argument is left as it was."""
    args, expected, mistakes, nonfinite = detached_case(rng, function)
    outcome = sub.run(function, *args)
    names = ("logits", "target") if function.startswith("cross") else ("x",)
    what = t("{function} with an argument that requires grad", function=function)
    expect_contract(outcome, args, what=what, names=names)
    expect_close(outcome.result, expected, what=what, mistakes=mistakes, nonfinite=nonfinite)
