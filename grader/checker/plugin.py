"""The checker's pytest plugin: the ``sub`` and ``rng`` fixtures, markers, and result capture.

Loaded by the engine with ``-p grader.checker.plugin``; the engine also registers a
``GradingSession`` holding the submissions. ``sub`` is a session-scoped fixture parametrized
over the submissions, so pytest groups every test of one submission together and one
session grades a whole list of submissions. Verdicts are pytest's own outcomes, here in the
trusted process; the runner only ever supplies data.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import torch

from grader.checker.bans import BANS, unknown_bans
from grader.checker.feedback import KINDS, NOT_IMPLEMENTED, SandboxFailure, StudentFacing
from grader.checker.proxy import SubmissionProxy
from grader.course.config import Course
from grader.course.i18n import N_, Text, t
from grader.course.results import (
    HIDDEN,
    SANDBOX_FAILURE,
    VISIBLE,
    LessonResult,
    TestResult,
    split_points,
)

SESSION = pytest.StashKey["GradingSession"]()
_active: list[GradingSession] = []  # the session being collected or run in this process
SUB_ID = "submission{}"
HIDDEN_FAILURE = N_("this check failed")
PUBLIC_KEY = b"public checks"  # public checks' inputs are public: no secret needed for them
GATED = N_("{function}'s error case earns its points only once {function} computes the right "
            "values: fix its failing value checks first")


MARKERS = {
    "points": "points(n): points this test is worth (split over its cases)",
    "disabled": "disabled(*apis): APIs the submission may not call here",
}


def pytest_configure(config: pytest.Config) -> None:
    for line in MARKERS.values():
        config.addinivalue_line("markers", line)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    session = metafunc.config.stash.get(SESSION, None)
    if session is not None and "sub" in metafunc.fixturenames:
        count = len(session.proxies)
        metafunc.parametrize("sub", range(count), indirect=True, scope="session",
                             ids=[SUB_ID.format(i) for i in range(count)])


@pytest.fixture(scope="session")
def sub(request: pytest.FixtureRequest):
    """The submission under test: attribute calls run in the sandboxed runner."""
    session = request.config.stash[SESSION]
    proxy = session.proxies[request.param]
    yield proxy
    proxy.close()
    if request.param + 1 < len(session.proxies):  # its tests come next: start its job now
        getattr(session.proxies[request.param + 1], "start", lambda: None)()


@pytest.fixture
def rng(request: pytest.FixtureRequest) -> torch.Generator:
    """A generator seeded from the course seed and the test's name: same inputs for everyone."""
    return torch.Generator().manual_seed(_test_seed(request))


@pytest.fixture(autouse=True)
def _grading_context(request: pytest.FixtureRequest):
    seed = _test_seed(request)
    torch.default_generator.manual_seed(seed)  # not torch.manual_seed: see runner/serve.py
    proxy = request.getfixturevalue("sub") if "sub" in request.fixturenames else None
    if proxy is not None:
        session = request.config.stash.get(SESSION, None)
        proxy.public = session is not None and session.is_public(request.node)
        proxy.seed = seed
        proxy.calls = []
        proxy.disabled = tuple(
            name for mark in request.node.iter_markers("disabled") for name in mark.args
        )
    yield
    if proxy is not None:
        session = request.config.stash.get(SESSION, None)
        record = session.records.get(request.node.nodeid) if session is not None else None
        if record is not None:
            record.calls = list(proxy.calls)
        proxy.disabled = ()


def _test_seed(request: pytest.FixtureRequest) -> int:
    """The test's seed: HMAC(key, test name), the key being the course's grading secret for
    hidden tests. One seed, even leaked, says nothing of the secret or of other tests."""
    session = request.config.stash.get(SESSION, None)
    if session is None:
        return keyed_seed(PUBLIC_KEY, display_name(request.node))
    return session.seed(request.node)


def keyed_seed(key: bytes, name: str) -> int:
    """HMAC-SHA256(key, name) as a non-negative 63-bit seed."""
    digest = hmac.new(key, name.encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") & (2**63 - 1)


def _data(value) -> dict | None:
    return value.to_data() if isinstance(value, Text) else None


def collection_error(report: pytest.CollectReport) -> str:
    """One line for a suite that could not be collected: its file, line and exception."""
    text = report.longreprtext
    where = report.nodeid or "the suite"
    located = re.findall(r"^(/?[^\s:]+\.py):(\d+)", text, flags=re.MULTILINE)
    if located:
        path, line = located[-1]
        where = f"{Path(path).name}:{line}"
    syntax = re.search(r'File "([^"]+)", line (\d+)', text)
    if syntax and "SyntaxError" in text:
        where = f"{Path(syntax.group(1)).name}:{syntax.group(2)}"
    errors = [line.strip() for line in text.splitlines() if re.match(r"^E\s+\w*(Error|Exception)", line)]
    detail = errors[-1].lstrip("E").strip() if errors else text.strip().splitlines()[-1]
    return f"{where}: {detail[:300]}"


def submission_status(records: Sequence[_Record]) -> str:
    """Why a submission scored what it did, in the gradebook's words ('' when it simply ran)."""
    failed = [r for r in records if not r.passed]
    kinds = {r.kind for r in failed}
    for kind in KINDS:
        if kind == NOT_IMPLEMENTED:
            if failed and kinds == {NOT_IMPLEMENTED} and all(not r.passed for r in records):
                return NOT_IMPLEMENTED
        elif kind in kinds:
            return kind
    return ""


def active_course() -> Course:
    """The course of the grading session running in this process (for suites' helpers)."""
    if not _active:
        raise RuntimeError("no grading session is running")
    return _active[-1].course


def display_name(item: pytest.Item) -> str:
    """The test's name without the submission parameter: the same for every submission."""
    name = item.name
    for sub_id in _sub_ids(item):
        name = name.replace(f"-{sub_id}]", "]").replace(f"[{sub_id}-", "[")
        name = name.replace(f"[{sub_id}]", "").replace(f"-{sub_id}-", "-")
    return f"{Path(item.path).name}::{name}"


def _sub_ids(item: pytest.Item) -> list[str]:
    callspec = getattr(item, "callspec", None)
    if callspec is None or "sub" not in callspec.params:
        return []
    return [SUB_ID.format(callspec.params["sub"])]


@dataclass
class _Record:
    submission: int
    name: str
    description: str
    points: float
    visibility: str
    passed: bool = True
    feedback: str = ""
    details: str = ""
    feedback_text: dict | None = None
    details_text: dict | None = None
    kind: str = ""  # why the submission could not answer, when it could not
    seconds: float = 0.0
    calls: list[tuple[str, str, bool]] = field(default_factory=list)  # function, kind, returned


@dataclass(eq=False)
class GradingSession:
    """Registered as a pytest plugin by the engine for one run over many submissions."""

    proxies: Sequence[SubmissionProxy]
    labels: Sequence[str]
    course: Course
    lesson_id: str
    public_paths: Sequence[Path]
    secret: bytes | None  # the course's grading secret (None where only public checks run)
    records: dict[str, _Record] = field(default_factory=dict)
    collection_errors: list[str] = field(default_factory=list)
    sandbox_failures: dict[int, str] = field(default_factory=dict)  # submission -> why
    _public_files: dict[str, bool] = field(default_factory=dict)
    _seeds: dict[str, int] = field(default_factory=dict)

    def is_public(self, item: pytest.Item) -> bool:
        path = str(item.path)
        public = self._public_files.get(path)
        if public is None:  # once per file, not once per test and submission
            public = self._public_files[path] = any(
                Path(path).resolve() == p.resolve() for p in self.public_paths)
        return public

    def seed(self, item: pytest.Item) -> int:
        """The test's seed (the same for every submission): see ``_test_seed``."""
        name = display_name(item)
        if name not in self._seeds:
            key = PUBLIC_KEY if self.is_public(item) or not self.secret else self.secret
            self._seeds[name] = keyed_seed(key, name)
        return self._seeds[name]

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[SESSION] = self
        _active.append(self)

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        if self in _active:
            _active.remove(self)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(collection_error(report))

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        lesson_bans = self.course.lesson(self.lesson_id).bans
        for function, names in lesson_bans.items():
            for name in unknown_bans(names):
                self.collection_errors.append(
                    f"course.toml: lesson {self.lesson_id}: disabled.{function} names {name!r}, "
                    f"which the checker cannot ban; known: {', '.join(sorted(BANS))}")
        cases: dict[tuple, int] = {}
        for item in items:
            key = self._case_key(item)
            cases[key] = cases.get(key, 0) + 1
        for item in items:
            disabled = [n for mark in item.iter_markers("disabled") for n in mark.args]
            for name in unknown_bans(disabled):
                self.collection_errors.append(
                    f"{item.nodeid}: @pytest.mark.disabled({name!r}) names nothing the checker "
                    f"can ban; known: {', '.join(sorted(BANS))}")
            marker = item.get_closest_marker("points")
            points = float(marker.args[0]) if marker and marker.args else 1.0
            doc = (getattr(item, "function", None).__doc__ or "").strip()
            public = self.is_public(item)
            self.records[item.nodeid] = _Record(
                submission=self._submission_of(item),
                name=display_name(item),
                description=doc.splitlines()[0] if doc else item.name,
                points=split_points(points, cases[self._case_key(item)]),
                visibility=VISIBLE if public else HIDDEN,
            )

    def _submission_of(self, item: pytest.Item) -> int:
        callspec = getattr(item, "callspec", None)
        return int(callspec.params.get("sub", 0)) if callspec is not None else -1

    def _case_key(self, item: pytest.Item) -> tuple:
        return (str(item.path), getattr(item, "originalname", item.name), self._submission_of(item))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        """Our own report: pytest's long traceback is never shown and costs ~25 ms to format."""
        excinfo = call.excinfo
        if excinfo is not None and isinstance(excinfo.value, pytest.skip.Exception):
            return None  # pytest's own report handles skips
        record = self.records.get(item.nodeid)
        if record is not None:
            record.seconds += call.duration
        longrepr = None
        if excinfo is not None:
            if isinstance(excinfo.value, SandboxFailure) and record is not None:
                self.sandbox_failures.setdefault(record.submission, str(excinfo.value))
            feedback, details = (self._feedback(excinfo.value) if record is not None
                                 else (str(excinfo.value), ""))
            if record is not None and record.passed:
                record.passed = False
                record.feedback, record.details = feedback, details
                record.kind = getattr(excinfo.value, "kind", "")
                for name in ("feedback_text", "details_text"):
                    text = getattr(excinfo.value, name, None)
                    setattr(record, name, text.to_data() if text is not None else None)
            longrepr = f"{item.nodeid}: {feedback}"
        return pytest.TestReport(
            item.nodeid, item.location, dict.fromkeys(item.keywords, 1),
            "passed" if excinfo is None else "failed", longrepr, call.when,
            duration=call.duration, start=call.start, stop=call.stop,
        )

    @staticmethod
    def _feedback(exc: BaseException) -> tuple[str, str]:
        """(what any student may read, what only public checks and instructors show)."""
        if isinstance(exc, StudentFacing):
            return exc.feedback, exc.details
        text = str(exc).strip() or type(exc).__name__
        return HIDDEN_FAILURE, text if len(text) <= 600 else text[:597] + "..."

    def results(self) -> list[LessonResult]:
        self._gate_error_cases()
        per_submission: list[list[TestResult]] = [[] for _ in self.proxies]
        seconds = [0.0 for _ in self.proxies]
        shared: list[TestResult] = []
        for record in self.records.values():
            if record.submission >= 0:
                seconds[record.submission] += record.seconds
            result = TestResult(
                name=record.name,
                description=record.description,
                max_score=record.points,
                passed=record.passed,
                feedback=record.feedback,
                visibility=record.visibility,
                details=record.details,
                functions=tuple(dict.fromkeys(function for function, _, _ in record.calls)),
                feedback_text=record.feedback_text,
                details_text=record.details_text,
            )
            if record.submission < 0:
                shared.append(result)
            else:
                per_submission[record.submission].append(result)
        results = []
        for index, (label, proxy, tests, elapsed) in enumerate(zip(
                self.labels, self.proxies, per_submission, seconds, strict=True)):
            sandbox = self.sandbox_failures.get(index, "")
            results.append(LessonResult(
                lesson=self.lesson_id,
                submission=label,
                tests=tuple(shared + tests),
                execution_time=round(elapsed, 3),
                problem=sandbox or str(proxy.load_problem),
                printed=proxy.printed(),
                problem_details=str(proxy.load_details),
                problem_text=_data(proxy.load_problem) if not sandbox else None,
                problem_details_text=_data(proxy.load_details),
                status=SANDBOX_FAILURE if sandbox else submission_status(
                    [r for r in self.records.values() if r.submission == index]),
            ))
        return results

    def _gate_error_cases(self) -> None:
        """A check whose only calls to a function were error-case probes (``expect_raises``)
        passes only if that function's value checks earn at least half their points: a
        function that raises for everything earns nothing for raising."""
        value_points: dict[tuple[int, str], list[float]] = {}  # (submission, f) -> [earned, max]
        for record in self.records.values():
            for function in {f for f, kind, _ in record.calls if kind == "value"}:
                earned = value_points.setdefault((record.submission, function), [0.0, 0.0])
                earned[0] += record.points if record.passed else 0.0
                earned[1] += record.points
        for record in self.records.values():
            if not record.passed:
                continue
            probed = {f for f, kind, _ in record.calls if kind == "probe"}
            valued = {f for f, kind, _ in record.calls if kind == "value"}
            for function in sorted(probed - valued):
                earned, possible = value_points.get((record.submission, function), (0.0, 0.0))
                if possible <= 0 or earned < possible / 2:
                    record.passed = False
                    gated = t(GATED, function=function)
                    record.feedback, record.feedback_text = str(gated), gated.to_data()
                    break
