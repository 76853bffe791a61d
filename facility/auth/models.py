"""Accounts (people and API clients), the partner organisations they belong to, API tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, DateTime, String
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


class Role(StrEnum):
    STATE = "STATE"
    PARTNER = "PARTNER"
    EXPERT = "EXPERT"
    COMMITTEE = "COMMITTEE"
    SECRETARIAT = "SECRETARIAT"


class PartnerKind(StrEnum):
    DONOR_AGENCY = "DONOR_AGENCY"
    OHCHR = "OHCHR"
    OHCHR_FUND = "OHCHR_FUND"  # a fund OHCHR administers (facility/funds)
    UN_AGENCY = "UN_AGENCY"
    REGIONAL_ORGANISATION = "REGIONAL_ORGANISATION"
    STATE = "STATE"  # South-South or triangular cooperation
    OTHER = "OTHER"


def _created_at() -> Column:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Partner(SQLModel, table=True):
    """A provider of support; a partner's accounts see and edit only its own offers and experts."""

    __tablename__ = "partner"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, unique=True)
    kind: PartnerKind = Field(default=PartnerKind.OTHER, sa_type=String(24))
    state_code: str | None = Field(
        default=None, foreign_key="state.code", max_length=3,
        description="the State the partner belongs to (drives committee recusal)",
    )
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created_at())


class Account(SQLModel, table=True):
    __tablename__ = "account"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True)
    name: str = Field(max_length=200)
    role: Role = Field(sa_type=String(16))
    password_hash: str | None = Field(default=None, max_length=200)
    state_code: str | None = Field(default=None, foreign_key="state.code", max_length=3)
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)
    regional_group_code: str | None = Field(
        default=None, foreign_key="regional_group.code", max_length=8
    )
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created_at())


class ApiToken(SQLModel, table=True):
    """A bearer token for GraphQL clients; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12, description="first characters, to recognise a token")
    label: str = Field(default="", max_length=100)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created_at())
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class WebSession(SQLModel, table=True):
    """A signed-in browser: the cookie holds a random id, only its SHA-256 is stored.

    Kept server-side so that logout, a password change or deactivation ends it at once.
    The CSRF token of every form shown to this browser is bound to the session.
    """

    __tablename__ = "web_session"

    id: int | None = Field(default=None, primary_key=True)
    session_hash: str = Field(max_length=64, unique=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    csrf_token: str = Field(max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_column=_created_at())
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class LoginAttempt(SQLModel, table=True):
    """One sign-in attempt, for rate limiting across restarts and workers.

    Neither the e-mail address nor the IP address is stored: both are keyed hashes (HMAC with
    the secret key), enough to count failures per account and per address.
    """

    __tablename__ = "login_attempt"

    id: int | None = Field(default=None, primary_key=True)
    email_key: str = Field(max_length=64, index=True)
    ip_key: str = Field(max_length=64, index=True)
    succeeded: bool
    attempted_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False, index=True)
    )
