"""The late policy, as a pure function of the due date and the submission time.

As ``course.toml`` documents it (and as Canvas and Moodle do): each started day late costs a
share of the lesson's points (``penalty_per_day``), subtracted from what the submission
earned and floored at zero; later than ``max_days_late`` scores zero.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from grader.course.config import LatePolicy
from grader.course.i18n import Text, t

DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Lateness:
    days_late: int  # started days after the due date (0 when on time or within the grace)
    share_lost: float  # share of the lesson's points taken off (1.0: all of them)
    note: str  # for the gradebook row and the student's feedback (English)
    text: Text | None = None  # the note, to show a student in their language

    def points_after(self, earned: float, possible: float) -> float:
        """What is left of ``earned`` (out of ``possible``) after the penalty, never below 0."""
        return max(0.0, earned - self.share_lost * possible)


def assess(policy: LatePolicy, due: dt.datetime | None,
           submitted_at: dt.datetime | None) -> Lateness:
    """How late a submission is and what share of the lesson's points it loses."""
    if due is None:
        return Lateness(0, 0.0, "")
    if submitted_at is None:
        return _lateness(0, 0.0, t("no submission time recorded: counted as on time"))
    late_by = submitted_at - due
    if late_by <= dt.timedelta(minutes=policy.grace_minutes):
        if late_by > dt.timedelta(0):
            return _lateness(0, 0.0, t("on time (within the grace period)"))
        return _lateness(0, 0.0, t("on time"))
    days = math.ceil(late_by / DAY)
    if policy.max_days_late is not None and late_by > policy.max_days_late * DAY:
        return _lateness(days, 1.0, t("{days} days late, more than {limit}: scores zero",
                                      days=days, limit=f"{policy.max_days_late:g}"))
    share = min(1.0, policy.penalty_per_day * days)
    if share > 0:
        return _lateness(days, share, t("{days} days late, {share} of the lesson's points off",
                                        days=days, share=f"{share:.0%}") if days > 1 else
                         t("1 day late, {share} of the lesson's points off",
                           share=f"{share:.0%}"))
    return _lateness(days, share, t("{days} days late", days=days) if days > 1 else
                     t("1 day late"))


def _lateness(days: int, share: float, text: Text) -> Lateness:
    return Lateness(days, share, str(text), text)
