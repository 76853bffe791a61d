"""The ready roster: who can deploy at short notice, and on what checks that rests.

The nominating partner records each person's notice period (one of `NOTICE_LEVELS`: 72
hours, two weeks, two months; none: not on the ready roster) and the checks it verified
(`CheckKind`: training, references, security clearance, medical), each with the day it was
verified and the first day it no longer holds (`expires_on`). A person is *ready* on a day
when they have a notice period, consent to matching, and a check of every kind valid that
day (verified on or before it, expiring after it): the day a check expires, they drop out of
the ready pool until the partner records it again. The daily notices before that happens are
facility/notifications/check_expiry.py.

Readiness is personal data: read by those who may read the person's profile
(auth.permissions.can_view_expert_personal), recorded by the nominating partner only, and
erased with the person (facility/experts/erasure.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from facility import audit, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.errors import Conflict, PermissionDenied, Problems, ValidationFailed
from facility.experts import consent
from facility.experts.models import CheckKind, Expert, ExpertCheck
from facility.timeutil import today, utcnow

#: The notice periods a person may commit to, in hours: 72 hours, two weeks, two months.
NOTICE_LEVELS = (72, 336, 1440)
#: Every kind of check must be valid for a person to be ready.
REQUIRED_CHECKS = tuple(CheckKind)
#: A check is verified again at least this often (a longer validity is refused as a typo).
MAX_VALIDITY_DAYS = 5 * 366


def is_valid(check: ExpertCheck, on: date) -> bool:
    return check.verified_on <= on < check.expires_on


def missing_checks(checks: list[ExpertCheck], on: date) -> list[CheckKind]:
    """The required kinds without a check valid on day `on`, in the order of `CheckKind`."""
    valid = {CheckKind(c.kind) for c in checks if is_valid(c, on)}
    return [kind for kind in REQUIRED_CHECKS if kind not in valid]


def ready_on(expert: Expert, checks: list[ExpertCheck], on: date) -> bool:
    return (expert.notice_hours is not None and expert.erased_at is None
            and consent.ConsentScope.MATCHING in consent.scopes_of(expert)
            and not missing_checks(checks, on))


@dataclass(frozen=True)
class Readiness:
    notice_hours: int | None
    checks: list[ExpertCheck]
    ready: bool

    @property
    def deployable_within_hours(self) -> int | None:
        return self.notice_hours if self.ready else None


def checks_by_expert(session: Session, expert_ids: list[int]) -> dict[int, list[ExpertCheck]]:
    result: dict[int, list[ExpertCheck]] = defaultdict(list)
    for check in session.exec(select(ExpertCheck).where(col(ExpertCheck.expert_id).in_(expert_ids))
                              .order_by(col(ExpertCheck.expert_id), col(ExpertCheck.kind))):
        result[check.expert_id].append(check)
    return result


def readiness_of(expert: Expert, checks: list[ExpertCheck], on: date | None = None) -> Readiness:
    on = on or today()
    order = {kind: i for i, kind in enumerate(CheckKind)}
    ordered = sorted(checks, key=lambda c: order[CheckKind(c.kind)])
    return Readiness(expert.notice_hours, ordered, ready_on(expert, checks, on))


def ready_notice_hours(session: Session, on: date) -> dict[int, int]:
    """Expert id -> notice hours, for every person ready on day `on` (two statements)."""
    experts = list(session.exec(select(Expert).where(
        col(Expert.notice_hours).is_not(None), consent.matchable())))
    checks = checks_by_expert(session, [e.id for e in experts])  # type: ignore[misc]
    return {e.id: e.notice_hours for e in experts  # type: ignore[misc]
            if ready_on(e, checks.get(e.id, []), on)}  # type: ignore[arg-type]


def of_partner(session: Session, partner_id: int, on: date) -> dict[int, Readiness]:
    """The readiness of each person on a partner's roster (not erased) on day `on`."""
    experts = list(session.exec(select(Expert).where(Expert.partner_id == partner_id,
                                                     col(Expert.erased_at).is_(None))))
    checks = checks_by_expert(session, [e.id for e in experts])  # type: ignore[misc]
    return {e.id: readiness_of(e, checks.get(e.id, []), on) for e in experts}  # type: ignore[misc, arg-type]


def deployable_counts(readiness: list[Readiness]) -> dict[int, int]:
    """For each notice level, how many of these people could deploy within it today (a
    person ready within 72 hours counts for two weeks and two months as well)."""
    return {level: sum(1 for r in readiness
                       if r.deployable_within_hours is not None
                       and r.deployable_within_hours <= level)
            for level in NOTICE_LEVELS}


def _require_partner_of(actor: Actor | None, expert: Expert) -> Actor:
    if not permissions.can_record_readiness(actor, expert):
        raise PermissionDenied("only the partner that nominated this expert records their "
                               "readiness and checks")
    assert actor is not None
    if expert.erased_at is not None:
        raise Conflict("this person was erased; nothing can be recorded for them")
    return actor


def _touch(session: Session, expert: Expert) -> None:
    expert.version += 1
    expert.updated_at = utcnow()
    session.add(expert)
    session.flush()


def set_notice(session: Session, *, actor: Actor | None, expert: Expert, notice_hours: int | None,
               expected_version: int | None) -> Expert:
    """Put the person on the ready roster with this notice period, or take them off (None).
    `expert` is one the caller may see (experts.service.get_expert)."""
    actor = _require_partner_of(actor, expert)
    locking.check_version(session, expert, expected_version, what="profile")
    if notice_hours is not None and notice_hours not in NOTICE_LEVELS:
        raise ValidationFailed.single(
            "noticeHours", "notice_level",
            f"noticeHours: {notice_hours} is not a notice period of the ready roster "
            f"({', '.join(map(str, NOTICE_LEVELS))} hours), or null to take the person off it")
    expert.notice_hours = notice_hours
    _touch(session, expert)
    # Ids only in the audit chain: the notice period is the person's own (see erasure).
    audit.record(session, actor_account_id=actor.account_id, action="expert.readiness",
                 subject_type="expert", subject_id=expert.id,
                 payload={"on_ready_roster": notice_hours is not None})
    return expert


def record_check(session: Session, *, actor: Actor | None, expert: Expert, kind: str,
                 verified_on: date, expires_on: date,
                 expected_version: int | None) -> Expert:
    """Record that the partner verified a check of this kind (replacing the last one)."""
    actor = _require_partner_of(actor, expert)
    locking.check_version(session, expert, expected_version, what="profile")
    problems = Problems()
    try:
        check_kind = CheckKind(kind)
    except ValueError:
        problems.add("kind", "known_kind", f"kind: {kind!r} is not one of "
                     f"{', '.join(k.value for k in CheckKind)}")
    on = today()
    if verified_on > on:
        problems.add("verifiedOn", "not_future",
                     f"verifiedOn: {verified_on} is in the future; record a check once it is done")
    if expires_on <= verified_on:
        problems.add("expiresOn", "after_verified",
                     f"expiresOn: {expires_on} must be after verifiedOn {verified_on}")
    elif (expires_on - verified_on).days > MAX_VALIDITY_DAYS:
        problems.add("expiresOn", "max_validity",
                     f"expiresOn: a check holds at most {MAX_VALIDITY_DAYS} days; verify it again "
                     "before then")
    problems.raise_if_any()
    row = session.exec(select(ExpertCheck).where(ExpertCheck.expert_id == expert.id,
                                                 ExpertCheck.kind == check_kind.value)).first()
    if row is None:
        row = ExpertCheck(expert_id=expert.id, kind=check_kind, verified_on=verified_on,  # type: ignore[arg-type]
                          expires_on=expires_on, recorded_by_id=actor.account_id)
    else:
        row.verified_on, row.expires_on = verified_on, expires_on
        row.recorded_by_id, row.recorded_at = actor.account_id, utcnow()
    session.add(row)
    _touch(session, expert)
    audit.record(session, actor_account_id=actor.account_id, action="expert.check",
                 subject_type="expert", subject_id=expert.id, payload={"kind": check_kind.value})
    return expert
