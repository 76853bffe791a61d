"""GraphQL types, queries and mutations for referrals."""

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
from facility.api.pagination import Connection, connection, page_window
from facility.auth import permissions
from facility.errors import NotFound, ValidationFailed
from facility.ids import decode_id, encode_id
from facility.reference.schema import RecommendationType, StateType, state_by_code
from facility.referrals import models, service
from facility.requests.schema import CapacityRequestType

ReferralSource = strawberry.enum(models.ReferralSource)
ReferralStatus = strawberry.enum(models.ReferralStatus)


@strawberry.type(name="Referral")
class ReferralType:
    """A situation referred to the facility. Seen by the secretariat and the seated committee,
    the State concerned, and everyone once the State made it public."""

    model: strawberry.Private[models.Referral]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Referral", self.model.id))  # type: ignore[arg-type]

    @strawberry.field(description="who referred it: the Council's President or OHCHR")
    def source(self) -> ReferralSource:  # type: ignore[valid-type]
        return self.model.source

    @strawberry.field(description="the Council document that refers it, e.g. A/HRC/RES/55/12")
    def document_symbol(self) -> str:
        return self.model.document_symbol

    @strawberry.field
    def title(self) -> str:
        return self.model.title

    @strawberry.field
    def summary(self) -> str:
        return self.model.summary

    @strawberry.field(description="the State concerned")
    def state(self, info: Info) -> StateType:
        return state_by_code(info, self.model.state_code)  # type: ignore[return-value]

    @strawberry.field(description="the State's recommendations the referral concerns")
    def recommendations(self, info: Info) -> list[RecommendationType]:
        rows = context_of(info).loaders.recommendations.load_many(self.model.recommendation_ids)
        return [RecommendationType(model=r) for r in rows if r is not None]

    @strawberry.field
    def status(self) -> ReferralStatus:  # type: ignore[valid-type]
        return self.model.status

    @strawberry.field(description="whether the State made the referral and its answer public")
    def public(self) -> bool:
        return self.model.public

    @strawberry.field(description="whether the State made its reason for declining public too")
    def reason_public(self) -> bool:
        return self.model.reason_public

    @strawberry.field(description="why the State declined: the State, the secretariat and the "
                                  "committee; others only if the State made it public")
    def decline_reason(self, info: Info) -> str | None:
        if not permissions.can_view_decline_reason(context_of(info).actor, self.model):
            return None
        return self.model.decline_reason

    @strawberry.field
    def recorded_at(self) -> datetime.datetime:
        return self.model.recorded_at

    @strawberry.field
    def answered_at(self) -> datetime.datetime | None:
        return self.model.answered_at

    @strawberry.field(description="increases with every change; pass it back as expectedVersion")
    def version(self) -> int:
        return self.model.version

    @strawberry.field(description="the draft request the State filed by accepting, while the "
                                  "caller may see it (a draft is the State's own)")
    def request(self, info: Info) -> CapacityRequestType | None:
        ctx = context_of(info)
        found = service.request_of(ctx.session, actor=ctx.actor, referral=self.model)
        return CapacityRequestType(model=found) if found else None


@strawberry.type
class ReferralPayload:
    referral: ReferralType


ReferralResult = Annotated[
    ReferralPayload | ValidationError | PermissionDeniedError | NotFoundError | ConflictError,
    strawberry.union("ReferralResult"),
]


@strawberry.input
class ReferSituationInput:
    source: ReferralSource  # type: ignore[valid-type]
    document_symbol: str = strawberry.field(
        description="the Council document that refers the situation, e.g. A/HRC/RES/55/12")
    state_code: str = strawberry.field(description="ISO3 code of the State concerned")
    title: str = strawberry.field(description="becomes the draft request's title if accepted")
    summary: str = strawberry.field(description="becomes the draft request's need if accepted")
    recommendation_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="the State's recommendations the situation concerns")
    idempotency_key: str | None = strawberry.field(
        default=None, description="a retry with the same key returns the first result")


def recommendation_pks(ids: list[strawberry.ID], field: str = "recommendationIds") -> list[int]:
    pks = []
    for index, opaque in enumerate(ids):
        pk = decode_id("Recommendation", opaque)
        if pk is None:
            raise ValidationFailed.single(field, "exists",
                                          f"{field}[{index}]: {opaque!r} is not a recommendation id")
        pks.append(pk)
    return pks


def _payload(referral: models.Referral) -> ReferralPayload:
    return ReferralPayload(referral=ReferralType(model=referral))


@strawberry.type
class ReferralQuery:
    @strawberry.field(description="the referrals the caller may see, newest first")
    def referrals(self, info: Info, status: ReferralStatus | None = None,  # type: ignore[valid-type]
                  state_code: str | None = None, first: int | None = None,
                  after: str | None = None) -> Connection[ReferralType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = service.list_referrals(
            ctx.session, actor=ctx.actor, state_code=state_code, limit=limit, offset=offset,
            status=None if status is None else models.ReferralStatus(status.value))
        return connection([ReferralType(model=r) for r in rows], total=total, offset=offset)

    @strawberry.field
    def referral(self, info: Info, id: strawberry.ID) -> ReferralType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("Referral", id), lambda pk: ReferralType(
            model=service.get_referral(ctx.session, actor=ctx.actor, referral_id=pk)))


@strawberry.type
class ReferralMutation:
    @strawberry.mutation(description="record a situation the Council's President or OHCHR "
                                     "refers to the facility (secretariat); the State concerned "
                                     "is told and alone answers")
    def refer_situation(self, info: Info, input: ReferSituationInput) -> ReferralResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.refer_situation(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, idempotency_key=input.idempotency_key,
            fields=service.ReferralFields(
                source=input.source.value, document_symbol=input.document_symbol,  # type: ignore[attr-defined]
                state_code=input.state_code, title=input.title, summary=input.summary,
                recommendation_ids=recommendation_pks(input.recommendation_ids)))))

    @strawberry.mutation(description="the State concerned accepts the referral (a draft request "
                                     "pre-filled from it is filed, to edit and submit as usual) "
                                     "or declines it with a reason")
    def respond_to_referral(
        self, info: Info, id: strawberry.ID, accept: bool, reason: str = "",
        public: Annotated[bool, strawberry.argument(
            description="make the referral and the answer public")] = False,
        reason_public: Annotated[bool, strawberry.argument(
            description="make the reason for declining public too")] = False,
        recommendation_ids: Annotated[list[strawberry.ID] | None, strawberry.argument(
            description="accepting: the recommendations the draft links, instead of the "
                        "referral's")] = None,
        themes: Annotated[list[str] | None, strawberry.argument(
            description="accepting: the draft's themes, instead of its recommendations' (needed "
                        "when they carry none)")] = None,
        expected_version: int | None = None,
    ) -> ReferralResult:
        ctx = context_of(info)

        def action() -> ReferralPayload:
            pk = decode_id("Referral", id)
            if pk is None:
                raise NotFound(f"no referral with id {id}")
            chosen = None if recommendation_ids is None else recommendation_pks(recommendation_ids)
            return _payload(service.respond_to_referral(
                ctx.session, actor=ctx.actor, referral_id=pk, expected_version=expected_version,
                answer=service.Answer(accept=accept, reason=reason, public=public,
                                      reason_public=reason_public, recommendation_ids=chosen,
                                      themes=themes)))

        return mutate(info, action)  # type: ignore[return-value]
