"""An expert's deployments: the engagements they are on, and their answer to each.

The expert has one action beyond their profile: accept or decline a deployment.
The engagement is created when the State and the partner confirm the proposal; each expert it
names then answers. A decline needs a reason; it notifies the funding partner and the
secretariat (facility/notifications/declines.py), who read the answers and reasons on the
engagement (`Engagement.expertAnswers`) and amend the team (`amend_engagement`). An expert
may change their answer until the engagement is completed.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlalchemy.orm import selectinload
from sqlmodel import Session, select

from facility import audit, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Partner
from facility.engagements.models import DeploymentAnswer, DeploymentAnswerChoice, Engagement, EngagementStatus
from facility.errors import Conflict, NotFound, PermissionDenied, Problems, StaleVersion
from facility.experts.models import Expert
from facility.notifications.declines import queue_decline_notices
from facility.offers.models import Offer
from facility.reference.models import State
from facility.requests.models import CapacityRequest
from facility.timeutil import utcnow
from facility.validation import check_text

REASON_MAX_LENGTH = 2000


@dataclass(frozen=True)
class Deployment:
    """What an expert needs to decide: the mission, where and when, who funds it, and their
    own answer (None: not answered yet)."""

    engagement: Engagement
    request: CapacityRequest
    state: State
    offer: Offer
    partner: Partner
    answer: DeploymentAnswer | None


def own_expert(session: Session, actor: Actor | None) -> Expert | None:
    """The roster entry of the signed-in expert account; None for anyone else."""
    if not permissions.can_view_own_deployments(actor):
        return None
    return session.exec(select(Expert).where(Expert.account_id == actor.account_id,  # type: ignore[union-attr]
                                             Expert.erased_at.is_(None))).first()  # type: ignore[union-attr]


def _deployments(actor: Actor | None, expert: Expert):  # type: ignore[no-untyped-def]
    """The expert's deployments with what the page shows of each, in one statement (and one
    for their teams)."""
    return (select(Engagement, CapacityRequest, State, Offer, Partner, DeploymentAnswer)
            .join(CapacityRequest, CapacityRequest.id == Engagement.request_id)  # type: ignore[arg-type]
            .join(State, State.code == CapacityRequest.state_code)  # type: ignore[arg-type]
            .join(Offer, Offer.id == Engagement.offer_id)  # type: ignore[arg-type]
            .join(Partner, Partner.id == Offer.partner_id)  # type: ignore[arg-type]
            .outerjoin(DeploymentAnswer, (DeploymentAnswer.engagement_id == Engagement.id)
                       & (DeploymentAnswer.expert_id == expert.id))  # type: ignore[arg-type]
            .where(permissions.deployment_visibility(actor))
            .options(selectinload(Engagement.team)))


def list_deployments(session: Session, *, actor: Actor | None, limit: int,
                     offset: int) -> tuple[list[Deployment], int]:
    """A page of the signed-in expert's deployments, soonest start first, and their count:
    three statements whatever the number of deployments."""
    expert = own_expert(session, actor)
    if expert is None:
        return [], 0
    total = session.exec(select(func.count()).select_from(Engagement)
                         .where(permissions.deployment_visibility(actor))).one()
    rows = session.exec(
        _deployments(actor, expert)
        .order_by(Engagement.start, Engagement.id)  # type: ignore[arg-type]
        .offset(offset).limit(limit)).all()
    return [Deployment(*row) for row in rows], total


def get_deployment(session: Session, *, actor: Actor | None, engagement_id: int) -> Deployment:
    expert = own_expert(session, actor)
    row = None if expert is None else session.exec(
        _deployments(actor, expert).where(Engagement.id == engagement_id)).first()
    if row is None:
        raise NotFound(f"no deployment on engagement {engagement_id}")
    return Deployment(*row)


def answer_deployment(session: Session, *, actor: Actor | None, engagement_id: int,
                      accept: bool, reason: str = "",
                      expected_version: int | None = None) -> Deployment:
    """Record the expert's answer. Declining needs a reason; the answer can change until the
    engagement is completed. `expected_version` is the answer's version the expert saw (0 for
    no answer yet): a stale answer is a Conflict, never an overwrite."""
    engagement = session.get(Engagement, engagement_id)
    expert = own_expert(session, actor)
    if engagement is None:
        raise NotFound(f"no deployment on engagement {engagement_id}")
    if expert is None or not permissions.can_answer_deployment(actor, expert, engagement):
        if permissions.find_visible(session, Engagement, engagement_id,
                                    permissions.engagement_visibility(actor)) is not None:
            raise PermissionDenied("only the experts an engagement deploys answer their deployment")
        raise NotFound(f"no deployment on engagement {engagement_id}")
    # Answers to one engagement queue on its row: a double submission cannot insert twice.
    locking.lock(session, engagement)
    if expert.id not in engagement.expert_ids:  # taken off the team while we waited
        raise NotFound(f"no deployment on engagement {engagement_id}")
    if engagement.status == EngagementStatus.COMPLETED:
        raise Conflict("the engagement is completed: its deployments can no longer be answered")
    choice = DeploymentAnswerChoice.ACCEPTED if accept else DeploymentAnswerChoice.DECLINED
    reason = (reason or "").strip()
    problems = Problems()
    if choice == DeploymentAnswerChoice.DECLINED:
        check_text(problems, "reason", reason, max_length=REASON_MAX_LENGTH)
    elif reason:
        problems.add("reason", "decline_only", "reason: only a decline takes a reason")
    problems.raise_if_any()

    answer = session.exec(select(DeploymentAnswer).where(
        DeploymentAnswer.engagement_id == engagement_id,
        DeploymentAnswer.expert_id == expert.id)).first()
    current_version = answer.version if answer else 0
    if expected_version is not None and expected_version != current_version:
        raise StaleVersion(f"your answer changed since you read it (expectedVersion {expected_version}, "
                       f"now {current_version}); reload the deployment and answer again")
    if answer is not None and answer.answer == choice and answer.reason == reason:
        raise Conflict(f"you already answered {choice.value.lower()}")
    assert actor is not None
    if answer is None:
        answer = DeploymentAnswer(engagement_id=engagement_id, expert_id=expert.id,  # type: ignore[arg-type]
                                  answer=choice, reason=reason, account_id=actor.account_id)
    else:
        answer.answer, answer.reason = choice, reason
        answer.account_id, answer.answered_at = actor.account_id, utcnow()
        answer.version += 1
    session.add(answer)
    session.flush()
    payload: dict = {"engagement": engagement_id, "expert": expert.id, "answer": choice.value}
    if reason:  # free text that may be personal: the chain keeps its digest only
        payload["reason_sha256"] = audit.text_digest(reason)
    audit.record(session, actor_account_id=actor.account_id, action="deployment.answered",
                 subject_type="engagement", subject_id=engagement_id, payload=payload)
    if choice == DeploymentAnswerChoice.DECLINED:
        queue_decline_notices(session, engagement)
    return get_deployment(session, actor=actor, engagement_id=engagement_id)


def answers_by_engagement(session: Session,
                          engagement_ids: list[int]) -> dict[int, list[DeploymentAnswer]]:
    """The experts' answers to these engagements, in one statement (for callers who already
    may see the engagements)."""
    found: dict[int, list[DeploymentAnswer]] = {i: [] for i in engagement_ids}
    if engagement_ids:
        for answer in session.exec(select(DeploymentAnswer).where(
                DeploymentAnswer.engagement_id.in_(set(engagement_ids)))  # type: ignore[attr-defined]
                .order_by(DeploymentAnswer.id)):  # type: ignore[arg-type]
            found[answer.engagement_id].append(answer)
    return found
