"""GraphQL: a State's needs assessment (the service in facility.needs.service holds the logic)."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from facility.api.context import answer_or_error, context_of
from facility.api.errors import NotFoundError, ValidationError
from facility.engagements.schema import ImplementationStatus, ReportKind, ReportStatus
from facility.ids import encode_id
from facility.needs import service
from facility.reference.schema import MechanismType, RecommendationResponse
from facility.requests.schema import RequestStatus
from governance.schema import EngagementStatus


def _id(kind: str, pk: int) -> strawberry.ID:
    return strawberry.ID(encode_id(kind, pk))


@strawberry.type
class NeedsCoveringRequest:
    id: strawberry.ID
    title: str
    status: RequestStatus  # type: ignore[valid-type]


@strawberry.type
class NeedsFollowUp:
    report_id: strawberry.ID
    kind: ReportKind  # type: ignore[valid-type]
    due_date: datetime.date
    status: ReportStatus  # type: ignore[valid-type]


@strawberry.type
class NeedsCoveringEngagement:
    id: strawberry.ID
    request_id: strawberry.ID
    status: EngagementStatus  # type: ignore[valid-type]
    start: datetime.date
    end: datetime.date
    follow_up: list[NeedsFollowUp]
    implementation_status: ImplementationStatus | None = strawberry.field(  # type: ignore[valid-type]
        description="as the latest submitted follow-up report gives it for this recommendation")


@strawberry.type
class AssessedRecommendation:
    id: strawberry.ID
    source_id: str
    text: str
    response: RecommendationResponse | None  # type: ignore[valid-type]
    cycle: int | None
    mechanism_type: MechanismType  # type: ignore[valid-type]
    body: str
    themes: list[str]
    sdg_goals: list[int]
    covered: bool = strawberry.field(description="a live request or an engagement covers it")
    requests: list[NeedsCoveringRequest]
    engagements: list[NeedsCoveringEngagement]


@strawberry.type(description="a UPR recommendation and another mechanism's that ask the same "
                             "thing: their texts' embeddings are near")
class NeedsNearDuplicate:
    upr_recommendation_id: strawberry.ID
    other_recommendation_id: strawberry.ID
    score: float = strawberry.field(description="cosine similarity of the texts, 0.8 to 1")


@strawberry.type
class NeedsCluster:
    title: str
    theme: str | None
    sdg_goal: int | None
    recommendation_ids: list[strawberry.ID]
    total: int
    supported: int
    noted: int
    covered_by_request: int
    covered_by_engagement: int
    supported_uncovered: int = strawberry.field(
        description="supported recommendations that no request or engagement covers yet")


@strawberry.type
class SuggestedRequest:
    """The title, need, themes and recommendationIds of a CreateRequestInput, pre-filled."""

    title: str
    need: str
    themes: list[str]
    recommendation_ids: list[strawberry.ID]
    sdg_goals: list[int]


@strawberry.type
class NeedsAssessment:
    state_code: str
    state_name: str
    total: int
    supported: int
    covered: int
    recommendations: list[AssessedRecommendation]
    theme_clusters: list[NeedsCluster]
    sdg_clusters: list[NeedsCluster]
    suggested_requests: list[SuggestedRequest]
    near_duplicates: list[NeedsNearDuplicate] = strawberry.field(description=(
        "pairs of a UPR recommendation and a treaty-body or special-procedure one asking the "
        "same thing, best first (none when no embeddings are stored)"))


NeedsAssessmentResult = Annotated[NeedsAssessment | NotFoundError | ValidationError,
                                  strawberry.union("NeedsAssessmentResult")]


def _cluster(c: service.Cluster) -> NeedsCluster:
    return NeedsCluster(
        title=c.title, theme=c.theme, sdg_goal=c.sdg_goal,
        recommendation_ids=[_id("Recommendation", i) for i in c.recommendation_ids],
        total=c.total, supported=c.supported, noted=c.noted,
        covered_by_request=c.covered_by_request, covered_by_engagement=c.covered_by_engagement,
        supported_uncovered=c.supported_uncovered)


def _engagement(e: service.CoveringEngagement) -> NeedsCoveringEngagement:
    return NeedsCoveringEngagement(
        id=_id("Engagement", e.id), request_id=_id("CapacityRequest", e.request_id),
        status=e.status, start=e.start, end=e.end,
        follow_up=[NeedsFollowUp(report_id=_id("FollowUpReport", f.report_id), kind=f.kind,
                                 due_date=f.due_date, status=f.status) for f in e.follow_up],
        implementation_status=(ImplementationStatus(e.implementation_status)
                               if e.implementation_status else None))


def to_graphql_assessment(a: service.NeedsAssessment) -> NeedsAssessment:
    return NeedsAssessment(
        state_code=a.state_code, state_name=a.state_name, total=len(a.recommendations),
        supported=a.supported, covered=a.covered,
        recommendations=[AssessedRecommendation(
            id=_id("Recommendation", r.id), source_id=r.source_id, text=r.text,
            response=r.response, cycle=r.cycle, mechanism_type=MechanismType(r.mechanism),
            body=r.body, themes=list(r.themes),
            sdg_goals=list(r.sdg_goals), covered=r.covered,
            requests=[NeedsCoveringRequest(id=_id("CapacityRequest", q.id), title=q.title,
                                           status=q.status) for q in r.requests],
            engagements=[_engagement(e) for e in r.engagements],
        ) for r in a.recommendations],
        theme_clusters=[_cluster(c) for c in a.theme_clusters],
        sdg_clusters=[_cluster(c) for c in a.sdg_clusters],
        suggested_requests=[SuggestedRequest(
            title=s.title, need=s.need, themes=list(s.themes),
            recommendation_ids=[_id("Recommendation", i) for i in s.recommendation_ids],
            sdg_goals=list(s.sdg_goals)) for s in a.suggestions],
        near_duplicates=[NeedsNearDuplicate(
            upr_recommendation_id=_id("Recommendation", d.upr_id),
            other_recommendation_id=_id("Recommendation", d.other_id), score=d.score)
            for d in a.near_duplicates],
    )


@strawberry.type
class NeedsQuery:
    @strawberry.field(description=(
        "a State's recommendations clustered by theme and SDG goal, their coverage by requests "
        "and engagements, and requests worth filing; for the State's own mission (stateCode "
        "defaults to it), the seated committee and the secretariat"))
    def needs_assessment(self, info: Info, state_code: str | None = None) -> NeedsAssessmentResult:
        ctx = context_of(info)
        return answer_or_error(info, lambda: to_graphql_assessment(  # type: ignore[return-value]
            service.needs_assessment(ctx.session, actor=ctx.actor, state_code=state_code)))
