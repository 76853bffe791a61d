"""The good-practice library on pages (facility/library/ holds the rules).

Everyone reads the published resources (/library, /library/{id}) and downloads their files
(/library/{id}/file). States, partners, experts and the secretariat contribute
(/library/new), keep drafts, change and submit them (/library/{id}/edit, /library/mine); the
secretariat reviews what is submitted (/library/review): it publishes it or returns it with a
note. A file is served only through its resource's visibility, as an attachment, with the type
its content showed and no sniffing; a draft's file is as private as the draft.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlmodel import col, select
from starlette.datastructures import FormData, UploadFile

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Partner, Role
from facility.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from facility.library import files
from facility.library import service as library
from facility.library.models import LibraryResource, ResourceKind, ResourceStatus
from facility.library.storage import storage_for
from facility.numbers import whole_number
from facility.reference.models import Theme
from facility.stories.models import SuccessStory
from facility.web.actions import visible, write
from facility.web.deps import ActorDep, FormDep, PageError, SessionDep, page_router, require_role
from facility.web.formdata import form_token, problem_messages
from facility.web.i18n import gettext_for
from facility.web.pagination import Pages, page_number
from facility.web.templating import render

router = page_router()
ContributorActor = Annotated[Actor, Depends(require_role(
    Role.STATE, Role.PARTNER, Role.EXPERT, Role.SECRETARIAT))]
SecretariatActor = Annotated[Actor, Depends(require_role(Role.SECRETARIAT))]
PAGE_SIZE = 20
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
FIELDS = ("kind", "title", "summary", "language", "licence", "author", "link", "sdgTargets")


def _not_found(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(404, _("Page not found"), _("There is no such resource in the library."))


def _conflict(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(409, _("This cannot be done now"),
                     _("This resource changed since you opened the page, or it is no longer a "
                       "draft. Reload the page."))


def _labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {"kind": _("Kind"), "title": _("Title"), "summary": _("Summary"),
            "language": _("Language"), "licence": _("Licence"), "author": _("Author"),
            "link": _("Link"), "file": _("File"), "themes": _("Themes"),
            "sdgTargets": _("SDG targets"), "note": _("Note to the contributor")}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _shown(db, rows: list[LibraryResource]) -> dict[int, library.Links]:
    return library.links_of(db, [r.id for r in rows])  # type: ignore[misc]


# Reading --------------------------------------------------------------------------------------

@router.get("/library")
def library_index(request: Request, db: SessionDep, actor: ActorDep, q: str = "",
                  kind: str = "", theme: str = "", language: str = "",
                  page: str | None = None) -> Response:
    """The published resources, found by words, kind, theme and language."""
    number = page_number(page)
    q = q.strip()[:library.MAX_SEARCH]
    chosen_kind = ResourceKind(kind) if kind in ResourceKind.__members__ else None
    rows, total = library.list_resources(
        db, actor=actor, search=q or None, kind=chosen_kind, theme=theme.strip() or None,
        language=language.strip()[:2] or None, status=ResourceStatus.PUBLISHED,
        limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    filters = {"q": q, "kind": kind if chosen_kind else "", "theme": theme, "language": language}
    return render(request, "library/index.html", {
        "rows": rows, "links": _shown(db, rows), "filters": filters,
        "pages": Pages(number, PAGE_SIZE, total, {k: v for k, v in filters.items() if v}),
        "kinds": list(ResourceKind), "un_languages": UN_LANGUAGES,
        "themes": [t.name for t in db.exec(select(Theme).order_by(Theme.name))],
        "contributes": permissions.can_contribute_resources(actor),
        "reviews": permissions.can_review_resources(actor)})


@router.get("/library/mine")
def my_resources(request: Request, db: SessionDep, actor: ContributorActor,
                 page: str | None = None) -> Response:
    number = page_number(page)
    rows, total = library.list_resources(db, actor=actor, mine=True, limit=PAGE_SIZE,
                                         offset=(number - 1) * PAGE_SIZE)
    return render(request, "library/mine.html", {
        "rows": rows, "pages": Pages(number, PAGE_SIZE, total, {}), "title_key": "mine"})


@router.get("/library/review")
def review_queue(request: Request, db: SessionDep, actor: SecretariatActor,
                 page: str | None = None) -> Response:
    number = page_number(page)
    rows, total = library.list_resources(db, actor=actor, status=ResourceStatus.SUBMITTED,
                                         limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render(request, "library/mine.html", {
        "rows": rows, "pages": Pages(number, PAGE_SIZE, total, {}), "title_key": "review"})


def _resource(request: Request, db, actor: Actor | None, resource_id: int) -> LibraryResource:
    return visible(lambda: library.get_resource(db, actor=actor, resource_id=resource_id),
                   _not_found(request))


@router.get("/library/{resource_id:int}")
def resource_page(request: Request, db: SessionDep, actor: ActorDep, resource_id: int,
                  done: str | None = None) -> Response:
    found = _resource(request, db, actor, resource_id)
    links = _shown(db, [found])[found.id]  # type: ignore[index]
    stories = list(db.exec(select(SuccessStory).where(
        col(SuccessStory.id).in_(links.story_ids), permissions.story_visibility(actor)))) \
        if links.story_ids else []
    partner = db.get(Partner, found.partner_id) if found.partner_id else None
    return render(request, "library/resource.html", {
        "r": found, "links": links, "stories": stories, "partner": partner, "done": done,
        "changes": permissions.can_change_resource(actor, found)
        and found.status in (ResourceStatus.DRAFT, ResourceStatus.RETURNED),
        "reviews": permissions.can_review_resources(actor)
        and found.status == ResourceStatus.SUBMITTED,
        "extension": files.extension_of(found.file_type)})


def download_name(resource: LibraryResource) -> str:
    """The file's name as saved: from the title (letters, digits, dashes), never the uploader's."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", resource.title).strip("-")[:60] or "resource"
    return f"{stem}-{resource.id}.{files.extension_of(resource.file_type)}"


@router.get("/library/{resource_id:int}/file")
def resource_file(request: Request, db: SessionDep, actor: ActorDep, resource_id: int) -> Response:
    found = _resource(request, db, actor, resource_id)
    if found.file_key is None:
        raise _not_found(request)
    try:
        with storage_for(request.app.state.settings).open(found.file_key) as stored:
            data = stored.read()
    except FileNotFoundError:
        raise _not_found(request) from None
    public = found.status == ResourceStatus.PUBLISHED
    return Response(data, media_type=found.file_type, headers={
        "Content-Disposition": f'attachment; filename="{download_name(found)}"',
        "X-Content-Type-Options": "nosniff",
        # A draft's file is its contributor's: no shared cache keeps it.
        "Cache-Control": "public, max-age=3600" if public else "private, no-store",
        "Content-Security-Policy": "default-src 'none'; sandbox"})


# Contributing ---------------------------------------------------------------------------------

def _form(request: Request, db, *, values: dict[str, Any], errors: list, editing:
          LibraryResource | None = None, status_code: int = 200) -> Response:
    return render(request, "library/form.html", {
        "values": values, "errors": errors, "editing": editing, "kinds": list(ResourceKind),
        "themes": [t.name for t in db.exec(select(Theme).order_by(Theme.name))],
        "un_languages": UN_LANGUAGES, "max_mb": files.MAX_FILE_BYTES // (1024 * 1024),
        "allowed": files.ALLOWED}, status_code=status_code)


def _blank(actor: Actor) -> dict[str, Any]:
    return {"kind": "", "title": "", "summary": "", "language": "en", "licence": "CC BY 4.0",
            "author": "", "link": "", "sdgTargets": "", "themes": []}


@router.get("/library/new")
def new_resource_form(request: Request, db: SessionDep, actor: ContributorActor) -> Response:
    return _form(request, db, values=_blank(actor), errors=[])


def _read(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {name: _text(form, name) for name in FIELDS}
    values["themes"] = [v for v in form.getlist("themes") if isinstance(v, str) and v.strip()]
    return values


def _fields(values: dict[str, Any]) -> library.ResourceFields:
    targets = [c.strip() for c in re.split(r"[,\s]+", values["sdgTargets"]) if c.strip()]
    return library.ResourceFields(
        kind=values["kind"], title=values["title"], summary=values["summary"],
        language=values["language"], licence=values["licence"], author=values["author"],
        themes=values["themes"], sdg_targets=targets, link=values["link"].strip() or None)


def _upload(request: Request, form: FormData) -> library.Upload | None:
    """The uploaded file, if one was chosen (bounded by facility.web.body_limits)."""
    chosen = form.get("file")
    if not isinstance(chosen, UploadFile) or not chosen.filename:
        return None
    data = chosen.file.read(files.MAX_FILE_BYTES + 1)
    return library.Upload(data, storage_for(request.app.state.settings))


def _invalid(request: Request, db, values: dict, failure: ValidationFailed,
             editing: LibraryResource | None = None) -> Response:
    _ = gettext_for(request)
    return _form(request, db, values=values, editing=editing, status_code=422,
                 errors=problem_messages(_, failure, _labels(request)))


@router.post("/library/new")
def submit_resource(request: Request, form: FormDep, db: SessionDep,
                    actor: ContributorActor) -> Response:
    values = _read(form)
    draft = _text(form, "step") != "submit"
    return write(db, lambda: library.submit_resource(
        db, actor=actor, fields=_fields(values), upload=_upload(request, form), draft=draft,
        idempotency_key=form_token(form)),
        done=lambda r: f"/library/{r.id}?done={'saved' if draft else 'submitted'}",
        answers={ValidationFailed: lambda failure: _invalid(request, db, values, failure)})


def _own(request: Request, db, actor: Actor, resource_id: int) -> LibraryResource:
    found = _resource(request, db, actor, resource_id)
    if not permissions.can_change_resource(actor, found):
        raise _not_found(request)
    return found


@router.get("/library/{resource_id:int}/edit")
def edit_resource_form(request: Request, db: SessionDep, actor: ContributorActor,
                       resource_id: int) -> Response:
    found = _own(request, db, actor, resource_id)
    if found.status not in (ResourceStatus.DRAFT, ResourceStatus.RETURNED):
        raise _conflict(request)
    current = library.fields_of(db, found)
    values = {"kind": current.kind, "title": current.title, "summary": current.summary,
              "language": current.language, "licence": current.licence,
              "author": current.author, "link": current.link or "",
              "sdgTargets": ", ".join(current.sdg_targets), "themes": current.themes}
    return _form(request, db, values=values, errors=[], editing=found)


@router.post("/library/{resource_id:int}/edit")
def change_resource(request: Request, form: FormDep, db: SessionDep, actor: ContributorActor,
                    resource_id: int) -> Response:
    found = _own(request, db, actor, resource_id)
    values = _read(form)
    submit = _text(form, "step") == "submit"
    fields = _fields(values)
    changes = {name: getattr(fields, name) for name in (
        "kind", "title", "summary", "language", "licence", "author", "themes", "sdg_targets",
        "link")}
    return write(db, lambda: library.change_resource(
        db, actor=actor, resource_id=resource_id, changes=changes,
        upload=_upload(request, form), storage=storage_for(request.app.state.settings),
        submit=submit, expected_version=whole_number(_text(form, "version"))),
        done=f"/library/{resource_id}?done={'submitted' if submit else 'saved'}",
        answers={ValidationFailed: lambda failure: _invalid(request, db, values, failure, found),
                 (Conflict, NotFound, PermissionDenied): lambda _c: _conflict(request)})


@router.post("/library/{resource_id:int}/submit")
def submit_draft(request: Request, form: FormDep, db: SessionDep, actor: ContributorActor,
                 resource_id: int) -> Response:
    return write(db, lambda: library.submit_draft(
        db, actor=actor, resource_id=resource_id,
        expected_version=whole_number(_text(form, "version"))),
        done=f"/library/{resource_id}?done=submitted",
        answers={(Conflict, NotFound, PermissionDenied): lambda _c: _conflict(request)})


# Reviewing --------------------------------------------------------------------------------------

@router.post("/library/{resource_id:int}/publish")
def publish_resource(request: Request, form: FormDep, db: SessionDep, actor: SecretariatActor,
                     resource_id: int) -> Response:
    return write(db, lambda: library.publish_resource(
        db, actor=actor, resource_id=resource_id,
        expected_version=whole_number(_text(form, "version"))),
        done=f"/library/{resource_id}?done=published",
        answers={(Conflict, NotFound): lambda _c: _conflict(request)})


@router.post("/library/{resource_id:int}/return")
def return_resource(request: Request, form: FormDep, db: SessionDep, actor: SecretariatActor,
                    resource_id: int) -> Response:
    note = _text(form, "note")
    return write(db, lambda: library.return_resource(
        db, actor=actor, resource_id=resource_id, note=note,
        expected_version=whole_number(_text(form, "version"))),
        done=f"/library/{resource_id}?done=returned",
        answers={(Conflict, NotFound): lambda _c: _conflict(request),
                 ValidationFailed: lambda _f: _return_note_missing(request)})


def _return_note_missing(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(422, _("There is a problem"),
                     _("Note to the contributor: say what to change before it can be published."))
