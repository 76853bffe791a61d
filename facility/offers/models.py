"""A partner's offer of support."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


class OfferStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    CLOSED = "CLOSED"


class OfferKind(StrEnum):
    FUNDING = "FUNDING"
    EXPERT_DEPLOYMENT = "EXPERT_DEPLOYMENT"
    TRAINING_PROGRAMME = "TRAINING_PROGRAMME"
    PEER_EXCHANGE = "PEER_EXCHANGE"


class Offer(SQLModel, table=True):
    __tablename__ = "offer"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    status: OfferStatus = Field(default=OfferStatus.DRAFT, sa_type=String(12), index=True)
    title: str = Field(max_length=200)
    language: str = Field(default="en", max_length=8,
                          description="ISO 639-1 code of the language its author wrote it in")
    kind: OfferKind = Field(sa_type=String(24))
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    eligible_groups: list[str] | None = Field(
        default=None, sa_type=JSON, description="regional group codes; null means all"
    )
    eligible_states: list[str] | None = Field(
        default=None, sa_type=JSON, description="ISO3 codes; null means all"
    )
    languages: list[str] = Field(default_factory=list, sa_type=JSON)
    budget: int
    currency: str = Field(max_length=3)
    max_requests: int
    window_start: date
    window_end: date
    conditions: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    version: int = 1
    created_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    published_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class OfferTheme(SQLModel, table=True):
    __tablename__ = "offer_theme"

    offer_id: int = Field(
        sa_column=Column(Integer, ForeignKey("offer.id", ondelete="CASCADE"), primary_key=True)
    )
    theme_id: int = Field(foreign_key="theme.id", primary_key=True, index=True)
