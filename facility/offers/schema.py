"""GraphQL types, queries and mutations for partners' offers."""

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info
from strawberry.utils.str_converters import to_camel_case

from facility.api.context import context_of, found_or_null, mutate
from facility.api.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from facility.api.model_fields import from_model
from facility.api.pagination import Connection, connection, page_window
from facility.auth.schema import PartnerType
from facility.errors import NotFound, ValidationFailed
from facility.ids import decode_id, encode_id
from facility.offers import models, service
from facility.reference.schema import RegionalGroupCode

OfferStatus = strawberry.enum(models.OfferStatus)
OfferKind = strawberry.enum(models.OfferKind)


@strawberry.type(name="Offer")
class OfferType:
    model: strawberry.Private[models.Offer]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Offer", self.model.id))  # type: ignore[arg-type]

    title = from_model("title", str)
    kind = from_model("kind", OfferKind)
    status = from_model("status", OfferStatus)
    description = from_model("description", str)
    language = from_model("language", str, description=(
        "ISO 639-1 code of the language its author wrote the text in ('en' for texts written "
        "before it was recorded)"))

    @strawberry.field
    def partner(self, info: Info) -> PartnerType:
        return PartnerType.of(context_of(info).loaders.partners.load(self.model.partner_id))  # type: ignore[arg-type]

    @strawberry.field
    def themes(self, info: Info) -> list[str]:
        return context_of(info).loaders.offer_themes.load(self.model.id)  # type: ignore[arg-type]

    @strawberry.field(description="null: open to every regional group")
    def eligible_groups(self) -> list[RegionalGroupCode] | None:
        if self.model.eligible_groups is None:
            return None
        return [RegionalGroupCode(g) for g in self.model.eligible_groups]

    eligible_states = from_model("eligible_states", list[str] | None, description="null: open to every State")

    @strawberry.field
    def languages(self) -> list[str]:
        return list(self.model.languages)

    budget = from_model("budget", int)
    currency = from_model("currency", str)
    max_requests = from_model("max_requests", int)
    window_start = from_model("window_start", datetime.date)
    window_end = from_model("window_end", datetime.date)
    conditions = from_model("conditions", str)
    version = from_model("version", int)
    published_at = from_model("published_at", datetime.datetime | None)


@strawberry.type
class OfferPayload:
    offer: OfferType


OfferResult = Annotated[
    OfferPayload | ValidationError | PermissionDeniedError | NotFoundError | ConflictError,
    strawberry.union("OfferResult"),
]


@strawberry.input
class CreateOfferInput:
    title: str
    kind: OfferKind  # type: ignore[valid-type]
    themes: list[str]
    languages: list[str]
    budget: int
    currency: str
    max_requests: int
    window_start: datetime.date
    window_end: datetime.date
    eligible_groups: list[str] | None = strawberry.field(
        default=None, description="regional group codes; null: all")
    eligible_states: list[str] | None = strawberry.field(
        default=None, description="ISO3 codes; null: all")
    description: str = ""
    conditions: str = ""
    language: str | None = strawberry.field(
        default=None, description="ISO 639-1 code of the language the text is written in, e.g. fr; "
                                  "default en")
    idempotency_key: str | None = None


@strawberry.input
class UpdateOfferInput:
    title: str | None = strawberry.UNSET
    themes: list[str] | None = strawberry.UNSET
    languages: list[str] | None = strawberry.UNSET
    budget: int | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    max_requests: int | None = strawberry.UNSET
    window_start: datetime.date | None = strawberry.UNSET
    window_end: datetime.date | None = strawberry.UNSET
    eligible_groups: list[str] | None = strawberry.UNSET
    eligible_states: list[str] | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    conditions: str | None = strawberry.UNSET
    language: str | None = strawberry.field(
        default=strawberry.UNSET, description="ISO 639-1 code of the language the text is written in")
    expected_version: int | None = strawberry.UNSET


_NULLABLE = ("eligible_groups", "eligible_states")
_UPDATABLE = ("title", "themes", "languages", "budget", "currency", "max_requests",
              "window_start", "window_end", "eligible_groups", "eligible_states",
              "description", "conditions", "language")


def _offer_pk(id: strawberry.ID) -> int:
    pk = decode_id("Offer", id)
    if pk is None:
        raise NotFound(f"no offer with id {id}")
    return pk


def _payload(offer: models.Offer) -> OfferPayload:
    return OfferPayload(offer=OfferType(model=offer))


@strawberry.type
class OfferQuery:
    @strawberry.field(description="published offers, and the caller's own drafts for a partner")
    def offers(self, info: Info, status: OfferStatus | None = None,  # type: ignore[valid-type]
               first: int | None = None, after: str | None = None) -> Connection[OfferType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = service.list_offers(ctx.session, actor=ctx.actor, status=status,
                                          limit=limit, offset=offset)
        ctx.loaders.offer_themes.prime(r.id for r in rows)  # type: ignore[misc]
        ctx.loaders.partners.prime(r.partner_id for r in rows)
        return connection([OfferType(model=r) for r in rows], total=total, offset=offset)

    @strawberry.field
    def offer(self, info: Info, id: strawberry.ID) -> OfferType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("Offer", id), lambda pk: OfferType(
            model=service.get_offer(ctx.session, actor=ctx.actor, offer_id=pk)))


@strawberry.type
class OfferMutation:
    @strawberry.mutation(description="a draft offer of the caller's partner organisation")
    def create_offer(self, info: Info, input: CreateOfferInput) -> OfferResult:
        ctx = context_of(info)

        def action() -> OfferPayload:
            fields = service.OfferFields(
                title=input.title, kind=input.kind.value, themes=input.themes,
                languages=input.languages, budget=input.budget, currency=input.currency,
                max_requests=input.max_requests, window_start=input.window_start,
                window_end=input.window_end, eligible_groups=input.eligible_groups,
                eligible_states=input.eligible_states, description=input.description,
                conditions=input.conditions, language=input.language or "en",
            )
            return _payload(service.create_offer(ctx.session, actor=ctx.actor, fields=fields,
                                                 idempotency_key=input.idempotency_key))

        return mutate(info, action)

    @strawberry.mutation
    def update_offer(self, info: Info, id: strawberry.ID, input: UpdateOfferInput) -> OfferResult:
        ctx = context_of(info)

        def action() -> OfferPayload:
            changes = {}
            for attr in _UPDATABLE:
                value = getattr(input, attr)
                if value is strawberry.UNSET:
                    continue
                if value is None and attr not in _NULLABLE:
                    raise ValidationFailed.single(
                        to_camel_case(attr), "required", f"{to_camel_case(attr)}: cannot be null")
                changes[attr] = value
            expected = None if input.expected_version is strawberry.UNSET \
                else input.expected_version
            return _payload(service.update_offer(ctx.session, actor=ctx.actor,
                                                 offer_id=_offer_pk(id), changes=changes,
                                                 expected_version=expected))

        return mutate(info, action)

    @strawberry.mutation(description="make a draft offer visible and open to matching")
    def publish_offer(self, info: Info, id: strawberry.ID) -> OfferResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.publish_offer(
            ctx.session, actor=ctx.actor, offer_id=_offer_pk(id))))

    @strawberry.mutation(description="stop the offer from being matched again")
    def close_offer(self, info: Info, id: strawberry.ID) -> OfferResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.close_offer(
            ctx.session, actor=ctx.actor, offer_id=_offer_pk(id))))
