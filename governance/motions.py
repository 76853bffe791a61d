"""Votes on motions: automatic and declared recusal, quorum and majority, and the decision.

Rules (docs/governance.md, with the quorum from the criteria version the motion
was opened under): one vote per seat, the latest counting (changing a vote appends a new
one); a recused member cannot vote; the decision needs at least `quorum` non-recused seats
to have voted and passes with more approvals than rejections; deciding closes the vote.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, select

from facility import audit, locking
from facility.auth.actor import Actor
from facility.auth.models import Partner
from facility.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    RefusedAfterRecording,
    ValidationFailed,
)
from facility.experts.models import Expert
from facility.notifications import steps
from facility.offers.models import Offer
from facility.requests.models import CapacityRequest
from governance.committee import current_seats, require_member
from governance.criteria import CriteriaBody, get_criteria
from governance.models import (
    CommitteeSeat,
    MatchProposal,
    Motion,
    MotionKind,
    MotionStatus,
    ProposalExpert,
    Recusal,
    Vote,
    VoteChoice,
)


def conflict_of(session: Session, motion: Motion, seat: CommitteeSeat) -> str | None:
    """Why the seat's member must recuse on this motion, if the data shows a conflict."""
    if motion.kind == MotionKind.SCREENING:
        request = session.get(CapacityRequest, motion.subject_id)
        if request is not None and request.state_code == seat.state_code:
            return f"the member's State ({seat.state_code}) is the requesting State"
    elif motion.kind == MotionKind.PROPOSAL:
        proposal = session.get(MatchProposal, motion.subject_id)
        if proposal is None:
            return None
        request = session.get(CapacityRequest, proposal.request_id)
        if request is not None and request.state_code == seat.state_code:
            return f"the member's State ({seat.state_code}) is the requesting State"
        offer = session.get(Offer, proposal.offer_id)
        partner = session.get(Partner, offer.partner_id) if offer else None
        if partner is not None and partner.state_code == seat.state_code:
            return f"the offer comes from {partner.name}, a partner of the member's State"
        nominator = session.exec(
            select(Partner).join(Expert, Expert.partner_id == Partner.id)  # type: ignore[arg-type]
            .join(ProposalExpert, ProposalExpert.expert_id == Expert.id)  # type: ignore[arg-type]
            .where(ProposalExpert.proposal_id == proposal.id,
                   Partner.state_code == seat.state_code)
            .order_by(ProposalExpert.position)).first()  # type: ignore[arg-type]
        if nominator is not None:
            return (f"an expert was nominated by {nominator.name}, a partner of the "
                    f"member's State")
    return None


def _record_recusal(session: Session, motion: Motion, seat: CommitteeSeat, *, automatic: bool,
                    reason: str, actor_account_id: int | None) -> Recusal:
    recusal = Recusal(motion_id=motion.id, seat_id=seat.id, automatic=automatic, reason=reason)  # type: ignore[arg-type]
    session.add(recusal)
    session.flush()
    audit.record(session, actor_account_id=actor_account_id, action="recusal.recorded",
                 subject_type="motion", subject_id=motion.id,
                 payload={"seat": seat.id, "group": seat.group_code, "automatic": automatic,
                          "reason_sha256": audit.text_digest(reason)})
    return recusal


def open_motion(session: Session, *, kind: MotionKind, subject_id: int, criteria_version: int,
                actor: Actor) -> Motion:
    """Put a question to the vote; members with a conflict the data shows are recused at once."""
    motion = Motion(kind=kind, subject_id=subject_id, criteria_version=criteria_version)
    session.add(motion)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="motion.opened",
                 subject_type="motion", subject_id=motion.id,
                 payload={"kind": str(kind), "subject": subject_id,
                          "criteria_version": criteria_version})
    voters = []
    for seat in current_seats(session):
        reason = conflict_of(session, motion, seat)
        if reason:
            _record_recusal(session, motion, seat, automatic=True, reason=reason,
                            actor_account_id=None)
        else:
            voters.append(seat.account_id)
    steps.motion_open(session, motion, voters)  # a recused member has nothing to do
    return motion


def get_motion(session: Session, motion_id: int) -> Motion:
    motion = session.get(Motion, motion_id)
    if motion is None:
        raise NotFound(f"no motion with id {motion_id}")
    return motion


def _recused_seat_ids(session: Session, motion_id: int) -> set[int]:
    return set(session.exec(select(Recusal.seat_id).where(Recusal.motion_id == motion_id)))


def _member_seat(session: Session, actor: Actor | None, motion_id: int) -> tuple[CommitteeSeat, Motion]:
    # Who is asking comes first, so that a non-member learns nothing about motion ids.
    seat = require_member(session, actor, "vote")
    # Votes, recusals and the decision on one motion queue on its row: no vote is lost to a
    # decision taken at the same moment, and no motion is decided twice.
    motion = locking.lock(session, get_motion(session, motion_id))
    if motion.status != MotionStatus.OPEN:
        raise Conflict(f"voting on this motion is closed ({motion.status})")
    return seat, motion


def declare_recusal(session: Session, *, actor: Actor | None, motion_id: int, reason: str) -> Recusal:
    """A member recuses themself; from then on their seat cannot vote on this motion."""
    seat, motion = _member_seat(session, actor, motion_id)
    if not reason.strip():
        raise ValidationFailed.single("reason", "required", "reason: say why you recuse yourself")
    if seat.id in _recused_seat_ids(session, motion_id):
        raise Conflict("you are already recused from this motion")
    return _record_recusal(session, motion, seat, automatic=False, reason=reason.strip(),
                           actor_account_id=actor.account_id)  # type: ignore[union-attr]


def refuse_if_conflicted(session: Session, motion: Motion, seat: CommitteeSeat, doing: str) -> None:
    """Refuse a recused seat; a conflict the data shows now (a seat that changed hands since
    the motion opened) is recorded as an automatic recusal that the refusal keeps: the caller
    commits it (RefusedAfterRecording), so the member stays recused and cannot try again."""
    if seat.id in _recused_seat_ids(session, motion.id):  # type: ignore[arg-type]
        raise PermissionDenied(f"you are recused from this motion and cannot {doing}")
    reason = conflict_of(session, motion, seat)
    if reason:
        _record_recusal(session, motion, seat, automatic=True, reason=reason, actor_account_id=None)
        raise RefusedAfterRecording(f"you must recuse: {reason}")


def cast_vote(session: Session, *, actor: Actor | None, motion_id: int, choice: VoteChoice,
              comment: str = "") -> Vote:
    """The member's vote for their own seat; a later vote replaces an earlier one."""
    seat, motion = _member_seat(session, actor, motion_id)
    refuse_if_conflicted(session, motion, seat, "vote")
    vote = Vote(motion_id=motion_id, seat_id=seat.id, account_id=actor.account_id,  # type: ignore[arg-type, union-attr]
                choice=choice, comment=comment.strip())
    session.add(vote)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="vote.cast",  # type: ignore[union-attr]
                 subject_type="motion", subject_id=motion_id,
                 payload={"vote": vote.id, "seat": seat.id, "group": seat.group_code,
                          "choice": choice.value,
                          "comment_sha256": audit.text_digest(vote.comment)})
    return vote


@dataclass(frozen=True)
class Tally:
    approve: int
    reject: int
    abstain: int
    recused: int
    quorum: int

    @property
    def voted(self) -> int:
        return self.approve + self.reject + self.abstain

    @property
    def quorum_met(self) -> bool:
        return self.voted >= self.quorum

    @property
    def passes(self) -> bool:
        return self.quorum_met and self.approve > self.reject


def tally(session: Session, motion: Motion) -> Tally:
    """Count the latest vote of each seat's group, leaving out recused seats."""
    quorum = CriteriaBody.model_validate(
        get_criteria(session, version=motion.criteria_version).body).voting.quorum
    recused = _recused_seat_ids(session, motion.id)  # type: ignore[arg-type]
    rows = session.exec(
        select(Vote, col(CommitteeSeat.group_code)).join(CommitteeSeat, col(CommitteeSeat.id) == Vote.seat_id)
        .where(col(Vote.motion_id) == motion.id).order_by(col(Vote.id))
    ).all()
    latest: dict[str, Vote] = {}
    for vote, group in rows:
        if vote.seat_id not in recused:
            latest[group] = vote
    choices = [v.choice for v in latest.values()]
    return Tally(approve=choices.count(VoteChoice.APPROVE), reject=choices.count(VoteChoice.REJECT),
                 abstain=choices.count(VoteChoice.ABSTAIN), recused=len(recused), quorum=quorum)
