"""Tables of the committee's work. Votes, recusals and audit entries are append-only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Column, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, relationship
from sqlmodel import Field, Relationship, Session, SQLModel, select

from facility.engagements.models import ordered_team
from facility.experts.models import Expert
from facility.timeutil import utcnow


def _at(nullable: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class CommitteeSeat(SQLModel, table=True):
    """One of the five seats, held by a member for a period; history is kept."""

    __tablename__ = "committee_seat"

    id: int | None = Field(default=None, primary_key=True)
    group_code: str = Field(foreign_key="regional_group.code", max_length=8, index=True)
    account_id: int = Field(foreign_key="account.id", index=True)
    state_code: str = Field(foreign_key="state.code", max_length=3)
    started_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    ended_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))


class CriteriaStatus(StrEnum):
    DRAFT = "DRAFT"
    IN_FORCE = "IN_FORCE"
    SUPERSEDED = "SUPERSEDED"
    REJECTED = "REJECTED"


class CriteriaSet(SQLModel, table=True):
    """A version of the criteria; `body` follows governance.criteria.CriteriaBody."""

    __tablename__ = "criteria_set"

    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(unique=True)
    title: str = Field(max_length=200)
    status: CriteriaStatus = Field(default=CriteriaStatus.DRAFT, sa_type=String(12), index=True)
    body: dict = Field(sa_type=JSON)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    row_version: int = Field(default=1, description="optimistic locking of drafts")
    created_by_id: int | None = Field(default=None, foreign_key="account.id",
                                      description="null for the initial defaults")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    adopted_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))


class MotionKind(StrEnum):
    SCREENING = "SCREENING"
    PROPOSAL = "PROPOSAL"
    CRITERIA = "CRITERIA"


class MotionStatus(StrEnum):
    OPEN = "OPEN"
    PASSED = "PASSED"
    FAILED = "FAILED"


class Motion(SQLModel, table=True):
    """A question put to the committee's vote: screen a request, approve a proposal, adopt criteria."""

    __tablename__ = "motion"

    id: int | None = Field(default=None, primary_key=True)
    kind: MotionKind = Field(sa_type=String(12), index=True)
    subject_id: int = Field(index=True)
    status: MotionStatus = Field(default=MotionStatus.OPEN, sa_type=String(8))
    criteria_version: int
    opened_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    decided_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    outcome_note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))


class VoteChoice(StrEnum):
    APPROVE = "APPROVE"
    REJECT = "REJECT"
    ABSTAIN = "ABSTAIN"


class Vote(SQLModel, table=True):
    """A vote as cast; a changed vote is a new row, and the latest per seat counts."""

    __tablename__ = "vote"

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True)
    seat_id: int = Field(foreign_key="committee_seat.id")
    account_id: int = Field(foreign_key="account.id")
    choice: VoteChoice = Field(sa_type=String(8))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    cast_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class Recusal(SQLModel, table=True):
    __tablename__ = "recusal"
    __table_args__ = (UniqueConstraint("motion_id", "seat_id"),)

    id: int | None = Field(default=None, primary_key=True)
    motion_id: int = Field(foreign_key="motion.id", index=True)
    seat_id: int = Field(foreign_key="committee_seat.id")
    automatic: bool
    reason: str = Field(sa_column=Column(Text, nullable=False))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class Screening(SQLModel, table=True):
    """The automatic check of a submitted request against the criteria in force."""

    __tablename__ = "screening"

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="capacity_request.id", index=True)
    criteria_version: int
    failed_clauses: list[dict] = Field(default_factory=list, sa_type=JSON)
    motion_id: int = Field(foreign_key="motion.id")
    reasons: str = Field(default="", sa_column=Column(Text, nullable=False, default=""),
                         description="the committee's reasons, readable by the State")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())


class RunStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    CANCELLED = "CANCELLED"
    FAILED = "FAILED"


class OptimiserRun(SQLModel, table=True):
    __tablename__ = "optimiser_run"

    id: int | None = Field(default=None, primary_key=True)
    status: RunStatus = Field(default=RunStatus.QUEUED, sa_type=String(10), index=True)
    criteria_version: int
    time_limit: float
    started_by_id: int = Field(foreign_key="account.id")
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at())
    finished_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    cancel_requested: bool = False
    progress: list[dict] = Field(default_factory=list, sa_type=JSON)
    solver_status: str | None = Field(default=None, max_length=12)
    score: int | None = None
    bound: int | None = None
    seconds: float | None = None
    fairness: dict = Field(default_factory=dict, sa_type=JSON)
    unmatched: list[dict] = Field(default_factory=list, sa_type=JSON)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    # The matches agreed before the run whose capacity it held (governance/carried.py): one
    # record each, with the criteria version it was decided under and what no longer holds.
    carried: list[dict] = Field(default_factory=list, sa_type=JSON)
    # The unmet-demand analysis that follows a finished run (governance/demand.py); null
    # until it has run.
    demand: dict | None = Field(default=None, sa_type=JSON)
    # Which server process runs it ("host:pid:boot id", governance/run_claims.py), and when it
    # last showed it is alive: a starting worker fails only runs whose owner is gone or whose
    # heartbeat is stale, never one another worker is executing.
    claimed_by: str | None = Field(default=None, max_length=255)
    heartbeat_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))


class ProposalStatus(StrEnum):
    PROPOSED = "PROPOSED"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    CONFIRMED = "CONFIRMED"
    DECLINED = "DECLINED"


class MatchProposal(SQLModel, table=True):
    __tablename__ = "match_proposal"

    id: int | None = Field(default=None, primary_key=True)
    run_id: int = Field(foreign_key="optimiser_run.id", index=True)
    request_id: int = Field(foreign_key="capacity_request.id", index=True)
    offer_id: int = Field(foreign_key="offer.id", index=True)
    value: int
    fit: int
    explanation: str = Field(sa_column=Column(Text, nullable=False))
    status: ProposalStatus = Field(default=ProposalStatus.PROPOSED, sa_type=String(10), index=True)
    state_confirmed_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    partner_confirmed_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    declined_by: str | None = Field(default=None, max_length=10)
    decline_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    decided_at: datetime | None = Field(default=None, sa_column=_at(nullable=True))
    # The proposed experts in the team's order (the optimiser's), changed through `set_team`.
    # Read on first use (one statement); a list of proposals loads all their teams at once
    # with the option `selectinload(MatchProposal.team)`, one statement for the list.
    team: Mapped[list[ProposalExpert]] = Relationship(sa_relationship=relationship(
        "ProposalExpert", order_by="ProposalExpert.position", cascade="all, delete-orphan"))

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
                                 lambda i: ProposalExpert(expert_id=i, position=0))


class ProposalExpert(SQLModel, table=True):
    """One expert's place on a proposal's team (`position` orders the team)."""

    __tablename__ = "proposal_expert"

    proposal_id: int | None = Field(default=None, sa_column=Column(
        Integer, ForeignKey("match_proposal.id"), primary_key=True))
    # Never deleted while on a team (erasure anonymises the row); indexed for one expert's
    # proposals.
    expert_id: int = Field(sa_column=Column(Integer, ForeignKey("expert.id"), primary_key=True,
                                            index=True))
    position: int
    expert: Mapped[Expert] = Relationship(sa_relationship=relationship("Expert"))


def motion_open_for(session: Session, kind: MotionKind, subject_id: int) -> bool:
    """Whether the subject is being voted on right now."""
    return session.exec(select(Motion).where(
        Motion.kind == kind, Motion.subject_id == subject_id,
        Motion.status == MotionStatus.OPEN)).first() is not None
