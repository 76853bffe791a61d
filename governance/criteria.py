"""Criteria sets: what the committee adopts, and the facility's defaults (docs/governance.md).

A criteria body is validated by `CriteriaBody`; every screening and optimiser run records
the version in force that it used. Exactly one set is in force at a time.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlmodel import Session, func, select

from facility import audit, idempotency, locking
from facility.auth.actor import Actor
from facility.errors import Conflict, FieldProblem, NotFound, StaleVersion, ValidationFailed
from facility.reference.models import GROUP_CODES
from facility.requests.models import SupportKind
from facility.timeutil import utcnow
from facility.validation import EARLIEST_DATE, LATEST_DATE
from governance.committee import require_member
from governance.lifecycles import CRITERIA
from governance.models import CriteriaSet, CriteriaStatus, MotionKind, motion_open_for
from matching.instance import DEFAULT_EVALUATION_FLOOR

Share = Annotated[float, Field(ge=0, le=1)]


class Eligibility(BaseModel):
    """Clauses a request must meet to be screened eligible."""

    model_config = ConfigDict(extra="forbid")
    require_supported: bool = Field(True, description="every linked recommendation is supported")
    # Treaty bodies and special procedures ask no position of the State: what their
    # recommendations count as, here and in the optimiser's `supported` weight.
    without_position_supported: bool = Field(
        True, description="a recommendation without a UPR position (treaty bodies, special "
                          "procedures) counts as supported")
    budget_ceiling: int | None = Field(250_000, gt=0)
    min_weeks: int = Field(1, ge=1)
    max_weeks: int = Field(26, ge=1)
    max_experts: int = Field(6, ge=0)
    accepted_kinds: list[SupportKind] = Field(default_factory=lambda: list(SupportKind))

    @model_validator(mode="after")
    def _weeks_in_order(self) -> Eligibility:
        if self.max_weeks < self.min_weeks:
            raise ValueError("max_weeks must not be below min_weeks")
        return self


class Weights(BaseModel):
    model_config = ConfigDict(extra="forbid")
    priority: int = Field(10, ge=0)
    waiting_month: int = Field(2, ge=0)
    supported: int = Field(5, ge=0)
    theme_fit: int = Field(3, ge=0)
    language_fit: int = Field(1, ge=0)


class Matching(BaseModel):
    """What the optimiser reads (the instance file's `criteria`, matching/instance.py)."""

    model_config = ConfigDict(extra="forbid")
    request_base_value: int = Field(100, ge=0)
    weights: Weights = Field(default_factory=Weights)
    team_min_groups: int = Field(2, ge=1, le=5)
    group_floor_share: dict[str, Share] = Field(
        default_factory=lambda: dict.fromkeys(GROUP_CODES, 0.3))
    fairness_penalty: int = Field(400, ge=0)
    # Evaluations of past deployments (matching/instance.py): 0 leaves them out; an expert never
    # evaluated counts as `evaluation_floor` percent, so that new experts still get deployed.
    evaluation_weight: int = Field(0, ge=0, le=1000)
    evaluation_floor: int = Field(DEFAULT_EVALUATION_FLOOR, ge=0, le=100)

    @model_validator(mode="after")
    def _known_groups(self) -> Matching:
        unknown = set(self.group_floor_share) - set(GROUP_CODES)
        if unknown:
            raise ValueError(f"unknown regional groups {sorted(unknown)}")
        return self


class Voting(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quorum: int = Field(3, ge=1, le=5, description="non-recused members who must vote")
    # The urgent track (governance/urgency.py): a request marked urgent is to be screened
    # within this many hours of its marking; the quorum rules stay the same.
    urgent_decision_hours: int = Field(72, ge=12, le=720, description=(
        "hours the committee has to decide the screening of a request marked urgent"))


class DocumentKind(StrEnum):
    """Documents an application procedure may ask a request to carry."""

    OFFICIAL_REQUEST = "OFFICIAL_REQUEST"  # a note verbale or letter from the Government
    NATIONAL_PLAN = "NATIONAL_PLAN"  # the national action plan or strategy the support serves
    NHRI_OPINION = "NHRI_OPINION"  # the national human rights institution's view
    CONSULTATION_RECORD = "CONSULTATION_RECORD"  # how civil society was consulted
    BUDGET_BREAKDOWN = "BUDGET_BREAKDOWN"


class RequiredField(StrEnum):
    """Fields of a request that are optional unless the procedure in force requires them."""

    BARRIER = "BARRIER"  # what stands in the way
    FOCAL_POINT = "FOCAL_POINT"  # who in the Government follows the request


class Procedure(BaseModel):
    """The application procedure (A/HRC/43/37, para 71): the call for requests a round opens and
    closes (none: requests are taken at any time), the documents a request must carry and
    the fields it must fill, checked when the State submits it."""

    model_config = ConfigDict(extra="forbid")
    call_title: str = Field("", max_length=200, description="the round, such as \"Call 2027\"")
    call_opens: date | None = Field(None, description="first day a request may be submitted")
    call_closes: date | None = Field(None, description="last day a request may be submitted")
    # None by default: a procedure asks for what the committee decides it should, and the
    # facility's defaults ask nothing more than the request itself.
    required_documents: list[DocumentKind] = Field(default_factory=list)
    required_fields: list[RequiredField] = Field(default_factory=list)

    @model_validator(mode="after")
    def _call_in_order(self) -> Procedure:
        if self.call_opens and self.call_closes and self.call_closes < self.call_opens:
            raise ValueError("call_closes must not be before call_opens")
        for day in (self.call_opens, self.call_closes):
            if day is not None and not EARLIEST_DATE <= day <= LATEST_DATE:
                raise ValueError(f"{day.isoformat()} is outside the dates the facility accepts "
                                 f"({EARLIEST_DATE.isoformat()} to {LATEST_DATE.isoformat()})")
        return self

    def closed_on(self, day: date) -> str | None:
        """Why a request cannot be submitted on `day` under this call, or None if it can."""
        name = self.call_title or "the call for requests"
        if self.call_opens and day < self.call_opens:
            return (f"{name} opens on {self.call_opens.isoformat()}; the request stays a draft "
                    "until then")
        if self.call_closes and day > self.call_closes:
            return (f"{name} closed on {self.call_closes.isoformat()}; the request stays a "
                    "draft for the next call")
        return None


class CriteriaBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    eligibility: Eligibility = Field(default_factory=Eligibility)
    matching: Matching = Field(default_factory=Matching)
    voting: Voting = Field(default_factory=Voting)
    procedure: Procedure = Field(default_factory=Procedure)


def parse_body(raw: dict) -> CriteriaBody:
    """A criteria body, or ValidationFailed naming each bad field (e.g. `body.voting.quorum`)."""
    try:
        return CriteriaBody.model_validate(raw)
    except ValidationError as error:
        problems = [
            FieldProblem(field="body." + ".".join(str(p) for p in e["loc"]), rule=e["type"],
                         message=f"body.{'.'.join(str(p) for p in e['loc'])}: {e['msg']}")
            for e in error.errors()
        ]
        raise ValidationFailed(problems) from error


def in_force(session: Session) -> CriteriaSet:
    criteria = session.exec(
        select(CriteriaSet).where(CriteriaSet.status == CriteriaStatus.IN_FORCE)).first()
    if criteria is None:
        raise NotFound("no criteria set is in force")
    return criteria


def body_in_force(session: Session) -> tuple[int, CriteriaBody]:
    criteria = in_force(session)
    return criteria.version, CriteriaBody.model_validate(criteria.body)


def ensure_initial_criteria(session: Session) -> None:
    """On a new database, put the documented defaults in force as version 1."""
    if session.exec(select(func.count()).select_from(CriteriaSet)).one():
        return
    criteria = CriteriaSet(version=1, title="Default criteria",
                           status=CriteriaStatus.IN_FORCE, body=CriteriaBody().model_dump(mode="json"),
                           adopted_at=utcnow())
    session.add(criteria)
    session.flush()
    audit.record(session, actor_account_id=None, action="criteria.initial",
                 subject_type="criteria_set", subject_id=criteria.id, payload={"version": 1})


def _require_committee(session: Session, actor: Actor | None) -> Actor:
    require_member(session, actor, "draft criteria")
    return actor  # type: ignore[return-value]


def draft_criteria(session: Session, *, actor: Actor | None, title: str, body: dict,
                   notes: str = "", idempotency_key: str | None = None) -> CriteriaSet:
    """A new draft version, starting from the given body (defaults fill what is left out)."""
    actor = _require_committee(session, actor)
    # Two drafts started at once would both take max + 1: queue them on the chain's lock.
    audit.lock_chain(session)
    return idempotency.create_once(
        session, account_id=actor.account_id, operation="draftCriteria", key=idempotency_key,
        payload={"title": title, "body": body, "notes": notes}, what="a criteria draft",
        model=CriteriaSet, create=lambda: _new_draft(session, actor, title, body, notes))


def _new_draft(session: Session, actor: Actor, title: str, body: dict, notes: str) -> CriteriaSet:
    if not title.strip():
        raise ValidationFailed.single("title", "required", "title: must not be empty")
    parsed = parse_body(body)
    latest = session.exec(select(func.max(CriteriaSet.version))).one() or 0
    criteria = CriteriaSet(version=latest + 1, title=title.strip(),
                           body=parsed.model_dump(mode="json"), notes=notes.strip(),
                           created_by_id=actor.account_id)
    session.add(criteria)
    session.flush()
    return criteria


def get_criteria(session: Session, *, version: int) -> CriteriaSet:
    criteria = session.exec(select(CriteriaSet).where(CriteriaSet.version == version)).first()
    if criteria is None:
        raise NotFound(f"no criteria version {version}")
    return criteria


def update_draft(session: Session, *, actor: Actor | None, version: int, expected_row_version: int,
                 title: str | None = None, body: dict | None = None,
                 notes: str | None = None) -> CriteriaSet:
    """Edit a draft; a stale `expected_row_version` is a Conflict, never a lost update."""
    _require_committee(session, actor)
    criteria = locking.lock(session, get_criteria(session, version=version))
    if criteria.status != CriteriaStatus.DRAFT:
        raise Conflict(f"criteria version {version} is {criteria.status}, no longer a draft")
    if motion_open_for(session, MotionKind.CRITERIA, criteria.id):  # type: ignore[arg-type]
        raise Conflict(f"criteria version {version} is being voted on; it cannot change now")
    if criteria.row_version != expected_row_version:
        raise StaleVersion(f"criteria draft {version} was changed by someone else (your copy is "
                       f"edit {expected_row_version}, the draft is at edit {criteria.row_version}); "
                       f"reload it and apply your change again")
    if body is not None:
        criteria.body = parse_body(body).model_dump(mode="json")
    if title is not None:
        if not title.strip():
            raise ValidationFailed.single("title", "required", "title: must not be empty")
        criteria.title = title.strip()
    if notes is not None:
        criteria.notes = notes.strip()
    criteria.row_version += 1
    session.add(criteria)
    session.flush()
    return criteria


def adopt(session: Session, criteria: CriteriaSet, *, actor_account_id: int | None) -> None:
    """Put a draft in force (after a passed vote); the set in force before is superseded."""
    for current in session.exec(select(CriteriaSet).where(CriteriaSet.status == CriteriaStatus.IN_FORCE)):
        CRITERIA.move(current, CriteriaStatus.SUPERSEDED)
        session.add(current)
    CRITERIA.move(criteria, CriteriaStatus.IN_FORCE)
    criteria.adopted_at = utcnow()
    session.add(criteria)
    session.flush()
    audit.record(session, actor_account_id=actor_account_id, action="criteria.adopted",
                 subject_type="criteria_set", subject_id=criteria.id,
                 payload={"version": criteria.version})
