"""After the committee approves a proposal: the State and the partner confirm or decline it,
and when both confirm, the engagement is created and the request becomes active."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case, func
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from facility import audit, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.engagements.models import Engagement, EngagementStatus
from facility.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from facility.notifications import steps
from facility.offers.models import Offer
from facility.requests import lifecycle as requests_lifecycle
from facility.requests.models import CapacityRequest, RequestStatus
from facility.timeutil import today, utcnow
from governance.lifecycles import PROPOSAL
from governance.models import MatchProposal, ProposalExpert, ProposalStatus


def get_proposal(session: Session, *, actor: Actor | None, proposal_id: int) -> MatchProposal:
    proposal = permissions.find_visible(session, MatchProposal, proposal_id,
                                        permissions.proposal_visibility(actor))
    if proposal is None:
        raise NotFound(f"no proposal with id {proposal_id}")
    return proposal


def _side(session: Session, actor: Actor | None, proposal: MatchProposal) -> str:
    """Which party the caller speaks for: "STATE" or "PARTNER"."""
    request = session.get(CapacityRequest, proposal.request_id)
    offer = session.get(Offer, proposal.offer_id)
    if actor is not None and actor.role == Role.STATE and request and request.state_code == actor.state_code:
        return "STATE"
    if actor is not None and actor.role == Role.PARTNER and offer and offer.partner_id == actor.partner_id:
        return "PARTNER"
    raise PermissionDenied("only the requesting State and the offer's partner confirm a proposal")


def confirm_proposal(session: Session, *, actor: Actor | None, proposal_id: int) -> MatchProposal:
    """One party accepts; once both have, the engagement is scheduled."""
    # Both sides confirming at the same moment must see each other, or no engagement is made.
    proposal = locking.lock(session, get_proposal(session, actor=actor, proposal_id=proposal_id))
    side = _side(session, actor, proposal)
    if proposal.status != ProposalStatus.APPROVED:
        raise Conflict(f"only an approved proposal can be confirmed; this one is {proposal.status}")
    if side == "STATE":
        if proposal.state_confirmed_at:
            raise Conflict("the State has already confirmed this proposal")
        proposal.state_confirmed_at = utcnow()
    else:
        if proposal.partner_confirmed_at:
            raise Conflict("the partner has already confirmed this proposal")
        proposal.partner_confirmed_at = utcnow()
    session.add(proposal)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="proposal.confirmed",  # type: ignore[union-attr]
                 subject_type="match_proposal", subject_id=proposal.id, payload={"side": side})
    if proposal.state_confirmed_at and proposal.partner_confirmed_at:
        _create_engagement(session, proposal, actor_account_id=actor.account_id)  # type: ignore[union-attr]
    return proposal


def decline_proposal(session: Session, *, actor: Actor | None, proposal_id: int,
                     reason: str) -> MatchProposal:
    """One party declines (with a reason); the capacity is released for the next run."""
    proposal = locking.lock(session, get_proposal(session, actor=actor, proposal_id=proposal_id))
    side = _side(session, actor, proposal)
    if proposal.status != ProposalStatus.APPROVED:
        raise InvalidTransition(f"only an approved proposal can be declined; this one is {proposal.status}")
    if not reason.strip():
        raise ValidationFailed.single("reason", "required", "reason: say why the proposal is declined")
    PROPOSAL.move(proposal, ProposalStatus.DECLINED)
    proposal.declined_by = side
    proposal.decline_reason = reason.strip()
    request = session.get(CapacityRequest, proposal.request_id)
    assert request is not None
    requests_lifecycle.transition(request, RequestStatus.ELIGIBLE)
    session.add_all([proposal, request])
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="proposal.declined",  # type: ignore[union-attr]
                 subject_type="match_proposal", subject_id=proposal.id,
                 payload={"side": side,
                          "reason_sha256": audit.text_digest(proposal.decline_reason)})
    return proposal


def _create_engagement(session: Session, proposal: MatchProposal, *, actor_account_id: int) -> Engagement:
    request = session.get(CapacityRequest, proposal.request_id)
    offer = session.get(Offer, proposal.offer_id)
    assert request is not None and offer is not None
    start = max(request.window_start, offer.window_start, today())
    engagement = Engagement(proposal_id=proposal.id, request_id=request.id, offer_id=offer.id,  # type: ignore[arg-type]
                            expert_ids=list(proposal.expert_ids), start=start,
                            end=start + timedelta(days=7 * request.weeks - 1),
                            budget=request.budget, currency=request.currency)
    PROPOSAL.move(proposal, ProposalStatus.CONFIRMED)
    requests_lifecycle.transition(request, RequestStatus.ACTIVE)
    session.add_all([engagement, proposal, request])
    session.flush()
    audit.record(session, actor_account_id=actor_account_id, action="engagement.created",
                 subject_type="engagement", subject_id=engagement.id,
                 payload={"proposal": proposal.id, "request": request.id, "offer": offer.id,
                          "experts": engagement.expert_ids, "start": start.isoformat(),
                          "end": engagement.end.isoformat(), "budget": engagement.budget})
    steps.deployment_to_answer(session, engagement, engagement.expert_ids)
    return engagement


def engagement_for(session: Session, proposal_id: int) -> Engagement | None:
    return session.exec(select(Engagement).where(Engagement.proposal_id == proposal_id)).first()


# Capacity an offer has given away: what the optimiser keeps fixed in later runs.
HOLDS_CAPACITY = (ProposalStatus.APPROVED, ProposalStatus.CONFIRMED)


def list_proposals(session: Session, *, actor: Actor | None, status: ProposalStatus | None = None,
                   request_id: int | None = None, limit: int,
                   offset: int) -> tuple[list[MatchProposal], int]:
    """A page of the proposals this caller may see, newest first, and their total (3 statements,
    the teams one of them)."""
    condition = permissions.proposal_visibility(actor)
    if status is not None:
        condition = condition & (MatchProposal.status == status)
    if request_id is not None:
        condition = condition & (MatchProposal.request_id == request_id)
    total = session.exec(select(func.count()).select_from(MatchProposal).where(condition)).one()
    rows = session.exec(select(MatchProposal).where(condition)
                        # The teams and their experts, for the whole page in one statement.
                        .options(selectinload(MatchProposal.team).joinedload(ProposalExpert.expert))  # type: ignore[arg-type]
                        .order_by(MatchProposal.id.desc()).offset(offset).limit(limit)).all()  # type: ignore[union-attr]
    return list(rows), total


def capacity_used(session: Session, offer_ids: list[int]) -> dict[int, tuple[int, int]]:
    """Per offer: the requests it is committed to and the budget they take (1 statement), as an
    optimiser run holds them (governance/carried.py): a completed engagement gives its request
    back and keeps only the budget it spent; an open one holds both, at the engagement's budget."""
    if not offer_ids:
        return {}
    open_match = case((Engagement.status.is_(None)  # type: ignore[union-attr]
                       | (Engagement.status != EngagementStatus.COMPLETED), 1), else_=0)
    rows = session.exec(
        select(MatchProposal.offer_id, func.coalesce(func.sum(open_match), 0),
               func.coalesce(func.sum(func.coalesce(Engagement.budget, CapacityRequest.budget)), 0))
        .join(CapacityRequest, CapacityRequest.id == MatchProposal.request_id)
        .outerjoin(Engagement, Engagement.proposal_id == MatchProposal.id)  # type: ignore[arg-type]
        .where(MatchProposal.offer_id.in_(offer_ids),  # type: ignore[attr-defined]
               MatchProposal.status.in_(HOLDS_CAPACITY))  # type: ignore[attr-defined]
        .group_by(MatchProposal.offer_id)).all()
    return {offer_id: (int(count), int(budget)) for offer_id, count, budget in rows}
