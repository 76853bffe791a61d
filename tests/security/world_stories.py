"""The matrix world's success stories: completed engagements of Kenya (Norad's offer) and Ghana
(GIZ's) with submitted follow-up reports, and a story in each state the rows need.

Written as rows, not through the services, so that the proposals the other rows confirm and
decline stay untouched; each report carries at most one active story, as the service requires.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from facility.auth.models import Account, Role
from facility.engagements.models import Engagement, EngagementStatus, FollowUpReport, ReportKind
from facility.ids import decode_id, encode_id
from facility.requests.models import CapacityRequest, RequestRecommendation, RequestStatus
from facility.stories.models import StoryStatus, SuccessStory
from facility.timeutil import utcnow
from governance.models import MatchProposal, OptimiserRun, ProposalStatus, RunStatus


def build_stories(session: Session, ids: dict) -> None:
    """Adds report_ken_free and story_{ken_proposed,ken_consented,ken_published,gha_proposed}."""
    staff = session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first()
    run = OptimiserRun(status=RunStatus.DONE, criteria_version=1, time_limit=1,
                       started_by_id=staff.id)  # type: ignore[union-attr]
    session.add(run)
    session.flush()

    def engagement(state: str, rec: str, offer: str) -> list[FollowUpReport]:
        mission = session.exec(select(Account).where(Account.role == Role.STATE,
                                                     Account.state_code == state)).one()
        request = CapacityRequest(
            state_code=state, status=RequestStatus.COMPLETED, title=f"Completed request of {state}",
            need="Matrix world", window_start=date(2025, 1, 1), window_end=date(2025, 6, 30),
            weeks=4, experts_needed=0, budget=50_000, currency="USD", priority=3,
            created_by_id=mission.id, submitted_at=utcnow())  # type: ignore[arg-type]
        session.add(request)
        session.flush()
        rec_pk = decode_id("Recommendation", ids["recs"][rec])
        session.add(RequestRecommendation(request_id=request.id, recommendation_id=rec_pk))
        offer_pk = decode_id("Offer", ids[offer])
        proposal = MatchProposal(run_id=run.id, request_id=request.id, offer_id=offer_pk,  # type: ignore[arg-type]
                                 expert_ids=[], value=1, fit=1, explanation="matrix world",
                                 status=ProposalStatus.CONFIRMED)
        session.add(proposal)
        session.flush()
        row = Engagement(proposal_id=proposal.id, request_id=request.id, offer_id=offer_pk,  # type: ignore[arg-type]
                         expert_ids=[], start=date(2025, 2, 1), end=date(2025, 3, 31),
                         budget=50_000, currency="USD", status=EngagementStatus.COMPLETED)
        session.add(row)
        session.flush()
        reports = []
        for kind, due in ((ReportKind.TWELVE_MONTHS, date(2026, 3, 31)),
                          (ReportKind.TWENTY_FOUR_MONTHS, date(2027, 3, 31))):
            report = FollowUpReport(
                engagement_id=row.id, kind=kind, due_date=due,  # type: ignore[arg-type]
                recommendations=[{"recommendation_id": rec_pk, "status": "PARTIALLY_IMPLEMENTED",
                                  "evidence": "Matrix evidence", "links": []}],
                indicators=[{"type": "OUTCOME", "name": "Matrix indicator", "unit": "", "baseline": "0",
                             "target": "1", "current": "1"}],
                narrative="Matrix narrative", on_time=True, first_submitted_at=utcnow(),
                submitted_at=utcnow(), submitted_by_id=mission.id)
            session.add(report)
            reports.append(report)
        session.flush()
        return reports

    ken_a, ken_b = engagement("KEN", "SEC-KEN-1", "norad_pub"), engagement("KEN", "SEC-KEN-2", "norad_pub")
    [gha, _] = engagement("GHA", "SEC-GHA-1", "giz_pub")

    def story(report: FollowUpReport, state: str, status: StoryStatus) -> str:
        row = SuccessStory(report_id=report.id, state_code=state, status=status,  # type: ignore[arg-type]
                           title=f"Matrix story ({status})", summary="Matrix summary",
                           parts=["RECOMMENDATIONS", "NARRATIVE"], proposed_by_id=staff.id,  # type: ignore[union-attr]
                           published_at=utcnow() if status == StoryStatus.PUBLISHED else None)
        session.add(row)
        session.flush()
        return encode_id("SuccessStory", row.id)  # type: ignore[arg-type]

    ids["story_ken_proposed"] = story(ken_a[0], "KEN", StoryStatus.PROPOSED)
    ids["story_ken_consented"] = story(ken_a[1], "KEN", StoryStatus.CONSENTED)
    ids["story_ken_published"] = story(ken_b[0], "KEN", StoryStatus.PUBLISHED)
    ids["story_gha_proposed"] = story(gha, "GHA", StoryStatus.PROPOSED)
    ids["report_ken_free"] = encode_id("FollowUpReport", ken_b[1].id)  # type: ignore[arg-type]


def story_variables(ids: dict, name: str, target: str) -> dict | None:
    """The variables of the story mutations' matrix rows (None: not a story mutation)."""
    if name == "proposeSuccessStory":
        return {"reportId": ids[target], "input": {"title": "Matrix proposal",
                                                   "summary": "Proposed by the matrix",
                                                   "parts": ["NARRATIVE"]}}
    if name in ("consentToSuccessStory", "publishSuccessStory"):
        return {"id": ids[target]}
    if name in ("declineSuccessStory", "withdrawSuccessStoryConsent"):
        return {"id": ids[target], "reason": "Refused in the permission matrix"}
    return None


def story_probe(ids: dict, q, name: str, target: str) -> str | None:  # type: ignore[no-untyped-def]
    """The answer of the story and statistics queries' rows (None: not one of them)."""
    tid = ids.get(target)
    if name == "publicStatistics":
        groups = q("{ publicStatistics { requestsByGroup { regionalGroup requests } } }")
        return "visible" if len(groups["publicStatistics"]["requestsByGroup"]) == 5 else "null"
    if name == "successStories":
        data = q("{ s: successStories(first: 100) { edges { node { id } } } }")["s"]
        return "listed" if tid in {e["node"]["id"] for e in data["edges"]} else "absent"
    if name == "successStory":
        found = q("query($id: ID!) { s: successStory(id: $id) { id } }", id=tid)["s"]
        return "null" if found is None else "visible"
    if name == "successStory.report":
        found = q("query($id: ID!) { s: successStory(id: $id) { report { id narrative } } }",
                  id=tid)["s"]
        return "null" if found is None or found["report"] is None else "visible"
    return None
