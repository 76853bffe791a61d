"""What the public sees of governance: decided motions on requests and proposals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from facility.auth.models import Partner
from facility.offers.models import Offer
from facility.requests.models import CapacityRequest
from governance.models import MatchProposal, Motion, MotionKind, MotionStatus

# How a decided motion reads to the public.
_WORDING = {
    (MotionKind.SCREENING, MotionStatus.PASSED): "ELIGIBLE",
    (MotionKind.SCREENING, MotionStatus.FAILED): "INELIGIBLE",
    (MotionKind.PROPOSAL, MotionStatus.PASSED): "APPROVED",
    (MotionKind.PROPOSAL, MotionStatus.FAILED): "REJECTED",
}


@dataclass(frozen=True)
class Decision:
    request_title: str
    state_code: str
    partner: str | None
    kind: MotionKind
    decision: str
    decided_at: datetime


def published_decisions(session: Session, *, limit: int, offset: int) -> tuple[list[Decision], int]:
    """Decided screenings and proposals, newest first: title, State, partner, decision, date."""
    decided = (col(Motion.status) != MotionStatus.OPEN) & col(Motion.kind).in_(
        [MotionKind.SCREENING, MotionKind.PROPOSAL])
    total = session.exec(select(func.count()).select_from(Motion).where(decided)).one()
    motions = session.exec(select(Motion).where(decided)
                           .order_by(col(Motion.decided_at).desc(), col(Motion.id).desc())
                           .offset(offset).limit(limit)).all()
    proposal_ids = [m.subject_id for m in motions if m.kind == MotionKind.PROPOSAL]
    proposals = {p.id: p for p in session.exec(
        select(MatchProposal).where(col(MatchProposal.id).in_(proposal_ids)))}
    request_ids = [m.subject_id for m in motions if m.kind == MotionKind.SCREENING] + [
        p.request_id for p in proposals.values()]
    requests = {r.id: r for r in session.exec(
        select(CapacityRequest).where(col(CapacityRequest.id).in_(request_ids)))}
    partners = dict(session.exec(
        select(col(Offer.id), col(Partner.name)).join(Partner, col(Partner.id) == Offer.partner_id)
        .where(col(Offer.id).in_([p.offer_id for p in proposals.values()]))).all())
    result = []
    for motion in motions:
        proposal = proposals.get(motion.subject_id) if motion.kind == MotionKind.PROPOSAL else None
        request = requests[proposal.request_id if proposal else motion.subject_id]
        result.append(Decision(
            request_title=request.title, state_code=request.state_code,
            partner=partners.get(proposal.offer_id) if proposal else None, kind=motion.kind,
            decision=_WORDING[(motion.kind, motion.status)], decided_at=motion.decided_at))  # type: ignore[arg-type]
    return result, total
