"""Exceptions whose ``feedback`` is safe to show a student.

``feedback`` is made of the check's own words only; ``details`` (expected vs got, the
submission's exception message) is shown with public checks and to instructors, never with
hidden tests, because anything the submission controls could carry hidden inputs out.
Anything a test raises that is not one of these is reported only as "this check failed".
"""

from __future__ import annotations

import builtins

from grader.course.i18n import N_, Text, t


class StudentFacing(Exception):
    """Carries ``feedback`` (safe for any student) and ``details`` (public checks only).

    ``kind`` says why a submission could not answer (see grader.course.results.STATUSES), so
    the gradebook can say why a lesson scored what it did.
    """

    def __init__(self, feedback: str | Text, details: str | Text = "", *,
                 kind: str = "") -> None:
        self.feedback_text = feedback if isinstance(feedback, Text) else None
        self.details_text = details if isinstance(details, Text) else None
        self.feedback = str(feedback)
        self.details = str(details)
        super().__init__(self.feedback if not self.details else f"{self.feedback}\n{self.details}")
        self.kind = kind


class GradingFailure(StudentFacing, AssertionError):
    """A check found the submission's answer wrong."""


class Mismatch(GradingFailure):
    """A value differs from the expected one; ``feedback`` names the mistake when known."""


class SubmissionProblem(GradingFailure):
    """The submission could not answer: import failed, it crashed, hung, or is missing a name."""


class SandboxFailure(Exception):
    """The sandbox did not apply a layer it was configured with: not the student's fault.

    The job died before the submission ran; the submission is reported as not graded.
    """


class RemoteRaised(StudentFacing):
    """The submission raised an exception; instances are also of its nearest builtin type.

    So a test can say ``pytest.raises(ValueError)`` about a student's ``raise ValueError``.
    ``type_name`` is safe to show (a builtin's name, or "a ValueError subclass");
    ``message`` is the submission's own text (details only).
    """

    type_name: str = "Exception"
    type_shown: str | Text = "Exception"  # what a student may read: safe_type_name
    message: str = ""

    @classmethod
    def make(cls, builtin_name: str, type_name: str, feedback: str | Text,
             message: str = "") -> RemoteRaised:
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
        StudentFacing.__init__(error, feedback,
                               t("its message: {message}", message=message) if message else "",
                               kind=NOT_IMPLEMENTED if type_name == "NotImplementedError" else "")
        error.type_name = type_name
        error.type_shown = safe_type_name(type_name, builtin_name)
        error.message = message
        return error


_REMOTE_TYPES: dict[tuple[type, ...], type] = {}

# Why a submission could not answer (StudentFacing.kind), most telling first.
SYNTAX_ERROR = N_("syntax error")
IMPORT_ERROR = N_("import error")
TIME_LIMIT = N_("time limit")
REFUSED = N_("suspicious: a refused construct or a disabled API")
CRASHED = N_("crashed")
NOT_IMPLEMENTED = N_("not implemented")
KINDS = (SYNTAX_ERROR, IMPORT_ERROR, TIME_LIMIT, REFUSED, CRASHED, NOT_IMPLEMENTED)

_BUILTIN_EXCEPTIONS = frozenset(
    name for name, value in vars(builtins).items()
    if isinstance(value, type) and issubclass(value, BaseException)
)


def safe_type_name(type_name: object, builtin_name: object) -> str | Text:
    """An exception's type as a student may read it: a builtin's own name, or the builtin it
    derives from ("a ValueError subclass"); a submission's own class name can carry text."""
    builtin = str(builtin_name) if str(builtin_name) in _BUILTIN_EXCEPTIONS else "Exception"
    name = str(type_name)
    if name in _BUILTIN_EXCEPTIONS:
        return name
    return t("a {builtin} subclass", builtin=builtin)
