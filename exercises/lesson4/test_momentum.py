"""Public checks for lesson 4: the worked example from notes.md, numbers you can check by hand.

Run them with `course check lesson4`. `sub` is your momentum.py: every call runs your code and
returns its answer; `sub.run(...)` also hands back the arguments as your function left them,
to check that nothing was modified. The hidden tests check the same functions on random
inputs, both float32 and float64, more shapes and more functions, and compare `minimize` with
`torch.optim.SGD`. `minimize` is graded with `torch.optim` disabled, here too.

The valley is f(w) = 0.1·w₁² + 2·w₂², so ∇f = (0.2·w₁, 4·w₂); we start at w = (1, 1), lr = 0.4.
"""

import pytest
import torch

from grader.checks import (
    N_,
    Mismatch,
    Mistake,
    expect_close,
    expect_contract,
    expect_raises,
    expect_tensor,
    expect_tuple,
    source_fn,
    t,
)

F64 = torch.float64
VALLEY = source_fn("lambda w: 0.1 * w[0] ** 2 + 2 * w[1] ** 2")

W0 = torch.tensor([1.0, 1.0], dtype=F64)
G0 = torch.tensor([0.2, 4.0], dtype=F64)  # ∇f(1, 1)
W1 = torch.tensor([0.92, -0.6], dtype=F64)  # after one step (any momentum: the first v is g)
G1 = torch.tensor([0.184, -2.4], dtype=F64)  # ∇f(0.92, −0.6)

SUTSKEVER = N_("Sutskever's form (v = μ·v + lr·g): in PyTorch's convention the velocity holds no "
               "lr, v_new = μ·velocity + grad and w_new = w − lr·v_new")
DAMPENING = N_("dampening: the gradient is weighted by (1 − μ); PyTorch's default has no "
               "dampening, v_new = μ·velocity + grad")
ON_WEIGHTS = N_("μ multiplies the weights: momentum scales the old velocity, not the weights "
                "(v_new = μ·velocity + grad, w_new = w − lr·v_new)")
LOOK_AHEAD_MISSING = N_("that is the plain momentum step w − lr·v_new: Nesterov's look-ahead steps "
                        "along grad + μ·v_new")
LOOK_AHEAD_OLD_VELOCITY = N_("that is the plain momentum step w − lr·v_new: Nesterov's look-ahead "
                             "steps along grad + μ·v_new, with the new velocity (a look-ahead with "
                             "the old velocity gives the same wrong point)")
VELOCITY_RESET = N_("velocity reset every step: momentum never builds up and this is plain "
                    "gradient descent; start with velocity None once, before the loop, and carry "
                    "v_new into the next step")
ACCUMULATE = N_("the gradients accumulate across steps: .grad is never zeroed, so step 2 used "
                "g₀ + g₁; zero it before every backward() (or use torch.autograd.grad)")
NESTEROV_IGNORED = N_("nesterov=True is ignored or has no look-ahead: with Nesterov each step moves "
                      "along grad + μ·v_new (use nesterov_step)")
NOT_A_COPY = N_("{function}(w, grad, None, …) returned a tensor that shares memory with an "
                "argument: on the first step v_new must be a new copy of grad (grad.clone()), so "
                "changing grad later cannot change the velocity")


def vec(*values: float, dtype: torch.dtype = F64) -> torch.Tensor:
    return torch.tensor(values, dtype=dtype)


# ---------------------------------------------------------------------- momentum_step


@pytest.mark.points(1)
def test_momentum_first_step(sub):
    """First step (velocity=None): v_new is a new copy of grad and w_new = w − lr·grad."""
    w, grad = W0.clone(), G0.clone()
    outcome = sub.run("momentum_step", w, grad, None, 0.4, 0.5)
    w_new, v_new = expect_tuple(outcome.result, 2, what="momentum_step")
    what = "momentum_step(w=(1, 1), g=(0.2, 4), None, lr=0.4, μ=0.5)"
    expect_close(w_new, W1, what=t("{what}: {part}", what=what, part="w_new"),
                 mistakes=[Mistake(ON_WEIGHTS, vec(0.42, -1.1))])
    expect_close(v_new, G0, what=t("{what}: {part}", what=what, part="v_new"),
                 mistakes=[Mistake(SUTSKEVER, vec(0.08, 1.6)), Mistake(DAMPENING, vec(0.1, 2.0))])
    if outcome.shares_storage:
        raise Mismatch(t(NOT_A_COPY, function="momentum_step"))
    expect_contract(outcome, (w, grad), what="momentum_step", names=("w", "grad"))


@pytest.mark.points(2)
def test_momentum_second_step(sub):
    """Second step, μ = 0.5: v = 0.5·(0.2, 4) + (0.184, −2.4) = (0.284, −0.4), w = (0.8064, −0.44)."""
    w, grad, velocity = W1.clone(), G1.clone(), G0.clone()
    outcome = sub.run("momentum_step", w, grad, velocity, 0.4, 0.5)
    w_new, v_new = expect_tuple(outcome.result, 2, what="momentum_step")
    what = "momentum_step(w=(0.92, −0.6), g=(0.184, −2.4), v=(0.2, 4), lr=0.4, μ=0.5)"
    expect_close(v_new, vec(0.284, -0.4), what=t("{what}: {part}", what=what, part="v_new"),
                 mistakes=[
                     Mistake(SUTSKEVER, vec(0.1736, 1.04)),
                     Mistake(DAMPENING, vec(0.192, 0.8)),
                     Mistake(N_("the old velocity is ignored: v_new = μ·velocity + grad"), G1),
                     Mistake(ON_WEIGHTS, vec(0.384, 1.6)),
                 ])
    expect_close(w_new, vec(0.8064, -0.44), what=t("{what}: {part}", what=what, part="w_new"),
                 mistakes=[Mistake(ON_WEIGHTS, vec(0.3064, -0.94))])
    expect_contract(outcome, (w, grad, velocity), what="momentum_step",
                    names=("w", "grad", "velocity"))


@pytest.mark.points(1)
def test_momentum_step_results_are_detached(sub):
    """When w requires grad, w_new and v_new still do not, and w is left as it was."""
    w = W1.clone().requires_grad_(True)
    outcome = sub.run("momentum_step", w, G1, G0, 0.4, 0.5)
    w_new, v_new = expect_tuple(outcome.result, 2, what="momentum_step")
    what = N_("momentum_step(w=(0.92, −0.6) requiring grad, g=(0.184, −2.4), v=(0.2, 4), lr=0.4, "
              "μ=0.5)")
    expect_close(v_new, vec(0.284, -0.4), what=t("{what}: {part}", what=what, part="v_new"))
    expect_close(w_new, vec(0.8064, -0.44), what=t("{what}: {part}", what=what, part="w_new"))
    expect_contract(outcome, (w, G1, G0), what="momentum_step", names=("w", "grad", "velocity"))


@pytest.mark.points(2)
@pytest.mark.parametrize("function", ["momentum_step", "nesterov_step"])
def test_steps_float32_with_tensor_hyperparameters(sub, function):
    """float32 w, grad, velocity with lr and μ as 0-dim float64 tensors: results in float32.

    The second steps of the worked example: v = (0.284, −0.4) for both, w = (0.8064, −0.44)
    with momentum_step and (0.7896, 0.44) with nesterov_step.
    """
    got = getattr(sub, function)(W1.float(), G1.float(), G0.float(),
                                 torch.tensor(0.4, dtype=F64), torch.tensor(0.5, dtype=F64))
    w_new, v_new = expect_tuple(got, 2, what=function)
    what = t("{function}(float32 w=(0.92, −0.6), g=(0.184, −2.4), v=(0.2, 4), lr=tensor(0.4), "
             "μ=tensor(0.5))", function=function)
    w_expected = (0.8064, -0.44) if function == "momentum_step" else (0.7896, 0.44)
    expect_close(v_new, vec(0.284, -0.4, dtype=torch.float32),
                 what=t("{what}: {part}", what=what, part="v_new"))
    expect_close(w_new, vec(*w_expected, dtype=torch.float32),
                 what=t("{what}: {part}", what=what, part="w_new"))


# ---------------------------------------------------------------------- nesterov_step


@pytest.mark.points(1)
def test_nesterov_first_step(sub):
    """Nesterov, first step: v = g = (0.2, 4), w = w − lr·(g + μ·v) = (0.88, −1.4)."""
    w, grad = W0.clone(), G0.clone()
    outcome = sub.run("nesterov_step", w, grad, None, 0.4, 0.5)
    w_new, v_new = expect_tuple(outcome.result, 2, what="nesterov_step")
    what = "nesterov_step(w=(1, 1), g=(0.2, 4), None, lr=0.4, μ=0.5)"
    expect_close(v_new, G0, what=t("{what}: {part}", what=what, part="v_new"))
    expect_close(w_new, vec(0.88, -1.4), what=t("{what}: {part}", what=what, part="w_new"),
                 mistakes=[Mistake(LOOK_AHEAD_MISSING, W1)])
    if outcome.shares_storage:
        raise Mismatch(t(NOT_A_COPY, function="nesterov_step"))
    expect_contract(outcome, (w, grad), what="nesterov_step", names=("w", "grad"))


@pytest.mark.points(1)
def test_nesterov_second_step(sub):
    """Nesterov, second step: v = (0.284, −0.4), w = (0.92, −0.6) − 0.4·(g + 0.5·v) = (0.7896, 0.44)."""
    w, grad, velocity = W1.clone(), G1.clone(), G0.clone()
    outcome = sub.run("nesterov_step", w, grad, velocity, 0.4, 0.5)
    w_new, v_new = expect_tuple(outcome.result, 2, what="nesterov_step")
    what = "nesterov_step(w=(0.92, −0.6), g=(0.184, −2.4), v=(0.2, 4), lr=0.4, μ=0.5)"
    expect_close(v_new, vec(0.284, -0.4), what=t("{what}: {part}", what=what, part="v_new"),
                 mistakes=[Mistake(DAMPENING, vec(0.192, 0.8))])
    # w − lr·(g + μ·v_old) = w − lr·v_new: the plain momentum step, (0.8064, −0.44)
    expect_close(w_new, vec(0.7896, 0.44), what=t("{what}: {part}", what=what, part="w_new"),
                 mistakes=[Mistake(LOOK_AHEAD_OLD_VELOCITY, vec(0.8064, -0.44))])
    expect_contract(outcome, (w, grad, velocity), what="nesterov_step",
                    names=("w", "grad", "velocity"))


# ---------------------------------------------------------------------- minimize

MOMENTUM_PATH = torch.stack([W0, W1, vec(0.8064, -0.44)])
PLAIN_PATH = torch.stack([W0, W1, vec(0.8464, 0.36)])


@pytest.mark.points(2)
@pytest.mark.disabled("torch.optim")
def test_minimize_with_momentum(sub):
    """minimize returns the trajectory: row 0 is x0, then the point after each step."""
    got = sub.minimize(VALLEY, W0, 0.4, 2, momentum=0.5)
    expect_close(got, MOMENTUM_PATH, what="minimize(valley, (1, 1), lr=0.4, steps=2, momentum=0.5)",
                 mistakes=[Mistake(VELOCITY_RESET, PLAIN_PATH),
                           Mistake(DAMPENING, torch.stack([W0, W1, vec(0.8432, -0.92)])),
                           Mistake(N_("row 0 is missing: the trajectory starts with x0 itself, "
                                      "then one row per step (steps + 1 rows)"),
                                   MOMENTUM_PATH[1:])])


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
def test_minimize_plain_gradient_descent(sub):
    """With momentum 0, minimize is plain gradient descent: w₂ zig-zags from −0.6 to 0.36."""
    got = sub.minimize(VALLEY, W0, 0.4, 2)
    expect_close(got, PLAIN_PATH, what="minimize(valley, (1, 1), lr=0.4, steps=2)",
                 mistakes=[Mistake(ACCUMULATE, torch.stack([W0, W1, W1 - 0.4 * (G0 + G1)]))])


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
def test_minimize_nesterov(sub):
    """nesterov=True, μ = 0.5: (1, 1) → (0.88, −1.4) → (0.7544, 1.56), as torch.optim.SGD."""
    got = sub.minimize(VALLEY, W0, 0.4, 2, momentum=0.5, nesterov=True)
    expect_close(got, torch.stack([W0, vec(0.88, -1.4), vec(0.7544, 1.56)]),
                 what="minimize(valley, (1, 1), lr=0.4, steps=2, momentum=0.5, nesterov=True)",
                 mistakes=[Mistake(NESTEROV_IGNORED, MOMENTUM_PATH),
                           Mistake(VELOCITY_RESET,
                                   torch.stack([W0, vec(0.88, -1.4), vec(0.7744, 1.96)]))])


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain", "requires_grad"])
def test_minimize_keeps_x0(sub, requires_grad):
    """x0 comes back as it was (values, requires_grad, no .grad), and the result is detached."""
    x0 = W0.clone().requires_grad_(requires_grad)
    outcome = sub.run("minimize", VALLEY, x0, 0.4, 2, momentum=0.5)
    expect_contract(outcome, (None, x0), what="minimize", names=("f", "x0"))
    expect_close(outcome.result, MOMENTUM_PATH,
                 what="minimize(valley, x0=(1, 1), lr=0.4, steps=2, momentum=0.5)",
                 mistakes=[Mistake(VELOCITY_RESET, PLAIN_PATH)])


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
def test_minimize_zero_steps(sub):
    """steps=0 gives just x0, as a new tensor of shape (1, *x0.shape)."""
    x0 = W0.clone()
    outcome = sub.run("minimize", VALLEY, x0, 0.4, 0, momentum=0.5)
    expect_contract(outcome, (None, x0), what="minimize with steps=0", names=("f", "x0"))
    expect_close(outcome.result, W0[None], what="minimize(valley, x0=(1, 1), lr=0.4, steps=0)")


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
def test_minimize_float32(sub):
    """A float32 x0 gives a float32 trajectory."""
    got = sub.minimize(VALLEY, W0.float(), 0.4, 2, momentum=0.5)
    expect_tensor(got, what="minimize with a float32 x0", dtype=torch.float32)
    expect_close(got, MOMENTUM_PATH.float(),
                 what="minimize(valley, float32 (1, 1), lr=0.4, steps=2, momentum=0.5)",
                 mistakes=[Mistake(VELOCITY_RESET, PLAIN_PATH.float())])


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
def test_minimize_tensor_hyperparameters(sub):
    """lr and momentum may be 0-dim tensors: the same trajectory as with numbers."""
    got = sub.minimize(VALLEY, W0, torch.tensor(0.4, dtype=F64), 2,
                       momentum=torch.tensor(0.5, dtype=F64))
    expect_close(got, MOMENTUM_PATH, what="minimize(valley, (1, 1), lr=tensor(0.4), steps=2, "
                                          "momentum=tensor(0.5))",
                 mistakes=[Mistake(VELOCITY_RESET, PLAIN_PATH)])


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
def test_minimize_rejects_nesterov_without_momentum(sub):
    """nesterov=True with momentum 0 raises ValueError, as torch.optim.SGD does."""
    expect_raises(ValueError, sub.minimize, VALLEY, W0, 0.4, 2, momentum=0.0, nesterov=True,
                  what="minimize(..., momentum=0, nesterov=True)",
                  why="(Nesterov needs a non-zero momentum)")


# ---------------------------------------------------------------------- escape_hyperparameters


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
    try:
        expect_close(ends[momentum], torch.tensor(1.0904, dtype=F64), atol=0.05, rtol=0.0,
                     what="200 steps on x·cos(πx) from −0.8 with your lr and momentum",
                     mistakes=[Mistake("it stays in the local minimum near −0.27: more momentum "
                                       "(or a larger lr) carries it over the hill",
                                       torch.tensor(-0.2739, dtype=F64))])
        expect_close(ends[0.0], torch.tensor(-0.2739, dtype=F64), atol=0.05, rtol=0.0,
                     what="200 steps of plain gradient descent on x·cos(πx) from −0.8 with "
                          "your lr",
                     mistakes=[Mistake("plain gradient descent escapes too: this lr is so large "
                                       "that the steps alone jump out; choose a smaller lr",
                                       torch.tensor(1.0904, dtype=F64))])
    except Mismatch as mismatch:
        raise Mismatch(mismatch.feedback_text or mismatch.feedback,
                       t("your lr = {lr}, momentum = {momentum}\n{details}", lr=repr(lr),
                         momentum=repr(momentum),
                         details=mismatch.details_text or mismatch.details)) from None
