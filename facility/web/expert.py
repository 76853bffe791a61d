"""The expert's own pages: their profile (personal data included: it is theirs), their
availability windows, changed through `experts.update_expert` with the expert's Actor, and
their deployments, each accepted or declined (`engagements.deployments`).

Consent (scopes, text version) is given or withdrawn through `experts.set_consent`.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlmodel import select

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.engagements import deployments
from facility.engagements.models import DeploymentAnswerChoice, EngagementStatus
from facility.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from facility.experts import consent as consent_rules
from facility.experts import readiness
from facility.experts import service as experts
from facility.experts.models import Expert
from facility.numbers import whole_number
from facility.timeutil import today
from facility.web import actions
from facility.web.deps import FormDep, PageError, SessionDep, page_router, require_role
from facility.web.i18n import gettext_for
from facility.web.pagination import Pages, page_number
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
        "errors": list(errors), "values": values or {}, "conflict": conflict,
        # Recorded by the nominating partner; the person sees it, as their other data.
        "readiness": readiness.readiness_of(
            expert, readiness.checks_by_expert(db, [expert.id]).get(expert.id, []), today()),
        "valid": lambda check: readiness.is_valid(check, today())},
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
                              expected_version=whole_number(version) or -1)
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
def record_consent(request: Request, form: FormDep, db: SessionDep, actor: ExpertActor) -> Response:
    """The scopes ticked are the consent from now on; none ticked withdraws it."""
    _ = gettext_for(request)
    scopes = [v for v in form.getlist("scopes") if isinstance(v, str)]
    version = form.get("version")
    expert = _own_profile(request, db, actor)
    try:
        experts.set_consent(db, actor=actor, expert_id=expert.id, scopes=scopes,  # type: ignore[arg-type]
                            expected_version=whole_number(version) or -1)
    except ValidationFailed as failure:
        db.rollback()
        return _profile_page(request, db, actor, status_code=422,
                             errors=[("scopes-ROSTER", p.message) for p in failure.problems])
    except Conflict as conflict:
        db.rollback()
        return _profile_page(request, db, actor, conflict=str(conflict), status_code=409)
    db.commit()
    return RedirectResponse("/expert", status_code=303)


# Deployments ----------------------------------------------------------------------------------

PAGE_SIZE = 20


def _deployments_page(request: Request, db, actor: Actor, *, page: str | None = None,
                      errors=(), values=None, notice: str | None = None,
                      conflict: str | None = None, status_code: int = 200) -> Response:
    _own_profile(request, db, actor)  # an account without a roster entry is told so
    number = page_number(page)
    rows, total = deployments.list_deployments(db, actor=actor, limit=PAGE_SIZE,
                                               offset=(number - 1) * PAGE_SIZE)
    return render(request, "expert/deployments.html", {
        "rows": rows, "pages": Pages(number, PAGE_SIZE, total, {}), "notice": notice,
        "errors": list(errors), "values": values or {}, "conflict": conflict,
        "COMPLETED": EngagementStatus.COMPLETED, "ACCEPTED": DeploymentAnswerChoice.ACCEPTED,
        "DECLINED": DeploymentAnswerChoice.DECLINED}, status_code=status_code)


@router.get("/expert/deployments")
def my_deployments(request: Request, db: SessionDep, actor: ExpertActor,
                   page: str | None = None, done: str | None = None) -> Response:
    _ = gettext_for(request)
    notice = {"accepted": _("You accepted the deployment."),
              "declined": _("You declined the deployment. The partner that funds it and "
                            "the secretariat see your answer and your reason, to find "
                            "another expert.")}.get(done or "")
    return _deployments_page(request, db, actor, page=page, notice=notice)


@router.post("/expert/deployments/{engagement_id}")
def answer_deployment(request: Request, form: FormDep, db: SessionDep, actor: ExpertActor,
                      engagement_id: int) -> Response:
    """One form per deployment: the button pressed says accept or decline."""
    _ = gettext_for(request)
    answer, reason, version = (form.get(k) for k in ("answer", "reason", "version"))
    reason = reason if isinstance(reason, str) else ""
    if answer not in ("accept", "decline"):
        raise PageError(400, _("This cannot be done"), _("Choose to accept or to decline."))
    wording = {"required": _("Reason: say why you decline the deployment."),
               "max_length": _("Reason: at most 2,000 characters."),
               "control_character": _("Reason: remove the control characters.")}
    return actions.write(
        db, lambda: deployments.answer_deployment(
            db, actor=actor, engagement_id=engagement_id, accept=answer == "accept",
            # 0 is the version of a deployment not answered yet: only unreadable input is -1.
            reason=reason, expected_version=-1 if (seen := whole_number(version)) is None else seen),
        done=f"/expert/deployments?done={'accepted' if answer == 'accept' else 'declined'}",
        answers={
            NotFound: lambda _missing: PageError(404, _("Page not found"),
                                                 _("You are not deployed on this engagement.")),
            ValidationFailed: lambda failure: _deployments_page(
                request, db, actor, status_code=422, values={engagement_id: reason},
                errors=[(f"reason-{engagement_id}", wording.get(p.rule, p.message))
                        for p in failure.problems]),
            Conflict: lambda conflict: _deployments_page(request, db, actor, conflict=str(conflict),
                                                         status_code=409)})
