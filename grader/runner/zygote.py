"""The warm runner: imports torch once, then forks a fresh child for every job.

It talks to the checker over a Unix SEQPACKET socket (one wire frame per packet). A ``spawn``
request carries three pipe ends by SCM_RIGHTS (requests in, replies out, output out); the
child gets them, its own session and process group, its resource limits and a private
working folder. A ``kill`` request ends a child's whole process group and reports how the
child ended (or, with ``"reply": false``, only ends it: the checker does not wait). No torch
operation runs here before forking: OpenMP threads started in the parent would hang the
children.

Forked ahead: the next job's child is forked as soon as a job starts, and waits, warming
itself up, for its pipes, limits and folder; a ``spawn`` hands them over, so the checker does
not wait for the fork (about 8 ms for a process that has imported torch). While it waits it
shares the machine with the running job, so it has no folder yet, is not dumpable (no
process of this uid can read or write its memory), is woken with SIGCONT in case the job
stopped it, and is replaced when the job killed it.
"""

from __future__ import annotations

import ctypes
import gc
import importlib
import json
import os
import resource
import select
import shutil
import signal
import socket
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import torch  # noqa: E402 - thread settings must come first

from grader import wire  # noqa: E402
from grader.runner import guards, harden, serve  # noqa: E402

PR_SET_PDEATHSIG = 1
SANDBOX_FAILED = 86  # a job whose configured layers did not all apply
MAX_PACKET = 65536


PR_SET_DUMPABLE = 4


class Spare:
    """A child forked ahead, waiting on ``channel`` for a job's pipes, limits and folder."""

    def __init__(self, pid: int, channel: socket.socket) -> None:
        self.pid, self.channel = pid, channel


class Zygote:
    def __init__(self, control: socket.socket, config: dict) -> None:
        self.control = control
        self.config = config
        self.children: dict[int, str] = {}  # pid -> working folder
        self.ended: dict[int, dict] = {}  # pid -> how it ended, until the checker asks
        self.spare: Spare | None = None
        self.unwatched: set[int] = set()  # killed quietly: nobody asks how they ended

    def send(self, message: dict) -> None:
        self.control.send(wire.encode(message))

    def run(self) -> None:
        self.send({"ready": True, "pid": os.getpid(), "torch": torch.__version__})
        self.control.settimeout(1.0)
        while True:
            self.reap()
            if self.spare is None:  # the next job's child, forked while this one works
                self.spare = self.fork_spare()
            try:
                packet, fds, _, _ = socket.recv_fds(self.control, MAX_PACKET, 3)
            except TimeoutError:
                continue
            except OSError:
                break
            if not packet:
                break
            try:
                message = wire.decode_packet(packet)
            except wire.WireError:
                message = None
            if not isinstance(message, dict):
                for fd in fds:
                    os.close(fd)
                self.send({"error": "malformed request"})
            elif message.get("op") == "spawn" and len(fds) == 3:
                self.send(self.spawn(fds, message))
                self.spare = self.spare or self.fork_spare()
            elif message.get("op") == "kill":
                for fd in fds:
                    os.close(fd)
                if message.get("reply", True) is False:  # the checker is not waiting
                    self.kill(int(message["pid"]), quiet=True)
                else:
                    self.send(self.kill(int(message["pid"])))
            else:
                for fd in fds:
                    os.close(fd)
                self.send({"error": "unknown request"})
        self.drop_spare()
        for pid in list(self.children):
            self.kill(pid)

    def spawn(self, fds: list[int], limits: dict) -> dict:
        """Start a job in the spare (or in a child forked now); answer only once it has
        confined itself (or failed to)."""
        workdir = tempfile.mkdtemp(prefix="job-", dir=self.config.get("jobs_dir") or None)
        handover = wire.encode({"limits": limits, "workdir": workdir})
        try:
            spare = self.ready_spare()
            try:
                status_r = self.hand_over(spare, handover, fds)
            except OSError:  # it died just now: fork one here
                self.end_spare(spare)
                spare = self.fork_spare()
                status_r = self.hand_over(spare, handover, fds)
        finally:
            for fd in fds:
                os.close(fd)
        spare.channel.close()
        self.children[spare.pid] = workdir
        status = read_status(status_r)
        if status.get("confined") is not True:
            self.kill(spare.pid)
            return {"pid": spare.pid,
                    "sandbox_failed": str(status.get("failed") or "no report")[:200]}
        return {"pid": spare.pid, "layers": status.get("layers", {})}

    @staticmethod
    def hand_over(spare: Spare, handover: bytes, fds: list[int]) -> int:
        """Give ``spare`` the job's pipes, limits and folder, and the write end of a status
        pipe made now, after every fork (a child forked while it existed would keep a copy of
        the write end, and the report's end of file would never come); its read end."""
        status_r, status_w = os.pipe()
        try:
            socket.send_fds(spare.channel, [handover], [*fds, status_w])
        except BaseException:
            os.close(status_r)
            raise
        finally:
            os.close(status_w)
        return status_r

    def ready_spare(self) -> Spare:
        """The spare, running (a job may have stopped it: it may signal it, nothing more),
        or a child forked now when there is none or it died."""
        spare, self.spare = self.spare, None
        if spare is not None:
            try:
                os.kill(spare.pid, signal.SIGCONT)
                alive = os.waitpid(spare.pid, os.WNOHANG)[0] == 0
            except (ProcessLookupError, ChildProcessError):
                alive = False
            if alive:
                return spare
            self.end_spare(spare)
        return self.fork_spare()

    def fork_spare(self) -> Spare:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            ours.close()
            self.standby(theirs, parent)
        theirs.close()
        return Spare(pid, ours)

    def drop_spare(self) -> None:
        if self.spare is not None:
            self.end_spare(self.spare)
            self.spare = None

    @staticmethod
    def end_spare(spare: Spare) -> None:
        spare.channel.close()
        try:
            os.kill(spare.pid, signal.SIGKILL)
            os.waitpid(spare.pid, 0)
        except (ProcessLookupError, ChildProcessError, PermissionError):
            pass

    def standby(self, channel: socket.socket, parent: int) -> None:
        """The spare: its own session, no folder yet, memory no other process of this uid may
        read or write (not dumpable), warmed up by trusted code, waiting for a job."""
        code = 1
        try:
            self.control.close()
            os.setsid()
            libc = ctypes.CDLL(None)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            libc.prctl(PR_SET_DUMPABLE, 0)
            if os.getppid() != parent:
                return  # the runner ended before the death signal was armed
            torch.set_num_threads(1)
            warm_up_job()
            packet, fds, _, _ = socket.recv_fds(channel, MAX_PACKET, 4)
            channel.close()
            if not packet or len(fds) != 4:
                return
            handover = wire.decode_packet(packet)
            workdir = handover["workdir"]
            os.chdir(workdir)
            self.child(fds[:3], handover["limits"], workdir, fds[3])
        finally:
            os._exit(code)

    def child(self, fds: list[int], limits: dict, workdir: str, status_fd: int) -> None:
        code = 1
        try:
            request_fd, reply_fd, output_fd = fds
            os.dup2(output_fd, 1)
            os.dup2(output_fd, 2)
            os.close(output_fd)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            set_limits({**limits, "processes": self.config.get("processes", 0)})
            os.environ["TMPDIR"] = workdir
            tempfile.tempdir = workdir
            layers = confine(self.config, workdir)
            failed = [name for name, applied in layers.items() if not applied]
            # Reported before any submission code runs, on a pipe closed right after: what
            # the zygote hears here cannot come from the submission.
            report_status(status_fd, {"confined": not failed, "layers": layers,
                                      "failed": ", ".join(failed)})
            if failed:
                code = SANDBOX_FAILED
                return
            # The submission cannot look the runner's own modules up by name (the serving
            # loop keeps the references it needs); the checker refuses code that would try.
            for loaded in [m for m in sys.modules if m == "grader" or m.startswith("grader.")]:
                del sys.modules[loaded]
            serve.serve(request_fd, reply_fd, workdir)
            code = 0
        finally:
            os._exit(code)

    def kill(self, pid: int, *, quiet: bool = False) -> dict:
        """End a job's process group (and, without seccomp, every process of ours left over
        from it) and say how it ended; ``quiet``: nobody waits for the answer, so the job is
        reaped (and its folder removed) later, while the next one runs."""
        known = pid in self.children
        targets = [lambda: os.killpg(pid, signal.SIGKILL),
                   lambda: os.kill(pid, signal.SIGKILL)] if known else []
        if self.config.get("reap_all") and not self.config.get("seccomp"):
            # Without seccomp a job can leave its process group (setsid). Alone with our jobs
            # (own uid or own pid namespace), every other process of ours is left over from
            # one: kill(-1) ends them all, the spare included.
            self.drop_spare()
            targets.append(lambda: os.kill(-1, signal.SIGKILL))
        for target in targets:
            try:
                target()
            except (ProcessLookupError, PermissionError):
                pass
        if quiet:
            self.unwatched.add(pid)
            return {"unknown": True}
        if known:
            try:
                _, status = os.waitpid(pid, 0)
                self.ended[pid] = describe_status(status)
            except ChildProcessError:
                pass
            shutil.rmtree(self.children.pop(pid), ignore_errors=True)
        return self.ended.pop(pid, {"unknown": True})

    def reap(self) -> None:
        if self.spare is not None:
            try:
                done, _ = os.waitpid(self.spare.pid, os.WNOHANG)
            except ChildProcessError:
                done = self.spare.pid
            if done:  # killed or crashed while waiting: a new one is forked next
                self.spare.channel.close()
                self.spare = None
        for pid in list(self.children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done:
                if pid in self.unwatched:
                    self.unwatched.discard(pid)
                else:
                    self.ended[pid] = describe_status(status)
                shutil.rmtree(self.children.pop(pid), ignore_errors=True)


def warm_up_job() -> None:
    """Touch what most checks use (autograd, the common ops) in the spare, before any job
    code: the first call of a job then finds its memory already copied from the runner's."""
    x = torch.linspace(-1.0, 1.0, 8, dtype=torch.float64, requires_grad=True)
    y = torch.nn.functional.softmax(torch.tanh(x) * torch.sigmoid(x) + torch.relu(x), dim=0)
    loss = (y.log() * y).sum() + ((x @ x) - x.mean()) ** 2
    loss.backward()
    with torch.no_grad():
        x -= 0.1 * x.grad


def describe_status(status: int) -> dict:
    if os.WIFSIGNALED(status):
        return {"signal": os.WTERMSIG(status)}
    return {"exit_code": os.WEXITSTATUS(status)}


def set_limits(limits: dict) -> None:
    """Resource limits for one job; each is optional (processes only with a uid of its own)."""
    pairs = {
        "memory_bytes": resource.RLIMIT_AS,
        "file_bytes": resource.RLIMIT_FSIZE,
        "cpu_seconds": resource.RLIMIT_CPU,
        "processes": resource.RLIMIT_NPROC,
    }
    for key, which in pairs.items():
        value = limits.get(key)
        if value:
            resource.setrlimit(which, (int(value), int(value)))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def confine(config: dict, workdir: str) -> dict[str, bool]:
    """The job's own kernel limits, set before any submission code runs.

    Returns each configured layer and whether it applied; the job dies if any did not.
    """
    layers = {"no_new_privs": harden.no_new_privs()}
    if config.get("landlock"):
        layers["landlock"] = harden.landlock(config.get("read_only", []),
                                             [*config.get("read_write", []), workdir])
    if config.get("seccomp"):
        layers["seccomp"] = harden.seccomp()
    return layers


def report_status(fd: int, status: dict) -> None:
    try:
        os.write(fd, json.dumps(status).encode()[:4096])
    finally:
        os.close(fd)


def read_status(fd: int, seconds: float = 10.0) -> dict:
    """The child's confinement report (one small JSON write, then EOF)."""
    data = b""
    deadline = time.monotonic() + seconds
    try:
        while len(data) <= 4096:
            ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
            if not ready:
                break
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
    finally:
        os.close(fd)
    try:
        status = json.loads(data.decode())
    except ValueError:
        return {}
    return status if isinstance(status, dict) else {}


def main() -> None:
    control = socket.socket(fileno=int(sys.argv[1]))
    for module in filter(None, sys.argv[3].split(",") if len(sys.argv) > 3 else []):
        importlib.import_module(module)
    config = json.loads(sys.argv[4]) if len(sys.argv) > 4 else {}
    guards.warm_up()
    # Everything imported so far out of the collector's sight: a job's collections then scan
    # only what the job made, and never write to (so never copy) the runner's shared pages.
    gc.collect()
    gc.freeze()
    Zygote(control, config).run()


if __name__ == "__main__":
    main()
