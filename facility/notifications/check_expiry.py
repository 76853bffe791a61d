"""Notices before a readiness check expires, queued by the worker's daily job.

The rule, like the follow-up reminders (facility/notifications/reminders.py): for a person on
the ready roster (a notice period recorded, not erased), a check expiring within
`CHECK_NOTICE_OFFSETS` days gets a CHECK_EXPIRING notice to the active accounts of the
nominating partner: once when 30 days are left, once when 7 are left; a check found expired
gets one CHECK_EXPIRED notice (the person has then left the ready pool, see
facility/experts/readiness.py). A day's run queues only the most urgent notice that applies,
so a run after missed days sends no flood. A notice is keyed by (check, kind, offset, expiry
day, account): it goes once, and a check verified again (a new expiry day) is noticed anew.
The worker enqueues the job once a day (facility/worker.py); a re-run of the same day's job
finds its notices already queued.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from facility.experts.models import CheckKind, Expert, ExpertCheck
from facility.ids import encode_id
from facility.notifications.models import Notification, NotificationKind
from facility.notifications.steps import FOOTER, accounts_where, of_partner
from facility.timeutil import utcnow

#: Days before a check's expiry when its partner is told.
CHECK_NOTICE_OFFSETS = (30, 7)
CHECK_LABEL = {CheckKind.TRAINING: "training", CheckKind.REFERENCES: "references",
               CheckKind.SECURITY_CLEARANCE: "security clearance", CheckKind.MEDICAL: "medical check"}


def notice_for(expires_on: date, on: date) -> tuple[NotificationKind, int] | None:
    """The most urgent notice a check expiring on `expires_on` calls for on day `on`."""
    days_left = (expires_on - on).days
    if days_left <= 0:
        return NotificationKind.CHECK_EXPIRED, 0
    opened = [days for days in CHECK_NOTICE_OFFSETS if days_left <= days]
    return (NotificationKind.CHECK_EXPIRING, min(opened)) if opened else None


@dataclass(frozen=True)
class Queued:
    check_id: int
    kind: NotificationKind
    offset_days: int
    recipients: int


def _message(kind: NotificationKind, check: ExpertCheck, on: date) -> tuple[str, str]:
    # No name: the person is named by their roster id, which the partner can open.
    label = CHECK_LABEL[CheckKind(check.kind)]
    expert = encode_id("Expert", check.expert_id)
    expiry = check.expires_on.isoformat()
    if kind == NotificationKind.CHECK_EXPIRED:
        subject = f"An expert's {label} expired on {expiry}"
        lead = (f"The {label} of expert {expert} no longer holds since {expiry}: they are out of "
                "the ready roster until you record it again.")
    else:
        days = (check.expires_on - on).days
        subject = f"An expert's {label} expires in {days} days, on {expiry}"
        lead = (f"The {label} of expert {expert} holds until {expiry}. Verify it again and "
                "record it before then, or they leave the ready roster.")
    return subject, f"{lead}\n\n{FOOTER}"


def queue_check_notices(session: Session, *, on: date) -> list[Queued]:
    """Queue every check notice due on day `on` that was not queued before."""
    horizon = on + timedelta(days=max(CHECK_NOTICE_OFFSETS))
    rows = session.exec(
        select(ExpertCheck, Expert.partner_id).join(Expert, col(Expert.id) == ExpertCheck.expert_id)
        .where(col(Expert.notice_hours).is_not(None), col(Expert.erased_at).is_(None),
               ExpertCheck.expires_on <= horizon)
        .order_by(col(ExpertCheck.expires_on), col(ExpertCheck.id))).all()
    if not rows:
        return []
    sent = {(n.expert_check_id, n.kind, n.offset_days, n.due_date, n.account_id)
            for n in session.exec(select(Notification).where(
                col(Notification.expert_check_id).in_([c.id for c, _p in rows])))}
    recipients: dict[int, list[int]] = {}
    queued = []
    now = utcnow()
    for check, partner_id in rows:
        notice = notice_for(check.expires_on, on)
        if notice is None:
            continue
        kind, offset = notice
        if partner_id not in recipients:
            recipients[partner_id] = accounts_where(session, of_partner(partner_id))
        subject, body = _message(kind, check, on)
        count = 0
        for account_id in recipients[partner_id]:
            if (check.id, kind.value, offset, check.expires_on, account_id) in sent:
                continue
            session.add(Notification(account_id=account_id, expert_check_id=check.id, kind=kind,
                                     offset_days=offset, due_date=check.expires_on,
                                     subject=subject, body=body, created_at=now))
            count += 1
        if count:
            queued.append(Queued(check.id, kind, offset, count))  # type: ignore[arg-type]
    session.flush()
    return queued
