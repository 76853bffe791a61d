"""The funds OHCHR administers and what donor States pledge and pay into them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Column, DateTime, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


def _at() -> Column:
    return Column(DateTime(timezone=True), nullable=False, default=utcnow)


class FundMandate(StrEnum):
    """What a fund may pay for: technical cooperation in general, or the implementation of
    the recommendations of the Universal Periodic Review only."""

    TECHNICAL_COOPERATION = "TECHNICAL_COOPERATION"
    UPR_IMPLEMENTATION = "UPR_IMPLEMENTATION"


class Fund(SQLModel, table=True):
    """A fund OHCHR administers. It is a partner (of kind OHCHR_FUND): its accounts post its
    offers as any partner's do; this row adds what only a fund has."""

    __tablename__ = "fund"

    partner_id: int = Field(foreign_key="partner.id", primary_key=True)
    short_name: str = Field(max_length=40, unique=True)
    mandate: FundMandate = Field(sa_type=String(24))
    description: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class FundContribution(SQLModel, table=True):
    """What one donor State pledged to a fund for one year, and what it has paid of it, in one
    currency (amounts are never converted). One row per fund, donor, year and currency: a
    later figure replaces the earlier one, with its version."""

    __tablename__ = "fund_contribution"
    __table_args__ = (UniqueConstraint("fund_id", "donor_state_code", "year", "currency"),)

    id: int | None = Field(default=None, primary_key=True)
    fund_id: int = Field(foreign_key="fund.partner_id", index=True)
    donor_state_code: str = Field(foreign_key="state.code", max_length=3, index=True)
    year: int
    currency: str = Field(max_length=3)
    pledged: int = Field(sa_type=BigInteger)
    paid: int = Field(sa_type=BigInteger)
    version: int = Field(default=1, description="one more for every change (optimistic locking)")
    recorded_by_id: int = Field(foreign_key="account.id")
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_at())
