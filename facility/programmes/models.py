"""A programme of another agency or donor, the themes it covers, and a State's application."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, Date, DateTime, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


def _at(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class AgencyKind(StrEnum):
    REGIONAL = "REGIONAL"  # a regional organisation or its agency
    MULTILATERAL = "MULTILATERAL"  # a UN or other multilateral agency, a development bank
    BILATERAL = "BILATERAL"  # a donor State's agency


class Programme(SQLModel, table=True):
    """Maintained by the secretariat (`partner_id` empty) or by the partner that runs it."""

    __tablename__ = "programme"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    agency: str = Field(max_length=200)
    agency_kind: AgencyKind = Field(sa_type=String(16), index=True)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Who may apply: regional group codes, ISO3 State codes; null: no restriction of that kind.
    eligible_groups: list[str] | None = Field(default=None, sa_type=JSON)
    eligible_states: list[str] | None = Field(default=None, sa_type=JSON)
    support_kinds: list[str] = Field(default_factory=list, sa_type=JSON)
    how_to_apply: str = Field(sa_column=Column(Text, nullable=False))
    deadline: date | None = Field(default=None, sa_column=Column(Date, nullable=True),
                                  description="null: applications taken at any time")
    link: str = Field(max_length=500)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    version: int = Field(default=1, description="one more for every change (optimistic locking)")
    created_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class ProgrammeTheme(SQLModel, table=True):
    """The themes a programme covers; none: any theme."""

    __tablename__ = "programme_theme"

    programme_id: int = Field(foreign_key="programme.id", primary_key=True)
    theme_id: int = Field(foreign_key="theme.id", primary_key=True, index=True)


class ProgrammeApplication(SQLModel, table=True):
    """A State recorded that it applied to a programme for one of its requests."""

    __tablename__ = "programme_application"
    __table_args__ = (UniqueConstraint("request_id", "programme_id"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="capacity_request.id", index=True)
    programme_id: int = Field(foreign_key="programme.id", index=True)
    recorded_by_id: int = Field(foreign_key="account.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_at())
