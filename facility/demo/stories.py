"""The demo's success story: a completed engagement whose State filed its one-year report, which
the secretariat proposes, the State consents to and the secretariat publishes.

If the demo already holds a completed engagement with a submitted report (the follow-up part
of the demo), the story tells that one; otherwise one of the confirmed engagements is
completed here, through the same services a user would call, with dates moved into the past
(and the reason recorded) so that its one-year report can be filed today, on time.
"""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, col, select

from facility.auth.actor import Actor
from facility.demo.follow_up import complete_duty_of_care, completion_reason, moment
from facility.engagements import reports
from facility.engagements import service as engagements
from facility.engagements.models import (
    Engagement,
    EngagementStatus,
    FollowUpReport,
    ImplementationStatus,
    ReportKind,
)
from facility.requests.models import CapacityRequest
from facility.requests.service import recommendation_ids_by_request
from facility.stories import service as stories
from facility.timeutil import add_months, today

STATUSES = (ImplementationStatus.PARTIALLY_IMPLEMENTED, ImplementationStatus.FULLY_IMPLEMENTED,
            ImplementationStatus.NOT_STARTED)


def _submitted_report(session: Session) -> FollowUpReport | None:
    return session.exec(select(FollowUpReport).where(
        col(FollowUpReport.submitted_at).is_not(None),
        ~col(FollowUpReport.superseded)).order_by(col(FollowUpReport.id))).first()


def _complete_and_report(session: Session, secretariat: Actor,
                         missions: dict[str, Actor]) -> FollowUpReport | None:
    engagement = session.exec(select(Engagement).where(
        col(Engagement.status) == EngagementStatus.SCHEDULED).order_by(col(Engagement.id))).first()
    if engagement is None:
        return None
    request = session.get(CapacityRequest, engagement.request_id)
    mission = missions.get(request.state_code) if request else None
    if request is None or mission is None:
        return None
    end = add_months(today(), -11)
    engagements.amend_engagement(
        session, actor=secretariat, engagement_id=engagement.id,  # type: ignore[arg-type]
        start=end - timedelta(days=7 * request.weeks - 1), end=end,
        reason="Delivered before the demo begins, so that its first report is due (demo)")
    # Agreed a month before it started, filed three months before: the statistics count by these.
    engagement.created_at = moment(engagement.start - timedelta(days=30))
    request.submitted_at = moment(engagement.start - timedelta(days=90))
    session.add_all([engagement, request])
    complete_duty_of_care(session, engagement)
    for status in (EngagementStatus.IN_PROGRESS, EngagementStatus.COMPLETED):
        engagements.record_progress(session, actor=secretariat, engagement_id=engagement.id,  # type: ignore[arg-type]
                                    status=status, reason=completion_reason(status))
    twelve = session.exec(select(FollowUpReport).where(
        FollowUpReport.engagement_id == engagement.id,
        FollowUpReport.kind == ReportKind.TWELVE_MONTHS)).one()
    linked = recommendation_ids_by_request(session, [request.id])[request.id]  # type: ignore[list-item]
    reports.save_report(session, actor=mission, report_id=twelve.id, changes=reports.ReportChanges(  # type: ignore[arg-type]
        recommendations=[{"recommendation_id": rid, "status": STATUSES[i % len(STATUSES)].value,
                          "evidence": "Draft law tabled in parliament; training of officials "
                                      "completed in two regions (demo).",
                          "links": ["https://example.org/demo/evidence"]}
                         for i, rid in enumerate(linked)],
        indicators=[
            {"type": "STRUCTURAL", "name": "Implementing legislation adopted (demo)",
             "unit": "yes/no", "baseline": "no", "target": "yes", "current": "tabled"},
            {"type": "PROCESS", "name": "Officials trained (demo)", "unit": "persons",
             "baseline": "0", "target": "150", "current": "162"},
            {"type": "OUTCOME", "name": "Complaints resolved within six months (demo)",
             "unit": "%", "baseline": "38", "target": "60", "current": "51"}],
        narrative="The expert mission helped the ministry draft the implementing law and train "
                  "the officials who apply it; the national mechanism now tracks the "
                  "recommendations concerned (fictitious demo narrative).",
        further_needs="Support to evaluate the first year of the new law (demo)."))
    return reports.submit_report(session, actor=mission, report_id=twelve.id)  # type: ignore[arg-type]


def _summary(report: FollowUpReport) -> str:
    """What the report says, in its own figures: an indicator below its target is not called
    beyond it."""
    figures = "; ".join(f"{i['name'].removesuffix(' (demo)').lower()}: {i['current']} "
                        f"against a target of {i['target']}"
                        for i in report.indicators if i["type"] == "PROCESS")
    return ("A year after the expert mission, the State reports progress on the recommendations "
            f"it asked for help with ({figures}). Fictitious demo story.")


def seed_stories(session: Session, *, secretariat: Actor, missions: dict[str, Actor]) -> list[str]:
    """Publish one success story with the State's consent; returns what was done."""
    report = _submitted_report(session) or _complete_and_report(session, secretariat, missions)
    if report is None:
        return ["no completed engagement with a submitted report: no success story seeded"]
    engagement = session.get(Engagement, report.engagement_id)
    request = session.get(CapacityRequest, engagement.request_id)  # type: ignore[union-attr]
    mission = missions.get(request.state_code) if request else None
    if request is None or mission is None:
        return ["the submitted report's State has no demo mission: no success story seeded"]
    story = stories.propose_story(
        session, actor=secretariat, report_id=report.id,  # type: ignore[arg-type]
        title=f"[Demo] {request.title.removeprefix('[Demo] ')}: one year on",
        summary=_summary(report),
        parts=["RECOMMENDATIONS", "INDICATORS", "NARRATIVE"])
    stories.consent_to_story(session, actor=mission, story_id=story.id)  # type: ignore[arg-type]
    stories.publish_story(session, actor=secretariat, story_id=story.id)  # type: ignore[arg-type]
    return [f"success story published with the consent of {request.state_code}: {story.title}"]
