"""E-mail delivery of notifications over SMTP.

Queuing and sending are separate transactions: the notices are committed first, so a mail
server that is down loses nothing. Each e-mail is then sent in a transaction of its own that
locks its row (FOR UPDATE SKIP LOCKED on PostgreSQL; SQLite's writers queue anyway) and
records `email_sent_at`, or the error and one more attempt; an unsent notice is tried again on
the next run. Delivery is at least once: a crash between the SMTP server accepting a message
and the commit would send it again on the next run.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlmodel import Session, col, select

from facility.auth.models import Account
from facility.config import Settings
from facility.engagements.models import FollowUpReport
from facility.notifications.models import Notification
from facility.timeutil import utcnow

OpenSession = Callable[[], AbstractContextManager[Session]]
MAX_ERROR = 500


@dataclass(frozen=True)
class Smtp:
    host: str
    port: int
    sender: str
    starttls: bool = False
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings: Settings) -> Smtp | None:
        """The SMTP server to use, or None when e-mail is not configured."""
        if not settings.smtp_host:
            return None
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return cls(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
                   starttls=settings.smtp_starttls, user=settings.smtp_user, password=password,
                   timeout=settings.smtp_timeout)


def send_email(smtp: Smtp, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; raises smtplib.SMTPException or OSError on failure."""
    message = EmailMessage()
    message["From"] = smtp.sender
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout) as client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        client.send_message(message)


@dataclass
class Delivery:
    sent: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)


def _pending_ids(session: Session) -> list[int]:
    # A reminder whose report was submitted since it was queued stays in the platform, unsent;
    # a notice about an engagement (no report) is always sent.
    return list(session.exec(
        select(Notification.id)
        .join(Account, col(Account.id) == Notification.account_id)
        .outerjoin(FollowUpReport, col(FollowUpReport.id) == Notification.report_id)
        .where(col(Notification.email_sent_at).is_(None), col(Account.active),  # type: ignore[arg-type]
               col(FollowUpReport.first_submitted_at).is_(None))
        .order_by(col(Notification.id))).all())


def deliver_pending(open_session: OpenSession, smtp: Smtp) -> Delivery:
    """E-mail every notice not sent yet, one transaction each; failures are kept for retry."""
    with open_session() as session:
        ids = _pending_ids(session)
    delivery = Delivery()
    for notification_id in ids:
        with open_session() as session:
            row = session.exec(select(Notification).where(
                col(Notification.id) == notification_id, col(Notification.email_sent_at).is_(None))
                .with_for_update(skip_locked=True)).first()
            if row is None:
                continue  # another run sent it meanwhile
            account = session.get(Account, row.account_id)
            assert account is not None
            try:
                send_email(smtp, to=account.email, subject=row.subject, body=row.body)
            except (smtplib.SMTPException, OSError) as error:
                row.email_attempts += 1
                row.email_last_error = f"{type(error).__name__}: {error}"[:MAX_ERROR]
                delivery.failed.append((notification_id, row.email_last_error))
            else:
                row.email_attempts += 1
                row.email_sent_at = utcnow()
                row.email_last_error = None
                delivery.sent += 1
            session.add(row)
    return delivery
