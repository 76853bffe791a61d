"""A success story: a submitted follow-up report proposed by the secretariat, published with consent."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from facility.timeutil import utcnow


def _at(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class StoryStatus(StrEnum):
    """PROPOSED → CONSENTED → PUBLISHED; PROPOSED → DECLINED; CONSENTED/PUBLISHED → WITHDRAWN."""

    PROPOSED = "PROPOSED"
    CONSENTED = "CONSENTED"
    DECLINED = "DECLINED"
    PUBLISHED = "PUBLISHED"
    WITHDRAWN = "WITHDRAWN"


class StoryPart(StrEnum):
    """The parts of the report a story may show besides the secretariat's summary."""

    RECOMMENDATIONS = "RECOMMENDATIONS"
    INDICATORS = "INDICATORS"
    NARRATIVE = "NARRATIVE"


class SuccessStory(SQLModel, table=True):
    """One proposal of one submitted report version; after a decline or a withdrawal the
    secretariat may propose the report again, as a new row."""

    __tablename__ = "success_story"

    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(
        sa_column=Column(Integer, ForeignKey("follow_up_report.id"), nullable=False, index=True))
    # The State never changes for a request; kept here so visibility is one column test.
    state_code: str = Field(foreign_key="state.code", max_length=3, index=True)
    status: StoryStatus = Field(default=StoryStatus.PROPOSED, sa_type=String(10), index=True)
    title: str = Field(max_length=200)
    summary: str = Field(sa_column=Column(Text, nullable=False))
    parts: list[str] = Field(default_factory=list, sa_type=JSON)
    row_version: int = Field(default=1, description="optimistic locking")
    proposed_by_id: int = Field(foreign_key="account.id")
    proposed_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    answered_by_id: int | None = Field(default=None, foreign_key="account.id",
                                       description="the State account that consented or declined")
    answered_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    decline_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    published_by_id: int | None = Field(default=None, foreign_key="account.id")
    published_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    withdrawn_by_id: int | None = Field(default=None, foreign_key="account.id")
    withdrawn_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    withdraw_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
