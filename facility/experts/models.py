"""An expert on the roster. Name, e-mail, phone and CV are personal data (see auth.permissions)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


class Seniority(StrEnum):
    JUNIOR = "JUNIOR"
    MID = "MID"
    SENIOR = "SENIOR"
    PRINCIPAL = "PRINCIPAL"


class Expert(SQLModel, table=True):
    __tablename__ = "expert"

    id: int | None = Field(default=None, primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", index=True, description="nominated by")
    account_id: int | None = Field(default=None, foreign_key="account.id", unique=True)
    # Personal data
    name: str = Field(max_length=200)
    email: str = Field(max_length=254)
    phone: str = Field(default="", max_length=40)
    cv: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # Profile (visible anonymised)
    nationality: str = Field(foreign_key="state.code", max_length=3)
    languages: list[str] = Field(default_factory=list, sa_type=JSON)
    seniority: Seniority = Field(default=Seniority.SENIOR, sa_type=String(12))
    max_assignments: int = 1
    conflict_states: list[str] = Field(default_factory=list, sa_type=JSON)
    conflict_partner_ids: list[int] = Field(default_factory=list, sa_type=JSON)
    consent_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    consent_version: str | None = Field(default=None, max_length=20,
                                        description="version of the consent text agreed to")
    consent_scope: str | None = Field(default=None, max_length=100,
                                      description="comma-separated experts.consent scopes")
    consent_withdrawn_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    # The ready roster (facility/experts/readiness.py): deployable within this many hours of
    # a call, as the nominating partner records it; None: not on the ready roster.
    notice_hours: int | None = Field(default=None)
    erased_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True),
        description="when the person's data was pseudonymised (facility experts erase)",
    )
    version: int = 1
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
    updated_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class ExpertTheme(SQLModel, table=True):
    __tablename__ = "expert_theme"

    expert_id: int = Field(
        sa_column=Column(Integer, ForeignKey("expert.id", ondelete="CASCADE"), primary_key=True)
    )
    theme_id: int = Field(foreign_key="theme.id", primary_key=True, index=True)


class ExpertAvailability(SQLModel, table=True):
    __tablename__ = "expert_availability"

    id: int | None = Field(default=None, primary_key=True)
    expert_id: int = Field(
        sa_column=Column(Integer, ForeignKey("expert.id", ondelete="CASCADE"), index=True)
    )
    start: date
    end: date


class CheckKind(StrEnum):
    """What the nominating partner verifies before a person joins the ready roster
    (facility/experts/readiness.py: every kind is required, each valid on the day)."""

    TRAINING = "TRAINING"  # the roster's deployment training
    REFERENCES = "REFERENCES"
    SECURITY_CLEARANCE = "SECURITY_CLEARANCE"
    MEDICAL = "MEDICAL"


class ExpertCheck(SQLModel, table=True):
    """One check of a person's readiness, as its partner last verified it: one row per kind,
    replaced when verified again. Personal data (erased with the person)."""

    __tablename__ = "expert_check"
    __table_args__ = (UniqueConstraint("expert_id", "kind"),)

    id: int | None = Field(default=None, primary_key=True)
    expert_id: int = Field(
        sa_column=Column(Integer, ForeignKey("expert.id", ondelete="CASCADE"), nullable=False)
    )
    kind: CheckKind = Field(sa_type=String(24))
    verified_on: date
    expires_on: date = Field(description="the first day the check no longer holds")
    recorded_by_id: int = Field(foreign_key="account.id")
    recorded_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )
