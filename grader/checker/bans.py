"""Bans decided by the trusted checker, from the submission's source: read, never imported.

A check marked ``@pytest.mark.disabled("torch.sigmoid")`` grades a function that must compute
something itself. The runner's guard (grader.runner.guards) blocks the banned calls at run
time, but whatever runs in the runner can be undone by the submission, so the decision is
made here, before the call, from the source text:

1. **Ways around a static reading are refused anywhere in the module**: ``eval``/``exec``/
   ``compile``/``__import__``, ``globals``/``vars``, ``importlib``, ``sys``, ``gc``,
   ``inspect``, ``ctypes``, ``builtins``, frames (``f_back``, ``tb_frame``, …), dunder and
   private attributes, ``torch._C``/``torch.ops``/``torch.overrides``/``DisableTorchFunction``
   and other internals, the grader's own modules, star imports, and writing attributes of
   imported modules. None of these has a place in a lesson's solution, and without them the
   runtime guard cannot be switched off.
2. **The banned capability is refused in the code the function reaches**: its own body, and
   transitively every module-level function, class, import or value it names (and, for a
   mutable module-level value, every function that touches it). A capability is the banned
   API in every spelling: the function, its aliases (``torch.special.expit``), method forms
   (``x.sigmoid()``), modules (``nn.Sigmoid``), and the built-ins that compute the same thing
   another way (``F.logsigmoid``, ``F.silu``, ``F.softmin``, ``torch.distributions``, …).
3. A ``getattr`` whose name is not a string constant is allowed only on a public module
   (``getattr(torch, name)``), whose attributes the runtime guard covers; anywhere else it
   could reach anything and is refused.

The student sees one line: which construct, in which function, at which line, and why.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from grader.course.i18n import N_, Text, t

# ---------------------------------------------------------------------- what each ban covers


@dataclass(frozen=True)
class Capability:
    """One banned computation: dotted names (and everything below them) and attribute names."""

    what: str  # for the message: "autograd", "the built-in sigmoid"
    dotted: frozenset[str]
    attributes: frozenset[str]


def _capability(what: str, dotted: Iterable[str], attributes: Iterable[str]) -> Capability:
    return Capability(what, frozenset(dotted), frozenset(attributes))


AUTOGRAD = _capability(
    N_("autograd"),
    ["torch.autograd", "torch.func", "functorch", "torch.Tensor.backward", "torch.Tensor.grad",
     "torch.enable_grad"],
    ["autograd", "backward", "grad_fn", "functorch", "forward_ad", "vjp", "jvp",
     "jacrev", "jacfwd", "hessian", "jacobian", "hvp", "vhp", "make_dual", "unpack_dual",
     "dual_level", "register_hook", "retain_grad", "enable_grad", "grad_and_value"],
)
SIGMOID = _capability(
    N_("the built-in sigmoid"),
    ["torch.sigmoid", "torch.sigmoid_", "torch.special.expit", "torch.special.log_expit",
     "torch.nn.functional.sigmoid", "torch.nn.functional.logsigmoid",
     "torch.nn.functional.silu", "torch.nn.functional.glu", "torch.nn.functional.softplus",
     "torch.nn.functional.hardsigmoid", "torch.nn.functional.binary_cross_entropy_with_logits",
     "torch.nn.Sigmoid", "torch.nn.SiLU", "torch.nn.LogSigmoid", "torch.nn.GLU",
     "torch.nn.Softplus", "torch.nn.Hardsigmoid", "torch.distributions"],
    ["sigmoid", "sigmoid_", "expit", "log_expit", "logsigmoid", "silu", "silu_", "glu",
     "softplus", "hardsigmoid", "binary_cross_entropy_with_logits", "Sigmoid", "SiLU",
     "LogSigmoid", "GLU", "Softplus", "Hardsigmoid", "distributions"],
)
TANH = _capability(
    N_("the built-in tanh"),
    ["torch.tanh", "torch.tanh_", "torch.nn.functional.tanh", "torch.nn.Tanh"],
    ["tanh", "tanh_", "Tanh"],
)
SOFTMAX = _capability(
    N_("the built-in softmax"),
    ["torch.softmax", "torch.special.softmax", "torch.nn.functional.softmax",
     "torch.nn.functional.softmin", "torch.nn.functional.gumbel_softmax", "torch.nn.Softmax",
     "torch.nn.Softmin", "torch.nn.Softmax2d", "torch.distributions"],
    ["softmax", "softmin", "gumbel_softmax", "Softmax", "Softmin", "Softmax2d", "distributions"],
)
LOG_SOFTMAX = _capability(
    N_("the built-in log-softmax"),
    ["torch.log_softmax", "torch.special.log_softmax", "torch.nn.functional.log_softmax",
     "torch.nn.LogSoftmax", "torch.distributions"],
    ["log_softmax", "LogSoftmax", "distributions"],
)
LOGSUMEXP = _capability(
    N_("the built-in logsumexp"),
    ["torch.logsumexp", "torch.special.logsumexp"],
    ["logsumexp"],
)
CROSS_ENTROPY = _capability(
    N_("the built-in cross-entropy"),
    ["torch.nn.functional.cross_entropy", "torch.nn.CrossEntropyLoss", "torch.distributions"],
    ["cross_entropy", "CrossEntropyLoss", "distributions"],
)
NLL_LOSS = _capability(
    N_("the built-in negative log-likelihood"),
    ["torch.nn.functional.nll_loss", "torch.nn.NLLLoss"],
    ["nll_loss", "NLLLoss"],
)
OPTIM = _capability(
    "torch.optim",
    ["torch.optim"],
    ["optim", "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax",
     "NAdam", "RAdam", "ASGD", "Rprop", "LBFGS", "SparseAdam"],
)

# The names a suite may write in @pytest.mark.disabled(...), each with what it covers.
BANS: dict[str, tuple[Capability, ...]] = {
    "autograd": (AUTOGRAD,),
    "torch.autograd.grad": (AUTOGRAD,),
    "torch.autograd.backward": (AUTOGRAD,),
    "Tensor.backward": (AUTOGRAD,),
    "torch.sigmoid": (SIGMOID,),
    "torch.tanh": (TANH,),
    "torch.softmax": (SOFTMAX,),
    "torch.log_softmax": (LOG_SOFTMAX,),
    "torch.logsumexp": (LOGSUMEXP,),
    "torch.nn.functional.cross_entropy": (CROSS_ENTROPY,),
    "torch.nn.functional.nll_loss": (NLL_LOSS,),
    "torch.optim": (OPTIM,),
    "torch.optim.SGD": (OPTIM,),
}

# ---------------------------------------------------------------------- ways around a reading

ESCAPE_NAMES = frozenset({
    "eval", "exec", "compile", "__import__", "globals", "locals", "vars", "breakpoint",
    "__builtins__", "__loader__", "__spec__", "open",
})
ESCAPE_MODULES = frozenset({
    "sys", "gc", "inspect", "importlib", "ctypes", "builtins", "types", "dis", "code",
    "codeop", "marshal", "pickle", "runpy", "unittest", "grader", "functorch", "_thread",
    "torch._C", "torch._ops", "torch.ops", "torch.overrides", "torch.library", "torch._dynamo",
    "torch.compile", "torch.jit", "torch.fx", "torch.export", "torch.utils.cpp_extension",
    "torch.utils._python_dispatch", "torch._refs", "torch._prims", "torch._decomp",
    "torch._VF", "torch._tensor", "torch._functorch", "operator.attrgetter",
    "operator.methodcaller", "contextlib.ExitStack", "contextlib.AsyncExitStack",
    "os", "io", "pathlib", "tempfile", "shutil", "mmap", "subprocess", "multiprocessing", "concurrent.futures.process", "pty", "shelve", "copyreg",
    "torch.multiprocessing", "torch.load", "numpy.load", "os.system", "os.popen", "os.fork",
    "os.forkpty", "os.execv", "os.execve", "os.execl", "os.execle", "os.execlp", "os.execlpe",
    "os.execvp", "os.execvpe", "os.spawnv", "os.spawnve", "os.spawnl", "os.spawnle",
    "os.posix_spawn", "os.posix_spawnp",
})
ESCAPE_ATTRIBUTES = frozenset({
    "f_back", "f_globals", "f_locals", "f_builtins", "f_code", "tb_frame", "tb_next",
    "gi_frame", "cr_frame", "ag_frame", "gi_code", "cr_code", "co_code",
    "DisableTorchFunction", "DisableTorchFunctionSubclass", "TorchFunctionMode",
    "TorchDispatchMode", "aten", "prims", "ops", "overrides",
})
MAX_NUMBERS = 2000  # numeric literals in one submission: far above any solution's constants
MAX_LITERAL = 8192  # characters in one string or bytes literal
SAFE_DUNDERS = frozenset({"__name__", "__qualname__", "__doc__", "__init__", "__len__"})
PUBLIC_MODULES = frozenset({"torch", "torch.nn.functional", "torch.special", "torch.linalg",
                            "math", "torch.nn", "numpy"})


def unknown_bans(names: Iterable[str]) -> list[str]:
    """Names a suite wrote in ``disabled(...)`` that this module does not know."""
    return [name for name in names if name not in BANS]


# ---------------------------------------------------------------------- reading a module


@dataclass(frozen=True)
class Found:
    """Something refused: what it is, where, and why."""

    construct: str | Text
    function: str  # the function it is in, or "" at module level
    line: int
    why: str | Text


class SourceReader:
    """The submission's source, parsed once; ``refusal`` answers per function and bans."""

    def __init__(self, source: bytes, module_file: str) -> None:
        self.module_file = module_file
        self._cache: dict[tuple[str, tuple[str, ...]], Text | None] = {}
        try:
            self.tree: ast.Module | None = ast.parse(source, filename=module_file)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            self.tree = None  # the runner reports the syntax error itself
        self._index: _ModuleIndex | None = None
        self._escapes: list[Found] | None = None
        self._embedded: Text | None | bool = None

    def embedded_data(self) -> Text | None:
        """Data written into the code (thousands of numbers, or a long string or bytes
        literal): a solution computes its answers, it does not carry them."""
        if self.tree is None:
            return None
        if self._embedded is None:
            numbers, first, longest = 0, 0, None
            for node in ast.walk(self.tree):
                if isinstance(node, ast.Constant):
                    if isinstance(node.value, (int, float, complex)) and not isinstance(
                            node.value, bool):
                        numbers += 1
                        first = first or node.lineno
                    elif isinstance(node.value, (str, bytes)) and len(node.value) > MAX_LITERAL:
                        longest = longest or node
            if longest is not None:
                self._embedded = t("{module} line {line} holds a literal of {count} characters",
                                   module=self.module_file, line=longest.lineno,
                                   count=len(longest.value))
            elif numbers > MAX_NUMBERS:
                self._embedded = t("{module} holds {count} numbers written into the code "
                                   "(from line {line})", module=self.module_file, count=numbers,
                                   line=first)
            else:
                self._embedded = False
        return self._embedded or None

    def refusal(self, function: str, bans: Iterable[str]) -> Text | None:
        """One line saying why ``function`` cannot be graded under ``bans``, or None."""
        key = (function, tuple(sorted(set(bans))))
        if key not in self._cache:
            self._cache[key] = self._refusal(function, key[1])
        return self._cache[key]

    def _refusal(self, function: str, bans: tuple[str, ...]) -> Text | None:
        if self.tree is None or not bans:
            return None
        unknown = unknown_bans(bans)
        if unknown:
            raise ValueError(f"the suite disables {unknown[0]!r}, which the checker does not "
                             f"know; known: {', '.join(sorted(BANS))}")
        if self._index is None:
            self._index = _ModuleIndex(self.tree)
            self._escapes = list(_escapes(self._index))
        if self._escapes:
            found = self._escapes[0]
            return self._message(function, found)
        capabilities = {cap for name in bans for cap in BANS[name]}
        for found in _capability_uses(self._index, function, capabilities):
            return self._message(function, found)
        return None

    def _message(self, function: str, found: Found) -> Text:
        where = t("in {owner}", owner=found.function) if found.function else t("at module level")
        return t("{function} cannot be graded: {module} line {line} ({where}) uses {construct}, "
                 "{why}", function=function, module=self.module_file, line=found.line,
                 where=where, construct=found.construct, why=found.why)


class _ModuleIndex:
    """Module-level bindings, aliases per scope, and which functions write which globals."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.bindings: dict[str, list[ast.AST]] = {}  # global name -> what binds it
        self.imports: dict[str, str] = {}  # global name -> dotted module path it stands for
        self.functions: dict[str, ast.AST] = {}  # every def (also methods), by qualified name
        self.always_run: list[ast.AST] = []  # what runs at import, besides binding names
        self.writers: dict[str, set[int]] = {}  # global -> ids of functions that may change it
        self.by_id: dict[int, ast.AST] = {}
        self.owners, self.parents = _owners(tree)
        self._collect(tree.body)
        self._touches()

    # -------------------------------------------------------------- module level

    def _collect(self, body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                self.bindings.setdefault(node.name, []).append(node)
                self.always_run.extend(node.decorator_list)
                if isinstance(node, ast.ClassDef):
                    self.always_run.extend(node.bases)
                    self.always_run.extend(
                        stmt for stmt in node.body
                        if not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)))
                else:
                    self.always_run.extend(node.args.defaults)
                    self.always_run.extend(d for d in node.args.kw_defaults if d is not None)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                for name, dotted in _import_names(node):
                    self.bindings.setdefault(name, []).append(node)
                    self.imports[name] = dotted
            elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                names = [t.id for t in targets if isinstance(t, ast.Name)]
                if names and len(names) == len(targets):
                    for name in names:
                        self.bindings.setdefault(name, []).append(node)
                    if node.value is not None:
                        self.always_run.append(node.value)
                else:
                    self.always_run.append(node)
            elif isinstance(node, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
                # Bindings inside run at import too; take both branches.
                inner: list[ast.stmt] = []
                for field in ("body", "orelse", "finalbody"):
                    inner.extend(getattr(node, field, []) or [])
                for handler in getattr(node, "handlers", []) or []:
                    inner.extend(handler.body)
                head = [getattr(node, "test", None), getattr(node, "iter", None),
                        *[item.context_expr for item in getattr(node, "items", [])]]
                self.always_run.extend(h for h in head if h is not None)
                self._collect(inner)
            else:
                self.always_run.append(node)

    def _touches(self) -> None:
        """Which functions may change a module-level variable (or class): they declare it
        ``global``, store into it (``N.x = …``, ``N[k] = …``), call a method on it, or hand it
        to another call. Imports and defs are left out: changing a module is refused anyway."""
        changeable = {name for name, nodes in self.bindings.items()
                      if any(isinstance(n, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.ClassDef))
                             for n in nodes)}
        for node in ast.walk(self.tree):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            self.by_id[id(node)] = node
            local = _local_names(node)
            for inner in ast.walk(node):
                written: list[str] = []
                if isinstance(inner, ast.Global):
                    written = list(inner.names)
                elif isinstance(inner, (ast.Attribute, ast.Subscript)) and isinstance(
                        inner.ctx, (ast.Store, ast.Del)):
                    written = [n.id for n in ast.walk(inner.value) if isinstance(n, ast.Name)]
                elif isinstance(inner, ast.Call):
                    if isinstance(inner.func, ast.Attribute) and isinstance(inner.func.value,
                                                                            ast.Name):
                        written.append(inner.func.value.id)
                    written += [a.id for a in [*inner.args, *(k.value for k in inner.keywords)]
                                if isinstance(a, ast.Name)]
                for name in written:
                    if name in changeable and name not in local:
                        self.writers.setdefault(name, set()).add(id(node))

    # -------------------------------------------------------------- reachability

    def reachable(self, function: str) -> list[ast.AST]:
        """The nodes ``function`` can run: itself and everything it names, transitively."""
        seen: set[int] = set()
        order: list[ast.AST] = []
        work: list[ast.AST] = [_bound_value(n) for n in self.bindings.get(function, [])]
        while work:
            node = work.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            order.append(node)
            local = _local_names(node) if isinstance(
                node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) else set()
            for name in _names_used(node) - local:
                work.extend(_bound_value(bound) for bound in self.bindings.get(name, []))
                work.extend(self.by_id[i] for i in self.writers.get(name, ()))
        return order

    def aliases(self, scope: ast.AST | None) -> dict[str, set[str]]:
        """Names that stand for dotted paths in ``scope`` (module level when None)."""
        table: dict[str, set[str]] = {name: {dotted} for name, dotted in self.imports.items()}
        assignments = self.tree.body if scope is None else list(ast.walk(scope))
        for _ in range(3):  # chains such as T = torch; F = T.nn.functional
            for node in assignments:
                if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) for t in node.targets):
                    resolved = _resolve(node.value, table)
                    for target in node.targets:
                        if resolved:
                            table.setdefault(target.id, set()).update(resolved)
                elif isinstance(node, (ast.Import, ast.ImportFrom)) and scope is not None:
                    for name, dotted in _import_names(node):
                        table.setdefault(name, set()).add(dotted)
                elif isinstance(node, ast.arguments):
                    params = [*node.posonlyargs, *node.args]
                    for param, default in zip(params[len(params) - len(node.defaults):],
                                              node.defaults, strict=True):
                        resolved = _resolve(default, table)
                        if resolved:
                            table.setdefault(param.arg, set()).update(resolved)
        return table


# ---------------------------------------------------------------------- the two readings


def _escapes(index: _ModuleIndex) -> Iterator[Found]:
    """Ways around a static reading, anywhere in the module."""
    owners, parents = index.owners, index.parents
    module_aliases = index.aliases(None)
    for node in ast.walk(index.tree):
        owner = owners.get(id(node), "")
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names):
            yield Found(f"'from {node.module} import *'", owner, line,
                        N_("which hides what it imports; import the names you use"))
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for _, dotted in _import_names(node):
                if _under(dotted, ESCAPE_MODULES) or _private(dotted):
                    yield Found(t("the module {name}", name=dotted), owner, line, _ESCAPE_WHY)
        elif isinstance(node, ast.Name) and node.id in ESCAPE_NAMES:
            yield Found(f"{node.id}()" if node.id != "__builtins__" else node.id, owner, line,
                        _ESCAPE_WHY)
        elif isinstance(node, ast.Attribute):
            attr = node.attr
            if attr.startswith("__") and attr.endswith("__") and attr not in SAFE_DUNDERS:
                yield Found(f".{attr}", owner, line, _ESCAPE_WHY)
            elif attr in ESCAPE_ATTRIBUTES:
                yield Found(f".{attr}", owner, line, _ESCAPE_WHY)
            elif attr.startswith("_") and not attr.startswith("__") and not (
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls")):
                yield Found(f".{attr}", owner, line, t("a private attribute; {why}", why=_ESCAPE_WHY))
            for dotted in _resolve(node, module_aliases):
                if _under(dotted, ESCAPE_MODULES):
                    yield Found(dotted, owner, line, _ESCAPE_WHY)
                    break
            if isinstance(node.ctx, (ast.Store, ast.Del)) and _resolve(node.value, module_aliases):
                yield Found(ast.unparse(node), owner, line,
                            N_("which changes a library module for everyone; keep your own names"))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            if name in ("setattr", "delattr") and node.args and _resolve(node.args[0],
                                                                          module_aliases):
                yield Found(f"{name}()", owner, line,
                            N_("which changes a library module for everyone; keep your own names"))
            if name in ("getattr", "setattr", "delattr", "hasattr") and len(node.args) >= 2:
                named = node.args[1]
                constant = isinstance(named, ast.Constant) and isinstance(named.value, str)
                if constant and named.value.startswith("_"):
                    yield Found(f"{name}(…, {named.value!r})", owner, line, _ESCAPE_WHY)
                elif not constant and not (
                        (name == "hasattr" or (name == "getattr" and _only_called(node, parents)))
                        and _public_module(node.args[0], module_aliases)):
                    yield Found(f"{name}(…, <computed name>)", owner, line,
                                N_("which the grader cannot read; name the attribute you use (a "
                                   "computed name is allowed only to call a function of torch or "
                                   "math, as in getattr(torch, name)(x))"))


_ESCAPE_WHY = N_("which can reach around the grader's checks; it has no place in this "
                 "exercise, so remove it")


def _capability_uses(index: _ModuleIndex, function: str,
                     capabilities: set[Capability]) -> Iterator[Found]:
    """Uses of a banned capability in the code ``function`` reaches."""
    owners = index.owners
    attributes = {attr: cap for cap in capabilities for attr in cap.attributes}
    for scope in index.reachable(function):
        function_scope = scope if isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                     ast.Lambda)) else None
        aliases = index.aliases(function_scope)
        nodes = [scope] if isinstance(scope, (ast.Import, ast.ImportFrom)) else ast.walk(scope)
        for node in nodes:
            owner = owners.get(id(node), "")
            line = getattr(node, "lineno", getattr(scope, "lineno", 0))
            if isinstance(node, ast.Attribute) and node.attr in attributes:
                cap = attributes[node.attr]
                yield Found(f".{node.attr}", owner, line, _capability_why(cap, function))
                return
            dotted_names: set[str] = set()
            if isinstance(node, (ast.Name, ast.Attribute)):
                dotted_names = _resolve(node, aliases)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                dotted_names = {dotted for _, dotted in _import_names(node)}
            elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                  and node.func.id == "getattr" and len(node.args) >= 2
                  and isinstance(node.args[1], ast.Constant)):
                dotted_names = {f"{base}.{node.args[1].value}"
                                for base in _resolve(node.args[0], aliases)}
                if str(node.args[1].value) in attributes:
                    cap = attributes[str(node.args[1].value)]
                    yield Found(f"getattr(…, {node.args[1].value!r})", owner, line,
                                _capability_why(cap, function))
                    return
            for dotted in dotted_names:
                for cap in capabilities:
                    if _under(dotted, cap.dotted):
                        yield Found(dotted, owner, line, _capability_why(cap, function))
                        return


def _capability_why(cap: Capability, function: str) -> Text:
    return t("which is {what}: {what} is disabled while {function} is graded, so compute it "
             "yourself from the formula in the notes", what=cap.what, function=function)


# ---------------------------------------------------------------------- small readers


def _import_names(node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
    """(name bound, dotted path it stands for) for every name an import binds."""
    found = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.asname:
                found.append((alias.asname, alias.name))
            else:
                top = alias.name.split(".")[0]
                found.append((top, top))
                if alias.name != top:
                    found.append((top, alias.name))  # import torch.autograd binds torch
    else:
        base = ("." * node.level) + (node.module or "")
        for alias in node.names:
            found.append((alias.asname or alias.name, f"{base}.{alias.name}".lstrip(".")))
    return found


def _resolve(node: ast.AST, aliases: dict[str, set[str]]) -> set[str]:
    """The dotted paths an expression may stand for (empty when it is not one)."""
    if isinstance(node, ast.Name):
        return set(aliases.get(node.id, ()))
    if isinstance(node, ast.Attribute):
        return {f"{base}.{node.attr}" for base in _resolve(node.value, aliases)}
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id ==
            "getattr" and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)):
        return {f"{base}.{node.args[1].value}" for base in _resolve(node.args[0], aliases)}
    return set()


def _bound_value(node: ast.AST) -> ast.AST:
    """What a binding makes reachable: an assignment's value, or the def or import itself."""
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) and node.value is not None:
        return node.value
    return node


def _local_names(function: ast.AST) -> set[str]:
    """Parameters and names assigned in ``function`` (its locals, unless declared global)."""
    names: set[str] = set()
    arguments = getattr(function, "args", None)
    if isinstance(arguments, ast.arguments):
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                 *(a for a in (arguments.vararg, arguments.kwarg) if a is not None)]
        names.update(a.arg for a in every)
    declared_global: set[str] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            declared_global.update(node.names)
    return names - declared_global


def _names_used(node: ast.AST) -> set[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _owners(tree: ast.Module) -> tuple[dict[int, str], dict[int, ast.AST]]:
    """For every node, the name of the innermost def it sits in, and its parent (one walk)."""
    owners: dict[int, str] = {}
    parents: dict[int, ast.AST] = {}
    stack: list[tuple[ast.AST, str]] = [(tree, "")]
    while stack:
        node, owner = stack.pop()
        for child in ast.iter_child_nodes(node):
            inner = owner
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = f"{owner}.{child.name}" if owner else child.name
            owners[id(child)] = inner
            parents[id(child)] = node
            stack.append((child, inner))
    return owners, parents


def _under(dotted: str, prefixes: Iterable[str]) -> bool:
    return any(dotted == p or dotted.startswith(p + ".") for p in prefixes)


def _private(dotted: str) -> bool:
    return any(part.startswith("_") and not part.startswith("__") for part in dotted.split("."))


def _only_called(node: ast.Call, parents: dict[int, ast.AST]) -> bool:
    """``getattr(m, name)`` is called at once, or kept in a local name that is only called."""
    parent = parents.get(id(node))
    if isinstance(parent, ast.Call) and parent.func is node:
        return True
    if not (isinstance(parent, ast.Assign) and len(parent.targets) == 1
            and isinstance(parent.targets[0], ast.Name)):
        return False
    name = parent.targets[0].id
    scope = parent
    while id(scope) in parents and not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                          ast.Lambda, ast.Module)):
        scope = parents[id(scope)]
    for use in ast.walk(scope):
        if isinstance(use, ast.Name) and use.id == name and isinstance(use.ctx, ast.Load):
            user = parents.get(id(use))
            if not (isinstance(user, ast.Call) and user.func is use):
                return False
    return True


def _public_module(node: ast.AST, aliases: dict[str, set[str]]) -> bool:
    resolved = _resolve(node, aliases)
    return bool(resolved) and all(dotted in PUBLIC_MODULES for dotted in resolved)
