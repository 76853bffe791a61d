"""The secretariat's pages: requests to put to screening, optimiser runs (start, watch, cancel),
committee seats, and the import of recommendations with its error report.

Motions are decided on the committee's motion page (/committee/motions/{id}), which the
secretariat opens too. Every write goes through the services with the viewer's Actor.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from facility.auth import administration
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.engagements import compliance, deployments, lifecycle
from facility.engagements import service as engagement_service
from facility.engagements.models import EngagementStatus
from facility.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from facility.numbers import whole_number
from facility.reference import uhri_export
from facility.reference.importers import (
    RecommendationImportError,
    import_recommendations_from_stream,
    import_uhri_export,
)
from facility.reference.models import GROUP_CODES
from facility.requests import service as requests_service
from facility.requests.models import RequestStatus
from facility.web import engagement_steps
from facility.web.actions import write
from facility.web.committee import not_found, refused
from facility.web.deps import FormDep, SessionDep, page_router, require_role
from facility.web.i18n import gettext_for
from facility.web.pagination import Pages, page_number
from facility.web.templating import render
from facility.worker import run_pending
from governance import committee, runs, screening, urgency, views
from governance.models import RunStatus

router = page_router()
SecretariatActor = Annotated[Actor, Depends(require_role(Role.SECRETARIAT))]
REQUESTS_PAGE_SIZE = 20
ACCOUNTS_PAGE_SIZE = 25
RUNS_PAGE_SIZE = 10
ENGAGEMENTS_PAGE_SIZE = 20
IMPORT_FORMATS = ("uhri", "upr-info", "uhri-themes")  # UHRI's export (.xlsx, .json), the CSVs
MAX_IMPORT_BYTES = 20 * 1024 * 1024


def _home(request: Request, db, actor: Actor, *, page: str | None = None, errors=(),
          conflict: str | None = None, time_limit: str = "30", status_code: int = 200) -> Response:
    number = page_number(page)
    submitted, total = requests_service.list_requests(
        db, actor=actor, status=RequestStatus.SUBMITTED, limit=REQUESTS_PAGE_SIZE,
        offset=(number - 1) * REQUESTS_PAGE_SIZE)
    queue, _queue_total = views.screening_queue(db, actor=actor, limit=REQUESTS_PAGE_SIZE, offset=0)
    latest_runs, _runs_total = views.list_runs(db, actor=actor, limit=RUNS_PAGE_SIZE, offset=0)
    screened = {item.request.id for item in queue}
    return render(request, "secretariat/home.html", {
        "submitted": submitted, "screened": screened, "queue": queue,
        "pages": Pages(number, REQUESTS_PAGE_SIZE, total, {}), "runs": latest_runs,
        "errors": list(errors), "conflict": conflict, "time_limit": time_limit,
        "clock": urgency.clock, "markable": urgency.MARKABLE,
    }, status_code=status_code)


@router.get("/secretariat")
def secretariat_home(request: Request, db: SessionDep, actor: SecretariatActor,
                     page: str | None = None) -> Response:
    return _home(request, db, actor, page=page)


@router.post("/secretariat/screenings")
def open_screening(request: Request, db: SessionDep, actor: SecretariatActor,
                   request_id: Annotated[str, Form()] = "") -> Response:
    try:
        item = screening.open_screening(db, actor=actor,
                                        request_id=whole_number(request_id) or 0)
    except NotFound:
        db.rollback()
        raise not_found(request) from None
    except Conflict as conflict:
        db.rollback()
        return _home(request, db, actor, conflict=str(conflict), status_code=409)
    db.commit()
    return RedirectResponse(f"/committee/motions/{item.motion_id}", status_code=303)


@router.post("/secretariat/requests/{request_id}/urgent")
def mark_urgent(request: Request, form: FormDep, db: SessionDep, actor: SecretariatActor,
                request_id: int) -> Response:
    """The urgent track for OHCHR's own needs: with the consent of the State concerned, which
    the secretariat records by ticking the box (governance/urgency.py)."""
    _ = gettext_for(request)
    reason = str(form.get("reason") or "")
    consent = form.get("stateConsent") == "yes"
    try:
        latest = date.fromisoformat(str(form.get("latestStart") or "").strip())
    except ValueError:
        return _home(request, db, actor, status_code=422, errors=[(
            f"latestStart-{request_id}", _("Latest start of the mission: enter a date as "
                                           "year-month-day, such as 2027-03-31."))])
    words = {"stateConsent": _("The State's consent: the secretariat marks a request urgent "
                               "only with the consent of the State concerned."),
             "reason": _("Why it is urgent: at least 10 characters."),
             "latestStart": _("Latest start of the mission: within the request's window, not "
                              "in the past.")}
    return write(db, lambda: urgency.mark_urgent(
        db, actor=actor, request_id=request_id, reason=reason, latest_start=latest,
        state_consent=consent), done="/secretariat", answers={
            ValidationFailed: lambda failure: _home(request, db, actor, status_code=422, errors=[
                (f"{p.field}-{request_id}", words.get(p.field, p.message))
                for p in failure.problems]),
            NotFound: lambda _n: not_found(request),
            Conflict: lambda conflict: _home(request, db, actor, conflict=str(conflict),
                                             status_code=409)})


# Optimiser runs ------------------------------------------------------------------------------

@router.post("/secretariat/runs")
def start_run(request: Request, db: SessionDep, actor: SecretariatActor,
              time_limit: Annotated[str, Form()] = "") -> Response:
    _ = gettext_for(request)
    try:
        seconds = float(time_limit)
    except ValueError:
        return _home(request, db, actor, time_limit=time_limit, status_code=422, errors=[
            ("time_limit", _("Time limit: enter a number of seconds."))])
    try:
        run = runs.start_run(db, actor=actor, time_limit=seconds)
    except ValidationFailed as failure:
        db.rollback()
        return _home(request, db, actor, time_limit=time_limit, status_code=422, errors=[
            ("time_limit", _("Time limit: between 1 and %(n)s seconds.")
             % {"n": int(runs.MAX_TIME_LIMIT)}) for _p in failure.problems])
    except Conflict as conflict:
        db.rollback()
        return _home(request, db, actor, time_limit=time_limit, conflict=str(conflict),
                     status_code=409)
    run_id = run.id
    db.commit()  # the run and its job: a worker starts it from now on
    if request.app.state.run_jobs_inline:  # tests: the job at once, in-process
        run_pending(request.app.state.open_session, request.app.state.settings)
    return RedirectResponse(f"/secretariat/runs/{run_id}", status_code=303)


@router.get("/secretariat/runs/{run_id}")
def run_progress(request: Request, db: SessionDep, actor: SecretariatActor, run_id: int) -> Response:
    try:
        run = runs.get_run(db, actor=actor, run_id=run_id)
    except NotFound:
        raise not_found(request) from None
    active = run.status in (RunStatus.QUEUED, RunStatus.RUNNING)
    return render(request, "secretariat/run.html", {"run": run, "active": active})


@router.post("/secretariat/runs/{run_id}/cancel")
def cancel_run(request: Request, db: SessionDep, actor: SecretariatActor, run_id: int) -> Response:
    try:
        runs.cancel_run(db, actor=actor, run_id=run_id)
    except NotFound:
        db.rollback()
        raise not_found(request) from None
    except Conflict:
        db.rollback()  # it finished meanwhile: the page shows how
    else:
        db.commit()
    return RedirectResponse(f"/secretariat/runs/{run_id}", status_code=303)


# Seats ---------------------------------------------------------------------------------------

def _seats(request: Request, db, actor: Actor, *, errors=(), values=None,
           status_code: int = 200) -> Response:
    return render(request, "secretariat/seats.html", {
        "seats": committee.current_seats(db), "history": views.seat_history(db, actor=actor),
        "groups": GROUP_CODES, "errors": list(errors), "values": values or {}},
        status_code=status_code)


@router.get("/secretariat/seats")
def seats_page(request: Request, db: SessionDep, actor: SecretariatActor) -> Response:
    return _seats(request, db, actor)


@router.post("/secretariat/seats")
def seat_member(request: Request, db: SessionDep, actor: SecretariatActor,
                group_code: Annotated[str, Form()] = "",
                member_email: Annotated[str, Form()] = "") -> Response:
    _ = gettext_for(request)
    values = {"group_code": group_code, "member_email": member_email}
    ids = {"groupCode": "group_code", "memberEmail": "member_email"}
    try:
        committee.seat_member(db, actor=actor, group_code=group_code, member_email=member_email)
    except ValidationFailed as failure:
        db.rollback()
        return _seats(request, db, actor, values=values, status_code=422,
                      errors=[(ids.get(p.field, p.field), p.message) for p in failure.problems])
    except NotFound:
        db.rollback()
        return _seats(request, db, actor, values=values, status_code=422, errors=[
            ("member_email", _("Member's e-mail address: no account has this address."))])
    except PermissionDenied as denied:
        db.rollback()
        raise refused(request, denied) from None
    db.commit()
    return RedirectResponse("/secretariat/seats", status_code=303)


# Accounts ------------------------------------------------------------------------------------

ACCOUNT_FIELDS = {"email": "email", "name": "name", "state": "state_code", "group": "group_code",
                  "partner": "partner_name", "password": "password"}


def _accounts(request: Request, db, actor: Actor, *, page: str | None = None, errors=(),
              values=None, conflict: str | None = None, status_code: int = 200) -> Response:
    number = page_number(page)
    rows, total = administration.list_accounts(db, actor=actor, limit=ACCOUNTS_PAGE_SIZE,
                                               offset=(number - 1) * ACCOUNTS_PAGE_SIZE)
    return render(request, "secretariat/accounts.html", {
        "accounts": rows, "pages": Pages(number, ACCOUNTS_PAGE_SIZE, total, {}), "roles": list(Role),
        "groups": GROUP_CODES, "errors": list(errors), "values": values or {}, "conflict": conflict,
        "me": actor.account_id, "partners": administration.partners_of(db, actor=actor, accounts=rows)},
        status_code=status_code)


@router.get("/secretariat/accounts")
def accounts_page(request: Request, db: SessionDep, actor: SecretariatActor,
                  page: str | None = None) -> Response:
    return _accounts(request, db, actor, page=page)


@router.post("/secretariat/accounts")
def create_account(request: Request, db: SessionDep, actor: SecretariatActor,
                   role: Annotated[str, Form()] = "", email: Annotated[str, Form()] = "",
                   name: Annotated[str, Form()] = "", state_code: Annotated[str, Form()] = "",
                   group_code: Annotated[str, Form()] = "",
                   partner_name: Annotated[str, Form()] = "",
                   password: Annotated[str, Form()] = "") -> Response:
    _ = gettext_for(request)
    values = {"role": role, "email": email, "name": name, "state_code": state_code,
              "group_code": group_code, "partner_name": partner_name}
    if role not in Role.__members__:
        return _accounts(request, db, actor, values=values, status_code=422,
                         errors=[("role", _("Role: choose the account's role."))])
    try:
        administration.open_account(
            db, actor=actor, role=Role(role), email=email, name=name, password=password,
            state_code=state_code.strip() or None, group_code=group_code.strip() or None,
            partner_name=partner_name.strip() or None)
    except ValidationFailed as failure:
        db.rollback()
        return _accounts(request, db, actor, values=values, status_code=422, errors=[
            (ACCOUNT_FIELDS.get(p.field, p.field), p.message.replace("--", "")) for p in failure.problems])
    db.commit()
    return RedirectResponse("/secretariat/accounts", status_code=303)


@router.post("/secretariat/accounts/{account_id}/deactivate")
def deactivate_account(request: Request, db: SessionDep, actor: SecretariatActor,
                       account_id: int) -> Response:
    try:
        administration.deactivate_account(db, actor=actor, account_id=account_id)
    except NotFound:
        db.rollback()
        raise not_found(request) from None
    except Conflict as conflict:
        db.rollback()
        return _accounts(request, db, actor, conflict=str(conflict), status_code=409)
    db.commit()
    return RedirectResponse("/secretariat/accounts", status_code=303)


# Engagements: progress, and completion without every expert's acceptance --------------------

@router.get("/secretariat/engagements")
def engagements_list(request: Request, db: SessionDep, actor: SecretariatActor,
                     page: str | None = None, done: str | None = None) -> Response:
    """Every engagement with its dates, its team's acceptances and its next step."""
    number = page_number(page)
    rows, total = engagement_service.list_engagements(
        db, actor=actor, limit=ENGAGEMENTS_PAGE_SIZE, offset=(number - 1) * ENGAGEMENTS_PAGE_SIZE)
    answers = deployments.answers_by_engagement(db, [e.id for e in rows])  # type: ignore[misc]
    titles = requests_service.requests_by_id(db, actor=actor, request_ids=[e.request_id for e in rows])
    _ = gettext_for(request)
    return render(request, "secretariat/engagements.html", {
        "rows": rows, "titles": titles, "pages": Pages(number, ENGAGEMENTS_PAGE_SIZE, total, {}),
        "missing": {e.id: len(lifecycle.not_accepted(e, answers[e.id])) for e in rows},
        "next_status": {e.id: lifecycle.NEXT_STATUS.get(e.status) for e in rows},
        "IN_PROGRESS": EngagementStatus.IN_PROGRESS,
        "notice": {"started": _("The engagement is marked as started."),
                   "completed": _("The engagement is marked as completed. Its follow-up reports are "
                                  "now due.")}.get(done or "")})


@router.get("/secretariat/engagements/{engagement_id}/progress")
def confirm_progress(request: Request, db: SessionDep, actor: SecretariatActor, engagement_id: int,
                     status: str | None = None) -> Response:
    """Confirm a step; completion without every acceptance asks for the reason recorded."""
    return engagement_steps.confirm_page(request, db, actor, engagement_id, status,
                                         back="/secretariat/engagements", not_found=not_found(request))


@router.post("/secretariat/engagements/{engagement_id}/progress")
def record_progress(request: Request, form: FormDep, db: SessionDep, actor: SecretariatActor,
                    engagement_id: int) -> Response:
    return engagement_steps.record_step(request, form, db, actor, engagement_id,
                                        back="/secretariat/engagements",
                                        not_found=not_found(request))


# Imports of recommendations -----------------------------------------------------------------

@router.get("/secretariat/compliance")
def compliance_view(request: Request, db: SessionDep, actor: SecretariatActor) -> Response:
    """Follow-up reports due, overdue, submitted on time and late, by regional group and State."""
    view = compliance.follow_up_compliance(db, actor=actor)
    return render(request, "secretariat/compliance.html", {"view": view})


@router.get("/secretariat/imports")
def import_form(request: Request, actor: SecretariatActor) -> Response:
    return render(request, "secretariat/import.html", {
        "formats": IMPORT_FORMATS, "errors": [], "problems": [], "report": None, "values": {}})


@router.post("/secretariat/imports")
def import_file(request: Request, form: FormDep, db: SessionDep,
                actor: SecretariatActor) -> Response:
    # A plain `def`: decoding and importing a 20 MB file runs in the thread pool, not on the
    # event loop (the upload was received, bounded, by facility.web.body_limits and parsed in
    # a pool thread by facility.web.deps.submitted_form).
    _ = gettext_for(request)
    upload = form.get("file")
    file = upload if isinstance(upload, UploadFile) else None
    format = str(form.get("format") or "")
    skip_invalid = str(form.get("skip_invalid") or "")
    values = {"format": format, "skip_invalid": skip_invalid == "yes"}
    errors: list[tuple[str, str]] = []
    if format not in IMPORT_FORMATS:
        errors.append(("format", _("Format: choose the UHRI export, UPR Info or a UHRI "
                                   "thematic list.")))
    data = file.file.read(MAX_IMPORT_BYTES + 1) if file is not None else b""
    kind = None
    if not data:
        errors.append(("file", _("File: choose a file to import.")))
    elif len(data) > MAX_IMPORT_BYTES:
        errors.append(("file", _("File: at most 20 MB (import larger exports with the "
                                 "command `facility import recommendations`).")))
    elif format == "uhri":
        kind = uhri_export.KINDS.get(Path(file.filename or "").suffix.lower())  # type: ignore[union-attr]
        if kind is None:
            errors.append(("file", _("File: a UHRI export is a .xlsx or a .json file.")))
    text = ""
    if not errors and kind is None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            line = data[: error.start].count(b"\n") + 1
            errors.append(("file", _("File: line %(line)s is not UTF-8 text; save the file as "
                                     "UTF-8.") % {"line": line}))
    context = {"formats": IMPORT_FORMATS, "values": values, "problems": [], "report": None}
    if errors:
        return render(request, "secretariat/import.html", {**context, "errors": errors},
                      status_code=422)
    try:
        if kind is not None:
            report = import_uhri_export(db, io.BytesIO(data), kind=kind,
                                        skip_invalid=values["skip_invalid"])
        else:
            report = import_recommendations_from_stream(db, io.StringIO(text, newline=""),
                                                        fmt=format,  # type: ignore[arg-type]
                                                        skip_invalid=values["skip_invalid"])
    except RecommendationImportError as refusal:
        db.rollback()  # nothing is written from a refused file
        return render(request, "secretariat/import.html", {
            **context, "problems": refusal.problems,
            "errors": [("problems", _("The file was refused: nothing was imported. Its "
                                      "problems are listed below."))]}, status_code=422)
    db.commit()
    return render(request, "secretariat/import.html", {**context, "errors": [], "report": report})
