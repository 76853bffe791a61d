"""GraphQL types, queries and mutations for capacity-building requests."""

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
from facility.errors import NotFound, ValidationFailed
from facility.ids import decode_id, encode_id
from facility.reference.schema import RecommendationType, StateType, state_by_code
from facility.reference.search import recommendations_by_id
from facility.requests import models, service
from facility.timeutil import as_utc
from governance import criteria, urgency
from governance.screening import foreseen_failures

RequestStatus = strawberry.enum(models.RequestStatus)
SupportKind = strawberry.enum(models.SupportKind)
DocumentKind = strawberry.enum(criteria.DocumentKind)


@strawberry.type
class RequestDocument:
    """A document a request carries: what the application procedure in force asked for."""

    kind: DocumentKind  # type: ignore[valid-type]
    reference: str = strawberry.field(description="what identifies it: a note verbale's number "
                                                  "and date, a plan's title and year")
    link: str | None = strawberry.field(description="an http(s) address of it, if given")


@strawberry.type(name="CapacityRequest")
class CapacityRequestType:
    model: strawberry.Private[models.CapacityRequest]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("CapacityRequest", self.model.id))  # type: ignore[arg-type]

    title = from_model("title", str)
    need = from_model("need", str)
    barrier = from_model("barrier", str, description="what stands in the way of implementation")
    status = from_model("status", RequestStatus)
    language = from_model("language", str, description=(
        "ISO 639-1 code of the language its author wrote the text in ('en' for texts written "
        "before it was recorded)"))

    @strawberry.field
    def state(self, info: Info) -> StateType:
        return state_by_code(info, self.model.state_code)  # type: ignore[return-value]

    @strawberry.field
    def recommendations(self, info: Info) -> list[RecommendationType]:
        loaders = context_of(info).loaders
        ids = loaders.request_recommendation_ids.load(self.model.id)  # type: ignore[arg-type]
        rows = loaders.recommendations.load_many(ids)
        return [RecommendationType(model=r) for r in rows if r is not None]

    @strawberry.field
    def themes(self, info: Info) -> list[str]:
        return context_of(info).loaders.request_themes.load(self.model.id)  # type: ignore[arg-type]

    @strawberry.field(description="ISO 639-1 codes")
    def languages(self) -> list[str]:
        return list(self.model.languages)

    @strawberry.field
    def support_kinds(self) -> list[SupportKind]:  # type: ignore[valid-type]
        return [models.SupportKind(k) for k in self.model.support_kinds]

    budget = from_model("budget", int, description="estimated budget, whole units of `currency`")
    currency = from_model("currency", str)
    experts = from_model("experts_needed", int, description="number of experts needed")
    weeks = from_model("weeks", int, description="mission duration in weeks")
    window_start = from_model("window_start", datetime.date)
    window_end = from_model("window_end", datetime.date)
    priority = from_model("priority", int, description="the State's own priority, 1 (low) to 5 (high)")
    focal_point = from_model("focal_point", str)
    withdraw_reason = from_model("withdraw_reason", str | None)

    @strawberry.field(description="the documents the request carries, as the application "
                                  "procedure in force asks")
    def documents(self) -> list[RequestDocument]:
        return [RequestDocument(kind=criteria.DocumentKind(d["kind"]), reference=d["reference"],
                                link=d.get("link")) for d in self.model.documents]

    procedure_version = from_model(
        "procedure_version", int | None,
        description="the criteria version whose application procedure the request was "
                    "submitted under (applicationProcedures); null before submission")

    @strawberry.field(description="the referral the State accepted by filing this request, if any")
    def referral_id(self) -> strawberry.ID | None:
        referral = self.model.referral_id
        return None if referral is None else strawberry.ID(encode_id("Referral", referral))

    urgent = from_model("urgent", bool, description=(
        "on the urgent track (markRequestUrgent): screened by `decideBy`, matched from ready "
        "experts only"))
    latest_start = from_model("latest_start", datetime.date | None, description=(
        "an urgent request: the latest day the mission may start"))
    urgent_reason = from_model("urgent_reason", str | None,
                               description="an urgent request: why it cannot wait")

    @strawberry.field(description="an urgent request: when the committee is to have decided "
                                  "its screening (the criteria's voting.urgent_decision_hours "
                                  "after the marking)")
    def decide_by(self) -> datetime.datetime | None:
        return as_utc(self.model.decide_by)

    version = from_model(
        "version", int,
        description="increases with every change; pass it back as expectedVersion")

    created_at = from_model("created_at", datetime.datetime)
    submitted_at = from_model("submitted_at", datetime.datetime | None)


@strawberry.type
class ScreeningWarning:
    clause: str = strawberry.field(description="the clause of the criteria, e.g. "
                                               "eligibility.require_supported")
    message: str


@strawberry.type
class RequestPayload:
    request: CapacityRequestType

    @strawberry.field(description="the clauses of the criteria in force that screening would "
                                  "fail this request on, e.g. a NOTED recommendation: a warning, "
                                  "the request is saved; change it before submitting")
    def screening_warnings(self, info: Info) -> list[ScreeningWarning]:
        session = context_of(info).session
        model = self.request.model
        linked = recommendations_by_id(session, service.recommendation_ids_by_request(
            session, [model.id])[model.id])  # type: ignore[index, list-item]
        return [ScreeningWarning(clause=f.clause, message=f.message)
                for f in foreseen_failures(session, model, linked)]


RequestResult = Annotated[
    RequestPayload | ValidationError | PermissionDeniedError | NotFoundError | ConflictError,
    strawberry.union("RequestResult"),
]


@strawberry.input
class RequestDocumentInput:
    kind: DocumentKind  # type: ignore[valid-type]
    reference: str = strawberry.field(description="what identifies it: a note verbale's number "
                                                  "and date, a plan's title and year")
    link: str | None = strawberry.field(default=None, description="an http(s) address of it")


def _documents(documents: list[RequestDocumentInput]) -> list[dict]:
    return [{"kind": d.kind.value, "reference": d.reference, "link": d.link}  # type: ignore[attr-defined]
            for d in documents]


@strawberry.input
class CreateRequestInput:
    title: str
    need: str
    recommendation_ids: list[strawberry.ID]
    languages: list[str]
    support_kinds: list[SupportKind]  # type: ignore[valid-type]
    window_start: datetime.date
    window_end: datetime.date
    weeks: int
    experts_needed: int
    budget: int
    currency: str
    priority: int = strawberry.field(
        description="the State's own priority, 1 (low) to 5 (high): the score adds points for each level")
    themes: list[str] | None = strawberry.field(
        default=None, description="defaults to the themes of the linked recommendations")
    barrier: str = ""
    focal_point: str = ""
    documents: list[RequestDocumentInput] = strawberry.field(
        default_factory=list, description="what the application procedure in force asks the "
                                          "request to carry (applicationProcedures)")
    language: str | None = strawberry.field(
        default=None, description="ISO 639-1 code of the language the text is written in, e.g. fr; "
                                  "default en")
    state_code: str | None = strawberry.field(
        default=None, description="must be the caller's own State when given")
    idempotency_key: str | None = strawberry.field(
        default=None, description="a retry with the same key returns the first result")


@strawberry.input
class UpdateRequestInput:
    title: str | None = strawberry.UNSET
    need: str | None = strawberry.UNSET
    barrier: str | None = strawberry.UNSET
    recommendation_ids: list[strawberry.ID] | None = strawberry.UNSET
    themes: list[str] | None = strawberry.UNSET
    languages: list[str] | None = strawberry.UNSET
    support_kinds: list[SupportKind] | None = strawberry.UNSET  # type: ignore[valid-type]
    window_start: datetime.date | None = strawberry.UNSET
    window_end: datetime.date | None = strawberry.UNSET
    weeks: int | None = strawberry.UNSET
    experts_needed: int | None = strawberry.UNSET
    budget: int | None = strawberry.UNSET
    currency: str | None = strawberry.UNSET
    priority: int | None = strawberry.field(
        default=strawberry.UNSET, description="the State's own priority, 1 (low) to 5 (high)")
    focal_point: str | None = strawberry.UNSET
    documents: list[RequestDocumentInput] | None = strawberry.field(
        default=strawberry.UNSET, description="replaces the documents the request carries")
    language: str | None = strawberry.field(
        default=strawberry.UNSET, description="ISO 639-1 code of the language the text is written in")
    expected_version: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="the version you read; a newer one makes the update a Conflict")


def _recommendation_pks(ids: list[strawberry.ID]) -> list[int]:
    pks = []
    for index, opaque in enumerate(ids):
        pk = decode_id("Recommendation", opaque)
        if pk is None:
            raise ValidationFailed.single(
                "recommendationIds", "exists",
                f"recommendationIds[{index}]: {opaque!r} is not a recommendation id")
        pks.append(pk)
    return pks


def _request_pk(id: strawberry.ID) -> int:
    pk = decode_id("CapacityRequest", id)
    if pk is None:
        raise NotFound(f"no request with id {id}")
    return pk


def _payload(request: models.CapacityRequest) -> RequestPayload:
    return RequestPayload(request=CapacityRequestType(model=request))


@strawberry.type
class RequestQuery:
    @strawberry.field
    def request(self, info: Info, id: strawberry.ID) -> CapacityRequestType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("CapacityRequest", id), lambda pk: CapacityRequestType(
            model=service.get_request(ctx.session, actor=ctx.actor, request_id=pk)))

    @strawberry.field(description="the requests the caller may see, newest first")
    def requests(
        self, info: Info, status: RequestStatus | None = None,  # type: ignore[valid-type]
        state_code: str | None = None, first: int | None = None, after: str | None = None,
    ) -> Connection[CapacityRequestType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = service.list_requests(ctx.session, actor=ctx.actor, status=status,
                                            state_code=state_code, limit=limit, offset=offset)
        ids = [r.id for r in rows]
        ctx.loaders.request_recommendation_ids.prime(ids)
        ctx.loaders.request_themes.prime(ids)
        return connection([CapacityRequestType(model=r) for r in rows], total=total,
                          offset=offset)


_UPDATABLE = (
    "title", "need", "barrier", "themes", "languages", "support_kinds", "window_start",
    "window_end", "weeks", "experts_needed", "budget", "currency", "priority", "focal_point",
    "documents",
    "language",
)


@strawberry.type
class RequestMutation:
    @strawberry.mutation(description="file a draft request for the caller's own State")
    def create_request(self, info: Info, input: CreateRequestInput) -> RequestResult:
        ctx = context_of(info)

        def action() -> RequestPayload:
            fields = service.RequestFields(
                title=input.title, need=input.need,
                recommendation_ids=_recommendation_pks(input.recommendation_ids),
                themes=input.themes, languages=input.languages,
                support_kinds=[k.value for k in input.support_kinds],
                window_start=input.window_start, window_end=input.window_end,
                weeks=input.weeks, experts_needed=input.experts_needed, budget=input.budget,
                currency=input.currency, priority=input.priority, barrier=input.barrier,
                focal_point=input.focal_point, documents=_documents(input.documents),
                language=input.language or "en",
            )
            return _payload(service.create_request(
                ctx.session, actor=ctx.actor, fields=fields, state_code=input.state_code,
                idempotency_key=input.idempotency_key))

        return mutate(info, action)

    @strawberry.mutation(description="change fields of a request not yet screened")
    def update_request(self, info: Info, id: strawberry.ID,
                       input: UpdateRequestInput) -> RequestResult:
        ctx = context_of(info)

        def action() -> RequestPayload:
            changes = {}
            for attr in _UPDATABLE:
                value = getattr(input, attr)
                if value is strawberry.UNSET:
                    continue
                if value is None and attr != "themes":  # null themes: follow the recommendations
                    raise ValidationFailed.single(
                        to_camel_case(attr), "required", f"{to_camel_case(attr)}: cannot be null")
                if attr == "support_kinds":
                    value = [k.value for k in value]
                if attr == "documents":
                    value = _documents(value)
                changes[attr] = value
            if input.recommendation_ids not in (strawberry.UNSET, None):
                changes["recommendation_ids"] = _recommendation_pks(input.recommendation_ids)
            expected = input.expected_version if input.expected_version is not strawberry.UNSET \
                else None
            return _payload(service.update_request(
                ctx.session, actor=ctx.actor, request_id=_request_pk(id), changes=changes,
                expected_version=expected))

        return mutate(info, action)

    @strawberry.mutation(description="hand the request to the committee for screening")
    def submit_request(self, info: Info, id: strawberry.ID) -> RequestResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.submit_request(
            ctx.session, actor=ctx.actor, request_id=_request_pk(id))))

    @strawberry.mutation(description="withdraw the request (any time before support starts)")
    def withdraw_request(self, info: Info, id: strawberry.ID, reason: str) -> RequestResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.withdraw_request(
            ctx.session, actor=ctx.actor, request_id=_request_pk(id), reason=reason)))

    @strawberry.mutation(description=(
        "put a submitted request on the urgent track: the requesting State, or the "
        "secretariat with the State's consent (stateConsent); the committee is notified and "
        "decides the screening within the criteria's deadline"))
    def mark_request_urgent(self, info: Info, id: strawberry.ID, reason: str,
                            latest_start: datetime.date, expected_version: int | None = None,
                            state_consent: bool = False) -> RequestResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(urgency.mark_urgent(
            ctx.session, actor=ctx.actor, request_id=_request_pk(id), reason=reason,
            latest_start=latest_start, expected_version=expected_version,
            state_consent=state_consent)))
