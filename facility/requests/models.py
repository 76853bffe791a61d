"""A State's capacity-building request and its links to recommendations and themes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Column, DateTime, ForeignKey, Integer, String, Text, false
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


class RequestStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    ELIGIBLE = "ELIGIBLE"
    INELIGIBLE = "INELIGIBLE"
    PROPOSED = "PROPOSED"
    APPROVED = "APPROVED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    CLOSED = "CLOSED"
    WITHDRAWN = "WITHDRAWN"


class SupportKind(StrEnum):
    EXPERT_MISSION = "EXPERT_MISSION"
    TRAINING = "TRAINING"
    LEGISLATIVE_DRAFTING = "LEGISLATIVE_DRAFTING"
    INSTITUTION_BUILDING = "INSTITUTION_BUILDING"
    REPORTING_AND_FOLLOW_UP = "REPORTING_AND_FOLLOW_UP"
    PEER_EXCHANGE = "PEER_EXCHANGE"
    FUNDING = "FUNDING"


class CapacityRequest(SQLModel, table=True):
    __tablename__ = "capacity_request"

    id: int | None = Field(default=None, primary_key=True)
    state_code: str = Field(foreign_key="state.code", max_length=3, index=True)
    status: RequestStatus = Field(default=RequestStatus.DRAFT, sa_type=String(12), index=True)
    title: str = Field(max_length=200)
    need: str = Field(sa_column=Column(Text, nullable=False))
    language: str = Field(default="en", max_length=8,
                          description="ISO 639-1 code of the language its author wrote it in")
    barrier: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    support_kinds: list[str] = Field(default_factory=list, sa_type=JSON)
    languages: list[str] = Field(default_factory=list, sa_type=JSON)
    window_start: date
    window_end: date
    weeks: int
    experts_needed: int
    budget: int
    currency: str = Field(max_length=3)
    priority: int
    focal_point: str = Field(default="", max_length=300)
    withdraw_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = Field(default=1, description="incremented on every change (optimistic locking)")
    # No foreign key on purpose: adding one on SQLite rebuilds this table, and dropping the old
    # table cascades into request_recommendation; the service only ever sets an existing id.
    follows_engagement_id: int | None = Field(
        default=None, index=True,
        description="the engagement whose follow-up report's further needs this request states")
    # No foreign key, for the same reason: the referral a State accepted by filing this draft.
    referral_id: int | None = Field(
        default=None, index=True, description="the referral the State accepted with this request")
    # What the application procedure in force asked the request to carry: [{"kind", "reference",
    # "link"}] (governance.criteria.Procedure; checked when the State submits).
    documents: list[dict] = Field(default_factory=list, sa_type=JSON)
    procedure_version: int | None = Field(
        default=None, description="the criteria version, with its application procedure, in "
                                  "force when the State submitted the request")
    # The urgent track (governance/urgency.py): the committee decides the screening by
    # `decide_by`, and the optimiser serves the request from ready experts only, starting by
    # `latest_start`. No foreign key on urgent_by_id, as for referral_id.
    urgent: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, default=False,
                                                         server_default=false()))
    urgent_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    latest_start: date | None = Field(default=None)
    urgent_by_id: int | None = Field(default=None, description="the account that marked it")
    urgent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    decide_by: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True),
        description="the committee's deadline for the screening of an urgent request")
    created_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    submitted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    withdrawn_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class RequestRecommendation(SQLModel, table=True):
    __tablename__ = "request_recommendation"

    request_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("capacity_request.id", ondelete="CASCADE"), primary_key=True
        )
    )
    recommendation_id: int = Field(
        foreign_key="recommendation.id", primary_key=True, index=True
    )


class RequestTheme(SQLModel, table=True):
    __tablename__ = "request_theme"

    request_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("capacity_request.id", ondelete="CASCADE"), primary_key=True
        )
    )
    theme_id: int = Field(foreign_key="theme.id", primary_key=True, index=True)
