"""Donor coordination: who supports which of a State's recommendations, and the overlap a new
match would create, so that two partners do not fund the same need twice.

*Support* is what the facility knows is funded or about to be: every engagement (the State and
the partner confirmed the match; any status) and every proposal the committee approved that
awaits confirmation. A proposal still before the committee, rejected or declined is not support.
A support touches the recommendations its request is linked to.

Overlaps are a warning, never a block: the committee may well decide that a recommendation
needs two kinds of support (a training and a drafting mission); the warning makes sure it
decides knowingly (`MatchProposal.duplicateSupport`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from sqlmodel import Session, col, select

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Partner
from facility.engagements.models import Engagement
from facility.errors import NotFound
from facility.offers.models import Offer
from facility.reference.models import Recommendation, State
from facility.requests.models import CapacityRequest, RequestRecommendation
from governance.models import MatchProposal, ProposalStatus

SUPPORTING = (ProposalStatus.APPROVED, ProposalStatus.CONFIRMED)


class SupportSource(StrEnum):
    ENGAGEMENT = "ENGAGEMENT"
    APPROVED_PROPOSAL = "APPROVED_PROPOSAL"


@dataclass(frozen=True)
class Support:
    """One partner's support of one request, and the recommendations it touches."""

    source: SupportSource
    proposal_id: int
    request: CapacityRequest
    offer: Offer
    partner: Partner
    engagement: Engagement | None
    recommendation_ids: frozenset[int]

    @property
    def status(self) -> str:
        return str(self.engagement.status if self.engagement else self.source)

    @property
    def start(self) -> date | None:
        return self.engagement.start if self.engagement else None

    @property
    def end(self) -> date | None:
        return self.engagement.end if self.engagement else None

    @property
    def budget(self) -> int:
        """The budget committed by the engagement, else the request's estimate."""
        return self.engagement.budget if self.engagement else self.request.budget

    @property
    def currency(self) -> str:
        return self.engagement.currency if self.engagement else self.request.currency


@dataclass(frozen=True)
class RecommendationSupport:
    recommendation: Recommendation
    supports: list[Support]

    @property
    def duplicated(self) -> bool:
        """Supported more than once: the case coordination is there to catch."""
        return len(self.supports) > 1


@dataclass(frozen=True)
class SupportMap:
    state: State
    recommendations: list[RecommendationSupport]


@dataclass(frozen=True)
class Overlap:
    """Existing support that a proposal would duplicate, on these recommendations."""

    support: Support
    recommendations: list[Recommendation]


def supports_of_state(session: Session, state_code: str, *,
                      exclude_proposal_id: int | None = None) -> list[Support]:
    """Every support of requests from this State, oldest first (four statements)."""
    condition = (col(CapacityRequest.state_code) == state_code) & col(MatchProposal.status).in_(SUPPORTING)
    if exclude_proposal_id is not None:
        condition = condition & (MatchProposal.id != exclude_proposal_id)
    rows = session.exec(
        select(MatchProposal, CapacityRequest, Offer, Partner, Engagement)
        .join(CapacityRequest, CapacityRequest.id == MatchProposal.request_id)
        .join(Offer, Offer.id == MatchProposal.offer_id)
        .join(Partner, Partner.id == Offer.partner_id)
        .join(Engagement, Engagement.proposal_id == MatchProposal.id, isouter=True)
        .where(condition).order_by(MatchProposal.id)).all()
    links: dict[int, set[int]] = defaultdict(set)
    for request_id, recommendation_id in session.exec(
            select(RequestRecommendation.request_id, RequestRecommendation.recommendation_id)
            .where(col(RequestRecommendation.request_id).in_({r[1].id for r in rows}))):
        links[request_id].add(recommendation_id)
    return [Support(
        source=SupportSource.ENGAGEMENT if engagement else SupportSource.APPROVED_PROPOSAL,
        proposal_id=proposal.id, request=request, offer=offer, partner=partner,
        engagement=engagement, recommendation_ids=frozenset(links[request.id]))
        for proposal, request, offer, partner, engagement in rows]


def _recommendations(session: Session, ids: set[int]) -> dict[int, Recommendation]:
    return {r.id: r for r in session.exec(  # type: ignore[misc]
        select(Recommendation).where(col(Recommendation.id).in_(ids)))}


def support_map(session: Session, *, actor: Actor | None, state_code: str) -> SupportMap:
    """The State's supported recommendations, each with every support touching it."""
    state = session.get(State, state_code.upper())
    if state is None or not permissions.can_view_support_map(actor, state.code):
        raise NotFound(f"no support map for State {state_code!r}")
    supports = supports_of_state(session, state.code)
    by_recommendation: dict[int, list[Support]] = defaultdict(list)
    for support in supports:
        for recommendation_id in support.recommendation_ids:
            by_recommendation[recommendation_id].append(support)
    recommendations = _recommendations(session, set(by_recommendation))
    return SupportMap(state=state, recommendations=[
        RecommendationSupport(recommendation=recommendations[rid], supports=by_recommendation[rid])
        for rid in sorted(by_recommendation, key=lambda i: recommendations[i].source_id)])


def duplicate_support(session: Session, proposal: MatchProposal) -> list[Overlap]:
    """The existing support (other than this proposal and its own engagement) that touches any
    recommendation of the proposal's request."""
    request = session.get(CapacityRequest, proposal.request_id)
    assert request is not None
    wanted = set(session.exec(select(RequestRecommendation.recommendation_id).where(
        RequestRecommendation.request_id == request.id)).all())
    overlaps = [(s, s.recommendation_ids & wanted) for s in
                supports_of_state(session, request.state_code, exclude_proposal_id=proposal.id)]
    overlaps = [(s, shared) for s, shared in overlaps if shared]
    recommendations = _recommendations(session, {i for _, shared in overlaps for i in shared})
    return [Overlap(support=s, recommendations=sorted(
        (recommendations[i] for i in shared), key=lambda r: r.source_id)) for s, shared in overlaps]
