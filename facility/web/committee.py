"""The committee's pages: the screening queue, motions (vote, recusal, tally), optimiser runs'
proposals, and criteria drafts (draft, edit, compare with the version in force, put to the vote).

The secretariat opens the motion and run pages too (it decides motions and watches runs); only a
seated member votes. Every write goes through the governance services with the viewer's Actor.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from facility.numbers import whole_number
from facility.web.actions import visible, write
from facility.web.deps import FormDep, PageError, SessionDep, page_router, require_role
from facility.web.formdata import form_token
from facility.web.i18n import gettext_for
from facility.web.pagination import Pages, page_number
from facility.web.templating import render
from governance import criteria as criteria_rules
from governance import decisions, motions, urgency, views
from governance.models import CriteriaStatus, MotionKind, MotionStatus, VoteChoice

router = page_router()
MemberActor = Annotated[Actor, Depends(require_role(Role.COMMITTEE))]
GovernanceActor = Annotated[Actor, Depends(require_role(Role.COMMITTEE, Role.SECRETARIAT))]
QUEUE_PAGE_SIZE = 20
RUNS_PAGE_SIZE = 10


def not_found(request: Request) -> PageError:
    _ = gettext_for(request)
    return PageError(404, _("Page not found"),
                     _("There is nothing at this address that your account may see."))


def refused(request: Request, error: PermissionDenied) -> PageError:
    _ = gettext_for(request)
    return PageError(403, _("Not allowed"), str(error))


# The committee's home: what waits for a vote --------------------------------------------------

@router.get("/committee")
def committee_home(request: Request, db: SessionDep, actor: MemberActor,
                   page: str | None = None) -> Response:
    number = page_number(page)
    queue, total = views.screening_queue(db, actor=actor, limit=QUEUE_PAGE_SIZE,
                                         offset=(number - 1) * QUEUE_PAGE_SIZE)
    runs, _runs_total = views.list_runs(db, actor=actor, limit=RUNS_PAGE_SIZE, offset=0)
    return render(request, "committee/home.html", {
        "queue": queue, "pages": Pages(number, QUEUE_PAGE_SIZE, total, {}), "runs": runs,
        "clock": urgency.clock})


# Motions: vote, recuse, decide --------------------------------------------------------------

def _motion_page(request: Request, db, actor: Actor, motion_id: int, *, errors=(),
                 values: dict | None = None, conflict: str | None = None,
                 status_code: int = 200) -> Response:
    view = visible(lambda: views.motion_view(db, actor=actor, motion_id=motion_id), not_found(request))
    return render(request, "committee/motion.html", {
        "view": view, "choices": list(VoteChoice), "errors": list(errors), "values": values or {},
        "conflict": conflict, "is_open": view.motion.status == MotionStatus.OPEN,
        "clock": urgency.clock(view.request) if view.request is not None
        and view.motion.kind == MotionKind.SCREENING and view.motion.status == MotionStatus.OPEN
        else None,
        "is_secretariat": actor.role == Role.SECRETARIAT}, status_code=status_code)


@router.get("/committee/motions/{motion_id}")
def motion_page(request: Request, db: SessionDep, actor: GovernanceActor, motion_id: int,
                done: str | None = None) -> Response:
    return _motion_page(request, db, actor, motion_id)


def _write(request: Request, db, actor: Actor, motion_id: int, action, *, values: dict,
           messages: dict[tuple[str, str], str]) -> Response:
    """Run a motion action; success → back to the motion page, problems → the page with them."""
    def invalid(failure: ValidationFailed) -> Response:
        errors = [(p.field, messages.get((p.field, p.rule), p.message)) for p in failure.problems]
        return _motion_page(request, db, actor, motion_id, errors=errors, values=values,
                            status_code=422)

    return write(db, action, done=f"/committee/motions/{motion_id}", answers={
        ValidationFailed: invalid,
        Conflict: lambda conflict: _motion_page(request, db, actor, motion_id, conflict=str(conflict),
                                                values=values, status_code=409),
        NotFound: lambda _n: not_found(request),
        PermissionDenied: lambda denied: refused(request, denied)})


@router.post("/committee/motions/{motion_id}/vote")
def vote(request: Request, db: SessionDep, actor: MemberActor, motion_id: int,
         choice: Annotated[str, Form()] = "", comment: Annotated[str, Form()] = "") -> Response:
    _ = gettext_for(request)
    values = {"choice": choice, "comment": comment}
    if choice not in VoteChoice.__members__:
        visible(lambda: views.motion_view(db, actor=actor, motion_id=motion_id),
                not_found(request))  # an unknown motion is not found
        return _motion_page(request, db, actor, motion_id, values=values, status_code=422, errors=[
            ("choice-APPROVE", _("Your vote: choose approve, reject or abstain."))])
    return _write(request, db, actor, motion_id, lambda: motions.cast_vote(
        db, actor=actor, motion_id=motion_id, choice=VoteChoice(choice), comment=comment),
        values=values, messages={})


@router.post("/committee/motions/{motion_id}/recuse")
def recuse(request: Request, db: SessionDep, actor: MemberActor, motion_id: int,
           reason: Annotated[str, Form()] = "") -> Response:
    _ = gettext_for(request)
    return _write(request, db, actor, motion_id, lambda: motions.declare_recusal(
        db, actor=actor, motion_id=motion_id, reason=reason), values={"reason": reason},
        messages={("reason", "required"): _("Reason for recusal: say why you recuse yourself.")})


@router.post("/committee/motions/{motion_id}/decide")
def decide(request: Request, db: SessionDep, actor: GovernanceActor, motion_id: int,
           reasons: Annotated[str, Form()] = "") -> Response:
    return _write(request, db, actor, motion_id, lambda: decisions.decide(
        db, actor=actor, motion_id=motion_id, reasons=reasons), values={"reasons": reasons},
        messages={})


# Optimiser runs: proposals, unmatched requests, fairness ------------------------------------

@router.get("/committee/runs/{run_id}")
def run_page(request: Request, db: SessionDep, actor: GovernanceActor, run_id: int) -> Response:
    view = visible(lambda: views.run_view(db, actor=actor, run_id=run_id), not_found(request))
    return render(request, "committee/run.html", {"view": view, "run": view.run})


# Criteria drafts ----------------------------------------------------------------------------

def flatten(body: dict, prefix: str = "body") -> list[tuple[str, Any]]:
    """A criteria body as (path, value) rows, e.g. ("body.voting.quorum", 3), in body order."""
    rows: list[tuple[str, Any]] = []
    for key, value in body.items():
        path = f"{prefix}.{key}"
        if isinstance(value, dict):
            rows.extend(flatten(value, path))
        else:
            rows.append((path, value))
    return rows


def field_id(path: str) -> str:
    return path.replace(".", "-")


# Clauses whose value is a day (year-month-day) or empty: the application procedure's call.
DATE_CLAUSES = frozenset({"call_opens", "call_closes"})


def unflatten(form: dict[str, str], template: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The body a form describes, each value read as the type of the same field in `template`.

    Numbers that do not read as numbers are reported by field; everything else is left to the
    service's validation (ranges, order of weeks, known groups).
    """
    problems: list[tuple[str, str]] = []

    def build(node: dict, prefix: str) -> dict:
        result: dict = {}
        for key, default in node.items():
            path = f"{prefix}.{key}"
            if isinstance(default, dict):
                result[key] = build(default, path)
                continue
            raw = form.get(path, "").strip()
            if key in DATE_CLAUSES:
                result[key] = raw or None  # a day (the service reads it), or no limit
                continue
            if isinstance(default, bool):
                result[key] = raw == "yes"
            elif isinstance(default, list):
                result[key] = [part.strip().upper() for part in raw.split(",") if part.strip()]
            elif default is None or isinstance(default, int | float):
                if raw == "" and key == "budget_ceiling":
                    result[key] = None  # no ceiling
                    continue
                try:
                    number = float(raw) if isinstance(default, float) else whole_number(raw, signed=True)
                except ValueError:
                    number = None
                if number is None:
                    problems.append((path, f"{path}: enter a number"))
                    continue
                result[key] = number
            else:
                result[key] = raw
        return result

    return build(template, "body"), problems


def _criteria_form(request: Request, db, actor: Actor, *, draft=None, errors=(), values=None,
                   conflict: str | None = None, status_code: int = 200) -> Response:
    in_force = criteria_rules.in_force(db)
    base = draft.body if draft is not None else in_force.body
    current = dict(flatten(in_force.body))
    rows = []
    for path, value in flatten(base):
        shown = values.get(path) if values and path in values else _as_text(value)
        rows.append({"path": path, "id": field_id(path), "value": shown,
                     "in_force": _as_text(current.get(path)), "kind": _kind(value),
                     "changed": shown != _as_text(current.get(path))})
    motion = (views.open_motion_of(db, MotionKind.CRITERIA, draft.id) if draft is not None else None)
    return render(request, "committee/criteria_form.html", {
        "draft": draft, "in_force": in_force, "rows": rows, "errors": list(errors),
        "title": (values or {}).get("title", draft.title if draft else ""),
        "notes": (values or {}).get("notes", draft.notes if draft else ""),
        "conflict": conflict, "motion": motion,
        "editable": (draft is not None and draft.status == CriteriaStatus.DRAFT and motion is None
                     and actor.role == Role.COMMITTEE),
        "is_member": actor.role == Role.COMMITTEE,
    }, status_code=status_code)


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, list):
        return "list"
    return "number"


@router.get("/committee/criteria")
def criteria_list(request: Request, db: SessionDep, actor: GovernanceActor) -> Response:
    versions = views.criteria_versions(db, actor=actor)
    return render(request, "committee/criteria.html", {"versions": versions})


@router.get("/committee/criteria/new")
def new_draft_form(request: Request, db: SessionDep, actor: MemberActor) -> Response:
    return _criteria_form(request, db, actor)


def _criteria_messages(request: Request, failure: ValidationFailed) -> list[tuple[str, str]]:
    _ = gettext_for(request)
    wording = {("title", "required"): _("Title: give the draft a title.")}
    return [(field_id(p.field), wording.get((p.field, p.rule), p.message)) for p in failure.problems]


def _form_values(form: FormData) -> dict[str, str]:
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/committee/criteria")
def create_draft(request: Request, form: FormDep, db: SessionDep, actor: MemberActor) -> Response:
    values = _form_values(form)
    body, problems = unflatten(values, criteria_rules.in_force(db).body)
    if problems:
        return _criteria_form(request, db, actor, values=values, status_code=422,
                              errors=[(field_id(f), m) for f, m in problems])
    return write(db, lambda: criteria_rules.draft_criteria(
        db, actor=actor, title=values.get("title", ""), body=body, notes=values.get("notes", ""),
        idempotency_key=form_token(form)),
        done=lambda draft: f"/committee/criteria/{draft.version}", answers={
            ValidationFailed: lambda failure: _criteria_form(
                request, db, actor, values=values, status_code=422,
                errors=_criteria_messages(request, failure))})


def _version(request: Request, db, actor: Actor, version: int):
    return visible(lambda: views.criteria_version(db, actor=actor, version=version), not_found(request))


@router.get("/committee/criteria/{version}")
def draft_page(request: Request, db: SessionDep, actor: GovernanceActor, version: int) -> Response:
    # The secretariat reads drafts and their comparison; only seated members draft and propose.
    return _criteria_form(request, db, actor, draft=_version(request, db, actor, version))


@router.post("/committee/criteria/{version}")
def edit_draft(request: Request, form: FormDep, db: SessionDep, actor: MemberActor, version: int) -> Response:
    values = _form_values(form)
    draft = _version(request, db, actor, version)
    body, problems = unflatten(values, draft.body)
    if problems:
        return _criteria_form(request, db, actor, draft=draft, values=values, status_code=422,
                              errors=[(field_id(f), m) for f, m in problems])
    expected = values.get("row_version", "")
    return write(db, lambda: criteria_rules.update_draft(
        db, actor=actor, version=version,
        expected_row_version=whole_number(expected) or -1,
        title=values.get("title", ""), body=body, notes=values.get("notes", "")),
        done=f"/committee/criteria/{version}", answers={
            ValidationFailed: lambda failure: _criteria_form(
                request, db, actor, draft=_version(request, db, actor, version), values=values,
                status_code=422, errors=_criteria_messages(request, failure)),
            Conflict: lambda conflict: _criteria_form(
                request, db, actor, draft=_version(request, db, actor, version), values=values,
                conflict=str(conflict), status_code=409)})


@router.post("/committee/criteria/{version}/propose")
def propose(request: Request, db: SessionDep, actor: MemberActor, version: int) -> Response:
    return write(db, lambda: decisions.propose_criteria(db, actor=actor, version=version),
                 done=lambda motion: f"/committee/motions/{motion.id}", answers={
                     NotFound: lambda _n: not_found(request),
                     Conflict: lambda conflict: _criteria_form(
                         request, db, actor, draft=_version(request, db, actor, version),
                         conflict=str(conflict), status_code=409)})
