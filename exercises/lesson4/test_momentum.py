"""Public checks for lesson 4: the worked example from notes.md, numbers you can check by hand.

Run them with `course check lesson4`. `sub` is your momentum.py: every call runs your code and
returns its answer. The hidden tests check the same functions on random inputs, both float32
and float64, more shapes and more functions, and compare `minimize` with `torch.optim.SGD`.

The valley is f(w) = 0.1·w₁² + 2·w₂², so ∇f = (0.2·w₁, 4·w₂); we start at w = (1, 1), lr = 0.4.
"""

import pytest
import torch

from grader.checks import Mistake, expect_close, expect_raises, expect_tuple, source_fn

F64 = torch.float64
VALLEY = source_fn("lambda w: 0.1 * w[0] ** 2 + 2 * w[1] ** 2")
COSINE = "x·cos(πx)"

W0 = torch.tensor([1.0, 1.0], dtype=F64)
G0 = torch.tensor([0.2, 4.0], dtype=F64)  # ∇f(1, 1)
W1 = torch.tensor([0.92, -0.6], dtype=F64)  # after one step (any momentum: the first v is g)
G1 = torch.tensor([0.184, -2.4], dtype=F64)  # ∇f(0.92, −0.6)


def t(*values: float) -> torch.Tensor:
    return torch.tensor(values, dtype=F64)


@pytest.mark.points(1)
def test_momentum_first_step(sub):
    """First step (velocity=None): v_new is a copy of grad and w_new = w − lr·grad."""
    w_new, v_new = expect_tuple(sub.momentum_step(W0, G0, None, 0.4, 0.5), 2, what="momentum_step")
    expect_close(w_new, t(0.92, -0.6), what="momentum_step(w=(1, 1), g=(0.2, 4), None, lr=0.4): w_new",
                 mistakes=[Mistake("μ multiplies the weights: momentum belongs on the velocity, not "
                                   "the weights (w_new = w − lr·v_new)", t(0.42, -1.1))])
    expect_close(v_new, t(0.2, 4.0), what="momentum_step(w=(1, 1), g=(0.2, 4), None, lr=0.4): v_new",
                 mistakes=[Mistake("that is lr·grad: Sutskever's form puts lr inside the velocity; "
                                   "in PyTorch's convention v = μ·v + g holds no lr", t(0.08, 1.6))])


@pytest.mark.points(2)
def test_momentum_second_step(sub):
    """Second step, μ = 0.5: v = 0.5·(0.2, 4) + (0.184, −2.4) = (0.284, −0.4), w = (0.8064, −0.44)."""
    w_new, v_new = expect_tuple(sub.momentum_step(W1, G1, G0, 0.4, 0.5), 2, what="momentum_step")
    what = "momentum_step(w=(0.92, −0.6), g=(0.184, −2.4), v=(0.2, 4), lr=0.4, μ=0.5)"
    expect_close(v_new, t(0.284, -0.4), what=f"{what}: v_new", mistakes=[
        Mistake("Sutskever's form (v = μ·v + lr·g): in PyTorch's convention v = μ·v + g holds no lr",
                t(0.1736, 1.04)),
        Mistake("dampening: the gradient is weighted by (1 − μ); PyTorch's default is v = μ·v + g",
                t(0.192, 0.8)),
        Mistake("the old velocity is ignored: v_new = μ·velocity + grad", G1),
        Mistake("the velocity is not multiplied by μ: momentum scales the velocity, not the weights",
                t(0.384, 1.6)),
    ])
    expect_close(w_new, t(0.8064, -0.44), what=f"{what}: w_new", mistakes=[
        Mistake("μ multiplies the weights: momentum belongs on the velocity, not the weights "
                "(w_new = w − lr·v_new)", t(0.3064, -0.94)),
    ])


@pytest.mark.points(1)
def test_nesterov_first_step(sub):
    """Nesterov, first step: v = g = (0.2, 4), w = w − lr·(g + μ·v) = (0.88, −1.4)."""
    w_new, v_new = expect_tuple(sub.nesterov_step(W0, G0, None, 0.4, 0.5), 2, what="nesterov_step")
    what = "nesterov_step(w=(1, 1), g=(0.2, 4), None, lr=0.4, μ=0.5)"
    expect_close(v_new, t(0.2, 4.0), what=f"{what}: v_new")
    expect_close(w_new, t(0.88, -1.4), what=f"{what}: w_new", mistakes=[
        Mistake("that is the plain momentum step w − lr·v: Nesterov's look-ahead steps along "
                "grad + μ·v_new", W1),
    ])


@pytest.mark.points(1)
def test_nesterov_second_step(sub):
    """Nesterov, second step: v = (0.284, −0.4), w = (0.92, −0.6) − 0.4·(g + 0.5·v) = (0.7896, 0.44)."""
    w_new, v_new = expect_tuple(sub.nesterov_step(W1, G1, G0, 0.4, 0.5), 2, what="nesterov_step")
    what = "nesterov_step(w=(0.92, −0.6), g=(0.184, −2.4), v=(0.2, 4), lr=0.4, μ=0.5)"
    expect_close(v_new, t(0.284, -0.4), what=f"{what}: v_new", mistakes=[
        Mistake("dampening: the gradient is weighted by (1 − μ); PyTorch's default is v = μ·v + g",
                t(0.192, 0.8)),
    ])
    # w − lr·(g + μ·v_old) = w − lr·v_new: the plain momentum step, (0.8064, −0.44)
    expect_close(w_new, t(0.7896, 0.44), what=f"{what}: w_new", mistakes=[
        Mistake("that is the plain momentum step w − lr·v_new (= a look-ahead with the old "
                "velocity): Nesterov steps along grad + μ·v_new, with the new velocity",
                t(0.8064, -0.44)),
    ])


@pytest.mark.points(2)
def test_minimize_with_momentum(sub):
    """minimize returns the trajectory: row 0 is x0, then the point after each step."""
    got = sub.minimize(VALLEY, W0, 0.4, 2, momentum=0.5)
    expected = torch.stack([W0, W1, t(0.8064, -0.44)])
    expect_close(got, expected, what="minimize(valley, (1, 1), lr=0.4, steps=2, momentum=0.5)",
                 mistakes=[Mistake("that is plain gradient descent: the velocity is reset every "
                                   "step; carry v_new into the next step",
                                   torch.stack([W0, W1, t(0.8464, 0.36)])),
                           Mistake("dampening: the gradient is weighted by (1 − μ); PyTorch's "
                                   "default is v = μ·v + g", torch.stack([W0, W1, t(0.8432, -0.92)]))])


@pytest.mark.points(1)
def test_minimize_plain_gradient_descent(sub):
    """With momentum 0, minimize is plain gradient descent: w₂ zig-zags from −0.6 to 0.36."""
    got = sub.minimize(VALLEY, W0, 0.4, 2)
    expected = torch.stack([W0, W1, t(0.8464, 0.36)])
    expect_close(got, expected, what="minimize(valley, (1, 1), lr=0.4, steps=2)",
                 mistakes=[Mistake("the gradients accumulate: step 2 used g₀ + g₁; zero .grad "
                                   "before every backward() (or use torch.autograd.grad)",
                                   torch.stack([W0, W1, W1 - 0.4 * (G0 + G1)]))])


@pytest.mark.points(1)
def test_minimize_rejects_nesterov_without_momentum(sub):
    """nesterov=True with momentum 0 raises ValueError, as torch.optim.SGD does."""
    expect_raises(ValueError, sub.minimize, VALLEY, W0, 0.4, 2, momentum=0.0, nesterov=True,
                  what="minimize(..., momentum=0, nesterov=True)",
                  why="(Nesterov needs a non-zero momentum)")


@pytest.mark.points(1)
def test_escape_hyperparameters_escape(sub):
    """With your lr and momentum, torch.optim.SGD on x·cos(πx) from −0.8 reaches x ≈ 1.0904."""
    chosen = sub.escape_hyperparameters()
    lr, momentum = float(chosen["lr"]), float(chosen["momentum"])
    ends = {}
    for mu in (momentum, 0.0):
        x = torch.tensor(-0.8, dtype=F64, requires_grad=True)
        opt = torch.optim.SGD([x], lr=lr, momentum=mu)
        for _ in range(200):
            opt.zero_grad()
            (x * torch.cos(torch.pi * x)).backward()
            opt.step()
        ends[mu] = x.detach()
    expect_close(ends[momentum], torch.tensor(1.0904, dtype=F64), atol=0.05, rtol=0.0,
                 what=f"200 steps on {COSINE} from −0.8 with lr={lr:g}, momentum={momentum:g}",
                 mistakes=[Mistake("it stays in the local minimum near −0.27: more momentum "
                                   "(or a larger lr) carries it over the hill",
                                   torch.tensor(-0.2739, dtype=F64))])
    expect_close(ends[0.0], torch.tensor(-0.2739, dtype=F64), atol=0.05, rtol=0.0,
                 what=f"200 steps of plain gradient descent on {COSINE} from −0.8 with lr={lr:g}",
                 mistakes=[Mistake("plain gradient descent escapes too: this lr is so large that "
                                   "the steps alone jump out; choose a smaller lr",
                                   torch.tensor(1.0904, dtype=F64))])
