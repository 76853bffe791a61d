"""GraphQL types, queries and mutations for engagement progress and follow-up reports."""

import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from facility.api.context import context_of, found_or_null, mutate, refused_as_null
from facility.api.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from facility.api.model_fields import from_model
from facility.api.pagination import Connection, connection, page_window
from facility.auth import permissions
from facility.engagements import compliance, duty_of_care, lifecycle, models, reports, service
from facility.engagements.models import Engagement
from facility.engagements.models import EngagementStatus as EngagementStatusEnum
from facility.errors import NotFound, PermissionDenied
from facility.ids import decode_id, encode_id
from facility.reference.schema import RecommendationType, RegionalGroupCode, StateType
from facility.requests.schema import CapacityRequestType
from governance.schema import CareItem, EngagementStatus, EngagementType

ReportKind = strawberry.enum(models.ReportKind)
ReportStatus = strawberry.enum(models.ReportStatus)
ImplementationStatus = strawberry.enum(models.ImplementationStatus)
IndicatorType = strawberry.enum(models.IndicatorType)
EngagementChangeKind = strawberry.enum(models.EngagementChangeKind)


def _pk(kind: str, id: strawberry.ID, what: str) -> int:
    pk = decode_id(kind, id)
    if pk is None:
        raise NotFound(f"no {what} with id {id}")
    return pk


@strawberry.type(name="EngagementChange")
class EngagementChangeType:
    model: strawberry.Private[models.EngagementChange]

    kind = from_model("kind", EngagementChangeKind)
    changes = from_model("changes", JSON, description="{field: [before, after]}")
    reason = from_model("reason", str)
    recorded_at = from_model("recorded_at", datetime.datetime)


@strawberry.type
class RecommendationImplementation:
    recommendation: RecommendationType | None
    status: ImplementationStatus  # type: ignore[valid-type]
    evidence: str
    links: list[str]


@strawberry.type
class Indicator:
    type: IndicatorType  # type: ignore[valid-type]
    name: str
    unit: str
    baseline: str
    target: str
    current: str


@strawberry.type(name="FollowUpReport")
class FollowUpReportType:
    model: strawberry.Private[models.FollowUpReport]

    def _content_visible(self, info: Info) -> bool:
        ctx = context_of(info)
        engagement = ctx.session.get(Engagement, self.model.engagement_id)
        return permissions.follow_up_content_visible(ctx.actor, self.model, engagement, ctx.session)

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("FollowUpReport", self.model.id))  # type: ignore[arg-type]

    language = from_model("language", str, description=(
        "ISO 639-1 code of the language its author wrote the text in ('en' for texts written "
        "before it was recorded)"))

    @strawberry.field
    def engagement(self, info: Info) -> EngagementType:
        return EngagementType(model=context_of(info).session.get(Engagement, self.model.engagement_id))  # type: ignore[arg-type]

    kind = from_model("kind", ReportKind)
    due_date = from_model("due_date", datetime.date)

    @strawberry.field(description="DUE, SUBMITTED, or OVERDUE once the due date has passed")
    def status(self) -> ReportStatus:  # type: ignore[valid-type]
        return lifecycle.report_status(self.model)

    on_time = from_model(
        "on_time", bool | None,
        description="whether the first submission came by the due date")

    version = from_model("version", int, description="1, then one more for every correction after submission")
    row_version = from_model(
        "row_version", int,
        description="increases with every save; pass it back as expectedRowVersion")

    @strawberry.field(description="this version is submitted and can no longer change")
    def locked(self) -> bool:
        return self.model.submitted_at is not None

    superseded = from_model("superseded", bool, description="a later version of this report exists")

    @strawberry.field(description="empty for anyone but the State's mission until submitted")
    def recommendations(self, info: Info) -> list[RecommendationImplementation]:
        loader = context_of(info).loaders.recommendations
        items = self.model.recommendations if self._content_visible(info) else []
        found = loader.load_many([r["recommendation_id"] for r in items])
        return [RecommendationImplementation(
            recommendation=RecommendationType(model=rec) if rec is not None else None,
            status=models.ImplementationStatus(r["status"]), evidence=r["evidence"],
            links=list(r["links"])) for r, rec in zip(items, found, strict=True)]

    @strawberry.field(description="empty for anyone but the State's mission until submitted")
    def indicators(self, info: Info) -> list[Indicator]:
        items = self.model.indicators if self._content_visible(info) else []
        return [Indicator(type=models.IndicatorType(i["type"]), name=i["name"], unit=i["unit"],
                          baseline=i["baseline"], target=i["target"], current=i["current"])
                for i in items]

    @strawberry.field(description="empty for anyone but the State's mission until submitted")
    def narrative(self, info: Info) -> str:
        return self.model.narrative if self._content_visible(info) else ""

    @strawberry.field(description="empty for anyone but the State's mission until submitted")
    def further_needs(self, info: Info) -> str:
        return self.model.further_needs if self._content_visible(info) else ""

    submitted_at = from_model(
        "submitted_at", datetime.datetime | None,
        description="when this version was submitted")

    @strawberry.field
    def previous_version(self, info: Info) -> "FollowUpReportType | None":
        row = reports.previous_version(context_of(info).session, self.model)
        return FollowUpReportType(model=row) if row else None


@strawberry.type(description="report counts; statuses as of today")
class ComplianceCounts:
    due: int
    overdue: int
    submitted_on_time: int
    submitted_late: int
    total: int

    @staticmethod
    def of(counts: compliance.Counts) -> "ComplianceCounts":
        return ComplianceCounts(due=counts.due, overdue=counts.overdue,
                                submitted_on_time=counts.submitted_on_time,
                                submitted_late=counts.submitted_late, total=counts.total)


@strawberry.type
class StateCompliance:
    state: StateType
    counts: ComplianceCounts


@strawberry.type
class RegionalGroupCompliance:
    regional_group: RegionalGroupCode | None = strawberry.field(
        description="null for a State of no group")
    counts: ComplianceCounts


@strawberry.type(description="list the reports behind a count with followUpReports(status, "
                             "onTime, stateCode, regionalGroup)")
class FollowUpCompliance:
    total: ComplianceCounts
    by_state: list[StateCompliance]
    by_regional_group: list[RegionalGroupCompliance]


@strawberry.type
class EngagementPayload:
    engagement: EngagementType
    change: EngagementChangeType | None


@strawberry.type
class FollowUpReportPayload:
    report: FollowUpReportType


@strawberry.type
class FurtherNeedsRequestPayload:
    request: CapacityRequestType
    engagement: EngagementType


_Errors = ValidationError | PermissionDeniedError | NotFoundError | ConflictError
EngagementResult = Annotated[EngagementPayload | _Errors, strawberry.union("EngagementResult")]
FollowUpReportResult = Annotated[FollowUpReportPayload | _Errors,
                                 strawberry.union("FollowUpReportResult")]
FurtherNeedsResult = Annotated[FurtherNeedsRequestPayload | _Errors,
                               strawberry.union("FurtherNeedsResult")]


@strawberry.input
class AmendEngagementInput:
    reason: str
    start: datetime.date | None = None
    end: datetime.date | None = None
    expert_ids: list[strawberry.ID] | None = strawberry.field(
        default=None, description="the experts deployed, replacing the list")
    expected_version: int | None = strawberry.field(
        default=None, description="the version amended; a stale one is a Conflict")


@strawberry.input
class RecommendationImplementationInput:
    recommendation_id: strawberry.ID
    status: ImplementationStatus  # type: ignore[valid-type]
    evidence: str = ""
    links: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class IndicatorInput:
    type: IndicatorType  # type: ignore[valid-type]
    name: str
    unit: str = ""
    baseline: str = ""
    target: str = ""
    current: str = ""


@strawberry.input
class SaveFollowUpReportInput:
    recommendations: list[RecommendationImplementationInput] | None = None
    indicators: list[IndicatorInput] | None = None
    narrative: str | None = None
    further_needs: str | None = None
    language: str | None = strawberry.field(
        default=None, description="ISO 639-1 code of the language the narrative and needs are in")
    expected_row_version: int | None = strawberry.field(
        default=None, description="the rowVersion you read; a newer one makes the save a Conflict")


def _engagement_payload(session, engagement: Engagement) -> EngagementPayload:
    changes = service.changes_of(session, engagement.id)  # type: ignore[arg-type]
    return EngagementPayload(engagement=EngagementType(model=engagement),
                             change=EngagementChangeType(model=changes[-1]) if changes else None)


def _report_payload(report: models.FollowUpReport) -> FollowUpReportPayload:
    return FollowUpReportPayload(report=FollowUpReportType(model=report))


def _expert_pks(ids: list[strawberry.ID]) -> list[int]:
    # An id that is no expert's becomes 0, which the service reports with every other problem.
    return [decode_id("Expert", opaque) or 0 for opaque in ids]


def _report_changes(input: SaveFollowUpReportInput) -> reports.ReportChanges:
    recommendations = None
    if input.recommendations is not None:
        # An id that is not a recommendation's is kept as None, so the service names its index.
        recommendations = [{"recommendation_id": decode_id("Recommendation", r.recommendation_id),
                            "status": r.status.value, "evidence": r.evidence,
                            "links": r.links} for r in input.recommendations]
    indicators = None
    if input.indicators is not None:
        indicators = [{"type": i.type.value, "name": i.name, "unit": i.unit,
                       "baseline": i.baseline, "target": i.target, "current": i.current}
                      for i in input.indicators]
    return reports.ReportChanges(recommendations=recommendations, indicators=indicators,
                                 narrative=input.narrative, further_needs=input.further_needs,
                                 language=input.language)


@strawberry.type
class FollowUpQuery:
    @strawberry.field(description="the engagements the caller may see, newest first")
    def engagements(self, info: Info, first: int | None = None,
                    after: str | None = None) -> Connection[EngagementType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = service.list_engagements(ctx.session, actor=ctx.actor, limit=limit,
                                               offset=offset)
        return connection([EngagementType(model=r) for r in rows], total=total, offset=offset)

    @strawberry.field
    def engagement(self, info: Info, id: strawberry.ID) -> EngagementType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("Engagement", id), lambda pk: EngagementType(
            model=service.get_engagement(ctx.session, actor=ctx.actor, engagement_id=pk)))

    @strawberry.field(description="the latest version of each report the caller may see, "
                                  "soonest due first")
    def follow_up_reports(
        self, info: Info, status: ReportStatus | None = None,  # type: ignore[valid-type]
        engagement_id: strawberry.ID | None = None,
        state_code: Annotated[str | None, strawberry.argument(
            description="reports of this State's engagements (ISO3)")] = None,
        regional_group: Annotated[RegionalGroupCode | None, strawberry.argument(
            description="reports of the States of this regional group")] = None,
        on_time: Annotated[bool | None, strawberry.argument(
            description="submitted by the due date (true) or late (false)")] = None,
        first: int | None = None, after: str | None = None,
    ) -> Connection[FollowUpReportType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        engagement_pk = None
        if engagement_id is not None:
            # An id that is no engagement's matches nothing, like one the caller may not see.
            engagement_pk = decode_id("Engagement", engagement_id) or 0
        rows, total = reports.list_reports(ctx.session, actor=ctx.actor, status=status,
                                           engagement_id=engagement_pk, state_code=state_code,
                                           regional_group=regional_group and regional_group.value,
                                           on_time=on_time,
                                           limit=limit, offset=offset)
        return connection([FollowUpReportType(model=r) for r in rows], total=total,
                          offset=offset)

    @strawberry.field(description="due, overdue, submitted on time and late, by State and "
                                  "regional group: the secretariat and the seated committee")
    def follow_up_compliance(self, info: Info) -> FollowUpCompliance | None:
        ctx = context_of(info)
        view = refused_as_null(info, lambda: compliance.follow_up_compliance(
            ctx.session, actor=ctx.actor), refusals=(PermissionDenied,))
        if view is None:
            return None
        states = ctx.loaders.states
        return FollowUpCompliance(
            total=ComplianceCounts.of(view.total),
            by_state=[StateCompliance(state=StateType.of(states[code]),
                                      counts=ComplianceCounts.of(c))
                      for code, c in view.by_state.items()],
            by_regional_group=[RegionalGroupCompliance(
                regional_group=None if group == "NONE" else RegionalGroupCode(group),
                counts=ComplianceCounts.of(c))
                for group, c in view.by_group.items()])

    @strawberry.field(description="any version of a report, by its id")
    def follow_up_report(self, info: Info, id: strawberry.ID) -> FollowUpReportType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("FollowUpReport", id), lambda pk: FollowUpReportType(
            model=reports.get_report(ctx.session, actor=ctx.actor, report_id=pk)))


@strawberry.type
class FollowUpMutation:
    @strawberry.mutation(description="move an engagement one step on: IN_PROGRESS on or after "
                                     "its start date, then COMPLETED on or after its end date once "
                                     "every deployed expert accepted (completion makes its "
                                     "follow-up reports due)")
    def record_engagement_progress(
            self, info: Info, id: strawberry.ID, status: EngagementStatus,  # type: ignore[valid-type]
            reason: Annotated[str | None, strawberry.argument(
                description="the secretariat only: why it completes an engagement whose experts "
                            "have not all accepted (recorded and audited)")] = None,
    ) -> EngagementResult:
        ctx = context_of(info)
        return mutate(info, lambda: _engagement_payload(ctx.session, service.record_progress(
            ctx.session, actor=ctx.actor, engagement_id=_pk("Engagement", id, "engagement"),
            status=EngagementStatusEnum(status.value), reason=reason or "")))

    @strawberry.mutation(description="the funding partner ticks items of the duty-of-care "
                                     "checklist off (or back, done: false) before the team "
                                     "deploys; the engagement starts only once all are done")
    def record_duty_of_care(self, info: Info, id: strawberry.ID,
                            items: list[CareItem],  # type: ignore[valid-type]
                            done: bool = True) -> EngagementResult:
        ctx = context_of(info)
        return mutate(info, lambda: _engagement_payload(ctx.session, duty_of_care.record(
            ctx.session, actor=ctx.actor, engagement_id=_pk("Engagement", id, "engagement"),
            items=[i.value for i in items], done=done)))

    @strawberry.mutation(description="change an engagement's dates or experts, with a reason")
    def amend_engagement(self, info: Info, id: strawberry.ID,
                         input: AmendEngagementInput) -> EngagementResult:
        ctx = context_of(info)

        def action() -> EngagementPayload:
            engagement = service.amend_engagement(
                ctx.session, actor=ctx.actor, engagement_id=_pk("Engagement", id, "engagement"),
                reason=input.reason, start=input.start, end=input.end,
                expected_version=input.expected_version,
                expert_ids=None if input.expert_ids is None else _expert_pks(input.expert_ids))
            return _engagement_payload(ctx.session, engagement)

        return mutate(info, action)

    @strawberry.mutation(description="save the draft of a follow-up report")
    def save_follow_up_report(self, info: Info, id: strawberry.ID,
                              input: SaveFollowUpReportInput) -> FollowUpReportResult:
        ctx = context_of(info)
        return mutate(info, lambda: _report_payload(reports.save_report(
            ctx.session, actor=ctx.actor, report_id=_pk("FollowUpReport", id, "follow-up report"),
            changes=_report_changes(input), expected_row_version=input.expected_row_version)))

    @strawberry.mutation(description="submit the report; this version is then locked")
    def submit_follow_up_report(self, info: Info, id: strawberry.ID) -> FollowUpReportResult:
        ctx = context_of(info)
        return mutate(info, lambda: _report_payload(reports.submit_report(
            ctx.session, actor=ctx.actor,
            report_id=_pk("FollowUpReport", id, "follow-up report"))))

    @strawberry.mutation(description="open the next version of a submitted report as a draft")
    def revise_follow_up_report(self, info: Info, id: strawberry.ID) -> FollowUpReportResult:
        ctx = context_of(info)
        return mutate(info, lambda: _report_payload(reports.revise_report(
            ctx.session, actor=ctx.actor,
            report_id=_pk("FollowUpReport", id, "follow-up report"))))

    @strawberry.mutation(description="file the report's further needs as a new draft request")
    def request_from_further_needs(self, info: Info, report_id: strawberry.ID,
                                   idempotency_key: str | None = None) -> FurtherNeedsResult:
        ctx = context_of(info)

        def action() -> FurtherNeedsRequestPayload:
            request, engagement = reports.request_from_further_needs(
                ctx.session, actor=ctx.actor,
                report_id=_pk("FollowUpReport", report_id, "follow-up report"),
                idempotency_key=idempotency_key)
            return FurtherNeedsRequestPayload(request=CapacityRequestType(model=request),
                                              engagement=EngagementType(model=engagement))

        return mutate(info, action)
