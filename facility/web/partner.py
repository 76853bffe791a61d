"""A partner's pages: screened requests to browse, its offers, its experts, the proposals
that use its offers or experts, to confirm or decline, and the engagements its offers fund
(progress, the team's answers, replacing an expert who declined).

Every route calls the services with the signed-in Actor; the services decide what is visible
(drafts never are) and what the partner may change.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import Response
from sqlmodel import select

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.engagements import checklist, deployments, duty_of_care, lifecycle, replacements
from facility.engagements import reports as follow_up
from facility.engagements import service as engagements
from facility.engagements.models import (
    CareItem,
    DeploymentAnswerChoice,
    Engagement,
    EngagementStatus,
    ReportStatus,
)
from facility.errors import Conflict, NotFound, PermissionDenied, StaleVersion, ValidationFailed
from facility.experts import readiness
from facility.experts import service as experts
from facility.experts.models import Seniority
from facility.numbers import whole_number
from facility.offers import service as offers
from facility.offers.models import Offer, OfferKind, OfferStatus
from facility.reference.models import GROUP_CODES, RegionalGroup, SdgGoal, State, Theme
from facility.reference.search import recommendations_by_id, sdg_goals_by_recommendation
from facility.requests import service as requests
from facility.requests.models import RequestStatus
from facility.timeutil import today
from facility.web import engagement_steps
from facility.web.actions import visible, write
from facility.web.deps import FormDep, PageError, SessionDep, page_router, require_role
from facility.web.formdata import FormReader, form_token, problem_messages, state_choices
from facility.web.i18n import gettext_for, language_of
from facility.web.pagination import Pages, page_number
from facility.web.templating import render
from governance import demand, offer_fit, proposals
from governance.coordination import support_map
from governance.models import ProposalStatus
from governance.names import Names, expert_names
from governance.screening import latest_screening

router = page_router()
PartnerActor = Annotated[Actor, Depends(require_role(Role.PARTNER))]

PAGE_SIZE = 20
BLANK_WINDOWS = 2  # empty availability rows offered below the existing ones (no JavaScript)
UN_LANGUAGES = ("ar", "zh", "en", "fr", "ru", "es")
# What a partner browses: requests the committee has screened (or is screening) and that still
# look for support; the service's visibility rule already leaves drafts out.
BROWSABLE = (RequestStatus.SUBMITTED, RequestStatus.ELIGIBLE, RequestStatus.PROPOSED)


def _not_found(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(404, _("Page not found"),
                     _("There is no such page for your account. It may have been removed, or "
                       "belong to another organisation."))


def _conflict(request: Request, message: str) -> PageError:
    _ = gettext_for(request)
    return PageError(409, _("This cannot be done now"), message)


def _digits(raw: str | None, limit: int = 15) -> int | None:
    return whole_number(raw, max_digits=limit)


# Requests to browse ---------------------------------------------------------------------------

def _goal_title(goal: SdgGoal, language: str) -> str:
    return goal.short_titles.get(language) or goal.short_titles.get("en", "")


@router.get("/partner/requests")
def browse_requests(request: Request, db: SessionDep, actor: PartnerActor, theme: str | None = None,
                    group: str | None = None, sdg: str | None = None, budget_min: str | None = None,
                    budget_max: str | None = None, page: str | None = None) -> Response:
    """Submitted and screened requests, filtered by theme, regional group, SDG and budget."""
    themes = list(db.exec(select(Theme).order_by(Theme.name)))
    groups = list(db.exec(select(RegionalGroup).order_by(RegionalGroup.code)))
    goals = list(db.exec(select(SdgGoal).order_by(SdgGoal.number)))
    theme_id = _digits(theme)
    theme_id = theme_id if any(t.id == theme_id for t in themes) else None
    group_code = group if group in GROUP_CODES else None
    goal = _digits(sdg)
    goal = goal if any(g.number == goal for g in goals) else None
    low, high = _digits(budget_min), _digits(budget_max)
    selected = {"theme": theme_id, "group": group_code, "sdg": goal, "budget_min": low, "budget_max": high}
    query = {k: str(v) for k, v in selected.items() if v is not None}
    number = page_number(page)
    rows, total = requests.list_requests(
        db, actor=actor, statuses=BROWSABLE, theme_id=theme_id, group_code=group_code,
        sdg_goal=goal, budget_min=low, budget_max=high, limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE)
    ids = [r.id for r in rows]
    language = language_of(request)
    return render(request, "partner/requests.html", {
        "rows": rows, "themes": themes, "groups": groups, "selected": selected,
        "goals": [(g.number, _goal_title(g, language)) for g in goals],
        "themes_of": requests.themes_by_request(db, ids) if ids else {},  # type: ignore[arg-type]
        "states": {s.code: s.name for s in db.exec(select(State))},
        "pages": Pages(number, PAGE_SIZE, total, query),
    })


@router.get("/partner/requests/{request_id}")
def request_page(request: Request, db: SessionDep, actor: PartnerActor, request_id: int) -> Response:
    """What a donor needs to decide on one request: the request and its recommendations, who
    already supports them, and which of the partner's own offers the optimiser's rules allow."""
    # A draft, or no such request: the same page.
    found = visible(lambda: requests.get_request(db, actor=actor, request_id=request_id),
                    _not_found(request))
    assert found.id is not None
    state = db.get(State, found.state_code)
    ids = requests.recommendation_ids_by_request(db, [found.id]).get(found.id, [])
    linked = recommendations_by_id(db, ids)
    goals = sdg_goals_by_recommendation(db, ids)
    wanted = set(ids)
    # Donor coordination: the supports of this State that touch this request's recommendations.
    supported = [row for row in support_map(db, actor=actor, state_code=found.state_code).recommendations
                 if row.recommendation.id in wanted]
    language = language_of(request)
    return render(request, "partner/request.html", {
        "item": found, "state": state, "recommendations": linked,
        "themes": requests.themes_by_request(db, [found.id]).get(found.id, []),
        "goals_of": {rid: [(g.number, _goal_title(g, language)) for g in linked_goals]
                     for rid, linked_goals in goals.items()},
        "goals": sorted({(g.number, _goal_title(g, language))
                         for linked_goals in goals.values() for g in linked_goals}),
        # None for a partner today: permissions.can_view_screening decides, not this page.
        "screening": latest_screening(db, actor=actor, request=found),
        "supported": supported, "fits": offer_fit.own_offer_fits(db, actor=actor, request=found),
        "run_currency": offer_fit.RUN_CURRENCY,
    })


# Offers -------------------------------------------------------------------------------------

def _offer_labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {"title": _("Title"), "kind": _("Kind of support"), "themes": _("Themes"),
            "languages": _("Languages"), "budget": _("Budget"), "currency": _("Currency"),
            "language": _("Language of the text"),
            "maxRequests": _("Requests it can support"), "windowStart": _("Available from"),
            "windowEnd": _("Available until"), "eligibleGroups": _("Open to the regional groups"),
            "eligibleStates": _("Open to the States"), "description": _("Description"),
            "conditions": _("Conditions")}


@router.get("/partner/offers")
def my_offers(request: Request, db: SessionDep, actor: PartnerActor, page: str | None = None,
              done: str | None = None) -> Response:
    number = page_number(page)
    rows, total = offers.list_offers(db, actor=actor, partner_id=actor.partner_id, limit=PAGE_SIZE,
                                     offset=(number - 1) * PAGE_SIZE)
    ids = [o.id for o in rows]
    _ = gettext_for(request)
    notice = {"saved": _("The offer is saved."), "published": _("The offer is published."),
              "closed": _("The offer is closed.")}.get(done or "")
    return render(request, "partner/offers.html", {
        "rows": rows, "used": proposals.capacity_used(db, ids),  # type: ignore[arg-type]
        "themes_of": offers.themes_by_offer(db, ids) if ids else {},  # type: ignore[arg-type]
        "pages": Pages(number, PAGE_SIZE, total, {}), "notice": notice, "DRAFT": OfferStatus.DRAFT,
        "CLOSED": OfferStatus.CLOSED,
    })


def _offer_form(request: Request, db, *, values: dict[str, Any], errors: list[tuple[str, str]],
                action: str, editing: Offer | None, status_code: int = 200) -> Response:
    return render(request, "partner/offer_form.html", {
        "values": values, "errors": errors, "action": action, "editing": editing,
        "all_themes": [t.name for t in db.exec(select(Theme).order_by(Theme.name))],
        "kinds": list(OfferKind), "groups": list(GROUP_CODES), "un_languages": UN_LANGUAGES,
    }, status_code=status_code)


@router.get("/partner/offers/new")
def new_offer_form(request: Request, db: SessionDep, actor: PartnerActor) -> Response:
    values = {"title": "", "kind": "", "themes": [], "languages": ["en"], "other_languages": "",
              "budget": "", "currency": "USD", "maxRequests": "1", "windowStart": "", "windowEnd": "",
              "eligibleGroups": [], "eligibleStates": "", "description": "", "conditions": "",
              "version": ""}
    return _offer_form(request, db, values=values, errors=[], action="/partner/offers", editing=None)


def _read_offer(request: Request, form) -> tuple[dict[str, Any], offers.OfferFields | None,
                                                  list[tuple[str, str]]]:
    reader = FormReader(form, gettext_for(request), _offer_labels(request))
    values: dict[str, Any] = {name: reader.text(name) for name in (
        "title", "kind", "budget", "currency", "maxRequests", "windowStart", "windowEnd",
        "eligibleStates", "description", "conditions", "version", "other_languages", "language")}
    values["language"] = values["language"] or language_of(request)
    values.update(themes=reader.values("themes"), languages=reader.values("languages"),
                  eligibleGroups=reader.values("eligibleGroups"))
    start, end = reader.day("windowStart"), reader.day("windowEnd")
    budget, slots = reader.integer("budget"), reader.integer("maxRequests")
    if reader.errors:
        return values, None, reader.errors
    typed = [c.strip() for c in values["other_languages"].split(",") if c.strip()]
    states = [c.strip() for c in values["eligibleStates"].split(",") if c.strip()]
    fields = offers.OfferFields(
        title=values["title"], kind=values["kind"], themes=values["themes"],
        languages=values["languages"] + typed, budget=budget, currency=values["currency"].strip(),  # type: ignore[arg-type]
        max_requests=slots, window_start=start, window_end=end,  # type: ignore[arg-type]
        eligible_groups=values["eligibleGroups"] or None, eligible_states=states or None,
        description=values["description"], conditions=values["conditions"],
        language=values["language"])
    return values, fields, []


@router.post("/partner/offers")
def create_offer(request: Request, form: FormDep, db: SessionDep, actor: PartnerActor) -> Response:
    values, fields, errors = _read_offer(request, form)

    def again(errors: list[tuple[str, str]]) -> Response:
        return _offer_form(request, db, values=values, errors=errors, action="/partner/offers",
                           editing=None, status_code=422)

    if fields is None:
        return again(errors)
    return write(db, lambda: offers.create_offer(db, actor=actor, fields=fields,
                                                 idempotency_key=form_token(form)),
                 done="/partner/offers?done=saved", answers={ValidationFailed: lambda failure: again(
                     problem_messages(gettext_for(request), failure, _offer_labels(request)))})


def _own_offer(request: Request, db, actor: Actor, offer_id: int) -> Offer:
    offer = visible(lambda: offers.get_offer(db, actor=actor, offer_id=offer_id), _not_found(request))
    if offer.partner_id != actor.partner_id:
        raise _not_found(request)  # another partner's published offer: not one of "my offers"
    return offer


@router.get("/partner/offers/{offer_id}/edit")
def edit_offer_form(request: Request, db: SessionDep, actor: PartnerActor, offer_id: int) -> Response:
    offer = _own_offer(request, db, actor, offer_id)
    languages = list(offer.languages)
    values = {
        "title": offer.title, "kind": offer.kind.value if hasattr(offer.kind, "value") else offer.kind,
        "themes": offers.themes_by_offer(db, [offer_id]).get(offer_id, []),
        "languages": [c for c in languages if c in UN_LANGUAGES],
        "other_languages": ", ".join(c for c in languages if c not in UN_LANGUAGES),
        "budget": str(offer.budget), "currency": offer.currency, "maxRequests": str(offer.max_requests),
        "windowStart": offer.window_start.isoformat(), "windowEnd": offer.window_end.isoformat(),
        "eligibleGroups": offer.eligible_groups or [],
        "eligibleStates": ", ".join(offer.eligible_states or []),
        "description": offer.description, "conditions": offer.conditions, "version": str(offer.version),
        "language": offer.language,
    }
    return _offer_form(request, db, values=values, errors=[], action=f"/partner/offers/{offer_id}/edit",
                       editing=offer)


@router.post("/partner/offers/{offer_id}/edit")
def update_offer(request: Request, form: FormDep, db: SessionDep,
                 actor: PartnerActor, offer_id: int) -> Response:
    offer = _own_offer(request, db, actor, offer_id)
    values, fields, errors = _read_offer(request, form)
    _ = gettext_for(request)

    def again(errors: list[tuple[str, str]]) -> Response:
        return _offer_form(request, db, values=values, errors=errors,
                           action=f"/partner/offers/{offer_id}/edit", editing=offer, status_code=422)

    def conflicting(conflict: Conflict) -> Response:
        if isinstance(conflict, StaleVersion):
            return again([("title", _("Someone changed this offer in the meantime. Reload the page "
                                      "to see their version, then make your change again."))])
        return again([("title", _("A closed offer can no longer be edited."))])

    if fields is None:
        return again(errors)
    version = values["version"]
    changes = {k: getattr(fields, k) for k in (
        "title", "kind", "themes", "languages", "budget", "currency", "max_requests",
        "window_start", "window_end", "eligible_groups", "eligible_states", "description",
        "conditions", "language")}
    return write(db, lambda: offers.update_offer(
        db, actor=actor, offer_id=offer_id, changes=changes,
        expected_version=whole_number(version)),
        done="/partner/offers?done=saved", answers={
            ValidationFailed: lambda failure: again(problem_messages(_, failure, _offer_labels(request))),
            Conflict: conflicting})


@router.post("/partner/offers/{offer_id}/publish")
def publish_offer(request: Request, db: SessionDep, actor: PartnerActor, offer_id: int) -> Response:
    _own_offer(request, db, actor, offer_id)
    _ = gettext_for(request)
    return write(db, lambda: offers.publish_offer(db, actor=actor, offer_id=offer_id),
                 done="/partner/offers?done=published", answers={
                     Conflict: lambda _c: _conflict(request, _("Only a draft offer can be published."))})


@router.post("/partner/offers/{offer_id}/close")
def close_offer(request: Request, db: SessionDep, actor: PartnerActor, offer_id: int) -> Response:
    _own_offer(request, db, actor, offer_id)
    _ = gettext_for(request)
    return write(db, lambda: offers.close_offer(db, actor=actor, offer_id=offer_id),
                 done="/partner/offers?done=closed", answers={
                     Conflict: lambda _c: _conflict(request, _("This offer is already closed."))})


# Experts ------------------------------------------------------------------------------------

def _expert_labels(request: Request) -> dict[str, str]:
    _ = gettext_for(request)
    return {"name": _("Full name"), "email": _("E-mail address"), "phone": _("Telephone"),
            "cv": _("Curriculum vitae"), "nationality": _("Nationality"), "themes": _("Themes"),
            "languages": _("Languages"), "seniority": _("Seniority"),
            "maxAssignments": _("Assignments at the same time"),
            "conflictStates": _("States the expert must not work for"),
            "availability": _("Availability"), "availability.start": _("Available from"),
            "availability.end": _("Available until"), "consentGiven": _("Consent")}


@router.get("/partner/experts")
def my_experts(request: Request, db: SessionDep, actor: PartnerActor, page: str | None = None,
               done: str | None = None) -> Response:
    number = page_number(page)
    rows, total = experts.list_experts(db, actor=actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    ids = [e.id for e in rows]
    _ = gettext_for(request)
    ready = readiness.of_partner(db, actor.partner_id, today())  # type: ignore[arg-type]
    return render(request, "partner/experts.html", {
        "readiness_of": ready, "deployable": readiness.deployable_counts(list(ready.values())),
        "rows": rows, "themes_of": experts.themes_by_expert(db, ids) if ids else {},  # type: ignore[arg-type]
        "windows_of": experts.availability_by_expert(db, ids) if ids else {},  # type: ignore[arg-type]
        "pages": Pages(number, PAGE_SIZE, total, {}),
        "notice": _("The expert's profile is saved.") if done == "saved" else None,
    })


def _expert_form(request: Request, db, *, values: dict[str, Any], errors: list[tuple[str, str]],
                 action: str, editing, status_code: int = 200) -> Response:
    return render(request, "partner/expert_form.html", {
        "values": values, "errors": errors, "action": action, "editing": editing,
        "all_themes": [t.name for t in db.exec(select(Theme).order_by(Theme.name))],
        # the States by their names in the reader's language, in that language's order
        "states": state_choices(db, language_of(request), members_only=False),
        "seniorities": list(Seniority), "un_languages": UN_LANGUAGES,
    }, status_code=status_code)


def _blank_windows(windows: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return windows + [("", "")] * BLANK_WINDOWS


@router.get("/partner/experts/new")
def new_expert_form(request: Request, db: SessionDep, actor: PartnerActor) -> Response:
    values = {"name": "", "email": "", "phone": "", "cv": "", "nationality": "", "themes": [],
              "languages": ["en"], "other_languages": "", "seniority": Seniority.SENIOR.value,
              "maxAssignments": "1", "conflictStates": "", "windows": _blank_windows([]),
              "version": "", "consent": False}
    return _expert_form(request, db, values=values, errors=[], action="/partner/experts", editing=None)


def _read_expert(request: Request, form) -> tuple[dict[str, Any], experts.ExpertFields | None,
                                                   list[tuple[str, str]]]:
    _ = gettext_for(request)
    reader = FormReader(form, _, _expert_labels(request))
    values: dict[str, Any] = {name: reader.text(name) for name in (
        "name", "email", "phone", "cv", "nationality", "seniority", "maxAssignments",
        "conflictStates", "version", "other_languages")}
    values.update(themes=reader.values("themes"), languages=reader.values("languages"),
                  consent=bool(form.get("consentGiven")))
    raw_windows = list(zip(form.getlist("window_start"), form.getlist("window_end"), strict=False))
    windows: list[tuple[date, date]] = []
    kept: list[tuple[str, str]] = []
    for i, (start, end) in enumerate(raw_windows):
        start, end = str(start).strip(), str(end).strip()
        if not start and not end:
            continue
        kept.append((start, end))
        try:
            windows.append((date.fromisoformat(start), date.fromisoformat(end)))
        except ValueError:
            reader.errors.append(("availability", _("Availability: enter both dates of window %(n)s "
                                                    "as year-month-day.") % {"n": i + 1}))
    values["windows"] = _blank_windows(kept)
    slots = reader.integer("maxAssignments")
    if reader.errors:
        return values, None, reader.errors
    typed = [c.strip() for c in values["other_languages"].split(",") if c.strip()]
    fields = experts.ExpertFields(
        name=values["name"], email=values["email"], phone=values["phone"], cv=values["cv"],
        nationality=values["nationality"], themes=values["themes"],
        languages=values["languages"] + typed, availability=windows,
        seniority=values["seniority"], max_assignments=slots,  # type: ignore[arg-type]
        conflict_states=[c.strip() for c in values["conflictStates"].split(",") if c.strip()])
    return values, fields, []


def _expert_errors(request: Request, failure: ValidationFailed) -> list[tuple[str, str]]:
    # Window problems name `availability.start`/`.end`; the form's rows share one error anchor.
    messages = problem_messages(gettext_for(request), failure, _expert_labels(request))
    return [("availability" if f.startswith("availability") else f, m) for f, m in messages]


@router.post("/partner/experts")
def nominate_expert(request: Request, form: FormDep, db: SessionDep, actor: PartnerActor) -> Response:
    values, fields, errors = _read_expert(request, form)

    def again(errors: list[tuple[str, str]]) -> Response:
        return _expert_form(request, db, values=values, errors=errors, action="/partner/experts",
                            editing=None, status_code=422)

    if fields is None:
        return again(errors)
    return write(db, lambda: experts.nominate_expert(db, actor=actor, fields=fields,
                                                     consent_given=values["consent"],
                                                     idempotency_key=form_token(form)),
                 done="/partner/experts?done=saved",
                 answers={ValidationFailed: lambda failure: again(_expert_errors(request, failure))})


def _own_expert(request: Request, db, actor: Actor, expert_id: int):
    expert = visible(lambda: experts.get_expert(db, actor=actor, expert_id=expert_id),
                     _not_found(request))
    if expert.partner_id != actor.partner_id:
        raise _not_found(request)  # another partner's nominee: not one of "my experts"
    return expert


@router.get("/partner/experts/{expert_id}/edit")
def edit_expert_form(request: Request, db: SessionDep, actor: PartnerActor, expert_id: int) -> Response:
    expert = _own_expert(request, db, actor, expert_id)
    languages = list(expert.languages)
    values = {
        "name": expert.name, "email": expert.email, "phone": expert.phone, "cv": expert.cv,
        "nationality": expert.nationality,
        "themes": experts.themes_by_expert(db, [expert_id]).get(expert_id, []),
        "languages": [c for c in languages if c in UN_LANGUAGES],
        "other_languages": ", ".join(c for c in languages if c not in UN_LANGUAGES),
        "seniority": str(expert.seniority), "maxAssignments": str(expert.max_assignments),
        "conflictStates": ", ".join(expert.conflict_states), "version": str(expert.version),
        "windows": _blank_windows([(s.isoformat(), e.isoformat()) for s, e in
                                   experts.availability_by_expert(db, [expert_id]).get(expert_id, [])]),
        "consent": True,
    }
    return _expert_form(request, db, values=values, errors=[],
                        action=f"/partner/experts/{expert_id}/edit", editing=expert)


@router.post("/partner/experts/{expert_id}/edit")
def update_expert(request: Request, form: FormDep, db: SessionDep,
                  actor: PartnerActor, expert_id: int) -> Response:
    expert = _own_expert(request, db, actor, expert_id)
    values, fields, errors = _read_expert(request, form)
    _ = gettext_for(request)

    def again(errors: list[tuple[str, str]]) -> Response:
        values["consent"] = True
        return _expert_form(request, db, values=values, errors=errors,
                            action=f"/partner/experts/{expert_id}/edit", editing=expert, status_code=422)

    if fields is None:
        return again(errors)
    version = values["version"]
    changes = {k: getattr(fields, k) for k in (
        "name", "email", "phone", "cv", "nationality", "themes", "languages", "availability",
        "seniority", "max_assignments", "conflict_states")}
    return write(db, lambda: experts.update_expert(
        db, actor=actor, expert_id=expert_id, changes=changes,
        expected_version=whole_number(version)),
        done="/partner/experts?done=saved", answers={
            ValidationFailed: lambda failure: again(_expert_errors(request, failure)),
            Conflict: lambda _c: again([("name", _(
                "Someone changed this profile in the meantime. Reload the page to see their "
                "version, then make your change again."))])})


# Proposals ----------------------------------------------------------------------------------

def _proposals_page(request: Request, db, actor: Actor, *, page: str | None = None,
                    errors: list[tuple[str, str]] | None = None, notice: str | None = None,
                    status_code: int = 200) -> Response:
    number = page_number(page)
    rows, total = proposals.list_proposals(db, actor=actor, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    titles = requests.titles_by_id(db, actor=actor, request_ids=[p.request_id for p in rows])
    offer_rows = offers.offers_by_id(db, actor=actor, offer_ids=[p.offer_id for p in rows])
    return render(request, "partner/proposals.html", {
        "rows": rows, "titles": titles, "offers": offer_rows, "errors": errors or [],
        "names": Names(offers={pk: o.title for pk, o in offer_rows.items()},
                       experts=expert_names(db, actor, [e for p in rows for e in p.expert_ids])),
        "notice": notice, "pages": Pages(number, PAGE_SIZE, total, {}),
        "APPROVED": ProposalStatus.APPROVED, "partner_id": actor.partner_id,
    }, status_code=status_code)


@router.get("/partner/proposals")
def my_proposals(request: Request, db: SessionDep, actor: PartnerActor, page: str | None = None,
                 done: str | None = None) -> Response:
    _ = gettext_for(request)
    notice = {"confirmed": _("You confirmed the proposal."),
              "declined": _("You declined the proposal.")}.get(done or "")
    return _proposals_page(request, db, actor, page=page, notice=notice)


def _visible_proposal(request: Request, db, actor: Actor, proposal_id: int) -> None:
    visible(lambda: proposals.get_proposal(db, actor=actor, proposal_id=proposal_id), _not_found(request))


@router.post("/partner/proposals/{proposal_id}/confirm")
def confirm_proposal(request: Request, db: SessionDep, actor: PartnerActor, proposal_id: int) -> Response:
    _visible_proposal(request, db, actor, proposal_id)
    _ = gettext_for(request)
    return write(db, lambda: proposals.confirm_proposal(db, actor=actor, proposal_id=proposal_id),
                 done="/partner/proposals?done=confirmed", answers={
                     (Conflict, PermissionDenied): lambda _c: _conflict(request, _(
                         "This proposal cannot be confirmed by you now: it is not awaiting the "
                         "confirmation of the partner whose offer it uses."))})


@router.post("/partner/proposals/{proposal_id}/decline")
def decline_proposal(request: Request, form: FormDep, db: SessionDep, actor: PartnerActor,
                     proposal_id: int) -> Response:
    _visible_proposal(request, db, actor, proposal_id)
    reason = form.get("reason")
    _ = gettext_for(request)
    return write(db, lambda: proposals.decline_proposal(
        db, actor=actor, proposal_id=proposal_id, reason=reason if isinstance(reason, str) else ""),
        done="/partner/proposals?done=declined", answers={
            ValidationFailed: lambda _f: _proposals_page(request, db, actor, status_code=422, errors=[
                (f"decline-reason-{proposal_id}", _("Reason: say why you decline the proposal."))]),
            (Conflict, PermissionDenied): lambda _c: _conflict(request, _(
                "This proposal cannot be declined by you now: it is not awaiting the confirmation "
                "of the partner whose offer it uses."))})


@router.get("/partner/unmet-demand")
def unmet_demand_page(request: Request, db: SessionDep, actor: PartnerActor) -> Response:
    """What the last optimiser run left unmatched, why, and which additions would match more."""
    try:
        analysis = demand.unmet_demand(db, actor=actor)
    except NotFound:
        analysis = None
    return render(request, "partner/unmet_demand.html", {"demand": analysis})


# Engagements --------------------------------------------------------------------------------

def _engagements_page(request: Request, db, actor: Actor, *, page: str | None = None,
                      notice: str | None = None, errors: list[tuple[str, str]] | None = None,
                      values: dict[str, Any] | None = None, status_code: int = 200) -> Response:
    """The engagements the partner's offers fund, with their teams' answers and follow-up
    reports: a fixed number of statements whatever the numbers of engagements, experts and
    reports (each part read for the whole page at once)."""
    number = page_number(page)
    rows, total = engagements.list_engagements(db, actor=actor, limit=PAGE_SIZE,
                                               offset=(number - 1) * PAGE_SIZE)
    ids = [e.id for e in rows]
    request_rows = requests.requests_by_id(db, actor=actor, request_ids=[e.request_id for e in rows])
    codes = {r.state_code for r in request_rows.values()}
    states = {s.code: s.name for s in db.exec(select(State).where(State.code.in_(codes)))} if codes else {}  # type: ignore[attr-defined]
    team = {m.expert_id: m.expert for e in rows for m in e.team}  # loaded with the page
    answered = {eid: {a.expert_id: a for a in found}
                for eid, found in deployments.answers_by_engagement(db, ids).items()}  # type: ignore[arg-type]
    roster = replacements.own_roster(db, actor=actor)
    schedule = replacements.schedule_of(db, [x.id for x in roster])  # type: ignore[misc]
    on = today()
    reports = follow_up.reports_by_engagement(db, actor=actor, engagement_ids=ids)  # type: ignore[arg-type]
    care_done = checklist.done_by_engagement(db, ids)  # type: ignore[arg-type]
    care_missing = {e.id: [i.value for i in checklist.missing(care_done.get(e.id, []))] for e in rows}
    return render(request, "partner/engagements.html", {
        "rows": rows, "requests": request_rows, "states": states, "experts": team,
        "offers": offers.offers_by_id(db, actor=actor, offer_ids=[e.offer_id for e in rows]),
        "named": {i: permissions.can_view_expert_personal(actor, e) for i, e in team.items()},
        "answers": answered,
        # The offers are loaded above: these checks read them from the session, not the database.
        "reasons_shown": {e.id: permissions.can_view_decline_reasons(db, actor, e) for e in rows},
        "reports": reports,
        "report_status": {r.id: lifecycle.report_status(r, on) for found in reports.values() for r in found},
        "next_status": {e.id: lifecycle.NEXT_STATUS.get(e.status) for e in rows},
        # What stops the next step today (its dates, the team's answers): the page says it
        # instead of offering the step.
        "blocked": {e.id: lifecycle.step_blockers(e, lifecycle.NEXT_STATUS[e.status],
                                                  list(answered.get(e.id, {}).values()), on,
                                                  care_missing=care_missing[e.id])
                    for e in rows if e.status in lifecycle.NEXT_STATUS},
        "BEFORE_START": lifecycle.BEFORE_START, "BEFORE_END": lifecycle.BEFORE_END,
        "DUTY_OF_CARE": lifecycle.DUTY_OF_CARE, "care_items": list(CareItem),
        "care_missing": care_missing, "SCHEDULED": EngagementStatus.SCHEDULED,
        "can_replace": {e.id: replacements.can_replace(e) for e in rows},
        "declined_by": {e.id: [i for i in e.expert_ids if i in answered.get(e.id, {})
                               and answered[e.id][i].answer == DeploymentAnswerChoice.DECLINED]
                        for e in rows},
        "candidates": {e.id: [(x.id, x.name) for x in roster if e.request_id in request_rows
                              and replacements.fits_team(x, e, request_rows[e.request_id].state_code,
                                                         schedule)]
                       for e in rows},
        "notice": notice, "errors": errors or [], "values": values or {},
        "pages": Pages(number, PAGE_SIZE, total, {}),
        "DECLINED": DeploymentAnswerChoice.DECLINED, "SUBMITTED": ReportStatus.SUBMITTED,
        "IN_PROGRESS": EngagementStatus.IN_PROGRESS, "COMPLETED": EngagementStatus.COMPLETED,
    }, status_code=status_code)


@router.get("/partner/engagements")
def my_engagements(request: Request, db: SessionDep, actor: PartnerActor, page: str | None = None,
                   done: str | None = None) -> Response:
    _ = gettext_for(request)
    notice = {"started": _("The engagement is marked as started."),
              "completed": _("The engagement is marked as completed. Its follow-up reports are "
                             "now due."),
              "replaced": _("The expert is replaced. The new expert now sees the deployment "
                            "and answers it."),
              "care": _("The duty-of-care checklist is saved.")}.get(done or "")
    return _engagements_page(request, db, actor, page=page, notice=notice)


def _funded_engagement(request: Request, db, actor: Actor, engagement_id: int) -> Engagement:
    # Another partner's engagement, or none: the same page.
    return visible(lambda: engagements.get_engagement(db, actor=actor, engagement_id=engagement_id),
                   _not_found(request))


@router.get("/partner/engagements/{engagement_id}/progress")
def confirm_progress(request: Request, db: SessionDep, actor: PartnerActor, engagement_id: int,
                     status: str | None = None) -> Response:
    """Confirm one step on (SCHEDULED to IN_PROGRESS, or IN_PROGRESS to COMPLETED), or see
    what it still needs."""
    return engagement_steps.confirm_page(request, db, actor, engagement_id, status,
                                         back="/partner/engagements", not_found=_not_found(request))


@router.post("/partner/engagements/{engagement_id}/progress")
def record_progress(request: Request, form: FormDep, db: SessionDep, actor: PartnerActor,
                    engagement_id: int) -> Response:
    """Record the step confirmed on its page."""
    return engagement_steps.record_step(request, form, db, actor, engagement_id,
                                        back="/partner/engagements",
                                        not_found=_not_found(request))


@router.post("/partner/engagements/{engagement_id}/duty-of-care")
def record_duty_of_care(request: Request, form: FormDep, db: SessionDep, actor: PartnerActor,
                        engagement_id: int) -> Response:
    """The checklist as ticked on the page: items newly ticked are done, items unticked undone."""
    engagement = _funded_engagement(request, db, actor, engagement_id)
    _ = gettext_for(request)
    ticked = {v for v in form.getlist("items") if isinstance(v, str)}
    done = {r.item for r in checklist.done_by_engagement(db, [engagement_id])[engagement_id]}
    known = {i.value for i in CareItem}

    def action() -> Engagement:
        if ticked - known:
            raise ValidationFailed.single("items", "known_item", "items: choose items of the checklist")
        if ticked - done:
            duty_of_care.record(db, actor=actor, engagement_id=engagement_id,
                                items=sorted(ticked - done))
        if done - ticked:
            duty_of_care.record(db, actor=actor, engagement_id=engagement_id,
                                items=sorted(done - ticked), done=False)
        return engagement

    return write(db, action, done="/partner/engagements?done=care", answers={
        ValidationFailed: lambda _f: _engagements_page(request, db, actor, status_code=422, errors=[
            (f"care-{engagement_id}", _("Duty of care: choose items of the checklist."))]),
        PermissionDenied: lambda _d: _not_found(request),
        Conflict: lambda _c: _conflict(request, _(
            "The duty-of-care checklist is completed before the engagement starts; this one "
            "has started."))})


@router.post("/partner/engagements/{engagement_id}/replace")
def replace_expert(request: Request, form: FormDep, db: SessionDep, actor: PartnerActor,
                   engagement_id: int) -> Response:
    """Put one of the partner's own experts in the place of a team member, with a reason."""
    _funded_engagement(request, db, actor, engagement_id)
    reader = FormReader(form, gettext_for(request), {})
    leaving, joining = reader.text(f"leaving-{engagement_id}"), reader.text(f"joining-{engagement_id}")
    reason, version = reader.text("reason"), reader.text("version")
    _ = gettext_for(request)
    wording = {
        ("leaving", "on_team"): _("Expert to replace: choose a member of the team."),
        ("joining", "required"): _("Replacement expert: choose the expert who takes the place."),
        ("joining", "on_team"): _("Replacement expert: this expert is on the team already."),
        ("joining", "own_roster"): _("Replacement expert: choose one of your own experts who "
                                     "consent to matching."),
        ("joining", "conflict_state"): _("Replacement expert: this expert does not work for the "
                                         "State concerned."),
        ("joining", "available"): _("Replacement expert: this expert is not available for the "
                                    "whole engagement."),
        ("joining", "max_assignments"): _("Replacement expert: this expert is already on as many "
                                          "engagements at those dates as they take at a time."),
        ("reason", "required"): _("Reason for the change: say why the expert is replaced."),
    }

    def again(failure: ValidationFailed) -> Response:
        # Each form's inputs carry the engagement's id, so the summary links to this form's.
        errors = [(f"{p.field}-{engagement_id}", wording.get((p.field, p.rule), p.message))
                  for p in failure.problems]
        return _engagements_page(request, db, actor, errors=errors, status_code=422, values={
            "engagement": engagement_id, "leaving": leaving, "joining": joining, "reason": reason})

    return write(db, lambda: replacements.replace_expert(
        db, actor=actor, engagement_id=engagement_id, leaving_id=_digits(leaving),
        joining_id=_digits(joining), reason=reason,
        expected_version=whole_number(version) or -1),
        done="/partner/engagements?done=replaced", answers={
            ValidationFailed: again,
            Conflict: lambda conflict: _conflict(request, _(
                "Someone changed this engagement in the meantime: reload the page to see its "
                "team now, then choose again.") if isinstance(conflict, StaleVersion)
                else _("The engagement is completed: its team can no longer change."))})
