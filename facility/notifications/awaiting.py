"""What awaits each role: the steps that are the signed-in account's to take now, for its
to-do page (/todo, where each role lands after signing in).

The notices (steps.py) say when a step became someone's; this reads the same steps from the
records, so a step taken elsewhere (by a colleague, over GraphQL) leaves the list at once.
Each role's list costs a fixed number of statements, whatever the number of items.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists
from sqlmodel import Session, select

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.engagements import deployments
from facility.engagements.models import (
    DeploymentAnswer,
    DeploymentAnswerChoice,
    Engagement,
    EngagementExpert,
    EngagementStatus,
    FollowUpReport,
)
from facility.offers.models import Offer
from facility.reference.models import State
from facility.referrals.models import Referral, ReferralStatus
from facility.requests.models import CapacityRequest, RequestStatus
from facility.stories.models import StoryStatus, SuccessStory
from facility.timeutil import today
from governance.committee import seat_of
from governance.models import (
    CriteriaSet,
    MatchProposal,
    Motion,
    MotionKind,
    MotionStatus,
    OptimiserRun,
    ProposalStatus,
    Recusal,
    RunStatus,
    Vote,
)

LATEST_RUNS = 5


@dataclass(frozen=True)
class Task:
    """One step to take: what it is about and the page where it is taken."""

    title: str  # the request's, report's engagement's or story's title; empty for a run
    path: str  # the page to act on
    state: str = ""  # the State's ISO3 code (pages name it), when the step is about its request
    on: date | datetime | None = None  # a due date, a start date, when it was opened
    note: str = ""  # a code the page words: OVERDUE, SCREENING_VOTED, DONE, ...
    detail: str = ""  # the offer's title, for a match to confirm
    number: int | None = None  # a count (declined experts) or a version or run number


# The sections of each role's page, in the order shown.
SECTIONS: dict[Role, tuple[str, ...]] = {
    Role.STATE: ("proposals", "reports", "stories", "referrals"),
    Role.PARTNER: ("proposals", "declined"),
    Role.EXPERT: ("deployments",),
    Role.COMMITTEE: ("motions",),
    Role.SECRETARIAT: ("runs", "screenings", "stories"),
}


def _proposals_to_confirm(session: Session, condition, path) -> list[Task]:  # type: ignore[no-untyped-def]
    """Approved matches meeting `condition`; `path(request id, proposal id)` is where to act."""
    rows = session.exec(
        select(CapacityRequest.id, CapacityRequest.title, State.code, Offer.title,
               CapacityRequest.window_start, MatchProposal.id)
        .join(MatchProposal, MatchProposal.request_id == CapacityRequest.id)  # type: ignore[arg-type]
        .join(Offer, Offer.id == MatchProposal.offer_id)  # type: ignore[arg-type]
        .join(State, State.code == CapacityRequest.state_code)  # type: ignore[arg-type]
        .where(MatchProposal.status == ProposalStatus.APPROVED, condition)
        .order_by(MatchProposal.id)).all()  # type: ignore[arg-type]
    return [Task(title=title, state=state, on=start, detail=offer, path=path(request_id, pk))
            for request_id, title, state, offer, start, pk in rows]


def for_state(session: Session, actor: Actor) -> dict[str, list[Task]]:
    """Matches to confirm, follow-up reports to file, success stories and referrals to answer
    (4 statements)."""
    code = actor.state_code
    proposals = _proposals_to_confirm(
        session, (CapacityRequest.state_code == code) & MatchProposal.state_confirmed_at.is_(None),  # type: ignore[union-attr]
        lambda request_id, pk: f"/state/requests/{request_id}#proposal-{pk}")
    due = session.exec(
        select(FollowUpReport.id, FollowUpReport.kind, FollowUpReport.due_date, CapacityRequest.title)
        .join(Engagement, Engagement.id == FollowUpReport.engagement_id)  # type: ignore[arg-type]
        .join(CapacityRequest, CapacityRequest.id == Engagement.request_id)  # type: ignore[arg-type]
        .where(CapacityRequest.state_code == code, ~FollowUpReport.superseded,  # type: ignore[arg-type]
               FollowUpReport.first_submitted_at.is_(None))  # type: ignore[union-attr]
        .order_by(FollowUpReport.due_date, FollowUpReport.id)).all()  # type: ignore[arg-type]
    on = today()
    reports = [Task(title=title, path=f"/state/reports/{pk}", on=due_date,
                    note="OVERDUE" if due_date < on else str(kind))
               for pk, kind, due_date, title in due]
    stories = [Task(title=title, path=f"/state/stories/{pk}", on=proposed_at)
               for pk, title, proposed_at in session.exec(
                   select(SuccessStory.id, SuccessStory.title, SuccessStory.proposed_at)
                   .where(SuccessStory.state_code == code,
                          SuccessStory.status == StoryStatus.PROPOSED)
                   .order_by(SuccessStory.id))]  # type: ignore[arg-type]
    referrals = [Task(title=title, path=f"/state/referrals/{pk}", on=recorded_at)
                 for pk, title, recorded_at in session.exec(
                     select(Referral.id, Referral.title, Referral.recorded_at)
                     .where(Referral.state_code == code, Referral.status == ReferralStatus.PENDING)
                     .order_by(Referral.id))]  # type: ignore[arg-type]
    return {"proposals": proposals, "reports": reports, "stories": stories, "referrals": referrals}


def for_partner(session: Session, actor: Actor) -> dict[str, list[Task]]:
    """Matches to confirm, and engagements with an expert who declined (2 statements)."""
    proposals = _proposals_to_confirm(
        session, (Offer.partner_id == actor.partner_id)
        & MatchProposal.partner_confirmed_at.is_(None),  # type: ignore[union-attr]
        lambda _request_id, pk: f"/partner/proposals#proposal-{pk}")
    rows = session.exec(
        select(Engagement.id, Engagement.start, CapacityRequest.title, State.code)
        .join(Offer, Offer.id == Engagement.offer_id)  # type: ignore[arg-type]
        .join(CapacityRequest, CapacityRequest.id == Engagement.request_id)  # type: ignore[arg-type]
        .join(State, State.code == CapacityRequest.state_code)  # type: ignore[arg-type]
        .join(DeploymentAnswer, DeploymentAnswer.engagement_id == Engagement.id)  # type: ignore[arg-type]
        # Still on the team: an expert replaced already has nothing left to answer for.
        .join(EngagementExpert, (EngagementExpert.engagement_id == Engagement.id)
              & (EngagementExpert.expert_id == DeploymentAnswer.expert_id))  # type: ignore[arg-type]
        .where(Offer.partner_id == actor.partner_id,
               Engagement.status != EngagementStatus.COMPLETED,
               DeploymentAnswer.answer == DeploymentAnswerChoice.DECLINED)
        .order_by(Engagement.start, Engagement.id)).all()  # type: ignore[arg-type]
    declined: dict[int, Task] = {}
    for engagement_id, start, title, state in rows:
        previous = declined.get(engagement_id)
        declined[engagement_id] = Task(
            title=title, state=state, on=start,
            path=f"/partner/engagements#engagement-{engagement_id}",
            number=(previous.number or 0) + 1 if previous else 1)
    return {"proposals": proposals, "declined": list(declined.values())}


def for_expert(session: Session, actor: Actor) -> dict[str, list[Task]]:
    """Deployments not answered yet, soonest first (2 statements)."""
    expert = deployments.own_expert(session, actor)
    if expert is None:
        return {"deployments": []}
    rows = session.exec(
        select(Engagement.id, Engagement.start, CapacityRequest.title, State.code)
        .join(CapacityRequest, CapacityRequest.id == Engagement.request_id)  # type: ignore[arg-type]
        .join(State, State.code == CapacityRequest.state_code)  # type: ignore[arg-type]
        .outerjoin(DeploymentAnswer, (DeploymentAnswer.engagement_id == Engagement.id)
                   & (DeploymentAnswer.expert_id == expert.id))  # type: ignore[arg-type]
        .where(permissions.deployment_visibility(actor), DeploymentAnswer.id.is_(None),  # type: ignore[union-attr]
               Engagement.status != EngagementStatus.COMPLETED)
        .order_by(Engagement.start, Engagement.id)).all()  # type: ignore[arg-type]
    return {"deployments": [Task(title=title, state=state, on=start,
                                 path=f"/expert/deployments#deployment-{pk}")
                            for pk, start, title, state in rows]}


def for_committee(session: Session, actor: Actor) -> dict[str, list[Task]]:
    """Open motions the member's seat is not recused from, oldest first, and whether the
    member voted already (5 statements, with the seat)."""
    seat = seat_of(session, actor)
    if seat is None:
        return {"motions": []}
    recused = exists().where(Recusal.motion_id == Motion.id, Recusal.seat_id == seat.id)
    motions = list(session.exec(select(Motion).where(Motion.status == MotionStatus.OPEN, ~recused)
                                .order_by(Motion.id)))  # type: ignore[arg-type]
    ids = [m.id for m in motions]
    # The request each screening or proposed match is about.
    about = {(kind, pk): (title, state) for kind, pk, title, state in session.exec(
        select(Motion.kind, Motion.id, CapacityRequest.title, State.code)
        .outerjoin(MatchProposal, (Motion.kind == MotionKind.PROPOSAL)
                   & (MatchProposal.id == Motion.subject_id))  # type: ignore[arg-type]
        .join(CapacityRequest, ((Motion.kind == MotionKind.SCREENING)
                                & (CapacityRequest.id == Motion.subject_id))
              | (CapacityRequest.id == MatchProposal.request_id))  # type: ignore[arg-type]
        .join(State, State.code == CapacityRequest.state_code)  # type: ignore[arg-type]
        .where(Motion.id.in_(ids)))}  # type: ignore[union-attr]
    versions = dict(session.exec(select(CriteriaSet.id, CriteriaSet.version).where(
        CriteriaSet.id.in_([m.subject_id for m in motions if m.kind == MotionKind.CRITERIA]))).all())  # type: ignore[union-attr]
    voted = set(session.exec(select(Vote.motion_id).where(
        Vote.seat_id == seat.id, Vote.motion_id.in_(ids))))  # type: ignore[attr-defined]
    tasks = []
    for motion in motions:
        title, state = about.get((motion.kind, motion.id), ("", ""))
        tasks.append(Task(title=title, state=state, on=motion.opened_at,
                          path=f"/committee/motions/{motion.id}",
                          note=f"{motion.kind}{'_VOTED' if motion.id in voted else ''}",
                          number=versions.get(motion.subject_id)
                          if motion.kind == MotionKind.CRITERIA else None))
    return {"motions": tasks}


def for_secretariat(session: Session, actor: Actor) -> dict[str, list[Task]]:
    """The latest finished runs, requests submitted and not yet put to screening, and stories
    the State consented to (3 statements)."""
    runs = [Task(title="", path=f"/committee/runs/{run.id}", on=run.finished_at or run.created_at,
                 note=str(run.status), number=run.id)
            for run in session.exec(
                select(OptimiserRun).where(OptimiserRun.status.in_([RunStatus.DONE, RunStatus.FAILED]))  # type: ignore[attr-defined]
                .order_by(OptimiserRun.id.desc()).limit(LATEST_RUNS))]  # type: ignore[union-attr]
    screening_open = exists().where(Motion.kind == MotionKind.SCREENING,
                                    Motion.status == MotionStatus.OPEN,
                                    Motion.subject_id == CapacityRequest.id)
    screenings = [Task(title=title, state=state, on=submitted_at, path="/secretariat")
                  for title, state, submitted_at in session.exec(
                      select(CapacityRequest.title, State.code, CapacityRequest.submitted_at)
                      .join(State, State.code == CapacityRequest.state_code)  # type: ignore[arg-type]
                      .where(CapacityRequest.status == RequestStatus.SUBMITTED, ~screening_open)
                      .order_by(CapacityRequest.submitted_at, CapacityRequest.id))]  # type: ignore[arg-type]
    stories = [Task(title=title, state=state, on=answered_at, path=f"/secretariat/stories/{pk}")
               for pk, title, state, answered_at in session.exec(
                   select(SuccessStory.id, SuccessStory.title, State.code, SuccessStory.answered_at)
                   .join(State, State.code == SuccessStory.state_code)  # type: ignore[arg-type]
                   .where(SuccessStory.status == StoryStatus.CONSENTED)
                   .order_by(SuccessStory.id))]  # type: ignore[arg-type]
    return {"runs": runs, "screenings": screenings, "stories": stories}


_BY_ROLE = {Role.STATE: for_state, Role.PARTNER: for_partner, Role.EXPERT: for_expert,
            Role.COMMITTEE: for_committee, Role.SECRETARIAT: for_secretariat}


def awaiting(session: Session, actor: Actor) -> dict[str, list[Task]]:
    """The signed-in account's steps, by section (SECTIONS); a committee account without a seat
    has none (it may not vote)."""
    if actor.role == Role.COMMITTEE and not actor.seated:
        return {"motions": []}
    return _BY_ROLE[Role(actor.role)](session, actor)
