"""The committee's five seats, one per regional group; a seat can change hands, history is kept."""

from __future__ import annotations

from sqlmodel import Session, col, select

from facility import audit
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Account, Role
from facility.errors import NotFound, PermissionDenied, Problems
from facility.reference.models import GROUP_CODES, State
from facility.timeutil import utcnow
from governance.models import CommitteeSeat


def require_secretariat(actor: Actor | None, doing: str) -> Actor:
    if not permissions.is_secretariat(actor):
        raise PermissionDenied(f"only the secretariat can {doing}")
    return actor


def current_seats(session: Session) -> list[CommitteeSeat]:
    """The seats held now, ordered by regional group."""
    return list(session.exec(
        select(CommitteeSeat).where(col(CommitteeSeat.ended_at).is_(None))
        .order_by(CommitteeSeat.group_code)))


def seat_of(session: Session, actor: Actor | None) -> CommitteeSeat | None:
    """The seat the caller holds now, if any."""
    if not permissions.may_hold_seat(actor):
        return None
    return session.exec(
        select(CommitteeSeat).where(CommitteeSeat.account_id == actor.account_id,
                                    col(CommitteeSeat.ended_at).is_(None))
    ).first()


def holds_seat(session: Session, account_id: int | None) -> bool:
    """Whether the account holds a committee seat now."""
    return session.exec(select(CommitteeSeat.id).where(
        col(CommitteeSeat.account_id) == account_id, col(CommitteeSeat.ended_at).is_(None))
    ).first() is not None


def require_member(session: Session, actor: Actor | None, doing: str) -> CommitteeSeat:
    """The caller's current seat; only seated members act as the committee."""
    seat = seat_of(session, actor)
    if seat is None:
        raise PermissionDenied(f"only committee members holding a seat can {doing}")
    return seat


def seat_member(session: Session, *, actor: Actor | None, group_code: str,
                member_email: str) -> CommitteeSeat:
    """Give the group's seat to a committee account; the previous holder's term ends now."""
    actor = require_secretariat(actor, "seat committee members")
    problems = Problems()
    group_code = group_code.strip().upper()
    if group_code not in GROUP_CODES:
        problems.add("groupCode", "known_group", f"groupCode: must be one of {', '.join(GROUP_CODES)}")
    member = session.exec(select(Account).where(Account.email == member_email.strip().lower())).first()
    if member is None:
        raise NotFound(f"no account with e-mail {member_email.strip().lower()}")
    if member.role != Role.COMMITTEE:
        problems.add("memberEmail", "committee_account",
                     "memberEmail: the account must have the committee role")
    state = session.get(State, member.state_code) if member.state_code else None
    if state is None:
        problems.add("memberEmail", "bound_to_state",
                     "memberEmail: a member must be bound to the State they represent")
    elif state.is_observer or state.regional_group_code != group_code:
        problems.add("memberEmail", "state_in_group",
                     f"memberEmail: {state.name} is not a member State of the {group_code} group")
    if member.regional_group_code and member.regional_group_code != group_code:
        problems.add("memberEmail", "account_group",
                     f"memberEmail: the account is bound to {member.regional_group_code}")
    elsewhere = seat_of(session, Actor.from_account(member))
    if elsewhere is not None and elsewhere.group_code != group_code:
        problems.add("memberEmail", "one_seat", f"memberEmail: already holds the {elsewhere.group_code} seat")
    problems.raise_if_any()

    # Two seatings of one group at once must not leave two open seats: queue them.
    audit.lock_chain(session)
    now = utcnow()
    previous = session.exec(select(CommitteeSeat).where(
        col(CommitteeSeat.group_code) == group_code, col(CommitteeSeat.ended_at).is_(None))).first()
    if previous is not None and previous.account_id == member.id:
        return previous  # already seated (a retry): the term goes on, nothing is recorded
    if previous is not None:
        previous.ended_at = now
        session.add(previous)
    seat = CommitteeSeat(group_code=group_code, account_id=member.id, state_code=member.state_code,  # type: ignore[arg-type]
                         started_at=now)
    session.add(seat)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="seat.assigned",
                 subject_type="committee_seat", subject_id=seat.id,
                 payload={"group": group_code, "account": member.id, "state": member.state_code,
                          "previous_seat": previous.id if previous else None})
    return seat
