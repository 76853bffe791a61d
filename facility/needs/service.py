"""The needs assessment of one State: its recommendations of every mechanism (UPR, treaty
bodies, special procedures) grouped together by theme and by SDG goal, which are supported
or noted, which a request or an engagement already covers (with the engagement's progress
and follow-up reports), the requests worth filing next, and where a UPR recommendation and
another mechanism's ask the same thing (near_duplicates.py).

The SDG grouping is by goal (UHRI tags goals and targets, a target's goal is linked too; UPR
Info tags neither). The whole view costs a fixed number of statements (eight, and the
embeddings' one or two when they are stored), whatever the number of recommendations,
requests and engagements.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.engagements.lifecycle import report_status
from facility.engagements.models import Engagement, EngagementStatus, FollowUpReport, ReportKind, ReportStatus
from facility.errors import NotFound, ValidationFailed
from facility.needs.near_duplicates import NearDuplicate, cross_mechanism_pairs
from facility.reference.models import (
    Recommendation,
    RecommendationResponse,
    RecommendationSdg,
    RecommendationTheme,
    SdgGoal,
    State,
    Theme,
    counts_as_supported,
)
from facility.requests.models import CapacityRequest, RequestRecommendation, RequestStatus

# A request in these statuses no longer covers its recommendations.
NOT_COVERING = (RequestStatus.WITHDRAWN, RequestStatus.INELIGIBLE)
MAX_SUGGESTED_RECOMMENDATIONS = 20  # per suggested request: one mission's worth of work


@dataclass(frozen=True)
class CoveringRequest:
    id: int
    title: str
    status: RequestStatus


@dataclass(frozen=True)
class FollowUpState:
    report_id: int
    kind: ReportKind
    due_date: date
    status: ReportStatus


@dataclass(frozen=True)
class CoveringEngagement:
    id: int
    request_id: int
    status: EngagementStatus
    start: date
    end: date
    follow_up: tuple[FollowUpState, ...]  # the latest version of each report, 12 then 24 months
    implementation_status: str | None  # from the latest submitted report naming it, if any


@dataclass(frozen=True)
class AssessedRecommendation:
    id: int
    source_id: str
    text: str
    response: RecommendationResponse | None  # None: a mechanism that asks no position
    cycle: int | None
    mechanism: str
    body: str
    themes: tuple[str, ...]
    sdg_goals: tuple[int, ...]
    requests: tuple[CoveringRequest, ...]  # every request linking it that the caller may see
    engagements: tuple[CoveringEngagement, ...]

    @property
    def covered_by_request(self) -> bool:
        return any(r.status not in NOT_COVERING for r in self.requests)

    @property
    def covered_by_engagement(self) -> bool:
        return bool(self.engagements)

    @property
    def covered(self) -> bool:
        return self.covered_by_request or self.covered_by_engagement

    @property
    def supported(self) -> bool:
        # As the default criteria count them: without a position (treaty bodies, special
        # procedures) a recommendation counts as supported (docs/governance.md).
        return counts_as_supported(self.response, without_position=True)


@dataclass(frozen=True)
class Cluster:
    """The recommendations sharing one theme, or one SDG goal (a recommendation with several
    themes is in several clusters)."""

    theme: str | None
    sdg_goal: int | None
    title: str
    recommendation_ids: tuple[int, ...]
    total: int
    supported: int
    noted: int
    covered_by_request: int
    covered_by_engagement: int
    supported_uncovered: int


@dataclass(frozen=True)
class RequestSuggestion:
    """A request worth filing, shaped like CreateRequestInput's title, need, themes and
    recommendationIds; the State completes the rest (window, budget, languages…)."""

    title: str
    need: str
    themes: tuple[str, ...]
    recommendation_ids: tuple[int, ...]
    sdg_goals: tuple[int, ...]


@dataclass(frozen=True)
class NeedsAssessment:
    state_code: str
    state_name: str
    recommendations: tuple[AssessedRecommendation, ...]
    theme_clusters: tuple[Cluster, ...]
    sdg_clusters: tuple[Cluster, ...]
    suggestions: tuple[RequestSuggestion, ...]
    # a UPR recommendation and another mechanism's asking the same thing (near_duplicates.py)
    near_duplicates: tuple[NearDuplicate, ...] = ()

    @property
    def supported(self) -> int:
        return sum(r.supported for r in self.recommendations)

    @property
    def covered(self) -> int:
        return sum(r.covered for r in self.recommendations)


def _state_for(session: Session, actor: Actor | None, state_code: str | None) -> State:
    """The State whose assessment the caller asked for, if the caller may see it."""
    code = (state_code or "").strip().upper() or (actor.state_code if actor else None)
    if not code:
        raise ValidationFailed.single(
            "stateCode", "required", "stateCode: name the State whose needs to assess")
    state = session.get(State, code)
    if state is None or not permissions.can_view_needs_assessment(actor, code):
        raise NotFound(f"no needs assessment for State {code}")
    return state


def _cluster(title: str, members: list[AssessedRecommendation], *, theme: str | None = None,
             sdg_goal: int | None = None) -> Cluster:
    return Cluster(
        theme=theme, sdg_goal=sdg_goal, title=title,
        recommendation_ids=tuple(r.id for r in members), total=len(members),
        supported=sum(r.supported for r in members),
        noted=sum(not r.supported for r in members),
        covered_by_request=sum(r.covered_by_request for r in members),
        covered_by_engagement=sum(r.covered_by_engagement for r in members),
        supported_uncovered=sum(r.supported and not r.covered for r in members),
    )


def _suggestions(by_theme: dict[str, list[AssessedRecommendation]]) -> list[RequestSuggestion]:
    """One suggested request per theme with supported, uncovered recommendations. Each such
    recommendation goes to one suggestion only: its theme with the most of them (greedy, so
    that the biggest coherent groups come first and nothing is proposed twice)."""
    open_by_theme = {t: [r for r in rs if r.supported and not r.covered]
                     for t, rs in by_theme.items()}
    taken: set[int] = set()
    suggestions = []
    for theme in sorted(open_by_theme, key=lambda t: (-len(open_by_theme[t]), t)):
        members = [r for r in open_by_theme[theme] if r.id not in taken]
        if not members:
            continue
        members = members[:MAX_SUGGESTED_RECOMMENDATIONS]
        taken.update(r.id for r in members)
        cited = ", ".join(r.source_id for r in members)
        noun = "recommendation" if len(members) == 1 else "recommendations"
        suggestions.append(RequestSuggestion(
            title=f"Implementing the supported recommendations on {theme}"[:200],
            need=(f"Support to implement {len(members)} supported {noun} on {theme} "
                  f"that no request or engagement covers yet: {cited}."),
            themes=(theme,),
            recommendation_ids=tuple(r.id for r in members),
            sdg_goals=tuple(sorted({g for r in members for g in r.sdg_goals})),
        ))
    return suggestions


def needs_assessment(session: Session, *, actor: Actor | None,
                     state_code: str | None = None) -> NeedsAssessment:
    """The needs assessment of the caller's own State (or of `state_code`, for the committee
    and the secretariat)."""
    state = _state_for(session, actor, state_code)
    code = state.code
    recs = session.execute(
        select(col(Recommendation.id), col(Recommendation.source_id), col(Recommendation.text),
               Recommendation.response, Recommendation.cycle, Recommendation.mechanism,
               Recommendation.body)
        .where(Recommendation.state_code == code).order_by(Recommendation.source_id)
    ).all()
    own = select(col(Recommendation.id)).where(col(Recommendation.state_code) == code)
    themes: dict[int, list[str]] = defaultdict(list)
    for rid, name in session.execute(
        select(col(RecommendationTheme.recommendation_id), col(Theme.name))
        .join(Theme, col(Theme.id) == RecommendationTheme.theme_id)
        .where(col(RecommendationTheme.recommendation_id).in_(own)).order_by(col(Theme.name))
    ):
        themes[rid].append(name)
    goals: dict[int, list[int]] = defaultdict(list)
    for rid, goal in session.execute(
        select(col(RecommendationSdg.recommendation_id), col(RecommendationSdg.goal_number))
        .where(col(RecommendationSdg.recommendation_id).in_(own))
        .order_by(col(RecommendationSdg.goal_number))
    ):
        goals[rid].append(goal)
    # Requests the caller may see (the State's own drafts only for the State itself).
    requests_of: dict[int, list[CoveringRequest]] = defaultdict(list)
    request_recs: dict[int, list[int]] = defaultdict(list)
    for rid, req_id, title, status in session.execute(
        select(col(RequestRecommendation.recommendation_id), col(CapacityRequest.id),
               CapacityRequest.title, CapacityRequest.status)
        .join(CapacityRequest, CapacityRequest.id == RequestRecommendation.request_id)
        .where(CapacityRequest.state_code == code, permissions.request_visibility(actor))
        .order_by(CapacityRequest.id)
    ):
        requests_of[rid].append(CoveringRequest(req_id, title, RequestStatus(status)))
        request_recs[req_id].append(rid)
    engagements = session.execute(
        select(Engagement).join(CapacityRequest, col(CapacityRequest.id) == Engagement.request_id)
        .where(col(CapacityRequest.state_code) == code, permissions.engagement_visibility(actor))
        .order_by(col(Engagement.id))
    ).scalars().all()
    reports = session.execute(
        select(FollowUpReport)
        .where(col(FollowUpReport.engagement_id).in_([e.id for e in engagements]),
               ~col(FollowUpReport.superseded))
        .order_by(col(FollowUpReport.engagement_id), col(FollowUpReport.due_date))
    ).scalars().all() if engagements else []
    goal_titles = dict(session.execute(select(col(SdgGoal.number), col(SdgGoal.short_titles))).all())

    reports_of: dict[int, list[FollowUpReport]] = defaultdict(list)
    for report in reports:
        reports_of[report.engagement_id].append(report)
    engagements_of: dict[int, list[CoveringEngagement]] = defaultdict(list)
    for engagement in engagements:
        own_reports = reports_of[engagement.id]
        implementation: dict[int, str] = {}
        for report in own_reports:  # later due dates last, so the latest submitted one wins
            if report.first_submitted_at is not None:
                for item in report.recommendations:
                    implementation[item["recommendation_id"]] = item["status"]
        follow_up = tuple(FollowUpState(r.id, ReportKind(r.kind), r.due_date,  # type: ignore[arg-type]
                                        report_status(r)) for r in own_reports)
        for rid in request_recs.get(engagement.request_id, []):
            engagements_of[rid].append(CoveringEngagement(
                id=engagement.id, request_id=engagement.request_id,
                status=EngagementStatus(engagement.status), start=engagement.start,
                end=engagement.end, follow_up=follow_up,
                implementation_status=implementation.get(rid)))

    assessed = tuple(AssessedRecommendation(
        id=r.id, source_id=r.source_id, text=r.text,
        response=RecommendationResponse(r.response) if r.response else None,
        cycle=r.cycle, mechanism=r.mechanism, body=r.body,
        themes=tuple(themes[r.id]), sdg_goals=tuple(goals[r.id]),
        requests=tuple(requests_of[r.id]), engagements=tuple(engagements_of[r.id]),
    ) for r in recs)
    by_theme: dict[str, list[AssessedRecommendation]] = defaultdict(list)
    by_goal: dict[int, list[AssessedRecommendation]] = defaultdict(list)
    for rec in assessed:
        for theme in rec.themes:
            by_theme[theme].append(rec)
        for goal in rec.sdg_goals:
            by_goal[goal].append(rec)
    theme_clusters = sorted((_cluster(t, rs, theme=t) for t, rs in by_theme.items()),
                            key=lambda c: (-c.supported_uncovered, -c.total, c.title))
    sdg_clusters = [
        _cluster(f"SDG {g}: {goal_titles.get(g, {}).get('en', '')}".rstrip(": "), by_goal[g],
                 sdg_goal=g) for g in sorted(by_goal)]
    return NeedsAssessment(
        state_code=code, state_name=state.name, recommendations=assessed,
        theme_clusters=tuple(theme_clusters), sdg_clusters=tuple(sdg_clusters),
        suggestions=tuple(_suggestions(by_theme)),
        near_duplicates=tuple(cross_mechanism_pairs(session, {r.id: r.mechanism for r in recs})),
    )
