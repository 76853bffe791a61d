"""A referral: a situation concerning a State, referred to the facility by the Council's
President or by OHCHR, which the State alone accepts (a draft request) or declines."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, String, Text
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


def _at(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class ReferralSource(StrEnum):
    """Who refers the situation (the secretariat records it for them)."""

    HRC_PRESIDENT = "HRC_PRESIDENT"  # the President of the Human Rights Council
    OHCHR = "OHCHR"


class ReferralStatus(StrEnum):
    """PENDING → ACCEPTED (a draft request exists) or DECLINED (with the State's reason)."""

    PENDING = "PENDING"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"


class Referral(SQLModel, table=True):
    __tablename__ = "referral"

    id: int | None = Field(default=None, primary_key=True)
    state_code: str = Field(foreign_key="state.code", max_length=3, index=True)
    source: ReferralSource = Field(sa_type=String(16))
    document_symbol: str = Field(max_length=60, description="the Council document, e.g. "
                                                            "A/HRC/RES/55/12")
    title: str = Field(max_length=200)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    # The State's recommendations the referral concerns (checked when recorded); the draft
    # request of an accepted referral links them.
    recommendation_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    status: ReferralStatus = Field(default=ReferralStatus.PENDING, sa_type=String(10), index=True)
    # The State's choices when it answers: whether the referral (and its answer) is public,
    # and, for a decline, whether its reason is too.
    public: bool = Field(default=False)
    reason_public: bool = Field(default=False)
    decline_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    version: int = Field(default=1, description="one more for every change (optimistic locking)")
    recorded_by_id: int = Field(foreign_key="account.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    answered_by_id: int | None = Field(default=None, foreign_key="account.id")
    answered_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_at())
