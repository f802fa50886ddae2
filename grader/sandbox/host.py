"""Trusted side of the runner: start the warm runner, open one job per submission, talk data.

``launch_runner`` is the single place that decides how the untrusted process is started; the
sandbox wraps exactly that. Everything here treats the runner as hostile: every read has a
deadline and a size cap, and any surprise becomes ``RunnerFailure``.
"""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import threading
from dataclasses import dataclass
from typing import Any

from grader import wire
from grader.course.i18n import Text, t
from grader.sandbox.plan import Sandbox, SlotLease, launch, plan

READY_SECONDS = 60.0
CONTROL_SECONDS = 10.0


class RunnerFailure(Exception):
    """The runner did not answer as it should: it exited, hung, or sent a malformed frame."""

    def __init__(self, reason: str | Text, *, timed_out: bool = False,
                 sandbox: bool = False) -> None:
        super().__init__(str(reason))
        self.reason = reason
        self.timed_out = timed_out
        self.sandbox = sandbox  # a sandbox layer failed to apply: not the submission's doing


@dataclass(frozen=True)
class JobLimits:
    """Limits for one job, from ``course.toml``'s ``[grading]`` table."""

    memory_bytes: int
    output_bytes: int
    max_reply_bytes: int = 16 * 1024 * 1024  # far above any honest answer (models included)
    file_bytes: int = 64 * 1024 * 1024
    cpu_seconds: int = 0


def runner_environment() -> dict[str, str]:
    """A clean environment for the runner: nothing of the grader's leaks in."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
    }
    return env


def launch_runner(control_fd: int, preload: tuple[str, ...] = (),
                  sandbox: Sandbox | None = None) -> subprocess.Popen:
    """Start the warm runner process, handing it the control socket ``control_fd``.

    The one place that decides how untrusted code is started: inside ``sandbox`` (see
    grader.sandbox.plan), with a clean environment, its own session, and isolated Python (``-I``:
    no user site, no PYTHON* variables, no current folder on the path). ``preload`` names
    modules the runner imports before it forks any job.
    """
    started = launch(sandbox or plan(), control_fd, preload, runner_environment())
    return subprocess.Popen(
        started.argv,
        pass_fds=[control_fd],
        env=started.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        cwd="/",
        preexec_fn=started.preexec_fn,
    )


class RunnerHost:
    """The warm runner process for one grading worker; jobs are forked children of it.

    Started in the background as soon as it is created, so torch imports in the runner while
    the checker collects its tests. ``preload``: modules to import once before forking jobs
    (a lesson's ``preload`` in course.toml), so no job pays for them.
    """

    def __init__(self, preload: tuple[str, ...] = (), sandbox: Sandbox | None = None) -> None:
        self.preload = tuple(preload)
        self.sandbox = sandbox or plan()
        self._lease = None
        if self.sandbox.uid is not None:
            self._lease = SlotLease()
            self.sandbox = dataclasses.replace(self.sandbox, uid=self._lease.uid)
        self.selftest_failures: list[str] | None = None  # None until the self-test has run
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._control: socket.socket | None = None
        self._ready: dict | None = None
        self.start()

    def start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._process = launch_runner(theirs.fileno(), self.preload, self.sandbox)
        finally:
            theirs.close()
        self._control = ours
        self._ready = None

    def _request(self, message: dict, fds: list[int] = ()) -> dict:
        assert self._control is not None
        self._control.settimeout(CONTROL_SECONDS)
        if fds:
            socket.send_fds(self._control, [wire.encode(message)], list(fds))
        else:
            self._control.send(wire.encode(message))
        return self._receive(CONTROL_SECONDS)

    def _receive(self, timeout: float) -> dict:
        assert self._control is not None
        self._control.settimeout(timeout)
        try:
            packet = self._control.recv(65536)
        except (TimeoutError, OSError) as exc:
            raise RunnerFailure("the grading runner did not answer") from exc
        if not packet:
            raise RunnerFailure("the grading runner stopped")
        try:
            reply = wire.decode_packet(packet)
        except wire.WireError as exc:
            raise RunnerFailure(f"the grading runner sent a malformed answer ({exc})") from None
        if not isinstance(reply, dict):
            raise RunnerFailure("the grading runner sent a malformed answer")
        return reply

    def wait_ready(self) -> dict:
        if self._ready is None:
            reply = self._receive(READY_SECONDS)
            if not reply.get("ready"):
                raise RunnerFailure("the grading runner failed to start")
            self._ready = reply
        return self._ready

    def spawn(self, limits: JobLimits) -> RunnerJob:
        """Fork a fresh child of the warm runner for one job."""
        with self._lock:
            for attempt in range(2):
                try:
                    return self._spawn(limits)
                except RunnerFailure as failure:
                    if attempt or failure.sandbox:
                        raise
                    self.restart()
                except (wire.WireError, OSError):
                    if attempt:
                        raise
                    self.restart()
        raise AssertionError("unreachable")

    def _spawn(self, limits: JobLimits) -> RunnerJob:
        self.wait_ready()
        request_r, request_w = os.pipe()
        reply_r, reply_w = os.pipe()
        output_r, output_w = os.pipe()
        try:
            reply = self._request(
                {"op": "spawn", "memory_bytes": limits.memory_bytes,
                 "file_bytes": limits.file_bytes, "cpu_seconds": limits.cpu_seconds},
                [request_r, reply_w, output_w],
            )
        except BaseException:
            for fd in (request_w, reply_r, output_r):
                os.close(fd)
            raise
        finally:
            for fd in (request_r, reply_w, output_w):
                os.close(fd)
        pid = reply.get("pid")
        if type(pid) is not int:
            raise RunnerFailure("the grading runner could not start a job")
        if "sandbox_failed" in reply:
            for fd in (request_w, reply_r, output_r):
                os.close(fd)
            raise RunnerFailure(f"a sandbox layer did not apply to the job "
                                f"({str(reply['sandbox_failed'])[:200]}); the submission did "
                                f"not run", sandbox=True)
        job = RunnerJob(self, pid, request_w, reply_r, output_r, limits)
        layers = reply.get("layers")
        job.layers = {str(k): bool(v) for k, v in layers.items()} if isinstance(layers, dict) else {}
        return job

    def end_job(self, pid: int, *, wait: bool = True) -> dict:
        """Kill a job's whole process group; say how it ended (``wait``), or only end it
        without waiting for the runner (a job that answered everything asked of it)."""
        with self._lock:
            try:
                if not wait:
                    self._control.send(wire.encode({"op": "kill", "pid": pid, "reply": False}))
                    return {"unknown": True}
                return self._request({"op": "kill", "pid": pid})
            except (RunnerFailure, wire.WireError, OSError, AttributeError):
                self.restart()
                return {"unknown": True}

    def restart(self) -> None:
        self._stop()
        self.start()

    def close(self) -> None:
        """Stop the runner for good and give its uid back."""
        self._stop()
        if self._lease is not None:
            self._lease.release()
            self._lease = None

    def _stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        if self._process is not None:
            try:
                os.killpg(self._process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self._process.wait()
            self._process = None

    def __enter__(self) -> RunnerHost:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class RunnerJob:
    """One forked child running one submission: send requests, read replies with deadlines."""

    def __init__(self, host: RunnerHost, pid: int, request_fd: int, reply_fd: int,
                 output_fd: int, limits: JobLimits) -> None:
        self.host = host
        self.pid = pid
        self.request_fd = request_fd
        self.outbox = wire.Outbox(request_fd)
        self.reader = wire.FrameReader(reply_fd, max_body_bytes=limits.max_reply_bytes)
        self.output_fd = output_fd
        self.limits = limits
        self.output = bytearray()
        self.output_dropped = 0
        self.ended: dict | None = None
        self.layers: dict[str, bool] = {}  # what the job reported it applied to itself

    def request(self, message: dict, deadline: float) -> Any:
        """Send one request and wait for its reply until ``deadline`` (monotonic seconds)."""
        self.submit(wire.encode(message))
        return self.take(deadline)

    def submit(self, frame: bytes) -> None:
        """Queue one encoded request; it is written as the pipe has room. Replies come back
        in the order requests were submitted (``take``)."""
        if self.ended is not None:
            raise RunnerFailure(t("the submission's process has already ended"))
        try:
            self.outbox.put(frame)
        except BrokenPipeError:
            raise RunnerFailure(self._ended_reason()) from None

    def take(self, deadline: float) -> Any:
        """The reply to the oldest request not yet answered, waiting until ``deadline``."""
        if self.ended is not None:
            raise RunnerFailure(t("the submission's process has already ended"))
        try:
            reply = self.reader.read(deadline, drain_fd=self.output_fd, drain=self._keep_output,
                                     outbox=self.outbox)
        except wire.FrameTimeout:
            self.close()
            raise RunnerFailure(t("did not finish within the time limit"), timed_out=True) from None
        except (wire.ChannelClosed, BrokenPipeError):
            raise RunnerFailure(self._ended_reason()) from None
        except wire.WireError as exc:
            self.close()
            raise RunnerFailure(t("the submission's process sent a malformed answer ({why})",
                                  why=str(exc))) from None
        if not isinstance(reply, dict):
            self.close()
            raise RunnerFailure(t("the submission's process sent a malformed answer ({why})",
                                  why="not a dict"))
        return reply

    def _keep_output(self, chunk: bytes) -> None:
        room = self.limits.output_bytes - len(self.output)
        self.output += chunk[: max(room, 0)]
        self.output_dropped += max(len(chunk) - max(room, 0), 0)

    def _ended_reason(self) -> Text:
        ended = self.close()
        if "signal" in ended:
            number = ended["signal"]
            name = signal.Signals(number).name if number in signal.Signals._value2member_map_ else number
            hint = " (out of memory or CPU time?)" if name in ("SIGKILL", "SIGXCPU", "SIGSEGV") else ""
            if hint:
                return t("the submission's process ended: killed by {signal} (out of memory or "
                         "CPU time?)", signal=str(name))
            return t("the submission's process ended: killed by {signal}", signal=str(name))
        if "exit_code" in ended:
            return t("the submission's process ended (sys.exit, os._exit or a crash)")
        return t("the submission's process ended")

    def close(self, *, wait: bool = True) -> dict:
        """End the job's process group (idempotent); returns how the child ended when
        ``wait`` (otherwise the runner ends it while the checker goes on)."""
        if self.ended is None:
            self.ended = self.host.end_job(self.pid, wait=wait)
            for fd in (self.request_fd, self.reader.fd, self.output_fd):
                try:
                    os.close(fd)
                except OSError:
                    pass
        return self.ended

    def printed(self) -> str:
        """What the submission printed, capped at the output limit."""
        text = self.output.decode("utf-8", "replace")
        if self.output_dropped:
            text += f"\n[... {self.output_dropped} more bytes of output dropped]"
        return text

