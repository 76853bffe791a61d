"""A hand-built data set whose every public figure is worked out by hand in EXPECTED.

Rows are written directly (not through the services) so that dates can lie in the past and
each case the statistics must handle appears exactly once: a draft, a request withdrawn
while a draft, one withdrawn after submission, one from another year, a funded request with
an engagement, one funded by an approved proposal only, a rejected match, reports on time,
late, overdue and due, and a report whose latest version is a draft revision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from facility.auth.models import Account, Partner, PartnerKind, Role
from facility.auth.service import create_account
from facility.dialogue.models import ProgressUpdate, UpdateStatus
from facility.engagements.models import Engagement, EngagementStatus, FollowUpReport, ReportKind
from facility.offers.models import Offer, OfferKind, OfferStatus
from facility.reference.models import Recommendation, RecommendationSdg, Theme
from facility.requests.models import (
    CapacityRequest,
    RequestRecommendation,
    RequestStatus,
    RequestTheme,
)
from facility.stories.models import StoryStatus, SuccessStory
from governance.models import MatchProposal, OptimiserRun, ProposalStatus, RunStatus

TODAY = date(2028, 6, 1)  # the clock the figures are computed against
YEAR = 2027


def at(day: str) -> datetime:
    return datetime.fromisoformat(day).replace(hour=9, tzinfo=UTC)


@dataclass
class Dataset:
    secretariat: Account
    kenya: Account
    published_story: SuccessStory
    proposed_story: SuccessStory


def build(session: Session) -> Dataset:
    """Write the data set into the session (flushed, not committed)."""
    staff = create_account(session, role=Role.SECRETARIAT, email="stats-staff@example.org",
                           name="Statistics staff")
    missions = {code: create_account(session, role=Role.STATE, email=f"stats-{code}@example.org",
                                     name=f"Mission {code}", state_code=code)
                for code in ("KEN", "GHA", "BRA", "IND", "POL", "NOR")}
    partner_account = create_account(session, role=Role.PARTNER, email="stats-partner@example.org",
                                     name="Stats partner", partner_name="Stats Donor Agency",
                                     partner_kind=PartnerKind.DONOR_AGENCY)
    partner = session.exec(select(Partner).where(Partner.name == "Stats Donor Agency")).one()
    themes = {t.name: t.id for t in session.exec(select(Theme))}

    def recommendation(code: str, state: str, goals: list[int]) -> int:
        rec = Recommendation(source_id=f"STATS-{code}", source="upr-info", state_code=state,
                             recommended_by="Norway", text=f"Recommendation {code} (test data)",
                             response="SUPPORTED", cycle=3, session=40)
        session.add(rec)
        session.flush()
        for goal in goals:
            session.add(RecommendationSdg(recommendation_id=rec.id, goal_number=goal))
        return rec.id  # type: ignore[return-value]

    recs = {"A1": recommendation("A1", "KEN", [16]), "A2": recommendation("A2", "KEN", [16]),
            "B": recommendation("B", "GHA", [16]), "C": recommendation("C", "BRA", [16, 10]),
            "D": recommendation("D", "IND", [5]), "E": recommendation("E", "KEN", []),
            "F": recommendation("F", "POL", [])}

    def request(key: str, state: str, status: RequestStatus, submitted: str | None, budget: int,
                theme_names: list[str], rec_keys: list[str]) -> CapacityRequest:
        row = CapacityRequest(
            state_code=state, status=status, title=f"Request {key} (test data)", need="A need",
            window_start=date(2027, 1, 1), window_end=date(2027, 12, 31), weeks=4,
            experts_needed=1, budget=budget, currency="USD", priority=3,
            created_by_id=missions[state].id,  # type: ignore[arg-type]
            submitted_at=at(submitted) if submitted else None)
        session.add(row)
        session.flush()
        for name in theme_names:
            session.add(RequestTheme(request_id=row.id, theme_id=themes[name]))
        for k in rec_keys:
            session.add(RequestRecommendation(request_id=row.id, recommendation_id=recs[k]))
        return row

    r1 = request("R1", "KEN", RequestStatus.COMPLETED, "2027-01-10", 100_000, ["Justice"], ["A1", "A2"])
    r2 = request("R2", "GHA", RequestStatus.APPROVED, "2027-02-01", 50_000, ["Justice", "NHRI"], ["B"])
    r3 = request("R3", "BRA", RequestStatus.COMPLETED, "2025-11-01", 80_000, ["NHRI"], ["C"])
    r4 = request("R4", "IND", RequestStatus.ELIGIBLE, "2027-05-01", 40_000, ["Women's rights"], ["D"])
    request("R5", "IND", RequestStatus.WITHDRAWN, "2027-04-01", 30_000, ["Justice"], ["D"])
    request("R6", "NOR", RequestStatus.DRAFT, None, 999_000, ["Justice"], [])
    request("R7", "POL", RequestStatus.ELIGIBLE, "2026-06-01", 20_000, ["Justice"], ["F"])
    request("R8", "KEN", RequestStatus.WITHDRAWN, None, 777_000, ["Justice"], ["E"])
    request("R9", "KEN", RequestStatus.SUBMITTED, "2027-03-01", 50_000, ["Justice"], ["E"])

    offer = Offer(partner_id=partner.id, status=OfferStatus.PUBLISHED, title="Stats offer",  # type: ignore[arg-type]
                  kind=OfferKind.FUNDING, budget=500_000, currency="USD", max_requests=5,
                  window_start=date(2025, 1, 1), window_end=date(2028, 12, 31),
                  created_by_id=partner_account.id)  # type: ignore[arg-type]
    session.add(offer)
    session.flush()

    def run(day: str) -> OptimiserRun:
        row = OptimiserRun(status=RunStatus.DONE, criteria_version=1, time_limit=1,
                           started_by_id=staff.id, created_at=at(day))  # type: ignore[arg-type]
        session.add(row)
        session.flush()
        return row

    run_2025, run_2027 = run("2025-11-10"), run("2027-02-15")

    def proposal(r: CapacityRequest, opt: OptimiserRun, status: ProposalStatus) -> MatchProposal:
        row = MatchProposal(run_id=opt.id, request_id=r.id, offer_id=offer.id, expert_ids=[],  # type: ignore[arg-type]
                            value=1, fit=1, explanation="test data", status=status)
        session.add(row)
        session.flush()
        return row

    p1 = proposal(r1, run_2027, ProposalStatus.CONFIRMED)
    proposal(r2, run_2027, ProposalStatus.APPROVED)
    proposal(r4, run_2027, ProposalStatus.REJECTED)
    p3 = proposal(r3, run_2025, ProposalStatus.CONFIRMED)

    def engagement(r: CapacityRequest, p: MatchProposal, created: str, start: date,
                   end: date) -> Engagement:
        row = Engagement(proposal_id=p.id, request_id=r.id, offer_id=offer.id, expert_ids=[],  # type: ignore[arg-type]
                         start=start, end=end, budget=r.budget, currency="USD",
                         status=EngagementStatus.COMPLETED, created_at=at(created))
        session.add(row)
        session.flush()
        return row

    # R1: 60 days from submission to engagement; R3: 20 days.
    e1 = engagement(r1, p1, "2027-03-11", date(2027, 4, 1), date(2027, 5, 10))
    e3 = engagement(r3, p3, "2025-11-21", date(2026, 1, 5), date(2026, 3, 31))

    def report(e: Engagement, kind: ReportKind, due: date, *, version: int = 1,
               submitted: str | None = None, on_time: bool | None = None, superseded: bool = False,
               first: str | None = None, statuses: list[tuple[str, str]] = ()) -> FollowUpReport:
        row = FollowUpReport(
            engagement_id=e.id, kind=kind, due_date=due, version=version, superseded=superseded,  # type: ignore[arg-type]
            recommendations=[{"recommendation_id": recs[k], "status": s, "evidence": "",
                              "links": []} for k, s in statuses],
            indicators=[{"type": "PROCESS", "name": "Officials trained", "unit": "persons",
                         "baseline": "0", "target": "50", "current": "40"}],
            narrative="Narrative (test data)", on_time=on_time,
            submitted_at=at(submitted) if submitted else None,
            first_submitted_at=at(first or submitted) if (first or submitted) else None)
        session.add(row)
        session.flush()
        return row

    # E1 (AFRICAN): 12 months submitted late; 24 months due.
    late = report(e1, ReportKind.TWELVE_MONTHS, date(2028, 5, 10), submitted="2028-05-20",
                  on_time=False, statuses=[("A1", "PARTIALLY_IMPLEMENTED"), ("A2", "NOT_STARTED")])
    report(e1, ReportKind.TWENTY_FOUR_MONTHS, date(2029, 5, 10))
    # E3 (GRULAC): 12 months on time, then a revision still in draft; 24 months overdue.
    on_time = report(e3, ReportKind.TWELVE_MONTHS, date(2027, 3, 31), submitted="2027-03-01",
                     on_time=True, superseded=True,
                     statuses=[("C", "FULLY_IMPLEMENTED")])
    report(e3, ReportKind.TWELVE_MONTHS, date(2027, 3, 31), version=2, on_time=True,
           first="2027-03-01", statuses=[("C", "NOT_STARTED")])
    report(e3, ReportKind.TWENTY_FOUR_MONTHS, date(2028, 3, 31))

    published = SuccessStory(report_id=on_time.id, state_code="BRA", status=StoryStatus.PUBLISHED,  # type: ignore[arg-type]
                             title="A national human rights institution accredited (test data)",
                             summary="Brazil's institution was accredited with A status.",
                             parts=["RECOMMENDATIONS", "INDICATORS", "NARRATIVE"],
                             proposed_by_id=staff.id, published_by_id=staff.id,  # type: ignore[arg-type]
                             answered_at=at("2027-05-01"), published_at=at("2027-06-01"))
    proposed = SuccessStory(report_id=late.id, state_code="KEN", status=StoryStatus.PROPOSED,  # type: ignore[arg-type]
                            title="Unconsented proposal (test data)", summary="Not yet consented.",
                            parts=[], proposed_by_id=staff.id)  # type: ignore[arg-type]
    session.add_all([published, proposed])

    # Progress updates on the dialogue platform: three published in YEAR by two African States,
    # one in 2026 (GRULAC), one draft (never counted).
    def update(key: str, state: str, status: str, published: str | None, barriers: str = "",
               support: str = "") -> None:
        session.add(ProgressUpdate(
            state_code=state, recommendation_id=recs[key], implementation_status=status,
            status=UpdateStatus.PUBLISHED if published else UpdateStatus.DRAFT,
            evidence="Evidence (test data)", barriers=barriers, support_wanted=support,
            created_by_id=missions[state].id,  # type: ignore[arg-type]
            published_at=at(published) if published else None))

    update("A1", "KEN", "FULLY_IMPLEMENTED", "2027-04-02", barriers="Court backlog")
    update("A2", "KEN", "PARTIALLY_IMPLEMENTED", "2027-08-15", support="Training of judges")
    update("B", "GHA", "NOT_STARTED", "2027-09-30", barriers="Budget", support="An expert")
    update("C", "BRA", "FULLY_IMPLEMENTED", "2026-12-01")
    update("D", "IND", "NOT_STARTED", None, barriers="Draft barrier")
    session.flush()
    return Dataset(secretariat=staff, kenya=missions["KEN"], published_story=published,
                   proposed_story=proposed)


# The figures, worked out by hand from the rows above (all years, then YEAR).
EXPECTED = {
    "requests_by_group": {"AFRICAN": (3, 0), "APG": (1, 1), "EEG": (1, 0), "GRULAC": (1, 0),
                          "WEOG": (0, 0)},
    "requests_by_group_year": {"AFRICAN": (3, 0), "APG": (1, 1), "EEG": (0, 0), "GRULAC": (0, 0),
                               "WEOG": (0, 0)},
    "requests_by_theme": [("Justice", 4), ("NHRI", 2), ("Women's rights", 1)],
    "requests_by_theme_year": [("Justice", 3), ("NHRI", 1), ("Women's rights", 1)],
    "requests_by_sdg": {16: 3, 10: 1, 5: 1},
    # (requests, funded requests, requested, funded)
    "funding_by_group": {"AFRICAN": (3, 2, 200_000, 150_000), "APG": (1, 0, 40_000, 0),
                         "EEG": (1, 0, 20_000, 0), "GRULAC": (1, 1, 80_000, 80_000)},
    "time_to_engagement": {"AFRICAN": (1, 60.0), "GRULAC": (1, 20.0), None: (2, 40.0)},
    "time_to_engagement_year": {"AFRICAN": (1, 60.0), "GRULAC": (0, None), None: (1, 60.0)},
    # (due, overdue, on time, late)
    "follow_up_compliance": {"AFRICAN": (1, 0, 0, 1), "GRULAC": (0, 1, 1, 0), None: (1, 1, 1, 1)},
    # TWELVE_MONTHS: (reports, not started, partially, fully)
    "implementation_status": {"TWELVE_MONTHS": (2, 1, 1, 1), "TWENTY_FOUR_MONTHS": (0, 0, 0, 0)},
    # published progress updates: (updates, States, fully, partially, not started, barriers,
    # support asked)
    "progress_updates": {"AFRICAN": (3, 2, 1, 1, 1, 2, 2), "GRULAC": (1, 1, 1, 0, 0, 0, 0),
                         None: (4, 3, 2, 1, 1, 2, 2)},
    "progress_updates_year": {"AFRICAN": (3, 2, 1, 1, 1, 2, 2), "GRULAC": (0, 0, 0, 0, 0, 0, 0),
                              None: (3, 2, 1, 1, 1, 2, 2)},
    "proposals_year": {"APPROVED": 1, "CONFIRMED": 1, "REJECTED": 1, "PROPOSED": 0, "DECLINED": 0},
}
