"""Hostile submissions (tests/attacks/) against the sandbox, in full and fallback modes.

Each attack module defines ``attack()``; the functions the lesson asks for are appended here
and return wrong answers (7s) unless the attack hands them something, so any point an
attack earns is the sandbox failing. Every attack is bounded (time, memory, processes, disk)
so it cannot harm the machine even if containment failed.
"""

from __future__ import annotations

import hashlib
import os
import socket
import stat
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

import pytest

from grader.engine.worker import CheckerWorker, WorkerError

ATTACKS = sorted((Path(__file__).parent / "attacks").glob("attack_*.py"))
ANSWERS = '''


def predict(x, w, b=0.0):
    stolen = attack()
    return stolen if stolen is not None else torch.full(x.shape[:1], 7.0, dtype=x.dtype)


def mse(y_hat, y):
    stolen = attack()
    return stolen if stolen is not None else torch.tensor(7.0, dtype=y.dtype)


def mse_grad(x, y, w, b=0.0):
    stolen = attack()
    seven = torch.tensor(7.0, dtype=x.dtype)
    return stolen if stolen is not None else (seven, seven.clone())


mse_grad_autograd = mse_grad


def loss_curve(x, y, ws):
    stolen = attack()
    return stolen if stolen is not None else torch.full(ws.shape, 7.0, dtype=x.dtype)
'''
PORT_FILE = Path("/tmp/grader-attack-port")


def hostile(path: Path) -> bytes:
    return (path.read_text() + ANSWERS).encode()


def snapshot(*roots: Path) -> dict[str, tuple[int, str]]:
    """Every file below ``roots``: size and content hash."""
    state = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            for name in files:
                path = Path(folder, name)
                if path.is_symlink() or not path.is_file():
                    continue
                state[str(path)] = (path.stat().st_size, hashlib.sha256(path.read_bytes()).hexdigest())
    return state


def slot_processes(seconds: float = 10.0, *, besides: frozenset[str] = frozenset()) -> list[str]:
    """Processes still running as a sandbox slot's uid once ``seconds`` have passed, other
    than ``besides`` (pids that were there before: other tests' warm runners).

    Killed processes in a dying pid namespace take a moment to go, so this waits.
    """
    from grader.sandbox.plan import SLOT_UID_BASE, SLOT_UIDS

    deadline = time.monotonic() + seconds
    while True:
        left = []
        for entry in os.listdir("/proc"):
            try:
                uid = os.stat(f"/proc/{entry}").st_uid if entry.isdigit() else -1
                if SLOT_UID_BASE <= uid < SLOT_UID_BASE + SLOT_UIDS and entry not in besides:
                    status = Path(f"/proc/{entry}/status").read_text().split("\n")[2]
                    if "zombie" not in status:
                        left.append(f"{entry} {Path(f'/proc/{entry}/cmdline').read_bytes()[:80]!r}")
            except OSError:
                continue
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


@pytest.fixture(scope="module", params=["full", "fallback"])
def batch(request, tight_course, tmp_path_factory):
    mode = request.param
    others = tmp_path_factory.mktemp(f"others-{mode}")
    reference = (tight_course / "solutions" / "lesson2" / "mse.py").read_bytes()
    for student in ("ana", "ben"):
        (others / student).mkdir()
        (others / student / "mse.py").write_bytes(reference)
        (others / student / "mse.py").chmod(0o666)
        (others / student).chmod(0o777)
    others.chmod(0o777)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.setblocking(False)
    PORT_FILE.write_text(str(listener.getsockname()[1]))
    PORT_FILE.chmod(0o644)
    site_packages = Path(sysconfig.get_paths()["purelib"])
    watched = (tight_course, others)
    before = snapshot(*watched)
    running = frozenset(pid.split()[0] for pid in slot_processes(0))
    packages_before = sorted(os.listdir(site_packages))
    env = {**os.environ, "GRADER_SANDBOX": "auto" if mode == "full" else "fallback"}
    submissions = [("honest-before", reference)]
    submissions += [(path.stem, hostile(path)) for path in ATTACKS]
    submissions += [("honest-after", reference)]
    try:
        with CheckerWorker(tight_course, env=env) as worker:
            results = {r.submission: r for r in worker.grade("lesson2", submissions)}
            (clean,) = worker.grade("lesson2", [("clean", reference)])
            (after,) = worker.grade("lesson2", [("after", reference)])
        accepted = []
        while True:
            try:
                accepted.append(listener.accept())
            except BlockingIOError:
                break
    finally:
        listener.close()
        PORT_FILE.unlink(missing_ok=True)
    return {
        "mode": mode, "results": results, "clean": clean, "after": after,
        "changed": {k for k in set(before) | set(snapshot(*watched))
                    if before.get(k) != snapshot(*watched).get(k)},
        "new_packages": sorted(set(os.listdir(site_packages)) - set(packages_before)),
        "accepted": accepted, "left_over": slot_processes(besides=running),
    }


def test_the_catalog_has_at_least_25_attacks():
    assert len(ATTACKS) >= 25
    for path in ATTACKS:
        assert path.read_text().startswith('"""attack: ')


@pytest.mark.parametrize("attack", [p.stem for p in ATTACKS])
def test_every_attack_scores_zero(batch, attack):
    result = batch["results"][attack]
    assert result.max_score > 0
    assert result.score == 0, (batch["mode"], [t.name for t in result.tests if t.passed])


def test_honest_neighbours_are_scored_exactly_as_in_a_clean_run(batch):
    clean = batch["clean"]
    assert clean.score == clean.max_score
    for label in ("honest-before", "honest-after"):
        result = batch["results"][label]
        assert [(t.name, t.passed, t.max_score) for t in result.tests] == \
               [(t.name, t.passed, t.max_score) for t in clean.tests]


def test_the_grader_survives_and_keeps_grading(batch):
    assert len(batch["results"]) == len(ATTACKS) + 2
    assert batch["after"].score == batch["after"].max_score


def test_no_file_outside_the_grading_output_changed(batch):
    assert batch["changed"] == set()
    assert batch["new_packages"] == []
    assert not (Path("/tmp") / "conftest.py").exists()
    assert not (Path("/tmp") / "results_attack.json").exists()


def test_nothing_reached_the_loopback_listener(batch):
    assert batch["accepted"] == []


def test_no_attack_process_outlives_the_batch(batch):
    assert batch["left_over"] == []


# ---------------------------------------------------------------------- no isolation at all


def test_without_isolation_hidden_suites_are_refused(tight_course):
    env = {**os.environ, "GRADER_SANDBOX": "off"}
    reference = (tight_course / "solutions" / "lesson2" / "mse.py").read_bytes()
    with CheckerWorker(tight_course, env=env) as worker:
        with pytest.raises(WorkerError, match="sandbox self-test failed"):
            worker.grade("lesson2", [("ref", reference)])
        (unsafe,) = worker.grade("lesson2", [("ref", reference)], unsafe=True)
    assert unsafe.score == unsafe.max_score
    assert unsafe.notes and unsafe.notes[0].startswith("UNSAFE: graded with --unsafe")


def test_grader_score_exits_3_without_isolation_and_says_why(tight_course):
    env = {**os.environ, "GRADER_SANDBOX": "off"}
    command = [sys.executable, "-m", "grader.cli.instructor", "score", "lesson2",
               str(tight_course / "solutions" / "lesson2"), "--course", str(tight_course)]
    refused = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 3
    assert "sandbox self-test failed" in refused.stderr and "--unsafe" in refused.stderr
    forced = subprocess.run([*command, "--unsafe"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert forced.returncode == 0
    assert forced.stdout.startswith("UNSAFE: ")
    assert "[UNSAFE: no proven sandbox]" in forced.stdout


@pytest.mark.parametrize(("mode", "level"), [("auto", "full"), ("fallback", "fallback")])
def test_doctor_names_the_active_layers_and_passes_its_self_test(mode, level):
    env = {**os.environ, "GRADER_SANDBOX": mode}
    result = subprocess.run([sys.executable, "-m", "grader.cli.instructor", "doctor"], env=env,
                            capture_output=True, text=True, timeout=120,
                            cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stdout
    assert f"Sandbox level: {level}" in result.stdout
    assert "✓ seccomp filter" in result.stdout and "✓ Landlock" in result.stdout
    if os.geteuid() == 0:
        assert "✓ separate uid" in result.stdout
    assert ("✓ bubblewrap namespaces" in result.stdout) == (level == "full")
    assert "Self-test: passed" in result.stdout


def test_the_port_file_is_only_for_the_attacks():
    assert stat.S_IMODE(0o644) == 0o644  # documented: the listener's port is world-readable
