"""GraphQL types, queries and mutations of the programmes directory."""

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from facility.api.context import context_of, found_or_null, mutate
from facility.api.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from facility.api.pagination import Connection, connection, page_window
from facility.auth.models import Partner
from facility.errors import NotFound
from facility.ids import decode_id, encode_id
from facility.programmes import models, service

AgencyKind = strawberry.enum(models.AgencyKind, name="ProgrammeAgencyKind")


@strawberry.type(name="Programme")
class ProgrammeType:
    """A programme of a regional or multilateral agency or a bilateral donor, which the facility
    does not fund itself. Public."""

    model: strawberry.Private[models.Programme]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Programme", self.model.id))  # type: ignore[arg-type]

    @strawberry.field
    def name(self) -> str:
        return self.model.name

    @strawberry.field
    def agency(self) -> str:
        return self.model.agency

    @strawberry.field
    def agency_kind(self) -> AgencyKind:  # type: ignore[valid-type]
        return self.model.agency_kind

    @strawberry.field
    def description(self) -> str:
        return self.model.description

    @strawberry.field(description="regional group codes it is open to; null: every group")
    def eligible_groups(self) -> list[str] | None:
        return self.model.eligible_groups

    @strawberry.field(description="ISO3 codes of the States it is open to; null: every State")
    def eligible_states(self) -> list[str] | None:
        return self.model.eligible_states

    @strawberry.field(description="the themes it covers; empty: any theme")
    def themes(self, info: Info) -> list[str]:
        session = context_of(info).session
        return service.themes_by_programme(session, [self.model.id])[self.model.id]  # type: ignore[list-item, index]

    @strawberry.field(description="the kinds of support it gives (the requests' SupportKind values)")
    def support_kinds(self) -> list[str]:
        return list(self.model.support_kinds)

    @strawberry.field
    def how_to_apply(self) -> str:
        return self.model.how_to_apply

    @strawberry.field(description="the last day to apply; null: at any time")
    def deadline(self) -> datetime.date | None:
        return self.model.deadline

    @strawberry.field
    def link(self) -> str:
        return self.model.link

    @strawberry.field(description="the partner maintaining it; null: the secretariat")
    def partner_name(self, info: Info) -> str | None:
        if self.model.partner_id is None:
            return None
        partner = context_of(info).session.get(Partner, self.model.partner_id)
        return partner.name if partner else None

    @strawberry.field(description="increases with every change; pass it back as expectedVersion")
    def version(self) -> int:
        return self.model.version


@strawberry.type
class ProgrammePayload:
    programme: ProgrammeType


@strawberry.type(name="ProgrammeApplication")
class ProgrammeApplicationType:
    model: strawberry.Private[models.ProgrammeApplication]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("ProgrammeApplication", self.model.id))  # type: ignore[arg-type]

    @strawberry.field
    def request_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("CapacityRequest", self.model.request_id))

    @strawberry.field
    def programme(self, info: Info) -> ProgrammeType:
        return ProgrammeType(model=service.get_programme(context_of(info).session,
                                                         programme_id=self.model.programme_id))

    @strawberry.field
    def recorded_at(self) -> datetime.datetime:
        return self.model.recorded_at


@strawberry.type
class ProgrammeApplicationPayload:
    application: ProgrammeApplicationType


@strawberry.type
class ProgrammeSuggestion:
    programme: ProgrammeType
    shared_themes: list[str] = strawberry.field(description="the request's themes it covers")
    applied_at: datetime.datetime | None = strawberry.field(
        description="when the State recorded that it applied; null: not recorded")


_Errors = ValidationError | PermissionDeniedError | NotFoundError | ConflictError
ProgrammeResult = Annotated[ProgrammePayload | _Errors, strawberry.union("ProgrammeResult")]
ProgrammeApplicationResult = Annotated[ProgrammeApplicationPayload | _Errors,
                                       strawberry.union("ProgrammeApplicationResult")]


@strawberry.input
class AddProgrammeInput:
    name: str
    agency: str
    agency_kind: AgencyKind  # type: ignore[valid-type]
    how_to_apply: str
    link: str = strawberry.field(description="the programme's http(s) page")
    description: str = ""
    themes: list[str] = strawberry.field(default_factory=list, description="empty: any theme")
    support_kinds: list[str] = strawberry.field(default_factory=list)
    eligible_groups: list[str] | None = strawberry.field(default=None,
                                                         description="null: every group")
    eligible_states: list[str] | None = strawberry.field(default=None,
                                                         description="null: every State")
    deadline: datetime.date | None = strawberry.field(default=None,
                                                      description="null: at any time")
    idempotency_key: str | None = strawberry.field(
        default=None, description="a retry with the same key returns the first result")


@strawberry.input
class UpdateProgrammeInput:
    name: str | None = strawberry.UNSET
    agency: str | None = strawberry.UNSET
    agency_kind: AgencyKind | None = strawberry.UNSET  # type: ignore[valid-type]
    how_to_apply: str | None = strawberry.UNSET
    link: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    themes: list[str] | None = strawberry.UNSET
    support_kinds: list[str] | None = strawberry.UNSET
    eligible_groups: list[str] | None = strawberry.UNSET
    eligible_states: list[str] | None = strawberry.UNSET
    deadline: datetime.date | None = strawberry.UNSET
    expected_version: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="the version you read; a newer one makes the change a Conflict")


def _pk(kind: str, id: strawberry.ID, what: str) -> int:
    pk = decode_id(kind, id)
    if pk is None:
        raise NotFound(f"no {what} with id {id}")
    return pk


_LISTS = ("themes", "support_kinds")
_NULLABLE = ("eligible_groups", "eligible_states", "deadline")


def _changes(input: UpdateProgrammeInput) -> dict:
    changes: dict = {}
    for name in ("name", "agency", "agency_kind", "how_to_apply", "link", "description",
                 *_LISTS, *_NULLABLE):
        value = getattr(input, name)
        if value is strawberry.UNSET:
            continue
        if name == "agency_kind":
            changes[name] = value.value if value is not None else ""
        elif name in _LISTS:
            changes[name] = value or []
        elif name in _NULLABLE:
            changes[name] = value
        else:
            changes[name] = value or ""
    return changes


@strawberry.type
class ProgrammeQuery:
    @strawberry.field(description="the programmes directory, by name: `stateCode` keeps those "
                                  "the State may apply to, `theme` those covering it (or any "
                                  "theme), `open` those whose deadline has not passed")
    def programmes(self, info: Info, state_code: str | None = None, theme: str | None = None,
                   agency_kind: AgencyKind | None = None,  # type: ignore[valid-type]
                   open: bool = False, first: int | None = None,
                   after: str | None = None) -> Connection[ProgrammeType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = service.list_programmes(
            ctx.session, state_code=state_code, theme=theme, open_only=open,
            agency_kind=None if agency_kind is None else models.AgencyKind(agency_kind.value),
            limit=limit, offset=offset)
        return connection([ProgrammeType(model=r) for r in rows], total=total, offset=offset)

    @strawberry.field
    def programme(self, info: Info, id: strawberry.ID) -> ProgrammeType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("Programme", id), lambda pk: ProgrammeType(
            model=service.get_programme(ctx.session, programme_id=pk)))

    @strawberry.field(description="the programmes whose rules fit a request the caller may see "
                                  "(its State eligible, its themes covered, the deadline not "
                                  "passed), and those the State recorded it applied to")
    def programmes_for_request(self, info: Info,
                               request_id: strawberry.ID) -> list[ProgrammeSuggestion] | None:
        ctx = context_of(info)

        def find(pk: int) -> list[ProgrammeSuggestion]:
            return [ProgrammeSuggestion(programme=ProgrammeType(model=s.programme),
                                        shared_themes=s.shared_themes,
                                        applied_at=s.applied.recorded_at if s.applied else None)
                    for s in service.suggested_for(ctx.session, actor=ctx.actor, request_id=pk)]

        return found_or_null(info, decode_id("CapacityRequest", request_id), find)


@strawberry.type
class ProgrammeMutation:
    @strawberry.mutation(description="the secretariat or a partner adds a programme to the "
                                     "directory (a partner's is its own to maintain)")
    def add_programme(self, info: Info, input: AddProgrammeInput) -> ProgrammeResult:
        ctx = context_of(info)
        return mutate(info, lambda: ProgrammePayload(programme=ProgrammeType(
            model=service.add_programme(
                ctx.session, actor=ctx.actor, idempotency_key=input.idempotency_key,
                fields=service.ProgrammeFields(
                    name=input.name, agency=input.agency, agency_kind=input.agency_kind.value,  # type: ignore[attr-defined]
                    how_to_apply=input.how_to_apply, link=input.link,
                    description=input.description, themes=input.themes,
                    support_kinds=input.support_kinds, eligible_groups=input.eligible_groups,
                    eligible_states=input.eligible_states, deadline=input.deadline)))))

    @strawberry.mutation(description="the secretariat, or the partner that added it, changes a "
                                     "programme")
    def update_programme(self, info: Info, id: strawberry.ID,
                         input: UpdateProgrammeInput) -> ProgrammeResult:
        ctx = context_of(info)
        expected = None if input.expected_version is strawberry.UNSET else input.expected_version
        return mutate(info, lambda: ProgrammePayload(programme=ProgrammeType(
            model=service.change_programme(
                ctx.session, actor=ctx.actor, programme_id=_pk("Programme", id, "programme"),
                changes=_changes(input), expected_version=expected))))

    @strawberry.mutation(description="the requesting State records that it applied to a "
                                     "programme for its request (recorded once)")
    def record_programme_application(self, info: Info, request_id: strawberry.ID,
                                     programme_id: strawberry.ID) -> ProgrammeApplicationResult:
        ctx = context_of(info)
        return mutate(info, lambda: ProgrammeApplicationPayload(
            application=ProgrammeApplicationType(model=service.record_application(
                ctx.session, actor=ctx.actor,
                request_id=_pk("CapacityRequest", request_id, "request"),
                programme_id=_pk("Programme", programme_id, "programme")))))
