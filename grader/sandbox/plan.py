"""The runner's sandbox: which layers this machine allows, how to launch inside them, and a
self-test that proves they hold before any hidden suite runs.

Layers, strongest first:

- **uid**: when the grader runs as root, each worker slot's runner gets its own unprivileged
  uid (set before anything else runs), so it cannot read the course's private files, signal
  the checker, or share a process limit with another slot.
- **bubblewrap** (Debian's ``bubblewrap``): new user, mount, pid, network, IPC and UTS
  namespaces; a root file system holding only /usr, the Python installation and the runner's
  own files, read-only; a private /tmp; no capabilities; a clean environment; dies with the
  grader. It is always started as the slot's uid, never as root.
- **seccomp** and **Landlock** (applied by each job to itself, see ``grader.runner.harden``):
  Unix sockets only, no ptrace, mount or namespaces; reading only below the runtime's paths and
  writing only in the job's folder.
- **rlimits** (always): address space, CPU time, file size, processes (with its own uid), no
  core dumps; plus the wall-clock kill of the job's whole process group.

``full``: bubblewrap (with a separate uid when root). ``fallback``, where user namespaces are
unavailable (Docker's default profile, JupyterHub pods): separate uid, rlimits, seccomp and
Landlock. ``process``: a plain separate process; the self-test fails and grading hidden suites
is refused unless the instructor says ``--unsafe``.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from grader.course.errors import UserError

PACKAGE_DIR = Path(__file__).resolve().parent.parent
RUNNER_ROOT = "/runner"  # where the runner's own files appear inside bubblewrap
SLOT_UID_BASE = 61000
SLOT_UIDS = 1000
JOB_PROCESSES = 64
ENV_VARIABLE = "GRADER_SANDBOX"
MODES = ("auto", "fallback", "off")


class SandboxRefused(UserError):
    """The sandbox could not be proven, so hidden suites are not run (exit code 3)."""

    exit_code = 3


@dataclass(frozen=True)
class Sandbox:
    """The layers the runner will run inside on this machine."""

    level: str  # "full", "fallback" or "process"
    uid: int | None = None
    bwrap: str | None = None
    seccomp: bool = False
    landlock: bool = False
    notes: tuple[str, ...] = field(default=())
    extra_read_only: tuple[str, ...] = ()  # more paths jobs may read (under Landlock)

    @property
    def layers(self) -> list[str]:
        active = []
        if self.uid is not None:
            active.append("separate uid (one per runner)")
        if self.bwrap:
            active.append("bubblewrap namespaces")
        if self.seccomp:
            active.append("seccomp filter")
        if self.landlock:
            active.append("Landlock")
        return active + ["rlimits", "process-group kill"]


def runtime_paths() -> list[str]:
    """What the runner must be able to read: /usr, the Python installation(s), ld.so's cache."""
    paths = ["/usr", "/etc/ld.so.cache"]
    for prefix in (sys.prefix, sys.base_prefix, str(Path(os.path.realpath(sys.executable)).parent.parent)):
        if prefix not in paths and not any(prefix.startswith(p + "/") for p in paths):
            paths.append(prefix)
    return [p for p in paths if os.path.exists(p)]


def runner_files() -> list[Path]:
    """The runner's own files: it imports nothing else of the package."""
    return [PACKAGE_DIR / "__init__.py", PACKAGE_DIR / "wire.py", PACKAGE_DIR / "runner"]


def readable_by_anyone(path: str) -> bool:
    """Whether another, unprivileged uid can reach and read ``path``."""
    current = Path(path)
    try:
        if not current.stat().st_mode & stat.S_IROTH:
            return False
        for parent in current.parents:
            if not parent.stat().st_mode & stat.S_IXOTH:
                return False
    except OSError:
        return False
    return True


LEASE_DIR = Path("/run/grader-slots")


class SlotLease:
    """A uid of its own for one warm runner, held (by a locked file) for as long as it runs.

    No two runners on the machine share a uid, so one runner's leftover-process sweep or
    process limit never touches another's.
    """

    def __init__(self) -> None:
        LEASE_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
        start = os.getpid() % SLOT_UIDS
        for offset in range(SLOT_UIDS):
            uid = SLOT_UID_BASE + (start + offset) % SLOT_UIDS
            handle = open(LEASE_DIR / f"{uid}.lock", "a")  # noqa: SIM115 - held while leased
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            self.uid = uid
            self._handle = handle
            return
        raise SandboxRefused(f"all {SLOT_UIDS} sandbox uids are in use")

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # closing the file drops the lock
            self._handle = None


def plan(requested: str | None = None) -> Sandbox:
    """Decide the layers for this machine; ``requested`` (or $GRADER_SANDBOX) can lower them.

    ``uid`` is only a placeholder here: each runner leases its own (``SlotLease``).
    """
    requested = requested or os.environ.get(ENV_VARIABLE, "auto")
    if requested not in MODES:
        raise SandboxRefused(f"{ENV_VARIABLE}={requested!r}; use one of {', '.join(MODES)}")
    if requested == "off":
        return Sandbox("process", notes=(f"isolation switched off ({ENV_VARIABLE}=off)",))
    notes = []
    uid = None
    if os.geteuid() == 0:
        unreadable = [p for p in runtime_paths() + [str(f) for f in runner_files()]
                      if not readable_by_anyone(p)]
        if unreadable:
            notes.append(f"no separate uid: {unreadable[0]} is not readable by other users "
                         f"(build the virtualenv on a system Python, as scripts/install.sh does)")
        else:
            uid = SLOT_UID_BASE
    else:
        notes.append("no separate uid: the grader is not running as root")
    from grader.runner.harden import landlock_abi

    seccomp = sys.platform == "linux" and os.uname().machine == "x86_64"
    landlock = landlock_abi() >= 1
    if not seccomp:
        notes.append("no seccomp filter on this architecture")
    if not landlock:
        notes.append("no Landlock in this kernel")
    bwrap = None
    if requested == "auto" and os.geteuid() == 0 and uid is None:
        notes.append("bubblewrap not used: it is never started as root, only as a slot's uid")
    elif requested == "auto":
        bwrap, why = usable_bwrap(uid)
        if why:
            notes.append(why)
    else:
        notes.append(f"bubblewrap not used ({ENV_VARIABLE}=fallback)")
    if bwrap:
        level = "full"
    elif uid is not None or landlock:
        level = "fallback"
    else:
        level = "process"
    return Sandbox(level, uid, bwrap, seccomp, landlock, tuple(notes))


@functools.lru_cache(maxsize=8)
def usable_bwrap(uid: int | None) -> tuple[str | None, str]:
    """bubblewrap's path if it starts a sandbox here as ``uid``, else (None, why not)."""
    path = shutil.which("bwrap")
    if path is None:
        return None, "no bubblewrap (apt-get install bubblewrap)"
    command = [path, *bwrap_arguments(), "--", "/usr/bin/true"]
    try:
        probe = subprocess.run(command, capture_output=True, text=True, timeout=10,
                               preexec_fn=_become(uid) if uid is not None else None)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"bubblewrap does not start here ({exc})"
    if probe.returncode != 0:
        reason = (probe.stderr.strip().splitlines() or ["unknown error"])[-1]
        return None, f"bubblewrap cannot create namespaces here: {reason}"
    return path, ""


def bwrap_arguments() -> list[str]:
    """The sandbox's shape: namespaces, a read-only runtime, a private /tmp, nothing else."""
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
            "--clearenv", "--tmpfs", "/tmp"]
    for path in runtime_paths():
        args += ["--ro-bind", path, path]
    args += ["--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
             "--symlink", "usr/bin", "/bin", "--proc", "/proc", "--dev", "/dev",
             "--dir", "/tmp/jobs", "--chdir", "/tmp"]
    for path in runner_files():
        args += ["--ro-bind", str(path), f"{RUNNER_ROOT}/grader/{path.relative_to(PACKAGE_DIR)}"]
    return args


def _become(uid: int):
    def demote() -> None:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)

    return demote


BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[2]); "
    "from grader.runner.zygote import main; main()"
)


@dataclass(frozen=True)
class Launch:
    """How to start the runner: the command, its environment and who it runs as."""

    argv: list[str]
    env: dict[str, str]
    preexec_fn: object


def launch(sandbox: Sandbox, control_fd: int, preload: tuple[str, ...],
           environment: dict[str, str]) -> Launch:
    """The runner's command line inside ``sandbox``, with the control socket ``control_fd``."""
    inside = sandbox.bwrap is not None
    config = {
        "seccomp": sandbox.seccomp,
        "landlock": sandbox.landlock,
        "read_only": runtime_paths() + (
            [RUNNER_ROOT] if inside else [str(p) for p in runner_files()]
        ) + ["/proc", "/dev/urandom", "/dev/random", "/dev/zero", *sandbox.extra_read_only],
        "read_write": ["/dev/null"],
        "processes": JOB_PROCESSES if sandbox.uid is not None else 0,
        "reap_all": sandbox.uid is not None or inside,
        "jobs_dir": "/tmp/jobs" if inside else "",
    }
    package_parent = RUNNER_ROOT if inside else str(PACKAGE_DIR.parent)
    argv = [sys.executable, "-I", "-c", BOOTSTRAP, str(control_fd), package_parent,
            ",".join(preload), json.dumps(config, separators=(",", ":"))]
    env = dict(environment)
    if inside:
        setenv = [arg for key, value in environment.items() for arg in ("--setenv", key, value)]
        argv = [sandbox.bwrap, *bwrap_arguments(), *setenv, "--", *argv]
        env = {"PATH": environment["PATH"]}
    preexec = _become(sandbox.uid) if sandbox.uid is not None else None
    return Launch(argv, env, preexec)
