"""The good-practice library: what partners, experts and States contribute, and the
secretariat's review.

A contributor writes a resource as a draft (its tenant's own: its State's, its partner's, the
expert's own) or submits it at once; the secretariat publishes it, or returns it with a note to
change and submit again. A published resource is public and final. A resource is either a file
(checked by facility.library.files, kept through facility.library.storage) or a link, and may
relate to requests, engagements and success stories the contributor may see. The secretariat
turns a published success story into a case study. Every step is audited in the caller's
transaction, without free text.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlalchemy import ColumnElement, delete, func
from sqlmodel import Session, select

from facility import audit, idempotency, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.engagements.models import Engagement, FollowUpReport
from facility.errors import Conflict, NotFound, PermissionDenied, Problems
from facility.library import files
from facility.library.lifecycle import RESOURCE
from facility.library.models import LibraryLink, LibraryResource, LinkKind, ResourceKind, ResourceStatus
from facility.library.storage import Storage, discard_on_commit, stored_in
from facility.reference.models import SdgTarget, Theme
from facility.requests.models import CapacityRequest
from facility.stories.models import StoryStatus, SuccessStory
from facility.timeutil import utcnow
from facility.validation import check_characters, check_languages, check_text, is_web_address, resolve_themes

MAX_TITLE = 200
MAX_SUMMARY = 5_000
MAX_SHORT = 200
MAX_LINK = 500
MAX_LINKED = 20  # of each kind: requests, engagements, success stories
MAX_SEARCH = 200


@dataclass
class ResourceFields:
    kind: str
    title: str
    summary: str
    language: str
    licence: str
    author: str
    themes: list[str] = field(default_factory=list)
    sdg_targets: list[str] = field(default_factory=list)
    link: str | None = None
    request_ids: list[int] = field(default_factory=list)
    engagement_ids: list[int] = field(default_factory=list)
    story_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class Upload:
    """A file as received: its bytes, and where to keep it."""

    data: bytes
    storage: Storage

    def fingerprint(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _not_found(resource_id: int) -> NotFound:
    return NotFound(f"no library resource with id {resource_id}")


def get_resource(session: Session, *, actor: Actor | None, resource_id: int) -> LibraryResource:
    found = permissions.find_visible(session, LibraryResource, resource_id,
                                     permissions.resource_visibility(actor))
    if found is None:
        raise _not_found(resource_id)
    return found


def search_condition(search: str) -> ColumnElement[bool]:
    """Every word of `search` occurs in the title, the summary or a theme name (any case)."""
    condition: ColumnElement[bool] = LibraryResource.id.is_not(None)  # type: ignore[union-attr]
    for word in search.casefold().split()[:20]:
        condition = condition & LibraryResource.search_text.contains(word, autoescape=True)  # type: ignore[attr-defined]
    return condition


def list_resources(session: Session, *, actor: Actor | None, search: str | None = None,
                   kind: ResourceKind | None = None, theme: str | None = None,
                   language: str | None = None, status: ResourceStatus | None = None,
                   mine: bool = False, related_to: tuple[LinkKind, int] | None = None,
                   limit: int, offset: int) -> tuple[list[LibraryResource], int]:
    """A page of the resources this caller may see: the latest published first, then the
    latest changed (drafts, submissions). `related_to`: those linked to this request,
    engagement or success story."""
    condition = permissions.resource_visibility(actor)
    if related_to is not None:
        linked = select(LibraryLink.resource_id).where(LibraryLink.kind == related_to[0],
                                                       LibraryLink.target_id == related_to[1])
        condition = condition & LibraryResource.id.in_(linked)  # type: ignore[union-attr]
    if mine:
        condition = condition & permissions.own_resources(actor)
    if search and search.strip():
        condition = condition & search_condition(search[:MAX_SEARCH])
    if kind is not None:
        condition = condition & (LibraryResource.kind == kind)
    if language:
        condition = condition & (LibraryResource.language == language.strip().lower())
    if status is not None:
        condition = condition & (LibraryResource.status == status)
    if theme:
        themed = (select(LibraryLink.resource_id).join(Theme, Theme.id == LibraryLink.target_id)  # type: ignore[arg-type]
                  .where(LibraryLink.kind == LinkKind.THEME, Theme.name == theme))
        condition = condition & LibraryResource.id.in_(themed)  # type: ignore[union-attr]
    total = session.exec(select(func.count()).select_from(LibraryResource).where(condition)).one()
    rows = session.exec(select(LibraryResource).where(condition).order_by(
        LibraryResource.published_at.desc().nulls_first(),  # type: ignore[union-attr]
        LibraryResource.updated_at.desc(), LibraryResource.id.desc())  # type: ignore[attr-defined, union-attr]
        .offset(offset).limit(limit)).all()
    return list(rows), total


# What a resource relates to -------------------------------------------------------------------

@dataclass
class Links:
    themes: list[str] = field(default_factory=list)
    request_ids: list[int] = field(default_factory=list)
    engagement_ids: list[int] = field(default_factory=list)
    story_ids: list[int] = field(default_factory=list)


def links_of(session: Session, resource_ids: list[int]) -> dict[int, Links]:
    """Each resource's themes (by name) and linked objects' ids (2 statements)."""
    found: dict[int, Links] = {rid: Links() for rid in resource_ids}
    if not resource_ids:
        return found
    rows = session.exec(select(LibraryLink).where(
        LibraryLink.resource_id.in_(resource_ids))).all()  # type: ignore[attr-defined]
    theme_ids = {r.target_id for r in rows if r.kind == LinkKind.THEME}
    names = {t.id: t.name for t in session.exec(select(Theme).where(
        Theme.id.in_(theme_ids)))} if theme_ids else {}  # type: ignore[union-attr]
    for row in sorted(rows, key=lambda r: r.target_id):
        links = found[row.resource_id]
        if row.kind == LinkKind.THEME:
            links.themes.append(names.get(row.target_id, ""))
        elif row.kind == LinkKind.REQUEST:
            links.request_ids.append(row.target_id)
        elif row.kind == LinkKind.ENGAGEMENT:
            links.engagement_ids.append(row.target_id)
        else:
            links.story_ids.append(row.target_id)
    for links in found.values():
        links.themes.sort()
    return found


def published_by_story(session: Session, story_ids: list[int]) -> dict[int, list[LibraryResource]]:
    """The published resources linked to each of these success stories (1 statement)."""
    found: dict[int, list[LibraryResource]] = {pk: [] for pk in story_ids}
    if story_ids:
        for link, resource in session.exec(
                select(LibraryLink, LibraryResource)
                .join(LibraryResource, LibraryResource.id == LibraryLink.resource_id)  # type: ignore[arg-type]
                .where(LibraryLink.kind == LinkKind.SUCCESS_STORY,
                       LibraryLink.target_id.in_(story_ids),  # type: ignore[attr-defined]
                       LibraryResource.status == ResourceStatus.PUBLISHED)
                .order_by(LibraryResource.id)):  # type: ignore[arg-type]
            found[link.target_id].append(resource)
    return found


def linked_to(session: Session, *, actor: Actor | None, kind: LinkKind,
              target_id: int) -> list[LibraryResource]:
    """The resources relating to this request, engagement or success story that the caller
    may see, the latest published first."""
    linked = select(LibraryLink.resource_id).where(LibraryLink.kind == kind,
                                                   LibraryLink.target_id == target_id)
    return list(session.exec(select(LibraryResource).where(
        LibraryResource.id.in_(linked), permissions.resource_visibility(actor))  # type: ignore[union-attr]
        .order_by(LibraryResource.published_at.desc().nulls_first(),  # type: ignore[union-attr]
                  LibraryResource.id.desc())))  # type: ignore[union-attr]


_TARGETS: dict[LinkKind, tuple[type, str, Any]] = {
    LinkKind.REQUEST: (CapacityRequest, "requestIds", permissions.request_visibility),
    LinkKind.ENGAGEMENT: (Engagement, "engagementIds", permissions.engagement_visibility),
    LinkKind.SUCCESS_STORY: (SuccessStory, "storyIds", permissions.story_visibility),
}


def _check_targets(session: Session, problems: Problems, actor: Actor | None, kind: LinkKind,
                   ids: list[int]) -> list[int]:
    """The ids, without repeats, of objects the contributor may see; others are problems (the
    same words for one that is hidden and one that does not exist)."""
    model, name, visibility = _TARGETS[kind]
    wanted = list(dict.fromkeys(ids))
    if len(wanted) > MAX_LINKED:
        problems.add(name, "max_items", f"{name}: at most {MAX_LINKED}")
        return []
    seen = set(session.exec(select(model.id).where(  # type: ignore[attr-defined]
        model.id.in_(wanted), visibility(actor)))) if wanted else set()  # type: ignore[attr-defined]
    for index, pk in enumerate(wanted):
        if pk not in seen:
            problems.add(name, "exists", f"{name}[{index}]: no such object you may see")
    return [pk for pk in wanted if pk in seen]


def _check_targets_of_sdg(session: Session, problems: Problems, codes: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(c.strip() for c in codes if c.strip()))
    known = set(session.exec(select(SdgTarget.code).where(
        SdgTarget.code.in_(wanted)))) if wanted else set()  # type: ignore[attr-defined]
    for code in wanted:
        if code not in known:
            problems.add("sdgTargets", "known_sdg_target",
                         f"sdgTargets: {code!r} is not an SDG target code (e.g. 16.3)")
    return [c for c in wanted if c in known]


@dataclass
class _Clean:
    fields: ResourceFields
    themes: list[Theme]
    file_type: files.FileType | None


def _validate(session: Session, actor: Actor | None, fields: ResourceFields,
              upload: Upload | None, *, has_file: bool) -> _Clean:
    """Check every field at once. `has_file`: the resource keeps the file it already has."""
    problems = Problems()
    if fields.kind not in ResourceKind.__members__:
        problems.add("kind", "one_of", f"kind: {fields.kind!r} is not one of {', '.join(ResourceKind)}")
    check_text(problems, "title", fields.title, max_length=MAX_TITLE)
    check_text(problems, "summary", fields.summary, max_length=MAX_SUMMARY)
    check_text(problems, "licence", fields.licence, max_length=MAX_SHORT)
    check_text(problems, "author", fields.author, max_length=MAX_SHORT)
    [language] = check_languages(problems, "language", [fields.language], required=True) or [""]
    themes = resolve_themes(session, problems, "themes", fields.themes)
    targets = _check_targets_of_sdg(session, problems, fields.sdg_targets)
    link = (fields.link or "").strip()
    if link and check_characters(problems, "link", link) and (
            len(link) > MAX_LINK or not is_web_address(link)):
        problems.add("link", "url", f"link: an http(s) address of at most {MAX_LINK} characters")
    kind = None
    if upload is not None:
        try:
            kind = files.file_type(upload.data)
        except files.Refused as refusal:
            problems.add("file", "file_type", f"file: {refusal}")
    has_one = bool(link) + (upload is not None or (has_file and not link))
    # A case study told by a success story may be its summary alone, the story linked.
    story_text = fields.kind == ResourceKind.CASE_STUDY and bool(fields.story_ids)
    if has_one > 1 or (has_one == 0 and not story_text):
        problems.add("link", "file_or_link", "link: give either a file or a link, not both"
                     if has_one else "link: give a file or a link")
    requests = _check_targets(session, problems, actor, LinkKind.REQUEST, fields.request_ids)
    engagements = _check_targets(session, problems, actor, LinkKind.ENGAGEMENT, fields.engagement_ids)
    stories = _check_targets(session, problems, actor, LinkKind.SUCCESS_STORY, fields.story_ids)
    problems.raise_if_any()
    clean = replace(fields, title=fields.title.strip(), summary=fields.summary.strip(),
                    licence=fields.licence.strip(), author=fields.author.strip(),
                    language=language, sdg_targets=targets, link=link or None,
                    themes=[t.name for t in themes], request_ids=requests,
                    engagement_ids=engagements, story_ids=stories)
    return _Clean(fields=clean, themes=themes, file_type=kind)


def _apply(session: Session, resource: LibraryResource, clean: _Clean,
           upload: Upload | None) -> str | None:
    """Write the fields, the file and the links; returns the key of the file replaced, which
    the caller discards once all else succeeded."""
    f = clean.fields
    resource.kind = ResourceKind(f.kind)
    resource.title, resource.summary, resource.language = f.title, f.summary, f.language
    resource.licence, resource.author, resource.sdg_targets = f.licence, f.author, f.sdg_targets
    resource.search_text = " ".join([f.title, f.summary, *f.themes]).casefold()
    resource.link = f.link
    replaced = None
    if (upload is not None or f.link) and resource.file_key is not None:
        replaced = resource.file_key
        resource.file_key = resource.file_type = resource.file_size = None
    if upload is not None:
        assert clean.file_type is not None
        storage = upload.storage
        key = storage.put(upload.data)
        stored_in(session, upload.storage, key)
        resource.file_key, resource.file_size = key, len(upload.data)
        resource.file_type = clean.file_type.media_type
    session.add(resource)
    session.flush()
    session.execute(delete(LibraryLink).where(LibraryLink.resource_id == resource.id))  # type: ignore[arg-type]
    rows = [(LinkKind.THEME, t.id) for t in clean.themes]
    rows += [(LinkKind.REQUEST, pk) for pk in f.request_ids]
    rows += [(LinkKind.ENGAGEMENT, pk) for pk in f.engagement_ids]
    rows += [(LinkKind.SUCCESS_STORY, pk) for pk in f.story_ids]
    for kind, pk in rows:
        session.add(LibraryLink(resource_id=resource.id, kind=kind, target_id=pk))  # type: ignore[arg-type]
    session.flush()
    return replaced


def submit_resource(session: Session, *, actor: Actor | None, fields: ResourceFields,
                    upload: Upload | None = None, draft: bool = False,
                    idempotency_key: str | None = None) -> LibraryResource:
    """A contributor adds a resource: submitted to the secretariat, or kept as a draft."""
    if not permissions.can_contribute_resources(actor):
        raise PermissionDenied("States, partners, experts and the secretariat contribute to "
                               "the library")

    def create() -> LibraryResource:
        clean = _validate(session, actor, fields, upload, has_file=False)
        resource = LibraryResource(
            kind=ResourceKind(clean.fields.kind), title="", summary="", language="", licence="",
            author="", contributor_role=str(actor.role), contributed_by_id=actor.account_id,
            state_code=actor.state_code if actor.role == Role.STATE else None,
            partner_id=actor.partner_id if actor.role == Role.PARTNER else None)
        _apply(session, resource, clean, upload)
        _audit(session, actor, resource, "drafted", {"kind": str(resource.kind),
                                                     "file": resource.file_key is not None})
        if not draft:
            _submit(session, actor, resource)
        return resource

    payload = {**asdict(fields), "draft": draft,
               "file": upload.fingerprint() if upload is not None else None}
    return idempotency.create_once(
        session, account_id=actor.account_id, operation="submitResource", key=idempotency_key,
        payload=payload, what="a library resource", model=LibraryResource, create=create)


def fields_of(session: Session, resource: LibraryResource) -> ResourceFields:
    links = links_of(session, [resource.id])[resource.id]  # type: ignore[list-item, index]
    return ResourceFields(kind=str(resource.kind), title=resource.title, summary=resource.summary,
                          language=resource.language, licence=resource.licence,
                          author=resource.author, themes=links.themes,
                          sdg_targets=list(resource.sdg_targets), link=resource.link,
                          request_ids=links.request_ids, engagement_ids=links.engagement_ids,
                          story_ids=links.story_ids)


def _own_changeable(session: Session, actor: Actor | None, resource_id: int,
                    expected_version: int | None) -> LibraryResource:
    resource = get_resource(session, actor=actor, resource_id=resource_id)
    if not permissions.can_change_resource(actor, resource):
        raise PermissionDenied("only its contributor changes or submits a resource")
    locking.check_version(session, resource, expected_version, what="library resource")
    if resource.status not in (ResourceStatus.DRAFT, ResourceStatus.RETURNED):
        raise Conflict(f"a {str(resource.status).lower()} resource cannot be changed; only a "
                       f"draft or a returned one")
    return resource


def change_resource(session: Session, *, actor: Actor | None, resource_id: int,
                    changes: dict[str, Any], upload: Upload | None = None,
                    storage: Storage | None = None, submit: bool = False,
                    expected_version: int | None = None) -> LibraryResource:
    """Change a draft or a returned resource (ResourceFields' names; a new file replaces the
    old one, a link replaces the file: `storage` deletes it once this commits), and submit it
    when `submit`."""
    resource = _own_changeable(session, actor, resource_id, expected_version)
    fields = fields_of(session, resource)
    for name, value in changes.items():
        setattr(fields, name, value)
    if upload is not None:
        fields.link = None
    clean = _validate(session, actor, fields, upload, has_file=resource.file_key is not None)
    replaced = _apply(session, resource, clean, upload)
    resource.version += 1
    resource.updated_at = utcnow()
    session.add(resource)
    session.flush()
    _audit(session, actor, resource, "changed",  # type: ignore[arg-type]
           {"fields": sorted(changes) + (["file"] if upload is not None else [])})
    if submit:
        _submit(session, actor, resource)  # type: ignore[arg-type]
    store = storage or (upload.storage if upload else None)
    if replaced is not None and store is not None:
        # Last, once nothing more can refuse; without a store the old file stays, unreachable.
        discard_on_commit(session, store, replaced)
    return resource


def submit_draft(session: Session, *, actor: Actor | None, resource_id: int,
                 expected_version: int | None = None) -> LibraryResource:
    resource = _own_changeable(session, actor, resource_id, expected_version)
    _submit(session, actor, resource)  # type: ignore[arg-type]
    return resource


def _submit(session: Session, actor: Actor, resource: LibraryResource) -> None:
    RESOURCE.move(resource, ResourceStatus.SUBMITTED)
    resource.submitted_at = utcnow()
    resource.return_note = None
    session.add(resource)
    session.flush()
    _audit(session, actor, resource, "submitted", {})


def _submitted(session: Session, actor: Actor | None, resource_id: int,
               expected_version: int | None) -> LibraryResource:
    if not permissions.can_review_resources(actor):
        raise PermissionDenied("the secretariat reviews what is submitted to the library")
    resource = get_resource(session, actor=actor, resource_id=resource_id)
    locking.check_version(session, resource, expected_version, what="library resource")
    return resource


def publish_resource(session: Session, *, actor: Actor | None, resource_id: int,
                     expected_version: int | None = None) -> LibraryResource:
    """The secretariat publishes a submitted resource: public from now on."""
    resource = _submitted(session, actor, resource_id, expected_version)
    RESOURCE.move(resource, ResourceStatus.PUBLISHED,
                  refusal=f"only a submitted resource is published; this one is {resource.status}")
    resource.published_at = utcnow()
    resource.published_by_id = actor.account_id  # type: ignore[union-attr]
    session.add(resource)
    session.flush()
    _audit(session, actor, resource, "published", {})  # type: ignore[arg-type]
    return resource


def return_resource(session: Session, *, actor: Actor | None, resource_id: int, note: str,
                    expected_version: int | None = None) -> LibraryResource:
    """The secretariat returns a submitted resource to its contributor, saying why."""
    resource = _submitted(session, actor, resource_id, expected_version)
    problems = Problems()
    check_text(problems, "note", note, max_length=MAX_SUMMARY)
    problems.raise_if_any()
    RESOURCE.move(resource, ResourceStatus.RETURNED,
                  refusal=f"only a submitted resource is returned; this one is {resource.status}")
    resource.return_note = note.strip()
    session.add(resource)
    session.flush()
    _audit(session, actor, resource, "returned", {})  # type: ignore[arg-type]
    return resource


def case_study_from_story(session: Session, *, actor: Actor | None, story_id: int,
                          licence: str = "CC BY 4.0", author: str = "OHCHR",
                          idempotency_key: str | None = None) -> LibraryResource:
    """The secretariat turns a published success story into a case study, submitted for its
    own review: the story's title and summary, its request's themes, linked to the story, its
    engagement and its request."""
    if not permissions.can_review_resources(actor):
        raise PermissionDenied("the secretariat turns success stories into case studies")
    story = permissions.find_visible(session, SuccessStory, story_id,
                                     permissions.story_visibility(actor))
    if story is None:
        raise NotFound(f"no success story with id {story_id}")
    if story.status != StoryStatus.PUBLISHED:
        raise Conflict("only a published success story becomes a case study")
    report = session.get(FollowUpReport, story.report_id)
    engagement = session.get(Engagement, report.engagement_id)  # type: ignore[union-attr]
    from facility.requests.service import themes_by_request

    themes = themes_by_request(session, [engagement.request_id]).get(engagement.request_id, [])  # type: ignore[union-attr]
    fields = ResourceFields(kind=str(ResourceKind.CASE_STUDY), title=story.title,
                            summary=story.summary, language="en", licence=licence, author=author,
                            themes=themes,
                            link=None, request_ids=[engagement.request_id],  # type: ignore[union-attr]
                            engagement_ids=[engagement.id], story_ids=[story.id])  # type: ignore[union-attr, list-item]

    def create() -> LibraryResource:
        clean = _validate(session, actor, fields, None, has_file=False)
        resource = LibraryResource(kind=ResourceKind.CASE_STUDY, title="", summary="",
                                   language="en", licence="", author="",
                                   contributor_role=str(Role.SECRETARIAT),
                                   contributed_by_id=actor.account_id)
        _apply(session, resource, clean, None)
        _audit(session, actor, resource, "drafted", {"kind": "CASE_STUDY", "story": story_id})
        _submit(session, actor, resource)
        return resource

    return idempotency.create_once(
        session, account_id=actor.account_id, operation="caseStudyFromStory",
        key=idempotency_key, payload={"story": story_id, "licence": licence, "author": author},
        what="a case study", model=LibraryResource, create=create)


def _audit(session: Session, actor: Actor, resource: LibraryResource, step: str,
           payload: dict) -> None:
    audit.record(session, actor_account_id=actor.account_id, action=f"library_resource.{step}",
                 subject_type="library_resource", subject_id=resource.id, payload=payload)
