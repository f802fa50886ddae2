"""One job: load a submission from bytes and answer the checker's calls with plain data.

Runs in a fresh child of the warm runner. Every reply is a dict sent through the wire
format; anything that cannot become data (a model, an optimizer) is turned into a dict here.
"""

from __future__ import annotations

import functools
import importlib
import math
import os
import sys
import traceback
import types
import warnings
from typing import Any

import torch

from grader import wire
from grader.runner import guards

# Factories the checker may name in an ObjectSpec, besides functions of the lesson's helpers.
BUILTIN_FACTORIES = {
    "generator": lambda seed: torch.Generator().manual_seed(int(seed)),
    # An object made by a checker-side function (built from its source text in this runner).
    "call": lambda function, *args, **kwargs: function(*args, **kwargs),
}


class SubmissionRuntime:
    """One job: the submission loaded from bytes, answering the checker's calls with data."""

    def __init__(self, workdir: str) -> None:
        self.workdir = workdir
        self.module: types.ModuleType | None = None
        self.filename = ""
        self.helper_modules: set[str] = set()

    # ------------------------------------------------------------------ loading

    def load(self, message: dict) -> dict:
        name, filename, source = message["module"], message["filename"], message["source"]
        for helper_name, data in message.get("files", {}).items():
            if os.path.basename(helper_name) != helper_name or helper_name.startswith("."):
                return {"ok": False, "load_error": {"kind": "internal", "message": "bad helper"}}
            with open(os.path.join(self.workdir, helper_name), "wb") as handle:
                handle.write(data)
            if helper_name.endswith(".py"):
                self.helper_modules.add(helper_name[:-3])
        path = os.path.join(self.workdir, filename)
        with open(path, "wb") as handle:
            handle.write(source)
        self.filename = filename
        sys.path.insert(0, self.workdir)
        try:
            code = compile(source, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            return {"ok": False, "load_error": {
                "kind": "syntax", "type": type(exc).__name__, "message": str(exc.msg),
                "line": exc.lineno or 0, "text": (exc.text or "").strip()[:200],
            }}
        except ValueError as exc:  # null bytes in the source
            return {"ok": False, "load_error": {"kind": "syntax", "type": "ValueError",
                                                 "message": str(exc), "line": 0, "text": ""}}
        module = types.ModuleType(name)
        module.__file__ = path
        sys.modules[name] = module
        try:
            exec(code, module.__dict__)
        except SystemExit as exc:
            return {"ok": False, "load_error": {"kind": "exit", "message": repr(exc.code)}}
        except BaseException as exc:  # noqa: BLE001 - anything the submission raises is data
            return {"ok": False, "load_error": {"kind": "exception", **self.describe(exc)}}
        self.module = module
        return {"ok": True}

    # ------------------------------------------------------------------ calls

    def call(self, message: dict) -> dict:
        name = message["function"]
        target = getattr(self.module, name, None)
        if not callable(target) or name.startswith("_"):
            return {"ok": False, "missing": True}
        try:
            args = [self.build(a) for a in message.get("args", [])]
            kwargs = {k: self.build(v) for k, v in message.get("kwargs", {}).items()}
        except Exception as exc:  # noqa: BLE001 - the checker's description was wrong
            return {"ok": False, "bad_request": f"could not build the arguments: {exc}"[:500]}
        hits: list[str] = []
        if type(message.get("seed")) is int:
            # Only the CPU generator: torch.manual_seed also queues lazy seeding for every
            # accelerator, each call keeping a formatted stack trace (slow, and it accumulates).
            torch.default_generator.manual_seed(message["seed"])
        try:
            with guards.disabled(message.get("disabled", []), hits), \
                    warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                result = target(*args, **kwargs)
        except SystemExit as exc:
            return {"ok": False, "error": {"type": "SystemExit", "builtin": "SystemExit",
                                            "message": f"sys.exit({exc.code!r})", "line": 0},
                    "disabled_hit": hits}
        except BaseException as exc:  # noqa: BLE001 - anything the submission raises is data
            return {"ok": False, "error": self.describe(exc), "disabled_hit": hits}
        names = parameter_names([result, *args, *kwargs.values()])
        reply = {
            "ok": True,
            "result": to_data(result, names),
            "disabled_hit": hits,
            "shares_storage": shares_storage(result, [*args, *kwargs.values()]),
            "result_type": type(result).__name__,
            "warnings": sorted({w.category.__name__ for w in caught
                                if isinstance(w.category, type)})[:10],
        }
        if message.get("echo_args"):
            reply["args_after"] = [to_data(a, names) for a in args]
            reply["kwargs_after"] = {k: to_data(v, names) for k, v in kwargs.items()}
        return reply

    def build(self, value: Any) -> Any:
        """Turn the checker's descriptions into real functions and objects."""
        if isinstance(value, wire.FunctionSource):
            return build_function(value)
        if isinstance(value, wire.ObjectSpec):
            factory = self.factory(value.factory)
            args = [self.build(a) for a in value.args]
            kwargs = {k: self.build(v) for k, v in (value.kwargs or {}).items()}
            return factory(*args, **kwargs)
        if isinstance(value, list):
            return [self.build(v) for v in value]
        if isinstance(value, tuple):
            return tuple(self.build(v) for v in value)
        if isinstance(value, dict):
            return {k: self.build(v) for k, v in value.items()}
        return value

    def factory(self, dotted: str) -> Any:
        if dotted in BUILTIN_FACTORIES:
            return BUILTIN_FACTORIES[dotted]
        module_name, _, attr = dotted.partition(".")
        if module_name not in self.helper_modules or not attr or attr.startswith("_"):
            raise ValueError(f"unknown object factory {dotted!r}")
        return getattr(importlib.import_module(module_name), attr)

    def describe(self, exc: BaseException) -> dict:
        """Type, nearest builtin base, message and the submission's line for an exception."""
        builtin = next(
            (c.__name__ for c in type(exc).__mro__ if c.__module__ == "builtins"), "Exception"
        )
        line = 0
        for frame in traceback.extract_tb(exc.__traceback__):
            if os.path.basename(frame.filename) == self.filename:
                line = frame.lineno or 0
        try:
            message = str(exc)
        except BaseException:  # noqa: BLE001 - a hostile __str__
            message = "<message could not be read>"
        return {
            "type": type(exc).__name__,
            "builtin": builtin,
            "message": message[:2000],
            "line": line,
            "disabled_api": isinstance(exc, guards.DisabledAPIError),
        }


def build_function(spec: wire.FunctionSource) -> Any:
    """A fresh function (its own namespace) from the checker's source; compiled once."""
    namespace: dict[str, Any] = {"torch": torch, "math": math}
    if spec.name:
        exec(_compiled(spec.source, spec.name, "exec"), namespace)
        return namespace[spec.name]
    return eval(_compiled(spec.source, "", "eval"), namespace)


@functools.lru_cache(maxsize=512)
def _compiled(source: str, name: str, mode: str) -> types.CodeType:
    return compile(source, f"<checker function {name}>" if name else "<checker function>", mode)


# ---------------------------------------------------------------------- objects to data


def parameter_names(values: list[Any]) -> dict[int, str]:
    """Names for every parameter of every module among ``values`` (top level or in lists)."""
    names: dict[int, str] = {}
    for value in _walk(values):
        if isinstance(value, torch.nn.Module):
            for name, param in value.named_parameters(remove_duplicate=False):
                names.setdefault(id(param), name)
    return names


def _walk(values: Any, depth: int = 0):
    if depth > 3:
        return
    for value in values:
        yield value
        if isinstance(value, (list, tuple)):
            yield from _walk(value, depth + 1)
        elif isinstance(value, dict):
            yield from _walk(list(value.values()), depth + 1)


def to_data(value: Any, names: dict[int, str], depth: int = 0) -> Any:
    """Replace models and optimizers by dicts; leave everything else to the wire format."""
    if depth > wire.MAX_DEPTH:
        return value
    if isinstance(value, torch.nn.Module):
        return {
            "__object__": "module",
            "class": type(value).__name__,
            "parameters": {
                name: p.detach().clone().requires_grad_(p.requires_grad)
                for name, p in value.named_parameters()
            },
            "parameter_ids": {name: names.get(id(p), name) for name, p in value.named_parameters()},
            "buffers": {name: b.detach().clone() for name, b in value.named_buffers()},
            "training": bool(value.training),
            "fc": _linear_shape(getattr(value, "fc", None)),
        }
    if isinstance(value, torch.optim.Optimizer):
        groups = []
        for group in value.param_groups:
            entry = {"params": [names.get(id(p), f"<unnamed {tuple(p.shape)}>") for p in group["params"]]}
            for key, setting in group.items():
                if key != "params" and (setting is None or isinstance(setting, (bool, int, float, str))):
                    entry[key] = setting
            groups.append(entry)
        return {"__object__": "optimizer", "class": type(value).__name__, "param_groups": groups}
    if isinstance(value, torch.Generator):
        return {"__object__": "generator"}
    if isinstance(value, torch.nn.Parameter) and id(value) in names:
        return {"__object__": "parameter", "name": names[id(value)],
                "shape": list(value.shape), "requires_grad": bool(value.requires_grad)}
    if callable(value) and not isinstance(value, torch.Tensor):
        return {"__object__": "function", "name": getattr(value, "__name__", "?")}
    if isinstance(value, list):
        return [to_data(v, names, depth + 1) for v in value]
    if isinstance(value, tuple):
        return tuple(to_data(v, names, depth + 1) for v in value)
    if isinstance(value, dict):
        return {k: to_data(v, names, depth + 1) for k, v in value.items()}
    return value


def _linear_shape(layer: Any) -> dict | None:
    if isinstance(layer, torch.nn.Linear):
        return {"in_features": layer.in_features, "out_features": layer.out_features}
    return None


def shares_storage(result: Any, args: list[Any]) -> bool:
    """True when a tensor in the result shares memory with a tensor argument."""
    arg_storages = {
        t.untyped_storage().data_ptr()
        for t in _walk(args) if isinstance(t, torch.Tensor) and t.numel()
    }
    return any(
        isinstance(t, torch.Tensor) and t.numel() and t.untyped_storage().data_ptr() in arg_storages
        for t in _walk([result])
    )


# ---------------------------------------------------------------------- the loop


def serve(request_fd: int, reply_fd: int, workdir: str) -> None:
    """Answer frames until the checker closes the request pipe."""
    job = SubmissionRuntime(workdir)
    reader = wire.FrameReader(request_fd)
    while True:
        try:
            message = reader.read(allow_descriptions=True)
        except wire.ChannelClosed:
            return
        op = message.get("op") if isinstance(message, dict) else None
        if op == "load":
            reply = job.load(message)
        elif op == "call" and job.module is not None:
            reply = job.call(message)
        else:
            reply = {"ok": False, "protocol_error": f"unexpected request {op!r}"}
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            frame = wire.encode(reply)
        except (wire.WireError, RecursionError, OverflowError) as exc:
            frame = wire.encode({"ok": False, "unsendable": str(exc),
                                 "result_type": reply.get("result_type", "")})
        wire.write_bytes(reply_fd, frame)
