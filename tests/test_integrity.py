"""Grading integrity: bans decided by the trusted checker, nothing hidden leaks, fail closed.

- A function graded with a ban earns nothing when it reaches the banned capability, however
  it is spelled or hidden, and correct solutions are never refused (the static reading in
  grader/checker/bans.py, then real grading of bypasses).
- Text and numbers the submission controls never reach a student-facing output of a hidden
  test (a whole class of leaking submissions through `grader batch`, every output grepped).
- The checker's memory stays bounded whatever a submission returns.
- A job whose sandbox layers did not all apply is a sandbox failure, never a student's zero.
- Hidden inputs come from a secret that never ships.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, copy_course

from grader.checker.bans import BANS, SourceReader
from grader.course.config import CourseError, load_course

BANNED = {  # lesson -> function -> the ban names its hidden tests use
    "lesson2": {"mse_grad": ("autograd",)},
    "lesson4": {"minimize": ("torch.optim",)},
    "lesson5": {
        "sigmoid": ("torch.sigmoid",),
        "softmax": ("torch.softmax", "torch.log_softmax"),
        "cross_entropy": ("torch.nn.functional.cross_entropy", "torch.nn.functional.nll_loss",
                          "torch.log_softmax", "torch.logsumexp"),
        **{name: ("autograd",) for name in ("sigmoid_grad", "tanh_grad", "relu_grad",
                                            "cross_entropy_grad", "chain_grad")},
    },
}
MODULES = {"lesson2": "mse.py", "lesson4": "momentum.py", "lesson5": "activations.py"}


def refusal(source: str, function: str, bans: tuple[str, ...]) -> str | None:
    found = SourceReader(source.encode(), "m.py").refusal(function, bans)
    return None if found is None else str(found)


# ---------------------------------------------------------------------- the static reading


def honest_sources():
    for lesson, module in MODULES.items():
        yield f"{lesson}/reference", lesson, (REPO / "solutions" / lesson / module).read_text()
        for path in sorted((REPO / "tests" / "catalog" / lesson).glob("correct_*.py")):
            yield f"{lesson}/{path.name}", lesson, path.read_text()


@pytest.mark.parametrize(("label", "lesson", "source"), list(honest_sources()),
                         ids=[label for label, _, _ in honest_sources()])
def test_no_correct_solution_is_refused(label, lesson, source):
    for function, bans in BANNED[lesson].items():
        assert refusal(source, function, bans) is None, (label, function)


HONEST_STYLES = {
    "getattr on torch, called": (
        "import torch\n"
        "def chain_grad(x, depth, activation):\n"
        "    f = getattr(torch, activation)\n"
        "    g = torch.ones_like(x)\n"
        "    for _ in range(depth):\n"
        "        y = f(x)\n"
        "        g = g * (y * (1 - y))\n"
        "        x = y\n"
        "    return g\n", "chain_grad", ("autograd",)),
    "a constant from torch at module level": (
        "import torch\nEPS = torch.finfo(torch.float64).eps\n"
        "def mse_grad(x, y, w, b=0.0):\n    r = x * w + b - y\n    return (2 * x * r).mean(), (2 * r).mean()\n"
        "def mse_grad_autograd(x, y, w, b=0.0):\n    w = torch.as_tensor(w).clone().requires_grad_()\n"
        "    ((x * w - y) ** 2).mean().backward()\n    return w.grad, EPS\n", "mse_grad", ("autograd",)),
    "a class with a method called grad": (
        "class Line:\n    def __init__(self, w):\n        self.w = w\n"
        "    def grad(self, x, y):\n        return (2 * x * (x * self.w - y)).mean()\n"
        "def mse_grad(x, y, w, b=0.0):\n    return Line(w).grad(x, y), None\n", "mse_grad", ("autograd",)),
    "sigmoid through tanh": (
        "import torch\ndef sigmoid(x):\n    return (1 + torch.tanh(x / 2)) / 2\n",
        "sigmoid", ("torch.sigmoid",)),
}


@pytest.mark.parametrize("style", list(HONEST_STYLES))
def test_honest_styles_are_not_refused(style):
    source, function, bans = HONEST_STYLES[style]
    assert refusal(source, function, bans) is None


BYPASSES = {
    # (source, function, bans, what the one-line message must name)
    "DisableTorchFunction": (
        "import torch\ndef sigmoid(x):\n    with torch._C.DisableTorchFunction():\n"
        "        return torch.sigmoid(x)\n", "sigmoid", ("torch.sigmoid",), "DisableTorchFunction"),
    "the guard replaced through sys.modules": (
        "import sys\nsys.modules['grader.runner.guards'].disabled = None\n"
        "def sigmoid(x):\n    return 1 / (1 + (-x).exp())\n", "sigmoid", ("torch.sigmoid",), "sys"),
    "torch.ops.aten sigmoid_backward": (
        "import torch\ndef sigmoid_grad(x):\n    s = 1 / (1 + (-x).exp())\n"
        "    return torch.ops.aten.sigmoid_backward(torch.ones_like(x), s)\n",
        "sigmoid_grad", ("autograd",), "ops"),
    "torch._C._nn": (
        "import torch\ndef sigmoid(x):\n    return torch._C._nn.silu(x) / x\n",
        "sigmoid", ("torch.sigmoid",), "_C"),
    "forward-mode AD": (
        "import torch.autograd.forward_ad as fwAD\nimport torch\ndef tanh_grad(x):\n"
        "    with fwAD.dual_level():\n        d = fwAD.make_dual(x, torch.ones_like(x))\n"
        "        return fwAD.unpack_dual(torch.tanh(d)).tangent\n", "tanh_grad", ("autograd",),
        "dual_level"),
    "torch.func.jacfwd": (
        "import torch\nfrom torch.func import jacfwd\ndef mse_grad(x, y, w, b=0.0):\n"
        "    return jacfwd(lambda v: ((x * v + b - y) ** 2).mean())(torch.as_tensor(w)), None\n",
        "mse_grad", ("autograd",), "torch.func"),
    "torch.func.jvp": (
        "import torch\ndef tanh_grad(x):\n"
        "    return torch.func.jvp(torch.tanh, (x,), (torch.ones_like(x),))[1]\n",
        "tanh_grad", ("autograd",), "jvp"),
    "an optimizer's __init__ saved at import": (
        "import torch\n_init = torch.optim.SGD.__init__\n"
        "def minimize(f, x0, lr, steps, momentum=0.0, nesterov=False):\n"
        "    x = x0.clone().requires_grad_()\n    torch.optim.SGD.__init__ = _init\n"
        "    opt = torch.optim.SGD([x], lr=lr)\n", "minimize", ("torch.optim",), "__init__"),
    "F.logsigmoid(x).exp()": (
        "import torch.nn.functional as F\ndef sigmoid(x):\n    return F.logsigmoid(x).exp()\n",
        "sigmoid", ("torch.sigmoid",), "logsigmoid"),
    "F.glu": (
        "import torch\nfrom torch.nn import functional as F\ndef sigmoid(x):\n"
        "    return F.glu(torch.stack([torch.ones_like(x), x]), 0)\n", "sigmoid",
        ("torch.sigmoid",), "glu"),
    "F.silu(x) / x": (
        "import torch\ndef sigmoid(x):\n    return torch.nn.functional.silu(x) / x\n",
        "sigmoid", ("torch.sigmoid",), "silu"),
    "F.softmin(-z)": (
        "from torch.nn import functional as F\ndef softmax(z, dim=-1):\n    return F.softmin(-z, dim)\n",
        "softmax", ("torch.softmax", "torch.log_softmax"), "softmin"),
    "calling y.grad_fn": (
        "import torch\ndef sigmoid_grad(x):\n    y = x.clone().requires_grad_()\n"
        "    s = 1 / (1 + (-y).exp())\n    return s.grad_fn(torch.ones_like(s))\n",
        "sigmoid_grad", ("autograd",), "grad_fn"),
    "a helper function that calls autograd": (
        "import torch\ndef _g(out, x):\n    return torch.autograd.grad(out, x)[0]\n"
        "def sigmoid_grad(x):\n    x = x.clone().requires_grad_()\n"
        "    return _g((1 / (1 + (-x).exp())).sum(), x)\n", "sigmoid_grad", ("autograd",), "_g"),
    "an alias chain": (
        "import torch as T\nA = T.autograd\ndef sigmoid_grad(x):\n"
        "    x = x.clone().requires_grad_()\n    return A.grad((1 / (1 + (-x).exp())).sum(), x)[0]\n",
        "sigmoid_grad", ("autograd",), "autograd"),
    "a global container filled by another function": (
        "import torch\nCACHE = {}\ndef sigmoid(x):\n    CACHE['g'] = torch.autograd.grad\n"
        "    return 1 / (1 + (-x).exp())\ndef sigmoid_grad(x):\n    x = x.clone().requires_grad_()\n"
        "    return CACHE['g']((1 / (1 + (-x).exp())).sum(), x)[0]\n", "sigmoid_grad",
        ("autograd",), "in sigmoid"),
    "a computed getattr": (
        "import torch\ndef sigmoid(x):\n    c = getattr(torch, '_' + 'C')\n"
        "    with getattr(c, 'Disable' + 'TorchFunction')():\n        return torch.sigmoid(x)\n",
        "sigmoid", ("torch.sigmoid",), "computed name"),
    "eval": ("def sigmoid(x):\n    return eval('torch.sig' + 'moid')(x)\n", "sigmoid",
             ("torch.sigmoid",), "eval"),
    "a subprocess": ("import subprocess\ndef sigmoid(x):\n    return subprocess.run(['true'])\n",
                     "sigmoid", ("torch.sigmoid",), "subprocess"),
    "a lambda bound at module level": (
        "import torch\nsigmoid = lambda x: torch.sigmoid(x)\n", "sigmoid", ("torch.sigmoid",),
        "sigmoid"),
    "torch.distributions": (
        "import torch\ndef softmax(z, dim=-1):\n    return torch.distributions.Categorical(logits=z).probs\n",
        "softmax", ("torch.softmax", "torch.log_softmax"), "distributions"),
    "an nn module": ("from torch import nn\nS = nn.Sigmoid()\ndef sigmoid(x):\n    return S(x)\n",
                     "sigmoid", ("torch.sigmoid",), "Sigmoid"),
    "from-import under another name": (
        "from torch import sigmoid as s\ndef sigmoid(x):\n    return s(x)\n", "sigmoid",
        ("torch.sigmoid",), "torch.sigmoid"),
    "monkeypatching torch": (
        "import torch\ntorch.exp = torch.sigmoid\ndef sigmoid(x):\n    return 1 / (1 + (-x).exp())\n",
        "sigmoid", ("torch.sigmoid",), "torch.exp"),
    "frames": ("import torch\ndef sigmoid(x):\n    import inspect\n"
               "    return inspect.currentframe().f_back.f_globals\n", "sigmoid",
               ("torch.sigmoid",), "inspect"),
    "logsumexp in cross-entropy": (
        "import torch\ndef cross_entropy(logits, target):\n"
        "    return (logits.logsumexp(1) - logits[torch.arange(len(target)), target]).mean()\n",
        "cross_entropy", BANNED["lesson5"]["cross_entropy"], "logsumexp"),
}


@pytest.mark.parametrize("bypass", list(BYPASSES))
def test_every_way_around_a_ban_is_refused_in_one_line_naming_it(bypass):
    source, function, bans, named = BYPASSES[bypass]
    message = refusal(source, function, bans)
    assert message is not None, bypass
    assert "\n" not in message
    assert message.startswith(f"{function} cannot be graded: m.py line ")
    assert named in message, message


def test_the_runner_guard_knows_no_ban_the_checker_does_not():
    from grader.runner import guards

    assert set(guards.SPELLINGS) | set(guards.GROUPS) <= set(BANS)


def test_an_unknown_ban_in_a_suite_is_a_collection_error(tmp_path, worker):
    course = copy_course(tmp_path / "course", ["lesson2"])
    suite = course / "tests" / "hidden" / "lesson2" / "test_typo.py"
    suite.write_text("import pytest\n\n@pytest.mark.disabled('torch.optims')\n"
                     "def test_x(sub):\n    sub.predict\n")
    from grader.engine.grading import GradingError, Submission, grade

    loaded = load_course(course)
    lesson = loaded.lesson("lesson2")
    with pytest.raises(GradingError, match="torch.optims"):
        grade(loaded, lesson, [Submission("ref", loaded.reference_source(lesson))],
              unsafe=True)


# ---------------------------------------------------------------------- graded for real


def bypassed(lesson: str, function: str, body: str) -> tuple[bytes, bytes]:
    """The reference with ``function`` replaced by a bypass, and by nothing at all."""
    reference = (REPO / "solutions" / lesson / MODULES[lesson]).read_text()
    return ((reference + "\n\n" + body).encode(),
            (reference + f"\n\ndef {function}(*args, **kwargs):\n"
                         f"    raise NotImplementedError\n").encode())


REAL_BYPASSES = [
    ("lesson5", "sigmoid", "import torch as _t\n\ndef sigmoid(x):\n"
                           "    with _t._C.DisableTorchFunction():\n        return _t.sigmoid(x)\n"),
    ("lesson5", "softmax", "import torch as _t\n\ndef softmax(z, dim=-1):\n"
                           "    return _t.nn.functional.softmin(-z, dim)\n"),
    ("lesson5", "sigmoid_grad", "import torch as _t\n\ndef sigmoid_grad(x):\n"
                                "    s = 1 / (1 + (-x).exp())\n"
                                "    return _t.ops.aten.sigmoid_backward(_t.ones_like(x), s)\n"),
    ("lesson2", "mse_grad", "import torch as _t\n\ndef mse_grad(x, y, w, b=0.0):\n"
                            "    w = _t.as_tensor(w, dtype=x.dtype)\n"
                            "    b = _t.as_tensor(b, dtype=x.dtype)\n"
                            "    f = lambda v, c: (((x * v if x.dim() == 1 else x @ v) + c - y) ** 2).mean()\n"
                            "    return _t.func.jacfwd(f, argnums=(0, 1))(w, b)\n"),
    ("lesson4", "minimize", "import torch as _t\n_init = _t.optim.SGD.__init__\n\n"
                            "def minimize(f, x0, lr, steps, momentum=0.0, nesterov=False):\n"
                            "    _t.optim.SGD.__init__ = _init\n"
                            "    x = x0.detach().clone().requires_grad_(True)\n"
                            "    opt = _t.optim.SGD([x], lr=lr, momentum=momentum, nesterov=nesterov)\n"
                            "    rows = [x.detach().clone()]\n"
                            "    for _ in range(steps):\n"
                            "        opt.zero_grad()\n        f(x).backward()\n        opt.step()\n"
                            "        rows.append(x.detach().clone())\n"
                            "    return _t.stack(rows)\n"),
]


@pytest.mark.parametrize(("lesson", "function", "body"), REAL_BYPASSES,
                         ids=[f"{lesson}-{function}" for lesson, function, _ in REAL_BYPASSES])
def test_a_bypass_earns_nothing_for_the_function_it_did_not_implement(worker, lesson, function,
                                                                        body):
    bypass, _ = bypassed(lesson, function, body)
    (result,) = worker.grade(lesson, [("bypass", bypass)])
    direct = [t for t in result.tests if function in t.functions]
    assert direct, "no check calls the function"
    assert not [t.name for t in direct if t.passed]  # nothing earned for it
    assert all(f"{function} cannot be graded" in t.feedback for t in direct
               if t.functions[0] == function)


# ---------------------------------------------------------------------- nothing leaks

MARK = "SMUGGLED"
NUMBER = 31337  # a shape or a class name no honest output contains
# Hidden inputs are random floats; public checks use numbers a student can work out. The
# call-time channels below smuggle only what looks hidden, so none of it may appear anywhere.
LOOKS_HIDDEN = """
import torch

def _hidden(value):
    if isinstance(value, torch.Tensor):
        scaled = value.detach().double() * 1e4
        return value.is_floating_point() and value.numel() > 0 and bool(
            (scaled - scaled.round()).abs().max() > 1e-3)
    if isinstance(value, (list, tuple)):
        return any(_hidden(item) for item in value)
    if isinstance(value, dict):
        return any(_hidden(item) for item in value.values())
    return isinstance(value, float) and abs(value * 1e4 - round(value * 1e4)) > 1e-3
"""
CALL_LEAKS = {
    "messages": "    raise ValueError('{mark}' + repr(args))\n",
    "printing": "    print('{mark}', args)\n    return None\n",
    "shapes": "    return torch.zeros({number})\n",
    "result types": "    class {mark}Type:\n        pass\n    return {mark}Type()\n",
    "exit codes": "    import sys\n    sys.exit('{mark}' + repr(args))\n",
    "stack walking": ("    import sys\n    frame, seen = sys._getframe(), []\n"
                      "    while frame is not None:\n"
                      "        seen.append(repr(frame.f_locals)[:4000])\n        frame = frame.f_back\n"
                      "    raise RuntimeError('{mark}' + ' '.join(seen))\n"),
    "dict keys": "    return {{'{mark}': 1.0, 'lr': '{mark}', 'momentum': {number}}}\n",
    "class names": ("    class {mark}{number}Error(ValueError):\n        pass\n"
                    "    raise {mark}{number}Error('x')\n"),
}
IMPORT_LEAK = f"raise ImportError('{MARK} at import')\n"  # no hidden input exists yet


def leaking_module(course, lesson, kind: str) -> bytes:
    names = course.stub_functions(lesson)
    if kind == "import-time message":
        body = IMPORT_LEAK
    else:
        channel = CALL_LEAKS[kind].format(mark=MARK, number=NUMBER)
        body = (LOOKS_HIDDEN + "\n\ndef leak(*args, **kwargs):\n"
                "    if _hidden(args) or _hidden(kwargs):\n"
                + "".join("    " + line + "\n" for line in channel.splitlines())
                + "    raise ValueError('nothing hidden here')\n")
    return (body + "\n" + "\n".join(f"{name} = leak" for name in names) + "\n").encode()


KINDS = [*CALL_LEAKS, "import-time message"]


@pytest.fixture(scope="module")
def leaked_class(tmp_path_factory):
    """A class of leaking submissions for every lesson, through `grader batch`."""
    course = load_course(REPO)
    root = tmp_path_factory.mktemp("leaks")
    submissions = root / "class"
    for number, kind in enumerate(KINDS):
        for lesson in course.lessons:
            folder = submissions / f"student{number}" / lesson.id
            folder.mkdir(parents=True)
            (folder / lesson.module).write_bytes(leaking_module(course, lesson, kind))
    out = root / "out"
    done = subprocess.run([sys.executable, "-m", "grader.cli.instructor", "batch",
                           str(submissions), "--out", str(out), "--course", str(REPO),
                           "--workers", "2"], capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-2000:]
    scores = [subprocess.run([sys.executable, "-m", "grader.cli.instructor", "score", lesson,
                              str(submissions / "student0" / lesson), "--json", "--course",
                              str(REPO)], capture_output=True, text=True, timeout=300).stdout
              for lesson in ("lesson2", "lesson4")]
    return {"out": out, "score_json": "\n".join(scores), "stdout": done.stdout,
            "import_student": f"student{KINDS.index('import-time message')}"}


def student_facing(out: Path, *, skip: str) -> dict[str, str]:
    """Every student-facing output, without the public checks' own lines: a public check
    shows its inputs and what the student's code said about them (``LOOKS_HIDDEN`` cannot
    tell public inputs like log(2) from hidden ones), and those inputs are public."""
    public: set[str] = set()
    texts = {}
    for path in (out / "results").rglob("*.json"):
        data = json.loads(path.read_text())
        public |= {test["output"].split(": ")[0] for test in data["tests"]
                   if test["visibility"] == "visible" and test["output"]}
        data["tests"] = [test for test in data["tests"] if test["visibility"] != "visible"]
        texts[path] = json.dumps(data)
    for path in [out / "gradebook.csv", *(out / "feedback").rglob("*.md"),
                 *(out / "report").rglob("*.md")]:
        texts[path] = "\n".join(line for line in path.read_text().splitlines()
                                if not any(line.startswith(f"- {d}") for d in public))
    return {str(path.relative_to(out)): text for path, text in texts.items()
            if skip not in path.parts and path.stem != skip}


def test_no_student_facing_output_of_a_batch_holds_what_a_submission_smuggled(leaked_class):
    outputs = student_facing(leaked_class["out"], skip=leaked_class["import_student"])
    outputs["grader score --json"] = leaked_class["score_json"]
    assert len(outputs) > 10
    for name, text in outputs.items():
        at = text.find(MARK)
        assert at < 0, (name, text[max(0, at - 300): at + 200])
        assert str(NUMBER) not in text, name
        assert "source=" not in text and "FunctionSource" not in text, name


def test_an_import_time_message_shows_with_public_checks_only(leaked_class):
    import json

    folder = leaked_class["out"] / "results" / leaked_class["import_student"]
    for path in folder.glob("*.json"):
        data = json.loads(path.read_text())
        assert MARK not in data.get("output", "")
        for test in data["tests"]:
            if test["visibility"] != "visible":
                assert MARK not in test["output"], (path.name, test["name"])


def test_every_leaking_submission_scores_zero(leaked_class):
    import csv

    rows = list(csv.DictReader((leaked_class["out"] / "gradebook.csv").open()))
    assert len(rows) == len(KINDS)
    for row in rows:
        assert float(row["total"]) == 0, row


def test_the_instructor_still_sees_everything_in_a_file_never_handed_back(leaked_class):
    details = "\n".join(p.read_text() for p in
                        (leaked_class["out"] / "instructor-only").glob("*.md"))
    assert MARK in details  # the messages, prints and names are kept for the instructor


# ---------------------------------------------------------------------- memory


def test_the_checker_stays_small_whatever_a_submission_returns(tmp_path):
    from grader.engine.worker import CheckerWorker

    course = copy_course(tmp_path / "course", ["lesson2"])
    huge = (b"import torch\n"
            b"def big(*args, **kwargs):\n"
            b"    return torch.ones(16 * 1024 * 1024 - 4096, dtype=torch.bool)\n"
            b"def many(*args, **kwargs):\n"
            b"    return [torch.ones(64, dtype=torch.float64) for _ in range(40000)]\n"
            b"predict = mse = big\nmse_grad = mse_grad_autograd = loss_curve = many\n")
    too_big = b"import torch\ndef predict(*a, **k):\n    return torch.ones(40_000_000)\n"
    with CheckerWorker(course) as worker:
        results = worker.grade("lesson2", [("huge", huge), ("too big", too_big)])
        status = Path(f"/proc/{worker.process.pid}/status").read_text()
    peak_kib = int(next(line for line in status.splitlines() if line.startswith("VmHWM"))
                   .split()[1])
    assert all(result.score == 0 for result in results)
    assert peak_kib < 1024 * 1024, f"the checker peaked at {peak_kib / 1024:.0f} MiB"


# ---------------------------------------------------------------------- fail closed


def test_a_job_whose_layers_did_not_apply_is_not_graded_and_not_a_zero(tmp_path):
    from grader.course.results import SANDBOX_FAILURE
    from grader.engine.grading import Submission, grade
    from grader.sandbox.host import RunnerHost
    from grader.sandbox.plan import plan

    course = load_course(copy_course(tmp_path / "course", ["lesson2"]))
    lesson = course.lesson("lesson2")
    sandbox = plan()
    if not sandbox.landlock:
        pytest.skip("this kernel has no Landlock to fail")
    # A Landlock rule the kernel refuses (a namespace file): the job cannot confine itself.
    broken = dataclasses.replace(sandbox, extra_read_only=("/proc/self/ns/net",))
    reference = Submission("reference", course.reference_source(lesson))
    with RunnerHost(sandbox=broken) as host:
        (result,) = grade(course, lesson, [reference], host=host, public=True, hidden=False)
    assert result.status == SANDBOX_FAILURE
    assert "landlock" in result.problem and "did not run" in result.problem


def test_a_public_check_never_runs_in_a_process_that_saw_a_hidden_input():
    """One job per submission: public checks first, then hidden tests in the same process;
    a public call after a hidden one gets a fresh process (no state carried back)."""
    from grader.checker.proxy import SubmissionProxy
    from grader.sandbox.host import JobLimits, RunnerHost

    source = b"import os\nseen = []\ndef remember(x):\n    seen.append(x)\n    return [os.getpid(), list(seen)]\n"
    limits = JobLimits(memory_bytes=2 << 30, output_bytes=1 << 16, cpu_seconds=60)
    with RunnerHost() as host:
        proxy = SubmissionProxy(module_file="m.py", source=source, helper_files={}, host=host,
                                limits=limits, job_seconds=60, call_seconds=20)
        calls = []
        for public, value in ((True, 1), (False, 2), (True, 3), (True, 4)):
            proxy.public = public
            calls.append(proxy.remember(value))
        proxy.close()
    (first, one), (second, two), (third, three), (fourth, four) = calls
    assert first == second and two == [1, 2]  # public checks, then hidden: one process
    assert third != second and three == [3]  # back to public: a fresh process
    assert fourth == third and four == [3, 4]


# ---------------------------------------------------------------------- the secret


def test_hidden_seeds_are_keyed_by_the_secret_and_public_ones_are_not():
    from grader.checker.plugin import PUBLIC_KEY, keyed_seed

    name = "test_mse_hidden.py::test_mse_value[7-float64]"
    assert keyed_seed(b"one secret", name) != keyed_seed(b"another", name)
    assert keyed_seed(PUBLIC_KEY, name) == keyed_seed(PUBLIC_KEY, name)
    assert 0 <= keyed_seed(b"one secret", name) < 2**63


def test_a_seed_in_course_toml_is_refused_with_what_to_do(tmp_path):
    course = copy_course(tmp_path / "course", ["lesson2"])
    text = (course / "course.toml").read_text()
    (course / "course.toml").write_text(text.replace('[[lessons]]', '[grading]\nseed = 2026\n\n[[lessons]]', 1))
    with pytest.raises(CourseError, match="seed.*grading secret"):
        load_course(course)


def test_the_release_never_holds_the_secret(tmp_path):
    from grader.course.secret import grading_secret
    from grader.student.release import build_release

    course = load_course(copy_course(tmp_path / "course", ["lesson2"]))
    secret = grading_secret(course)
    release = tmp_path / "release"
    build_release(course, release)
    for path in release.rglob("*"):
        if path.is_file():
            assert secret not in path.read_bytes(), path
    assert not any(p.name == ".grader-secret" for p in release.rglob("*"))


@pytest.mark.parametrize("data", ["numbers", "string"])
def test_a_submission_that_carries_data_instead_of_computing_is_refused(worker, data):
    """E.g. the public digits pasted into lesson6's file to train on the held-out images."""
    reference = (REPO / "solutions" / "lesson2" / "mse.py").read_text()
    blob = ("_DATA = [" + ", ".join(str(i % 17) for i in range(3000)) + "]\n" if data == "numbers"
            else "_DATA = '" + "A" * 20000 + "'\n")
    (result,) = worker.grade("lesson2", [("carrier", (reference + "\n" + blob).encode())])
    assert result.score == 0
    assert any("a solution computes its answers, it does not carry data" in t.feedback
               for t in result.failed)
