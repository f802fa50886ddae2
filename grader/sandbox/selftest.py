"""The sandbox's self-test: before any hidden suite runs, a probe job must fail to read a
canary file in the course folder, to reach a listener on loopback and to signal the checker.

Grading refuses (``SandboxRefused``) when it does not, unless the instructor says ``--unsafe``.
"""

from __future__ import annotations

import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from grader import wire
from grader.sandbox.host import JobLimits, RunnerFailure, RunnerHost
from grader.sandbox.plan import Sandbox, SandboxRefused, plan

PROBE = '''
import os, socket

def probe(canary, port, checker_pid, checker_net):
    found = {}
    try:
        with open(canary) as handle:
            found["canary"] = handle.read()
    except Exception as exc:
        found["canary"] = "blocked: " + type(exc).__name__
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        found["loopback"] = "connected"
    except Exception as exc:
        found["loopback"] = "blocked: " + type(exc).__name__
    try:
        os.kill(checker_pid, 0)
        found["signal"] = "delivered"
    except Exception as exc:
        found["signal"] = "blocked: " + type(exc).__name__
    # The layers this job actually has, as the kernel reports them to the job itself.
    status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
    found["no_new_privs"] = status.get("NoNewPrivs", "").strip() == "1"
    found["seccomp"] = status.get("Seccomp", "").strip() == "2"
    try:
        os.listdir("/")
        found["landlock"] = False
    except PermissionError:
        found["landlock"] = True
    try:
        found["own_network"] = os.stat("/proc/self/ns/net").st_ino != checker_net
    except OSError:
        found["own_network"] = False
    found["uid"] = os.getuid()
    return found
'''
CANARY_PREFIX = ".grader-canary-"
LAYER_NAMES = {"no_new_privs": "no new privileges", "seccomp": "seccomp filter",
               "landlock": "Landlock", "own_network": "own network namespace"}


@dataclass(frozen=True)
class SelfTest:
    """How the probe job fared: every way the sandbox leaked, and the layers it observed."""

    failures: list[str]
    observed: dict[str, bool]  # layer -> present in the probe job (see LAYER_NAMES)
    uid: int | None = None


def remove_stale_canaries(course_root: Path) -> None:
    """Canaries left by a self-test that was killed (its process is gone)."""
    for path in course_root.glob(f"{CANARY_PREFIX}*"):
        pid = path.name.removeprefix(CANARY_PREFIX).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            path.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def self_test(host, course_root: Path) -> list[str]:
    """Run a probe through ``host`` like any submission; every way the sandbox leaked."""
    return probe_sandbox(host, course_root).failures


def probe_sandbox(host, course_root: Path) -> SelfTest:
    """The self-test, with the layers the probe job itself observed."""
    remove_stale_canaries(course_root)
    token = secrets.token_hex(16)
    canary = course_root / f"{CANARY_PREFIX}{os.getpid()}-{token[:8]}"
    listener = socket.socket()
    failures: list[str] = []
    found: dict = {}
    try:
        try:
            canary.write_text(token)
            canary.chmod(0o644)  # as readable as the course's own files
        except OSError:
            canary = course_root / "course.toml"
            token = canary.read_text()
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        job = host.spawn(JobLimits(memory_bytes=2 << 30, output_bytes=4096))
        try:
            deadline = time.monotonic() + 30
            loaded = job.request({"op": "load", "module": "probe", "filename": "probe.py",
                                  "source": PROBE.encode(), "files": {}}, deadline)
            if loaded.get("ok") is not True:
                return SelfTest([f"the probe could not run in the runner ({loaded})"], {})
            own_net = os.stat("/proc/self/ns/net").st_ino
            reply = job.request({"op": "call", "function": "probe",
                                 "args": [str(canary), listener.getsockname()[1], os.getpid(),
                                          own_net],
                                 "kwargs": {}}, deadline)
        finally:
            job.close()
        found = reply.get("result") if isinstance(reply, dict) else None
        if not isinstance(found, dict):
            return SelfTest(["the probe's answer was malformed"], {})
        if found.get("canary") == token:
            failures.append(f"the runner could read a file in the course folder ({canary.name})")
        if found.get("loopback") == "connected" or _accepted(listener):
            failures.append("the runner could connect to the checker over loopback")
        if found.get("signal") == "delivered":
            failures.append("the runner could signal the checker's process")
    except (RunnerFailure, wire.WireError, OSError) as exc:
        failures.append(f"the runner could not be started inside the sandbox ({exc})")
    finally:
        listener.close()
        if canary.name.startswith(CANARY_PREFIX):
            canary.unlink(missing_ok=True)
    observed = {name: found.get(name) is True for name in LAYER_NAMES}
    uid = found.get("uid") if type(found.get("uid")) is int else None
    return SelfTest(failures, observed, uid)


@dataclass(frozen=True)
class SandboxReport:
    """What ``grader doctor`` shows: the layers planned here, and what a probe job had."""

    sandbox: Sandbox
    failures: list[str]
    observed: dict[str, bool]
    uid: int | None = None

    def observed_lines(self) -> list[tuple[bool, str]]:
        """(present, layer) as the probe job saw them, the planned ones first."""
        lines = [(present, LAYER_NAMES[name]) for name, present in self.observed.items()]
        if self.uid is not None:
            lines.insert(0, (self.uid != os.getuid(), f"separate uid ({self.uid})"))
        return lines


def diagnose_sandbox(course_root: Path) -> SandboxReport:
    """Plan the sandbox for this machine and run the self-test inside it."""
    sandbox = plan()
    with RunnerHost(sandbox=sandbox) as host:
        tested = probe_sandbox(host, course_root)
    return SandboxReport(sandbox, tested.failures, tested.observed, tested.uid)


def _accepted(listener: socket.socket) -> bool:
    try:
        connection, _ = listener.accept()
    except (BlockingIOError, OSError):
        return False
    connection.close()
    return True


def require_proven(host, course_root: Path, *, unsafe: bool) -> tuple[str, ...]:
    """Refuse (``SandboxRefused``) unless ``host``'s sandbox passed its self-test.

    With ``unsafe`` grading goes on, and the returned note says so in every report.
    """
    if host.selftest_failures is None:
        host.selftest_failures = self_test(host, course_root)
    if not host.selftest_failures:
        return ()
    reasons = "; ".join(host.selftest_failures)
    if not unsafe:
        raise SandboxRefused(
            f"the sandbox self-test failed ({reasons}), so hidden suites are not run; "
            f"see grader doctor, or pass --unsafe to grade without isolation")
    return (f"UNSAFE: graded with --unsafe although the sandbox self-test failed ({reasons})",)
