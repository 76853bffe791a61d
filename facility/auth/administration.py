"""The secretariat manages accounts: list them, create one for a role and its tenant, deactivate.

Each change is audited in the same transaction. A deactivated account can no longer sign in,
and its sessions end at their next request (web_sessions.resolve only accepts active accounts).
"""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from facility import audit
from facility.auth.actor import Actor
from facility.auth.models import Account, Partner, Role
from facility.auth.service import create_account
from facility.errors import Conflict, NotFound
from facility.locking import lock
from governance.committee import require_secretariat


def list_accounts(session: Session, *, actor: Actor | None, limit: int,
                  offset: int) -> tuple[list[Account], int]:
    require_secretariat(actor, "list accounts")
    total = session.exec(select(func.count()).select_from(Account)).one()
    rows = session.exec(select(Account).order_by(Account.role, Account.email)
                        .offset(offset).limit(limit)).all()
    return list(rows), total


def partners_of(session: Session, *, actor: Actor | None, accounts: list[Account]) -> dict[int, str]:
    """The names of the partners the listed accounts belong to (the accounts list names them)."""
    require_secretariat(actor, "list accounts")
    ids = {a.partner_id for a in accounts if a.partner_id is not None}
    if not ids:
        return {}
    rows = session.exec(select(Partner).where(col(Partner.id).in_(ids)))
    return {p.id: p.name for p in rows if p.id is not None}


def open_account(session: Session, *, actor: Actor | None, role: Role, email: str, name: str,
                 password: str, state_code: str | None = None, partner_name: str | None = None,
                 group_code: str | None = None) -> Account:
    """A new account bound to its tenant (validation as `create_account`), audited."""
    actor = require_secretariat(actor, "create accounts")
    account = create_account(session, role=role, email=email, name=name, password=password,
                             state_code=state_code, partner_name=partner_name, group_code=group_code)
    record_created(session, account, actor_account_id=actor.account_id)
    return account


def record_created(session: Session, account: Account, *, actor_account_id: int | None) -> None:
    """The audit entry of a new account, whoever opened it: the secretariat on its page, or an
    operator with `facility accounts create` (no account acts: `actor_account_id` None)."""
    audit.record(session, actor_account_id=actor_account_id, action="account.created",
                 subject_type="account", subject_id=account.id,
                 payload={"role": Role(account.role).value, "state": account.state_code,
                          "partner": account.partner_id, "group": account.regional_group_code})


def deactivate_account(session: Session, *, actor: Actor | None, account_id: int) -> Account:
    actor = require_secretariat(actor, "deactivate accounts")
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound(f"no account with id {account_id}")
    lock(session, account)  # fifty deactivations at once: one, the others find it done
    if account.id == actor.account_id:
        raise Conflict("you cannot deactivate your own account")
    if not account.active:
        raise Conflict(f"the account {account.email} is already deactivated")
    account.active = False
    session.add(account)
    session.flush()
    audit.record(session, actor_account_id=actor.account_id, action="account.deactivated",
                 subject_type="account", subject_id=account.id, payload={"role": Role(account.role).value})
    return account
