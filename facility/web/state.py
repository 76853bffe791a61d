"""A State mission's pages: its requests, filing one from its recommendations, proposals to
confirm or decline, engagements and follow-up reports.

Every route calls the services with the signed-in Actor; what the mission may not see (another
State's request, report or proposal) is answered as a 404 page, exactly like a missing one.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlmodel import col, select

from facility.auth.actor import Actor
from facility.auth.models import Partner, Role
from facility.engagements import reports as follow_up
from facility.engagements import service as engagements
from facility.engagements.models import (
    FollowUpReport,
    ImplementationStatus,
    IndicatorType,
    ReportStatus,
)
from facility.errors import Conflict, PermissionDenied, StaleVersion, ValidationFailed
from facility.needs import service as needs
from facility.numbers import whole_number, whole_numbers
from facility.offers import service as offers
from facility.programmes.service import suggestions as programme_suggestions
from facility.reference.models import MechanismType, Recommendation, RecommendationResponse, Theme
from facility.reference.search import (
    recommendation_themes,
    recommendations_by_id,
    search_recommendations,
)
from facility.requests import lifecycle
from facility.requests import service as requests
from facility.requests.models import CapacityRequest, RequestStatus, SupportKind
from facility.timeutil import today
from facility.web.actions import visible, write
from facility.web.deps import FormDep, PageError, SessionDep, page_router, require_role
from facility.web.formdata import FormReader, field_id, form_token, problem_messages
from facility.web.i18n import gettext_for, language_of
from facility.web.pagination import Pages, page_number
from facility.web.templating import render
from governance import criteria as criteria_rules
from governance import proposals, urgency
from governance.criteria import DocumentKind
from governance.models import ProposalStatus
from governance.names import Names
from governance.screening import foreseen_failures, latest_screening

router = page_router()
StateActor = Annotated[Actor, Depends(require_role(Role.STATE))]

REQUESTS_PAGE_SIZE = 20
PICKER_PAGE_SIZE = 20
ENGAGEMENTS_PAGE_SIZE = 20
REPORTS_PAGE_SIZE = 20
MAX_INDICATORS = 50
# The six UN official languages, offered as checkboxes; others can be typed as ISO codes.
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")


def _not_found(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(404, _("Page not found"),
                     _("There is no such page for your account. It may have been removed, or "
                       "belong to another State."))


def _conflict(request: Request, message: str) -> PageError:
    _ = gettext_for(request)
    return PageError(409, _("This cannot be done now"), message)


def _request_labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {
        "title": _("Title"), "need": _("What is needed"), "barrier": _("What stands in the way"),
        "recommendationIds": _("Recommendations"), "themes": _("Themes"),
        "languages": _("Languages"), "supportKinds": _("Kinds of support"),
        "windowStart": _("Earliest start"), "windowEnd": _("Latest end"),
        "weeks": _("Length of the mission in weeks"), "expertsNeeded": _("Experts needed"),
        "budget": _("Estimated budget"), "currency": _("Currency"), "priority": _("Priority"),
        "focalPoint": _("Focal point"), "reason": _("Reason"), "documents": _("Documents"),
        "documents[].reference": _("Reference of the document"),
        "documents[].link": _("Web address of the document"),
        "language": _("Language of the text"),
    }


# The list of requests -------------------------------------------------------------------------

@router.get("/state/requests")
def my_requests(request: Request, db: SessionDep, actor: StateActor, status: str | None = None,
                page: str | None = None) -> Response:
    """The mission's requests, filtered by status, newest first."""
    chosen = RequestStatus(status) if status in RequestStatus.__members__ else None
    number = page_number(page)
    rows, total = requests.list_requests(db, actor=actor, status=chosen, limit=REQUESTS_PAGE_SIZE,
                                         offset=(number - 1) * REQUESTS_PAGE_SIZE)
    ids = [r.id for r in rows]
    return render(request, "state/requests.html", {
        "rows": rows, "statuses": list(RequestStatus), "chosen": chosen,
        "themes_of": requests.themes_by_request(db, ids) if ids else {},  # type: ignore[arg-type]
        "pages": Pages(number, REQUESTS_PAGE_SIZE, total, {"status": chosen.value} if chosen else {}),
    })


# Choosing recommendations (a GET form that carries the selection, no JavaScript) --------------

def _picker_context(request: Request, db, actor: Actor, *, q: str, theme: str, response: str,
                    mechanism: str, body: str, page: str | None, selected: list[int],
                    continue_to: str) -> dict[str, Any]:
    themes = list(db.exec(select(Theme).order_by(Theme.name)))
    theme_name = theme if any(t.name == theme for t in themes) else ""
    response_code = response if response in RecommendationResponse.__members__ else ""
    mechanism_code = mechanism if mechanism in MechanismType.__members__ else ""
    # The bodies that addressed this State, so that the list offers no empty choice.
    bodies = list(db.exec(select(Recommendation.body).where(
        Recommendation.state_code == actor.state_code).distinct().order_by(Recommendation.body)))
    body_code = body if body in bodies else ""
    number = page_number(page)
    rows, total = search_recommendations(
        db, state_code=actor.state_code, response=response_code or None, theme=theme_name or None,
        search=q or None, mechanism=mechanism_code or None, body=body_code or None,
        limit=PICKER_PAGE_SIZE, offset=(number - 1) * PICKER_PAGE_SIZE)
    on_page = {r.id for r in rows}
    chosen = recommendations_by_id(db, selected)
    return {
        "q": q, "theme": theme_name, "response": response_code, "themes": themes,
        "responses": list(RecommendationResponse), "rows": rows,
        "mechanism": mechanism_code, "mechanisms": list(MechanismType), "body": body_code,
        "bodies": bodies,
        "row_themes": recommendation_themes(db, [r.id for r in rows]),
        "selected": selected, "chosen": chosen,
        "kept_elsewhere": [r.id for r in chosen if r.id not in on_page],
        "pages": Pages(number, PICKER_PAGE_SIZE, total, {}), "continue_to": continue_to,
    }


@router.get("/state/requests/new")
def choose_recommendations(request: Request, db: SessionDep, actor: StateActor, q: str = "",
                           theme: str = "", response: str = "", mechanism: str = "",
                           body: str = "", page: str | None = None,
                           for_request: str | None = None) -> Response:
    """Step 1: search the State's recommendations and tick the ones the request serves.

    The ticked ids travel in the query (`rec`), so moving between pages keeps them.
    """
    selected = whole_numbers(request.query_params.getlist("rec"), max_digits=11)
    continue_to = "/state/requests/new/details"
    for_request_id = whole_number(for_request)
    if for_request_id is not None:
        _visible_request(request, db, actor, for_request_id)
        continue_to = f"/state/requests/{for_request_id}/edit"
    context = _picker_context(request, db, actor, q=q.strip()[:200], theme=theme, response=response,
                              mechanism=mechanism, body=body, page=page, selected=selected,
                              continue_to=continue_to)
    context["for_request"] = for_request_id
    return render(request, "state/choose.html", context)


# The request form -----------------------------------------------------------------------------

def _blank_values(themes: list[str]) -> dict[str, Any]:
    return {"title": "", "need": "", "barrier": "", "themes": themes, "languages": ["en"],
            "other_languages": "", "supportKinds": [], "windowStart": "", "windowEnd": "",
            "weeks": "", "expertsNeeded": "1", "budget": "", "currency": "USD", "priority": "3",
            "focalPoint": "", "version": ""}


def _document_values(documents: list[dict]) -> dict[str, str]:
    """The form's inputs of the documents a request carries (doc-<KIND>-reference, -link)."""
    values = {}
    for doc in documents:
        values[f"doc-{doc['kind']}-reference"] = doc.get("reference") or ""
        values[f"doc-{doc['kind']}-link"] = doc.get("link") or ""
    return values


def _read_documents(reader) -> tuple[dict[str, str], list[dict]]:  # type: ignore[no-untyped-def]
    """The documents the form gives, in the order of the kinds: one with a reference or a link
    (a link alone is reported by the service: a document needs its reference)."""
    values, documents = {}, []
    for kind in DocumentKind:
        reference = reader.text(f"doc-{kind.value}-reference")
        link = reader.text(f"doc-{kind.value}-link")
        values[f"doc-{kind.value}-reference"], values[f"doc-{kind.value}-link"] = reference, link
        if reference.strip() or link.strip():
            documents.append({"kind": kind.value, "reference": reference, "link": link or None})
    return values, documents


def _form_context(db, *, values: dict[str, Any], recommendation_ids: list[int],
                  errors: list[tuple[str, str]], action: str,
                  editing: CapacityRequest | None) -> dict[str, Any]:
    version, body = criteria_rules.body_in_force(db)
    # The documents the procedure asks for, then any other the request already carries.
    carried = [k for k in DocumentKind if values.get(f"doc-{k.value}-reference")]
    shown = list(dict.fromkeys([*body.procedure.required_documents, *carried]))
    return {
        "procedure_version": version, "procedure": body.procedure, "document_kinds": shown,
        "values": values, "errors": errors, "action": action, "editing": editing,
        "chosen": recommendations_by_id(db, recommendation_ids),
        "all_themes": [t.name for t in db.exec(select(Theme).order_by(Theme.name))],
        "kinds": list(SupportKind), "un_languages": UN_LANGUAGES,
    }


def _themes_of_recommendations(db, ids: list[int]) -> list[str]:
    return sorted({name for names in recommendation_themes(db, ids).values() for name in names})


@router.get("/state/requests/new/details")
def new_request_form(request: Request, db: SessionDep, actor: StateActor) -> Response:
    """Step 2: the request's details, its themes pre-filled from the chosen recommendations."""
    ids = _selected_ids(request)
    values = _blank_values(_themes_of_recommendations(db, ids))
    # A request suggested by the needs assessment arrives with its title and need written.
    values.update(title=request.query_params.get("title", "")[:300],
                  need=request.query_params.get("need", "")[:2000])
    return render(request, "state/request_form.html", _form_context(
        db, values=values, recommendation_ids=ids, errors=[], action="/state/requests", editing=None))


def _selected_ids(request: Request) -> list[int]:
    return whole_numbers(request.query_params.getlist("rec"), max_digits=11)


def _read_request_form(request: Request, form, db=None, actor: Actor | None = None,
                       ) -> tuple[dict[str, Any], requests.RequestFields | None,
                                  list[tuple[str, str]], list[int]]:
    """The submitted values (to show again) and the fields; or, when some values cannot be
    read, every error at once: those values' and the service's on the others."""
    _ = gettext_for(request)
    reader = FormReader(form, _, _request_labels(request))
    typed_languages = [c.strip() for c in reader.text("other_languages").replace(";", ",").split(",")
                       if c.strip()]
    values = {name: reader.text(name) for name in (
        "title", "need", "barrier", "windowStart", "windowEnd", "weeks", "expertsNeeded", "budget",
        "currency", "priority", "focalPoint", "version", "other_languages", "language")}
    values.update(themes=reader.values("themes"), languages=reader.values("languages"),
                  supportKinds=reader.values("supportKinds"))
    document_values, documents = _read_documents(reader)
    values.update(document_values)
    values["language"] = values["language"] or language_of(request)
    ids = reader.ids("recommendationIds")
    window_start, window_end = reader.day("windowStart"), reader.day("windowEnd")
    numbers = {name: reader.integer(name) for name in ("weeks", "expertsNeeded", "budget", "priority")}
    unreadable = {field for field, _message in reader.errors}
    if unreadable:
        # Stand-ins that pass their own checks, so that the service names every other problem.
        window_start, window_end = window_start or today(), window_end or window_start or today()
        numbers = {name: 1 if value is None else value for name, value in numbers.items()}
    fields = requests.RequestFields(
        title=values["title"], need=values["need"], barrier=values["barrier"],
        focal_point=values["focalPoint"], recommendation_ids=ids,
        themes=values["themes"], languages=values["languages"] + typed_languages,
        support_kinds=values["supportKinds"], window_start=window_start,  # type: ignore[arg-type]
        window_end=window_end, weeks=numbers["weeks"], experts_needed=numbers["expertsNeeded"],  # type: ignore[arg-type]
        budget=numbers["budget"], currency=values["currency"].strip(), priority=numbers["priority"],  # type: ignore[arg-type]
        documents=documents,
        language=values["language"],
    )
    if not unreadable:
        return values, fields, [], ids
    # A rule that reads an unreadable value (the window reads both dates and the weeks) waits
    # until that value can be read.
    waits = unreadable | ({"windowStart", "windowEnd"} if unreadable & {"windowStart", "windowEnd", "weeks"}
                          else set())
    found = [p for p in requests.field_problems(db, actor=actor, fields=fields) if p.field not in waits]  # type: ignore[arg-type]
    more = problem_messages(_, ValidationFailed(found), _request_labels(request)) if found else []
    return values, None, reader.errors + more, ids


@router.post("/state/requests")
def create_request(request: Request, form: FormDep, db: SessionDep, actor: StateActor) -> Response:
    values, fields, errors, ids = _read_request_form(request, form, db, actor)

    def again(errors: list[tuple[str, str]]) -> Response:
        return render(request, "state/request_form.html", _form_context(
            db, values=values, recommendation_ids=ids, errors=errors, action="/state/requests",
            editing=None), status_code=422)

    if fields is None:
        return again(errors)
    return write(db, lambda: requests.create_request(db, actor=actor, fields=fields,
                                                     idempotency_key=form_token(form)),
                 done=lambda created: f"/state/requests/{created.id}?saved=1",
                 answers={ValidationFailed: lambda failure: again(
                     _form_problems(request, failure, fields))})


def _form_problems(request: Request, failure: ValidationFailed,
                   fields: requests.RequestFields) -> list[tuple[str, str]]:
    """The service's problems as the form shows them; a document's problem (`documents[n]...`,
    by its place among the documents given) points at that document's input."""
    shown = []
    for where, message in problem_messages(gettext_for(request), failure, _request_labels(request)):
        found = re.fullmatch(r"documents-(\d+)-(reference|link|kind)", where)
        if found and int(found[1]) < len(fields.documents):
            kind = fields.documents[int(found[1])]["kind"]
            where = f"doc-{kind}-{'reference' if found[2] == 'kind' else found[2]}"
        shown.append((where, message))
    return shown


def _visible_request(request: Request, db, actor: Actor, request_id: int) -> CapacityRequest:
    return visible(lambda: requests.get_request(db, actor=actor, request_id=request_id),
                   _not_found(request))


@router.get("/state/requests/{request_id}/edit")
def edit_request_form(request: Request, db: SessionDep, actor: StateActor, request_id: int) -> Response:
    found = _visible_request(request, db, actor, request_id)
    if found.status not in lifecycle.EDITABLE:
        _ = gettext_for(request)
        raise _conflict(request, _("This request can no longer be edited."))
    current = requests.current_fields(db, found)
    ids = _selected_ids(request) or current.recommendation_ids
    themes = (_themes_of_recommendations(db, ids) if _selected_ids(request) else current.themes) or []
    values = {
        "title": current.title, "need": current.need, "barrier": current.barrier,
        "themes": themes, "languages": [c for c in current.languages if c in UN_LANGUAGES],
        "other_languages": ", ".join(c for c in current.languages if c not in UN_LANGUAGES),
        "supportKinds": current.support_kinds, "windowStart": current.window_start.isoformat(),
        "windowEnd": current.window_end.isoformat(), "weeks": str(current.weeks),
        "expertsNeeded": str(current.experts_needed), "budget": str(current.budget),
        "currency": current.currency, "priority": str(current.priority),
        "focalPoint": current.focal_point, "version": str(found.version),
        **_document_values(current.documents),
        "language": current.language,
    }
    return render(request, "state/request_form.html", _form_context(
        db, values=values, recommendation_ids=ids, errors=[],
        action=f"/state/requests/{request_id}/edit", editing=found))


@router.post("/state/requests/{request_id}/edit")
def update_request(request: Request, form: FormDep, db: SessionDep,
                   actor: StateActor, request_id: int) -> Response:
    found = _visible_request(request, db, actor, request_id)
    values, fields, errors, ids = _read_request_form(request, form, db, actor)
    version = values["version"]

    def again(errors: list[tuple[str, str]]) -> Response:
        return render(request, "state/request_form.html", _form_context(
            db, values=values, recommendation_ids=ids, errors=errors,
            action=f"/state/requests/{request_id}/edit", editing=found), status_code=422)

    if fields is None:
        return again(errors)
    changes = {name: getattr(fields, name) for name in (
        "title", "need", "barrier", "focal_point", "recommendation_ids", "themes", "languages",
        "support_kinds", "window_start", "window_end", "weeks", "experts_needed", "budget",
        "currency", "priority", "documents", "language")}
    return write(db, lambda: requests.update_request(
        db, actor=actor, request_id=request_id, changes=changes,
        expected_version=whole_number(version)),
        done=f"/state/requests/{request_id}?saved=1", answers={
            ValidationFailed: lambda failure: again(_form_problems(request, failure, fields)),
            Conflict: lambda conflict: again([("title", _conflict_message(request, conflict))])})


def _conflict_message(request: Request, conflict: Conflict) -> str:
    _ = gettext_for(request)
    if isinstance(conflict, StaleVersion):
        return _("Someone changed this in the meantime. Reload the page to see their version, "
                 "then make your change again.")
    if isinstance(conflict, requests.CallClosed):
        return _("The call for requests of the application procedure in force is not open "
                 "today (see its dates on the request form). The request stays a draft: submit "
                 "it while the call is open.")
    return _("This cannot be done in the present state of the request.")


# A request's page -----------------------------------------------------------------------------

def _request_page(request: Request, db, actor: Actor, found: CapacityRequest, *,
                  errors: list[tuple[str, str]] | None = None, status_code: int = 200,
                  notice: str | None = None, urgent_values: dict | None = None) -> Response:
    assert found.id is not None
    ids = requests.recommendation_ids_by_request(db, [found.id])[found.id]
    rows, _total = proposals.list_proposals(db, actor=actor, request_id=found.id, limit=20, offset=0)
    offer_rows = offers.offers_by_id(db, actor=actor, offer_ids=[p.offer_id for p in rows])
    partners = {p.id: p.name for p in db.exec(select(Partner).where(
        col(Partner.id).in_({o.partner_id for o in offer_rows.values()})))} if offer_rows else {}
    linked = recommendations_by_id(db, ids)
    themes = requests.themes_by_request(db, [found.id])[found.id]
    return render(request, "state/request.html", {
        "item": found, "recommendations": linked,
        # Before submission, what screening would refuse (a NOTED recommendation, say).
        "warnings": foreseen_failures(db, found, linked)
        if found.status in lifecycle.SUBMITTABLE else [],
        "themes": themes,
        "screening": latest_screening(db, actor=actor, request=found),
        "proposals": rows, "offers": offer_rows, "partners": partners,
        # A State may not see the experts' names: the offers it holds are all there is to name.
        "names": Names(offers={pk: o.title for pk, o in offer_rows.items()}),
        "editable": found.status in lifecycle.EDITABLE,
        "submittable": found.status in lifecycle.SUBMITTABLE,
        "withdrawable": found.status in lifecycle.WITHDRAWABLE,
        "APPROVED": ProposalStatus.APPROVED, "errors": errors or [], "notice": notice,
        # Programmes of other agencies and donors whose rules fit it, and where it applied.
        "programmes": programme_suggestions(db, found, themes),
        "clock": urgency.clock(found),
        "urgent_markable": found.status in urgency.MARKABLE and not found.urgent,
        "urgent_values": urgent_values or {},
    }, status_code=status_code)


@router.get("/state/requests/{request_id}")
def request_page(request: Request, db: SessionDep, actor: StateActor, request_id: int,
                 saved: str | None = None, done: str | None = None) -> Response:
    found = _visible_request(request, db, actor, request_id)
    _ = gettext_for(request)
    notices = {"saved": _("The request is saved."), "submitted": _("The request is submitted for screening."),
               "withdrawn": _("The request is withdrawn."),
               "discarded": _("The draft is discarded. It was never submitted: nobody else saw it."),
               "confirmed": _("You confirmed the proposal."),
               "declined": _("You declined the proposal."),
               "urgent": _("The request is marked urgent. The committee is told."),
               "applied": _("Recorded: your State applied to the programme.")}
    notice = notices["saved"] if saved else notices.get(done or "")
    return _request_page(request, db, actor, found, notice=notice)


@router.post("/state/requests/{request_id}/submit")
def submit_request(request: Request, db: SessionDep, actor: StateActor, request_id: int) -> Response:
    found = _visible_request(request, db, actor, request_id)
    return write(db, lambda: requests.submit_request(db, actor=actor, request_id=request_id),
                 done=f"/state/requests/{request_id}?done=submitted", answers={
                     ValidationFailed: lambda failure: _request_page(
                         request, db, actor, found, status_code=422, errors=problem_messages(
                             gettext_for(request), failure, _request_labels(request))),
                     Conflict: lambda conflict: _conflict(request, _conflict_message(request, conflict))})


@router.post("/state/requests/{request_id}/withdraw")
def withdraw_request(request: Request, form: FormDep, db: SessionDep, actor: StateActor,
                     request_id: int) -> Response:
    found = _visible_request(request, db, actor, request_id)
    reason = form.get("reason")
    _ = gettext_for(request)
    return write(db, lambda: requests.withdraw_request(
        db, actor=actor, request_id=request_id, reason=reason if isinstance(reason, str) else ""),
        done=f"/state/requests/{request_id}?done="
             f"{'discarded' if found.status == RequestStatus.DRAFT else 'withdrawn'}", answers={
            ValidationFailed: lambda _f: _request_page(request, db, actor, found, status_code=422, errors=[
                ("reason", _("Reason: say why the request is withdrawn."))]),
            Conflict: lambda conflict: _conflict(request, _conflict_message(request, conflict))})


@router.post("/state/requests/{request_id}/urgent")
def mark_urgent(request: Request, form: FormDep, db: SessionDep, actor: StateActor,
                request_id: int) -> Response:
    found = _visible_request(request, db, actor, request_id)
    _ = gettext_for(request)
    values = {k: str(form.get(k) or "").strip() for k in ("reason", "latestStart", "version")}
    labels = {"reason": _("Why it is urgent"), "latestStart": _("Latest start of the mission")}

    def again(errors: list[tuple[str, str]], status_code: int = 422) -> Response:
        return _request_page(request, db, actor, found, errors=errors, status_code=status_code,
                             urgent_values=values)

    try:
        latest = date.fromisoformat(values["latestStart"])
    except ValueError:
        return again([("latestStart", _("%(field)s: enter a date as year-month-day, such as "
                                        "2027-03-31.") % {"field": labels["latestStart"]})])

    def invalid(failure: ValidationFailed) -> Response:
        words = {"in_window": _("%(field)s: must be within the request's window."),
                 "future": _("%(field)s: must not be in the past.")}
        errors = []
        for problem in failure.problems:
            template = words.get(problem.rule)
            message = (template % {"field": labels.get(problem.field, problem.field)} if template
                       else problem_messages(_, ValidationFailed([problem]), labels)[0][1])
            errors.append(("urgent-reason" if problem.field == "reason" else problem.field, message))
        return again(errors)

    return write(db, lambda: urgency.mark_urgent(
        db, actor=actor, request_id=request_id, reason=values["reason"], latest_start=latest,
        expected_version=whole_number(values["version"])),
        done=f"/state/requests/{request_id}?done=urgent", answers={
            ValidationFailed: invalid,
            Conflict: lambda conflict: _conflict(request, _conflict_message(request, conflict))})


# Proposals: confirm or decline ----------------------------------------------------------------

def _visible_proposal(request: Request, db, actor: Actor, proposal_id: int):
    return visible(lambda: proposals.get_proposal(db, actor=actor, proposal_id=proposal_id),
                   _not_found(request))


@router.post("/state/proposals/{proposal_id}/confirm")
def confirm_proposal(request: Request, db: SessionDep, actor: StateActor, proposal_id: int) -> Response:
    proposal = _visible_proposal(request, db, actor, proposal_id)
    _ = gettext_for(request)
    return write(db, lambda: proposals.confirm_proposal(db, actor=actor, proposal_id=proposal_id),
                 done=f"/state/requests/{proposal.request_id}?done=confirmed", answers={
                     (Conflict, PermissionDenied): lambda _c: _conflict(request, _(
                         "This proposal cannot be confirmed now: it is not awaiting your confirmation."))})


@router.post("/state/proposals/{proposal_id}/decline")
def decline_proposal(request: Request, form: FormDep, db: SessionDep, actor: StateActor,
                     proposal_id: int) -> Response:
    proposal = _visible_proposal(request, db, actor, proposal_id)
    reason = form.get("reason")
    _ = gettext_for(request)

    def invalid(_failure: ValidationFailed) -> Response:
        found = _visible_request(request, db, actor, proposal.request_id)
        return _request_page(request, db, actor, found, status_code=422, errors=[
            (f"decline-reason-{proposal_id}", _("Reason: say why you decline the proposal."))])

    return write(db, lambda: proposals.decline_proposal(
        db, actor=actor, proposal_id=proposal_id, reason=reason if isinstance(reason, str) else ""),
        done=f"/state/requests/{proposal.request_id}?done=declined", answers={
            ValidationFailed: invalid,
            (Conflict, PermissionDenied): lambda _c: _conflict(request, _(
                "This proposal cannot be declined now: it is not awaiting your confirmation."))})


# Engagements ----------------------------------------------------------------------------------

@router.get("/state/needs")
def needs_page(request: Request, db: SessionDep, actor: StateActor) -> Response:
    """The State's recommendations by theme and SDG goal, what support covers, what to ask for."""
    return render(request, "state/needs.html", {"view": needs.needs_assessment(db, actor=actor)})


@router.get("/state/engagements")
def my_engagements(request: Request, db: SessionDep, actor: StateActor,
                   page: str | None = None) -> Response:
    number = page_number(page)
    rows, total = engagements.list_engagements(db, actor=actor, limit=ENGAGEMENTS_PAGE_SIZE,
                                               offset=(number - 1) * ENGAGEMENTS_PAGE_SIZE)
    titles = requests.titles_by_id(db, actor=actor, request_ids=[e.request_id for e in rows])
    offer_rows = offers.offers_by_id(db, actor=actor, offer_ids=[e.offer_id for e in rows])
    return render(request, "state/engagements.html", {
        "rows": rows, "titles": titles, "offers": offer_rows,
        "pages": Pages(number, ENGAGEMENTS_PAGE_SIZE, total, {}),
    })


# Follow-up reports ----------------------------------------------------------------------------

def report_status(report: FollowUpReport, on: date) -> ReportStatus:
    if report.first_submitted_at is not None:
        return ReportStatus.SUBMITTED
    return ReportStatus.OVERDUE if report.due_date < on else ReportStatus.DUE


@router.get("/state/reports")
def my_reports(request: Request, db: SessionDep, actor: StateActor, status: str | None = None,
               page: str | None = None) -> Response:
    """Follow-up reports, soonest due first; by default those still to file."""
    chosen = ReportStatus(status) if status in ReportStatus.__members__ else None
    number = page_number(page)
    rows, total = follow_up.list_reports(db, actor=actor, status=chosen, limit=REPORTS_PAGE_SIZE,
                                         offset=(number - 1) * REPORTS_PAGE_SIZE)
    engagement_rows = engagements.engagements_by_id(
        db, actor=actor, engagement_ids=[r.engagement_id for r in rows])
    titles = requests.titles_by_id(db, actor=actor,
                                   request_ids=[e.request_id for e in engagement_rows.values()])
    on = today()
    return render(request, "state/reports.html", {
        "rows": rows, "statuses": list(ReportStatus), "chosen": chosen,
        "status_of": {r.id: report_status(r, on) for r in rows},
        "titles": {eid: titles.get(e.request_id, "") for eid, e in engagement_rows.items()},
        "pages": Pages(number, REPORTS_PAGE_SIZE, total, {"status": chosen.value} if chosen else {}),
    })


def _visible_report(request: Request, db, actor: Actor, report_id: int) -> FollowUpReport:
    return visible(lambda: follow_up.get_report(db, actor=actor, report_id=report_id),
                   _not_found(request))


def _report_labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {"recommendations": _("Recommendations"), "indicators": _("Indicators"),
            "narrative": _("What was done"), "furtherNeeds": _("Further needs"),
            "recommendations[].recommendationId": _("Recommendation"),
            "recommendations[].evidence": _("Evidence"), "recommendations[].links": _("Links"),
            "indicators[].name": _("Indicator name"), "indicators[].unit": _("Unit"),
            "indicators[].baseline": _("Baseline"), "indicators[].target": _("Target"),
            "indicators[].current": _("Current value"), "indicators[].type": _("Type"),
            "confirm": _("Confirmation"), "language": _("Language of the text")}


def _report_page(request: Request, db, actor: Actor, report: FollowUpReport, *,
                 values: dict[str, Any] | None = None, errors: list[tuple[str, str]] | None = None,
                 status_code: int = 200, notice: str | None = None) -> Response:
    engagement = engagements.get_engagement(db, actor=actor, engagement_id=report.engagement_id)
    ids = requests.recommendation_ids_by_request(db, [engagement.request_id])[engagement.request_id]
    if values is None:
        by_rec = {r["recommendation_id"]: r for r in report.recommendations}
        values = {
            "recommendations": [{"recommendation_id": rid,
                                 "status": by_rec.get(rid, {}).get("status", ""),
                                 "evidence": by_rec.get(rid, {}).get("evidence", ""),
                                 "links": "\n".join(by_rec.get(rid, {}).get("links", []))}
                                for rid in ids],
            "indicators": [dict(i) for i in report.indicators] or [_blank_indicator()],
            "narrative": report.narrative, "further_needs": report.further_needs,
            "row_version": str(report.row_version),
            # a report not yet written is in the language its author reads the page in
            "language": report.language if report.narrative else language_of(request),
        }
    return render(request, "state/report.html", {
        "report": report, "engagement": engagement, "values": values,
        "status": report_status(report, today()), "errors": errors or [], "notice": notice,
        "recommendations": {r.id: r for r in recommendations_by_id(db, ids)},
        "request_title": requests.titles_by_id(
            db, actor=actor, request_ids=[engagement.request_id]).get(engagement.request_id, ""),
        "implementation": list(ImplementationStatus), "indicator_types": list(IndicatorType),
        "locked": report.submitted_at is not None or report.superseded,
    }, status_code=status_code)


def _blank_indicator() -> dict[str, str]:
    return {"type": IndicatorType.OUTCOME.value, "name": "", "unit": "", "baseline": "",
            "target": "", "current": ""}


@router.get("/state/reports/{report_id}")
def report_page(request: Request, db: SessionDep, actor: StateActor, report_id: int,
                done: str | None = None) -> Response:
    report = _visible_report(request, db, actor, report_id)
    _ = gettext_for(request)
    notice = {"saved": _("The draft is saved. You can come back to it until you submit it."),
              "submitted": _("The report is submitted.")}.get(done or "")
    return _report_page(request, db, actor, report, notice=notice)


def _read_report_form(form) -> dict[str, Any]:
    """The rows as submitted: recommendation statuses and the indicators table."""
    recommendations = []
    count = str(form.get("recommendation_count") or "0")
    for i in range(min(whole_number(count) or 0, 1000)):
        rid = str(form.get(f"rec-{i}-id") or "")
        recommendations.append({
            "recommendation_id": whole_number(rid),
            "status": str(form.get(f"rec-{i}-status") or ""),
            "evidence": str(form.get(f"rec-{i}-evidence") or ""),
            "links": str(form.get(f"rec-{i}-links") or ""),
        })
    count = str(form.get("indicator_count") or "0")
    indicators = []
    for i in range(min(whole_number(count) or 0, MAX_INDICATORS)):
        row = {key: str(form.get(f"ind-{i}-{key}") or "")
               for key in ("type", "name", "unit", "baseline", "target", "current")}
        if form.get(f"ind-{i}-remove"):
            continue
        indicators.append(row)
    return {"recommendations": recommendations, "indicators": indicators,
            "narrative": str(form.get("narrative") or ""),
            "further_needs": str(form.get("further_needs") or ""),
            "row_version": str(form.get("row_version") or ""),
            "language": str(form.get("language") or "")}


def _changes(values: dict[str, Any],
             request: Request) -> tuple[follow_up.ReportChanges, list[tuple[str, str]]]:
    _ = gettext_for(request)
    errors = []
    items = []
    for i, row in enumerate(values["recommendations"]):
        if not row["status"]:
            continue  # not reported yet: submission asks for it
        if row["status"] not in ImplementationStatus.__members__:
            errors.append((f"rec-{i}-status", _("Implementation status: choose one of the options.")))
            continue
        items.append({"recommendation_id": row["recommendation_id"], "status": row["status"],
                      "evidence": row["evidence"],
                      "links": [x.strip() for x in row["links"].splitlines() if x.strip()]})
    indicators = []
    for i, row in enumerate(values["indicators"]):
        if not any(row[k].strip() for k in ("name", "unit", "baseline", "target", "current")):
            continue  # an empty row of the table is not an indicator
        if row["type"] not in IndicatorType.__members__:
            errors.append((f"ind-{i}-type", _("Type: choose structural, process or outcome.")))
            continue
        indicators.append(row)
    return follow_up.ReportChanges(recommendations=items, indicators=indicators,
                                   narrative=values["narrative"],
                                   further_needs=values["further_needs"],
                                   language=values["language"] or None), errors


def _report_field_id(field: str) -> str:
    """A service field of the report (`indicators[2].name`) as the input's id (`ind-2-name`)."""
    fid = field_id(field)
    return fid.replace("indicators-", "ind-").replace("recommendations-", "rec-")


@router.post("/state/reports/{report_id}")
def save_report(request: Request, form: FormDep, db: SessionDep,
                actor: StateActor, report_id: int) -> Response:
    """Save the draft, add a row to the indicators table, or submit (with confirmation)."""
    report = _visible_report(request, db, actor, report_id)
    values = _read_report_form(form)
    action = str(form.get("action") or "save")
    _ = gettext_for(request)
    if action == "add_row":
        if len(values["indicators"]) < MAX_INDICATORS:
            values["indicators"].append(_blank_indicator())
        return _report_page(request, db, actor, report, values=values)
    changes, errors = _changes(values, request)
    if action == "submit" and not form.get("confirm"):
        errors.append(("confirm", _("Confirmation: tick the box to confirm the report is complete "
                                    "and final.")))
    if errors:
        return _report_page(request, db, actor, report, values=values, errors=errors, status_code=422)
    version = values["row_version"]

    def save() -> None:
        follow_up.save_report(db, actor=actor, report_id=report_id, changes=changes,
                              expected_row_version=whole_number(version))
        if action == "submit":
            follow_up.submit_report(db, actor=actor, report_id=report_id)

    def invalid(failure: ValidationFailed) -> Response:
        messages = problem_messages(_, failure, _report_labels(request))
        fixed = [(_report_field_id(f), m) for (f, m) in
                 zip([p.field for p in failure.problems], [m for _f, m in messages], strict=True)]
        return _report_page(request, db, actor, report, values=values, errors=fixed, status_code=422)

    done = "submitted" if action == "submit" else "saved"
    return write(db, save, done=f"/state/reports/{report_id}?done={done}", answers={
        ValidationFailed: invalid,
        Conflict: lambda conflict: _report_page(request, db, actor, report, values=values, status_code=409,
                                                errors=[("narrative", _conflict_message(request, conflict))]),
        PermissionDenied: lambda _d: _not_found(request)})


@router.post("/state/reports/{report_id}/request")
def request_from_further_needs(request: Request, form: FormDep, db: SessionDep, actor: StateActor,
                               report_id: int) -> Response:
    """A new draft request stating the report's further needs; the State edits it next."""
    report = _visible_report(request, db, actor, report_id)
    _ = gettext_for(request)

    def invalid(failure: ValidationFailed) -> Response:
        if failure.problems[0].field == "furtherNeeds":
            errors = [("further_needs", _("Further needs: the report states none; write them and "
                                          "save first."))]
        else:
            errors = problem_messages(_, failure, _request_labels(request))
        return _report_page(request, db, actor, report, status_code=422, errors=errors)

    return write(db, lambda: follow_up.request_from_further_needs(
        db, actor=actor, report_id=report_id, idempotency_key=form_token(form)),
                 done=lambda made: f"/state/requests/{made[0].id}/edit",
                 answers={ValidationFailed: invalid, PermissionDenied: lambda _d: _not_found(request)})
