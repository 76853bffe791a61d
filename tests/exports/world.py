"""A realistic world for the export and coordination tests, built through the services where
they exist: three partners (a donor agency, OHCHR, a UN agency), published, closed and draft
offers, requests from Kenya, Ghana and Argentina tied to recommendations with SDG links, and
four engagements at every stage, two with submitted follow-up reports (one with an unsubmitted
correction). Secrets that must never be exported are spelled with SECRET in them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlmodel import Session, select

from facility.auth.actor import Actor
from facility.auth.models import PartnerKind, Role
from facility.auth.service import create_account
from facility.engagements.models import (
    CareItem,
    Engagement,
    EngagementCareItem,
    EngagementStatus,
    FollowUpReport,
)
from facility.engagements.service import record_progress
from facility.experts.models import Expert
from facility.offers.models import Offer, OfferKind, OfferStatus, OfferTheme
from facility.reference.models import Recommendation, RecommendationSdg, RecommendationTheme, Theme
from facility.requests.models import CapacityRequest, RequestRecommendation, RequestStatus, RequestTheme
from facility.timeutil import today_is, utcnow
from governance.models import MatchProposal, OptimiserRun, ProposalStatus

SECRET_TEXTS = ("SECRET draft offer", "SECRET draft request", "SECRET need of the State",
                "SECRET barrier", "Amina SECRET-Expert", "amina.secret@example.org",
                "+41 22 SECRET", "SECRET correction indicator", "SECRET unsubmitted narrative")

INDICATORS_12 = [
    {"type": "STRUCTURAL", "name": "National action plan adopted", "unit": "yes/no",
     "baseline": "no", "target": "yes", "current": "no"},
    {"type": "PROCESS", "name": "Judges trained", "unit": "persons", "baseline": "0",
     "target": "120", "current": "95"},
    {"type": "OUTCOME", "name": "Cases decided within a year", "unit": "%",
     "baseline": "41", "target": "60", "current": "47"},
]
INDICATORS_24 = [
    {"type": "STRUCTURAL", "name": "National action plan adopted", "unit": "yes/no",
     "baseline": "no", "target": "yes", "current": "yes"},
    {"type": "PROCESS", "name": "Judges trained", "unit": "persons", "baseline": "0",
     "target": "120", "current": "131"},
    {"type": "OUTCOME", "name": "Cases decided within a year", "unit": "%",
     "baseline": "41", "target": "60", "current": "58"},
]


@dataclass
class World:
    session: Session
    secretariat: Actor
    missions: dict[str, Actor]
    partners: dict[str, Actor]
    offers: dict[str, Offer]
    requests: dict[str, CapacityRequest]
    recs: dict[str, Recommendation]
    engagements: dict[str, Engagement]
    proposals: dict[str, MatchProposal]
    expert: Expert
    run: OptimiserRun
    extra: dict = field(default_factory=dict)


def _account(session: Session, role: Role, email: str, **kw) -> Actor:
    return Actor.from_account(create_account(session, role=role, email=email, name=email.split("@")[0], **kw))


def build_world(session: Session) -> World:
    themes = {t.name: t.id for t in session.exec(select(Theme))}
    secretariat = _account(session, Role.SECRETARIAT, "staff@facility.example.org")
    missions = {s: _account(session, Role.STATE, f"mission.{s.lower()}@example.org", state_code=s)
                for s in ("KEN", "GHA", "ARG")}
    partners = {
        "norad": _account(session, Role.PARTNER, "officer@norad.example.org", partner_name="Norad",
                          partner_kind=PartnerKind.DONOR_AGENCY, partner_state="NOR"),
        "ohchr": _account(session, Role.PARTNER, "officer@ohchr.example.org", partner_name="OHCHR",
                          partner_kind=PartnerKind.OHCHR),
        "undp": _account(session, Role.PARTNER, "officer@undp.example.org", partner_name="UNDP",
                         partner_kind=PartnerKind.UN_AGENCY),
    }

    recs: dict[str, Recommendation] = {}
    for source_id, state, text, theme_names, goals in [
        ("W-KEN-1", "KEN", "Strengthen the independence of the judiciary.", ["Justice"], [16]),
        ("W-KEN-2", "KEN", "Adopt a national action plan on violence against women.",
         ["Women's rights", "National plan of action"], [5, 16]),
        ("W-GHA-1", "GHA", "Strengthen the national human rights institution.", ["NHRI"], [16]),
        ("W-ARG-1", "ARG", "Guarantee access to health care for persons deprived of liberty.",
         ["Right to health", "Detention"], [3]),
    ]:
        rec = Recommendation(source_id=source_id, source="upr-info", state_code=state,
                             recommending_state_code="NOR", recommended_by="Norway", cycle=3,
                             session=35, text=text, response="SUPPORTED")
        session.add(rec)
        session.flush()
        session.add_all([RecommendationTheme(recommendation_id=rec.id, theme_id=themes[n])
                         for n in theme_names])
        session.add_all([RecommendationSdg(recommendation_id=rec.id, goal_number=g) for g in goals])
        recs[source_id] = rec

    now = utcnow()

    def offer(key: str, partner: str, title: str, kind: OfferKind, status: OfferStatus, budget: int,
              theme_names: list[str], start: date, end: date, description: str = "") -> Offer:
        row = Offer(partner_id=partners[partner].partner_id, status=status, title=title, kind=kind,
                    description=description, languages=["en"], budget=budget, currency="USD",
                    max_requests=3, window_start=start, window_end=end,
                    created_by_id=partners[partner].account_id,
                    published_at=None if status == OfferStatus.DRAFT else now)
        session.add(row)
        session.flush()
        session.add_all([OfferTheme(offer_id=row.id, theme_id=themes[n]) for n in theme_names])
        return row

    offers = {
        "norad_pub": offer("norad_pub", "norad", "Justice sector support", OfferKind.FUNDING,
                           OfferStatus.PUBLISHED, 500_000, ["Justice", "Women's rights"],
                           date(2027, 1, 1), date(2027, 12, 31), "Grants for justice reform."),
        "ohchr_pub": offer("ohchr_pub", "ohchr", "NHRI experts roster", OfferKind.EXPERT_DEPLOYMENT,
                           OfferStatus.PUBLISHED, 250_000, ["NHRI"], date(2026, 1, 1),
                           date(2027, 6, 30)),
        "undp_closed": offer("undp_closed", "undp", "Health in detention training",
                             OfferKind.TRAINING_PROGRAMME, OfferStatus.CLOSED, 120_000,
                             ["Right to health", "Detention"], date(2024, 1, 1), date(2024, 12, 31)),
        "norad_draft": offer("norad_draft", "norad", "SECRET draft offer", OfferKind.FUNDING,
                             OfferStatus.DRAFT, 999_999, ["Justice"], date(2027, 1, 1),
                             date(2027, 12, 31), "SECRET draft offer description"),
    }

    def request(key: str, state: str, title: str, rec_ids: list[str], status: RequestStatus,
                budget: int, start: date, end: date) -> CapacityRequest:
        mission = missions[state]
        row = CapacityRequest(state_code=state, status=status, title=title,
                              need="SECRET need of the State", barrier="SECRET barrier",
                              support_kinds=["TRAINING"], languages=["en"], window_start=start,
                              window_end=end, weeks=8, experts_needed=1, budget=budget,
                              currency="USD", priority=3, focal_point="Ms SECRET focal point",
                              created_by_id=mission.account_id,
                              submitted_at=None if status == RequestStatus.DRAFT else now)
        session.add(row)
        session.flush()
        linked = [recs[r] for r in rec_ids]
        session.add_all([RequestRecommendation(request_id=row.id, recommendation_id=r.id) for r in linked])
        names = sorted({n for r in linked for n in session.exec(select(Theme.name).join(
            RecommendationTheme, RecommendationTheme.theme_id == Theme.id).where(
            RecommendationTheme.recommendation_id == r.id))})
        session.add_all([RequestTheme(request_id=row.id, theme_id=themes[n]) for n in names])
        return row

    requests = {
        "ken_justice": request("ken_justice", "KEN", "Judicial training", ["W-KEN-1", "W-KEN-2"],
                               RequestStatus.ACTIVE, 80_000, date(2027, 3, 1), date(2027, 9, 30)),
        "gha_nhri": request("gha_nhri", "GHA", "NHRI accreditation support", ["W-GHA-1"],
                            RequestStatus.ACTIVE, 60_000, date(2026, 10, 1), date(2027, 3, 31)),
        "arg_health": request("arg_health", "ARG", "Health care in prisons", ["W-ARG-1"],
                              RequestStatus.ACTIVE, 45_000, date(2024, 2, 1), date(2024, 6, 30)),
        "ken_plan": request("ken_plan", "KEN", "National action plan drafting", ["W-KEN-2"],
                            RequestStatus.ACTIVE, 30_000, date(2025, 1, 1), date(2025, 6, 30)),
        "ken_draft": request("ken_draft", "KEN", "SECRET draft request", ["W-KEN-1"],
                             RequestStatus.DRAFT, 10_000, date(2027, 1, 1), date(2027, 6, 30)),
    }

    expert = Expert(partner_id=partners["ohchr"].partner_id, name="Amina SECRET-Expert",
                    email="amina.secret@example.org", phone="+41 22 SECRET", cv="SECRET cv",
                    nationality="SEN", languages=["en", "fr"], consent_at=now)
    session.add(expert)
    session.flush()

    run = OptimiserRun(criteria_version=1, time_limit=1, started_by_id=secretariat.account_id)
    session.add(run)
    session.flush()
    proposals: dict[str, MatchProposal] = {}
    engagements: dict[str, Engagement] = {}
    for key, request_key, offer_key, start in [
        ("ken_justice", "ken_justice", "norad_pub", date(2027, 3, 1)),
        ("gha_nhri", "gha_nhri", "ohchr_pub", date(2026, 10, 1)),
        ("arg_health", "arg_health", "undp_closed", date(2024, 2, 1)),
        ("ken_plan", "ken_plan", "ohchr_pub", date(2025, 1, 6)),
    ]:
        req, off = requests[request_key], offers[offer_key]
        proposal = MatchProposal(run_id=run.id, request_id=req.id, offer_id=off.id,
                                 expert_ids=[expert.id], value=10, fit=5, explanation="test match",
                                 status=ProposalStatus.CONFIRMED, state_confirmed_at=now,
                                 partner_confirmed_at=now)
        session.add(proposal)
        session.flush()
        engagement = Engagement(proposal_id=proposal.id, request_id=req.id, offer_id=off.id,
                                expert_ids=[expert.id], start=start,
                                end=start + timedelta(days=7 * req.weeks - 1), budget=req.budget,
                                currency="USD")
        session.add(engagement)
        session.flush()
        proposals[key], engagements[key] = proposal, engagement

    def step(key: str, status: EngagementStatus) -> None:
        """A step on its date; the experts accepted outside the platform (the secretariat's reason)."""
        engagement = engagements[key]
        if status == EngagementStatus.IN_PROGRESS:  # the partner completed the duty of care
            session.add_all([EngagementCareItem(engagement_id=engagement.id, item=item,
                                                done_by_id=secretariat.account_id) for item in CareItem])
            session.flush()
        with today_is(engagement.start if status == EngagementStatus.IN_PROGRESS else engagement.end):
            record_progress(session, actor=secretariat, engagement_id=engagement.id, status=status,
                            reason="Accepted by e-mail (test)")

    step("gha_nhri", EngagementStatus.IN_PROGRESS)
    for key in ("arg_health", "ken_plan"):
        for status in (EngagementStatus.IN_PROGRESS, EngagementStatus.COMPLETED):
            step(key, status)

    def submit(engagement: Engagement, kind: str, indicators: list[dict]) -> FollowUpReport:
        report = session.exec(select(FollowUpReport).where(
            FollowUpReport.engagement_id == engagement.id, FollowUpReport.kind == kind)).one()
        report.indicators, report.narrative = indicators, "Submitted narrative."
        report.submitted_at = report.first_submitted_at = now
        report.on_time = True
        session.add(report)
        session.flush()
        return report

    submit(engagements["arg_health"], "TWELVE_MONTHS", INDICATORS_12)
    submit(engagements["arg_health"], "TWENTY_FOUR_MONTHS", INDICATORS_24)
    first = submit(engagements["ken_plan"], "TWELVE_MONTHS", INDICATORS_12[:1])
    # A correction the State started but has not submitted: version 2, still a draft.
    first.superseded = True
    session.add(first)
    session.add(FollowUpReport(engagement_id=first.engagement_id, kind=first.kind,
                               due_date=first.due_date, version=2,
                               indicators=[{"type": "OUTCOME", "name": "SECRET correction indicator",
                                            "unit": "", "baseline": "1", "target": "2",
                                            "current": "3"}],
                               narrative="SECRET unsubmitted narrative",
                               first_submitted_at=first.first_submitted_at))
    session.flush()
    return World(session=session, secretariat=secretariat, missions=missions, partners=partners,
                 offers=offers, requests=requests, recs=recs, engagements=engagements,
                 proposals=proposals, expert=expert, run=run)
