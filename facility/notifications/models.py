"""The notification table: one row per recipient and notice, with its e-mail delivery state."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


def _at(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class NotificationKind(StrEnum):
    REPORT_DUE = "REPORT_DUE"          # a follow-up report falls due in `offset_days` days
    REPORT_OVERDUE = "REPORT_OVERDUE"  # its due date has passed and it was not submitted
    EXPERT_DECLINED = "EXPERT_DECLINED"  # an expert declined their deployment on an engagement


class Notification(SQLModel, table=True):
    """A notice for one account. The unique key makes a reminder impossible to queue twice,
    whichever process or run tries (the reminders run inserts with ON CONFLICT DO NOTHING)."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("report_id", "kind", "offset_days", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    # A reminder is about a report, a decline notice about an engagement: one of the two is set.
    report_id: int | None = Field(default=None, foreign_key="follow_up_report.id", index=True)
    engagement_id: int | None = Field(default=None, foreign_key="engagement.id", index=True)
    kind: NotificationKind = Field(sa_type=String(16))
    offset_days: int = Field(description="days before the due date; 0 for an overdue notice "
                                         "and for a decline notice")
    due_date: date = Field(description="the report's due date when the notice was queued; for "
                                       "a decline notice, the engagement's start")
    subject: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    read_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    email_sent_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    email_attempts: int = Field(default=0)
    email_last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
