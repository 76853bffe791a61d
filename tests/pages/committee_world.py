"""A committee at work for the committee and secretariat page tests: seats, a screening, a run
with a proposal put to the vote. Built through the governance services where they exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlmodel import Session

from facility.auth.actor import Actor
from facility.auth.models import Account, Role
from facility.requests.models import CapacityRequest, RequestStatus
from facility.timeutil import utcnow
from governance import committee, screening
from governance.models import (
    MatchProposal,
    Motion,
    MotionKind,
    OptimiserRun,
    RunStatus,
)
from governance.motions import open_motion


@dataclass
class World:
    secretariat: Account
    kenya_member: Account  # AFRICAN seat, held by Kenya: recused on Kenya's requests
    india_member: Account  # APG seat
    former_member: Account  # committee account without a seat
    kenya_request: CapacityRequest
    screening_motion: Motion
    run: OptimiserRun
    proposal: MatchProposal
    proposal_motion: Motion

    @property
    def staff(self) -> Actor:
        return Actor.from_account(self.secretariat)


def add_request(db: Session, author: Account, state: str, n: int, **fields) -> CapacityRequest:
    values = {"state_code": state, "status": RequestStatus.SUBMITTED, "title": f"Request {state}-{n} (demo)",
              "need": "(demo)", "window_start": date(2027, 2, 1), "window_end": date(2027, 6, 30),
              "weeks": 4, "experts_needed": 1, "budget": 40_000, "currency": "USD", "priority": 2,
              "created_by_id": author.id, "submitted_at": utcnow(), **fields}
    request = CapacityRequest(**values)
    db.add(request)
    db.flush()
    return request


def add_run_with_proposals(db: Session, world_staff: Account, requests: list[CapacityRequest],
                           offer_id: int, unmatched: list[CapacityRequest] = (),
                           ) -> tuple[OptimiserRun, list[MatchProposal]]:
    """A finished run (as `runs.store_result` leaves it) proposing `requests` on one offer."""
    run = OptimiserRun(criteria_version=1, time_limit=5, started_by_id=world_staff.id,
                       status=RunStatus.DONE, solver_status="OPTIMAL", score=1234, bound=1234,
                       fairness={"AFRICAN": {"requests": 2, "matched": 1, "floor": 1, "shortfall": 0},
                                 "GRULAC": {"requests": 1, "matched": 0, "floor": 1, "shortfall": 1}},
                       unmatched=[{"request": r.id, "reasons": ["no eligible offer: the offer's window "
                                                               "ends before the mission (demo)"]}
                                  for r in unmatched])
    db.add(run)
    db.flush()
    system = Actor.from_account(world_staff)
    made = []
    for request in requests:
        proposal = MatchProposal(run_id=run.id, request_id=request.id, offer_id=offer_id,
                                 expert_ids=[], value=130 + request.id, fit=7,
                                 explanation=f"Offer {offer_id} funds request {request.id}: shared "
                                             "theme Justice; value 130 = base 100 + priority 20 + "
                                             "waiting 10")
        db.add(proposal)
        request.status = RequestStatus.PROPOSED
        db.add(request)
        db.flush()
        open_motion(db, kind=MotionKind.PROPOSAL, subject_id=proposal.id, criteria_version=1,
                    actor=system)
        made.append(proposal)
    return run, made


@pytest.fixture(name="world")
def world_fixture(db_session: Session, person, offers_of) -> World:
    staff = person(Role.SECRETARIAT)
    staff_actor = Actor.from_account(staff)
    kenya_member = person(Role.COMMITTEE, state_code="KEN", group_code="AFRICAN")
    india_member = person(Role.COMMITTEE, state_code="IND", group_code="APG")
    former = person(Role.COMMITTEE, state_code="BRA", group_code="GRULAC")
    committee.seat_member(db_session, actor=staff_actor, group_code="AFRICAN",
                          member_email=kenya_member.email)
    committee.seat_member(db_session, actor=staff_actor, group_code="APG",
                          member_email=india_member.email)
    mission = person(Role.STATE, state_code="KEN")
    brazil = person(Role.STATE, state_code="BRA")
    kenya_request = add_request(db_session, mission, "KEN", 1, budget=900_000)
    opened = screening.open_screening(db_session, actor=staff_actor, request_id=kenya_request.id)
    offer = offers_of(1)[0]
    proposed = add_request(db_session, brazil, "BRA", 2, status=RequestStatus.ELIGIBLE)
    left = add_request(db_session, brazil, "BRA", 3, status=RequestStatus.ELIGIBLE)
    run, proposals = add_run_with_proposals(db_session, staff, [proposed], offer.id, [left])
    db_session.flush()
    from sqlmodel import select

    proposal_motion = db_session.exec(select(Motion).where(
        Motion.kind == MotionKind.PROPOSAL, Motion.subject_id == proposals[0].id)).one()
    return World(secretariat=staff, kenya_member=kenya_member, india_member=india_member,
                 former_member=former, kenya_request=kenya_request,
                 screening_motion=db_session.get(Motion, opened.motion_id),
                 run=run, proposal=proposals[0], proposal_motion=proposal_motion)
