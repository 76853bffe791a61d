"""The demo's ready roster and urgent track: the partners record the notice periods and checks
of a few experts (ready within 72 hours, two weeks, two months; one whose medical check
expired, so out of the ready pool; one whose check expires soon, so its partner is told),
and one State marks a submitted request urgent, before the committee screens it and the
optimiser runs (so the run serves it from the ready roster). Through the services, as the
pages do."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, col, select

from facility.auth.actor import Actor
from facility.auth.models import Account, Role
from facility.experts import readiness
from facility.experts.models import CheckKind, Expert
from facility.notifications.check_expiry import queue_check_notices
from facility.requests.models import CapacityRequest, RequestStatus
from facility.timeutil import today
from governance import urgency

# (roster e-mail, notice hours, {check kind: days until it expires, from today}); a negative
# number of days: the check has expired.
READY = [
    ("expert01", 72, {}),
    ("expert02", 336, {}),
    ("expert03", 1440, {CheckKind.SECURITY_CLEARANCE: 20}),
    ("expert04", 72, {CheckKind.MEDICAL: -10}),
]
VALID_DAYS = 365
URGENT_STATE = "BRB"
URGENT_REASON = ("Reports of arbitrary detention of journalists since last week: the national "
                 "human rights institution asks for investigative support at once (demo).")


def _partner_actor(session: Session, partner_id: int) -> Actor:
    account = session.exec(select(Account).where(Account.partner_id == partner_id,
                                                 Account.role == Role.PARTNER)
                           .order_by(col(Account.id))).first()
    assert account is not None
    return Actor.from_account(account)


def seed_readiness(session: Session, *, domain: str, missions: dict[str, Actor]) -> list[str]:
    on = today()
    ready = 0
    for local, notice, expiring in READY:
        expert = session.exec(select(Expert).where(Expert.email == f"{local}@{domain}")).first()
        if expert is None:
            continue
        partner = _partner_actor(session, expert.partner_id)
        readiness.set_notice(session, actor=partner, expert=expert, notice_hours=notice,
                             expected_version=None)
        for kind in CheckKind:
            days = expiring.get(kind, VALID_DAYS)
            expires = on + timedelta(days=days)
            verified = min(on, expires - timedelta(days=VALID_DAYS))
            readiness.record_check(session, actor=partner, expert=expert, kind=kind.value,
                                   verified_on=verified, expires_on=expires, expected_version=None)
        ready += readiness.ready_on(expert, readiness.checks_by_expert(session, [expert.id]).get(  # type: ignore[list-item]
            expert.id, []), on)  # type: ignore[arg-type]
    noticed = queue_check_notices(session, on=on)
    report = [f"ready roster: {ready} of {len(READY)} experts with a notice period are ready "
              f"today ({len(noticed)} checks noticed to their partners before or at expiry)"]
    report += _urgent_request(session, missions, on)
    return report


def _urgent_request(session: Session, missions: dict[str, Actor], on: date) -> list[str]:
    """Barbados's submitted request is marked urgent, to start within two weeks of its window
    opening; the committee then screens it within its deadline (facility/demo/governance.py)."""
    for request in session.exec(select(CapacityRequest).where(
            CapacityRequest.status == RequestStatus.SUBMITTED, CapacityRequest.state_code == URGENT_STATE)
            .order_by(col(CapacityRequest.id))):
        latest = max(on, request.window_start) + timedelta(days=14)
        mission = missions.get(request.state_code)
        if mission is None or latest > request.window_end:
            continue
        urgency.mark_urgent(session, actor=mission, request_id=request.id, reason=URGENT_REASON,  # type: ignore[arg-type]
                            latest_start=latest)
        return [f"urgent track: request {request.id} of {request.state_code} marked urgent, "
                f"to start by {latest.isoformat()}"]
    return [f"urgent track: no submitted request of {URGENT_STATE} has a window for an urgent start"]
