"""The demo's governance at work: a seated committee, criteria adopted by vote, screened
requests, an optimiser run with proposals, votes (with recusals), decisions, engagements."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlmodel import Session, col, select

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.auth.service import create_account
from facility.config import get_settings
from facility.requests.models import CapacityRequest, RequestStatus
from facility.worker import run_pending
from governance.committee import seat_member
from governance.criteria import draft_criteria
from governance.decisions import decide, propose_criteria
from governance.models import MatchProposal, Motion, MotionKind, MotionStatus, Recusal, VoteChoice
from governance.motions import cast_vote, tally
from governance.proposals import confirm_proposal
from governance.runs import start_run
from governance.screening import open_screening

# One member per regional group; Senegal, Brazil and Norway have stakes in the demo data,
# so their members are recused where the data shows it.
MEMBERS = {"AFRICAN": "SEN", "APG": "IND", "EEG": "POL", "GRULAC": "BRA", "WEOG": "NOR"}
INELIGIBLE = {"MNE": "The committee asks for the endorsement of the prosecutorial council first (demo)."}


def _vote_all(session: Session, members: dict[str, Actor], motion: Motion,
              choice: Callable[[str], VoteChoice]) -> None:
    recused = set(session.exec(select(Recusal.seat_id).where(Recusal.motion_id == motion.id)))
    from governance.committee import seat_of

    for group, member in members.items():
        seat = seat_of(session, member)
        if seat is not None and seat.id not in recused:
            cast_vote(session, actor=member, motion_id=motion.id, choice=choice(group))  # type: ignore[arg-type]


def seed_governance(session: Session, *, secretariat: Actor, password: str, domain: str,
                    missions: dict[str, Actor], partners: dict[str, Actor]) -> list[str]:
    report = []
    members: dict[str, Actor] = {}
    for group, state in MEMBERS.items():
        account = create_account(session, role=Role.COMMITTEE, email=f"committee.{group.lower()}@{domain}",
                                 name=f"Committee member for {group} ({state}, demo)",
                                 state_code=state, group_code=group, password=password)
        members[group] = Actor.from_account(account)
        seat_member(session, actor=secretariat, group_code=group, member_email=account.email)
    report.append(f"committee seated: {', '.join(f'{g} ({s})' for g, s in MEMBERS.items())}")

    draft = draft_criteria(session, actor=members["EEG"], title="Criteria for the coming year (demo)",
                           body={"eligibility": {"budget_ceiling": 200_000, "max_weeks": 16},
                                 # The application procedure: requests taken at any time, each
                                 # with the Government's official request.
                                 "procedure": {"required_documents": ["OFFICIAL_REQUEST"],
                                               "required_fields": ["FOCAL_POINT"]}},
                           notes="Lower budget ceiling; missions of at most 16 weeks; every "
                                 "request carries the Government's official request.")
    motion = propose_criteria(session, actor=members["EEG"], version=draft.version)
    _vote_all(session, members, motion, lambda group: VoteChoice.ABSTAIN if group == "WEOG"
              else VoteChoice.APPROVE)
    decide(session, actor=secretariat, motion_id=motion.id)  # type: ignore[arg-type]
    report.append(f"criteria version {draft.version} adopted by vote")

    submitted = session.exec(select(CapacityRequest).where(
        col(CapacityRequest.status) == RequestStatus.SUBMITTED).order_by(col(CapacityRequest.id))).all()
    for request in submitted:
        screening = open_screening(session, actor=secretariat, request_id=request.id)  # type: ignore[arg-type]
        motion = session.get(Motion, screening.motion_id)
        reject = request.state_code in INELIGIBLE
        _vote_all(session, members, motion,
                  lambda _g, reject=reject: VoteChoice.REJECT if reject else VoteChoice.APPROVE)
        decide(session, actor=secretariat, motion_id=motion.id,  # type: ignore[arg-type]
               reasons=INELIGIBLE.get(request.state_code, ""))
    report.append(f"{len(submitted)} requests screened ({len(INELIGIBLE)} ineligible)")

    run = start_run(session, actor=secretariat, time_limit=10)

    @contextmanager
    def same_session() -> Iterator[Session]:
        yield session

    run_pending(same_session, get_settings())  # the run's job, as a worker would run it
    session.refresh(run)
    proposals = session.exec(select(MatchProposal).where(MatchProposal.run_id == run.id)
                             .order_by(col(MatchProposal.id))).all()
    report.append(f"optimiser run {run.id}: {run.solver_status}, score {run.score}, "
                  f"{len(proposals)} proposals, {len(run.unmatched)} requests unmatched")

    for index, proposal in enumerate(proposals):
        motion = session.exec(select(Motion).where(Motion.kind == MotionKind.PROPOSAL,
                                                   Motion.subject_id == proposal.id)).one()
        if index == len(proposals) - 1 and index > 0:
            continue  # one proposal stays open, waiting for the committee
        _vote_all(session, members, motion, lambda _g, i=index: VoteChoice.REJECT if i == 1
                  else VoteChoice.APPROVE)
        if tally(session, motion).quorum_met:
            decide(session, actor=secretariat, motion_id=motion.id)  # type: ignore[arg-type]
    approved = [p for p in proposals if p.status == "APPROVED"]
    engaged = 0
    for proposal in approved[:2]:
        request = session.get(CapacityRequest, proposal.request_id)
        from facility.offers.models import Offer

        offer = session.get(Offer, proposal.offer_id)
        confirm_proposal(session, actor=missions[request.state_code], proposal_id=proposal.id)  # type: ignore[arg-type]
        partner = next(a for a in partners.values() if a.partner_id == offer.partner_id)  # type: ignore[union-attr]
        confirm_proposal(session, actor=partner, proposal_id=proposal.id)  # type: ignore[arg-type]
        engaged += 1
    decided = session.exec(select(Motion).where(Motion.kind == MotionKind.PROPOSAL,
                                                Motion.status != MotionStatus.OPEN)).all()
    report.append(f"{len(decided)} proposals decided, {engaged} confirmed as engagements")
    return report
