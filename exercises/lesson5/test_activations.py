"""Public checks for lesson 5: the worked example from notes.md, numbers you can check by hand.

Run them with `course check lesson5`. `sub` is your activations.py: every call runs your code
and returns its answer. The hidden tests check the same functions on random inputs, both
float32 and float64, more shapes, logits up to ±1e4, and the argument errors; there the
built-in sigmoid, softmax and cross-entropy are disabled, and autograd in every *_grad.
"""

import pytest
import torch

from grader.checks import Mistake, expect_close

F64 = torch.float64


def t(*values) -> torch.Tensor:
    return torch.tensor(values, dtype=F64)


LOGITS = t([2.0, 1.0, 0.1], [1000.0, 1001.0, 999.0])  # e^1000 is inf even in float64
TARGET = torch.tensor([0, 2])
PROBS = t([0.6590011388859679, 0.24243297070471392, 0.09856589040931818],
          [0.2447284710547976, 0.6652409557748218, 0.09003057317038045])
NO_MAX = "no max-subtraction: e^1000 overflows; subtract each row's maximum before exponentiating"


@pytest.mark.points(1)
@pytest.mark.disabled("torch.sigmoid")
def test_sigmoid_values_and_saturation(sub):
    """σ(0) = 0.5, σ(1) = 0.73106, σ(−1) = 0.26894, and σ(±1e4) is 1 and 0, not nan."""
    x = t(0.0, 1.0, -1.0, 1e4, -1e4)
    expected = t(0.5, 0.7310585786300049, 0.2689414213699951, 1.0, 0.0)
    expect_close(sub.sigmoid(x), expected, what="sigmoid([0, 1, −1, 1e4, −1e4])",
                 nonfinite="overflow: e^x is inf for large x (inf / inf = nan); only ever "
                           "exponentiate −|x|")


@pytest.mark.points(1)
@pytest.mark.disabled("autograd")
def test_sigmoid_grad(sub):
    """σ'(x) = σ(x)(1 − σ(x)): 0.25 at 0, 0.19661 at 1."""
    x = t(0.0, 1.0, -2.0)
    expect_close(sub.sigmoid_grad(x), t(0.25, 0.19661193324148185, 0.1049935854035065),
                 what="sigmoid_grad([0, 1, −2])",
                 mistakes=[Mistake("that is x·(1 − x): take the sigmoid of x first, then "
                                   "σ(x)·(1 − σ(x))", x * (1 - x))])


@pytest.mark.points(1)
@pytest.mark.disabled("autograd")
def test_tanh_grad(sub):
    """tanh'(x) = 1 − tanh(x)²: 1 at 0, 0.41997 at 1."""
    x = t(0.0, 1.0, -2.0)
    expect_close(sub.tanh_grad(x), t(1.0, 0.41997434161402614, 0.07065082485316443),
                 what="tanh_grad([0, 1, −2])",
                 mistakes=[Mistake("that is 1 − tanh(x): the square is missing",
                                   t(1.0, 0.23840584404423515, 1.964027580075817)),
                           Mistake("that is 1 − x²: square the tanh of x, not x", 1 - x * x)])


@pytest.mark.points(1)
@pytest.mark.disabled("autograd")
def test_relu_grad(sub):
    """relu' of (−2, 0, 1, 3) is (0, 0, 1, 1), in x's dtype: 0 at zero, as in PyTorch."""
    x = t(-2.0, 0.0, 1.0, 3.0)
    expect_close(sub.relu_grad(x), t(0.0, 0.0, 1.0, 1.0), what="relu_grad([−2, 0, 1, 3])",
                 mistakes=[Mistake("relu'(0) is 1: the derivative at zero is 0 (use x > 0)",
                                   t(0.0, 1.0, 1.0, 1.0)),
                           Mistake("relu'(0) is 0.5: the derivative at zero is 0 (use x > 0)",
                                   t(0.0, 0.5, 1.0, 1.0))])


@pytest.mark.points(1)
@pytest.mark.disabled("torch.softmax", "torch.log_softmax")
def test_softmax_rows(sub):
    """softmax of [[2, 1, 0.1], [1000, 1001, 999]] along the last dim, finite despite e^1000."""
    expect_close(sub.softmax(LOGITS), PROBS, what="softmax([[2, 1, 0.1], [1000, 1001, 999]])",
                 nonfinite=NO_MAX)


@pytest.mark.points(1)
@pytest.mark.disabled("torch.nn.functional.cross_entropy", "torch.nn.functional.nll_loss",
                      "torch.log_softmax", "torch.logsumexp")
def test_cross_entropy(sub):
    """The mean of −log p[target]: (0.4170 + 2.4076) / 2 = 1.4123."""
    expect_close(sub.cross_entropy(LOGITS, TARGET), torch.tensor(1.4123179903611072, dtype=F64),
                 what="cross_entropy(logits, target=[0, 2])",
                 nonfinite="use the log-sum-exp form m + log Σ e^(z − m) − z_t, never "
                           "exp(1000) or log(0)",
                 mistakes=[Mistake("that is the sum over the batch: the loss is summed instead "
                                   "of averaged; divide by N = 2",
                                   torch.tensor(2 * 1.4123179903611072, dtype=F64))])


@pytest.mark.points(1)
@pytest.mark.disabled("autograd")
def test_cross_entropy_grad(sub):
    """(softmax − one-hot) / N: each row sums to 0."""
    one_hot = t([1.0, 0.0, 0.0], [0.0, 0.0, 1.0])
    expected = (PROBS - one_hot) / 2
    expect_close(sub.cross_entropy_grad(LOGITS, TARGET), expected,
                 what="cross_entropy_grad(logits, target=[0, 2])", nonfinite=NO_MAX,
                 mistakes=[Mistake("the gradient is not divided by N = 2: the loss is a mean",
                                   PROBS - one_hot)])


@pytest.mark.points(1)
@pytest.mark.disabled("autograd")
def test_chain_grad_two_sigmoids(sub):
    """Two sigmoids at 0: σ'(0)·σ'(σ(0)) = 0.25·0.2350 = 0.05875, not 0.25²."""
    expect_close(sub.chain_grad(t(0.0), 2, "sigmoid"), t(0.058750928050398624),
                 what='chain_grad([0], depth=2, "sigmoid")',
                 mistakes=[Mistake("that is σ'(0)²: evaluate each factor at the layer's input "
                                   "(σ'(0)·σ'(σ(0))), not at x", t(0.0625))])
