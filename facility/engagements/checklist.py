"""What of an engagement's duty-of-care checklist is done (facility/engagements/duty_of_care.py
records it; the start of the engagement waits for all of it)."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from facility.engagements.models import CareItem, Engagement, EngagementCareItem


def done_by_engagement(session: Session, engagement_ids: list[int]) -> dict[int, list[EngagementCareItem]]:
    result: dict[int, list[EngagementCareItem]] = defaultdict(list)
    order = {item: i for i, item in enumerate(CareItem)}
    rows = session.exec(select(EngagementCareItem).where(
        col(EngagementCareItem.engagement_id).in_(engagement_ids)))
    for row in sorted(rows, key=lambda r: order[CareItem(r.item)]):
        result[row.engagement_id].append(row)
    return result


def missing(done: list[EngagementCareItem]) -> list[CareItem]:
    """The checklist's items not done yet, in the checklist's order."""
    ticked = {CareItem(r.item) for r in done}
    return [item for item in CareItem if item not in ticked]


def missing_for(session: Session, engagement: Engagement) -> list[CareItem]:
    return missing(done_by_engagement(session, [engagement.id])[engagement.id])  # type: ignore[list-item, index]
