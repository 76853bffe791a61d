"""The roster: partners nominate experts, experts keep their own profile current."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import delete, func
from sqlmodel import Session, col, select

from facility import audit, idempotency, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.service import EMAIL_RE, normalise_email
from facility.errors import Conflict, NotFound, PermissionDenied, Problems
from facility.experts import accounts, consent
from facility.experts.models import Expert, ExpertAvailability, ExpertTheme, Seniority
from facility.reference.models import Theme
from facility.timeutil import utcnow
from facility.validation import (
    check_enum_values,
    check_languages,
    check_range,
    check_states,
    check_text,
    check_window,
    resolve_themes,
)


@dataclass
class ExpertFields:
    name: str
    email: str
    nationality: str
    themes: list[str]
    languages: list[str]
    availability: list[tuple[date, date]]
    phone: str = ""
    cv: str = ""
    seniority: str = Seniority.SENIOR.value
    max_assignments: int = 1
    conflict_states: list[str] = field(default_factory=list)


def get_expert(session: Session, *, actor: Actor | None, expert_id: int) -> Expert:
    expert = session.get(Expert, expert_id)
    if expert is None or not permissions.can_view_expert(actor, expert):
        raise NotFound(f"no expert with id {expert_id}")
    return expert


def list_experts(session: Session, *, actor: Actor | None, limit: int,
                 offset: int) -> tuple[list[Expert], int]:
    condition = permissions.expert_visibility(actor)
    if actor is not None and actor.role == "PARTNER":
        # A partner manages its own nominees; it sees no one else's roster entries here.
        condition = condition & (Expert.partner_id == actor.partner_id)
    total = session.exec(select(func.count()).select_from(Expert).where(condition)).one()
    rows = session.exec(
        select(Expert).where(condition).order_by(col(Expert.id)).offset(offset).limit(limit)
    ).all()
    return list(rows), total


def experts_by_id(session: Session, expert_ids: list[int]) -> dict[int, Expert]:
    """The roster entries with these ids, erased ones included, in one statement: for callers
    who already may see the proposal or engagement naming them (personal data stays behind
    `permissions.can_view_expert_personal`)."""
    if not expert_ids:
        return {}
    rows = session.exec(select(Expert).where(col(Expert.id).in_(set(expert_ids)))).all()
    return {e.id: e for e in rows}  # type: ignore[misc]


def themes_by_expert(session: Session, expert_ids: list[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    rows = session.exec(
        select(col(ExpertTheme.expert_id), col(Theme.name)).join(Theme, col(Theme.id) == ExpertTheme.theme_id)
        .where(col(ExpertTheme.expert_id).in_(expert_ids))
        .order_by(col(ExpertTheme.expert_id), col(Theme.name))
    ).all()
    for expert_id, name in rows:
        result[expert_id].append(name)
    return result


def availability_by_expert(session: Session,
                           expert_ids: list[int]) -> dict[int, list[tuple[date, date]]]:
    result: dict[int, list[tuple[date, date]]] = defaultdict(list)
    rows = session.exec(
        select(ExpertAvailability).where(col(ExpertAvailability.expert_id).in_(expert_ids))
        .order_by(col(ExpertAvailability.expert_id), col(ExpertAvailability.start))
    ).all()
    for row in rows:
        result[row.expert_id].append((row.start, row.end))
    return result


def _validate(session: Session, fields: ExpertFields, *,
              problems: Problems | None = None) -> tuple[list[Theme], list[str], str]:
    problems = problems or Problems()
    check_text(problems, "name", fields.name, max_length=200)
    if not EMAIL_RE.match(fields.email.strip()):
        problems.add("email", "format", f"email: {fields.email!r} is not an e-mail address")
    check_text(problems, "phone", fields.phone, min_length=0, max_length=40)
    check_text(problems, "cv", fields.cv, min_length=0, max_length=20_000)
    check_states(session, problems, "nationality", [fields.nationality])
    check_states(session, problems, "conflictStates", fields.conflict_states)
    themes = resolve_themes(session, problems, "themes", fields.themes)
    if not fields.themes:
        problems.add("themes", "required", "themes: at least one theme")
    languages = check_languages(problems, "languages", fields.languages, required=True)
    seniority = check_enum_values(problems, "seniority", [fields.seniority], Seniority,
                                  required=True)
    check_range(problems, "maxAssignments", fields.max_assignments, 1, 10)
    if not fields.availability:
        problems.add("availability", "required", "availability: at least one window")
    for start, end in fields.availability:
        check_window(problems, start, end, start_field="availability.start",
                     end_field="availability.end")
    problems.raise_if_any()
    return themes, languages, seniority[0]


def _apply(session: Session, expert: Expert, fields: ExpertFields, themes: list[Theme],
           languages: list[str], seniority: str) -> None:
    expert.name = fields.name.strip()
    expert.email = normalise_email(fields.email)
    expert.phone = fields.phone.strip()
    expert.cv = fields.cv.strip()
    expert.nationality = fields.nationality.strip().upper()
    expert.languages = languages
    expert.seniority = Seniority(seniority)
    expert.max_assignments = fields.max_assignments
    expert.conflict_states = sorted({c.strip().upper() for c in fields.conflict_states})
    session.add(expert)
    session.flush()
    session.exec(delete(ExpertTheme).where(col(ExpertTheme.expert_id) == expert.id))
    session.exec(delete(ExpertAvailability).where(col(ExpertAvailability.expert_id) == expert.id))
    for theme in themes:
        session.add(ExpertTheme(expert_id=expert.id, theme_id=theme.id))
    for start, end in sorted(fields.availability):
        session.add(ExpertAvailability(expert_id=expert.id, start=start, end=end))
    session.flush()


def nominate_expert(session: Session, *, actor: Actor | None, fields: ExpertFields,
                    consent_given: bool,
                    consent_scopes: list[str] | tuple[str, ...] = consent.DEFAULT_SCOPES,
                    consent_text_version: str = consent.CONSENT_TEXT_VERSION,
                    idempotency_key: str | None = None) -> Expert:
    """Put a person on the roster; the partner attests the person's consent (scopes, text)."""
    if not permissions.can_nominate_experts(actor):
        raise PermissionDenied("only a partner's account can nominate experts")
    assert actor is not None

    def create() -> Expert:
        problems = Problems()
        if not consent_given:
            problems.add("consentGiven", "required",
                         "consentGiven: an expert is put on the roster only with their consent")
        scopes = consent.check(problems, list(consent_scopes), consent_text_version)
        themes, languages, seniority = _validate(session, fields, problems=problems)
        expert = Expert(partner_id=actor.partner_id, name="", email="", nationality="",  # type: ignore[arg-type]
                        consent_at=utcnow(), consent_version=consent_text_version,
                        consent_scope=consent.encode(scopes))
        _apply(session, expert, fields, themes, languages, seniority)
        _record_consent(session, actor, expert)
        accounts.link_new_expert(session, expert, actor_account_id=actor.account_id)
        return expert

    return idempotency.create_once(
        session, account_id=actor.account_id, operation="nominateExpert", key=idempotency_key,
        payload={**asdict(fields), "consent_given": consent_given,
                 "consent_scopes": sorted(map(str, consent_scopes)),
                 "consent_text_version": consent_text_version},
        what="an expert", model=Expert, create=create)


def _record_consent(session: Session, actor: Actor, expert: Expert) -> None:
    # Ids and scope names only: the audit chain must never hold personal data (see erasure).
    audit.record(session, actor_account_id=actor.account_id, action="expert.consent",
                 subject_type="expert", subject_id=expert.id,
                 payload={"scopes": consent.scopes_of(expert),
                          "text_version": expert.consent_version,
                          "withdrawn": expert.consent_withdrawn_at is not None})


def set_consent(session: Session, *, actor: Actor | None, expert_id: int, scopes: list[str],
                text_version: str = consent.CONSENT_TEXT_VERSION,
                expected_version: int | None = None) -> Expert:
    """Record the person's current consent; no scopes at all withdraws it (out of matching at
    once; the entry stays with its partner until the secretariat erases it)."""
    expert = get_expert(session, actor=actor, expert_id=expert_id)
    if not permissions.can_change_expert(actor, expert):
        raise PermissionDenied("only the nominating partner or the expert can record consent")
    assert actor is not None
    locking.check_version(session, expert, expected_version, what="profile")
    if expert.erased_at is not None:
        raise Conflict("this person was erased; nothing can be recorded for them")
    now = utcnow()
    if scopes:
        problems = Problems()
        chosen = consent.check(problems, scopes, text_version, field="scopes")
        problems.raise_if_any()
        expert.consent_at, expert.consent_withdrawn_at = now, None
        expert.consent_scope, expert.consent_version = consent.encode(chosen), text_version
    else:
        if expert.consent_withdrawn_at is not None:
            raise Conflict("consent is already withdrawn")
        expert.consent_withdrawn_at, expert.consent_scope = now, ""
    expert.version += 1
    expert.updated_at = now
    session.add(expert)
    session.flush()
    _record_consent(session, actor, expert)
    return expert


def update_expert(session: Session, *, actor: Actor | None, expert_id: int, changes: dict,
                  expected_version: int | None = None) -> Expert:
    expert = get_expert(session, actor=actor, expert_id=expert_id)
    if not permissions.can_change_expert(actor, expert):
        raise PermissionDenied("only the nominating partner or the expert can change this profile")
    locking.check_version(session, expert, expected_version, what="profile")
    if expert.erased_at is not None:
        raise Conflict("this person was erased; the profile can no longer change")
    assert expert.id is not None
    current = ExpertFields(
        name=expert.name, email=expert.email, nationality=expert.nationality,
        themes=themes_by_expert(session, [expert.id])[expert.id],
        languages=list(expert.languages),
        availability=availability_by_expert(session, [expert.id])[expert.id],
        phone=expert.phone, cv=expert.cv, seniority=expert.seniority,
        max_assignments=expert.max_assignments, conflict_states=list(expert.conflict_states),
    )
    fields = ExpertFields(**{**asdict(current), **changes})
    themes, languages, seniority = _validate(session, fields)
    _apply(session, expert, fields, themes, languages, seniority)
    expert.version += 1
    expert.updated_at = utcnow()
    session.add(expert)
    session.flush()
    return expert
