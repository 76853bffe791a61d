"""Follow-up reminders: which notice a report calls for on a given day, and queuing it.

The rule (docs/notifications.md): with offsets 60 and 14, a report that is not submitted gets
a notice when 60 days are left, another when 14 are left, and an overdue notice the day after
its due date. A run only ever queues the *most urgent* notice that applies on its day, so a
run that catches up after missed days sends what is still useful and no flood: if the job
did not run between day 61 and day 10 before the due date, the 14-day reminder goes and the
60-day one, overtaken, never does; a report found already overdue gets the overdue notice
only. Each notice goes once to every active account of the State that files the report and
of the secretariat; the unique key (report, kind, offset, account) and ON CONFLICT DO NOTHING
make this hold when two runs overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from facility.auth.models import Account, Role
from facility.engagements.models import Engagement, FollowUpReport, ReportKind
from facility.ids import encode_id
from facility.notifications.models import Notification, NotificationKind
from facility.reference.models import State
from facility.requests.models import CapacityRequest
from facility.timeutil import utcnow

KIND_LABEL = {ReportKind.TWELVE_MONTHS: "12-month", ReportKind.TWENTY_FOUR_MONTHS: "24-month"}


@dataclass(frozen=True)
class Notice:
    kind: NotificationKind
    offset_days: int


def notice_for(due: date, on: date, offsets: list[int]) -> Notice | None:
    """The most urgent notice an unsubmitted report due on `due` calls for on day `on`."""
    days_left = (due - on).days
    if days_left < 0:
        return Notice(NotificationKind.REPORT_OVERDUE, 0)
    opened = [days for days in offsets if days_left <= days]
    return Notice(NotificationKind.REPORT_DUE, min(opened)) if opened else None


@dataclass(frozen=True)
class Queued:
    """What a run queued for one report (for the command's output)."""

    report_id: int
    state_code: str
    report_kind: ReportKind
    due_date: date
    notice: Notice
    recipients: int


def _message(notice: Notice, *, report: FollowUpReport, title: str, state: str,
             on: date) -> tuple[str, str]:
    # Only what the recipient needs to act: no names of people, no report content.
    label = KIND_LABEL[report.kind]
    due = report.due_date.isoformat()
    if notice.kind == NotificationKind.REPORT_OVERDUE:
        subject = f"Follow-up report overdue since {due} ({state})"
        lead = f"The {label} follow-up report of {state} was due on {due} and has not been submitted."
    else:
        days = (report.due_date - on).days
        when = "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
        subject = f"Follow-up report due {when}, on {due} ({state})"
        lead = f"The {label} follow-up report of {state} is due on {due}, {when}."
    body = (f"{lead}\n\nEngagement: {title}\n"
            f"Report id (GraphQL followUpReport): {encode_id('FollowUpReport', report.id)}\n\n"
            "The State's mission files the report in the Implementation Facility. This notice "
            "is also listed under your notifications there.\n")
    return subject, body


def _insert_once(session: Session, values: dict) -> bool:
    """Insert unless the same notice exists already; True when this call inserted it."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(Notification).values(**values).on_conflict_do_nothing(
        index_elements=["report_id", "kind", "offset_days", "account_id"]
    ).returning(Notification.id)
    return session.execute(statement).first() is not None


def _recipients(session: Session, state_code: str) -> list[int]:
    return list(session.exec(select(Account.id).where(
        Account.active, (Account.role == Role.SECRETARIAT)  # type: ignore[arg-type]
        | ((Account.role == Role.STATE) & (Account.state_code == state_code)))
        .order_by(col(Account.id))).all())


def queue_reminders(session: Session, *, on: date, offsets: list[int]) -> list[Queued]:
    """Queue every notice that falls due on day `on` and was not queued before."""
    horizon = on + timedelta(days=max(offsets))
    rows = session.exec(
        select(FollowUpReport, CapacityRequest.title, CapacityRequest.state_code, State.name)
        .join(Engagement, col(Engagement.id) == FollowUpReport.engagement_id)
        .join(CapacityRequest, col(CapacityRequest.id) == Engagement.request_id)
        .join(State, col(State.code) == CapacityRequest.state_code)
        .where(~col(FollowUpReport.superseded), col(FollowUpReport.first_submitted_at).is_(None),
               FollowUpReport.due_date <= horizon)
        .order_by(col(FollowUpReport.due_date), col(FollowUpReport.id))).all()
    queued = []
    recipients_of: dict[str, list[int]] = {}
    now = utcnow()
    for report, title, state_code, state_name in rows:
        notice = notice_for(report.due_date, on, offsets)
        if notice is None:
            continue
        if state_code not in recipients_of:
            recipients_of[state_code] = _recipients(session, state_code)
        subject, body = _message(notice, report=report, title=title, state=state_name, on=on)
        inserted = sum(_insert_once(session, {
            "account_id": account_id, "report_id": report.id, "kind": notice.kind.value,
            "offset_days": notice.offset_days, "due_date": report.due_date, "subject": subject,
            "body": body, "created_at": now, "email_attempts": 0,
        }) for account_id in recipients_of[state_code])
        if inserted:
            queued.append(Queued(report.id, state_code, report.kind, report.due_date,  # type: ignore[arg-type]
                                 notice, inserted))
    session.flush()
    return queued
