"""Exceptions whose text is safe to show a student.

Anything a test raises that is not one of these is reported to students only as "this
check failed" for hidden tests, so hidden inputs and test source never leak.
"""

from __future__ import annotations

import builtins


class StudentFacing(Exception):
    """Carries ``feedback`` (safe for any student) and ``details`` (public checks only)."""

    def __init__(self, feedback: str, details: str = "") -> None:
        super().__init__(feedback if not details else f"{feedback}\n{details}")
        self.feedback = feedback
        self.details = details


class GradingFailure(StudentFacing, AssertionError):
    """A check found the submission's answer wrong."""


class Mismatch(GradingFailure):
    """A value differs from the expected one; ``feedback`` names the mistake when known."""


class SubmissionProblem(GradingFailure):
    """The submission could not answer: import failed, it crashed, hung, or is missing a name."""


class RemoteRaised(StudentFacing):
    """The submission raised an exception; instances are also of its nearest builtin type.

    So a test can say ``pytest.raises(ValueError)`` about a student's ``raise ValueError``.
    """

    type_name: str = "Exception"

    @classmethod
    def make(cls, builtin_name: str, type_name: str, feedback: str) -> RemoteRaised:
        base = getattr(builtins, builtin_name, None)
        allowed = isinstance(base, type) and issubclass(base, Exception) and base not in (
            AssertionError, StopIteration, StopAsyncIteration, GeneratorExit,
        )
        bases = (cls, base) if allowed and base is not Exception else (cls,)
        kind = _REMOTE_TYPES.get(bases)
        if kind is None:
            kind = type(f"Remote{bases[-1].__name__}", bases, {})
            _REMOTE_TYPES[bases] = kind
        error = kind.__new__(kind)
        StudentFacing.__init__(error, feedback)
        error.type_name = type_name
        return error


_REMOTE_TYPES: dict[tuple[type, ...], type] = {}
