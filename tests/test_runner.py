"""The untrusted runner: loads bytes, answers calls with data, survives what submissions do."""

from __future__ import annotations

import time

import pytest
import torch

from grader.sandbox.host import JobLimits, RunnerFailure, RunnerHost
from grader.wire import FunctionSource, ObjectSpec

LIMITS = JobLimits(memory_bytes=2 << 30, output_bytes=4096)


@pytest.fixture(scope="module")
def host():
    with RunnerHost() as runner:
        yield runner


def start(host, source: str, *, limits: JobLimits = LIMITS, files: dict | None = None):
    job = host.spawn(limits)
    reply = job.request({"op": "load", "module": "student", "filename": "student.py",
                         "source": source.encode(), "files": files or {}},
                        time.monotonic() + 20)
    assert reply == {"ok": True}, reply
    return job


def call(job, function, *args, disabled=(), echo=False, seconds=20.0, **kwargs):
    return job.request({"op": "call", "function": function, "args": list(args), "kwargs": kwargs,
                        "disabled": list(disabled), "echo_args": echo},
                       time.monotonic() + seconds)


SPELLINGS = """
import torch
import torch.nn.functional as F
from torch import sigmoid as captured_sigmoid

def torch_sigmoid(x): return torch.sigmoid(x)
def method_sigmoid(x): return x.sigmoid()
def expit(x): return torch.special.expit(x)
def functional_sigmoid(x): return F.sigmoid(x)
def module_sigmoid(x): return torch.nn.Sigmoid()(x)
def captured(x): return captured_sigmoid(x)
def inplace_sigmoid(x): return x.clone().sigmoid_()
def softmax_method(x): return x.softmax(0)
def functional_log_softmax(x): return F.log_softmax(x, 0)
def logsumexp_method(x): return x.logsumexp(0)
def cross_entropy(x): return F.cross_entropy(x[None], torch.tensor([0]))
def autograd_grad(x):
    x = x.clone().requires_grad_(True)
    return torch.autograd.grad((x * x).sum(), x)[0]
def tensor_backward(x):
    x = x.clone().requires_grad_(True)
    (x * x).sum().backward()
    return x.grad
def functional_jacobian(x): return torch.autograd.functional.jacobian(lambda t: t * 2, x)
def optimizer(x):
    p = torch.nn.Parameter(x.clone())
    return torch.optim.SGD([p], lr=0.1).param_groups[0]["lr"]
def swallowed(x):
    try:
        return torch.sigmoid(x)
    except Exception:
        return 1 / (1 + torch.exp(-x))
"""

BLOCKED = [
    ("torch_sigmoid", "torch.sigmoid"), ("method_sigmoid", "torch.sigmoid"),
    ("expit", "torch.sigmoid"), ("functional_sigmoid", "torch.sigmoid"),
    ("module_sigmoid", "torch.sigmoid"), ("captured", "torch.sigmoid"),
    ("inplace_sigmoid", "torch.sigmoid"), ("softmax_method", "torch.softmax"),
    ("functional_log_softmax", "torch.log_softmax"), ("logsumexp_method", "torch.logsumexp"),
    ("cross_entropy", "torch.nn.functional.cross_entropy"),
    ("autograd_grad", "autograd"), ("tensor_backward", "autograd"),
    ("functional_jacobian", "autograd"), ("optimizer", "torch.optim.SGD"),
    ("swallowed", "torch.sigmoid"),
]


@pytest.fixture(scope="module")
def spellings(host):
    job = start(host, SPELLINGS)
    yield job
    job.close()


@pytest.mark.parametrize(("function", "api"), BLOCKED, ids=[f for f, _ in BLOCKED])
def test_a_disabled_api_is_caught_in_every_spelling(spellings, function, api):
    reply = call(spellings, function, torch.randn(4), disabled=[api])
    assert reply["disabled_hit"], reply


@pytest.mark.parametrize(("function", "api"), BLOCKED, ids=[f for f, _ in BLOCKED])
def test_disabled_apis_work_again_in_the_next_call(spellings, function, api):
    call(spellings, function, torch.randn(4), disabled=[api])
    reply = call(spellings, function, torch.randn(4))
    assert reply["ok"] is True and reply["disabled_hit"] == []


def test_a_submission_that_exits_does_not_take_the_runner_with_it(host):
    job = start(host, "import os\ndef leave():\n    os._exit(0)\n")
    with pytest.raises(RunnerFailure, match="sys.exit, os._exit or a crash"):
        call(job, "leave")
    job = start(host, "def ok():\n    return 42\n")
    assert call(job, "ok")["result"] == 42
    job.close()


def test_a_loop_that_ignores_signals_is_killed_at_the_deadline(host):
    job = start(host, "import signal\nfor s in (signal.SIGTERM, signal.SIGINT):\n"
                      "    signal.signal(s, signal.SIG_IGN)\ndef spin():\n    while True:\n        pass\n")
    started = time.monotonic()
    with pytest.raises(RunnerFailure) as caught:
        call(job, "spin", seconds=1.0)
    assert caught.value.timed_out
    assert time.monotonic() - started < 5


def test_every_process_a_job_started_is_gone_when_it_ends(host):
    # Pids are only meaningful inside the runner (its own pid namespace), so a second job
    # looks for the first job's processes there. A job cannot leave its process group
    # (seccomp refuses setsid and setpgid), so ending the group ends all it started; the
    # next job's child, forked ahead while this one ran, survives it and is the one used.
    job = start(host, """
import os, subprocess
def spawn():
    stays = subprocess.Popen(["sleep", "300"]).pid
    try:
        subprocess.Popen(["sleep", "301"], start_new_session=True)
        left = "left its group"
    except PermissionError:
        left = "refused"
    try:
        os.setpgid(0, 0)
    except PermissionError:
        left += ", refused"
    return [stays, left, os.getpgid(0) == os.getpid()]
""")
    stays, left, leader = call(job, "spawn")["result"]
    assert host.sandbox.seccomp, "this machine's sandbox has seccomp (bubblewrap and Linux >= 3.5)"
    assert left == "refused, refused" and leader
    job.close(wait=False)  # as a proxy ends a job: the checker does not wait
    checker = start(host, """
import os, time
def alive(pids):
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        living = []
        for pid in pids:
            try:
                os.kill(pid, 0)
                living.append(pid)
            except ProcessLookupError:
                pass
        if not living:
            return []
        time.sleep(0.05)
    return living
""")
    assert call(checker, "alive", [stays])["result"] == []
    checker.close()


def test_what_a_submission_prints_is_kept_apart_and_capped(host):
    job = start(host, "import sys\ndef chatty():\n    print('x' * 1_000_000)\n"
                      "    sys.stderr.write('err\\n')\n    return 1\n")
    reply = call(job, "chatty")
    assert reply["result"] == 1
    printed = job.printed()
    assert printed.startswith("xxxx")
    assert len(printed) < LIMITS.output_bytes + 200
    assert "more bytes of output dropped" in printed
    job.close()


def test_the_memory_limit_turns_a_huge_allocation_into_an_error(host):
    job = start(host, "import torch\ndef hog():\n    return torch.empty(2**31, dtype=torch.float64).sum()\n")
    reply = call(job, "hog")
    assert reply["ok"] is False
    assert reply["error"]["builtin"] in ("MemoryError", "RuntimeError")
    job.close()


def test_killing_the_warm_runner_only_costs_a_restart(host):
    job = start(host, "import os, signal\ndef kill_parent():\n    os.kill(os.getppid(), signal.SIGKILL)\n"
                      "    return 1\n")
    try:
        call(job, "kill_parent", seconds=5)
    except RunnerFailure:
        pass
    job = start(host, "def ok():\n    return 'fine'\n")
    assert call(job, "ok")["result"] == "fine"
    job.close()


def test_functions_and_objects_are_built_from_descriptions(host):
    job = start(host, "def apply(f, x):\n    return f(x)\n"
                      "def draw(g):\n    import torch\n    return torch.randn(3, generator=g)\n")
    square_sum = FunctionSource("def f(x):\n    return (x ** 2).sum()\n", "f")
    assert call(job, "apply", square_sum, torch.tensor([1.0, 2.0]))["result"].item() == 5.0
    first = call(job, "draw", ObjectSpec("generator", (7,)))["result"]
    assert torch.equal(first, torch.randn(3, generator=torch.Generator().manual_seed(7)))
    reply = call(job, "draw", ObjectSpec("os.system", ("true",)))
    assert reply["ok"] is False and "unknown object factory" in reply["bad_request"]
    job.close()


def test_models_and_optimizers_come_back_as_data_with_parameter_names(host):
    job = start(host, """
import torch
def build():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())
    model.fc = torch.nn.Linear(4, 2)
    opt = torch.optim.SGD([{"params": model[0].parameters(), "lr": 0.1},
                           {"params": model.fc.parameters(), "lr": 1.0}], momentum=0.9)
    return model, opt
""")
    model, optimizer = call(job, "build")["result"]
    assert model["__object__"] == "module"
    assert set(model["parameters"]) == {"0.weight", "0.bias", "fc.weight", "fc.bias"}
    assert model["fc"] == {"in_features": 4, "out_features": 2}
    assert optimizer["class"] == "SGD"
    assert [g["params"] for g in optimizer["param_groups"]] == [["0.weight", "0.bias"],
                                                               ["fc.weight", "fc.bias"]]
    assert [g["lr"] for g in optimizer["param_groups"]] == [0.1, 1.0]
    assert optimizer["param_groups"][0]["momentum"] == 0.9
    job.close()


def test_arguments_come_back_so_mutation_is_visible(host):
    job = start(host, "def mutate(x):\n    x.add_(1)\n    return x.clone()\n"
                      "def alias(x):\n    return x.view(-1)\n")
    reply = call(job, "mutate", torch.zeros(3), echo=True)
    assert torch.equal(reply["args_after"][0], torch.ones(3))
    assert call(job, "alias", torch.zeros(2, 2), echo=True)["shares_storage"] is True
    job.close()


def test_a_syntax_error_is_reported_with_its_line(host):
    job = host.spawn(LIMITS)
    reply = job.request({"op": "load", "module": "student", "filename": "student.py",
                         "source": b"x = 1\ndef broken(:\n    pass\n", "files": {}},
                        time.monotonic() + 20)
    assert reply["load_error"]["kind"] == "syntax"
    assert reply["load_error"]["line"] == 2
    job.close()


def test_parameters_in_results_come_back_as_names(host):
    nets = b"""
import torch
def make():
    model = torch.nn.Sequential(torch.nn.Linear(2, 3))
    model.fc = torch.nn.Linear(3, 2)
    return model
"""
    job = start(host, """
def groups(model):
    head = list(model.fc.parameters())
    rest = [p for n, p in model.named_parameters() if not n.startswith("fc.")]
    return [{"params": rest, "lr": 0.1}, {"params": head, "lr": 1.0}]
""", files={"nets.py": nets})
    groups = call(job, "groups", ObjectSpec("nets.make"))["result"]
    assert [[p["name"] for p in g["params"]] for g in groups] == [["0.weight", "0.bias"],
                                                                 ["fc.weight", "fc.bias"]]
    assert groups[1]["params"][0] == {"__object__": "parameter", "name": "fc.weight",
                                      "shape": [2, 3], "requires_grad": True}
    job.close()


def test_two_runners_never_share_a_uid():
    from grader.sandbox.plan import plan

    sandbox = plan()
    if sandbox.uid is None:
        pytest.skip("separate uids need root")
    with RunnerHost(sandbox=sandbox) as first, RunnerHost(sandbox=sandbox) as second:
        assert first.sandbox.uid != second.sandbox.uid
        uid = first.sandbox.uid
    with RunnerHost(sandbox=sandbox) as again:
        assert again.sandbox.uid == uid  # released with its runner, then leased again
