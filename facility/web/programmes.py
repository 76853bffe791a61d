"""The programmes directory on pages (facility/programmes/ holds the rules).

Everyone reads the directory (/programmes), filtered by State, theme and open calls. The
secretariat and the partners add programmes (/programmes/new) and change them
(/programmes/{id}/edit: the secretariat any, a partner its own). A State's request page shows
the programmes that fit it; the State records there that it applied
(/state/requests/{id}/programmes/{programme_id}).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlmodel import select
from starlette.datastructures import FormData

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Partner, Role
from facility.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from facility.programmes import service as programmes
from facility.programmes.models import AgencyKind, Programme
from facility.reference.models import GROUP_CODES, Theme
from facility.requests.models import SupportKind
from facility.web.actions import write
from facility.web.deps import ActorDep, FormDep, PageError, SessionDep, page_router, require_role
from facility.web.formdata import form_token, problem_messages
from facility.web.i18n import gettext_for
from facility.web.pagination import Pages, page_number
from facility.web.templating import render

router = page_router()
KeeperActor = Annotated[Actor, Depends(require_role(Role.SECRETARIAT, Role.PARTNER))]
StateActor = Annotated[Actor, Depends(require_role(Role.STATE))]
PAGE_SIZE = 20
TEXTS = ("name", "agency", "agencyKind", "howToApply", "link", "description", "eligibleStates",
         "deadline")


def _not_found(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(404, _("Page not found"), _("There is no such programme in the directory."))


def _labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {"name": _("Name"), "agency": _("Agency"), "agencyKind": _("Kind of agency"),
            "howToApply": _("How to apply"), "link": _("Link"), "description": _("Description"),
            "themes": _("Themes"), "supportKinds": _("Kinds of support"),
            "eligibleGroups": _("Open to the regional groups"),
            "eligibleStates": _("Open to the States"), "deadline": _("Deadline")}


@router.get("/programmes")
def directory(request: Request, db: SessionDep, actor: ActorDep, state: str = "", theme: str = "",
              open: str = "", page: str | None = None) -> Response:
    number = page_number(page)
    state, theme = state.strip().upper()[:3], theme.strip()[:80]
    rows, total = programmes.list_programmes(
        db, state_code=state or None, theme=theme or None, open_only=open == "yes",
        limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    ids = [r.id for r in rows]
    filters = {"state": state, "theme": theme, "open": "yes" if open == "yes" else ""}
    partners = {p.id: p.name for p in db.exec(select(Partner))}
    return render(request, "public/programmes.html", {
        "rows": rows, "themes_of": programmes.themes_by_programme(db, ids),  # type: ignore[arg-type]
        "partners": partners, "filters": filters,
        "pages": Pages(number, PAGE_SIZE, total, {k: v for k, v in filters.items() if v}),
        "themes": [t.name for t in db.exec(select(Theme).order_by(Theme.name))],
        "keeps": permissions.can_add_programmes(actor),
        "may_change": {r.id for r in rows if permissions.can_change_programme(actor, r)}})


def _form(request: Request, db, *, values: dict[str, Any], errors: list,
          editing: Programme | None = None, status_code: int = 200) -> Response:
    return render(request, "programmes/form.html", {
        "values": values, "errors": errors, "editing": editing, "kinds": list(AgencyKind),
        "support_kinds": list(SupportKind), "groups": list(GROUP_CODES),
        "themes": [t.name for t in db.exec(select(Theme).order_by(Theme.name))]},
        status_code=status_code)


@router.get("/programmes/new")
def new_programme_form(request: Request, db: SessionDep, actor: KeeperActor) -> Response:
    values: dict[str, Any] = {name: "" for name in TEXTS} | {"themes": [], "supportKinds": [],
                                            "eligibleGroups": []}
    return _form(request, db, values=values, errors=[])


def _read(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in TEXTS:
        value = form.get(name)
        values[name] = value if isinstance(value, str) else ""
    for name in ("themes", "supportKinds", "eligibleGroups"):
        values[name] = [v for v in form.getlist(name) if isinstance(v, str) and v.strip()]
    return values


def _fields(request: Request, values: dict[str, Any]) -> programmes.ProgrammeFields:
    deadline = None
    if values["deadline"].strip():
        try:
            deadline = date.fromisoformat(values["deadline"].strip())
        except ValueError:
            _ = gettext_for(request)
            raise ValidationFailed.single("deadline", "date_format", _(
                "Deadline: enter a date as year-month-day, such as 2027-03-31.")) from None
    states = [c for c in re.split(r"[,\s]+", values["eligibleStates"]) if c]
    return programmes.ProgrammeFields(
        name=values["name"], agency=values["agency"], agency_kind=values["agencyKind"],
        how_to_apply=values["howToApply"], link=values["link"], description=values["description"],
        themes=values["themes"], support_kinds=values["supportKinds"],
        eligible_groups=values["eligibleGroups"] or None, eligible_states=states or None,
        deadline=deadline)


def _invalid(request: Request, db, values: dict, failure: ValidationFailed,
             editing: Programme | None = None) -> Response:
    _ = gettext_for(request)
    if failure.problems[0].rule == "date_format":  # already worded for the page
        errors = [("deadline", failure.problems[0].message)]
    else:
        errors = problem_messages(_, failure, _labels(request))
    return _form(request, db, values=values, editing=editing, status_code=422, errors=errors)


@router.post("/programmes/new")
def add_programme(request: Request, form: FormDep, db: SessionDep, actor: KeeperActor) -> Response:
    values = _read(form)
    return write(db, lambda: programmes.add_programme(
        db, actor=actor, fields=_fields(request, values), idempotency_key=form_token(form)),
        done="/programmes?done=added",
        answers={ValidationFailed: lambda failure: _invalid(request, db, values, failure)})


def _own(request: Request, db, actor: Actor, programme_id: int) -> Programme:
    found = db.get(Programme, programme_id)
    if found is None or not permissions.can_change_programme(actor, found):
        raise _not_found(request)
    return found


@router.get("/programmes/{programme_id:int}/edit")
def edit_programme_form(request: Request, db: SessionDep, actor: KeeperActor,
                        programme_id: int) -> Response:
    found = _own(request, db, actor, programme_id)
    f = programmes.fields_of(db, found)
    values = {"name": f.name, "agency": f.agency, "agencyKind": f.agency_kind,
              "howToApply": f.how_to_apply, "link": f.link, "description": f.description,
              "eligibleStates": ", ".join(f.eligible_states or []),
              "deadline": f.deadline.isoformat() if f.deadline else "", "themes": f.themes,
              "supportKinds": f.support_kinds, "eligibleGroups": f.eligible_groups or []}
    return _form(request, db, values=values, errors=[], editing=found)


@router.post("/programmes/{programme_id:int}/edit")
def change_programme(request: Request, form: FormDep, db: SessionDep, actor: KeeperActor,
                     programme_id: int) -> Response:
    found = _own(request, db, actor, programme_id)
    values = _read(form)
    version = form.get("version")

    def action() -> Programme:
        fields = _fields(request, values)
        changes = {name: getattr(fields, name) for name in fields.__dataclass_fields__}
        return programmes.change_programme(
            db, actor=actor, programme_id=programme_id, changes=changes,
            expected_version=int(version) if isinstance(version, str) and version.isdigit() else None)

    _ = gettext_for(request)
    return write(db, action, done="/programmes?done=changed", answers={
        ValidationFailed: lambda failure: _invalid(request, db, values, failure, found),
        Conflict: lambda _c: PageError(409, _("This cannot be done now"), _(
            "This programme changed since you opened the page. Reload the page."))})


@router.post("/state/requests/{request_id:int}/programmes/{programme_id:int}")
def record_application(request: Request, db: SessionDep, actor: StateActor, request_id: int,
                       programme_id: int) -> Response:
    return write(db, lambda: programmes.record_application(
        db, actor=actor, request_id=request_id, programme_id=programme_id),
        done=f"/state/requests/{request_id}?done=applied#programmes",
        answers={(NotFound, PermissionDenied): lambda _e: _not_found(request)})
