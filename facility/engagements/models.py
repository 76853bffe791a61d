"""Tables of an engagement (the agreed match at work), its history and its follow-up reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, relationship
from sqlmodel import Field, Relationship, SQLModel

from facility.experts.models import Expert
from facility.timeutil import utcnow

M = TypeVar("M")


def _at(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class EngagementStatus(StrEnum):
    SCHEDULED = "SCHEDULED"
    IN_PROGRESS = "IN_PROGRESS"
    COMPLETED = "COMPLETED"


class Engagement(SQLModel, table=True):
    __tablename__ = "engagement"

    id: int | None = Field(default=None, primary_key=True)
    proposal_id: int = Field(foreign_key="match_proposal.id", unique=True)
    request_id: int = Field(foreign_key="capacity_request.id", index=True)
    offer_id: int = Field(foreign_key="offer.id", index=True)
    start: date
    end: date
    budget: int
    currency: str = Field(max_length=3)
    status: EngagementStatus = Field(default=EngagementStatus.SCHEDULED, sa_type=String(12))
    version: int = Field(default=1, description="one more for every progress step and amendment")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    # The deployed experts in the team's order, changed through `set_team`. Read on first use
    # (one statement); a list of engagements loads all their teams at once with the option
    # `selectinload(Engagement.team)`, one statement for the list.
    team: Mapped[list[EngagementExpert]] = Relationship(sa_relationship=relationship(
        "EngagementExpert", order_by="EngagementExpert.position", cascade="all, delete-orphan"))

    def __init__(self, *, expert_ids: Iterable[int] = (), **values: object) -> None:
        super().__init__(**values)
        self.set_team(expert_ids)

    @property
    def expert_ids(self) -> list[int]:
        """The team's expert ids, in order."""
        return [member.expert_id for member in self.team]

    def set_team(self, expert_ids: Iterable[int]) -> None:
        """Make the team these experts, in this order (each once: the caller checks)."""
        self.team = ordered_team(self.team, expert_ids,
                                 lambda i: EngagementExpert(expert_id=i, position=0))


def ordered_team(current: list[M], expert_ids: Iterable[int], member: Callable[[int], M]) -> list[M]:
    """The rows of a team (of an engagement or a proposal) for these experts, in this order.
    Members who stay keep their row, so that a changed team updates, inserts and deletes only
    what changed; `member` makes the row of a newcomer."""
    staying = {row.expert_id: row for row in current}  # type: ignore[attr-defined]
    rows = [staying.get(i) or member(i) for i in expert_ids]
    for position, row in enumerate(rows):
        row.position = position  # type: ignore[attr-defined]
    return rows


class EngagementExpert(SQLModel, table=True):
    """One expert's place on an engagement's team (`position` orders the team)."""

    __tablename__ = "engagement_expert"

    engagement_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("engagement.id"), primary_key=True))
    # An expert on a team is never deleted (an erased expert keeps their anonymised row), and
    # the foreign key keeps it so. Indexed for the engagements of one expert.
    expert_id: int = Field(sa_column=Column(Integer, ForeignKey("expert.id"), primary_key=True,
                                            index=True))
    position: int
    expert: Mapped[Expert] = Relationship(sa_relationship=relationship("Expert"))


class EngagementChangeKind(StrEnum):
    PROGRESS = "PROGRESS"
    AMENDMENT = "AMENDMENT"


class EngagementChange(SQLModel, table=True):
    """One recorded progress step or amendment; `changes` maps a field to [before, after]."""

    __tablename__ = "engagement_change"

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(foreign_key="engagement.id", index=True)
    kind: EngagementChangeKind = Field(sa_type=String(10))
    changes: dict = Field(default_factory=dict, sa_type=JSON)
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    account_id: int = Field(foreign_key="account.id")
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class ReportKind(StrEnum):
    TWELVE_MONTHS = "TWELVE_MONTHS"
    TWENTY_FOUR_MONTHS = "TWENTY_FOUR_MONTHS"


class ReportStatus(StrEnum):
    DUE = "DUE"
    SUBMITTED = "SUBMITTED"
    OVERDUE = "OVERDUE"


class ImplementationStatus(StrEnum):
    NOT_STARTED = "NOT_STARTED"
    PARTIALLY_IMPLEMENTED = "PARTIALLY_IMPLEMENTED"
    FULLY_IMPLEMENTED = "FULLY_IMPLEMENTED"


class IndicatorType(StrEnum):
    """OHCHR's indicator framework (HR/PUB/12/5)."""

    STRUCTURAL = "STRUCTURAL"
    PROCESS = "PROCESS"
    OUTCOME = "OUTCOME"


class FollowUpReport(SQLModel, table=True):
    """One version of a follow-up report; a correction after submission is the next version.

    `recommendations` holds {recommendation_id, status, evidence, links} and `indicators`
    {type, name, unit, baseline, target, current}; both are validated by the service.
    """

    __tablename__ = "follow_up_report"
    __table_args__ = (UniqueConstraint("engagement_id", "kind", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(
        sa_column=Column(Integer, ForeignKey("engagement.id"), nullable=False, index=True))
    kind: ReportKind = Field(sa_type=String(20))
    due_date: date = Field(index=True)
    version: int = Field(default=1, description="1, then one more for every correction")
    superseded: bool = Field(default=False, description="a later version exists")
    recommendations: list[dict] = Field(default_factory=list, sa_type=JSON)
    indicators: list[dict] = Field(default_factory=list, sa_type=JSON)
    narrative: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    further_needs: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    language: str = Field(default="en", max_length=8,
                          description="ISO 639-1 code of the language its author wrote it in")
    row_version: int = Field(default=1, description="optimistic locking of the draft")
    on_time: bool | None = Field(default=None, description="of the first submission")
    first_submitted_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    submitted_at: datetime | None = Field(default=None, sa_column=_at(nullable=True),
                                          description="when this version was locked")
    submitted_by_id: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class DeploymentAnswerChoice(StrEnum):
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"


class DeploymentAnswer(SQLModel, table=True):
    """An expert's answer to their deployment on an engagement (an expert accepts or
    declines a deployment). No row yet means the expert has not answered. One row per
    engagement and expert: a changed answer updates it (the audit chain keeps each answer)."""

    __tablename__ = "deployment_answer"
    __table_args__ = (UniqueConstraint("engagement_id", "expert_id"),)

    id: int | None = Field(default=None, primary_key=True)
    engagement_id: int = Field(
        sa_column=Column(Integer, ForeignKey("engagement.id"), nullable=False, index=True))
    expert_id: int = Field(sa_column=Column(Integer, ForeignKey("expert.id"), nullable=False))
    answer: DeploymentAnswerChoice = Field(sa_type=String(10))
    # Why the expert declined: free text that may be personal (health, family); shown to the
    # expert, the funding partner and the secretariat only, blanked when the expert is erased.
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    account_id: int = Field(foreign_key="account.id", description="who answered")
    answered_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    version: int = Field(default=1, description="one more for every changed answer")


class CareItem(StrEnum):
    """The duty-of-care checklist of a deployment (facility/engagements/duty_of_care.py)."""

    BRIEFING = "BRIEFING"
    SECURITY_CLEARANCE = "SECURITY_CLEARANCE"
    INSURANCE = "INSURANCE"
    VISAS = "VISAS"
    MEDICAL = "MEDICAL"


class EngagementCareItem(SQLModel, table=True):
    """An item of an engagement's duty-of-care checklist that its partner has completed."""

    __tablename__ = "engagement_care_item"

    engagement_id: int = Field(sa_column=Column(
        Integer, ForeignKey("engagement.id", ondelete="CASCADE"), primary_key=True))
    item: CareItem = Field(sa_type=String(24), primary_key=True)
    done_by_id: int = Field(foreign_key="account.id")
    done_at: datetime = Field(default_factory=utcnow, sa_column=_at())
