"""What the committee and secretariat pages show, read in a fixed number of statements.

The governance services write; the pages also need lists (the screening queue, a run's
proposals with their requests and offers, a motion's recusals and votes). Each function here
checks the caller with `permissions.can_view_governance_internals` first (a caller who may not
see governance internals learns nothing, not even whether the object exists) and loads what a
page needs in batches, so a page costs the same statements with 2 rows or 200.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import true
from sqlalchemy.orm import selectinload
from sqlmodel import Session, func, select

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Partner
from facility.errors import NotFound
from facility.experts.models import Expert, ExpertTheme
from facility.offers.models import Offer
from facility.reference.models import Recommendation, State, Theme
from facility.requests import service as requests_service
from facility.requests.models import CapacityRequest, RequestRecommendation
from governance import carried, runs
from governance import motions as motion_rules
from governance.committee import seat_of
from governance.criteria import get_criteria
from governance.models import (
    CommitteeSeat,
    CriteriaSet,
    CriteriaStatus,
    MatchProposal,
    Motion,
    MotionKind,
    MotionStatus,
    OptimiserRun,
    ProposalExpert,
    Recusal,
    Screening,
    Vote,
)
from governance.names import Names, load_names


def _require_internal(actor: Actor | None, what: str) -> None:
    if not permissions.can_view_governance_internals(actor):
        raise NotFound(f"no {what}")


@dataclass(frozen=True)
class QueueItem:
    motion: Motion
    screening: Screening
    request: CapacityRequest


def screening_queue(session: Session, *, actor: Actor | None, limit: int,
                    offset: int) -> tuple[list[QueueItem], int]:
    """Requests being screened (open screening motions), with their check: urgent ones first,
    the nearest deadline first (governance/urgency.py), then the others, oldest first."""
    _require_internal(actor, "screening queue")
    condition = (Motion.kind == MotionKind.SCREENING) & (Motion.status == MotionStatus.OPEN)
    total = session.exec(select(func.count()).select_from(Motion).where(condition)).one()
    rows = session.exec(
        select(Motion, Screening, CapacityRequest)
        .join(Screening, Screening.motion_id == Motion.id)
        .join(CapacityRequest, CapacityRequest.id == Screening.request_id)
        .where(condition)
        .order_by(CapacityRequest.decide_by.is_(None), CapacityRequest.decide_by, Motion.id)  # type: ignore[union-attr, arg-type]
        .offset(offset).limit(limit)
    ).all()
    return [QueueItem(m, s, r) for m, s, r in rows], total


@dataclass(frozen=True)
class SeatRecusal:
    group_code: str
    automatic: bool
    reason: str
    seat_id: int


@dataclass(frozen=True)
class CastVote:
    group_code: str
    choice: str
    comment: str
    cast_at: object
    seat_id: int


def recusals_of(session: Session, motion_id: int) -> list[SeatRecusal]:
    """Who stood aside on a motion, in order (1 statement). Whether the caller may read the
    reasons is theirs to check (the committee and secretariat may; docs/governance.md)."""
    return [SeatRecusal(g, r.automatic, r.reason, r.seat_id) for r, g in session.exec(
        select(Recusal, CommitteeSeat.group_code).join(CommitteeSeat, CommitteeSeat.id == Recusal.seat_id)
        .where(Recusal.motion_id == motion_id).order_by(Recusal.id))]  # type: ignore[arg-type]


def votes_of(session: Session, motion_id: int) -> list[CastVote]:
    """Every vote cast on a motion, in order: a changed vote appears twice (1 statement)."""
    return [CastVote(g, v.choice, v.comment, v.cast_at, v.seat_id) for v, g in session.exec(
        select(Vote, CommitteeSeat.group_code).join(CommitteeSeat, CommitteeSeat.id == Vote.seat_id)
        .where(Vote.motion_id == motion_id).order_by(Vote.id))]  # type: ignore[arg-type]


def list_motions(session: Session, *, actor: Actor | None, kind: MotionKind | None = None,
                 status: MotionStatus | None = None, limit: int,
                 offset: int) -> tuple[list[Motion], int]:
    """A page of the motions, oldest first, and their total (committee and secretariat)."""
    _require_internal(actor, "motions")
    condition = true()
    if kind is not None:
        condition = condition & (Motion.kind == kind)
    if status is not None:
        condition = condition & (Motion.status == status)
    total = session.exec(select(func.count()).select_from(Motion).where(condition)).one()
    rows = session.exec(select(Motion).where(condition).order_by(Motion.id)  # type: ignore[arg-type]
                        .offset(offset).limit(limit)).all()
    return list(rows), total


def motion_for(session: Session, kind: MotionKind, subject_id: int) -> Motion | None:
    """The motion that decided (or decides) a subject: its latest."""
    return session.exec(select(Motion).where(Motion.kind == kind, Motion.subject_id == subject_id)
                        .order_by(Motion.id.desc())).first()  # type: ignore[union-attr]


def run_proposals(session: Session, run_id: int) -> list[MatchProposal]:
    """The proposals a run made, in the order it made them."""
    return list(session.exec(select(MatchProposal).where(MatchProposal.run_id == run_id)
                             .options(selectinload(MatchProposal.team)  # type: ignore[arg-type]
                                      .joinedload(ProposalExpert.expert))  # type: ignore[arg-type]
                             .order_by(MatchProposal.id)))  # type: ignore[arg-type]


def latest_screening(session: Session, *, actor: Actor | None, request_id: int) -> Screening | None:
    """The latest screening of a request the caller may see (the requesting State, the
    committee, the secretariat); None if it was never screened."""
    request = requests_service.get_request(session, actor=actor, request_id=request_id)
    if not permissions.can_view_screening(actor, request):
        raise NotFound(f"no screening of request {request_id}")
    return session.exec(select(Screening).where(Screening.request_id == request.id)
                        .order_by(Screening.id.desc())).first()  # type: ignore[union-attr]


@dataclass(frozen=True)
class ExpertProfile:
    """An expert a proposal names, as the viewer may see them: the name and CV only for
    those who may see personal data (permissions.can_view_expert_personal)."""

    expert: Expert
    name: str | None
    cv: str | None
    nationality: str  # the State's name
    group_code: str | None
    themes: list[str]


@dataclass
class MotionView:
    """A motion with everything its page shows."""

    motion: Motion
    tally: motion_rules.Tally
    recusals: list[SeatRecusal]
    votes: list[CastVote]
    my_seat: CommitteeSeat | None
    my_recusal: SeatRecusal | None
    my_vote: CastVote | None
    # Automatic recusal the data would impose on the viewer's seat (a seat that changed hands).
    my_conflict: str | None
    screening: Screening | None = None
    request: CapacityRequest | None = None
    proposal: MatchProposal | None = None
    offer: Offer | None = None
    partner: Partner | None = None
    criteria: CriteriaSet | None = None
    # What the committee decides on: the request in full, the experts, the explanation's names.
    state: State | None = None
    recommendations: list[Recommendation] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)
    experts: list[ExpertProfile] = field(default_factory=list)
    names: Names = field(default_factory=Names)
    extra: dict = field(default_factory=dict)


def motion_view(session: Session, *, actor: Actor | None, motion_id: int) -> MotionView:
    _require_internal(actor, f"motion with id {motion_id}")
    motion = motion_rules.get_motion(session, motion_id)
    recusals = recusals_of(session, motion.id)  # type: ignore[arg-type]
    votes = votes_of(session, motion.id)  # type: ignore[arg-type]
    seat = seat_of(session, actor)
    mine = [v for v in votes if seat is not None and v.seat_id == seat.id]
    my_recusal = next((r for r in recusals if seat is not None and r.seat_id == seat.id), None)
    view = MotionView(motion=motion, tally=motion_rules.tally(session, motion), recusals=recusals,
                      votes=votes, my_seat=seat, my_recusal=my_recusal,
                      my_vote=mine[-1] if mine else None, my_conflict=None)
    if motion.kind == MotionKind.SCREENING:
        view.screening = session.exec(select(Screening).where(Screening.motion_id == motion.id)).first()
        view.request = session.get(CapacityRequest, motion.subject_id)
    elif motion.kind == MotionKind.PROPOSAL:
        view.proposal = session.get(MatchProposal, motion.subject_id)
        if view.proposal is not None:
            view.request = session.get(CapacityRequest, view.proposal.request_id)
            view.offer = session.get(Offer, view.proposal.offer_id)
            view.partner = session.get(Partner, view.offer.partner_id) if view.offer else None
    else:
        view.criteria = session.get(CriteriaSet, motion.subject_id)
    if seat is not None and my_recusal is None and motion.status == MotionStatus.OPEN:
        # After the subject: the view holds its rows, so the check reads them from the session.
        view.my_conflict = motion_rules.conflict_of(session, motion, seat)
    if view.request is not None:
        _request_in_full(session, view, view.request)
    if view.proposal is not None:
        view.experts = expert_profiles(session, actor, view.proposal.expert_ids)
        # A match's explanation names its offer and its experts, both at hand.
        view.names = Names(offers={view.offer.id: view.offer.title} if view.offer else {},  # type: ignore[dict-item]
                           experts={p.expert.id: p.name for p in view.experts if p.name})  # type: ignore[misc]
    return view


def _request_in_full(session: Session, view: MotionView, request: CapacityRequest) -> None:
    """The State's name, the linked recommendations and the themes (3 statements)."""
    # A query, not session.get: the same statements whether or not the State is in the identity map.
    view.state = session.exec(select(State).where(State.code == request.state_code)).first()
    view.recommendations = list(session.exec(
        select(Recommendation).join(RequestRecommendation,
                                    RequestRecommendation.recommendation_id == Recommendation.id)  # type: ignore[arg-type]
        .where(RequestRecommendation.request_id == request.id).order_by(Recommendation.source_id)))
    view.themes = requests_service.themes_by_request(session, [request.id])[request.id]  # type: ignore[index]


def expert_profiles(session: Session, actor: Actor | None, expert_ids: list[int]) -> list[ExpertProfile]:
    """The experts, in the proposal's order, with nationality, group and themes (2 statements)."""
    found = session.exec(select(Expert, State).outerjoin(State, State.code == Expert.nationality)  # type: ignore[arg-type]
                         .where(Expert.id.in_(expert_ids))).all()  # type: ignore[union-attr]
    experts = {e.id: e for e, _s in found}
    states = {e.id: s for e, s in found}
    themes: dict[int, list[str]] = {i: [] for i in experts}  # type: ignore[misc]
    for expert_id, name in session.exec(
            select(ExpertTheme.expert_id, Theme.name).join(Theme, Theme.id == ExpertTheme.theme_id)  # type: ignore[arg-type]
            .where(ExpertTheme.expert_id.in_(list(experts))).order_by(Theme.name)):  # type: ignore[attr-defined]
        themes[expert_id].append(name)
    profiles = []
    for expert_id in expert_ids:
        expert = experts.get(expert_id)
        if expert is None:
            continue
        personal = permissions.can_view_expert_personal(actor, expert)
        state = states[expert_id]
        profiles.append(ExpertProfile(
            expert=expert, name=expert.name if personal else None, cv=expert.cv if personal else None,
            nationality=state.name if state else expert.nationality,
            group_code=state.regional_group_code if state else None, themes=themes[expert_id]))
    return profiles


@dataclass(frozen=True)
class ProposalRow:
    proposal: MatchProposal
    request: CapacityRequest
    offer: Offer
    partner_name: str
    motion: Motion | None


@dataclass(frozen=True)
class CarriedRow:
    """A match agreed before the run whose capacity it held (governance/carried.py)."""

    record: dict
    request: CapacityRequest | None
    offer: Offer | None
    problems: list[str]
    dates: tuple[date, date] | None  # when its experts are held


@dataclass(frozen=True)
class RunView:
    run: OptimiserRun
    proposals: list[ProposalRow]
    # (request id, request or None if it no longer exists, reasons)
    unmatched: list[tuple[int, CapacityRequest | None, list[str]]]
    carried: list[CarriedRow] = field(default_factory=list)
    names: Names = field(default_factory=Names)  # for the ids the explanations mention


def list_runs(session: Session, *, actor: Actor | None, limit: int,
              offset: int) -> tuple[list[OptimiserRun], int]:
    _require_internal(actor, "optimiser runs")
    total = session.exec(select(func.count()).select_from(OptimiserRun)).one()
    rows = session.exec(select(OptimiserRun).order_by(OptimiserRun.id.desc())  # type: ignore[union-attr]
                        .offset(offset).limit(limit)).all()
    return list(rows), total


def run_view(session: Session, *, actor: Actor | None, run_id: int) -> RunView:
    """A run with its proposals (request, offer, partner, motion) and its unmatched requests."""
    run = runs.get_run(session, actor=actor, run_id=run_id)
    proposals = list(session.exec(select(MatchProposal).where(MatchProposal.run_id == run.id)
                                  .options(selectinload(MatchProposal.team))  # type: ignore[arg-type]
                                  .order_by(MatchProposal.id)))  # type: ignore[arg-type]
    unmatched_ids = [u["request"] for u in run.unmatched]
    request_ids = ({p.request_id for p in proposals} | set(unmatched_ids)
                   | {c["request"] for c in run.carried})
    requests = {r.id: r for r in session.exec(
        select(CapacityRequest).where(CapacityRequest.id.in_(request_ids)))}  # type: ignore[union-attr]
    offers = {o.id: o for o in session.exec(
        select(Offer).where(Offer.id.in_({p.offer_id for p in proposals})))}  # type: ignore[union-attr]
    partners = {p.id: p.name for p in session.exec(
        select(Partner).where(Partner.id.in_({o.partner_id for o in offers.values()})))}  # type: ignore[union-attr]
    motions = {m.subject_id: m for m in session.exec(
        select(Motion).where(Motion.kind == MotionKind.PROPOSAL,
                             Motion.subject_id.in_([p.id for p in proposals]))  # type: ignore[attr-defined]
        .order_by(Motion.id))}  # type: ignore[arg-type]
    rows = [ProposalRow(p, requests[p.request_id], offers[p.offer_id],
                        partners.get(offers[p.offer_id].partner_id, ""), motions.get(p.id))
            for p in proposals]
    unmatched = [(u["request"], requests.get(u["request"]), list(u["reasons"])) for u in run.unmatched]
    subjects = carried.subjects_of(session, run.carried)
    held = [CarriedRow(c, requests.get(c["request"]), subjects.offers.get(c["offer"]),
                       [carried.problem_text(p, subjects, actor) for p in c["problems"]],
                       carried.dates_of(c))
            for c in run.carried]
    names = load_names(session, actor, [p.explanation for p in proposals]
                       + [reason for _pk, _r, reasons in unmatched for reason in reasons])
    return RunView(run=run, proposals=rows, unmatched=unmatched, carried=held, names=names)


def criteria_versions(session: Session, *, actor: Actor | None) -> list[CriteriaSet]:
    """Every criteria version, newest first, drafts included (committee and secretariat only)."""
    _require_internal(actor, "criteria drafts")
    return list(session.exec(select(CriteriaSet).order_by(CriteriaSet.version.desc())))  # type: ignore[attr-defined]


def criteria_sets(session: Session, *, actor: Actor | None) -> list[CriteriaSet]:
    """Every version in order; drafts only for the committee and the secretariat."""
    query = select(CriteriaSet).order_by(CriteriaSet.version)
    if not permissions.can_view_governance_internals(actor):
        query = query.where(CriteriaSet.status != CriteriaStatus.DRAFT)
    return list(session.exec(query))


def criteria_version(session: Session, *, actor: Actor | None, version: int) -> CriteriaSet:
    criteria = get_criteria(session, version=version)
    if criteria.status == CriteriaStatus.DRAFT:
        _require_internal(actor, f"criteria version {version}")
    return criteria


def open_motion_of(session: Session, kind: MotionKind, subject_id: int) -> Motion | None:
    """The subject's open motion, if it is being voted on."""
    return session.exec(select(Motion).where(Motion.kind == kind, Motion.subject_id == subject_id,
                                             Motion.status == MotionStatus.OPEN)).first()


def seat_history(session: Session, *, actor: Actor | None) -> list[tuple[CommitteeSeat, str]]:
    """Every seat ever held, newest first, with the member's name (secretariat and committee)."""
    from facility.auth.models import Account

    _require_internal(actor, "seat history")
    return [(seat, name) for seat, name in session.exec(
        select(CommitteeSeat, Account.name).join(Account, Account.id == CommitteeSeat.account_id)
        .order_by(CommitteeSeat.started_at.desc(), CommitteeSeat.id.desc()))]  # type: ignore[attr-defined,union-attr]
