"""What the IATI file publishes, read from the database in a handful of statements.

Only public or published facts are gathered: offers that were published (PUBLISHED or CLOSED,
never drafts), engagements (both sides confirmed them), the public reference data, and the
*submitted* versions of follow-up reports (never a draft or an unsubmitted correction). No
expert is read at all, so no expert's personal data can reach the file; the request's need
and barrier texts, which only the facility's accounts see, are not read either.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlmodel import Session, col, select

from facility.auth.models import Partner
from facility.auth.permissions import PUBLIC_OFFER_STATUSES
from facility.engagements.models import (
    Engagement,
    EngagementChange,
    EngagementChangeKind,
    EngagementStatus,
    FollowUpReport,
)
from facility.offers.models import Offer
from facility.offers.service import themes_by_offer
from facility.reference.loader import DATA_DIR
from facility.reference.models import Recommendation, RecommendationSdg, SdgGoal, State
from facility.requests.models import CapacityRequest
from facility.requests.service import recommendation_ids_by_request, themes_by_request

HUMAN_RIGHTS = "15160"
SECTOR_MAP_FILE = "iati_sectors_by_theme.csv"


@cache
def sector_by_theme() -> dict[str, tuple[str, str]]:
    """Theme name -> (DAC 5-digit purpose code, its name); reference/data/SOURCES.md says why."""
    with (DATA_DIR / SECTOR_MAP_FILE).open(encoding="utf-8", newline="") as handle:
        return {row["theme"]: (row["dac_code"], row["dac_name"]) for row in csv.DictReader(handle)}


def sectors_for(themes: list[str]) -> list[tuple[str, str]]:
    """15160 first, then each related DAC code the themes map to, once each."""
    codes = {HUMAN_RIGHTS: "Human rights"}
    table = sector_by_theme()
    for theme in sorted(themes):
        code, name = table.get(theme, (HUMAN_RIGHTS, "Human rights"))
        codes.setdefault(code, name)
    return list(codes.items())


@dataclass
class SubmittedReport:
    kind: str
    due_date: date
    version: int
    indicators: list[dict]
    submitted_at: datetime


@dataclass
class EngagementFacts:
    engagement: Engagement
    request_title: str
    state: State
    themes: list[str]
    recommendations: list[Recommendation]
    sdg_goals: list[tuple[int, str]]
    reports: list[SubmittedReport]
    started_on: date | None = None
    completed_on: date | None = None
    changed_at: list[datetime] = field(default_factory=list)


@dataclass
class OfferFacts:
    offer: Offer
    partner: Partner
    themes: list[str]
    engagements: list[EngagementFacts]


def _latest_submitted(session: Session, engagement_ids: list[int]) -> dict[int, list[SubmittedReport]]:
    """Per engagement, the latest submitted version of each report (12 months first)."""
    rows = session.exec(select(FollowUpReport).where(
        col(FollowUpReport.engagement_id).in_(engagement_ids),
        col(FollowUpReport.submitted_at).is_not(None))
        .order_by(col(FollowUpReport.engagement_id), col(FollowUpReport.kind),
                  col(FollowUpReport.version))).all()
    latest: dict[tuple[int, str], FollowUpReport] = {}
    for report in rows:
        latest[(report.engagement_id, report.kind)] = report  # later versions overwrite
    result: dict[int, list[SubmittedReport]] = defaultdict(list)
    for (engagement_id, _kind), report in sorted(latest.items(), key=lambda kv: kv[1].due_date):
        result[engagement_id].append(SubmittedReport(
            kind=report.kind, due_date=report.due_date, version=report.version,
            indicators=list(report.indicators), submitted_at=report.submitted_at))  # type: ignore[arg-type]
    return result


def _engagement_facts(session: Session, engagements: list[Engagement]) -> dict[int, EngagementFacts]:
    ids = [e.id for e in engagements]
    request_ids = [e.request_id for e in engagements]
    requests = {r.id: r for r in session.exec(
        select(CapacityRequest).where(col(CapacityRequest.id).in_(request_ids)))}
    states = {s.code: s for s in session.exec(select(State).where(
        col(State.code).in_({r.state_code for r in requests.values()})))}
    themes = themes_by_request(session, request_ids)
    rec_ids = recommendation_ids_by_request(session, request_ids)
    all_rec_ids = sorted({i for ids_ in rec_ids.values() for i in ids_})
    recs = {r.id: r for r in session.exec(
        select(Recommendation).where(col(Recommendation.id).in_(all_rec_ids)))}
    goal_titles = {g.number: g.short_titles.get("en") or g.titles.get("en", "")
                   for g in session.exec(select(SdgGoal))}
    goals_by_rec: dict[int, set[int]] = defaultdict(set)
    sdg_links = select(RecommendationSdg.recommendation_id, RecommendationSdg.goal_number).where(
        col(RecommendationSdg.recommendation_id).in_(all_rec_ids))
    for rec_id, goal in session.exec(sdg_links):
        goals_by_rec[rec_id].add(goal)
    reports = _latest_submitted(session, ids)  # type: ignore[arg-type]
    facts = {}
    for engagement in engagements:
        request = requests[engagement.request_id]
        linked = rec_ids.get(request.id, [])  # type: ignore[arg-type]
        goals = sorted({g for r in linked for g in goals_by_rec.get(r, ())})
        facts[engagement.id] = EngagementFacts(
            engagement=engagement, request_title=request.title, state=states[request.state_code],
            themes=themes.get(request.id, []), recommendations=[recs[r] for r in linked],  # type: ignore[arg-type]
            sdg_goals=[(g, goal_titles.get(g, "")) for g in goals],
            reports=reports.get(engagement.id, []),  # type: ignore[arg-type]
            changed_at=[engagement.created_at])
    changes = session.exec(select(EngagementChange).where(
        col(EngagementChange.engagement_id).in_(ids),
        ).order_by(col(EngagementChange.id))).all()
    for change in changes:
        fact = facts[change.engagement_id]
        fact.changed_at.append(change.recorded_at)
        if change.kind == EngagementChangeKind.PROGRESS:
            # The day the step was recorded is when the facility knows it happened.
            after = change.changes.get("status", [None, None])[1]
            if after == EngagementStatus.IN_PROGRESS:
                fact.started_on = change.recorded_at.date()
            elif after == EngagementStatus.COMPLETED:
                fact.completed_on = change.recorded_at.date()
    for fact in facts.values():
        fact.changed_at.extend(r.submitted_at for r in fact.reports)
    return facts


def gather(session: Session) -> list[OfferFacts]:
    """Every published offer with its partner, themes and engagements, oldest first."""
    offers = session.exec(select(Offer).where(col(Offer.status).in_(PUBLIC_OFFER_STATUSES))
                          .order_by(col(Offer.id))).all()
    offer_ids = [o.id for o in offers]
    partners = {p.id: p for p in session.exec(select(Partner).where(
        col(Partner.id).in_({o.partner_id for o in offers})))}
    themes = themes_by_offer(session, offer_ids)  # type: ignore[arg-type]
    engagements = session.exec(select(Engagement).where(col(Engagement.offer_id).in_(offer_ids))
                               .order_by(col(Engagement.id))).all()
    facts = _engagement_facts(session, list(engagements)) if engagements else {}
    by_offer: dict[int, list[EngagementFacts]] = defaultdict(list)
    for engagement in engagements:
        by_offer[engagement.offer_id].append(facts[engagement.id])  # type: ignore[index]
    return [OfferFacts(offer=o, partner=partners[o.partner_id], themes=themes.get(o.id, []),  # type: ignore[arg-type]
                       engagements=by_offer.get(o.id, [])) for o in offers]  # type: ignore[arg-type]
