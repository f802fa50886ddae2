"""Public checks for lesson 5: the worked example from notes.md, numbers you can check by hand.

Run them with `course check lesson5`. `sub` is your activations.py: every call runs your code
and returns its answer. Each check names the APIs it disables (`@pytest.mark.disabled`): the
built-in sigmoid in sigmoid, the built-in softmax in softmax, the built-in cross-entropy,
log-softmax and logsumexp in cross_entropy, and autograd in every *_grad function. The hidden
tests check the same rules on random inputs, both float32 and float64, and more shapes.
"""

import math

import pytest
import torch

from grader.checks import (
    N_,
    Mistake,
    Text,
    expect_close,
    expect_contract,
    expect_exact,
    expect_raises,
    t,
)

F64 = torch.float64
DTYPES = [pytest.param(torch.float64, id="float64"), pytest.param(torch.float32, id="float32")]
SIGMOID_DISABLED = ("torch.sigmoid",)
SOFTMAX_DISABLED = ("torch.softmax", "torch.log_softmax")
CROSS_ENTROPY_DISABLED = ("torch.nn.functional.cross_entropy", "torch.nn.functional.nll_loss",
                          "torch.log_softmax", "torch.logsumexp")
GRAD_DISABLED = ("autograd",)


def tensor(*values, dtype=F64) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype)


X = tensor(0.0, 1.0, -2.0)
X_BIG = tensor(-1e4, -1.0, 0.0, 2.0, 1e4)  # e^(1e4) is inf even in float64
LOGITS = tensor([2.0, 1.0, 0.1], [1000.0, 1001.0, 999.0])
TARGET = torch.tensor([0, 2])
PROBS = tensor([0.6590011388859679, 0.24243297070471392, 0.09856589040931817],
               [0.24472847105479764, 0.6652409557748219, 0.09003057317038046])
ONE_HOT = tensor([1.0, 0.0, 0.0], [0.0, 0.0, 1.0])
CE = 1.412317990361107  # (0.4170 + 2.4076) / 2, the notes' worked example

# Logits that are logs of whole numbers have simple probabilities: log([1, 2, 5]) → [1, 2, 5] / 8.
SQUARE_LOGITS = torch.log(tensor([1.0, 2.0, 5.0], [3.0, 3.0, 2.0], [1.0, 6.0, 1.0]))
SQUARE_TARGET = torch.tensor([2, 0, 1])
SQUARE_PROBS = tensor([1.0, 2.0, 5.0], [3.0, 3.0, 2.0], [1.0, 6.0, 1.0]) / 8
SQUARE_ONE_HOT = tensor([0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
SQUARE_TRANSPOSED = tensor([0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0])  # 1s at [target[i], i]

SIGMOID_OVERFLOW = N_("overflow: e^x (or e^(−x)) is inf for large |x| and inf / inf = nan; only "
                      "ever exponentiate −|x| (see the notes)")
SIGMOID_GRAD_OVERFLOW = N_("overflow: e^x (or e^(−x)) is inf for large |x| and inf / inf = nan; "
                           "compute s = σ(x) with your stable sigmoid, then s·(1 − s)")
SIGMOID_OF_X = N_("σ' is computed from x instead of σ(x): it is σ(x)·(1 − σ(x)), so take the "
                  "sigmoid of x first and apply s·(1 − s) to it")
TANH_NO_SQUARE = N_("the square is missing: tanh'(x) = 1 − tanh(x)², not 1 − tanh(x)")
TANH_OF_X = N_("that is 1 − x²: square the tanh of x, tanh'(x) = 1 − tanh(x)²")
RELU_ONE_AT_ZERO = N_("relu'(0) is 1: the derivative at zero is 0 by PyTorch's convention (use x > 0)")
RELU_HALF_AT_ZERO = N_("relu'(0) is 0.5: the derivative at zero is 0 by PyTorch's convention "
                       "(use x > 0)")
NO_MAX = N_("no max-subtraction: e^z overflows for large logits (inf / inf = nan); subtract the "
            "maximum along dim before exponentiating")
IGNORES_DIM = N_("softmax is taken along the last dimension instead of dim: normalise along the "
                 "dim argument")
NO_KEEPDIM = N_("the max and the sum are taken without keepdim=True, so they broadcast against the "
                "wrong axis; use z.amax(dim=dim, keepdim=True) and .sum(dim=dim, keepdim=True)")
CE_NONFINITE = N_("use the log-sum-exp form −log softmax(z)_t = log Σ_j e^(z_j − m) − (z_t − m) "
                  "with m = max_j z_j, written by hand: log(softmax) gives log(0) = −inf when a "
                  "probability underflows, and e^z without the max overflows")
SUMMED = N_("the per-sample losses are summed instead of averaged: the loss is the mean over the batch")
COLUMNS = N_("logp[:, target] picks column target[j] of every row (an N×N matrix): take one entry "
             "per row, logp[torch.arange(N), target]")
CE_SIGN = N_("the sign is flipped: the loss is −log p of the target class, a positive number")
NOT_DIVIDED = N_("the gradient is not divided by N: the loss is a mean over the batch, so its "
                 "gradient is (softmax − one-hot) / N")
GRAD_SIGN = N_("the sign is flipped: the gradient is (softmax − one-hot) / N, not (one-hot − softmax) / N")
ONE_HOT_AXIS = N_("the one-hot matrix is on the wrong axis: row i needs its 1 in column target[i] "
                  "(classes run along dim 1), not at [target[i], i]")
FACTORS_AT_X = N_("every factor is act'(x), the derivative at the wrong point: evaluate layer k's "
                  "derivative at its own input a_k (a₀ = x, a_(k+1) = act(a_k)), not at x")
ONE_LAYER_LATE = N_("every factor is taken one layer late, at act(a_k) instead of a_k (the first "
                    "at act(x) instead of x): multiply by act'(a) before you apply a = act(a)")
ADDED = N_("the layers' derivatives are added: the chain rule multiplies them (start from ones "
           "and multiply by act'(a_k) for each layer)")
LAYER_WRONG = N_("the layer derivative is wrong, {mistake}")


def wrong_layer(mistake: str) -> Text:
    """The name of a chain whose every layer derivative has ``mistake``."""
    return t(LAYER_WRONG, mistake=mistake)


# ---------------------------------------------------------------------- sigmoid


@pytest.mark.points(1)
@pytest.mark.disabled(*SIGMOID_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_values_and_saturation(sub, dtype):
    """σ(0) = 0.5, σ(1) = 0.73106, σ(−1) = 0.26894, and σ(±1e4) is 1 and 0, not nan."""
    x = tensor(0.0, 1.0, -1.0, 2.0, 1e4, -1e4, dtype=dtype)
    expected = tensor(0.5, 0.7310585786300049, 0.2689414213699951, 0.8807970779778824, 1.0, 0.0)
    expect_close(sub.sigmoid(x), expected.to(dtype), what="sigmoid([0, 1, −1, 2, 1e4, −1e4])",
                 nonfinite=SIGMOID_OVERFLOW)


# ---------------------------------------------------------------------- sigmoid_grad


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_sigmoid_grad_is_exact(sub):
    """σ'(x) = σ(x)(1 − σ(x)): 0.25 at 0, 0.19661 at 1, to ~1e-12 (a finite difference is not)."""
    expect_exact(sub.sigmoid_grad(X), tensor(0.25, 0.19661193324148185, 0.10499358540350652),
                 what="sigmoid_grad([0, 1, −2]) in float64",
                 mistakes=[Mistake(SIGMOID_OF_X, X * (1 - X))])


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_grad_is_zero_far_out(sub, dtype):
    """σ' is 0, not nan, where σ saturates: σ'(±1e4) = 0, σ'(0) = 0.25, σ'(1) = 0.19661."""
    x = tensor(1e4, -1e4, 0.0, 1.0, dtype=dtype)
    expect_close(sub.sigmoid_grad(x), tensor(0.0, 0.0, 0.25, 0.19661193324148185, dtype=dtype),
                 what="sigmoid_grad([1e4, −1e4, 0, 1])", nonfinite=SIGMOID_GRAD_OVERFLOW,
                 mistakes=[Mistake(SIGMOID_OF_X, tensor(1e4 * (1 - 1e4), -1e4 * (1 + 1e4), 0.0, 0.0))])


# ---------------------------------------------------------------------- tanh_grad


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_tanh_grad_is_exact(sub):
    """tanh'(x) = 1 − tanh(x)²: 1 at 0, 0.41997 at 1, to ~1e-12 (a finite difference is not)."""
    expect_exact(sub.tanh_grad(X), tensor(1.0, 0.4199743416140261, 0.07065082485316447),
                 what="tanh_grad([0, 1, −2]) in float64",
                 mistakes=[Mistake(TANH_NO_SQUARE, tensor(1.0, 0.23840584404423512, 1.964027580075817)),
                           Mistake(TANH_OF_X, 1 - X * X)])


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_tanh_grad_is_zero_far_out(sub, dtype):
    """tanh' is 0 far out: tanh'(±1e4) = 0, tanh'(0) = 1."""
    x = tensor(1e4, -1e4, 0.0, dtype=dtype)
    expect_close(sub.tanh_grad(x), tensor(0.0, 0.0, 1.0, dtype=dtype), what="tanh_grad([1e4, −1e4, 0])",
                 mistakes=[Mistake(TANH_NO_SQUARE, tensor(0.0, 2.0, 1.0)),
                           Mistake(TANH_OF_X, tensor(1 - 1e8, 1 - 1e8, 1.0))])


# ---------------------------------------------------------------------- relu_grad

RELU_X = (-2.0, 0.0, 0.5, 3.0)
RELU_MISTAKES = [Mistake(RELU_ONE_AT_ZERO, tensor(0.0, 1.0, 1.0, 1.0)),
                 Mistake(RELU_HALF_AT_ZERO, tensor(0.0, 0.5, 1.0, 1.0))]


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_grad(sub, dtype):
    """relu' of (−2, 0, 0.5, 3) is (0, 0, 1, 1) in x's dtype: 0 at zero, as in PyTorch."""
    expect_close(sub.relu_grad(tensor(*RELU_X, dtype=dtype)), tensor(0.0, 0.0, 1.0, 1.0, dtype=dtype),
                 what="relu_grad([−2, 0, 0.5, 3])", mistakes=RELU_MISTAKES)


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_relu_grad_is_exact(sub):
    """relu' is exactly 1 or 0 (a finite difference of relu is only close to 1)."""
    expect_exact(sub.relu_grad(tensor(*RELU_X)), tensor(0.0, 0.0, 1.0, 1.0),
                 what="relu_grad([−2, 0, 0.5, 3]) in float64", mistakes=RELU_MISTAKES)


# ---------------------------------------------------------------------- softmax

Z2 = torch.log(tensor([1.0, 2.0], [3.0, 6.0]))  # softmax of log-values: the values normalised


@pytest.mark.points(1)
@pytest.mark.disabled(*SOFTMAX_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmax_rows(sub, dtype):
    """softmax of [[2, 1, 0.1], [1000, 1001, 999]] along the last dim, finite despite e^1000."""
    expect_close(sub.softmax(LOGITS.to(dtype)), PROBS.to(dtype),
                 what="softmax([[2, 1, 0.1], [1000, 1001, 999]])", nonfinite=NO_MAX)


@pytest.mark.points(1)
@pytest.mark.disabled(*SOFTMAX_DISABLED)
@pytest.mark.parametrize(("dim", "expected", "mistakes"), [
    pytest.param(0, tensor([0.25, 0.25], [0.75, 0.75]),
                 [Mistake(IGNORES_DIM, tensor([1 / 3, 2 / 3], [1 / 3, 2 / 3]))], id="dim=0"),
    pytest.param(1, tensor([1 / 3, 2 / 3], [1 / 3, 2 / 3]),
                 [Mistake(NO_KEEPDIM, tensor([0.6, 2 / 15], [1.8, 0.4]))], id="dim=1"),
])
def test_softmax_along_dim(sub, dim, expected, mistakes):
    """softmax(log([[1, 2], [3, 6]]), dim) normalises along dim: columns for 0, rows for 1."""
    expect_close(sub.softmax(Z2, dim=dim), expected,
                 what=t("softmax(log([[1, 2], [3, 6]]), dim={dim})", dim=dim), nonfinite=NO_MAX,
                 mistakes=mistakes)


@pytest.mark.points(1)
@pytest.mark.disabled(*SOFTMAX_DISABLED)
def test_softmax_of_a_0_dim_tensor_is_one(sub):
    """A 0-dim z is a single logit: its probability is 1."""
    expect_close(sub.softmax(torch.tensor(2.5, dtype=F64)), torch.tensor(1.0, dtype=F64),
                 what="softmax(tensor(2.5))", nonfinite=NO_MAX)


# ---------------------------------------------------------------------- cross_entropy


@pytest.mark.points(1)
@pytest.mark.disabled(*CROSS_ENTROPY_DISABLED)
def test_cross_entropy(sub):
    """The mean of −log p[target]: (0.4170 + 2.4076) / 2 = 1.4123."""
    log_p = torch.log(PROBS)
    expect_close(sub.cross_entropy(LOGITS, TARGET), torch.tensor(CE, dtype=F64),
                 what="cross_entropy(logits, target=[0, 2])", nonfinite=CE_NONFINITE,
                 mistakes=[Mistake(SUMMED, torch.tensor(2 * CE, dtype=F64)),
                           Mistake(COLUMNS, -log_p[:, TARGET].mean()),
                           Mistake(COLUMNS, -log_p[:, TARGET].sum() / 2),
                           Mistake(CE_SIGN, torch.tensor(-CE, dtype=F64))])


@pytest.mark.points(1)
@pytest.mark.disabled(*CROSS_ENTROPY_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_when_a_probability_underflows(sub, dtype):
    """Row 0's target has probability e^(−20000), 0 in floating point: its loss is 20000, not inf."""
    logits = tensor([1e4, -1e4, 0.0], [3.0, 1.0, 2.0], dtype=dtype)
    # row 0: m = 1e4, loss = log(1 + e^−20000 + e^−10000) − (−1e4 − 1e4) = 20000
    # row 1: m = 3, loss = log(1 + e^−2 + e^−1) − 0 = 0.40761
    lse = math.log(1 + math.exp(-2) + math.exp(-1))
    expected = torch.tensor((20000.0 + lse) / 2, dtype=dtype)
    minus_log_p = tensor([0.0, 2e4, 1e4], [lse, 2 + lse, 1 + lse])  # log Σ e^(z − m) − (z − m)
    expect_close(sub.cross_entropy(logits, torch.tensor([1, 0])), expected,
                 what="cross_entropy([[1e4, −1e4, 0], [3, 1, 2]], target=[1, 0])",
                 nonfinite=CE_NONFINITE,
                 mistakes=[Mistake(SUMMED, 2 * expected),
                           Mistake(COLUMNS, minus_log_p[:, [1, 0]].mean())])


# ---------------------------------------------------------------------- cross_entropy_grad


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_grad(sub, dtype):
    """(softmax − one-hot) / N for the worked example: each row sums to 0."""
    expected = (PROBS - ONE_HOT) / 2
    expect_close(sub.cross_entropy_grad(LOGITS.to(dtype), TARGET), expected.to(dtype),
                 what="cross_entropy_grad(logits, target=[0, 2])", nonfinite=NO_MAX,
                 mistakes=[Mistake(NOT_DIVIDED, PROBS - ONE_HOT),
                           Mistake(GRAD_SIGN, (ONE_HOT - PROBS) / 2)])


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_cross_entropy_grad_is_exact(sub):
    """N = C = 3: (p − one-hot) / 3 to ~1e-12, closer than a finite difference of cross_entropy.

    The logits are logs of whole numbers, so the probabilities are [1, 2, 5]/8, [3, 3, 2]/8
    and [1, 6, 1]/8; target [2, 0, 1] puts row i's 1 in column target[i].
    """
    expect_exact(sub.cross_entropy_grad(SQUARE_LOGITS, SQUARE_TARGET),
                 (SQUARE_PROBS - SQUARE_ONE_HOT) / 3,
                 what="cross_entropy_grad(log([[1, 2, 5], [3, 3, 2], [1, 6, 1]]), target=[2, 0, 1])",
                 mistakes=[Mistake(ONE_HOT_AXIS, (SQUARE_PROBS - SQUARE_TRANSPOSED) / 3),
                           Mistake(NOT_DIVIDED, SQUARE_PROBS - SQUARE_ONE_HOT),
                           Mistake(GRAD_SIGN, (SQUARE_ONE_HOT - SQUARE_PROBS) / 3)])


# ---------------------------------------------------------------------- chain_grad

CHAIN_CASES = [
    # Two sigmoids at 0: σ'(0)·σ'(σ(0)) = 0.25·0.2350, not 0.25², not σ'(0.5)·σ'(σ(0.5)).
    pytest.param((0.0,), "sigmoid", 2, (0.058750928050398624,),
                 {FACTORS_AT_X: (0.0625,), ONE_LAYER_LATE: (0.05340837521931148,),
                  ADDED: (0.4850037122015945,),
                  wrong_layer(SIGMOID_OF_X): (0.0,)}, id="sigmoid-2"),
    # Two tanh layers: tanh'(x)·tanh'(tanh(x)).
    pytest.param((0.5, -1.0), "tanh", 2, (0.6398080218406107, 0.2468679525843151),
                 {FACTORS_AT_X: (0.6185000366872466, 0.17637844761413468),
                  ONE_LAYER_LATE: (0.6788910053066881, 0.3993264400983807),
                  ADDED: (1.5999894281370801, 1.007791091645858),
                  wrong_layer(TANH_NO_SQUARE): (0.3056206310431168, 2.892564013920091),
                  wrong_layer(TANH_OF_X): (0.5898357997244456, 0.0)},
                 id="tanh-2"),
    # Three relu layers pass 1 through for x > 0 and 0 elsewhere (also at 0).
    pytest.param((-1.0, 0.0, 2.0), "relu", 3, (0.0, 0.0, 1.0),
                 {ADDED: (0.0, 0.0, 3.0),
                  wrong_layer(RELU_ONE_AT_ZERO): (0.0, 1.0, 1.0),
                  wrong_layer(RELU_HALF_AT_ZERO): (0.0, 0.125, 1.0)},
                 id="relu-3"),
]


@pytest.mark.points(2)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize(("x", "activation", "depth", "expected", "wrong"), CHAIN_CASES)
def test_chain_grad_is_exact(sub, x, activation, depth, expected, wrong):
    """The product of each layer's derivative at its own input, to ~1e-12."""
    mistakes = [Mistake(message, tensor(*value)) for message, value in wrong.items()]
    expect_exact(sub.chain_grad(tensor(*x), depth, activation), tensor(*expected),
                 what=t('chain_grad({x}, depth={depth}, "{activation}") in float64',
                        x=str(list(x)), depth=depth, activation=activation),
                 mistakes=mistakes)


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_chain_grad_of_no_layers_is_ones(sub, dtype, activation):
    """depth 0 is the identity: its derivative is 1 everywhere, in x's dtype."""
    expect_close(sub.chain_grad(tensor(0.5, -1.0, dtype=dtype), 0, activation),
                 tensor(1.0, 1.0, dtype=dtype),
                 what=t('chain_grad([0.5, −1], depth=0, "{activation}")', activation=activation),
                 mistakes=[Mistake(ADDED, tensor(0.0, 0.0))])


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
@pytest.mark.parametrize(("activation", "depth"), [("softplus", 2), ("relu6", 0)])
def test_chain_grad_rejects_unknown_activation(sub, activation, depth):
    """An activation other than "sigmoid", "tanh", "relu" raises ValueError, even at depth 0."""
    expect_raises(ValueError, sub.chain_grad, X, depth, activation,
                  what=t('chain_grad([0, 1, −2], {depth}, "{activation}")', depth=depth,
                         activation=activation),
                  why='for an activation other than "sigmoid", "tanh" or "relu"')


@pytest.mark.points(1)
@pytest.mark.disabled(*GRAD_DISABLED)
def test_chain_grad_rejects_negative_depth(sub):
    """A negative depth raises ValueError."""
    expect_raises(ValueError, sub.chain_grad, X, -1, "sigmoid",
                  what='chain_grad([0, 1, −2], −1, "sigmoid")', why="for a negative depth")


# ---------------------------------------------------------------------- rules for every function

TANH_2 = tensor(0.6398080218406107, 0.2468679525843151)  # chain_grad([0.5, −1], 2, "tanh")

# function: (arguments, expected result, known mistakes, why nan or inf); the first argument
# is the one that could be changed.
RULE_CASES = {
    "sigmoid": ((X_BIG,), tensor(0.0, 0.2689414213699951, 0.5, 0.8807970779778824, 1.0), [],
                SIGMOID_OVERFLOW),
    "sigmoid_grad": ((X_BIG,), tensor(0.0, 0.19661193324148185, 0.25, 0.10499358540350652, 0.0),
                     [Mistake(SIGMOID_OF_X, X_BIG * (1 - X_BIG))], SIGMOID_GRAD_OVERFLOW),
    "tanh_grad": ((X_BIG,), tensor(0.0, 0.4199743416140261, 1.0, 0.07065082485316447, 0.0),
                  [Mistake(TANH_NO_SQUARE, tensor(2.0, 1.7615941559557649, 1.0,
                                                  0.03597241992418312, 0.0)),
                   Mistake(TANH_OF_X, 1 - X_BIG * X_BIG)], None),
    "relu_grad": ((X_BIG,), tensor(0.0, 0.0, 0.0, 1.0, 1.0),
                  [Mistake(RELU_ONE_AT_ZERO, tensor(0.0, 0.0, 1.0, 1.0, 1.0)),
                   Mistake(RELU_HALF_AT_ZERO, tensor(0.0, 0.0, 0.5, 1.0, 1.0))], None),
    "softmax": ((Z2, 0), tensor([0.25, 0.25], [0.75, 0.75]),
                [Mistake(IGNORES_DIM, tensor([1 / 3, 2 / 3], [1 / 3, 2 / 3]))], NO_MAX),
    "cross_entropy": ((LOGITS, TARGET), torch.tensor(CE, dtype=F64),
                      [Mistake(SUMMED, torch.tensor(2 * CE, dtype=F64)),
                       Mistake(COLUMNS, -torch.log(PROBS)[:, TARGET].mean())], CE_NONFINITE),
    "cross_entropy_grad": ((LOGITS, TARGET), (PROBS - ONE_HOT) / 2,
                           [Mistake(NOT_DIVIDED, PROBS - ONE_HOT)], NO_MAX),
    "chain_grad": ((tensor(0.5, -1.0), 2, "tanh"), TANH_2,
                   [Mistake(FACTORS_AT_X, tensor(0.6185000366872466, 0.17637844761413468)),
                    Mistake(ONE_LAYER_LATE, tensor(0.6788910053066881, 0.3993264400983807)),
                    Mistake(ADDED, tensor(1.5999894281370801, 1.007791091645858)),
                    Mistake(wrong_layer(TANH_NO_SQUARE),
                            tensor(0.3056206310431168, 2.892564013920091)),
                    Mistake(wrong_layer(TANH_OF_X), tensor(0.5898357997244456, 0.0))], None),
}
RULE_FUNCTIONS = [
    pytest.param("sigmoid", marks=pytest.mark.disabled(*SIGMOID_DISABLED), id="sigmoid"),
    pytest.param("sigmoid_grad", marks=pytest.mark.disabled(*GRAD_DISABLED), id="sigmoid_grad"),
    pytest.param("tanh_grad", marks=pytest.mark.disabled(*GRAD_DISABLED), id="tanh_grad"),
    pytest.param("relu_grad", marks=pytest.mark.disabled(*GRAD_DISABLED), id="relu_grad"),
    pytest.param("softmax", marks=pytest.mark.disabled(*SOFTMAX_DISABLED), id="softmax"),
    pytest.param("cross_entropy", marks=pytest.mark.disabled(*CROSS_ENTROPY_DISABLED),
                 id="cross_entropy"),
    pytest.param("cross_entropy_grad", marks=pytest.mark.disabled(*GRAD_DISABLED),
                 id="cross_entropy_grad"),
    pytest.param("chain_grad", marks=pytest.mark.disabled(*GRAD_DISABLED), id="chain_grad"),
]


def names_of(function: str) -> tuple[str, ...]:
    return ("logits", "target") if function.startswith("cross") else ("z",) if (
        function == "softmax") else ("x",)


@pytest.mark.points(1)
@pytest.mark.parametrize("function", RULE_FUNCTIONS)
def test_inputs_are_left_alone(sub, function):
    """The arguments come back unchanged (also ±1e4) and the result is a new tensor."""
    args, expected, mistakes, nonfinite = RULE_CASES[function]
    outcome = sub.run(function, *args)
    expect_contract(outcome, args, what=function, names=names_of(function))
    expect_close(outcome.result, expected, what=function, mistakes=mistakes, nonfinite=nonfinite)


@pytest.mark.points(1)
@pytest.mark.parametrize("function", RULE_FUNCTIONS)
def test_results_are_detached(sub, function):
    """With an argument requiring grad, the result does not, and the argument is left as it was.

    The argument still requires grad afterwards and has no .grad: work on x.detach().
    """
    args, expected, mistakes, nonfinite = RULE_CASES[function]
    args = (args[0].clone().requires_grad_(True), *args[1:])
    what = t("{function} with an argument that requires grad", function=function)
    outcome = sub.run(function, *args)
    expect_contract(outcome, args, what=what, names=names_of(function))
    expect_close(outcome.result, expected, what=what, mistakes=mistakes, nonfinite=nonfinite)
