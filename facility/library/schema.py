"""GraphQL types, queries and mutations of the good-practice library.

Files are uploaded on the library's pages (/library/new), not through GraphQL (whose documents
are bounded to 256 KB); a client reads a file at `fileUrl`, through the same visibility check.
Through GraphQL a resource is a link, or keeps the file it has.
"""

import datetime
from typing import Annotated

import strawberry
from sqlmodel import select
from strawberry.types import Info

from facility.api.context import context_of, found_or_null, mutate
from facility.api.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    PublicError,
    ValidationError,
)
from facility.api.pagination import Connection, connection, page_window
from facility.auth import permissions
from facility.auth.models import Partner
from facility.engagements.models import Engagement
from facility.errors import NotFound, ValidationFailed
from facility.ids import decode_id, encode_id
from facility.library import models, service
from facility.library.storage import storage_for
from facility.reference.schema import StateType, state_by_code
from facility.requests.models import CapacityRequest
from facility.requests.schema import CapacityRequestType
from facility.stories.models import SuccessStory
from facility.stories.schema import SuccessStoryType
from governance.schema import EngagementType

ResourceKind = strawberry.enum(models.ResourceKind, name="LibraryResourceKind")
ResourceStatus = strawberry.enum(models.ResourceStatus, name="LibraryResourceStatus")


def _links(info: Info, resource: models.LibraryResource) -> service.Links:
    return service.links_of(context_of(info).session, [resource.id])[resource.id]  # type: ignore[list-item, index]


@strawberry.type(name="LibraryResource")
class LibraryResourceType:
    """A training material, case study, guidance or lessons learned: public once the
    secretariat published it; before, its contributor's own (and the secretariat's once
    submitted)."""

    model: strawberry.Private[models.LibraryResource]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("LibraryResource", self.model.id))  # type: ignore[arg-type]

    @strawberry.field
    def kind(self) -> ResourceKind:  # type: ignore[valid-type]
        return self.model.kind

    @strawberry.field
    def status(self) -> ResourceStatus:  # type: ignore[valid-type]
        return self.model.status

    @strawberry.field
    def title(self) -> str:
        return self.model.title

    @strawberry.field
    def summary(self) -> str:
        return self.model.summary

    @strawberry.field(description="ISO 639-1 code of the resource's language")
    def language(self) -> str:
        return self.model.language

    @strawberry.field(description="theme names")
    def themes(self, info: Info) -> list[str]:
        return _links(info, self.model).themes

    @strawberry.field(description="SDG target codes, e.g. 16.3")
    def sdg_targets(self) -> list[str]:
        return list(self.model.sdg_targets)

    @strawberry.field
    def licence(self) -> str:
        return self.model.licence

    @strawberry.field
    def author(self) -> str:
        return self.model.author

    @strawberry.field(description="the resource's address, when it is a link")
    def link(self) -> str | None:
        return self.model.link

    @strawberry.field(description="where to download the file (for whoever may see the "
                                  "resource), when it is a file")
    def file_url(self) -> str | None:
        return f"/library/{self.model.id}/file" if self.model.file_key else None

    @strawberry.field(description="the file's media type, as its content shows")
    def file_type(self) -> str | None:
        return self.model.file_type

    @strawberry.field(description="the file's size in bytes")
    def file_size(self) -> int | None:
        return self.model.file_size

    @strawberry.field(description="who contributed it: STATE, PARTNER, EXPERT or SECRETARIAT")
    def contributor_role(self) -> str:
        return self.model.contributor_role

    @strawberry.field(description="the contributing State")
    def state(self, info: Info) -> StateType | None:
        code = self.model.state_code
        return state_by_code(info, code) if code else None

    @strawberry.field(description="the contributing partner's name")
    def partner_name(self, info: Info) -> str | None:
        if self.model.partner_id is None:
            return None
        partner = context_of(info).session.get(Partner, self.model.partner_id)
        return partner.name if partner else None

    @strawberry.field(description="why the secretariat returned it (its contributor and the "
                                  "secretariat)")
    def return_note(self) -> str | None:
        return self.model.return_note

    @strawberry.field(description="the requests it relates to that the caller may see")
    def requests(self, info: Info) -> list[CapacityRequestType]:
        ctx = context_of(info)
        ids = _links(info, self.model).request_ids
        rows: list[CapacityRequest] = list(ctx.session.exec(select(CapacityRequest).where(
            CapacityRequest.id.in_(ids), permissions.request_visibility(ctx.actor)))) if ids else []  # type: ignore[union-attr]
        return [CapacityRequestType(model=r) for r in rows]

    @strawberry.field(description="the engagements it relates to that the caller may see")
    def engagements(self, info: Info) -> list[EngagementType]:
        ctx = context_of(info)
        ids = _links(info, self.model).engagement_ids
        rows: list[Engagement] = list(ctx.session.exec(select(Engagement).where(
            Engagement.id.in_(ids), permissions.engagement_visibility(ctx.actor)))) if ids else []  # type: ignore[union-attr]
        return [EngagementType(model=r) for r in rows]

    @strawberry.field(description="the success stories it relates to that the caller may see")
    def success_stories(self, info: Info) -> list[SuccessStoryType]:
        ctx = context_of(info)
        ids = _links(info, self.model).story_ids
        rows = list(ctx.session.exec(select(SuccessStory).where(
            SuccessStory.id.in_(ids), permissions.story_visibility(ctx.actor)))) if ids else []  # type: ignore[union-attr]
        return SuccessStoryType.many(ctx.session, rows)

    @strawberry.field
    def created_at(self) -> datetime.datetime:
        return self.model.created_at

    @strawberry.field
    def submitted_at(self) -> datetime.datetime | None:
        return self.model.submitted_at

    @strawberry.field
    def published_at(self) -> datetime.datetime | None:
        return self.model.published_at

    @strawberry.field(description="increases with every change; pass it back as expectedVersion")
    def version(self) -> int:
        return self.model.version


@strawberry.type
class LibraryResourcePayload:
    resource: LibraryResourceType


_Errors = ValidationError | PermissionDeniedError | NotFoundError | ConflictError
LibraryResourceResult = Annotated[LibraryResourcePayload | _Errors,
                                  strawberry.union("LibraryResourceResult")]


@strawberry.input
class SubmitResourceInput:
    kind: ResourceKind  # type: ignore[valid-type]
    title: str
    summary: str
    language: str = strawberry.field(description="ISO 639-1 code")
    licence: str = strawberry.field(description="e.g. CC BY 4.0")
    author: str
    link: str = strawberry.field(description="the resource's http(s) address (files are "
                                             "uploaded on /library/new)")
    themes: list[str] = strawberry.field(default_factory=list)
    sdg_targets: list[str] = strawberry.field(default_factory=list)
    request_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    engagement_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    success_story_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    draft: bool = strawberry.field(default=False, description="keep it as a draft, not yet "
                                                              "submitted to the secretariat")
    idempotency_key: str | None = strawberry.field(
        default=None, description="a retry with the same key returns the first result")


@strawberry.input
class UpdateResourceInput:
    kind: ResourceKind | None = strawberry.UNSET  # type: ignore[valid-type]
    title: str | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    language: str | None = strawberry.UNSET
    licence: str | None = strawberry.UNSET
    author: str | None = strawberry.UNSET
    link: str | None = strawberry.field(default=strawberry.UNSET,
                                        description="a link replaces the resource's file")
    themes: list[str] | None = strawberry.UNSET
    sdg_targets: list[str] | None = strawberry.UNSET
    request_ids: list[strawberry.ID] | None = strawberry.UNSET
    engagement_ids: list[strawberry.ID] | None = strawberry.UNSET
    success_story_ids: list[strawberry.ID] | None = strawberry.UNSET
    expected_version: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="the version you read; a newer one makes the change a Conflict")


def pks(kind: str, ids: list[strawberry.ID], field: str) -> list[int]:
    found = []
    for index, opaque in enumerate(ids):
        pk = decode_id(kind, opaque)
        if pk is None:
            raise ValidationFailed.single(field, "exists", f"{field}[{index}]: {opaque!r} is not "
                                                           f"an id of a {kind}")
        found.append(pk)
    return found


def _pk(id: strawberry.ID) -> int:
    pk = decode_id("LibraryResource", id)
    if pk is None:
        raise NotFound(f"no library resource with id {id}")
    return pk


def _payload(resource: models.LibraryResource) -> LibraryResourcePayload:
    return LibraryResourcePayload(resource=LibraryResourceType(model=resource))


_ID_FIELDS = {"request_ids": ("CapacityRequest", "requestIds"),
              "engagement_ids": ("Engagement", "engagementIds"),
              "success_story_ids": ("SuccessStory", "successStoryIds")}


def _changes(input: UpdateResourceInput) -> dict:
    changes: dict = {}
    for name in ("kind", "title", "summary", "language", "licence", "author", "link", "themes",
                 "sdg_targets", *_ID_FIELDS):
        value = getattr(input, name)
        if value is strawberry.UNSET:
            continue
        if name in _ID_FIELDS:
            kind, field = _ID_FIELDS[name]
            changes[name.replace("success_", "")] = pks(kind, value or [], field)
        elif name == "kind":
            changes[name] = value.value if value is not None else ""
        elif name in ("themes", "sdg_targets"):
            changes[name] = value or []
        elif name == "link":
            changes[name] = value
        else:
            changes[name] = value or ""
    return changes


_RELATED = {"CapacityRequest": models.LinkKind.REQUEST, "Engagement": models.LinkKind.ENGAGEMENT,
            "SuccessStory": models.LinkKind.SUCCESS_STORY}


def _related(id: strawberry.ID | None) -> tuple[models.LinkKind, int] | None:
    if id is None:
        return None
    for type_name, kind in _RELATED.items():
        pk = decode_id(type_name, id)
        if pk is not None:
            return kind, pk
    raise PublicError(f"relatedTo: {id!r} is not the id of a request, an engagement or a "
                      f"success story")


@strawberry.type
class LibraryQuery:
    @strawberry.field(description="the library resources the caller may see: published ones "
                                  "for everyone, the caller's own drafts, and for the "
                                  "secretariat what was submitted. `search`: every word in the "
                                  "title, summary or a theme name")
    def resources(self, info: Info, search: str | None = None,
                  kind: ResourceKind | None = None,  # type: ignore[valid-type]
                  theme: str | None = None, language: str | None = None,
                  status: ResourceStatus | None = None,  # type: ignore[valid-type]
                  mine: Annotated[bool, strawberry.argument(
                      description="only the caller's tenant's own")] = False,
                  related_to: Annotated[strawberry.ID | None, strawberry.argument(
                      description="the id of a request, an engagement or a success story: "
                                  "the resources linked to it")] = None,
                  first: int | None = None,
                  after: str | None = None) -> Connection[LibraryResourceType]:
        ctx = context_of(info)
        limit, offset = page_window(first, after, ctx.settings.max_page_size)
        rows, total = service.list_resources(
            ctx.session, actor=ctx.actor, search=search, theme=theme, language=language,
            kind=None if kind is None else models.ResourceKind(kind.value),
            status=None if status is None else models.ResourceStatus(status.value),
            mine=mine, related_to=_related(related_to), limit=limit, offset=offset)
        return connection([LibraryResourceType(model=r) for r in rows], total=total, offset=offset)

    @strawberry.field
    def resource(self, info: Info, id: strawberry.ID) -> LibraryResourceType | None:
        ctx = context_of(info)
        return found_or_null(info, decode_id("LibraryResource", id), lambda pk: LibraryResourceType(
            model=service.get_resource(ctx.session, actor=ctx.actor, resource_id=pk)))


@strawberry.type
class LibraryMutation:
    @strawberry.mutation(description="a State, partner, expert or the secretariat contributes a "
                                     "link to the library: submitted for review, or a draft")
    def submit_resource(self, info: Info, input: SubmitResourceInput) -> LibraryResourceResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.submit_resource(
            ctx.session, actor=ctx.actor, draft=input.draft, idempotency_key=input.idempotency_key,
            fields=service.ResourceFields(
                kind=input.kind.value, title=input.title, summary=input.summary,  # type: ignore[attr-defined]
                language=input.language, licence=input.licence, author=input.author,
                link=input.link, themes=input.themes, sdg_targets=input.sdg_targets,
                request_ids=pks("CapacityRequest", input.request_ids, "requestIds"),
                engagement_ids=pks("Engagement", input.engagement_ids, "engagementIds"),
                story_ids=pks("SuccessStory", input.success_story_ids, "successStoryIds")))))

    @strawberry.mutation(description="its contributor changes a draft or a returned resource, "
                                     "and submits it when `submit`")
    def update_resource(self, info: Info, id: strawberry.ID, input: UpdateResourceInput,
                        submit: bool = False) -> LibraryResourceResult:
        ctx = context_of(info)
        expected = None if input.expected_version is strawberry.UNSET else input.expected_version
        return mutate(info, lambda: _payload(service.change_resource(
            ctx.session, actor=ctx.actor, resource_id=_pk(id), changes=_changes(input),
            storage=storage_for(ctx.settings), submit=submit, expected_version=expected)))

    @strawberry.mutation(description="the secretariat publishes a submitted resource: public "
                                     "from then on")
    def publish_resource(self, info: Info, id: strawberry.ID,
                         expected_version: int | None = None) -> LibraryResourceResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.publish_resource(
            ctx.session, actor=ctx.actor, resource_id=_pk(id), expected_version=expected_version)))

    @strawberry.mutation(description="the secretariat returns a submitted resource to its "
                                     "contributor, saying why")
    def return_resource(self, info: Info, id: strawberry.ID, note: str,
                        expected_version: int | None = None) -> LibraryResourceResult:
        ctx = context_of(info)
        return mutate(info, lambda: _payload(service.return_resource(
            ctx.session, actor=ctx.actor, resource_id=_pk(id), note=note,
            expected_version=expected_version)))

    @strawberry.mutation(description="the secretariat turns a published success story into a "
                                     "case study, submitted for its review")
    def case_study_from_story(self, info: Info, story_id: strawberry.ID,
                              licence: str = "CC BY 4.0", author: str = "OHCHR",
                              idempotency_key: str | None = None) -> LibraryResourceResult:
        ctx = context_of(info)

        def action() -> LibraryResourcePayload:
            pk = decode_id("SuccessStory", story_id)
            if pk is None:
                raise NotFound(f"no success story with id {story_id}")
            return _payload(service.case_study_from_story(
                ctx.session, actor=ctx.actor, story_id=pk, licence=licence, author=author,
                idempotency_key=idempotency_key))

        return mutate(info, action)
