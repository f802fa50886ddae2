"""UTC times as the course writes and reads them: one formatter per shape, one parser."""

from __future__ import annotations

import datetime as dt


def utc_now() -> dt.datetime:
    """Now, in UTC, to the second."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


def utc_iso(moment: dt.datetime) -> str:
    """ISO 8601 with a ``Z``: ``2026-12-11T23:59:00Z`` (manifests, submission.json, state)."""
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def utc_stamp(moment: dt.datetime) -> str:
    """Compact, for file names: ``20261211T235900Z``."""
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_utc(text: str) -> dt.datetime:
    """A UTC time as written by us (``...Z``), by ISO 8601 with an offset, or by nbgrader
    (``2026-12-11 20:15:00.123456 UTC``). A time without a zone is refused."""
    text = str(text).strip()
    if text.endswith(" UTC"):
        text = text.removesuffix(" UTC") + "+00:00"
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError(f"{text!r} has no time zone")
    return moment
