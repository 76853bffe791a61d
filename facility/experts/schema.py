"""GraphQL types and mutations for the expert roster.

Personal data sits behind one field, `personal`, resolved only for the roles that may see
it (auth.permissions.can_view_expert_personal); every other caller gets null there, whatever
path or alias the query uses to reach the expert.
"""

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
from facility.auth import permissions
from facility.errors import NotFound, ValidationFailed
from facility.experts import consent, models, readiness, service
from facility.ids import decode_id, encode_id
from facility.reference.schema import RegionalGroupCode, StateType, state_by_code
from facility.timeutil import as_utc, today

Seniority = strawberry.enum(models.Seniority)
CheckKind = strawberry.enum(models.CheckKind, description=(
    "a readiness check the nominating partner verifies; every kind must hold for the ready "
    "roster"))
ConsentScope = strawberry.enum(consent.ConsentScope, description=(
    "ROSTER: held on the roster; MATCHING: may be proposed by the optimiser"))


@strawberry.type
class DateWindow:
    start: datetime.date
    end: datetime.date


@strawberry.input
class DateWindowInput:
    start: datetime.date
    end: datetime.date


@strawberry.type
class ExpertPersonal:
    name: str
    email: str
    phone: str
    cv: str


@strawberry.type
class ExpertConsent:
    given_at: datetime.datetime = strawberry.field(description="when this consent was recorded")
    scopes: list[ConsentScope]  # type: ignore[valid-type]
    text_version: str = strawberry.field(description="the version of the consent text agreed to")
    withdrawn_at: datetime.datetime | None


@strawberry.type
class ExpertCheck:
    kind: CheckKind  # type: ignore[valid-type]
    verified_on: datetime.date
    expires_on: datetime.date = strawberry.field(
        description="the first day the check no longer holds")
    valid_today: bool


@strawberry.type
class ExpertReadiness:
    notice_hours: int | None = strawberry.field(description=(
        "deployable within this many hours of a call (72, 336 = two weeks, 1440 = two "
        "months); null: not on the ready roster"))
    checks: list[ExpertCheck]
    missing_checks: list[CheckKind] = strawberry.field(  # type: ignore[valid-type]
        description="the kinds without a check valid today")
    ready_today: bool = strawberry.field(description=(
        "on the ready roster today: a notice period, consent to matching, every check valid"))
    deployable_within_hours: int | None = strawberry.field(
        description="the notice period when ready today, else null")


@strawberry.type(name="Expert")
class ExpertType:
    model: strawberry.Private[models.Expert]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Expert", self.model.id))  # type: ignore[arg-type]

    @strawberry.field
    def nationality(self, info: Info) -> StateType:
        return state_by_code(info, self.model.nationality)  # type: ignore[return-value]

    @strawberry.field
    def regional_group(self, info: Info) -> RegionalGroupCode | None:
        state = context_of(info).loaders.states.get(self.model.nationality)
        code = state.regional_group_code if state else None
        return RegionalGroupCode(code) if code else None

    @strawberry.field
    def themes(self, info: Info) -> list[str]:
        return context_of(info).loaders.expert_themes.load(self.model.id)  # type: ignore[arg-type]

    @strawberry.field
    def languages(self) -> list[str]:
        return list(self.model.languages)

    seniority = from_model("seniority", Seniority)

    @strawberry.field
    def availability(self, info: Info) -> list[DateWindow]:
        windows = context_of(info).loaders.expert_availability.load(self.model.id)  # type: ignore[arg-type]
        return [DateWindow(start=s, end=e) for s, e in windows]

    max_assignments = from_model("max_assignments", int)

    @strawberry.field(description="consent is in force (given, not withdrawn)")
    def consent_given(self) -> bool:
        return consent.is_active(self.model)

    @strawberry.field(description="what the person agreed to and when: null unless the "
                                  "caller may see the personal data")
    def consent(self, info: Info) -> ExpertConsent | None:
        if not permissions.can_view_expert_personal(context_of(info).actor, self.model) \
                or self.model.consent_at is None:
            return None
        return ExpertConsent(given_at=as_utc(self.model.consent_at),  # type: ignore[arg-type]
                             scopes=consent.scopes_of(self.model),
                             text_version=self.model.consent_version or "",
                             withdrawn_at=as_utc(self.model.consent_withdrawn_at))

    @strawberry.field(description="name and contact details: null unless the caller may see them")
    def personal(self, info: Info) -> ExpertPersonal | None:
        if not permissions.can_view_expert_personal(context_of(info).actor, self.model):
            return None
        return ExpertPersonal(name=self.model.name, email=self.model.email,
                              phone=self.model.phone, cv=self.model.cv)

    @strawberry.field(description="notice period and checks (personal data): null unless the "
                                  "caller may see the personal data")
    def readiness(self, info: Info) -> ExpertReadiness | None:
        ctx = context_of(info)
        if not permissions.can_view_expert_personal(ctx.actor, self.model):
            return None
        on = today()
        checks = ctx.loaders.expert_checks.load(self.model.id)  # type: ignore[arg-type]
        state = readiness.readiness_of(self.model, checks, on)
        return ExpertReadiness(
            notice_hours=state.notice_hours,
            checks=[ExpertCheck(kind=c.kind, verified_on=c.verified_on, expires_on=c.expires_on,
                                valid_today=readiness.is_valid(c, on)) for c in state.checks],
            missing_checks=readiness.missing_checks(checks, on),
            ready_today=state.ready, deployable_within_hours=state.deployable_within_hours)

    version = from_model("version", int)


@strawberry.type
class ExpertPayload:
    expert: ExpertType


ExpertResult = Annotated[
    ExpertPayload | ValidationError | PermissionDeniedError | NotFoundError | ConflictError,
    strawberry.union("ExpertResult"),
]


@strawberry.input
class NominateExpertInput:
    name: str
    email: str
    nationality: str
    themes: list[str]
    languages: list[str]
    availability: list[DateWindowInput]
    consent_given: bool = strawberry.field(
        description="the person agreed to be on the roster and to be matched")
    phone: str = ""
    cv: str = ""
    seniority: Seniority = models.Seniority.SENIOR  # type: ignore[valid-type]
    max_assignments: int = 1
    conflict_states: list[str] = strawberry.field(default_factory=list)
    consent_scopes: list[ConsentScope] = strawberry.field(  # type: ignore[valid-type]
        default_factory=lambda: list(consent.DEFAULT_SCOPES),
        description="what the person agreed to; must include ROSTER")
    consent_text_version: str = strawberry.field(
        default=consent.CONSENT_TEXT_VERSION,
        description="the version of the consent text the person agreed to (the current one)")
    idempotency_key: str | None = strawberry.field(
        default=None, description="a retry with the same key returns the first result")


@strawberry.input
class SetExpertConsentInput:
    scopes: list[ConsentScope] = strawberry.field(  # type: ignore[valid-type]
        description="the scopes now agreed to (with ROSTER); none at all withdraws consent")
    consent_text_version: str = consent.CONSENT_TEXT_VERSION
    expected_version: int | None = None


@strawberry.input
class UpdateExpertInput:
    name: str | None = strawberry.UNSET
    email: str | None = strawberry.UNSET
    phone: str | None = strawberry.UNSET
    cv: str | None = strawberry.UNSET
    themes: list[str] | None = strawberry.UNSET
    languages: list[str] | None = strawberry.UNSET
    availability: list[DateWindowInput] | None = strawberry.UNSET
    seniority: Seniority | None = strawberry.UNSET  # type: ignore[valid-type]
    max_assignments: int | None = strawberry.UNSET
    conflict_states: list[str] | None = strawberry.UNSET
    expected_version: int | None = strawberry.UNSET


@strawberry.input
class SetExpertReadinessInput:
    notice_hours: int | None = strawberry.field(description=(
        "72, 336 (two weeks) or 1440 (two months); null takes the person off the ready roster"))
    expected_version: int | None = None


@strawberry.input
class RecordExpertCheckInput:
    kind: CheckKind  # type: ignore[valid-type]
    verified_on: datetime.date
    expires_on: datetime.date = strawberry.field(
        description="the first day the check no longer holds (after verifiedOn)")
    expected_version: int | None = None


_UPDATABLE = ("name", "email", "phone", "cv", "themes", "languages", "availability",
              "seniority", "max_assignments", "conflict_states")


def _expert_pk(id: strawberry.ID) -> int:
    pk = decode_id("Expert", id)
    if pk is None:
        raise NotFound(f"no expert with id {id}")
    return pk


def _payload(expert: models.Expert) -> ExpertPayload:
    return ExpertPayload(expert=ExpertType(model=expert))


@strawberry.type
class ExpertQuery:
    @strawberry.field(description="the roster (a partner sees its own nominees)")
    def experts(self, info: Info, first: int | None = None,
                after: str | None = None) -> Connection[ExpertType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = service.list_experts(ctx.session, actor=ctx.actor, limit=limit,
                                           offset=offset)
        ids = [r.id for r in rows]
        ctx.loaders.expert_themes.prime(ids)
        ctx.loaders.expert_availability.prime(ids)
        return connection([ExpertType(model=r) for r in rows], total=total, offset=offset)

    @strawberry.field
    def expert(self, info: Info, id: strawberry.ID) -> ExpertType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("Expert", id), lambda pk: ExpertType(
            model=service.get_expert(ctx.session, actor=ctx.actor, expert_id=pk)))


@strawberry.type
class ExpertMutation:
    @strawberry.mutation(description="put a person on the roster, with their consent")
    def nominate_expert(self, info: Info, input: NominateExpertInput) -> ExpertResult:
        ctx = context_of(info)

        def action() -> ExpertPayload:
            fields = service.ExpertFields(
                name=input.name, email=input.email, nationality=input.nationality,
                themes=input.themes, languages=input.languages,
                availability=[(w.start, w.end) for w in input.availability],
                phone=input.phone, cv=input.cv, seniority=input.seniority.value,
                max_assignments=input.max_assignments, conflict_states=input.conflict_states,
            )
            return _payload(service.nominate_expert(
                ctx.session, actor=ctx.actor, fields=fields, consent_given=input.consent_given,
                consent_scopes=[s.value for s in input.consent_scopes],
                consent_text_version=input.consent_text_version,
                idempotency_key=input.idempotency_key))

        return mutate(info, action)

    @strawberry.mutation
    def update_expert(self, info: Info, id: strawberry.ID,
                      input: UpdateExpertInput) -> ExpertResult:
        ctx = context_of(info)

        def action() -> ExpertPayload:
            changes = {}
            for attr in _UPDATABLE:
                value = getattr(input, attr)
                if value is strawberry.UNSET:
                    continue
                if value is None:
                    raise ValidationFailed.single(to_camel_case(attr), "required",
                                                  f"{to_camel_case(attr)}: cannot be null")
                if attr == "availability":
                    value = [(w.start, w.end) for w in value]
                elif attr == "seniority":
                    value = value.value
                changes[attr] = value
            expected = None if input.expected_version is strawberry.UNSET \
                else input.expected_version
            return _payload(service.update_expert(ctx.session, actor=ctx.actor,
                                                  expert_id=_expert_pk(id), changes=changes,
                                                  expected_version=expected))

        return mutate(info, action)

    @strawberry.mutation(description="record the person's consent again, with other scopes, "
                                     "or withdraw it (no scopes): out of matching at once")
    def set_expert_consent(self, info: Info, id: strawberry.ID,
                           input: SetExpertConsentInput) -> ExpertResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.set_consent(
            ctx.session, actor=ctx.actor, expert_id=_expert_pk(id),
            scopes=[s.value for s in input.scopes], text_version=input.consent_text_version,
            expected_version=input.expected_version)))

    @strawberry.mutation(description="the nominating partner records the person's notice "
                                     "period on the ready roster, or takes them off it (null)")
    def set_expert_readiness(self, info: Info, id: strawberry.ID,
                             input: SetExpertReadinessInput) -> ExpertResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(readiness.set_notice(
            ctx.session, actor=ctx.actor,
            expert=service.get_expert(ctx.session, actor=ctx.actor, expert_id=_expert_pk(id)),
            notice_hours=input.notice_hours, expected_version=input.expected_version)))

    @strawberry.mutation(description="the nominating partner records a readiness check it "
                                     "verified (replacing the last check of that kind)")
    def record_expert_check(self, info: Info, id: strawberry.ID,
                            input: RecordExpertCheckInput) -> ExpertResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(readiness.record_check(
            ctx.session, actor=ctx.actor,
            expert=service.get_expert(ctx.session, actor=ctx.actor, expert_id=_expert_pk(id)),
            kind=input.kind.value, verified_on=input.verified_on, expires_on=input.expires_on,
            expected_version=input.expected_version)))
