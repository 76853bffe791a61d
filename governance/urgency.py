"""The urgent track: a request that cannot wait for the usual pace.

The requesting State marks its submitted request urgent, with a reason and the latest day
the mission may start; so may the secretariat (for OHCHR's own investigative needs), which
records that the State consented, since the mission is in the State's territory. From then:

- the committee has `voting.urgent_decision_hours` of the criteria in force (72 by default)
  to decide the screening: `decide_by` is fixed at the marking, shown as a clock on the
  committee's queue and on the State's request page; the quorum rules are unchanged;
- every seated member is notified at once (REQUEST_URGENT), and so is the State when the
  secretariat marked it;
- the optimiser proposes the request only from experts on the ready roster whose notice
  period lets them start by `latest_start` (governance/runs.py passes `urgent` and
  `latest_start`, matching/rules.py decides).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, col

from facility import audit, locking
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Account, Role
from facility.errors import Conflict, PermissionDenied, Problems
from facility.ids import encode_id
from facility.notifications import steps
from facility.notifications.models import NotificationKind
from facility.reference.models import State
from facility.requests import service as requests
from facility.requests.models import CapacityRequest, RequestStatus
from facility.timeutil import as_utc, today, utcnow
from facility.validation import check_text
from governance import committee
from governance.criteria import body_in_force

#: Statuses in which a request may be marked urgent: handed to the committee, not yet screened.
MARKABLE = (RequestStatus.SUBMITTED,)


def mark_urgent(session: Session, *, actor: Actor | None, request_id: int, reason: str,
                latest_start: date, expected_version: int | None = None,
                state_consent: bool = False) -> CapacityRequest:
    request = requests.get_request(session, actor=actor, request_id=request_id)
    if not permissions.can_mark_urgent(actor, request):
        raise PermissionDenied("only the requesting State's mission, or the secretariat with "
                               "the State's consent, marks a request urgent")
    assert actor is not None
    locking.check_version(session, request, expected_version, what="request")
    if request.status not in MARKABLE:
        raise Conflict(f"a request in status {request.status} cannot be marked urgent: only a "
                       "submitted request, before the committee decides its screening")
    if request.urgent:
        raise Conflict("this request is already marked urgent")
    problems = Problems()
    check_text(problems, "reason", reason, min_length=10, max_length=2000)
    if actor.role == Role.SECRETARIAT and not state_consent:
        problems.add("stateConsent", "required",
                     "stateConsent: the secretariat marks a request urgent only with the "
                     "consent of the State concerned")
    if latest_start < today():
        problems.add("latestStart", "future", f"latestStart: {latest_start} is in the past")
    elif not request.window_start <= latest_start <= request.window_end:
        problems.add("latestStart", "in_window",
                     f"latestStart: {latest_start} must be within the request's window "
                     f"{request.window_start} to {request.window_end}")
    problems.raise_if_any()
    _version, criteria = body_in_force(session)
    now = utcnow()
    request.urgent, request.urgent_reason = True, reason.strip()
    request.latest_start, request.urgent_by_id, request.urgent_at = latest_start, actor.account_id, now
    request.decide_by = now + timedelta(hours=criteria.voting.urgent_decision_hours)
    request.version += 1
    request.updated_at = now
    session.add(request)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="request.urgent",
                 subject_type="capacity_request", subject_id=request.id,
                 payload={"latest_start": latest_start.isoformat(),
                          "decide_by": request.decide_by.isoformat(),
                          "by": str(actor.role), "state_consent": bool(state_consent)})
    _notify(session, request, by_secretariat=actor.role == Role.SECRETARIAT)
    return request


def _notify(session: Session, request: CapacityRequest, *, by_secretariat: bool) -> int:
    members = [s.account_id for s in committee.current_seats(session)]
    state = session.get(State, request.state_code)
    name = state.name if state else request.state_code
    assert request.decide_by is not None and request.latest_start is not None
    deadline = as_utc(request.decide_by).strftime("%Y-%m-%d %H:%M UTC")  # type: ignore[union-attr]
    subject = f"Urgent request: screening to be decided by {deadline} ({name})"
    body = (f"The request \"{request.title}\" of {name} is marked urgent: the mission must start "
            f"by {request.latest_start.isoformat()}. The committee decides its screening by "
            f"{deadline}; the quorum rules are unchanged.\n\n"
            f"Request id (GraphQL request): {encode_id('CapacityRequest', request.id)}\n\n"  # type: ignore[arg-type]
            + steps.FOOTER)
    recipients = steps.accounts_where(session, col(Account.id).in_(members))
    if by_secretariat:
        recipients += steps.accounts_where(session, steps.of_state(request.state_code))
    return steps.queue(session, recipients, kind=NotificationKind.REQUEST_URGENT,
                       subject=subject, body=body, due_date=today(), request_id=request.id)


@dataclass(frozen=True)
class Clock:
    """Where an urgent request stands against its deadline."""

    decide_by: datetime
    hours_left: int  # whole hours, 0 once the deadline has passed
    overdue: bool


def clock(request: CapacityRequest, now: datetime | None = None) -> Clock | None:
    """The clock of an urgent request, None for any other."""
    if not request.urgent or request.decide_by is None:
        return None
    deadline = as_utc(request.decide_by)
    assert deadline is not None
    left = deadline - (now or utcnow())
    seconds = left.total_seconds()
    return Clock(deadline, max(0, int(seconds // 3600)), seconds <= 0)
