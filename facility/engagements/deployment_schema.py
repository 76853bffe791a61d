"""GraphQL for experts' deployments: `myDeployments`, `answerDeployment`, and the experts'
answers on an engagement (`Engagement.expertAnswers`, for those who see the engagement)."""

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from facility.api.context import context_of, mutate
from facility.api.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from facility.api.pagination import Connection, connection, page_window
from facility.engagements import deployments
from facility.errors import NotFound
from facility.ids import decode_id, encode_id
from facility.offers.schema import OfferKind
from facility.reference.schema import StateType
from facility.requests.models import SupportKind as SupportKindEnum
from facility.requests.schema import SupportKind
from governance.schema import DeploymentAnswerChoice, EngagementStatus


@strawberry.type(description="an expert's place on an engagement, as the expert sees it")
class Deployment:
    model: strawberry.Private[deployments.Deployment]

    @strawberry.field(description="the engagement's id")
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Engagement", self.model.engagement.id))  # type: ignore[arg-type]

    @strawberry.field
    def status(self) -> EngagementStatus:  # type: ignore[valid-type]
        return self.model.engagement.status

    @strawberry.field
    def start(self) -> datetime.date:
        return self.model.engagement.start

    @strawberry.field
    def end(self) -> datetime.date:
        return self.model.engagement.end

    @strawberry.field(description="the State the mission supports")
    def state(self) -> StateType:
        return StateType.of(self.model.state)

    @strawberry.field(description="the request's title")
    def title(self) -> str:
        return self.model.request.title

    @strawberry.field(description="what the State needs, in its words")
    def need(self) -> str:
        return self.model.request.need

    @strawberry.field
    def support_kinds(self) -> list[SupportKind]:  # type: ignore[valid-type]
        return [SupportKindEnum(k) for k in self.model.request.support_kinds]

    @strawberry.field(description="the languages of the work")
    def languages(self) -> list[str]:
        return list(self.model.request.languages)

    @strawberry.field(description="the partner whose offer funds it")
    def partner_name(self) -> str:
        return self.model.partner.name

    @strawberry.field
    def offer_title(self) -> str:
        return self.model.offer.title

    @strawberry.field
    def offer_kind(self) -> OfferKind:  # type: ignore[valid-type]
        return self.model.offer.kind

    @strawberry.field(description="how many experts the engagement deploys, this one included")
    def team_size(self) -> int:
        return len(self.model.engagement.expert_ids)

    @strawberry.field(description="the expert's answer; null until they answer")
    def answer(self) -> DeploymentAnswerChoice | None:  # type: ignore[valid-type]
        return self.model.answer.answer if self.model.answer else None

    @strawberry.field
    def answered_at(self) -> datetime.datetime | None:
        return self.model.answer.answered_at if self.model.answer else None

    @strawberry.field(description="why the expert declined, in their words")
    def reason(self) -> str | None:
        return self.model.answer.reason or None if self.model.answer else None

    @strawberry.field(description="send it back as expectedVersion when answering (0: no "
                                  "answer yet)")
    def answer_version(self) -> int:
        return self.model.answer.version if self.model.answer else 0


@strawberry.type
class DeploymentPayload:
    deployment: Deployment


DeploymentResult = Annotated[
    DeploymentPayload | ValidationError | PermissionDeniedError | NotFoundError | ConflictError,
    strawberry.union("DeploymentResult")]


@strawberry.type
class DeploymentQuery:
    @strawberry.field(description="the signed-in expert's deployments, soonest start first; "
                                  "empty for every other account")
    def my_deployments(self, info: Info, first: int | None = None,
                       after: str | None = None) -> Connection[Deployment]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = deployments.list_deployments(ctx.session, actor=ctx.actor,
                                                   limit=limit, offset=offset)
        return connection([Deployment(model=r) for r in rows], total=total, offset=offset)


@strawberry.type
class DeploymentMutation:
    @strawberry.mutation(description="the deployed expert accepts or declines (with a reason) "
                                     "their deployment on an engagement")
    def answer_deployment(
        self, info: Info, id: strawberry.ID, accept: bool,
        reason: Annotated[str, strawberry.argument(
            description="required to decline: the partner and the secretariat read it")] = "",
        expected_version: Annotated[int | None, strawberry.argument(
            description="the answerVersion you read")] = None,
    ) -> DeploymentResult:
        ctx = context_of(info)

        def action() -> DeploymentPayload:
            pk = decode_id("Engagement", id)
            if pk is None:
                raise NotFound(f"no deployment on engagement {id}")
            return DeploymentPayload(deployment=Deployment(model=deployments.answer_deployment(
                ctx.session, actor=ctx.actor, engagement_id=pk, accept=accept, reason=reason,
                expected_version=expected_version)))

        return mutate(info, action)
