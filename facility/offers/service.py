"""Partners' offers: create, edit, publish, close."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date

from sqlalchemy import String, cast, delete, func, or_
from sqlmodel import Session, col, select

from facility import idempotency, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.errors import Conflict, NotFound, PermissionDenied, Problems
from facility.offers import lifecycle
from facility.offers.models import Offer, OfferKind, OfferStatus, OfferTheme
from facility.reference.models import Theme
from facility.timeutil import utcnow
from facility.validation import (
    check_currency,
    check_enum_values,
    check_groups,
    check_languages,
    check_positive,
    check_range,
    check_states,
    check_text,
    check_text_language,
    check_window,
    resolve_themes,
)


@dataclass
class OfferFields:
    title: str
    kind: str
    themes: list[str]
    languages: list[str]
    budget: int
    currency: str
    max_requests: int
    window_start: date
    window_end: date
    eligible_groups: list[str] | None = None
    eligible_states: list[str] | None = None
    description: str = ""
    conditions: str = ""
    language: str = "en"  # ISO 639-1: the language the title, description and conditions are in


def get_offer(session: Session, *, actor: Actor | None, offer_id: int) -> Offer:
    offer = permissions.find_visible(session, Offer, offer_id, permissions.offer_visibility(actor))
    if offer is None:
        raise NotFound(f"no offer with id {offer_id}")
    return offer


def list_offers(session: Session, *, actor: Actor | None, status: OfferStatus | None = None,
                limit: int, offset: int, theme_id: int | None = None, group_code: str | None = None,
                kind: OfferKind | None = None,
                partner_id: int | None = None) -> tuple[list[Offer], int]:
    """A page of the offers the caller may see, newest first, optionally filtered; and the total.

    `group_code` keeps offers open to that regional group (those open to every group included);
    `partner_id` keeps one partner's offers.
    """
    condition = permissions.offer_visibility(actor)
    if partner_id is not None:
        condition = condition & (Offer.partner_id == partner_id)
    if status is not None:
        condition = condition & (Offer.status == status)
    if kind is not None:
        condition = condition & (Offer.kind == kind)
    if theme_id is not None:
        condition = condition & col(Offer.id).in_(
            select(OfferTheme.offer_id).where(OfferTheme.theme_id == theme_id))
    if group_code is not None:
        # eligible_groups is a JSON list of codes (or null: every group). Codes are plain upper-case
        # words, so matching the quoted code in the JSON text is exact on both databases.
        groups_text = cast(Offer.eligible_groups, String)
        condition = condition & or_(col(Offer.eligible_groups).is_(None),
                                    groups_text == "null",
                                    groups_text.like(f'%"{group_code}"%'))
    total = session.exec(select(func.count()).select_from(Offer).where(condition)).one()
    rows = session.exec(
        select(Offer).where(condition).order_by(col(Offer.id).desc()).offset(offset).limit(limit)
    ).all()
    return list(rows), total


def themes_by_offer(session: Session, offer_ids: list[int]) -> dict[int, list[str]]:
    result: dict[int, list[str]] = defaultdict(list)
    rows = session.exec(
        select(col(OfferTheme.offer_id), col(Theme.name)).join(Theme, col(Theme.id) == OfferTheme.theme_id)
        .where(col(OfferTheme.offer_id).in_(offer_ids)).order_by(col(OfferTheme.offer_id), col(Theme.name))
    ).all()
    for offer_id, name in rows:
        result[offer_id].append(name)
    return result


def _validate(session: Session, fields: OfferFields) -> tuple[list[Theme], OfferFields]:
    problems = Problems()
    check_text(problems, "title", fields.title, min_length=3, max_length=200)
    check_text(problems, "description", fields.description, min_length=0, max_length=10_000)
    check_text(problems, "conditions", fields.conditions, min_length=0, max_length=10_000)
    kind = check_enum_values(problems, "kind", [fields.kind], OfferKind, required=True)
    themes = resolve_themes(session, problems, "themes", fields.themes)
    if not fields.themes:
        problems.add("themes", "required", "themes: at least one theme")
    languages = check_languages(problems, "languages", fields.languages, required=True)
    language = check_text_language(problems, "language", fields.language)
    groups = check_groups(problems, "eligibleGroups", fields.eligible_groups)
    states = check_states(session, problems, "eligibleStates", fields.eligible_states)
    check_positive(problems, "budget", fields.budget)
    check_currency(problems, "currency", fields.currency)
    check_range(problems, "maxRequests", fields.max_requests, 1, 1000)
    check_window(problems, fields.window_start, fields.window_end,
                 start_field="windowStart", end_field="windowEnd")
    problems.raise_if_any()
    cleaned = OfferFields(**{**asdict(fields), "kind": kind[0], "languages": languages, "language": language,
                             "eligible_groups": groups, "eligible_states": states,
                             "currency": fields.currency.upper()})
    return themes, cleaned


def _apply(offer: Offer, fields: OfferFields) -> None:
    offer.title = fields.title.strip()
    offer.kind = OfferKind(fields.kind)
    offer.description = fields.description.strip()
    offer.conditions = fields.conditions.strip()
    offer.languages = fields.languages
    offer.language = fields.language
    offer.eligible_groups = fields.eligible_groups
    offer.eligible_states = fields.eligible_states
    offer.budget = fields.budget
    offer.currency = fields.currency
    offer.max_requests = fields.max_requests
    offer.window_start = fields.window_start
    offer.window_end = fields.window_end


def _store_themes(session: Session, offer: Offer, themes: list[Theme]) -> None:
    session.exec(delete(OfferTheme).where(col(OfferTheme.offer_id) == offer.id))
    for theme in themes:
        session.add(OfferTheme(offer_id=offer.id, theme_id=theme.id))


def create_offer(session: Session, *, actor: Actor | None, fields: OfferFields,
                 idempotency_key: str | None = None) -> Offer:
    """A draft offer of the caller's partner organisation."""
    if not permissions.can_post_offers(actor):
        raise PermissionDenied("only a partner's account can post offers")
    assert actor is not None
    def create() -> Offer:
        themes, cleaned = _validate(session, fields)
        offer = Offer(partner_id=actor.partner_id, created_by_id=actor.account_id,  # type: ignore[arg-type]
                      title="", kind=OfferKind(cleaned.kind), budget=0, currency="",
                      max_requests=1, window_start=cleaned.window_start,
                      window_end=cleaned.window_end)
        _apply(offer, cleaned)
        session.add(offer)
        session.flush()
        _store_themes(session, offer, themes)
        session.flush()
        return offer

    return idempotency.create_once(
        session, account_id=actor.account_id, operation="createOffer", key=idempotency_key,
        payload=asdict(fields), what="an offer", model=Offer, create=create)


def _own_offer(session: Session, actor: Actor | None, offer_id: int,
               expected_version: int | None = None) -> Offer:
    offer = get_offer(session, actor=actor, offer_id=offer_id)
    if not permissions.can_change_offer(actor, offer):
        raise PermissionDenied("only the partner that posted this offer can change it")
    return locking.check_version(session, offer, expected_version, what="offer")


def _touch(offer: Offer) -> None:
    offer.version += 1
    offer.updated_at = utcnow()


def update_offer(session: Session, *, actor: Actor | None, offer_id: int, changes: dict,
                 expected_version: int | None = None) -> Offer:
    offer = _own_offer(session, actor, offer_id, expected_version)
    if offer.status == OfferStatus.CLOSED:
        raise Conflict("a closed offer can no longer be edited")
    current = OfferFields(
        title=offer.title, kind=offer.kind,
        themes=themes_by_offer(session, [offer.id])[offer.id],  # type: ignore[list-item]
        languages=list(offer.languages), budget=offer.budget, currency=offer.currency,
        max_requests=offer.max_requests, window_start=offer.window_start,
        window_end=offer.window_end, eligible_groups=offer.eligible_groups,
        eligible_states=offer.eligible_states, description=offer.description,
        conditions=offer.conditions, language=offer.language,
    )
    for name, value in changes.items():
        setattr(current, name, value)
    themes, cleaned = _validate(session, current)
    _apply(offer, cleaned)
    _store_themes(session, offer, themes)
    _touch(offer)
    session.add(offer)
    session.flush()
    return offer


def publish_offer(session: Session, *, actor: Actor | None, offer_id: int) -> Offer:
    """Make a draft offer visible to States and open to matching."""
    offer = _own_offer(session, actor, offer_id)
    lifecycle.transition(offer, OfferStatus.PUBLISHED,
                         refusal=f"only a draft offer can be published; this one is {offer.status}")
    offer.published_at = utcnow()
    session.add(offer)
    session.flush()
    return offer


def close_offer(session: Session, *, actor: Actor | None, offer_id: int) -> Offer:
    """Stop an offer from being matched again (existing engagements go on)."""
    offer = _own_offer(session, actor, offer_id)
    lifecycle.transition(offer, OfferStatus.CLOSED, refusal="this offer is already closed")
    session.add(offer)
    session.flush()
    return offer


def offers_by_id(session: Session, *, actor: Actor | None, offer_ids: list[int]) -> dict[int, Offer]:
    """The offers with these ids that the caller may see, in one statement."""
    if not offer_ids:
        return {}
    rows = session.exec(select(Offer).where(permissions.offer_visibility(actor),
                                            col(Offer.id).in_(set(offer_ids)))).all()
    return {o.id: o for o in rows}  # type: ignore[misc]
