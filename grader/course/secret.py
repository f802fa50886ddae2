"""The grading secret: the key from which every hidden test's random inputs are derived.

It never ships to students and nothing in the release follows from it: per-test seeds are
HMAC(secret, test name), so even a leaked per-test seed reveals nothing else. It lives in
``.grader-secret`` in the course folder (created, readable by its owner only, on first use),
or comes from ``$GRADER_SECRET`` (for a cluster whose workers cannot read that file).
Changing it changes every hidden input, so the gradebook regrades everything.
"""

from __future__ import annotations

import os
import secrets

from grader.course.config import Course, CourseError

ENV_VARIABLE = "GRADER_SECRET"


def grading_secret(course: Course, *, create: bool = True) -> bytes:
    """The course's secret; made (and saved) on first use when ``create``."""
    from_env = os.environ.get(ENV_VARIABLE, "").strip()
    if from_env:
        return from_env.encode()
    path = course.secret_path
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        raise CourseError(f"{path}: cannot be read ({exc.strerror}); the grading secret is "
                          f"needed to grade hidden tests") from None
    if text:
        return text.encode()
    if not create:
        raise CourseError(f"{path} does not exist: there is no grading secret yet "
                          f"(any grader command that grades hidden tests creates one)")
    token = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return grading_secret(course, create=False)
    except OSError as exc:
        raise CourseError(f"cannot create the grading secret {path} ({exc.strerror}); "
                          f"or set {ENV_VARIABLE}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(token + "\n")
    return token.encode()
