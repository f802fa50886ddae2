"""The wire format between the trusted checker and the untrusted runner.

A frame is ``>I`` header length, ``>Q`` body length, a UTF-8 JSON header, then the body.
The header holds one tagged tree (every node is ``{"t": kind, ...}``); tensors, arrays and
bytes point into the body by offset and length. Decoding is strict: unknown kinds or keys,
dtypes outside the whitelist, sizes that do not add up, too deep or too large trees are all
``WireError``. Nothing is ever unpickled, and decoded tensors are always plain
``torch.Tensor`` objects that own their memory.

This module is the only code the runner shares with the trusted side, so it imports nothing
from the rest of the package and imports torch and numpy only when a tensor or array is seen.
"""

from __future__ import annotations

import json
import math
import os
import select
import struct
import sys
import time
from dataclasses import dataclass
from typing import Any

PREFIX = struct.Struct(">IQ")
MAX_HEADER_BYTES = 4 * 1024 * 1024
DEFAULT_MAX_BODY_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 32
MAX_NODES = 200_000
MAX_DIMS = 16

# dtype name -> bytes per element; the only dtypes that may cross the wire.
DTYPES = {
    "float64": 8, "float32": 4, "float16": 2, "bfloat16": 2,
    "int64": 8, "int32": 4, "int16": 2, "int8": 1, "uint8": 1, "bool": 1,
}
NUMPY_DTYPES = {name: size for name, size in DTYPES.items() if name != "bfloat16"}


class WireError(Exception):
    """A frame or value that breaks the wire format."""


class ChannelClosed(WireError):
    """The other end closed the pipe before a whole frame arrived."""


class FrameTimeout(WireError):
    """No whole frame arrived before the deadline."""


@dataclass(frozen=True)
class FunctionSource:
    """A function the runner builds from source text: ``def name(...)`` or a lambda."""

    source: str
    name: str = ""


@dataclass(frozen=True)
class ObjectSpec:
    """An object the runner builds by calling ``factory`` (``module.function``) with args."""

    factory: str
    args: tuple = ()
    kwargs: dict | None = None


# ----------------------------------------------------------------------------- encoding


class _Encoder:
    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.nodes = 0

    def buffer(self, data: bytes) -> dict:
        ref = {"off": self.size, "n": len(data)}
        self.chunks.append(data)
        self.size += len(data)
        return ref

    def node(self, value: Any, depth: int) -> dict:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise WireError("value is nested too deeply or has too many parts to send")
        if value is None:
            return {"t": "none"}
        if isinstance(value, bool):
            return {"t": "bool", "v": bool(value)}
        if isinstance(value, int):
            return {"t": "int", "v": int.__index__(value)}
        if isinstance(value, float):
            return {"t": "float", "v": _float_to_json(float.__float__(value))}
        if isinstance(value, str):
            return {"t": "str", "v": str.__str__(value)}
        if isinstance(value, (bytes, bytearray, memoryview)):
            return {"t": "bytes", **self.buffer(bytes(value))}
        if isinstance(value, FunctionSource):
            return {"t": "function", "source": value.source, "name": value.name}
        if isinstance(value, ObjectSpec):
            return {
                "t": "object",
                "factory": value.factory,
                "args": [self.node(a, depth + 1) for a in value.args],
                "kwargs": self.pairs(value.kwargs or {}, depth),
            }
        if isinstance(value, (list, tuple)):
            kind = "tuple" if isinstance(value, tuple) else "list"
            return {"t": kind, "v": [self.node(item, depth + 1) for item in value]}
        if isinstance(value, dict):
            return {"t": "dict", "v": self.pairs(value, depth)}
        torch = sys.modules.get("torch")  # a tensor can only exist if torch is imported
        if torch is not None and isinstance(value, (torch.Tensor, torch.dtype)):
            return self.tensor(value, depth)
        numpy = sys.modules.get("numpy")
        if numpy is not None and isinstance(value, (numpy.ndarray, numpy.generic)):
            return self.numpy(value)
        raise WireError(f"a value of type {type(value).__name__} cannot be sent")

    def pairs(self, mapping: dict, depth: int) -> list:
        out = []
        for key, item in mapping.items():
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise WireError("dictionary keys must be strings or integers")
            out.append([self.node(key, depth + 1), self.node(item, depth + 1)])
        return out

    def tensor(self, value: Any, depth: int) -> dict:
        import torch

        if isinstance(value, torch.dtype):
            return {"t": "str", "v": str(value)}
        if value.layout != torch.strided:
            raise WireError("only dense tensors can be sent")
        plain = torch.Tensor.as_subclass(torch.Tensor.detach(value), torch.Tensor)
        dtype = str(plain.dtype).removeprefix("torch.")
        if dtype not in DTYPES:
            raise WireError(f"tensors of dtype {dtype} cannot be sent")
        flat = plain.resolve_conj().resolve_neg().contiguous().reshape(-1)
        data = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
        node = {
            "t": "tensor",
            "dtype": dtype,
            "shape": list(plain.shape),
            "requires_grad": bool(value.requires_grad),
            **self.buffer(data),
        }
        if value.is_leaf and value.grad is not None and depth < MAX_DEPTH:
            node["grad"] = self.tensor(value.grad, depth + 1)
        return node

    def numpy(self, value: Any) -> dict:
        import numpy as np

        if isinstance(value, np.generic):
            return self.node(value.item(), 0)
        dtype = value.dtype.name
        if dtype not in NUMPY_DTYPES:
            raise WireError(f"arrays of dtype {dtype} cannot be sent")
        data = np.ascontiguousarray(value).tobytes()
        return {"t": "ndarray", "dtype": dtype, "shape": list(value.shape), **self.buffer(data)}


def _float_to_json(x: float) -> float | str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def encode(value: Any) -> bytes:
    """Encode one value as a whole frame."""
    encoder = _Encoder()
    tree = encoder.node(value, 0)
    header = json.dumps(tree, separators=(",", ":"), allow_nan=False).encode()
    if len(header) > MAX_HEADER_BYTES:
        raise WireError("value is too large to send")
    return PREFIX.pack(len(header), encoder.size) + header + b"".join(encoder.chunks)


# ----------------------------------------------------------------------------- decoding

_KEYS = {
    "none": {"t"},
    "bool": {"t", "v"},
    "int": {"t", "v"},
    "float": {"t", "v"},
    "str": {"t", "v"},
    "bytes": {"t", "off", "n"},
    "list": {"t", "v"},
    "tuple": {"t", "v"},
    "dict": {"t", "v"},
    "tensor": {"t", "dtype", "shape", "requires_grad", "off", "n", "grad"},
    "ndarray": {"t", "dtype", "shape", "off", "n"},
    "function": {"t", "source", "name"},
    "object": {"t", "factory", "args", "kwargs"},
}
_DESCRIPTION_KINDS = {"function", "object"}


class _Decoder:
    def __init__(self, body: bytes, allow_descriptions: bool) -> None:
        self.body = body
        self.allow_descriptions = allow_descriptions
        self.nodes = 0

    def node(self, node: Any, depth: int) -> Any:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise WireError("value is nested too deeply or has too many parts")
        if not isinstance(node, dict) or node.get("t") not in _KEYS:
            raise WireError("unknown value kind")
        kind = node["t"]
        if not set(node) <= _KEYS[kind] or not {"t"} <= set(node):
            raise WireError(f"unexpected fields in a {kind} value")
        if kind in _DESCRIPTION_KINDS and not self.allow_descriptions:
            raise WireError(f"a {kind} description may not be sent this way")
        return getattr(self, "kind_" + kind)(node, depth)

    def kind_none(self, node: dict, depth: int) -> None:
        return None

    def kind_bool(self, node: dict, depth: int) -> bool:
        return _expect(node.get("v"), bool)

    def kind_int(self, node: dict, depth: int) -> int:
        value = node.get("v")
        if type(value) is not int:
            raise WireError("malformed int")
        return value

    def kind_float(self, node: dict, depth: int) -> float:
        value = node.get("v")
        if value in ("nan", "inf", "-inf"):
            return float(value)
        if type(value) not in (int, float):
            raise WireError("malformed float")
        return float(value)

    def kind_str(self, node: dict, depth: int) -> str:
        return _expect(node.get("v"), str)

    def kind_bytes(self, node: dict, depth: int) -> bytes:
        return self.slice(node)

    def kind_list(self, node: dict, depth: int) -> list:
        return [self.node(item, depth + 1) for item in _expect(node.get("v"), list)]

    def kind_tuple(self, node: dict, depth: int) -> tuple:
        return tuple(self.kind_list(node, depth))

    def kind_dict(self, node: dict, depth: int) -> dict:
        out = {}
        for pair in _expect(node.get("v"), list):
            if not isinstance(pair, list) or len(pair) != 2:
                raise WireError("malformed dict")
            key = self.node(pair[0], depth + 1)
            if not isinstance(key, (str, int)) or isinstance(key, bool):
                raise WireError("dictionary keys must be strings or integers")
            out[key] = self.node(pair[1], depth + 1)
        return out

    def kind_function(self, node: dict, depth: int) -> FunctionSource:
        return FunctionSource(_expect(node.get("source"), str), _expect(node.get("name", ""), str))

    def kind_object(self, node: dict, depth: int) -> ObjectSpec:
        args = tuple(self.node(a, depth + 1) for a in _expect(node.get("args", []), list))
        kwargs = self.kind_dict({"t": "dict", "v": node.get("kwargs", [])}, depth)
        return ObjectSpec(_expect(node.get("factory"), str), args, kwargs)

    def slice(self, node: dict) -> bytes:
        off, n = node.get("off"), node.get("n")
        if type(off) is not int or type(n) is not int or off < 0 or n < 0:
            raise WireError("malformed buffer reference")
        if off + n > len(self.body):
            raise WireError("buffer reference outside the frame")
        return self.body[off : off + n]

    def shape(self, node: dict, itemsize: int) -> tuple[list[int], bytes]:
        shape = _expect(node.get("shape"), list)
        if len(shape) > MAX_DIMS or any(type(d) is not int or d < 0 for d in shape):
            raise WireError("malformed shape")
        data = self.slice(node)
        if math.prod(shape) * itemsize != len(data):
            raise WireError("tensor size does not match its shape and dtype")
        return shape, data

    def kind_tensor(self, node: dict, depth: int) -> Any:
        import torch

        dtype_name = node.get("dtype")
        if dtype_name not in DTYPES:
            raise WireError("tensor dtype not allowed")
        shape, data = self.shape(node, DTYPES[dtype_name])
        dtype = getattr(torch, dtype_name)
        if data:
            raw = torch.frombuffer(bytearray(data), dtype=torch.uint8)
            tensor = raw.view(dtype).reshape(shape)
        else:
            tensor = torch.empty(shape, dtype=dtype)
        requires_grad = _expect(node.get("requires_grad", False), bool)
        if requires_grad and tensor.is_floating_point():
            tensor.requires_grad_(True)
        if "grad" in node:
            grad = self.node(node["grad"], depth + 1)
            if not isinstance(grad, torch.Tensor) or grad.shape != tensor.shape:
                raise WireError("malformed gradient")
            if tensor.is_floating_point() and grad.dtype == tensor.dtype:
                tensor.grad = grad
        return tensor

    def kind_ndarray(self, node: dict, depth: int) -> Any:
        import numpy as np

        dtype_name = node.get("dtype")
        if dtype_name not in NUMPY_DTYPES:
            raise WireError("array dtype not allowed")
        shape, data = self.shape(node, NUMPY_DTYPES[dtype_name])
        return np.frombuffer(data, dtype=np.dtype(dtype_name)).reshape(shape).copy()


def _expect(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise WireError(f"expected {kind.__name__} in frame")
    return value


def decode(header: bytes, body: bytes, *, allow_descriptions: bool = False) -> Any:
    """Decode a frame's header and body into plain values.

    ``allow_descriptions`` is True only on the runner side, which builds functions and
    objects from their descriptions; the checker never accepts them.
    """
    try:
        tree = json.loads(header.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise WireError("malformed frame header") from exc
    return _Decoder(body, allow_descriptions).node(tree, 0)


def decode_packet(packet: bytes, *, allow_descriptions: bool = False) -> Any:
    """Decode one whole frame received as a single packet (the runner's control socket)."""
    if len(packet) < PREFIX.size:
        raise WireError(f"a packet of {len(packet)} bytes is shorter than a frame's prefix")
    header_len, body_len = PREFIX.unpack_from(packet)
    if len(packet) != PREFIX.size + header_len + body_len:
        raise WireError("a packet's length does not match its frame's prefix")
    start = PREFIX.size
    return decode(packet[start : start + header_len], packet[start + header_len :],
                  allow_descriptions=allow_descriptions)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a frame header")


# ----------------------------------------------------------------------------- pipes


def write_bytes(fd: int, frame: bytes) -> None:
    """Write an encoded frame whole to a blocking file descriptor."""
    view = memoryview(frame)
    while view:
        view = view[os.write(fd, view) :]


def write_frame(fd: int, value: Any) -> None:
    """Encode ``value`` and write the whole frame to a blocking file descriptor."""
    write_bytes(fd, encode(value))


class Outbox:
    """Frames for a pipe, written as it has room: the writer never blocks, so it can keep
    reading the other side's answers while its requests wait (no deadlock on full pipes)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = bytearray()
        os.set_blocking(fd, False)

    def put(self, frame: bytes) -> None:
        self.buffer += frame
        self.pump()

    def pump(self) -> None:
        """Write what the pipe takes now (``BrokenPipeError`` once the reader is gone)."""
        while self.buffer:
            try:
                written = os.write(self.fd, self.buffer)
            except BlockingIOError:
                return
            del self.buffer[:written]


class FrameReader:
    """Reads frames from a file descriptor, with a deadline and size caps.

    ``on_idle`` file descriptors (for example the runner's output pipe) are drained to the
    ``drain`` callback while waiting, so a chatty peer cannot block on a full pipe; an
    ``outbox`` is written to while waiting, as its pipe has room.
    """

    def __init__(self, fd: int, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.fd = fd
        self.max_body_bytes = max_body_bytes
        self.pending = bytearray()

    def read(
        self,
        deadline: float | None = None,
        *,
        allow_descriptions: bool = False,
        drain_fd: int | None = None,
        drain: Any = None,
        outbox: Outbox | None = None,
    ) -> Any:
        header_len = body_len = None
        while True:
            if header_len is None and len(self.pending) >= PREFIX.size:
                header_len, body_len = PREFIX.unpack_from(self.pending)
                if header_len > MAX_HEADER_BYTES or body_len > self.max_body_bytes:
                    raise WireError("frame exceeds the size limit")
            if header_len is not None and len(self.pending) >= PREFIX.size + header_len + body_len:
                start = PREFIX.size
                header = bytes(self.pending[start : start + header_len])
                body = bytes(self.pending[start + header_len : start + header_len + body_len])
                del self.pending[: start + header_len + body_len]
                return decode(header, body, allow_descriptions=allow_descriptions)
            self._fill(deadline, drain_fd, drain, outbox)

    def _fill(self, deadline: float | None, drain_fd: int | None, drain: Any,
              outbox: Outbox | None = None) -> None:
        fds = [self.fd] if drain_fd is None else [self.fd, drain_fd]
        while True:
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            writing = [outbox.fd] if outbox is not None and outbox.buffer else []
            ready, writable, _ = select.select(fds, writing, [], timeout)
            if not ready and not writable:
                raise FrameTimeout("no answer before the deadline")
            if writable:
                outbox.pump()
            if drain_fd is not None and drain_fd in ready:
                chunk = os.read(drain_fd, 65536)
                if chunk:
                    drain(chunk)
                else:
                    fds = [self.fd]
            if self.fd in ready:
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    raise ChannelClosed("the other end closed the channel")
                self.pending += chunk
                return
