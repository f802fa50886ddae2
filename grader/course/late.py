"""The late policy, as a pure function of the due date and the submission time."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from grader.course.config import LatePolicy

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Lateness:
    days_late: int  # started days after the due date (0 when on time or within the grace)
    factor: float  # what share of the earned points is kept
    note: str  # for the gradebook row and the student's feedback


def assess(policy: LatePolicy, due: dt.datetime | None,
           submitted_at: dt.datetime | None) -> Lateness:
    """How late a submission is and what share of its points it keeps."""
    if due is None:
        return Lateness(0, 1.0, "")
    if submitted_at is None:
        return Lateness(0, 1.0, "no submission time recorded: counted as on time")
    late_by = submitted_at - due
    if late_by <= dt.timedelta(minutes=policy.grace_minutes):
        within = " (within the grace period)" if late_by > dt.timedelta(0) else ""
        return Lateness(0, 1.0, f"on time{within}")
    days = math.ceil(late_by / DAY)
    if policy.max_days_late is not None and late_by > policy.max_days_late * DAY:
        return Lateness(days, 0.0, f"{days} days late, more than {policy.max_days_late:g}: "
                                   f"scores zero")
    factor = max(0.0, 1.0 - policy.penalty_per_day * days)
    penalty = f", {1 - factor:.0%} off" if factor < 1 else ""
    return Lateness(days, factor, f"{days} day{'s' if days > 1 else ''} late{penalty}")

