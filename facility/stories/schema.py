"""GraphQL types, queries and mutations for success stories."""

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from facility.api.context import context_of, found_or_null, mutate
from facility.api.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from facility.api.model_fields import from_model
from facility.api.pagination import Connection, connection, page_window
from facility.auth import permissions
from facility.engagements import reports
from facility.engagements.models import ImplementationStatus as ImplementationStatusEnum
from facility.engagements.models import IndicatorType as IndicatorTypeEnum
from facility.engagements.schema import (
    FollowUpReportType,
    Indicator,
    RecommendationImplementation,
    ReportKind,
)
from facility.errors import NotFound
from facility.ids import decode_id, encode_id
from facility.reference.schema import RecommendationType, StateType
from facility.stories import models, service

StoryStatus = strawberry.enum(models.StoryStatus)
StoryPart = strawberry.enum(models.StoryPart)


@strawberry.type(name="SuccessStory")
class SuccessStoryType:
    """What the public reads of a published story; the workflow fields are for the secretariat
    and the State only. No person is named: experts are counted, never listed."""

    model: strawberry.Private[models.SuccessStory]
    content: strawberry.Private[service.StoryContent]

    @classmethod
    def many(cls, session, stories: list[models.SuccessStory]) -> "list[SuccessStoryType]":
        contents = service.story_contents(session, stories)
        return [cls(model=s, content=contents[s.id]) for s in stories]  # type: ignore[index]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("SuccessStory", self.model.id))  # type: ignore[arg-type]

    title = from_model("title", str)
    summary = from_model(
        "summary", str,
        description="written by the secretariat, as the State consented to it")

    status = from_model("status", StoryStatus)

    @strawberry.field(description="the parts of the report the story shows")
    def parts(self) -> list[StoryPart]:  # type: ignore[valid-type]
        return [models.StoryPart(p) for p in self.model.parts]

    published_at = from_model("published_at", datetime.datetime | None)

    @strawberry.field
    def state(self, info: Info) -> StateType:
        return StateType.of(self.content.state)

    @strawberry.field(description="which of the two follow-up reports the story tells")
    def report_kind(self, info: Info) -> ReportKind:  # type: ignore[valid-type]
        return self.content.kind

    @strawberry.field
    def themes(self, info: Info) -> list[str]:
        return self.content.themes

    @strawberry.field(description="the partner organisation that funded the support")
    def partner(self, info: Info) -> str | None:
        return self.content.partner

    @strawberry.field
    def engagement_start(self, info: Info) -> datetime.date:
        return self.content.start

    @strawberry.field
    def engagement_end(self, info: Info) -> datetime.date:
        return self.content.end

    @strawberry.field
    def experts_deployed(self, info: Info) -> int:
        return self.content.experts_deployed

    @strawberry.field(description="null unless the story shows RECOMMENDATIONS")
    def recommendations(self, info: Info) -> list[RecommendationImplementation] | None:
        shown = self.content.recommendations
        if shown is None:
            return None
        return [RecommendationImplementation(
            recommendation=RecommendationType(model=r.recommendation),
            status=ImplementationStatusEnum(r.status), evidence=r.evidence, links=r.links)
            for r in shown]

    @strawberry.field(description="null unless the story shows INDICATORS")
    def indicators(self, info: Info) -> list[Indicator] | None:
        shown = self.content.indicators
        if shown is None:
            return None
        return [Indicator(type=IndicatorTypeEnum(i["type"]), name=i["name"], unit=i["unit"],
                          baseline=i["baseline"], target=i["target"], current=i["current"])
                for i in shown]

    @strawberry.field(description="null unless the story shows NARRATIVE")
    def narrative(self, info: Info) -> str | None:
        return self.content.narrative

    # The workflow: the secretariat and the State whose report it is.

    @strawberry.field(description="secretariat and the State only")
    def proposed_at(self, info: Info) -> datetime.datetime | None:
        return self.model.proposed_at if self._insider(info) else None

    @strawberry.field(description="when the State consented or declined; secretariat and State only")
    def answered_at(self, info: Info) -> datetime.datetime | None:
        return self.model.answered_at if self._insider(info) else None

    @strawberry.field(description="secretariat and the State only")
    def decline_reason(self, info: Info) -> str | None:
        return self.model.decline_reason if self._insider(info) else None

    @strawberry.field(description="secretariat and the State only")
    def withdrawn_at(self, info: Info) -> datetime.datetime | None:
        return self.model.withdrawn_at if self._insider(info) else None

    @strawberry.field(description="secretariat and the State only")
    def withdraw_reason(self, info: Info) -> str | None:
        return self.model.withdraw_reason if self._insider(info) else None

    row_version = from_model(
        "row_version", int,
        description="increases with every step; pass it back as expectedRowVersion")

    @strawberry.field(description="the report version the story tells, for those who may read it")
    def report(self, info: Info) -> FollowUpReportType | None:
        ctx = context_of(info)
        return found_or_null(info, self.model.report_id, lambda pk: FollowUpReportType(
            model=reports.get_report(ctx.session, actor=ctx.actor, report_id=pk)))

    def _insider(self, info: Info) -> bool:
        actor = context_of(info).actor
        return permissions.can_manage_stories(actor) or permissions.can_answer_story(actor, self.model)


@strawberry.type
class SuccessStoryPayload:
    story: SuccessStoryType


_Errors = ValidationError | PermissionDeniedError | NotFoundError | ConflictError
SuccessStoryResult = Annotated[SuccessStoryPayload | _Errors, strawberry.union("SuccessStoryResult")]


@strawberry.input
class ProposeSuccessStoryInput:
    title: str
    summary: str = strawberry.field(description="the secretariat's summary for the public")
    parts: list[StoryPart] = strawberry.field(  # type: ignore[valid-type]
        default_factory=list, description="the parts of the report to show besides the summary")


def _pk(kind: str, id: strawberry.ID, what: str) -> int:
    pk = decode_id(kind, id)
    if pk is None:
        raise NotFound(f"no {what} with id {id}")
    return pk


def _payload(session, story: models.SuccessStory) -> SuccessStoryPayload:
    return SuccessStoryPayload(story=SuccessStoryType.many(session, [story])[0])


@strawberry.type
class StoryQuery:
    @strawberry.field(description="published stories for everyone; the secretariat sees every "
                                  "proposal, a State its own")
    def success_stories(self, info: Info, status: StoryStatus | None = None,  # type: ignore[valid-type]
                        first: int | None = None,
                        after: str | None = None) -> Connection[SuccessStoryType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = service.list_stories(
            ctx.session, actor=ctx.actor, limit=limit, offset=offset,
            status=None if status is None else models.StoryStatus(status.value))
        return connection(SuccessStoryType.many(ctx.session, rows), total=total, offset=offset)

    @strawberry.field
    def success_story(self, info: Info, id: strawberry.ID) -> SuccessStoryType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("SuccessStory", id), lambda pk: SuccessStoryType.many(
            ctx.session, [service.get_story(ctx.session, actor=ctx.actor, story_id=pk)])[0])


@strawberry.type
class StoryMutation:
    @strawberry.mutation(description="propose a submitted follow-up report as a success story "
                                     "(secretariat); the State must consent before publication")
    def propose_success_story(self, info: Info, report_id: strawberry.ID,
                              input: ProposeSuccessStoryInput) -> SuccessStoryResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(ctx.session, service.propose_story(
            ctx.session, actor=ctx.actor,
            report_id=_pk("FollowUpReport", report_id, "follow-up report"),
            title=input.title, summary=input.summary, parts=[p.value for p in input.parts])))

    @strawberry.mutation(description="the State consents to the story's publication")
    def consent_to_success_story(self, info: Info, id: strawberry.ID,
                                 expected_row_version: int | None = None) -> SuccessStoryResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(ctx.session, service.consent_to_story(
            ctx.session, actor=ctx.actor, story_id=_pk("SuccessStory", id, "success story"),
            expected_row_version=expected_row_version)))

    @strawberry.mutation(description="the State declines publication, with a reason")
    def decline_success_story(self, info: Info, id: strawberry.ID, reason: str,
                              expected_row_version: int | None = None) -> SuccessStoryResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(ctx.session, service.decline_story(
            ctx.session, actor=ctx.actor, story_id=_pk("SuccessStory", id, "success story"),
            reason=reason, expected_row_version=expected_row_version)))

    @strawberry.mutation(description="publish a story the State consented to (secretariat)")
    def publish_success_story(self, info: Info, id: strawberry.ID,
                              expected_row_version: int | None = None) -> SuccessStoryResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(ctx.session, service.publish_story(
            ctx.session, actor=ctx.actor, story_id=_pk("SuccessStory", id, "success story"),
            expected_row_version=expected_row_version)))

    @strawberry.mutation(description="the State withdraws its consent; a published story is "
                                     "unpublished at once")
    def withdraw_success_story_consent(self, info: Info, id: strawberry.ID, reason: str = "",
                                       expected_row_version: int | None = None) -> SuccessStoryResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(ctx.session, service.withdraw_consent(
            ctx.session, actor=ctx.actor, story_id=_pk("SuccessStory", id, "success story"),
            reason=reason, expected_row_version=expected_row_version)))
