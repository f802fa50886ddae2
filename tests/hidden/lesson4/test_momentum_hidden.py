"""Hidden suite for lesson 4 (momentum.py): random inputs, both dtypes, torch.optim.SGD as oracle.

Expected values come from the oracle below, computed here in the checker: the step rules in
float64, and for ``minimize`` the trajectory of ``torch.optim.SGD`` itself (the contract says
they agree to 1e-10 in float64). Objective functions reach the submission as ``source_fn``
descriptions and are built here from the same source. Wrong answers with a known shape are
named through ``Mistake`` candidates computed by checker-side versions of each mistake.
"""

import math

import pytest
import torch

from grader.checks import (
    N_,
    Mismatch,
    Mistake,
    Text,
    expect_close,
    expect_contract,
    expect_raises,
    expect_tensor,
    expect_tuple,
    expect_untouched,
    oracle,
    source_fn,
    t,
)

F64 = torch.float64
DTYPES = [pytest.param(torch.float64, id="float64"), pytest.param(torch.float32, id="float32")]
SHAPES = [pytest.param((), id="0-dim"), pytest.param((5,), id="vector"),
          pytest.param((3, 4), id="matrix")]

SUTSKEVER = N_("Sutskever's form (v = μ·v + lr·g, w = w − v): in PyTorch's "
               "convention the velocity holds no lr, v_new = μ·velocity + grad and "
               "w_new = w − lr·v_new")
DAMPENING = N_("dampening: the gradient is weighted by (1 − μ); PyTorch's default "
               "has no dampening, v_new = μ·velocity + grad")
ON_WEIGHTS = N_("μ multiplies the weights: momentum scales the old velocity, not the "
                "weights (v_new = μ·velocity + grad, w_new = w − lr·v_new)")
VELOCITY_IGNORED = N_("the old velocity is ignored: v_new = μ·velocity + grad when "
                      "velocity is given")
UPHILL = N_("the step goes uphill: subtract, w_new = w − lr·(step direction)")
LOOK_AHEAD_MISSING = N_("that is the plain momentum step w − lr·v_new: Nesterov's "
                        "look-ahead steps along grad + μ·v_new")
OLD_VELOCITY = N_("that is the plain momentum step w − lr·v_new, which is also what "
                  "a look-ahead with the old velocity gives: Nesterov steps along "
                  "grad + μ·v_new, with the new velocity")
VELOCITY_RESET = N_("velocity reset every step: momentum never builds up and this is "
                    "plain gradient descent; start with velocity None once, before "
                    "the loop, and carry v_new into the next step")
NESTEROV_OLD = N_("the look-ahead uses the old velocity: Nesterov steps along grad + "
                  "μ·v_new, with the new velocity")
NOT_A_COPY = N_("{function}(w, grad, None, …) returned a tensor that shares memory "
                "with an argument: on the first step v_new must be a new copy of grad "
                "(grad.clone()), so changing grad later cannot change the velocity")
ACCUMULATE = N_("the gradients accumulate across steps: .grad is never zeroed, so "
                "step k uses the sum of all gradients so far; zero it before every "
                "backward() (or use torch.autograd.grad on a fresh leaf)")
NESTEROV_IGNORED = N_("nesterov=True is ignored or has no look-ahead: with Nesterov "
                      "each step moves along grad + μ·v_new (use nesterov_step)")
DIVERGES = N_("the iterates blow up: this lr (or momentum) is so large that the "
              "optimizer diverges")

GLOBAL_MIN = 1.0904161  # of x·cos(πx) on [−1, 2]
LOCAL_MIN = -0.2738527


def fail(feedback: str | Text) -> None:
    raise Mismatch(feedback)


# ---------------------------------------------------------------------- oracle (checker only)


def draw(rng: torch.Generator, *shapes):
    """Standard normal float64 tensors of the given shapes."""
    return [torch.randn(s, generator=rng, dtype=F64) for s in shapes]


def hyper(rng: torch.Generator, low: float, high: float) -> float:
    """A number in [low, high) exactly representable in float32 (so any conversion is exact)."""
    u = float(torch.rand((), generator=rng, dtype=F64))
    return float(torch.tensor(low + (high - low) * u, dtype=torch.float32))


def new_velocity(g, v, mu, *, dampening=False, on_weights=False, sutskever_lr=None):
    g = g if sutskever_lr is None else sutskever_lr * g
    if v is None:
        return g.clone()
    if on_weights:
        return v + g
    if dampening:
        return mu * v + (1 - mu) * g
    return mu * v + g


STEP_RULES = {
    # name: (w, g, v, lr, mu) -> (w_new, v_new)
    "momentum": lambda w, g, v, lr, mu: (w - lr * new_velocity(g, v, mu), new_velocity(g, v, mu)),
    "nesterov": lambda w, g, v, lr, mu: (
        w - lr * (g + mu * new_velocity(g, v, mu)), new_velocity(g, v, mu)),
    "sutskever": lambda w, g, v, lr, mu: (
        w - new_velocity(g, v, mu, sutskever_lr=lr), new_velocity(g, v, mu, sutskever_lr=lr)),
    "dampening": lambda w, g, v, lr, mu: (
        w - lr * new_velocity(g, v, mu, dampening=True), new_velocity(g, v, mu, dampening=True)),
    "on_weights": lambda w, g, v, lr, mu: (
        mu * w - lr * new_velocity(g, v, mu, on_weights=True),
        new_velocity(g, v, mu, on_weights=True)),
    "nesterov_plain": lambda w, g, v, lr, mu: (
        w - lr * new_velocity(g, v, mu), new_velocity(g, v, mu)),
    "nesterov_old": lambda w, g, v, lr, mu: (
        w - lr * (g + mu * (new_velocity(g, v, mu) if v is None else v)), new_velocity(g, v, mu)),
    "nesterov_dampening": lambda w, g, v, lr, mu: (
        w - lr * (g + mu * new_velocity(g, v, mu, dampening=True)),
        new_velocity(g, v, mu, dampening=True)),
}


def build(source: str):
    """The checker's copy of a function the submission receives as ``source_fn(source)``."""
    return eval(source, {"torch": torch, "math": math})  # noqa: S307 - the suite's own text


@oracle
def sgd_trajectory(source, x0, lr, steps, momentum=0.0, nesterov=False):
    """The trajectory of torch.optim.SGD itself, in x0's dtype."""
    f = build(source)
    x = x0.detach().clone().requires_grad_(True)
    opt = torch.optim.SGD([x], lr=lr, momentum=momentum, nesterov=nesterov)
    rows = [x.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        f(x).reshape(()).backward()
        opt.step()
        rows.append(x.detach().clone())
    return torch.stack(rows)


@oracle
def rule_trajectory(source, x0, lr, steps, momentum, rule, *, reset=False, accumulate=False,
                    dtype=F64):
    """The trajectory with one step rule (the reference's or a mistake's), in ``dtype``."""
    f = build(source)
    x = x0.detach().to(dtype)
    velocity, total = None, None
    rows = [x]
    for _ in range(steps):
        leaf = x.clone().requires_grad_(True)
        (g,) = torch.autograd.grad(f(leaf).reshape(()), leaf)
        if accumulate:
            g = g if total is None else total + g
            total = g
        if reset:
            velocity = None
        x, velocity = STEP_RULES[rule](x, g, velocity, lr, momentum)
        rows.append(x)
    return torch.stack(rows)


def minimize_mistakes(source, x0, lr, steps, momentum, nesterov):
    base = "nesterov" if nesterov else "momentum"
    run = lambda rule, **kw: rule_trajectory(source, x0, lr, steps, momentum, rule, **kw)  # noqa: E731
    wrong = [Mistake(VELOCITY_RESET, run(base, reset=True)),
             Mistake(ACCUMULATE, run(base, accumulate=True))]
    if nesterov:
        wrong.append(Mistake(NESTEROV_IGNORED, run("nesterov_plain")))
        wrong.append(Mistake(NESTEROV_OLD, run("nesterov_old")))
        wrong.append(Mistake(DAMPENING, run("nesterov_dampening")))
    else:
        wrong.append(Mistake(DAMPENING, run("dampening")))
    wrong.append(Mistake(ON_WEIGHTS, run("on_weights")))
    return wrong


def expect_trajectory(got, expected, *, what, mistakes=(), rtol=None, atol=None):
    """Dtype first, then steps + 1 rows (row 0 = x0), then the values."""
    got = expect_tensor(got, what=what, dtype=expected.dtype)
    if (got.dim() == expected.dim() and tuple(got.shape[1:]) == tuple(expected.shape[1:])
            and got.shape[0] == expected.shape[0] - 1):
        fail(t("{what} has one row too few (steps instead of steps + 1): row 0 must be x0 "
               "itself, then one row per step", what=what))
    expect_close(got, expected, what=what, mistakes=mistakes, rtol=rtol, atol=atol)


# ---------------------------------------------------------------------- momentum_step


def momentum_candidates(w, g, v, lr, mu):
    """Mistake candidates for (w_new, v_new) of momentum_step."""
    w_wrong, v_wrong = [], []
    for message, rule in ((SUTSKEVER, "sutskever"), (DAMPENING, "dampening"),
                          (ON_WEIGHTS, "on_weights")):
        w_bad, v_bad = STEP_RULES[rule](w, g, v, lr, mu)
        w_wrong.append(Mistake(message, w_bad))
        v_wrong.append(Mistake(message, v_bad))
    if v is not None:
        w_wrong.append(Mistake(VELOCITY_IGNORED, w - lr * g))
        v_wrong.append(Mistake(VELOCITY_IGNORED, g))
    w_wrong.append(Mistake(UPHILL, w + lr * new_velocity(g, v, mu)))
    return w_wrong, v_wrong


def check_step(got, w, g, v, lr, mu, *, rule, dtype, what):
    """Compare (w_new, v_new) with the float64 oracle for ``rule``, naming known mistakes."""
    got_w, got_v = expect_tuple(got, 2, what=what)
    w_new, v_new = STEP_RULES[rule](w, g, v, lr, mu)
    if rule == "momentum":
        w_wrong, v_wrong = momentum_candidates(w, g, v, lr, mu)
    else:
        plain = STEP_RULES["nesterov_plain"](w, g, v, lr, mu)[0]
        w_wrong = [Mistake(LOOK_AHEAD_MISSING if v is None else OLD_VELOCITY, plain),
                   Mistake(DAMPENING, STEP_RULES["nesterov_dampening"](w, g, v, lr, mu)[0]),
                   Mistake(UPHILL, 2 * w - w_new)]
        v_wrong = [Mistake(DAMPENING, new_velocity(g, v, mu, dampening=True))]
        if v is not None:
            v_wrong.append(Mistake(VELOCITY_IGNORED, g))
    expect_close(got_v, v_new.to(dtype), what=t("{what}: {part}", what=what, part="v_new"),
                 mistakes=v_wrong)
    expect_close(got_w, w_new.to(dtype), what=t("{what}: {part}", what=what, part="w_new"),
                 mistakes=w_wrong)


def expect_first_step_contract(outcome, w, grad, function):
    """w and grad untouched and, with velocity None, v_new a copy of grad (no shared memory)."""
    expect_untouched((w, grad), outcome.args_after, what=function, names=("w", "grad"))
    if outcome.shares_storage:
        fail(t(NOT_A_COPY, function=function))


def step_inputs(rng, shape, dtype):
    """w, grad, velocity rounded to ``dtype`` (and back to float64 for the oracle), lr, μ."""
    w, g, v = (x.to(dtype).to(F64) for x in draw(rng, shape, shape, shape))
    return w, g, v, hyper(rng, 0.01, 0.5), hyper(rng, 0.5, 0.95)


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_momentum_step_first_step(sub, rng, dtype, shape):
    """On the first step (velocity=None) v_new = grad and w_new = w − lr·grad."""
    w, g, _, lr, mu = step_inputs(rng, shape, dtype)
    got = sub.momentum_step(w.to(dtype), g.to(dtype), None, lr, mu)
    check_step(got, w, g, None, lr, mu, rule="momentum", dtype=dtype,
               what="momentum_step(w, grad, None, lr, momentum)")


@pytest.mark.points(4)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_momentum_step_with_velocity(sub, rng, dtype, shape):
    """v_new = momentum·velocity + grad, w_new = w − lr·v_new."""
    w, g, v, lr, mu = step_inputs(rng, shape, dtype)
    got = sub.momentum_step(w.to(dtype), g.to(dtype), v.to(dtype), lr, mu)
    check_step(got, w, g, v, lr, mu, rule="momentum", dtype=dtype,
               what="momentum_step(w, grad, velocity, lr, momentum)")


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", DTYPES)
def test_momentum_step_tensor_hyperparameters(sub, rng, dtype):
    """lr and momentum may be 0-dim tensors; the results keep w's dtype."""
    w, g, v, lr, mu = step_inputs(rng, (6,), dtype)
    got = sub.momentum_step(w.to(dtype), g.to(dtype), v.to(dtype), torch.tensor(lr, dtype=F64),
                            torch.tensor(mu, dtype=F64))
    check_step(got, w, g, v, lr, mu, rule="momentum", dtype=dtype,
               what="momentum_step with lr and momentum as 0-dim tensors")


@pytest.mark.points(1)
def test_momentum_step_keeps_inputs(sub, rng):
    """momentum_step is right and modifies none of w, grad, velocity."""
    w, g, v, lr, mu = step_inputs(rng, (4, 3), F64)
    outcome = sub.run("momentum_step", w, g, v, lr, mu)
    expect_contract(outcome, (w, g, v), what="momentum_step", names=("w", "grad", "velocity"))
    check_step(outcome.result, w, g, v, lr, mu, rule="momentum", dtype=F64,
               what="momentum_step(w, grad, velocity, lr, momentum)")


@pytest.mark.points(1)
def test_momentum_step_first_velocity_is_a_copy(sub, rng):
    """On the first step v_new is a new copy of grad, not grad itself."""
    w, g, _, lr, mu = step_inputs(rng, (7,), F64)
    outcome = sub.run("momentum_step", w, g, None, lr, mu)
    expect_first_step_contract(outcome, w, g, "momentum_step")
    check_step(outcome.result, w, g, None, lr, mu, rule="momentum", dtype=F64,
               what="momentum_step(w, grad, None, lr, momentum)")


@pytest.mark.points(2)
@pytest.mark.parametrize("function", ["momentum_step", "nesterov_step"])
@pytest.mark.parametrize("attached", ["w", "grad", "velocity"])
def test_step_results_are_detached(sub, rng, function, attached):
    """When an argument requires grad, the results still do not, and the argument is unchanged."""
    w, g, v, lr, mu = step_inputs(rng, (5,), F64)
    args = {"w": w, "grad": g, "velocity": v}
    args[attached] = args[attached].clone().requires_grad_(True)
    outcome = sub.run(function, args["w"], args["grad"], args["velocity"], lr, mu)
    expect_contract(outcome, tuple(args.values()),
                    what=t("{function} with {attached} requiring grad", function=function,
                           attached=attached),
                    names=tuple(args))
    rule = "momentum" if function == "momentum_step" else "nesterov"
    check_step(outcome.result, w, g, v, lr, mu, rule=rule, dtype=F64,
               what=t("{function}(w, grad, velocity, lr, momentum)", function=function))


# ---------------------------------------------------------------------- nesterov_step


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_nesterov_step_first_step(sub, rng, dtype, shape):
    """First Nesterov step: v_new = grad, w_new = w − lr·(grad + momentum·v_new)."""
    w, g, _, lr, mu = step_inputs(rng, shape, dtype)
    got = sub.nesterov_step(w.to(dtype), g.to(dtype), None, lr, mu)
    check_step(got, w, g, None, lr, mu, rule="nesterov", dtype=dtype,
               what="nesterov_step(w, grad, None, lr, momentum)")


@pytest.mark.points(3)
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_nesterov_step_with_velocity(sub, rng, dtype, shape):
    """v_new = momentum·velocity + grad, w_new = w − lr·(grad + momentum·v_new)."""
    w, g, v, lr, mu = step_inputs(rng, shape, dtype)
    got = sub.nesterov_step(w.to(dtype), g.to(dtype), v.to(dtype), lr, mu)
    check_step(got, w, g, v, lr, mu, rule="nesterov", dtype=dtype,
               what="nesterov_step(w, grad, velocity, lr, momentum)")


@pytest.mark.points(1)
@pytest.mark.parametrize("velocity", ["None", "given"])
def test_nesterov_step_keeps_inputs(sub, rng, velocity):
    """nesterov_step is right, modifies no argument and returns new tensors."""
    w, g, v, lr, mu = step_inputs(rng, (2, 5), F64)
    v = None if velocity == "None" else v
    outcome = sub.run("nesterov_step", w, g, v, torch.tensor(lr, dtype=F64), mu)
    if v is None:
        expect_first_step_contract(outcome, w, g, "nesterov_step")
    expect_contract(outcome, (w, g, v), what="nesterov_step", names=("w", "grad", "velocity"))
    check_step(outcome.result, w, g, v, lr, mu, rule="nesterov", dtype=F64,
               what="nesterov_step(w, grad, velocity, lr, momentum)")


# ---------------------------------------------------------------------- minimize

VALLEY = "lambda x: 0.1 * x[0] ** 2 + 2 * x[1] ** 2"
COSINE = "lambda x: x * torch.cos(math.pi * x)"
BUMPY = "lambda x: (torch.log(1 + x ** 2) + 0.1 * (x - 0.5) ** 2).sum()"
ROSENBROCK = "lambda x: (1 - x[0]) ** 2 + 5 * (x[1] - x[0] ** 2) ** 2"

# id: (source, x0 shape, x0 scale, lr, momentum, nesterov, steps)
RUNS = {
    "valley-gd": (VALLEY, (2,), 2.0, 0.4, 0.0, False, 40),
    "valley-momentum": (VALLEY, (2,), 2.0, 0.1, 0.9, False, 60),
    "valley-nesterov": (VALLEY, (2,), 2.0, 0.1, 0.9, True, 60),
    "cosine-0dim-escape": (COSINE, (), 0.0, 0.08, 0.9, False, 200),
    "cosine-1-nesterov": (COSINE, (1,), 0.3, 0.05, 0.8, True, 50),
    "bumpy-matrix": (BUMPY, (2, 3), 1.5, 0.05, 0.7, False, 30),
    "rosenbrock": (ROSENBROCK, (2,), 0.5, 0.01, 0.9, False, 50),
}
FLOAT32_RUNS = ["valley-momentum", "cosine-1-nesterov", "bumpy-matrix"]


def start(rng, run_id, dtype=F64):
    source, shape, scale, lr, mu, nesterov, steps = RUNS[run_id]
    x0 = (scale * torch.randn(shape, generator=rng, dtype=F64)).to(dtype)
    if source == COSINE:
        x0 = x0 - 0.8
    return source, x0, lr, mu, nesterov, steps


FUNCTION_NAMES = {"valley": N_("the valley function"), "cosine": N_("the cosine function"),
                  "bumpy": N_("the bumpy function"), "rosenbrock": N_("the rosenbrock function")}


def minimize_what(run_id, mu, nesterov):
    extra = f", momentum={mu:g}" + (", nesterov=True" if nesterov else "")
    return t("minimize(f, x0, lr, steps{extra}) on {function}", extra=extra,
             function=FUNCTION_NAMES[run_id.split("-")[0]])


@pytest.mark.points(6)
@pytest.mark.disabled("torch.optim")
@pytest.mark.parametrize("run_id", list(RUNS))
def test_minimize_matches_torch_sgd(sub, rng, run_id):
    """In float64 the trajectory equals torch.optim.SGD's to 1e-10, x0 first."""
    source, x0, lr, mu, nesterov, steps = start(rng, run_id)
    expected = sgd_trajectory(source, x0, lr, steps, mu, nesterov)
    got = sub.minimize(source_fn(source), x0, lr, steps, momentum=mu, nesterov=nesterov)
    expect_trajectory(got, expected, what=minimize_what(run_id, mu, nesterov), rtol=1e-10,
                      atol=1e-10, mistakes=lambda: minimize_mistakes(source, x0, lr, steps, mu, nesterov))


@pytest.mark.points(2)
@pytest.mark.disabled("torch.optim")
@pytest.mark.parametrize("run_id", FLOAT32_RUNS)
def test_minimize_float32(sub, rng, run_id):
    """A float32 x0 gives a float32 trajectory that follows torch.optim.SGD."""
    source, x0, lr, mu, nesterov, steps = start(rng, run_id, torch.float32)
    expected = sgd_trajectory(source, x0, lr, steps, mu, nesterov)
    got = sub.minimize(source_fn(source), x0, lr, steps, momentum=mu, nesterov=nesterov)
    expect_trajectory(got, expected,
                      what=t("{what} in float32", what=minimize_what(run_id, mu, nesterov)),
                      mistakes=lambda: minimize_mistakes(source, x0, lr, steps, mu, nesterov))


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
def test_minimize_tensor_hyperparameters(sub, rng):
    """lr and momentum may be 0-dim tensors."""
    source, x0, lr, mu, nesterov, steps = start(rng, "valley-momentum")
    expected = sgd_trajectory(source, x0, lr, steps, mu, nesterov)
    got = sub.minimize(source_fn(source), x0, torch.tensor(lr, dtype=F64),
                       steps, momentum=torch.tensor(mu, dtype=F64))
    expect_trajectory(got, expected, what="minimize with lr and momentum as 0-dim tensors",
                      rtol=1e-10, atol=1e-10,
                      mistakes=lambda: minimize_mistakes(source, x0, lr, steps, mu, nesterov))


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
@pytest.mark.parametrize("shape", [(), (3,)])
def test_minimize_zero_steps(sub, rng, shape):
    """steps=0 gives just x0, as a new tensor of shape (1, *x0.shape)."""
    x0 = torch.randn(shape, generator=rng, dtype=F64)
    source = BUMPY
    outcome = sub.run("minimize", source_fn(source), x0, 0.1, 0, momentum=0.9)
    expect_contract(outcome, (None, x0), what="minimize with steps=0", names=("f", "x0"))
    expect_trajectory(outcome.result, x0[None], what="minimize(f, x0, lr, steps=0)")


@pytest.mark.points(2)
@pytest.mark.disabled("torch.optim")
@pytest.mark.parametrize("requires_grad", [False, True], ids=["plain", "requires_grad"])
def test_minimize_keeps_x0(sub, rng, requires_grad):
    """minimize is right and leaves x0 as it was (values, requires_grad, no .grad)."""
    source, x0, lr, mu, nesterov, steps = start(rng, "bumpy-matrix")
    expected = sgd_trajectory(source, x0, lr, steps, mu, nesterov)
    x0_arg = x0.clone().requires_grad_(requires_grad)
    outcome = sub.run("minimize", source_fn(source), x0_arg, lr, steps, momentum=mu)
    expect_contract(outcome, (None, x0_arg), what="minimize", names=("f", "x0"))
    expect_trajectory(outcome.result, expected, what=minimize_what("bumpy", mu, nesterov),
                      rtol=1e-10, atol=1e-10,
                      mistakes=lambda: minimize_mistakes(source, x0, lr, steps, mu, nesterov))


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
@pytest.mark.parametrize("momentum", [0.0, 0], ids=["float", "int"])
def test_minimize_rejects_nesterov_without_momentum(sub, rng, momentum):
    """nesterov=True with momentum 0 raises ValueError, as torch.optim.SGD does."""
    x0 = torch.randn(2, generator=rng, dtype=F64)
    expect_raises(ValueError, sub.minimize, source_fn(VALLEY), x0, 0.1, 5, momentum=momentum,
                  nesterov=True, what="minimize(..., momentum=0, nesterov=True)",
                  why="(Nesterov needs a non-zero momentum, as in torch.optim.SGD)")


@pytest.mark.points(1)
@pytest.mark.disabled("torch.optim")
def test_minimize_rejects_tensor_zero_momentum_with_nesterov(sub, rng):
    """A 0-dim tensor momentum of 0 with nesterov=True also raises ValueError."""
    x0 = torch.randn(2, generator=rng, dtype=F64)
    expect_raises(ValueError, sub.minimize, source_fn(VALLEY), x0, 0.1, 5,
                  momentum=torch.tensor(0.0, dtype=F64), nesterov=True,
                  what="minimize(..., momentum=torch.tensor(0.), nesterov=True)",
                  why="(Nesterov needs a non-zero momentum, as in torch.optim.SGD)")


# ---------------------------------------------------------------------- escape_hyperparameters


def chosen_hyperparameters(sub) -> tuple[float, float]:
    """The submission's (lr, momentum), checked to be usable numbers."""
    chosen = sub.escape_hyperparameters()
    if not isinstance(chosen, dict) or not {"lr", "momentum"} <= set(chosen):
        fail(N_("escape_hyperparameters should return a dict {\"lr\": ..., \"momentum\": ...}"))
    values = []
    for key in ("lr", "momentum"):
        value = chosen[key]
        if isinstance(value, torch.Tensor) and value.numel() == 1 and value.is_floating_point():
            value = float(value)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            fail(t("escape_hyperparameters()[{key}] should be a finite Python float",
                   key=repr(key)))
        values.append(float(value))
    lr, momentum = values
    if lr <= 0:
        fail(N_("escape_hyperparameters: lr must be positive"))
    if not 0 <= momentum < 1:
        fail(N_("escape_hyperparameters: momentum must lie in [0, 1)"))
    return lr, momentum


def final_point(lr, momentum, dtype):
    """Where 200 steps of the reference optimizer end on x·cos(πx) from −0.8."""
    x0 = torch.tensor(-0.8, dtype=dtype)
    return rule_trajectory(COSINE, x0, lr, 200, momentum, "momentum", dtype=dtype)[-1]


@pytest.mark.points(2)
@pytest.mark.parametrize("dtype", DTYPES)
def test_escape_with_momentum(sub, dtype):
    """With the chosen lr and momentum, 200 steps from −0.8 end within 0.05 of x ≈ 1.0904."""
    lr, momentum = chosen_hyperparameters(sub)
    end = final_point(lr, momentum, dtype)
    expect_close(end, torch.tensor(GLOBAL_MIN, dtype=dtype), rtol=0.0, atol=0.05,
                 what="200 momentum steps on x·cos(πx) from −0.8 with your lr and momentum",
                 nonfinite=DIVERGES,
                 mistakes=[Mistake("it stays in the local minimum near −0.27: too little momentum "
                                   "to carry the iterate over the hill at 0.27",
                                   torch.tensor(LOCAL_MIN))])


@pytest.mark.points(1)
@pytest.mark.parametrize("dtype", DTYPES)
def test_escape_needs_momentum(sub, dtype):
    """At the chosen lr, plain gradient descent (momentum 0) stays in the local minimum."""
    lr, _ = chosen_hyperparameters(sub)
    end = final_point(lr, 0.0, dtype)
    expect_close(end, torch.tensor(LOCAL_MIN, dtype=dtype), rtol=0.0, atol=0.05,
                 what="200 plain gradient descent steps on x·cos(πx) from −0.8 with your lr",
                 nonfinite=DIVERGES,
                 mistakes=[Mistake("plain gradient descent escapes too: this lr is so large that "
                                   "the steps alone jump out of the local minimum; choose a "
                                   "smaller lr so that only momentum escapes",
                                   torch.tensor(GLOBAL_MIN))])
