"""What the dialogue platform shows: the public page of a State (/states/{code}, the `statePage`
query) and a partner's reports back (/partner/dialogue).

A State page shows nothing until the State's mission opens it. Open, it shows what the public
may read: the State's recommendations counted by theme, the support it received (engagements
and the partners funding them), the outcomes its submitted follow-up reports state, its
published progress updates, and the referrals it chose to make public. A partner's reports
back are the published updates of the States whose engagements it funds, and the outcomes of
the reports on those engagements. Each view costs a fixed number of statements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import case, func
from sqlmodel import Session, select

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Partner
from facility.dialogue import service
from facility.dialogue.models import ProgressUpdate, UpdateStatus
from facility.engagements.models import Engagement, FollowUpReport
from facility.offers.models import Offer
from facility.reference.models import (
    Recommendation,
    RecommendationResponse,
    RecommendationTheme,
    State,
    Theme,
)
from facility.reference.names import in_language
from facility.referrals.models import Referral
from facility.requests.models import CapacityRequest

SHOWN_UPDATES = 50  # the latest published ones; the GraphQL list pages through them all


@dataclass(frozen=True)
class ThemeCount:
    theme: str  # the theme's stable name (English)
    label: str  # its name in the reader's language
    total: int
    supported: int  # UPR recommendations the State supported


@dataclass(frozen=True)
class Support:
    """An engagement: the support a State received, and who funded it."""

    engagement_id: int
    request_title: str
    partner: str
    offer_title: str
    start: date
    end: date
    status: str


@dataclass(frozen=True)
class Outcome:
    """What a submitted follow-up report states of one recommendation."""

    recommendation: Recommendation
    status: str
    evidence: str
    report_kind: str
    submitted_at: datetime
    engagement_id: int
    request_title: str
    state_code: str


@dataclass(frozen=True)
class ShownUpdate:
    update: ProgressUpdate
    recommendation: Recommendation


@dataclass
class StatePage:
    state: State
    name: str  # in the reader's language
    open: bool
    version: int  # of the consent, 0 while the State never answered
    total_recommendations: int = 0
    themes: list[ThemeCount] = field(default_factory=list)
    support: list[Support] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    updates: list[ShownUpdate] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)


def state_name(state: State, language: str | None) -> str:
    return in_language(state.names, language, state.name)


def theme_counts(session: Session, state_code: str, language: str | None) -> list[ThemeCount]:
    """The State's recommendations counted by theme, the largest theme first (1 statement)."""
    supported = func.sum(case((Recommendation.response == RecommendationResponse.SUPPORTED, 1),  # type: ignore[arg-type]
                              else_=0))
    counted = (select(RecommendationTheme.theme_id, func.count().label("total"),
                      supported.label("supported"))
               .join(Recommendation, Recommendation.id == RecommendationTheme.recommendation_id)  # type: ignore[arg-type]
               .where(Recommendation.state_code == state_code)
               .group_by(RecommendationTheme.theme_id).subquery())  # type: ignore[arg-type]
    rows = session.exec(select(Theme, counted.c.total, counted.c.supported)
                        .join(counted, counted.c.theme_id == Theme.id)).all()  # type: ignore[arg-type]
    counts = [ThemeCount(theme=t.name, label=in_language(t.names, language, t.name), total=total,
                         supported=int(yes or 0)) for t, total, yes in rows]
    return sorted(counts, key=lambda c: (-c.total, c.label.casefold()))


def support_received(session: Session, engagements: list[Engagement]) -> list[Support]:
    """Each engagement with its request's title and the partner funding it (1 statement)."""
    if not engagements:
        return []
    rows = session.exec(
        select(Engagement.id, CapacityRequest.title, Partner.name, Offer.title)
        .join(CapacityRequest, CapacityRequest.id == Engagement.request_id)  # type: ignore[arg-type]
        .join(Offer, Offer.id == Engagement.offer_id)  # type: ignore[arg-type]
        .join(Partner, Partner.id == Offer.partner_id)  # type: ignore[arg-type]
        .where(Engagement.id.in_([e.id for e in engagements]))).all()  # type: ignore[union-attr]
    named = {eid: (title, partner, offer) for eid, title, partner, offer in rows}
    return [Support(engagement_id=e.id, request_title=named[e.id][0], partner=named[e.id][1],  # type: ignore[arg-type, index]
                    offer_title=named[e.id][2], start=e.start, end=e.end, status=str(e.status))  # type: ignore[index]
            for e in engagements]


def outcomes_of(session: Session, engagements: list[Engagement]) -> list[Outcome]:
    """What the latest submitted version of each report of these engagements states, report by
    report (a draft correction does not hide the version it corrects; 3 statements)."""
    if not engagements:
        return []
    requests = {r.id: r for r in session.exec(select(CapacityRequest).where(
        CapacityRequest.id.in_({e.request_id for e in engagements})))}  # type: ignore[union-attr]
    latest: dict[tuple[int, str], FollowUpReport] = {}
    for report in session.exec(select(FollowUpReport).where(
            FollowUpReport.engagement_id.in_([e.id for e in engagements]),  # type: ignore[attr-defined]
            FollowUpReport.submitted_at.is_not(None))  # type: ignore[union-attr]
            .order_by(FollowUpReport.version)):  # type: ignore[arg-type]
        latest[(report.engagement_id, str(report.kind))] = report  # the highest version wins
    reports = sorted(latest.values(), key=lambda r: (r.submitted_at, r.id), reverse=True)
    ids = {item["recommendation_id"] for r in reports for item in r.recommendations}
    recommendations = {r.id: r for r in session.exec(select(Recommendation).where(
        Recommendation.id.in_(ids)))} if ids else {}  # type: ignore[union-attr]
    request_of = {e.id: requests[e.request_id] for e in engagements}
    return [Outcome(recommendation=recommendations[item["recommendation_id"]],
                    status=item["status"], evidence=item.get("evidence", ""),
                    report_kind=str(report.kind), submitted_at=report.submitted_at,  # type: ignore[arg-type]
                    engagement_id=report.engagement_id,
                    request_title=request_of[report.engagement_id].title,
                    state_code=request_of[report.engagement_id].state_code)
            for report in reports for item in report.recommendations
            if item["recommendation_id"] in recommendations]


def shown_updates(session: Session, updates: list[ProgressUpdate]) -> list[ShownUpdate]:
    """The updates with the recommendations they are about (1 statement)."""
    ids = {u.recommendation_id for u in updates}
    found = {r.id: r for r in session.exec(select(Recommendation).where(
        Recommendation.id.in_(ids)))} if ids else {}  # type: ignore[union-attr]
    return [ShownUpdate(update=u, recommendation=found[u.recommendation_id]) for u in updates]


def state_page(session: Session, code: str, *, language: str | None) -> StatePage | None:
    """The public page of the State with this ISO3 code (None: no such State). Everyone reads
    the same page: what the public may see, and nothing while the State has not opened it."""
    state = session.get(State, code.strip().upper()[:3])
    if state is None:
        return None
    consent = service.page_consent(session, state.code)
    page = StatePage(state=state, name=state_name(state, language),
                     open=consent is not None and consent.open,
                     version=consent.version if consent else 0)
    if not page.open:
        return page
    page.total_recommendations = session.exec(select(func.count()).select_from(Recommendation)
                                              .where(Recommendation.state_code == state.code)).one()
    page.themes = theme_counts(session, state.code, language)
    engagements = list(session.exec(
        select(Engagement).join(CapacityRequest, CapacityRequest.id == Engagement.request_id)  # type: ignore[arg-type]
        .where(CapacityRequest.state_code == state.code)
        .order_by(Engagement.start.desc(), Engagement.id.desc())))  # type: ignore[attr-defined, union-attr]
    page.support = support_received(session, engagements)
    page.outcomes = outcomes_of(session, engagements)
    updates = session.exec(select(ProgressUpdate).where(
        ProgressUpdate.state_code == state.code, ProgressUpdate.status == UpdateStatus.PUBLISHED)
        .order_by(ProgressUpdate.published_at.desc(), ProgressUpdate.id.desc())  # type: ignore[union-attr]
        .limit(SHOWN_UPDATES)).all()
    page.updates = shown_updates(session, list(updates))
    page.referrals = list(session.exec(select(Referral).where(
        Referral.state_code == state.code, Referral.public.is_(True))  # type: ignore[attr-defined]
        .order_by(Referral.id.desc())))  # type: ignore[union-attr]
    return page


def open_pages(session: Session, *, language: str | None) -> list[tuple[State, str]]:
    """The States that opened their page, by name in the reader's language (1 statement)."""
    from facility.dialogue.models import StatePageConsent

    states = session.exec(select(State).join(
        StatePageConsent, StatePageConsent.state_code == State.code)  # type: ignore[arg-type]
        .where(permissions.open_state_pages())).all()
    named = [(s, state_name(s, language)) for s in states]
    return sorted(named, key=lambda pair: pair[1].casefold())


@dataclass
class FundedState:
    """What a partner receives back from one State it supports."""

    state: State
    name: str
    updates: list[ShownUpdate]
    outcomes: list[Outcome]


def reports_back(session: Session, *, actor: Actor | None,
                 language: str | None) -> list[FundedState]:
    """For a partner: each State whose engagements it funds, with that State's published
    updates and the outcomes of the reports on the engagements the partner funds."""
    if not permissions.is_partner(actor):
        return []
    engagements = list(session.exec(select(Engagement).where(
        permissions.engagement_visibility(actor)).order_by(Engagement.id)))  # type: ignore[arg-type]
    if not engagements:
        return []
    outcomes: dict[str, list[Outcome]] = defaultdict(list)
    for outcome in outcomes_of(session, engagements):
        outcomes[outcome.state_code].append(outcome)
    codes = {code for (code,) in session.exec(permissions.funded_states(actor)).all()}
    updates: dict[str, list[ProgressUpdate]] = defaultdict(list)
    for update in session.exec(select(ProgressUpdate).where(
            permissions.progress_update_visibility(actor),
            ProgressUpdate.status == UpdateStatus.PUBLISHED,
            ProgressUpdate.state_code.in_(codes))  # type: ignore[attr-defined]
            .order_by(ProgressUpdate.published_at.desc(), ProgressUpdate.id.desc())):  # type: ignore[union-attr]
        updates[update.state_code].append(update)
    shown = {u.update.id: u for u in shown_updates(
        session, [u for rows in updates.values() for u in rows])}
    states = session.exec(select(State).where(State.code.in_(codes))).all()  # type: ignore[attr-defined]
    funded = [FundedState(state=s, name=state_name(s, language),
                          updates=[shown[u.id] for u in updates[s.code]],
                          outcomes=outcomes[s.code]) for s in states]
    return sorted(funded, key=lambda f: f.name.casefold())
