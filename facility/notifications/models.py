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
    # A step someone must take now (facility/notifications/steps.py).
    PROPOSAL_TO_CONFIRM = "PROPOSAL_TO_CONFIRM"  # the committee approved a match: State, partner
    DEPLOYMENT_TO_ANSWER = "DEPLOYMENT_TO_ANSWER"  # an expert is on a scheduled engagement
    STORY_TO_CONSENT = "STORY_TO_CONSENT"  # the secretariat proposes a success story: the State
    MOTION_OPEN = "MOTION_OPEN"  # a screening or vote is open: every member who may vote
    RUN_FINISHED = "RUN_FINISHED"  # an optimiser run ended DONE or FAILED: the secretariat
    REFERRAL_TO_ANSWER = "REFERRAL_TO_ANSWER"  # a situation is referred: the State concerned
    REFERRAL_ANSWERED = "REFERRAL_ANSWERED"  # the State answered a referral: the secretariat
    # A readiness check of an expert on the ready roster expires in `offset_days` days, or has
    # expired (offset 0): the nominating partner (facility/notifications/check_expiry.py).
    CHECK_EXPIRING = "CHECK_EXPIRING"
    CHECK_EXPIRED = "CHECK_EXPIRED"
    # A request was marked urgent: every seated member (facility/requests/urgency.py).
    REQUEST_URGENT = "REQUEST_URGENT"


class Notification(SQLModel, table=True):
    """A notice for one account. The unique key makes a reminder impossible to queue twice,
    whichever process or run tries (the reminders run inserts with ON CONFLICT DO NOTHING)."""

    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("report_id", "kind", "offset_days", "account_id"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    # What the notice is about: exactly one of these is set (a reminder: the report; a decline
    # or a deployment to answer: the engagement; and so on).
    report_id: int | None = Field(default=None, foreign_key="follow_up_report.id", index=True)
    engagement_id: int | None = Field(default=None, foreign_key="engagement.id", index=True)
    proposal_id: int | None = Field(default=None, foreign_key="match_proposal.id", index=True)
    motion_id: int | None = Field(default=None, foreign_key="motion.id", index=True)
    story_id: int | None = Field(default=None, foreign_key="success_story.id", index=True)
    run_id: int | None = Field(default=None, foreign_key="optimiser_run.id", index=True)
    referral_id: int | None = Field(default=None, foreign_key="referral.id", index=True)
    expert_check_id: int | None = Field(default=None, foreign_key="expert_check.id", index=True)
    request_id: int | None = Field(default=None, foreign_key="capacity_request.id", index=True)
    kind: NotificationKind = Field(sa_type=String(24))
    offset_days: int = Field(description="days before the due date; 0 for every notice but "
                                         "a report reminder")
    due_date: date = Field(description="the report's due date when the notice was queued; for "
                                       "a notice about an engagement, its start; for the other "
                                       "steps, the day the notice was queued")
    subject: str = Field(sa_column=Column(Text, nullable=False))
    body: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    read_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    email_sent_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    email_attempts: int = Field(default=0)
    email_last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
