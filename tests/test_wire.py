"""The wire format: faithful round trips, strict decoding, nothing executable from the runner."""

from __future__ import annotations

import json
import math
import os
import pickle
import threading
import time

import numpy as np
import pytest
import torch

from grader import wire


def round_trip(value, **kwargs):
    frame = wire.encode(value)
    header_len, body_len = wire.PREFIX.unpack_from(frame)
    start = wire.PREFIX.size
    return wire.decode(frame[start : start + header_len], frame[start + header_len :], **kwargs)


def split(frame: bytes) -> tuple[dict, bytes]:
    header_len, _ = wire.PREFIX.unpack_from(frame)
    start = wire.PREFIX.size
    return json.loads(frame[start : start + header_len]), frame[start + header_len :]


def rebuild(header: dict, body: bytes) -> bytes:
    data = json.dumps(header).encode()
    return wire.PREFIX.pack(len(data), len(body)) + data + body


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32, torch.float16, torch.bfloat16,
                                   torch.int64, torch.int32, torch.uint8, torch.bool])
def test_tensors_come_back_equal_with_dtype_and_shape(dtype):
    original = (torch.randn(3, 4, 2) * 5).to(dtype)
    decoded = round_trip(original)
    assert type(decoded) is torch.Tensor
    assert decoded.dtype == dtype and decoded.shape == original.shape
    assert torch.equal(decoded, original)


def test_zero_dim_empty_and_non_contiguous_tensors_round_trip():
    for original in (torch.tensor(3.5, dtype=torch.float64), torch.empty(0, 3),
                     torch.arange(12.0).reshape(3, 4).T, torch.randn(4).conj()):
        decoded = round_trip(original)
        assert decoded.shape == original.shape and torch.equal(decoded, original)


def test_decoded_tensors_own_their_memory_and_are_writable():
    decoded = round_trip(torch.ones(4))
    decoded += 1  # would fail on a read-only buffer
    assert decoded.tolist() == [2.0] * 4


def test_requires_grad_and_leaf_grad_cross_as_data():
    leaf = torch.ones(3, requires_grad=True)
    (leaf * 2).sum().backward()
    decoded = round_trip(leaf)
    assert decoded.requires_grad
    assert torch.equal(decoded.grad, torch.full((3,), 2.0))


def test_plain_values_and_containers_round_trip():
    value = {"a": [1, 2.5, None, True, "text", (3, 4)], 7: b"\x00\xffbytes",
             "nan": math.inf, "arr": np.arange(6, dtype=np.int32).reshape(2, 3)}
    decoded = round_trip(value)
    assert decoded["a"] == [1, 2.5, None, True, "text", (3, 4)]
    assert isinstance(decoded["a"][5], tuple)
    assert decoded[7] == b"\x00\xffbytes"
    assert decoded["nan"] == math.inf
    assert np.array_equal(decoded["arr"], value["arr"]) and decoded["arr"].dtype == np.int32
    assert math.isnan(round_trip(float("nan")))


def test_tensor_subclasses_arrive_as_plain_tensors():
    class Sneaky(torch.Tensor):
        def __eq__(self, other):
            return True

    sneaky = torch.zeros(2).as_subclass(Sneaky)
    decoded = round_trip(sneaky)
    assert type(decoded) is torch.Tensor
    assert not torch.equal(decoded, torch.ones(2))


@pytest.mark.parametrize("value", [object(), lambda: 1, {1, 2}, torch.zeros(2, dtype=torch.complex64),
                                   torch.zeros(2).to_sparse()])
def test_values_that_are_not_data_cannot_be_sent(value):
    with pytest.raises(wire.WireError):
        wire.encode(value)


def test_function_and_object_descriptions_are_refused_unless_the_runner_asks():
    frame = wire.encode([wire.FunctionSource("lambda x: x"), wire.ObjectSpec("generator", (1,))])
    header, body = split(frame)
    with pytest.raises(wire.WireError, match="description"):
        wire.decode(json.dumps(header).encode(), body)
    decoded = wire.decode(json.dumps(header).encode(), body, allow_descriptions=True)
    assert decoded[0] == wire.FunctionSource("lambda x: x")
    assert decoded[1].factory == "generator" and decoded[1].args == (1,)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda h: h.update(t="pickle"),
        lambda h: h.update(dtype="complex128"),
        lambda h: h.update(dtype="object"),
        lambda h: h.update(shape=[3, 5]),
        lambda h: h.update(shape=[-4]),
        lambda h: h.update(n=10_000),
        lambda h: h.update(off=-8),
        lambda h: h.update(extra=1),
    ],
    ids=["unknown-kind", "complex", "object-dtype", "size-mismatch", "negative-dim",
         "past-the-body", "negative-offset", "unknown-field"],
)
def test_tampered_tensor_headers_are_rejected(tamper):
    header, body = split(wire.encode(torch.ones(4)))
    tamper(header)
    with pytest.raises(wire.WireError):
        wire.decode(json.dumps(header).encode(), body)


def test_a_pickle_in_a_frame_is_never_unpickled():
    payload = pickle.dumps(torch.ones(2))
    frame = rebuild({"t": "bytes", "off": 0, "n": len(payload)}, payload)
    header, body = split(frame)
    assert wire.decode(json.dumps(header).encode(), body) == payload  # just bytes


def test_deep_nesting_and_non_json_constants_are_rejected():
    deep: list = []
    node = deep
    for _ in range(wire.MAX_DEPTH + 5):
        node.append([])
        node = node[0]
    with pytest.raises(wire.WireError):
        wire.encode(deep)
    with pytest.raises(wire.WireError):
        wire.decode(b'{"t": "float", "v": NaN}', b"")
    with pytest.raises(wire.WireError):
        wire.decode(b"\xff\xfe", b"")


def test_the_reader_rejects_oversized_frames_before_reading_them():
    read_fd, write_fd = os.pipe()
    try:
        os.write(write_fd, wire.PREFIX.pack(10, 10**12))
        with pytest.raises(wire.WireError, match="size limit"):
            wire.FrameReader(read_fd, max_body_bytes=1024).read(time.monotonic() + 5)
    finally:
        os.close(read_fd)
        os.close(write_fd)


def test_the_reader_times_out_and_notices_a_closed_pipe():
    read_fd, write_fd = os.pipe()
    reader = wire.FrameReader(read_fd)
    started = time.monotonic()
    with pytest.raises(wire.FrameTimeout):
        reader.read(time.monotonic() + 0.3)
    assert time.monotonic() - started < 2
    frame = wire.encode({"half": "a frame"})
    os.write(write_fd, frame[:5])
    os.close(write_fd)
    with pytest.raises(wire.ChannelClosed):
        reader.read(time.monotonic() + 5)
    os.close(read_fd)


def test_frames_larger_than_a_pipe_buffer_arrive_whole():
    read_fd, write_fd = os.pipe()
    big = torch.randn(300_000, dtype=torch.float64)
    writer = threading.Thread(target=wire.write_frame, args=(write_fd, {"x": big}))
    writer.start()
    got = wire.FrameReader(read_fd).read(time.monotonic() + 30)
    writer.join()
    os.close(read_fd)
    os.close(write_fd)
    assert torch.equal(got["x"], big)
