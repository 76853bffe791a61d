"""Referrals: the secretariat records a situation the Council's President or OHCHR refers to the
facility (A/HRC/43/37, para 65); the State concerned alone decides what becomes of it.

Accepting files a draft request pre-filled from the referral (through the requests service, as
any draft), which the State edits and submits as usual: nothing is matched for a State that
did not ask, since only a submitted, screened request ever reaches a run. Declining records the
State's reason, which stays private unless the State makes the referral and its reason public.
Every step is audited in the caller's transaction; free text stays out of the audit payload.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from facility import audit, idempotency, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.errors import InvalidTransition, NotFound, PermissionDenied, Problems
from facility.notifications import steps
from facility.reference.models import Recommendation, State
from facility.referrals.lifecycle import REFERRAL
from facility.referrals.models import Referral, ReferralSource, ReferralStatus
from facility.requests import service as requests
from facility.requests.models import CapacityRequest
from facility.timeutil import today, utcnow
from facility.validation import check_characters, check_text, storable

MAX_SUMMARY = 5_000
MAX_REASON = 2_000
MAX_SYMBOL = 60
# A Human Rights Council document symbol: A/HRC/, then the series and numbers of the document,
# e.g. A/HRC/RES/55/12, A/HRC/DEC/54/115, A/HRC/PRST/OS/17/1, A/HRC/55/L.12/Rev.1, and the
# special sessions' A/HRC/RES/S-35/1.
SYMBOL = re.compile(r"A/HRC/(?:[A-Z]+/)*(?:S-)?\d+(?:/[A-Za-z]*\.?\d+|/[A-Z]+)*")

# What a referral cannot say about the support a State would want: the draft request starts
# with these, for the State to change before it submits (the pages say so).
DRAFT_LANGUAGES = ["en"]
DRAFT_SUPPORT_KINDS = ["EXPERT_MISSION"]
DRAFT_STARTS_IN = timedelta(days=90)
DRAFT_WINDOW = timedelta(days=182)
DRAFT_WEEKS = 4
DRAFT_EXPERTS = 1
DRAFT_BUDGET = 50_000
DRAFT_CURRENCY = "USD"
DRAFT_PRIORITY = 3


@dataclass
class ReferralFields:
    """What the secretariat records of a referral."""

    source: str
    document_symbol: str
    state_code: str
    title: str
    summary: str
    recommendation_ids: list[int] = field(default_factory=list)


def _not_found(referral_id: int) -> NotFound:
    return NotFound(f"no referral with id {referral_id}")


def get_referral(session: Session, *, actor: Actor | None, referral_id: int) -> Referral:
    """The referral, if this caller may see it."""
    referral = permissions.find_visible(session, Referral, referral_id,
                                        permissions.referral_visibility(actor))
    if referral is None:
        raise _not_found(referral_id)
    return referral


def list_referrals(session: Session, *, actor: Actor | None, status: ReferralStatus | None = None,
                   state_code: str | None = None, limit: int,
                   offset: int) -> tuple[list[Referral], int]:
    """A page of the referrals this caller may see, newest first, and their total count."""
    condition = permissions.referral_visibility(actor)
    if status is not None:
        condition = condition & (Referral.status == status)  # type: ignore[assignment]
    if state_code is not None:
        condition = condition & (Referral.state_code == state_code.strip().upper())  # type: ignore[assignment]
    total = session.exec(select(func.count()).select_from(Referral).where(condition)).one()
    rows = session.exec(select(Referral).where(condition).order_by(
        Referral.id.desc()).offset(offset).limit(limit)).all()  # type: ignore[union-attr]
    return list(rows), total


def _check_recommendations(session: Session, problems: Problems, ids: list[int],
                           state_code: str) -> list[int]:
    wanted = list(dict.fromkeys(ids))
    found = dict(session.exec(select(Recommendation.id, Recommendation.state_code).where(
        Recommendation.id.in_(wanted))).all()) if wanted else {}  # type: ignore[union-attr]
    for rid in wanted:
        if rid not in found:
            problems.add("recommendationIds", "exists",
                         "recommendationIds: one of the recommendations does not exist")
        elif found[rid] != state_code:
            problems.add("recommendationIds", "addressed_to_own_state",
                         f"recommendationIds: a recommendation addressed to {found[rid]}, not "
                         f"to {state_code}")
    return wanted


def _validate(session: Session, fields: ReferralFields) -> ReferralFields:
    problems = Problems()
    if fields.source not in ReferralSource.__members__:
        problems.add("source", "one_of", f"source: {fields.source!r} is not one of "
                     f"{', '.join(ReferralSource)}")
    symbol = (fields.document_symbol or "").strip()
    if check_characters(problems, "documentSymbol", symbol):  # else that problem alone
        if not symbol:
            problems.add("documentSymbol", "required",
                         "documentSymbol: give the Council document that refers the situation")
        elif len(symbol) > MAX_SYMBOL or not SYMBOL.fullmatch(symbol):
            problems.add("documentSymbol", "document_symbol",
                         f"documentSymbol: {symbol[:MAX_SYMBOL]!r} is not a Human Rights "
                         "Council document symbol, such as A/HRC/RES/55/12")
    code = (fields.state_code or "").strip().upper()
    if session.exec(select(State.code).where(State.code.in_(storable([code])))).first() is None:  # type: ignore[attr-defined]
        problems.add("stateCode", "known_state",
                     f"stateCode: {code!r} is not a known ISO3 State code")
    check_text(problems, "title", fields.title, min_length=3, max_length=200)
    check_text(problems, "summary", fields.summary, max_length=MAX_SUMMARY)
    recommendation_ids = _check_recommendations(session, problems, fields.recommendation_ids, code)
    problems.raise_if_any()
    return ReferralFields(source=fields.source, document_symbol=symbol, state_code=code,
                          title=fields.title.strip(), summary=fields.summary.strip(),
                          recommendation_ids=recommendation_ids)


def refer_situation(session: Session, *, actor: Actor | None, fields: ReferralFields,
                    idempotency_key: str | None = None) -> Referral:
    """Record a referral (the secretariat) and tell the State concerned, which alone answers."""
    if not permissions.can_record_referrals(actor):
        raise PermissionDenied("only the secretariat records referrals")
    assert actor is not None

    def create() -> Referral:
        clean = _validate(session, fields)
        referral = Referral(source=ReferralSource(clean.source),
                            document_symbol=clean.document_symbol, state_code=clean.state_code,
                            title=clean.title, summary=clean.summary,
                            recommendation_ids=clean.recommendation_ids,
                            recorded_by_id=actor.account_id)
        session.add(referral)
        session.flush()
        _audit(session, actor, referral, "recorded", {
            "source": str(referral.source), "symbol": referral.document_symbol,
            "recommendations": referral.recommendation_ids})
        steps.referral_to_answer(session, referral)
        return referral

    return idempotency.create_once(
        session, account_id=actor.account_id, operation="referSituation", key=idempotency_key,
        payload=asdict(fields), what="a referral", model=Referral, create=create)


@dataclass
class Answer:
    """The State's answer. `recommendation_ids` (accepting) are those the draft links instead
    of the referral's; `public` makes the referral and the answer public, `reason_public` a
    decline's reason too."""

    accept: bool
    reason: str = ""
    public: bool = False
    reason_public: bool = False
    recommendation_ids: list[int] | None = None
    themes: list[str] | None = None  # accepting: the draft's themes, else its recommendations'


def _check_answer(answer: Answer) -> str:
    problems = Problems()
    reason = (answer.reason or "").strip()
    if answer.accept:
        if reason:
            problems.add("reason", "decline_only", "reason: only a decline carries a reason")
        if answer.reason_public:
            problems.add("reasonPublic", "decline_only",
                         "reasonPublic: only a decline has a reason to make public")
    else:
        for name, given in (("recommendationIds", answer.recommendation_ids),
                            ("themes", answer.themes)):
            if given:
                problems.add(name, "accept_only",
                             f"{name}: only an accepted referral becomes a request")
        check_text(problems, "reason", reason, max_length=MAX_REASON)
        if answer.reason_public and not answer.public:
            problems.add("reasonPublic", "needs_public",
                         "reasonPublic: the reason can be public only if the referral is")
    problems.raise_if_any()
    return reason


def draft_fields(referral: Referral, recommendation_ids: list[int] | None = None,
                 themes: list[str] | None = None) -> requests.RequestFields:
    """The draft request an accepted referral becomes: its title, its summary as the need, its
    recommendations (or those the State chose) and their themes (or those the State chose),
    and starting values for the rest."""
    start = today() + DRAFT_STARTS_IN
    return requests.RequestFields(
        title=referral.title, need=referral.summary,
        recommendation_ids=list(referral.recommendation_ids if recommendation_ids is None
                                else recommendation_ids),
        languages=list(DRAFT_LANGUAGES), support_kinds=list(DRAFT_SUPPORT_KINDS),
        window_start=start, window_end=start + DRAFT_WINDOW, weeks=DRAFT_WEEKS,
        experts_needed=DRAFT_EXPERTS, budget=DRAFT_BUDGET, currency=DRAFT_CURRENCY,
        priority=DRAFT_PRIORITY, themes=themes or None)


def respond_to_referral(session: Session, *, actor: Actor | None, referral_id: int, answer: Answer,
                        expected_version: int | None = None) -> Referral:
    """The State concerned accepts (a draft request is filed for it to edit) or declines (with
    its reason); a referral is answered once."""
    referral = get_referral(session, actor=actor, referral_id=referral_id)
    if not permissions.can_answer_referral(actor, referral):
        raise PermissionDenied("only the mission of the State concerned answers a referral")
    assert actor is not None
    locking.check_version(session, referral, expected_version, what="referral")
    to = ReferralStatus.ACCEPTED if answer.accept else ReferralStatus.DECLINED
    if not REFERRAL.allows(referral.status, to):
        raise InvalidTransition(f"this referral was answered already: it is {referral.status}")
    reason = _check_answer(answer)
    payload: dict = {"public": answer.public}
    if answer.accept:
        request = requests.create_request(session, actor=actor,
                                          fields=draft_fields(referral, answer.recommendation_ids,
                                                              answer.themes))
        request.referral_id = referral.id
        session.add(request)
        payload["request"] = request.id
    else:
        referral.decline_reason = reason
        referral.reason_public = answer.reason_public
        payload["reason_public"] = answer.reason_public
    REFERRAL.move(referral, to)
    referral.public = answer.public
    referral.answered_at = utcnow()
    referral.answered_by_id = actor.account_id
    session.add(referral)
    session.flush()
    _audit(session, actor, referral, "accepted" if answer.accept else "declined", payload)
    steps.referral_answered(session, referral)
    return referral


def request_of(session: Session, *, actor: Actor | None, referral: Referral) -> CapacityRequest | None:
    """The request the State filed by accepting the referral, if the caller may see it (a
    draft is the State's own)."""
    return session.exec(select(CapacityRequest).where(
        CapacityRequest.referral_id == referral.id, permissions.request_visibility(actor))).first()


def _audit(session: Session, actor: Actor, referral: Referral, step: str, payload: dict) -> None:
    audit.record(session, actor_account_id=actor.account_id, action=f"referral.{step}",
                 subject_type="referral", subject_id=referral.id,
                 payload={"state": referral.state_code, **payload})
