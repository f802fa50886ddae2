"""The class folder: ``SUBMISSIONS/<student>/<lesson>/<module>`` plus ``submission.json``.

``grader collect`` writes it, ``grader batch`` reads it; student ids and size caps are the
same for every way a submission arrives (``course submit``, an LMS zip, nbgrader).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

from grader.course.i18n import N_
from grader.course.times import parse_utc, utc_iso

STUDENT_ID_RULE = N_("letters of any script, digits, '.', '_' or '-', starting with a letter "
                     "or digit, at most 64 characters")
MAX_STUDENT_ID = 64
MAX_SUBMISSION_BYTES = 1024 * 1024
METADATA = "submission.json"


def student_id(name: str) -> str | None:
    """``name`` as a student id, or None when it is not one.

    Names in any script are ids (``zoë``, ``李明``), in Unicode's composed form (NFC): the
    same name typed on two systems (``zoë`` precomposed, or ``o`` + a combining diaeresis) is
    one id, which is why a class folder holding both spellings is reported, not merged.
    """
    name = unicodedata.normalize("NFC", name)
    if not 0 < len(name) <= MAX_STUDENT_ID or unicodedata.category(name[0])[0] not in "LN":
        return None
    if all(unicodedata.category(c)[0] in "LNM" or c in "._-" for c in name):
        return name
    return None


def is_student_id(name: str) -> bool:
    return student_id(name) is not None


def suggested_id(name: str) -> str:
    """An id close to ``name`` to suggest in a message (spaces and the like become '_'; a
    name in bytes that are not UTF-8, as old zip tools write them, is read as Latin-1)."""
    if not name.isprintable():
        name = name.encode("utf-8", "surrogateescape").decode("latin-1")
    name = unicodedata.normalize("NFC", name)
    kept = "".join(c if unicodedata.category(c)[0] in "LNM" or c in "._-" else "_" for c in name)
    return re.sub(r"_+", "_", kept).strip("._-")[:MAX_STUDENT_ID] or "student"


def shown(name: str) -> str:
    """A file name as a message shows it: quoted, with invisible differences made visible."""
    if name.isprintable() and unicodedata.is_normalized("NFC", name):
        return repr(name)
    return ascii(name)


def metadata_text(submitted_at: dt.datetime | None, origin: str, sha: str,
                  language: str | None = None) -> str:
    """The ``submission.json`` beside a collected module (``language``: the student's, from
    their ``course submit``; their feedback is written in it)."""
    meta: dict[str, str] = {}
    if submitted_at is not None:
        meta["submitted_at"] = utc_iso(submitted_at)
    meta.update({"source": origin, "sha256": sha})
    if language:
        meta["language"] = language
    return json.dumps(meta, indent=2) + "\n"


def read_language(path: Path) -> str | None:
    """The student's language recorded in ``submission.json`` (None when there is none or it
    is not one of the course's)."""
    from grader.course.i18n import normalise

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return normalise(data.get("language")) if isinstance(data, dict) and isinstance(
        data.get("language"), str) else None


def read_submitted_at(path: Path) -> dt.datetime | None:
    """The hand-in time recorded in ``submission.json`` (None when there is none)."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
        return parse_utc(data["submitted_at"])
    except KeyError:
        return None
    except (TypeError, ValueError, OSError) as exc:
        raise ValueError(str(exc) or type(exc).__name__) from None
