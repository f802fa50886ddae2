"""The warm runner: imports torch once, then forks a fresh child for every job.

It talks to the checker over a Unix SEQPACKET socket (one wire frame per packet). A ``spawn``
request carries three pipe ends by SCM_RIGHTS (requests in, replies out, output out); the
child gets them, its own session and process group, its resource limits and a private
working folder. A ``kill`` request ends a child's whole process group and reports how the
child ended. No torch operation runs here before forking: OpenMP threads started in the
parent would hang the children.
"""

from __future__ import annotations

import ctypes
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


class Zygote:
    def __init__(self, control: socket.socket, config: dict) -> None:
        self.control = control
        self.config = config
        self.children: dict[int, str] = {}  # pid -> working folder
        self.ended: dict[int, dict] = {}  # pid -> how it ended, until the checker asks

    def send(self, message: dict) -> None:
        self.control.send(wire.encode(message))

    def run(self) -> None:
        self.send({"ready": True, "pid": os.getpid(), "torch": torch.__version__})
        self.control.settimeout(1.0)
        while True:
            self.reap()
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
            elif message.get("op") == "kill":
                for fd in fds:
                    os.close(fd)
                self.send(self.kill(int(message["pid"])))
            else:
                for fd in fds:
                    os.close(fd)
                self.send({"error": "unknown request"})
        for pid in list(self.children):
            self.kill(pid)

    def spawn(self, fds: list[int], limits: dict) -> dict:
        """Fork a job; answer only once it has confined itself (or failed to)."""
        workdir = tempfile.mkdtemp(prefix="job-", dir=self.config.get("jobs_dir") or None)
        status_r, status_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(status_r)
            self.child(fds, limits, workdir, status_w)
        os.close(status_w)
        for fd in fds:
            os.close(fd)
        self.children[pid] = workdir
        status = read_status(status_r)
        if status.get("confined") is not True:
            self.kill(pid)
            return {"pid": pid, "sandbox_failed": str(status.get("failed") or "no report")[:200]}
        return {"pid": pid, "layers": status.get("layers", {})}

    def child(self, fds: list[int], limits: dict, workdir: str, status_fd: int) -> None:
        code = 1
        try:
            request_fd, reply_fd, output_fd = fds
            self.control.close()
            os.setsid()
            ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            os.dup2(output_fd, 1)
            os.dup2(output_fd, 2)
            os.close(output_fd)
            os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
            set_limits({**limits, "processes": self.config.get("processes", 0)})
            os.chdir(workdir)
            os.environ["TMPDIR"] = workdir
            tempfile.tempdir = workdir
            torch.set_num_threads(1)
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

    def kill(self, pid: int) -> dict:
        targets = [lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)]
        if self.config.get("reap_all"):
            # Alone with its jobs (own uid or own pid namespace): every other process of ours
            # is left over from the job, even one that escaped its process group.
            targets.append(lambda: os.kill(-1, signal.SIGKILL))
        for target in targets:
            try:
                target()
            except (ProcessLookupError, PermissionError):
                pass
        if pid in self.children:
            try:
                _, status = os.waitpid(pid, 0)
                self.ended[pid] = describe_status(status)
            except ChildProcessError:
                pass
            shutil.rmtree(self.children.pop(pid), ignore_errors=True)
        return self.ended.pop(pid, {"unknown": True})

    def reap(self) -> None:
        for pid in list(self.children):
            try:
                done, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                done, status = pid, 0
            if done:
                self.ended[pid] = describe_status(status)
                shutil.rmtree(self.children.pop(pid), ignore_errors=True)


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
    Zygote(control, config).run()


if __name__ == "__main__":
    main()
