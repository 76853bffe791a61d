"""Follow-up compliance: how many reports are due, overdue, submitted on time and late.

Counts are over the latest version of each report (one per engagement and kind), with the
status computed against `facility.timeutil.today()`, exactly as `followUpReports` filters them.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.engagements.models import Engagement, FollowUpReport
from facility.errors import PermissionDenied
from facility.reference.models import State
from facility.requests.models import CapacityRequest
from facility.timeutil import today


@dataclass
class Counts:
    due: int = 0
    overdue: int = 0
    submitted_on_time: int = 0
    submitted_late: int = 0

    @property
    def total(self) -> int:
        return self.due + self.overdue + self.submitted_on_time + self.submitted_late

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


@dataclass
class Compliance:
    total: Counts
    by_state: dict[str, Counts]   # State code -> counts, States with at least one report
    by_group: dict[str, Counts]   # regional group code -> counts, every group with a report


def _sum(condition) -> object:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def status_counts(as_of: date | None = None) -> tuple:
    """The one definition of compliance, as four SQL aggregates over follow-up report rows:
    due, overdue, submitted on time, submitted late (on time is of the first submission).
    The secretariat's view, the public statistics and the home page all count with these.

    `as_of` (default today) counts the reports as they stood at the end of that day: a report
    first submitted later was not submitted yet then (a year's report counts as of its end)."""
    on = as_of or today()
    unsubmitted = (col(FollowUpReport.first_submitted_at).is_(None)
                   | (col(FollowUpReport.first_submitted_at)
                      >= datetime.combine(on + timedelta(days=1), time(), tzinfo=UTC)))
    return (_sum(unsubmitted & (FollowUpReport.due_date >= on)),
            _sum(unsubmitted & (FollowUpReport.due_date < on)),
            _sum(~unsubmitted & col(FollowUpReport.on_time).is_(True)),
            _sum(~unsubmitted & col(FollowUpReport.on_time).is_(False)))


def follow_up_compliance(session: Session, *, actor: Actor | None) -> Compliance:
    """The compliance view, for the secretariat and the seated committee only."""
    if not permissions.can_view_follow_up_compliance(actor):
        raise PermissionDenied("the compliance view is for the secretariat and the committee")
    rows = session.exec(
        select(CapacityRequest.state_code, State.regional_group_code, *status_counts())
        .select_from(FollowUpReport)
        .join(Engagement, col(Engagement.id) == FollowUpReport.engagement_id)
        .join(CapacityRequest, col(CapacityRequest.id) == Engagement.request_id)
        .join(State, col(State.code) == CapacityRequest.state_code)
        .where(~col(FollowUpReport.superseded))
        .group_by(col(CapacityRequest.state_code), col(State.regional_group_code))
        .order_by(col(CapacityRequest.state_code))).all()
    total = Counts()
    by_state: dict[str, Counts] = {}
    by_group: dict[str, Counts] = {}
    for state_code, group_code, *numbers in rows:
        counts = Counts(*(int(n) for n in numbers))
        by_state[state_code] = counts
        by_group.setdefault(group_code or "NONE", Counts()).add(counts)
        total.add(counts)
    return Compliance(total=total, by_state=by_state, by_group=dict(sorted(by_group.items())))
