"""The reminders run that `facility reminders run` (a daily cron job) performs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from facility.config import Settings
from facility.notifications.mail import Delivery, OpenSession, Smtp, deliver_pending
from facility.notifications.reminders import Queued, queue_reminders
from facility.timeutil import today


@dataclass
class RunReport:
    on: date
    queued: list[Queued]
    delivery: Delivery | None  # None: e-mail is not configured


def run_reminders(open_session: OpenSession, *, settings: Settings) -> RunReport:
    """Queue today's notices (committed), then e-mail everything unsent when SMTP is set."""
    on = today()
    with open_session() as session:
        queued = queue_reminders(session, on=on, offsets=settings.reminder_offsets)
    smtp = Smtp.from_settings(settings)
    delivery = deliver_pending(open_session, smtp) if smtp else None
    return RunReport(on=on, queued=queued, delivery=delivery)
