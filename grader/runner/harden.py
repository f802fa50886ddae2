"""Kernel-level limits a job's process puts on itself before it runs any submission code.

- ``no_new_privs``: nothing the job executes can gain privileges (setuid binaries).
- A seccomp filter (classic BPF, assembled here; x86_64): no sockets but Unix ones (so no
  internet, loopback or netlink), no ptrace or reading other processes' memory, no mount,
  unshare, setns or new namespaces, no kernel modules, keys, bpf, perf or io_uring, and no
  leaving the job's process group (setsid, setpgid): ending the group ends all it started.
- Landlock (where the kernel has it): the file system is read-only and only below the Python
  installation, the runner's own files and a few devices; the job's folder is the only place it
  can write.

Each returns whether it was applied; the sandbox's self-test proves the combined effect.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import struct

PR_SET_NO_NEW_PRIVS = 38
PR_SET_SECCOMP = 22
SECCOMP_MODE_FILTER = 2

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def no_new_privs() -> bool:
    return _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0


# ---------------------------------------------------------------------- seccomp

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
SECCOMP_RET_ALLOW = 0x7FFF0000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_KILL_PROCESS = 0x80000000
BPF_LD_W_ABS = 0x20
BPF_JEQ_K = 0x15
BPF_JGE_K = 0x35
BPF_JSET_K = 0x45
BPF_RET_K = 0x06
AF_UNIX = 1
NAMESPACE_FLAGS = 0x7E020000  # CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET

# x86_64 syscall numbers refused with EPERM.
DENIED_X86_64 = {
    "ptrace": 101, "setpgid": 109, "setsid": 112, "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
    "swapon": 167, "swapoff": 168, "reboot": 169, "init_module": 175, "delete_module": 176,
    "kexec_load": 246, "add_key": 248, "request_key": 249, "keyctl": 250, "unshare": 272,
    "perf_event_open": 298, "name_to_handle_at": 303, "open_by_handle_at": 304, "setns": 308,
    "process_vm_readv": 310, "process_vm_writev": 311, "finit_module": 313,
    "kexec_file_load": 320, "bpf": 321, "userfaultfd": 323, "io_uring_setup": 425,
    "io_uring_enter": 426, "io_uring_register": 427, "fsopen": 430, "fsmount": 432,
    "move_mount": 429, "open_tree": 428, "mount_setattr": 442,
}
SOCKET, SOCKETPAIR, CLONE, CLONE3 = 41, 53, 56, 435


def _op(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k)


def seccomp_program() -> bytes:
    """The filter as raw BPF instructions (x86_64)."""
    errno_eperm = SECCOMP_RET_ERRNO | errno.EPERM
    prog = [
        _op(BPF_LD_W_ABS, 4),  # arch
        _op(BPF_JEQ_K, AUDIT_ARCH_X86_64, jt=1),
        _op(BPF_RET_K, SECCOMP_RET_KILL_PROCESS),
        _op(BPF_LD_W_ABS, 0),  # syscall number
        _op(BPF_JGE_K, X32_SYSCALL_BIT, jf=1),
        _op(BPF_RET_K, errno_eperm),
    ]
    for number in sorted(DENIED_X86_64.values()):
        prog += [_op(BPF_JEQ_K, number, jf=1), _op(BPF_RET_K, errno_eperm)]
    # clone3 cannot be inspected (its flags are behind a pointer): ENOSYS makes libc use clone.
    prog += [_op(BPF_JEQ_K, CLONE3, jf=1), _op(BPF_RET_K, SECCOMP_RET_ERRNO | errno.ENOSYS)]
    # clone with any namespace flag is refused.
    prog += [
        _op(BPF_JEQ_K, CLONE, jf=3),
        _op(BPF_LD_W_ABS, 16),  # args[0], low 32 bits: the flags
        _op(BPF_JSET_K, NAMESPACE_FLAGS, jf=1),
        _op(BPF_RET_K, errno_eperm),
        _op(BPF_LD_W_ABS, 0),  # reload the syscall number for the socket checks
    ]
    # socket() and socketpair(): Unix sockets only.
    for number in (SOCKET, SOCKETPAIR):
        prog += [
            _op(BPF_JEQ_K, number, jf=4),
            _op(BPF_LD_W_ABS, 16),  # args[0]: the domain
            _op(BPF_JEQ_K, AF_UNIX, jt=1),
            _op(BPF_RET_K, SECCOMP_RET_ERRNO | errno.EAFNOSUPPORT),
            _op(BPF_RET_K, SECCOMP_RET_ALLOW),
        ]
    prog.append(_op(BPF_RET_K, SECCOMP_RET_ALLOW))
    return b"".join(prog)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def seccomp() -> bool:
    """Install the filter on this process (needs no_new_privs first). False if unsupported."""
    if platform.machine() != "x86_64":
        return False
    program = seccomp_program()
    buffer = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    return _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(fprog), 0, 0) == 0


# ---------------------------------------------------------------------- landlock

SYS_LANDLOCK_CREATE_RULESET = 444
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
ACCESS_EXECUTE = 1 << 0
ACCESS_WRITE_FILE = 1 << 1
ACCESS_READ_FILE = 1 << 2
ACCESS_READ_DIR = 1 << 3
ALL_V1 = (1 << 13) - 1  # every file-system right of Landlock ABI 1
READ_ONLY = ACCESS_EXECUTE | ACCESS_READ_FILE | ACCESS_READ_DIR
FILE_RIGHTS = ACCESS_EXECUTE | ACCESS_WRITE_FILE | ACCESS_READ_FILE


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 where it has none (x86_64 syscall numbers)."""
    if platform.machine() != "x86_64":
        return 0
    version = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, None, 0, LANDLOCK_CREATE_RULESET_VERSION)
    return max(int(version), 0)


def landlock(read_only: list[str], read_write: list[str]) -> bool:
    """Allow reading only below ``read_only`` and writing only below ``read_write``."""
    if landlock_abi() < 1:
        return False
    attr = struct.pack("Q", ALL_V1)
    ruleset = _libc.syscall(SYS_LANDLOCK_CREATE_RULESET, attr, len(attr), 0)
    if ruleset < 0:
        return False
    try:
        for paths, rights in ((read_only, READ_ONLY), (read_write, ALL_V1)):
            for path in paths:
                try:
                    fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue
                try:
                    allowed = rights if os.path.isdir(path) else rights & FILE_RIGHTS
                    rule = struct.pack("=Qi", allowed, fd)
                    if _libc.syscall(SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH,
                                     rule, 0) < 0:
                        return False
                finally:
                    os.close(fd)
        return _libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) == 0
    finally:
        os.close(ruleset)
