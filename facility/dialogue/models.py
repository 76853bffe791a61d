"""A State's progress updates on its recommendations, and its consent to a public page."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, String, Text
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


def _at(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class UpdateStatus(StrEnum):
    """DRAFT (the State's own) → PUBLISHED (final: a later change is a new update)."""

    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"


class ProgressUpdate(SQLModel, table=True):
    """What a State reports on one of its recommendations, of any mechanism, whether or not an
    engagement served it. `implementation_status` takes the follow-up reports' values
    (facility.engagements.models.ImplementationStatus)."""

    __tablename__ = "progress_update"

    id: int | None = Field(default=None, primary_key=True)
    state_code: str = Field(foreign_key="state.code", max_length=3, index=True)
    recommendation_id: int = Field(foreign_key="recommendation.id", index=True)
    status: UpdateStatus = Field(default=UpdateStatus.DRAFT, sa_type=String(10), index=True)
    implementation_status: str = Field(max_length=24)
    evidence: str = Field(sa_column=Column(Text, nullable=False))
    evidence_link: str | None = Field(default=None, max_length=500)
    barriers: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    support_wanted: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    version: int = Field(default=1, description="one more for every change (optimistic locking)")
    created_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    published_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))


class StatePageConsent(SQLModel, table=True):
    """Whether a State opened its public page (/states/{code}); no row: it has not."""

    __tablename__ = "state_page_consent"

    state_code: str = Field(foreign_key="state.code", max_length=3, primary_key=True)
    open: bool = Field(default=False)
    version: int = Field(default=1, description="one more for every change (optimistic locking)")
    changed_by_id: int = Field(foreign_key="account.id")
    changed_at: datetime = Field(default_factory=utcnow, sa_column=_at())
