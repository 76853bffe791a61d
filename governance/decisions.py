"""What a decided motion does: screening outcomes, criteria adoption, proposal approval."""

from __future__ import annotations

from sqlmodel import Session, select

from facility import audit, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.errors import Conflict
from facility.notifications import steps
from facility.requests import lifecycle as requests_lifecycle
from facility.requests.models import CapacityRequest, RequestStatus
from facility.timeutil import utcnow
from governance.committee import require_member
from governance.criteria import adopt, body_in_force, get_criteria
from governance.lifecycles import CRITERIA, MOTION, PROPOSAL
from governance.models import (
    CriteriaSet,
    CriteriaStatus,
    MatchProposal,
    Motion,
    MotionKind,
    MotionStatus,
    ProposalStatus,
    Screening,
    Vote,
    VoteChoice,
    motion_open_for,
)
from governance.motions import get_motion, open_motion, refuse_if_conflicted, tally


def _screening_decided(session: Session, motion: Motion, passed: bool, reasons: str,
                       actor_account_id: int) -> None:
    request = session.get(CapacityRequest, motion.subject_id)
    screening = session.exec(select(Screening).where(Screening.motion_id == motion.id)).one()
    assert request is not None
    if not passed and not reasons:
        # The State must be able to read why: the clauses it failed, and the members' comments.
        comments = [v.comment for v in session.exec(
            select(Vote).where(Vote.motion_id == motion.id, Vote.choice == VoteChoice.REJECT))
            if v.comment]
        reasons = "; ".join([c["message"] for c in screening.failed_clauses] + comments) \
            or "The committee did not find the request eligible."
    screening.reasons = reasons
    requests_lifecycle.transition(request, RequestStatus.ELIGIBLE if passed else RequestStatus.INELIGIBLE)
    session.add_all([screening, request])


def _criteria_decided(session: Session, motion: Motion, passed: bool, reasons: str,
                      actor_account_id: int) -> None:
    criteria = session.get(CriteriaSet, motion.subject_id)
    assert criteria is not None
    if passed:
        adopt(session, criteria, actor_account_id=actor_account_id)
    else:
        CRITERIA.move(criteria, CriteriaStatus.REJECTED)
        session.add(criteria)


def _proposal_decided(session: Session, motion: Motion, passed: bool, reasons: str,
                      actor_account_id: int) -> None:
    proposal = session.get(MatchProposal, motion.subject_id)
    assert proposal is not None
    request = session.get(CapacityRequest, proposal.request_id)
    assert request is not None
    PROPOSAL.move(proposal, ProposalStatus.APPROVED if passed else ProposalStatus.REJECTED)
    proposal.decided_at = utcnow()
    # A rejected proposal releases its capacity; the request waits for the next run.
    requests_lifecycle.transition(request, RequestStatus.APPROVED if passed else RequestStatus.ELIGIBLE)
    session.add_all([proposal, request])
    if passed:
        steps.proposal_to_confirm(session, proposal)


_EFFECTS = {
    MotionKind.SCREENING: _screening_decided,
    MotionKind.CRITERIA: _criteria_decided,
    MotionKind.PROPOSAL: _proposal_decided,
}


def apply_decision(session: Session, motion: Motion, *, passed: bool, reasons: str,
                   actor_account_id: int) -> None:
    """Carry a decided motion's outcome over to its subject, in the same transaction."""
    _EFFECTS[motion.kind](session, motion, passed, reasons, actor_account_id)


def propose_criteria(session: Session, *, actor: Actor | None, version: int) -> Motion:
    """Put a criteria draft to the committee's vote (under the quorum rules in force)."""
    require_member(session, actor, "propose criteria")
    criteria = locking.lock(session, get_criteria(session, version=version))
    if criteria.status != CriteriaStatus.DRAFT:
        raise Conflict(f"criteria version {version} is {criteria.status}, not a draft")
    if motion_open_for(session, MotionKind.CRITERIA, criteria.id):  # type: ignore[arg-type]
        raise Conflict(f"criteria version {version} is already put to the vote")
    in_force_version, _ = body_in_force(session)
    return open_motion(session, kind=MotionKind.CRITERIA, subject_id=criteria.id,  # type: ignore[arg-type]
                       criteria_version=in_force_version, actor=actor)


def decide(session: Session, *, actor: Actor | None, motion_id: int, reasons: str = "") -> Motion:
    """Close the vote and apply the outcome; refused while the quorum is not reached."""
    seat = None
    if not permissions.is_secretariat(actor):  # the secretariat records decisions without a seat
        seat = require_member(session, actor, "record decisions")
    motion = locking.lock(session, get_motion(session, motion_id))
    if motion.status != MotionStatus.OPEN:
        raise Conflict(f"this motion was already decided ({motion.status})")
    if seat is not None:  # the conflict itself, not only the recusals already recorded
        refuse_if_conflicted(session, motion, seat, "close its vote")
    result = tally(session, motion)
    if not result.quorum_met:
        raise Conflict(f"quorum not reached: {result.voted} of the {result.quorum} non-recused "
                       f"votes needed have been cast")
    MOTION.move(motion, MotionStatus.PASSED if result.passes else MotionStatus.FAILED)
    motion.decided_at = utcnow()
    motion.outcome_note = reasons.strip()
    session.add(motion)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="motion.decided",
                 subject_type="motion", subject_id=motion.id,
                 payload={"kind": str(motion.kind), "subject": motion.subject_id,
                          "outcome": str(motion.status), "approve": result.approve,
                          "reject": result.reject, "abstain": result.abstain,
                          "recused": result.recused})
    apply_decision(session, motion, passed=result.passes, reasons=reasons.strip(),
                   actor_account_id=actor.account_id)
    return motion
