"""The class folder: ``SUBMISSIONS/<student>/<lesson>/<module>`` plus ``submission.json``.

``grader collect`` writes it, ``grader batch`` reads it; student ids and size caps are the
same for every way a submission arrives (``course submit``, an LMS zip, nbgrader).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from grader.course.times import parse_utc, utc_iso

STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
STUDENT_ID_RULE = "letters, digits, '.', '_' or '-', starting with a letter or digit, at most 64"
MAX_SUBMISSION_BYTES = 1024 * 1024
METADATA = "submission.json"


def metadata_text(submitted_at: dt.datetime | None, origin: str, sha: str) -> str:
    """The ``submission.json`` beside a collected module."""
    meta: dict[str, str] = {}
    if submitted_at is not None:
        meta["submitted_at"] = utc_iso(submitted_at)
    meta.update({"source": origin, "sha256": sha})
    return json.dumps(meta, indent=2) + "\n"


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
