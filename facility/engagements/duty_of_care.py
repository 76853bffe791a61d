"""Duty of care: the checklist the partner completes before its team deploys.

Every engagement has the same checklist (`CareItem`: the team's briefing, security
clearance, insurance, visas, medical clearance). The partner whose offer funds the engagement
ticks each item off (or back) while the engagement is scheduled; the engagement cannot be
marked as started until every item is done (facility/engagements/lifecycle.py, rule
`duty_of_care`, whose message names the items missing; facility/engagements/checklist.py
reads what is done).
"""

from __future__ import annotations

from sqlalchemy import delete
from sqlmodel import Session, col

from facility import audit
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.engagements.checklist import done_by_engagement
from facility.engagements.models import (
    CareItem,
    Engagement,
    EngagementCareItem,
    EngagementStatus,
)
from facility.engagements.service import get_engagement
from facility.errors import Conflict, PermissionDenied, Problems
from facility.locking import lock


def record(session: Session, *, actor: Actor | None, engagement_id: int, items: list[str],
           done: bool = True) -> Engagement:
    """Tick these items off the checklist (or back, with done=False)."""
    engagement = get_engagement(session, actor=actor, engagement_id=engagement_id)
    if not permissions.can_record_duty_of_care(session, actor, engagement):
        raise PermissionDenied("only the partner funding the engagement completes its "
                               "duty-of-care checklist")
    assert actor is not None
    lock(session, engagement)
    if engagement.status != EngagementStatus.SCHEDULED:
        raise Conflict("the duty-of-care checklist is completed before the engagement starts")
    problems = Problems()
    chosen: list[CareItem] = []
    for raw in items:
        try:
            chosen.append(CareItem(raw))
        except ValueError:
            problems.add("items", "known_item", f"items: {raw!r} is not one of "
                         f"{', '.join(i.value for i in CareItem)}")
    if not items:
        problems.add("items", "required", "items: name at least one item of the checklist")
    problems.raise_if_any()
    current = {CareItem(r.item) for r in done_by_engagement(session, [engagement_id])[engagement_id]}
    if done:
        for item in chosen:
            if item not in current:
                session.add(EngagementCareItem(engagement_id=engagement_id, item=item,
                                               done_by_id=actor.account_id))
    else:
        session.exec(delete(EngagementCareItem).where(
            col(EngagementCareItem.engagement_id) == engagement_id,
            col(EngagementCareItem.item).in_([i.value for i in chosen])))
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="engagement.duty_of_care",
                 subject_type="engagement", subject_id=engagement_id,
                 payload={"items": sorted({i.value for i in chosen}), "done": done})
    return engagement
