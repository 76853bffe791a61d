"""The programmes directory: what the secretariat and the partners record of the programmes of
other agencies and donors, the programmes that fit a State's request, and the State's record
that it applied to one.

Everyone reads the directory. A programme's rules are its eligibility (regional groups, States;
none: open to all), its themes (none: any theme) and its deadline (none: applications at any
time). A programme fits a request when the request's State is eligible, the themes meet (or the
programme names none), and its deadline has not passed. Every change is audited in the
caller's transaction.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Text, and_, delete, func, literal, or_
from sqlmodel import Session, col, select

from facility import audit, idempotency, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.errors import NotFound, PermissionDenied, Problems
from facility.programmes.models import AgencyKind, Programme, ProgrammeApplication, ProgrammeTheme
from facility.reference.models import State, Theme
from facility.requests.models import CapacityRequest, SupportKind
from facility.timeutil import today, utcnow
from facility.validation import (
    check_date,
    check_enum_values,
    check_groups,
    check_states,
    check_text,
    is_web_address,
    resolve_themes,
)

MAX_NAME = 200
MAX_TEXT = 5_000
MAX_LINK = 500
SUGGESTED = 10  # programmes shown next to a request


@dataclass
class ProgrammeFields:
    name: str
    agency: str
    agency_kind: str
    how_to_apply: str
    link: str
    description: str = ""
    themes: list[str] = field(default_factory=list)
    support_kinds: list[str] = field(default_factory=list)
    eligible_groups: list[str] | None = None
    eligible_states: list[str] | None = None
    deadline: date | None = None


def _not_found(programme_id: int) -> NotFound:
    return NotFound(f"no programme with id {programme_id}")


def get_programme(session: Session, *, programme_id: int) -> Programme:
    found = session.get(Programme, programme_id)
    if found is None:
        raise _not_found(programme_id)
    return found


def themes_by_programme(session: Session, ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {pk: [] for pk in ids}
    if ids:
        for pid, name in session.exec(
                select(ProgrammeTheme.programme_id, Theme.name)
                .join(Theme, col(Theme.id) == ProgrammeTheme.theme_id)
                .where(col(ProgrammeTheme.programme_id).in_(ids)).order_by(Theme.name)):
            found[pid].append(name)
    return found


def _eligible(state_code: str) -> ColumnElement[bool]:
    """SQL: the programmes the State with this code may apply to, by group and by State. JSON
    lists are matched as text (`"KEN"` with its quotes), which both databases do alike."""
    text_groups = func.coalesce(func.cast(col(Programme.eligible_groups), Text), "null")
    text_states = func.coalesce(func.cast(col(Programme.eligible_states), Text), "null")
    group = select(State.regional_group_code).where(State.code == state_code).scalar_subquery()
    quoted_group = literal('%"') + group + literal('"%')
    return ((text_groups == "null") | text_groups.like(quoted_group)) & (
        (text_states == "null") | text_states.contains(f'"{state_code}"', autoescape=True))


def list_programmes(session: Session, *, state_code: str | None = None, theme: str | None = None,
                    agency_kind: AgencyKind | None = None, open_only: bool = False,
                    partner_id: int | None = None, limit: int,
                    offset: int) -> tuple[list[Programme], int]:
    """A page of the directory, by name. `state_code`: those the State may apply to."""
    condition: ColumnElement[bool] = col(Programme.id).is_not(None)
    if state_code:
        state = session.get(State, state_code.strip().upper()[:3])
        if state is None:
            return [], 0
        condition = condition & _eligible(state.code)
    if theme:
        themed = (select(ProgrammeTheme.programme_id).join(Theme, col(Theme.id) == ProgrammeTheme.theme_id)
                  .where(Theme.name == theme))
        untagged = select(ProgrammeTheme.programme_id)
        condition = condition & or_(col(Programme.id).in_(themed), col(Programme.id).not_in(untagged))
    if agency_kind is not None:
        condition = condition & (Programme.agency_kind == agency_kind)
    if open_only:
        condition = condition & or_(col(Programme.deadline).is_(None), col(Programme.deadline) >= today())
    if partner_id is not None:
        condition = condition & (Programme.partner_id == partner_id)
    total = session.exec(select(func.count()).select_from(Programme).where(condition)).one()
    rows = session.exec(select(Programme).where(condition).order_by(
        func.lower(Programme.name), col(Programme.id)).offset(offset).limit(limit)).all()
    return list(rows), total


@dataclass(frozen=True)
class Suggestion:
    programme: Programme
    shared_themes: list[str]
    applied: ProgrammeApplication | None


def suggested_for(session: Session, *, actor: Actor | None,
                  request_id: int) -> list[Suggestion]:
    """`suggestions` for a request the caller must see."""
    request = permissions.find_visible(session, CapacityRequest, request_id,
                                       permissions.request_visibility(actor))
    if request is None:
        raise NotFound(f"no request with id {request_id}")
    from facility.requests.service import themes_by_request

    return suggestions(session, request, themes_by_request(session, [request_id])[request_id])


def suggestions(session: Session, request: CapacityRequest, themes: list[str]) -> list[Suggestion]:
    """The programmes whose rules fit the request (of these `themes`), the most themes in
    common first, then the nearest deadline; and those the State recorded it applied to,
    whether or not they still fit (2 statements)."""
    fits = _eligible(request.state_code) & or_(col(Programme.deadline).is_(None),
                                               col(Programme.deadline) >= today())
    rows = session.exec(
        select(Programme, ProgrammeApplication)
        .outerjoin(ProgrammeApplication, and_(col(ProgrammeApplication.programme_id) == Programme.id,
                                              col(ProgrammeApplication.request_id) == request.id))
        .where(or_(fits, col(ProgrammeApplication.id).is_not(None)))).all()
    covers: dict[int, set[str]] = {}
    if rows:
        for pid, name in session.exec(
                select(ProgrammeTheme.programme_id, Theme.name)
                .join(Theme, col(Theme.id) == ProgrammeTheme.theme_id)
                .where(col(ProgrammeTheme.programme_id).in_([p.id for p, _ in rows]))):
            covers.setdefault(pid, set()).add(name)
    wanted = set(themes)
    fitting: list[Suggestion] = []
    applied: list[Suggestion] = []
    for programme, application in rows:
        covered = covers.get(programme.id, set())  # type: ignore[arg-type]
        shared = sorted(covered & wanted)
        suggestion = Suggestion(programme=programme, shared_themes=shared, applied=application)
        if application is not None:
            applied.append(suggestion)
        elif not covered or shared:
            fitting.append(suggestion)
    fitting.sort(key=lambda s: (-len(s.shared_themes), s.programme.deadline or date.max,
                                s.programme.name))
    chosen = sorted(applied + fitting[:SUGGESTED], key=lambda s: (
        -len(s.shared_themes), s.programme.deadline or date.max, s.programme.name))
    return chosen


def _validate(session: Session, fields: ProgrammeFields) -> tuple[ProgrammeFields, list[Theme]]:
    problems = Problems()
    check_text(problems, "name", fields.name, max_length=MAX_NAME)
    check_text(problems, "agency", fields.agency, max_length=MAX_NAME)
    check_text(problems, "howToApply", fields.how_to_apply, max_length=MAX_TEXT)
    check_text(problems, "description", fields.description, min_length=0, max_length=MAX_TEXT)
    if fields.agency_kind not in AgencyKind.__members__:
        problems.add("agencyKind", "one_of", f"agencyKind: {fields.agency_kind!r} is not one of "
                                             f"{', '.join(AgencyKind)}")
    link = fields.link.strip()
    if len(link) > MAX_LINK or not is_web_address(link):
        problems.add("link", "url", f"link: an http(s) address of at most {MAX_LINK} characters")
    themes = resolve_themes(session, problems, "themes", fields.themes)
    kinds = check_enum_values(problems, "supportKinds", fields.support_kinds, SupportKind,
                              required=False)
    groups = check_groups(problems, "eligibleGroups", fields.eligible_groups)
    states = check_states(session, problems, "eligibleStates", fields.eligible_states)
    if fields.deadline is not None:
        check_date(problems, "deadline", fields.deadline)
    problems.raise_if_any()
    clean = ProgrammeFields(
        name=fields.name.strip(), agency=fields.agency.strip(), agency_kind=fields.agency_kind,
        how_to_apply=fields.how_to_apply.strip(), link=link, description=fields.description.strip(),
        themes=[t.name for t in themes], support_kinds=kinds, eligible_groups=groups or None,
        eligible_states=states or None, deadline=fields.deadline)
    return clean, themes


def _apply(session: Session, programme: Programme, clean: ProgrammeFields,
           themes: list[Theme]) -> None:
    for name in ("name", "agency", "how_to_apply", "link", "description", "support_kinds",
                 "eligible_groups", "eligible_states", "deadline"):
        setattr(programme, name, getattr(clean, name))
    programme.agency_kind = AgencyKind(clean.agency_kind)
    session.add(programme)
    session.flush()
    session.execute(delete(ProgrammeTheme).where(ProgrammeTheme.programme_id == programme.id))  # type: ignore[arg-type]
    for theme in themes:
        session.add(ProgrammeTheme(programme_id=programme.id, theme_id=theme.id))  # type: ignore[arg-type]
    session.flush()


def add_programme(session: Session, *, actor: Actor | None, fields: ProgrammeFields,
                  idempotency_key: str | None = None) -> Programme:
    """The secretariat or a partner adds a programme (a partner's is its own to maintain)."""
    if not permissions.can_add_programmes(actor):
        raise PermissionDenied("the secretariat and the partners maintain the programmes directory")

    def create() -> Programme:
        clean, themes = _validate(session, fields)
        programme = Programme(name="", agency="", agency_kind=AgencyKind(clean.agency_kind),
                              how_to_apply="", link="", created_by_id=actor.account_id,
                              partner_id=actor.partner_id if permissions.is_partner(actor) else None)
        _apply(session, programme, clean, themes)
        _audit(session, actor, "programme.added", programme.id, {"agency_kind": clean.agency_kind})
        return programme

    return idempotency.create_once(
        session, account_id=actor.account_id, operation="addProgramme", key=idempotency_key,
        payload={k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(fields).items()},
        what="a programme", model=Programme, create=create)


def fields_of(session: Session, programme: Programme) -> ProgrammeFields:
    return ProgrammeFields(
        name=programme.name, agency=programme.agency, agency_kind=str(programme.agency_kind),
        how_to_apply=programme.how_to_apply, link=programme.link,
        description=programme.description,
        themes=themes_by_programme(session, [programme.id])[programme.id],  # type: ignore[list-item, index]
        support_kinds=list(programme.support_kinds), eligible_groups=programme.eligible_groups,
        eligible_states=programme.eligible_states, deadline=programme.deadline)


def change_programme(session: Session, *, actor: Actor | None, programme_id: int,
                     changes: dict[str, Any], expected_version: int | None = None) -> Programme:
    """Change fields of a programme (ProgrammeFields' names)."""
    programme = get_programme(session, programme_id=programme_id)
    if not permissions.can_change_programme(actor, programme):
        raise PermissionDenied("the secretariat, or the partner that added it, changes a programme")
    locking.check_version(session, programme, expected_version, what="programme")
    fields = fields_of(session, programme)
    for name, value in changes.items():
        setattr(fields, name, value)
    clean, themes = _validate(session, fields)
    _apply(session, programme, clean, themes)
    programme.version += 1
    programme.updated_at = utcnow()
    session.add(programme)
    session.flush()
    _audit(session, actor, "programme.changed", programme.id, {"fields": sorted(changes)})  # type: ignore[arg-type]
    return programme


def record_application(session: Session, *, actor: Actor | None, request_id: int,
                       programme_id: int) -> ProgrammeApplication:
    """The State records that it applied to a programme for its request; recording it again
    returns the first record."""
    request = permissions.find_visible(session, CapacityRequest, request_id,
                                       permissions.request_visibility(actor))
    if request is None:
        raise NotFound(f"no request with id {request_id}")
    if not permissions.can_change_request(actor, request):
        raise PermissionDenied("only the requesting State records where it applied")
    get_programme(session, programme_id=programme_id)
    locking.lock(session, request)  # two records of the same application wait for each other
    earlier = session.exec(select(ProgrammeApplication).where(
        ProgrammeApplication.request_id == request_id,
        ProgrammeApplication.programme_id == programme_id)).first()
    if earlier is not None:
        return earlier
    application = ProgrammeApplication(request_id=request_id, programme_id=programme_id,
                                       recorded_by_id=actor.account_id)  # type: ignore[union-attr]
    session.add(application)
    session.flush()
    _audit(session, actor, "programme.applied", programme_id,  # type: ignore[arg-type]
           {"request": request_id, "state": request.state_code})
    return application


def _audit(session: Session, actor: Actor, action: str, programme_id: int | None,
           payload: dict) -> None:
    audit.record(session, actor_account_id=actor.account_id, action=action,
                 subject_type="programme", subject_id=programme_id, payload=payload)
