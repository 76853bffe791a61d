"""Referrals on pages (facility/referrals/service.py holds the rules).

The secretariat records a referral and follows its answer (/secretariat/referrals,
/secretariat/referrals/new, /secretariat/referrals/{id}); the seated committee reads them all
(/committee/referrals). The State concerned reads its referrals (/state/referrals) and answers
each one once (/state/referrals/{id}): accepting files a draft request pre-filled from the
referral, which it then edits and submits as any request; declining records its reason, private
unless it ticks that the referral, and the reason, may be public.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlmodel import select
from starlette.datastructures import FormData

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.errors import Conflict, FieldProblem, NotFound, PermissionDenied, ValidationFailed
from facility.numbers import whole_number, whole_numbers
from facility.reference.models import Recommendation, State, Theme
from facility.reference.names import in_language
from facility.reference.search import (
    recommendation_themes,
    recommendations_by_id,
    search_recommendations,
)
from facility.referrals import service as referrals
from facility.referrals.models import Referral, ReferralSource, ReferralStatus
from facility.validation import storable
from facility.web.actions import visible, write
from facility.web.deps import FormDep, PageError, SessionDep, page_router, require_role
from facility.web.formdata import form_token, problem_messages, state_choices
from facility.web.i18n import gettext_for, language_of
from facility.web.pagination import Pages, page_number
from facility.web.templating import render

router = page_router()
StaffActor = Annotated[Actor, Depends(require_role(Role.SECRETARIAT))]
MemberActor = Annotated[Actor, Depends(require_role(Role.COMMITTEE))]
StateActor = Annotated[Actor, Depends(require_role(Role.STATE))]
PAGE_SIZE = 20
CHOICES_SHOWN = 20  # recommendations offered when accepting a referral that names none


def _not_found(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(404, _("Page not found"), _("There is no such referral for your account."))


def _conflict(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(409, _("This cannot be done now"),
                     _("This referral was answered already, or it changed since you opened the "
                       "page. Reload the page."))


def _labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {"source": _("Referred by"), "documentSymbol": _("Council document symbol"),
            "stateCode": _("State concerned"), "title": _("Title"), "summary": _("Summary"),
            "recommendationIds": _("Recommendations"), "themes": _("Themes"),
            "reason": _("Reason for declining"),
            "reasonPublic": _("Make the reason public")}


def _messages(request: Request, failure: ValidationFailed) -> list[tuple[str, str]]:
    """The service's problems in the page's words; the rules of referrals worded here."""
    _ = gettext_for(request)
    labels = _labels(request)
    own = {
        "document_symbol": _("%(field)s: give a Human Rights Council document symbol, such as "
                             "A/HRC/RES/55/12."),
        "decline_only": _("%(field)s: only a decline carries a reason."),
        "needs_public": _("%(field)s: the reason can be public only if the referral is."),
        "accept_only": _("%(field)s: only an accepted referral becomes a request."),
    }
    messages = []
    for problem in failure.problems:
        if problem.rule in own:
            label = labels.get(problem.field, problem.field)
            messages.append((problem.field, own[problem.rule] % {"field": label}))
        else:
            messages += problem_messages(_, ValidationFailed([problem]), labels)
    return messages


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _list(request: Request, db, actor: Actor, template: str, page: str | None, *,
          extra: dict | None = None) -> Response:
    number = page_number(page)
    rows, total = referrals.list_referrals(db, actor=actor, limit=PAGE_SIZE,
                                           offset=(number - 1) * PAGE_SIZE)
    return render(request, template, {
        "rows": rows, "states": _state_names(request, db, rows),
        "pages": Pages(number, PAGE_SIZE, total, {}), **(extra or {})})


def _state_names(request: Request, db, rows: list[Referral]) -> dict[str, str]:
    codes = {r.state_code for r in rows}
    states = db.exec(select(State).where(State.code.in_(codes))).all() if codes else []  # type: ignore[attr-defined]
    language = language_of(request)
    return {s.code: in_language(s.names, language, s.name) for s in states}


def _referral(request: Request, db, actor: Actor, referral_id: int) -> Referral:
    return visible(lambda: referrals.get_referral(db, actor=actor, referral_id=referral_id),
                   _not_found(request))


# The secretariat: record and follow ------------------------------------------------------------

@router.get("/secretariat/referrals")
def staff_referrals(request: Request, db: SessionDep, actor: StaffActor,
                    page: str | None = None, done: str | None = None) -> Response:
    return _list(request, db, actor, "secretariat/referrals.html", page, extra={"done": done})


def _referral_form(request: Request, db, *, values: dict | None = None, errors=(),
                   status_code: int = 200) -> Response:
    states = state_choices(db, language_of(request))
    return render(request, "secretariat/referral_form.html", {
        "values": values or {"source": "", "documentSymbol": "", "stateCode": "", "title": "",
                             "summary": "", "recommendations": ""},
        "sources": list(ReferralSource), "states": states, "errors": list(errors)},
        status_code=status_code)


@router.get("/secretariat/referrals/new")
def new_referral_form(request: Request, db: SessionDep, actor: StaffActor) -> Response:
    return _referral_form(request, db)


def _recommendation_ids(db, written: str) -> tuple[list[int], list[str]]:
    """The recommendations named by their identifiers (one a line or separated by spaces or
    commas), and the identifiers that name none."""
    wanted = list(dict.fromkeys(w for w in written.replace(",", " ").split() if w))
    found = dict(db.exec(select(Recommendation.source_id, Recommendation.id).where(
        Recommendation.source_id.in_(storable(wanted)))).all()) if wanted else {}  # type: ignore[attr-defined]
    return [found[w] for w in wanted if w in found], [w for w in wanted if w not in found]


@router.post("/secretariat/referrals")
def record_referral(request: Request, form: FormDep, db: SessionDep, actor: StaffActor) -> Response:
    names = ("source", "documentSymbol", "stateCode", "title", "summary", "recommendations")
    values = {name: _text(form, name) for name in names}
    ids, unknown = _recommendation_ids(db, values["recommendations"])
    _ = gettext_for(request)

    def invalid(failure: ValidationFailed) -> Response:
        return _referral_form(request, db, values=values, status_code=422,
                              errors=_messages(request, failure))

    if unknown:
        return invalid(ValidationFailed([FieldProblem(
            "recommendationIds", "exists", "recommendationIds: " + ", ".join(unknown))]))
    return write(db, lambda: referrals.refer_situation(
        db, actor=actor, idempotency_key=form_token(form), fields=referrals.ReferralFields(
            source=values["source"], document_symbol=values["documentSymbol"],
            state_code=values["stateCode"], title=values["title"], summary=values["summary"],
            recommendation_ids=ids)),
        done=lambda referral: f"/secretariat/referrals/{referral.id}?done=recorded",
        answers={ValidationFailed: invalid})


@router.get("/secretariat/referrals/{referral_id}")
def staff_referral(request: Request, db: SessionDep, actor: StaffActor, referral_id: int,
                   done: str | None = None) -> Response:
    referral = _referral(request, db, actor, referral_id)
    return render(request, "secretariat/referral.html", {
        **_details(request, db, actor, referral), "done": done})


def _details(request: Request, db, actor: Actor, referral: Referral) -> dict[str, Any]:
    return {"referral": referral,
            "state_name": _state_names(request, db, [referral])[referral.state_code],
            "recommendations": recommendations_by_id(db, list(referral.recommendation_ids)),
            "draft": referrals.request_of(db, actor=actor, referral=referral)}


# The committee: read --------------------------------------------------------------------------

@router.get("/committee/referrals")
def committee_referrals(request: Request, db: SessionDep, actor: MemberActor,
                        page: str | None = None) -> Response:
    return _list(request, db, actor, "committee/referrals.html", page)


# The State: accept or decline ------------------------------------------------------------------

@router.get("/state/referrals")
def state_referrals(request: Request, db: SessionDep, actor: StateActor,
                    page: str | None = None) -> Response:
    number = page_number(page)
    rows, total = referrals.list_referrals(db, actor=actor, state_code=actor.state_code,
                                           limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    return render(request, "state/referrals.html", {
        "rows": rows, "pages": Pages(number, PAGE_SIZE, total, {})})


def _own_referral(request: Request, db, actor: Actor, referral_id: int) -> Referral:
    referral = _referral(request, db, actor, referral_id)
    if referral.state_code != actor.state_code:
        raise _not_found(request)  # another State's public referral: not on these pages
    return referral


def _state_referral(request: Request, db, actor: Actor, referral: Referral, *, q: str = "",
                    errors=(), values: dict | None = None, done: str | None = None,
                    status_code: int = 200) -> Response:
    choices: list[Recommendation] = []
    if referral.status == ReferralStatus.PENDING and not referral.recommendation_ids:
        choices, _total = search_recommendations(db, state_code=actor.state_code,
                                                 search=q or None, limit=CHOICES_SHOWN)
    return render(request, "state/referral.html", {
        **_details(request, db, actor, referral), "q": q, "choices": choices,
        "errors": list(errors), "values": values or {}, "done": done,
        # Themes come from the recommendations; asked for only where those carry none.
        "all_themes": [t.name for t in db.exec(select(Theme).order_by(Theme.name))]
        if _needs_themes(db, referral, errors) else [],
        "answerable": referral.status == ReferralStatus.PENDING}, status_code=status_code)


def _needs_themes(db, referral: Referral, errors) -> bool:
    if any(field == "themes" for field, _message in errors):
        return True
    ids = list(referral.recommendation_ids)
    return bool(ids) and not any(recommendation_themes(db, ids).values())


@router.get("/state/referrals/{referral_id}")
def state_referral(request: Request, db: SessionDep, actor: StateActor, referral_id: int,
                   q: str = "", done: str | None = None) -> Response:
    referral = _own_referral(request, db, actor, referral_id)
    return _state_referral(request, db, actor, referral, q=q.strip()[:200], done=done)


def _answer(request: Request, form: FormData, db, actor: Actor, referral_id: int,
            accept: bool) -> Response:
    _own_referral(request, db, actor, referral_id)
    chosen = whole_numbers([v for v in form.getlist("recommendationIds") if isinstance(v, str)],
                           max_digits=11)
    answer = referrals.Answer(accept=accept, reason=_text(form, "reason"),
                              public=_text(form, "public") == "yes",
                              reason_public=_text(form, "reason_public") == "yes",
                              recommendation_ids=chosen or None,
                              themes=[t for t in form.getlist("themes") if isinstance(t, str)] or None)
    step = "accepted" if accept else "declined"
    return write(db, lambda: referrals.respond_to_referral(
        db, actor=actor, referral_id=referral_id, answer=answer,
        expected_version=whole_number(_text(form, "version"))),
        done=f"/state/referrals/{referral_id}?done={step}", answers={
            ValidationFailed: lambda failure: _state_referral(
                request, db, actor, _own_referral(request, db, actor, referral_id),
                status_code=422, errors=_messages(request, failure),
                values={"reason": answer.reason, "public": answer.public,
                        "reason_public": answer.reason_public, "themes": answer.themes or []}),
            (Conflict, PermissionDenied): lambda _c: _conflict(request),
            NotFound: lambda _n: _not_found(request)})


@router.post("/state/referrals/{referral_id}/accept")
def accept_referral(request: Request, form: FormDep, db: SessionDep, actor: StateActor,
                    referral_id: int) -> Response:
    return _answer(request, form, db, actor, referral_id, accept=True)


@router.post("/state/referrals/{referral_id}/decline")
def decline_referral(request: Request, form: FormDep, db: SessionDep, actor: StateActor,
                     referral_id: int) -> Response:
    return _answer(request, form, db, actor, referral_id, accept=False)
