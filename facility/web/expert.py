"""The expert's own pages: their profile (personal data included: it is theirs) and their
availability windows, changed through `experts.update_expert` with the expert's Actor.

Consent (scopes, text version) is given or withdrawn through `experts.set_consent`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select
from starlette.datastructures import FormData

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from facility.experts import consent as consent_rules
from facility.experts import service as experts
from facility.experts.models import Expert
from facility.web.deps import PageError, SessionDep, page_router, require_role
from facility.web.i18n import gettext_for
from facility.web.templating import render

router = page_router()
ExpertActor = Annotated[Actor, Depends(require_role(Role.EXPERT))]


def _own_profile(request: Request, db, actor: Actor) -> Expert:
    """The roster entry linked to the signed-in account, read through the experts service."""
    expert_id = db.exec(select(Expert.id).where(Expert.account_id == actor.account_id)).first()
    try:
        return experts.get_expert(db, actor=actor, expert_id=expert_id or 0)
    except NotFound:
        _ = gettext_for(request)
        raise PageError(404, _("No roster profile yet"),
                        _("Your account is not linked to a roster entry. The partner that "
                          "nominated you links it; ask them or the secretariat.")) from None


def _profile_page(request: Request, db, actor: Actor, *, errors=(), values=None,
                  conflict: str | None = None, status_code: int = 200) -> Response:
    expert = _own_profile(request, db, actor)
    assert expert.id is not None
    return render(request, "expert/profile.html", {
        "expert": expert, "themes": experts.themes_by_expert(db, [expert.id])[expert.id],
        "windows": experts.availability_by_expert(db, [expert.id])[expert.id],
        "scopes": consent_rules.scopes_of(expert) if consent_rules.is_active(expert) else [],
        "all_scopes": list(consent_rules.ConsentScope),
        "text_version": consent_rules.CONSENT_TEXT_VERSION,
        "errors": list(errors), "values": values or {}, "conflict": conflict},
        status_code=status_code)


@router.get("/expert")
def profile(request: Request, db: SessionDep, actor: ExpertActor) -> Response:
    return _profile_page(request, db, actor)


def _parse_day(raw: str) -> date | None:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        return None


def _save_windows(request: Request, db, actor: Actor, windows: list[tuple[date, date]],
                  version: str, values: dict) -> Response:
    _ = gettext_for(request)
    expert = _own_profile(request, db, actor)
    wording = {
        ("availability", "required"): ("start", _("Availability: keep at least one window; "
                                                  "add a new one before removing the last.")),
        ("availability.end", "date_order"): ("end", _("Available until: must not be before the start.")),
    }
    try:
        experts.update_expert(db, actor=actor, expert_id=expert.id,  # type: ignore[arg-type]
                              changes={"availability": windows},
                              expected_version=int(version) if version.isdigit() else -1)
    except ValidationFailed as failure:
        db.rollback()
        errors = [wording.get((p.field, p.rule), ("start", p.message)) for p in failure.problems]
        return _profile_page(request, db, actor, errors=errors, values=values, status_code=422)
    except Conflict as conflict:
        db.rollback()
        return _profile_page(request, db, actor, conflict=str(conflict), values=values,
                             status_code=409)
    except PermissionDenied as denied:
        db.rollback()
        raise PageError(403, _("Not allowed"), str(denied)) from None
    db.commit()
    return RedirectResponse("/expert", status_code=303)


@router.post("/expert/availability")
def add_window(request: Request, db: SessionDep, actor: ExpertActor,
               start: Annotated[str, Form()] = "", end: Annotated[str, Form()] = "",
               version: Annotated[str, Form()] = "") -> Response:
    _ = gettext_for(request)
    values = {"start": start, "end": end}
    first, last = _parse_day(start), _parse_day(end)
    errors = []
    if first is None:
        errors.append(("start", _("Available from: enter a date as YYYY-MM-DD.")))
    if last is None:
        errors.append(("end", _("Available until: enter a date as YYYY-MM-DD.")))
    if errors:
        return _profile_page(request, db, actor, errors=errors, values=values, status_code=422)
    expert = _own_profile(request, db, actor)
    current = experts.availability_by_expert(db, [expert.id])[expert.id]  # type: ignore[list-item,index]
    return _save_windows(request, db, actor, [*current, (first, last)], version, values)  # type: ignore[list-item]


@router.post("/expert/availability/remove")
def remove_window(request: Request, db: SessionDep, actor: ExpertActor,
                  start: Annotated[str, Form()] = "", end: Annotated[str, Form()] = "",
                  version: Annotated[str, Form()] = "") -> Response:
    expert = _own_profile(request, db, actor)
    current = experts.availability_by_expert(db, [expert.id])[expert.id]  # type: ignore[list-item,index]
    window = (_parse_day(start), _parse_day(end))
    kept = [w for w in current if w != window]
    if len(kept) == len(current):  # already removed (e.g. in another tab): nothing to do
        return RedirectResponse("/expert", status_code=303)
    return _save_windows(request, db, actor, kept, version, {})


@router.post("/expert/consent")
async def record_consent(request: Request, db: SessionDep, actor: ExpertActor) -> Response:
    """The scopes ticked are the consent from now on; none ticked withdraws it."""
    _ = gettext_for(request)
    form: FormData = await request.form()
    scopes = [v for v in form.getlist("scopes") if isinstance(v, str)]
    version = form.get("version")
    expert = _own_profile(request, db, actor)
    try:
        experts.set_consent(db, actor=actor, expert_id=expert.id, scopes=scopes,  # type: ignore[arg-type]
                            expected_version=int(version) if isinstance(version, str)
                            and version.isdigit() else -1)
    except ValidationFailed as failure:
        db.rollback()
        return _profile_page(request, db, actor, status_code=422,
                             errors=[("scopes-ROSTER", p.message) for p in failure.problems])
    except Conflict as conflict:
        db.rollback()
        return _profile_page(request, db, actor, conflict=str(conflict), status_code=409)
    db.commit()
    return RedirectResponse("/expert", status_code=303)
