"""GraphQL types, queries and mutations of the dialogue platform: progress updates, the State
page consent and the public State page."""

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
    PublicError,
    ValidationError,
)
from facility.api.pagination import Connection, connection, page_window
from facility.dialogue import models, service, views
from facility.engagements.models import ImplementationStatus as ImplementationStatusEnum
from facility.engagements.schema import ImplementationStatus, ReportKind
from facility.errors import NotFound, ValidationFailed
from facility.ids import decode_id, encode_id
from facility.reference import names
from facility.reference.schema import LANGUAGE_HELP, RecommendationType, StateType, state_by_code
from facility.referrals.schema import ReferralType

UpdateStatus = strawberry.enum(models.UpdateStatus, name="ProgressUpdateStatus")


@strawberry.type(name="ProgressUpdate")
class ProgressUpdateType:
    """What a State reports on one of its recommendations. A draft is the State's own; a
    published update is read by the secretariat, the committee, the partners funding the
    State's engagements, and everyone once the State opened its page."""

    model: strawberry.Private[models.ProgressUpdate]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("ProgressUpdate", self.model.id))  # type: ignore[arg-type]

    @strawberry.field
    def state(self, info: Info) -> StateType:
        return state_by_code(info, self.model.state_code)  # type: ignore[return-value]

    @strawberry.field
    def recommendation(self, info: Info) -> RecommendationType | None:
        found = context_of(info).loaders.recommendations.load(self.model.recommendation_id)
        return RecommendationType(model=found) if found else None

    @strawberry.field
    def status(self) -> UpdateStatus:  # type: ignore[valid-type]
        return self.model.status

    @strawberry.field
    def implementation_status(self) -> ImplementationStatus:  # type: ignore[valid-type]
        return ImplementationStatusEnum(self.model.implementation_status)

    @strawberry.field(description="what the State did or found")
    def evidence(self) -> str:
        return self.model.evidence

    @strawberry.field(description="an http(s) address of the evidence")
    def evidence_link(self) -> str | None:
        return self.model.evidence_link

    @strawberry.field(description="what stood in the way")
    def barriers(self) -> str:
        return self.model.barriers

    @strawberry.field(description="the support the State would welcome")
    def support_wanted(self) -> str:
        return self.model.support_wanted

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.model.created_at

    @strawberry.field
    def published_at(self) -> datetime.datetime | None:
        return self.model.published_at

    @strawberry.field(description="increases with every change; pass it back as expectedVersion")
    def version(self) -> int:
        return self.model.version


@strawberry.type
class ProgressUpdatePayload:
    update: ProgressUpdateType


_Errors = ValidationError | PermissionDeniedError | NotFoundError | ConflictError
ProgressUpdateResult = Annotated[ProgressUpdatePayload | _Errors,
                                 strawberry.union("ProgressUpdateResult")]


@strawberry.input
class PostProgressUpdateInput:
    recommendation_id: strawberry.ID = strawberry.field(
        description="any recommendation addressed to the caller's State")
    implementation_status: ImplementationStatus  # type: ignore[valid-type]
    evidence: str
    evidence_link: str | None = None
    barriers: str = ""
    support_wanted: str = ""
    publish: bool = strawberry.field(default=False, description="publish at once, not as a draft")
    idempotency_key: str | None = strawberry.field(
        default=None, description="a retry with the same key returns the first result")


@strawberry.input
class UpdateProgressUpdateInput:
    recommendation_id: strawberry.ID | None = strawberry.UNSET
    implementation_status: ImplementationStatus | None = strawberry.UNSET  # type: ignore[valid-type]
    evidence: str | None = strawberry.UNSET
    evidence_link: str | None = strawberry.UNSET
    barriers: str | None = strawberry.UNSET
    support_wanted: str | None = strawberry.UNSET
    expected_version: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="the version you read; a newer one makes the change a Conflict")


@strawberry.type(name="StatePageConsent")
class StatePageConsentType:
    state_code: str
    open: bool
    version: int = strawberry.field(description="0 while the State never answered; pass it "
                                                "back as expectedVersion")


@strawberry.type
class StatePageConsentPayload:
    consent: StatePageConsentType


StatePageConsentResult = Annotated[StatePageConsentPayload | _Errors,
                                   strawberry.union("StatePageConsentResult")]


@strawberry.type
class ThemeCount:
    theme: str = strawberry.field(description="the theme's name as requests and offers use it")
    label: str = strawberry.field(description="its name in the language asked for")
    total: int
    supported: int = strawberry.field(description="UPR recommendations the State supported")


@strawberry.type
class StateSupport:
    """An engagement: support the State received, and who funded it."""

    request_title: str
    partner: str
    offer_title: str
    start: datetime.date
    end: datetime.date
    status: str


@strawberry.type
class ReportedOutcome:
    """What a submitted follow-up report states of one recommendation."""

    recommendation: RecommendationType
    status: ImplementationStatus  # type: ignore[valid-type]
    report_kind: ReportKind  # type: ignore[valid-type]
    submitted_at: datetime.datetime
    request_title: str


@strawberry.type(name="StatePage")
class StatePageType:
    """The public page of a State: empty lists while the State has not opened it."""

    page: strawberry.Private[views.StatePage]

    @strawberry.field
    def state(self) -> StateType:
        return StateType.of(self.page.state)

    @strawberry.field(description="whether the State's mission opened its page")
    def open(self) -> bool:
        return self.page.open

    @strawberry.field(description="of the State's consent: 0 while it never answered; pass it "
                                  "back as expectedVersion to setStatePageConsent")
    def consent_version(self) -> int:
        return self.page.version

    @strawberry.field
    def total_recommendations(self) -> int:
        return self.page.total_recommendations

    @strawberry.field(description="its recommendations counted by theme, the largest first")
    def themes(self) -> list[ThemeCount]:
        return [ThemeCount(theme=t.theme, label=t.label, total=t.total, supported=t.supported)
                for t in self.page.themes]

    @strawberry.field(description="the engagements serving it and the partners funding them")
    def support(self) -> list[StateSupport]:
        return [StateSupport(request_title=s.request_title, partner=s.partner,
                             offer_title=s.offer_title, start=s.start, end=s.end, status=s.status)
                for s in self.page.support]

    @strawberry.field(description="implementation statuses from its submitted follow-up reports")
    def outcomes(self) -> list[ReportedOutcome]:
        return [_outcome(o) for o in self.page.outcomes]

    @strawberry.field(description="its latest published progress updates")
    def progress_updates(self) -> list[ProgressUpdateType]:
        return [ProgressUpdateType(model=u.update) for u in self.page.updates]

    @strawberry.field(description="the referrals it made public")
    def referrals(self) -> list[ReferralType]:
        return [ReferralType(model=r) for r in self.page.referrals]


def _outcome(o: views.Outcome) -> ReportedOutcome:
    return ReportedOutcome(recommendation=RecommendationType(model=o.recommendation),
                           status=ImplementationStatusEnum(o.status),
                           report_kind=ReportKind(o.report_kind),  # type: ignore[misc]
                           submitted_at=o.submitted_at, request_title=o.request_title)


def _pk(kind: str, id: strawberry.ID, what: str) -> int:
    pk = decode_id(kind, id)
    if pk is None:
        raise NotFound(f"no {what} with id {id}")
    return pk


def _recommendation_pk(id: strawberry.ID) -> int:
    pk = decode_id("Recommendation", id)
    if pk is None:
        raise ValidationFailed.single("recommendationId", "exists",
                                      f"recommendationId: {id!r} is not a recommendation id")
    return pk


def _payload(update: models.ProgressUpdate) -> ProgressUpdatePayload:
    return ProgressUpdatePayload(update=ProgressUpdateType(model=update))


_CHANGEABLE = ("implementation_status", "evidence", "evidence_link", "barriers", "support_wanted")


@strawberry.type
class DialogueQuery:
    @strawberry.field(description="the progress updates the caller may see, the latest first")
    def progress_updates(self, info: Info, state_code: str | None = None,
                         recommendation_id: strawberry.ID | None = None,
                         status: UpdateStatus | None = None,  # type: ignore[valid-type]
                         first: int | None = None,
                         after: str | None = None) -> Connection[ProgressUpdateType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rec = None if recommendation_id is None else (decode_id("Recommendation", recommendation_id) or 0)
        rows, total = service.list_updates(
            ctx.session, actor=ctx.actor, state_code=state_code, recommendation_id=rec,
            status=None if status is None else models.UpdateStatus(status.value),
            limit=limit, offset=offset)
        return connection([ProgressUpdateType(model=r) for r in rows], total=total, offset=offset)

    @strawberry.field
    def progress_update(self, info: Info, id: strawberry.ID) -> ProgressUpdateType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("ProgressUpdate", id), lambda pk: ProgressUpdateType(
            model=service.get_update(ctx.session, actor=ctx.actor, update_id=pk)))

    @strawberry.field(description="the public page of a State (ISO3 code); null for an unknown "
                                  "code. Theme names in `language` (" + LANGUAGE_HELP + ")")
    def state_page(self, info: Info, state_code: str,
                   language: str | None = None) -> StatePageType | None:
        if language is not None and names.language_code(language) is None:
            raise PublicError(f"language: {LANGUAGE_HELP}")
        page = views.state_page(context_of(info).session, state_code, language=language)
        return StatePageType(page=page) if page else None


@strawberry.type
class DialogueMutation:
    @strawberry.mutation(description="a State mission reports on one of its recommendations, of "
                                     "any mechanism: a draft, or published at once")
    def post_progress_update(self, info: Info, input: PostProgressUpdateInput) -> ProgressUpdateResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.post_update(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, publish=input.publish,
            idempotency_key=input.idempotency_key, fields=service.UpdateFields(
                recommendation_id=_recommendation_pk(input.recommendation_id),
                implementation_status=input.implementation_status.value,  # type: ignore[attr-defined]
                evidence=input.evidence, evidence_link=input.evidence_link,
                barriers=input.barriers, support_wanted=input.support_wanted))))

    @strawberry.mutation(description="change a draft progress update")
    def update_progress_update(self, info: Info, id: strawberry.ID,
                               input: UpdateProgressUpdateInput) -> ProgressUpdateResult:
        ctx = context_of(info)

        def action() -> ProgressUpdatePayload:
            pk = _pk("ProgressUpdate", id, "progress update")
            changes: dict = {}
            for attr in _CHANGEABLE:
                value = getattr(input, attr)
                if value is strawberry.UNSET:
                    continue
                if value is None and attr != "evidence_link":
                    camel = to_camel_case(attr)
                    raise ValidationFailed.single(camel, "required", f"{camel}: cannot be null")
                changes[attr] = value.value if attr == "implementation_status" else value
            if input.recommendation_id not in (strawberry.UNSET, None):
                changes["recommendation_id"] = _recommendation_pk(input.recommendation_id)
            expected = None if input.expected_version is strawberry.UNSET else input.expected_version
            return _payload(service.change_update(ctx.session, actor=ctx.actor, update_id=pk,
                                                  changes=changes, expected_version=expected))

        return mutate(info, action)  # type: ignore[return-value]

    @strawberry.mutation(description="publish a draft progress update; it is final from then on")
    def publish_progress_update(self, info: Info, id: strawberry.ID,
                                expected_version: int | None = None) -> ProgressUpdateResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.publish_update(  # type: ignore[return-value]
            ctx.session, actor=ctx.actor, update_id=_pk("ProgressUpdate", id, "progress update"),
            expected_version=expected_version)))

    @strawberry.mutation(description="the State's mission opens (or closes) its public page, "
                                     "/states/{code}")
    def set_state_page_consent(self, info: Info, open: bool,
                               expected_version: int | None = None) -> StatePageConsentResult:
        ctx = context_of(info)

        def action() -> StatePageConsentPayload:
            consent = service.set_page_consent(ctx.session, actor=ctx.actor, open=open,
                                               expected_version=expected_version)
            return StatePageConsentPayload(consent=StatePageConsentType(
                state_code=consent.state_code, open=consent.open, version=consent.version))

        return mutate(info, action)  # type: ignore[return-value]
