"""Engagement progress steps and when follow-up reports fall due (domain.md)."""

from __future__ import annotations

from datetime import date

from facility.engagements.models import FollowUpReport, ReportKind, ReportStatus
from facility.timeutil import add_months, today
from governance.models import EngagementStatus as E

# Progress moves one step at a time; nothing goes back.
NEXT_STATUS = {E.SCHEDULED: E.IN_PROGRESS, E.IN_PROGRESS: E.COMPLETED}

REPORT_MONTHS = {ReportKind.TWELVE_MONTHS: 12, ReportKind.TWENTY_FOUR_MONTHS: 24}


def due_date(end: date, kind: ReportKind) -> date:
    return add_months(end, REPORT_MONTHS[kind])


def report_status(report: FollowUpReport, on: date | None = None) -> ReportStatus:
    """SUBMITTED once any version was submitted; else DUE until the due date, then OVERDUE."""
    if report.first_submitted_at is not None:
        return ReportStatus.SUBMITTED
    return ReportStatus.OVERDUE if (on or today()) > report.due_date else ReportStatus.DUE
