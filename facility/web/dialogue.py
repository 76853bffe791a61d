"""The dialogue platform on pages (facility/dialogue/ holds the rules and the views).

A State's mission posts progress updates on any of its recommendations, as drafts it may still
change, then publishes them (/state/updates, /state/updates/new, /state/updates/{id}), and opens
or closes its public page there. Anyone reads the pages States opened (/states,
/states/{code}); a page not opened says so and lists nothing. A partner reads the reports back
of the States whose engagements it funds (/partner/dialogue).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.dialogue import service as dialogue
from facility.dialogue import views
from facility.dialogue.models import ProgressUpdate, UpdateStatus
from facility.engagements.models import ImplementationStatus
from facility.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from facility.numbers import whole_number
from facility.reference.models import Recommendation
from facility.reference.search import search_recommendations
from facility.web.actions import visible, write
from facility.web.deps import FormDep, PageError, SessionDep, page_router, require_role
from facility.web.formdata import form_token, problem_messages
from facility.web.i18n import gettext_for, language_of
from facility.web.pagination import Pages, page_number
from facility.web.templating import render

router = page_router()
StateActor = Annotated[Actor, Depends(require_role(Role.STATE))]
PartnerActor = Annotated[Actor, Depends(require_role(Role.PARTNER))]
PAGE_SIZE = 20
CHOICES_SHOWN = 20  # the State's recommendations offered on the form, by search


def _not_found(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(404, _("Page not found"), _("There is no such progress update for your account."))


def _conflict(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(409, _("This cannot be done now"),
                     _("This update is published, and final, or it changed since you opened the "
                       "page. Reload the page; post a new update to report a change."))


def _labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {"recommendationId": _("Recommendation"), "implementationStatus": _("Status"),
            "evidence": _("Evidence"), "evidenceLink": _("Link to the evidence"),
            "barriers": _("Barriers met"), "supportWanted": _("Support wanted")}


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


# The State: its updates and its page ----------------------------------------------------------

@router.get("/state/updates")
def my_updates(request: Request, db: SessionDep, actor: StateActor, page: str | None = None,
               done: str | None = None) -> Response:
    number = page_number(page)
    rows, total = dialogue.list_updates(db, actor=actor, state_code=actor.state_code,
                                        limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    consent = dialogue.page_consent(db, actor.state_code)  # type: ignore[arg-type]
    return render(request, "state/updates.html", {
        "rows": views.shown_updates(db, rows), "pages": Pages(number, PAGE_SIZE, total, {}),
        "open": consent is not None and consent.open,
        "consent_version": consent.version if consent else 0, "done": done})


@router.post("/state/page-consent")
def set_page_consent(request: Request, form: FormDep, db: SessionDep, actor: StateActor) -> Response:
    opening = _text(form, "open") == "yes"
    return write(db, lambda: dialogue.set_page_consent(
        db, actor=actor, open=opening, expected_version=whole_number(_text(form, "version"))),
        done=f"/state/updates?done={'opened' if opening else 'closed'}", answers={
            Conflict: lambda _c: PageError(409, gettext_for(request)("This cannot be done now"),
                                           gettext_for(request)(
                                               "Your page changed since you opened this one. "
                                               "Reload the page."))})


def _form(request: Request, db, actor: Actor, *, update: ProgressUpdate | None = None,
          q: str = "", values: dict | None = None, errors=(), done: str | None = None,
          status_code: int = 200) -> Response:
    chosen_id = update.recommendation_id if update else whole_number((values or {}).get("rec"))
    chosen = db.get(Recommendation, chosen_id) if chosen_id else None
    if chosen is not None and chosen.state_code != actor.state_code:
        chosen = None
    choices: list[Recommendation] = []
    if update is None and (chosen is None or q):
        choices, _total = search_recommendations(db, state_code=actor.state_code,
                                                 search=q or None, limit=CHOICES_SHOWN)
    return render(request, "state/update_form.html", {
        "update": update, "chosen": chosen, "choices": choices, "q": q,
        "statuses": list(ImplementationStatus), "errors": list(errors),
        "values": values or {}, "done": done}, status_code=status_code)


@router.get("/state/updates/new")
def new_update_form(request: Request, db: SessionDep, actor: StateActor, q: str = "",
                    rec: str | None = None) -> Response:
    return _form(request, db, actor, q=q.strip()[:200], values={"rec": rec or "",
                                                                "implementationStatus": "",
                                                                "evidence": "", "evidenceLink": "",
                                                                "barriers": "", "supportWanted": ""})


def _read(form: FormData) -> dict[str, str]:
    names = ("rec", "implementationStatus", "evidence", "evidenceLink", "barriers", "supportWanted")
    return {name: _text(form, name) for name in names}


def _invalid(request: Request, db, actor: Actor, values: dict, failure: ValidationFailed,
             update: ProgressUpdate | None = None) -> Response:
    _ = gettext_for(request)
    return _form(request, db, actor, update=update, values=values, status_code=422,
                 errors=problem_messages(_, failure, _labels(request)))


@router.post("/state/updates")
def post_update(request: Request, form: FormDep, db: SessionDep, actor: StateActor) -> Response:
    values = _read(form)
    publish = _text(form, "step") == "publish"
    recommendation_id = whole_number(values["rec"])
    if recommendation_id is None:
        return _invalid(request, db, actor, values, ValidationFailed.single(
            "recommendationId", "required", "recommendationId: choose a recommendation"))
    return write(db, lambda: dialogue.post_update(
        db, actor=actor, publish=publish, idempotency_key=form_token(form),
        fields=dialogue.UpdateFields(
            recommendation_id=recommendation_id, implementation_status=values["implementationStatus"],
            evidence=values["evidence"], evidence_link=values["evidenceLink"] or None,
            barriers=values["barriers"], support_wanted=values["supportWanted"])),
        done=lambda update: f"/state/updates/{update.id}?done={'published' if publish else 'saved'}",
        answers={ValidationFailed: lambda failure: _invalid(request, db, actor, values, failure)})


def _own(request: Request, db, actor: Actor, update_id: int) -> ProgressUpdate:
    update = visible(lambda: dialogue.get_update(db, actor=actor, update_id=update_id),
                     _not_found(request))
    if update.state_code != actor.state_code:
        raise _not_found(request)  # another State's published update: not on these pages
    return update


@router.get("/state/updates/{update_id}")
def update_page(request: Request, db: SessionDep, actor: StateActor, update_id: int,
                done: str | None = None) -> Response:
    update = _own(request, db, actor, update_id)
    if update.status == UpdateStatus.DRAFT:
        return _form(request, db, actor, update=update, values=_values_of(update), done=done)
    [shown] = views.shown_updates(db, [update])
    return render(request, "state/update.html", {"shown": shown, "done": done})


def _values_of(update: ProgressUpdate) -> dict[str, str]:
    return {"rec": str(update.recommendation_id), "implementationStatus": update.implementation_status,
            "evidence": update.evidence, "evidenceLink": update.evidence_link or "",
            "barriers": update.barriers, "supportWanted": update.support_wanted}


@router.post("/state/updates/{update_id}")
def change_update(request: Request, form: FormDep, db: SessionDep, actor: StateActor,
                  update_id: int) -> Response:
    update = _own(request, db, actor, update_id)
    values = _read(form)
    publish = _text(form, "step") == "publish"
    expected = whole_number(_text(form, "version"))

    wanted = {"implementation_status": values["implementationStatus"],
              "evidence": values["evidence"], "evidence_link": values["evidenceLink"] or None,
              "barriers": values["barriers"], "support_wanted": values["supportWanted"]}
    # Only what the form changed is a change (publishing an unchanged draft changes nothing else).
    changes = {name: value for name, value in wanted.items() if getattr(update, name) != value}

    def action() -> ProgressUpdate:
        if changes:
            dialogue.change_update(db, actor=actor, update_id=update_id, changes=changes,
                                   expected_version=expected)
        if not publish:
            return update
        return dialogue.publish_update(db, actor=actor, update_id=update_id,
                                       expected_version=None if changes else expected)

    return write(db, action, done=f"/state/updates/{update_id}?done={'published' if publish else 'saved'}",
                 answers={ValidationFailed: lambda failure: _invalid(
                     request, db, actor, {**values, "rec": str(update.recommendation_id)}, failure,
                     update=_own(request, db, actor, update_id)),
                     (Conflict, PermissionDenied): lambda _c: _conflict(request),
                     NotFound: lambda _n: _not_found(request)})


# Everyone: the pages States opened ----------------------------------------------------------------

@router.get("/states")
def state_pages(request: Request, db: SessionDep) -> Response:
    return render(request, "public/state_pages.html", {
        "pages": views.open_pages(db, language=language_of(request))})


@router.get("/states/{code}")
def state_page(request: Request, db: SessionDep, code: str) -> Response:
    page = views.state_page(db, code, language=language_of(request))
    if page is None:
        _ = gettext_for(request)
        raise PageError(404, _("Page not found"), _("There is no State with this code."))
    return render(request, "public/state_page.html", {"page": page})


# A partner: the reports back ----------------------------------------------------------------------

@router.get("/partner/dialogue")
def reports_back(request: Request, db: SessionDep, actor: PartnerActor) -> Response:
    return render(request, "partner/dialogue.html", {
        "funded": views.reports_back(db, actor=actor, language=language_of(request))})
