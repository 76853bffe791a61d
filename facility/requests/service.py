"""Filing, editing, submitting and withdrawing capacity-building requests."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from facility import idempotency, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.errors import (
    Conflict,
    FieldProblem,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    Problems,
    ValidationFailed,
)
from facility.reference.models import (
    Recommendation,
    RecommendationSdg,
    RecommendationTheme,
    State,
    Theme,
)
from facility.requests import lifecycle
from facility.requests.models import (
    CapacityRequest,
    RequestRecommendation,
    RequestStatus,
    RequestTheme,
    SupportKind,
)
from facility.timeutil import today, utcnow
from facility.validation import (
    check_currency,
    check_enum_values,
    check_languages,
    check_positive,
    check_range,
    check_text,
    check_text_language,
    check_window,
    is_web_address,
    resolve_themes,
)
from governance import criteria
from governance.criteria import DocumentKind, Procedure, RequiredField

MAX_WEEKS = 104
MAX_EXPERTS = 20


class CallClosed(Conflict):
    """The application procedure's call for requests is not open today: the request stays a
    draft, to submit when the call opens (or under the next one)."""


@dataclass
class RequestFields:
    """Everything a State states about its need."""

    title: str
    need: str
    recommendation_ids: list[int]
    languages: list[str]
    support_kinds: list[str]
    window_start: date
    window_end: date
    weeks: int
    experts_needed: int
    budget: int
    currency: str
    priority: int
    themes: list[str] | None = None  # None: the union of the linked recommendations' themes
    barrier: str = ""
    focal_point: str = ""
    # The documents it carries: [{"kind", "reference", "link"}] (governance.criteria.DocumentKind).
    documents: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    language: str = "en"  # ISO 639-1: the language the title and the need are written in


def _not_found(request_id: int) -> NotFound:
    return NotFound(f"no request with id {request_id}")


def get_request(session: Session, *, actor: Actor | None, request_id: int) -> CapacityRequest:
    """The request, if this caller may see it."""
    request = permissions.find_visible(session, CapacityRequest, request_id,
                                       permissions.request_visibility(actor))
    if request is None:
        raise _not_found(request_id)
    return request


def list_requests(
    session: Session, *, actor: Actor | None, status: RequestStatus | None = None,
    state_code: str | None = None, limit: int, offset: int,
    statuses: tuple[RequestStatus, ...] | None = None, theme_id: int | None = None,
    group_code: str | None = None, sdg_goal: int | None = None,
    budget_min: int | None = None, budget_max: int | None = None,
) -> tuple[list[CapacityRequest], int]:
    """A page of the requests this caller may see, newest first, and their total count.

    Filters: one status or several, the theme, the requesting State's regional group, an SDG
    goal of a linked recommendation, and a budget range (inclusive).
    """
    condition = permissions.request_visibility(actor)
    if status is not None:
        condition = condition & (CapacityRequest.status == status)
    if statuses is not None:
        condition = condition & col(CapacityRequest.status).in_(statuses)
    if state_code is not None:
        condition = condition & (CapacityRequest.state_code == state_code.upper())
    if theme_id is not None:
        condition = condition & col(CapacityRequest.id).in_(
            select(RequestTheme.request_id).where(RequestTheme.theme_id == theme_id))
    if group_code is not None:
        condition = condition & col(CapacityRequest.state_code).in_(
            select(State.code).where(State.regional_group_code == group_code))
    if sdg_goal is not None:
        condition = condition & col(CapacityRequest.id).in_(
            select(RequestRecommendation.request_id).join(
                RecommendationSdg,
                col(RecommendationSdg.recommendation_id) == RequestRecommendation.recommendation_id)
            .where(RecommendationSdg.goal_number == sdg_goal))
    if budget_min is not None:
        condition = condition & (CapacityRequest.budget >= budget_min)
    if budget_max is not None:
        condition = condition & (CapacityRequest.budget <= budget_max)
    total = session.exec(select(func.count()).select_from(CapacityRequest).where(condition)).one()
    rows = session.exec(
        select(CapacityRequest).where(condition)
        .order_by(col(CapacityRequest.id).desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total


def recommendation_ids_by_request(session: Session, request_ids: list[int]) -> dict[int, list[int]]:
    """Linked recommendation ids of many requests, in one statement."""
    result: dict[int, list[int]] = defaultdict(list)
    rows = session.exec(
        select(RequestRecommendation.request_id, RequestRecommendation.recommendation_id)
        .where(col(RequestRecommendation.request_id).in_(request_ids))
        .order_by(col(RequestRecommendation.request_id), col(RequestRecommendation.recommendation_id))
    ).all()
    for request_id, recommendation_id in rows:
        result[request_id].append(recommendation_id)
    return result


def themes_by_request(session: Session, request_ids: list[int]) -> dict[int, list[str]]:
    """Theme names of many requests, in one statement."""
    result: dict[int, list[str]] = defaultdict(list)
    rows = session.exec(
        select(RequestTheme.request_id, Theme.name)
        .join(Theme, col(Theme.id) == RequestTheme.theme_id)
        .where(col(RequestTheme.request_id).in_(request_ids))
        .order_by(col(RequestTheme.request_id), col(Theme.name))
    ).all()
    for request_id, name in rows:
        result[request_id].append(name)
    return result


def _validate(
    session: Session, *, state_code: str, fields: RequestFields
) -> tuple[list[Theme], list[str], list[str]]:
    """Check every field; return the themes, languages and support kinds to store."""
    problems = Problems()
    check_text(problems, "title", fields.title, min_length=3, max_length=200)
    check_text(problems, "need", fields.need, max_length=10_000)
    check_text(problems, "barrier", fields.barrier, min_length=0, max_length=10_000)
    check_text(problems, "focalPoint", fields.focal_point, min_length=0, max_length=300)
    languages = check_languages(problems, "languages", fields.languages, required=True)
    fields.language = check_text_language(problems, "language", fields.language)
    kinds = check_enum_values(problems, "supportKinds", fields.support_kinds, SupportKind,
                              required=True)
    check_range(problems, "weeks", fields.weeks, 1, MAX_WEEKS)
    check_range(problems, "expertsNeeded", fields.experts_needed, 0, MAX_EXPERTS)
    check_range(problems, "priority", fields.priority, 1, 5)
    check_positive(problems, "budget", fields.budget)
    check_currency(problems, "currency", fields.currency)
    check_window(problems, fields.window_start, fields.window_end, start_field="windowStart",
                 end_field="windowEnd", weeks=fields.weeks)
    # A window already over can never be served: refused as a draft too, not only at submission.
    if fields.window_end < today():
        problems.add("windowEnd", "future", f"windowEnd: {fields.window_end} is in the past; "
                     f"the window must end on {today()} or later")

    recommendation_ids = list(dict.fromkeys(fields.recommendation_ids))
    if not recommendation_ids:
        problems.add("recommendationIds", "required",
                     "recommendationIds: link at least one recommendation")
    recommendations = {
        r.id: r for r in session.exec(
            select(Recommendation).where(col(Recommendation.id).in_(recommendation_ids))
        ).all()
    }
    for rid in recommendation_ids:
        rec = recommendations.get(rid)
        if rec is None:
            problems.add("recommendationIds", "exists",
                         "recommendationIds: one of the linked recommendations does not exist")
        elif rec.state_code != state_code:
            problems.add(
                "recommendationIds", "addressed_to_own_state",
                f"recommendationIds: recommendation {rec.source_id} is addressed to "
                f"{rec.state_code}, not to {state_code}",
            )

    documents = _check_documents(problems, fields.documents)
    if fields.themes is None:
        theme_ids = session.exec(
            select(RecommendationTheme.theme_id).distinct()
            .where(col(RecommendationTheme.recommendation_id).in_(recommendation_ids))
        ).all()
        themes = list(session.exec(select(Theme).where(col(Theme.id).in_(theme_ids))).all())
        if not themes and recommendation_ids:
            problems.add("themes", "required",
                         "themes: the linked recommendations carry no theme; name at least one")
    else:
        themes = resolve_themes(session, problems, "themes", fields.themes)
        if not fields.themes:
            problems.add("themes", "required", "themes: at least one theme")
    problems.raise_if_any()
    fields.documents = documents
    return themes, languages, kinds


MAX_DOCUMENTS = len(DocumentKind)


def _check_documents(problems: Problems, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each document: a kind the procedures know (once), the reference that identifies it (a
    note verbale's number and date, a plan's title) and, optionally, a web address of it."""
    cleaned: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, doc in enumerate(documents[:MAX_DOCUMENTS + 1]):
        where = f"documents[{n}]"
        kind = str(doc.get("kind") or "")
        if kind not in DocumentKind.__members__:
            problems.add(f"{where}.kind", "one_of", f"{where}.kind: {kind!r} is not one of "
                         f"{', '.join(DocumentKind)}")
        elif kind in seen:
            problems.add(f"{where}.kind", "unique", f"{where}.kind: {kind} is listed twice")
        seen.add(kind)
        reference = str(doc.get("reference") or "").strip()
        check_text(problems, f"{where}.reference", reference, min_length=3, max_length=300)
        link = str(doc.get("link") or "").strip()
        if link and (len(link) > 500 or not is_web_address(link)):
            problems.add(f"{where}.link", "url", f"{where}.link: not an http(s) web address of "
                                                 "at most 500 characters")
        cleaned.append({"kind": kind, "reference": reference, "link": link or None})
    if len(documents) > MAX_DOCUMENTS:
        problems.add("documents", "max_length",
                     f"documents: at most {MAX_DOCUMENTS}, one of each kind")
    return cleaned


def procedure_problems(request: CapacityRequest, procedure: Procedure) -> Problems:
    """What the application procedure asks of a request that it lacks: its documents and the
    fields it makes required (the call's dates are checked apart: they are not the State's
    to fix by editing)."""
    problems = Problems()
    carried = {d["kind"] for d in request.documents}
    missing = [k for k in procedure.required_documents if k.value not in carried]
    if missing:
        problems.add("documents", "required_document",
                     f"documents: the application procedure in force asks for "
                     f"{', '.join(k.value for k in missing)}")
    values = {RequiredField.BARRIER: ("barrier", request.barrier),
              RequiredField.FOCAL_POINT: ("focalPoint", request.focal_point)}
    for required in procedure.required_fields:
        name, value = values[required]
        if not value.strip():
            problems.add(name, "required", f"{name}: the application procedure in force "
                                           "requires it")
    return problems


def field_problems(session: Session, *, actor: Actor, fields: RequestFields) -> list[FieldProblem]:
    """Every problem saving these fields would report, without writing: a page whose form also
    has unreadable values shows all its errors at once."""
    try:
        _validate(session, state_code=actor.state_code or "", fields=fields)
    except ValidationFailed as failure:
        return failure.problems
    return []


def _store_links(session: Session, request: CapacityRequest, fields: RequestFields,
                 themes: list[Theme]) -> None:
    session.exec(delete(RequestRecommendation).where(col(RequestRecommendation.request_id) == request.id))
    session.exec(delete(RequestTheme).where(col(RequestTheme.request_id) == request.id))
    for rid in dict.fromkeys(fields.recommendation_ids):
        session.add(RequestRecommendation(request_id=request.id, recommendation_id=rid))
    for theme in themes:
        session.add(RequestTheme(request_id=request.id, theme_id=theme.id))


def _apply(request: CapacityRequest, fields: RequestFields, languages: list[str],
           kinds: list[str]) -> None:
    request.title = fields.title.strip()
    request.need = fields.need.strip()
    request.barrier = fields.barrier.strip()
    request.focal_point = fields.focal_point.strip()
    request.language = fields.language
    request.languages = languages
    request.support_kinds = kinds
    request.window_start = fields.window_start
    request.window_end = fields.window_end
    request.weeks = fields.weeks
    request.experts_needed = fields.experts_needed
    request.budget = fields.budget
    request.currency = fields.currency.upper()
    request.priority = fields.priority
    request.documents = list(fields.documents)


def create_request(
    session: Session, *, actor: Actor | None, fields: RequestFields,
    state_code: str | None = None, idempotency_key: str | None = None,
) -> CapacityRequest:
    """File a draft request for the caller's own State."""
    if not permissions.can_file_requests(actor):
        raise PermissionDenied("only a State mission's account can file requests")
    assert actor is not None and actor.state_code is not None
    if state_code is not None and state_code.upper() != actor.state_code:
        raise ValidationFailed.single(
            "stateCode", "own_state",
            f"stateCode: a mission of {actor.state_code} can file requests only for "
            f"{actor.state_code}, not {state_code.upper()}",
        )
    def create() -> CapacityRequest:
        themes, languages, kinds = _validate(session, state_code=actor.state_code,  # type: ignore[arg-type]
                                             fields=fields)
        request = CapacityRequest(
            state_code=actor.state_code, created_by_id=actor.account_id,
            title="", need="", window_start=fields.window_start,
            window_end=fields.window_end, weeks=0, experts_needed=0, budget=0,
            currency="", priority=1,
        )
        _apply(request, fields, languages, kinds)
        session.add(request)
        session.flush()
        _store_links(session, request, fields, themes)
        session.flush()
        return request

    return idempotency.create_once(
        session, account_id=actor.account_id, operation="createRequest", key=idempotency_key,
        payload=asdict(fields), what="a request", model=CapacityRequest, create=create)


def _editable(session: Session, actor: Actor | None, request_id: int,
              expected_version: int | None) -> CapacityRequest:
    request = get_request(session, actor=actor, request_id=request_id)
    if not permissions.can_change_request(actor, request):
        raise PermissionDenied("only the requesting State's mission can change this request")
    return locking.check_version(session, request, expected_version, what="request")


def current_fields(session: Session, request: CapacityRequest) -> RequestFields:
    assert request.id is not None
    return RequestFields(
        title=request.title, need=request.need,
        recommendation_ids=recommendation_ids_by_request(session, [request.id])[request.id],
        themes=themes_by_request(session, [request.id])[request.id],
        languages=list(request.languages), support_kinds=list(request.support_kinds),
        window_start=request.window_start, window_end=request.window_end, weeks=request.weeks,
        experts_needed=request.experts_needed, budget=request.budget, currency=request.currency,
        priority=request.priority, barrier=request.barrier, focal_point=request.focal_point,
        documents=[dict(d) for d in request.documents],
        language=request.language,
    )


def _touch(request: CapacityRequest) -> None:
    request.version += 1
    request.updated_at = utcnow()


def update_request(
    session: Session, *, actor: Actor | None, request_id: int, changes: dict[str, Any],
    expected_version: int | None = None,
) -> CapacityRequest:
    """Change some fields of a request the State may still revise."""
    request = _editable(session, actor, request_id, expected_version)
    if request.status not in lifecycle.EDITABLE:
        raise Conflict(f"a request in status {request.status} can no longer be edited")
    fields = current_fields(session, request)
    for name, value in changes.items():
        setattr(fields, name, value)
    if "recommendation_ids" in changes and "themes" not in changes:
        fields.themes = None  # follow the new recommendations
    themes, languages, kinds = _validate(session, state_code=request.state_code, fields=fields)
    _apply(request, fields, languages, kinds)
    _store_links(session, request, fields, themes)
    _touch(request)
    session.add(request)
    session.flush()
    return request


def submit_request(session: Session, *, actor: Actor | None, request_id: int) -> CapacityRequest:
    """Hand a draft (or a revised ineligible request) to the committee for screening."""
    request = _editable(session, actor, request_id, None)
    if request.status not in lifecycle.SUBMITTABLE:
        raise InvalidTransition(f"a request in status {request.status} cannot be submitted")
    _validate(session, state_code=request.state_code, fields=current_fields(session, request))
    version, body = criteria.body_in_force(session)
    closed = body.procedure.closed_on(today())
    if closed:
        raise CallClosed(f"submission: {closed}")
    procedure_problems(request, body.procedure).raise_if_any()
    lifecycle.transition(request, RequestStatus.SUBMITTED)
    request.submitted_at = utcnow()
    request.procedure_version = version
    session.add(request)
    session.flush()
    return request


def withdraw_request(session: Session, *, actor: Actor | None, request_id: int,
                     reason: str) -> CapacityRequest:
    """Withdraw a request at any point before support starts. A draft, which nobody but its
    State ever saw, is discarded the same way and needs no reason."""
    request = _editable(session, actor, request_id, None)
    if request.status not in lifecycle.WITHDRAWABLE:
        raise InvalidTransition(f"a request in status {request.status} can no longer be withdrawn")
    if not reason.strip() and request.status != RequestStatus.DRAFT:
        raise ValidationFailed.single("reason", "required", "reason: say why the request is withdrawn")
    lifecycle.transition(request, RequestStatus.WITHDRAWN)
    request.withdraw_reason = reason.strip()
    request.withdrawn_at = utcnow()
    session.add(request)
    session.flush()
    return request


def titles_by_id(session: Session, *, actor: Actor | None, request_ids: list[int]) -> dict[int, str]:
    """Titles of the requests with these ids that the caller may see, in one statement."""
    if not request_ids:
        return {}
    rows = session.exec(select(CapacityRequest.id, CapacityRequest.title).where(
        permissions.request_visibility(actor), col(CapacityRequest.id).in_(set(request_ids)))).all()
    return {rid: title for rid, title in rows}


def requests_by_id(session: Session, *, actor: Actor | None,
                   request_ids: list[int]) -> dict[int, CapacityRequest]:
    """The requests with these ids that the caller may see, in one statement."""
    if not request_ids:
        return {}
    rows = session.exec(select(CapacityRequest).where(
        permissions.request_visibility(actor), col(CapacityRequest.id).in_(set(request_ids)))).all()
    return {r.id: r for r in rows}  # type: ignore[misc]
