"""Linking a person's expert account to their roster entry.

A partner nominates the person (the roster entry, with their e-mail address) and the
secretariat creates their account (role expert, bound to the same partner). Whichever comes
second links the two when the e-mail address and the partner agree, so that the expert can
sign in to their own profile and deployments. An e-mail address alone never links across
partners: a roster entry belongs to the partner that nominated it.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from facility import audit
from facility.auth.models import Account, Role
from facility.experts.models import Expert


def link_new_account(session: Session, account: Account, *,
                     actor_account_id: int | None = None) -> Expert | None:
    """After an expert account is created: link it to its partner's entry with its e-mail."""
    if account.role != Role.EXPERT or account.partner_id is None:
        return None
    expert = session.exec(select(Expert).where(
        Expert.partner_id == account.partner_id, Expert.email == account.email,
        col(Expert.account_id).is_(None), col(Expert.erased_at).is_(None))).first()
    return _link(session, expert, account, actor_account_id) if expert else None


def link_new_expert(session: Session, expert: Expert, *,
                    actor_account_id: int | None = None) -> Account | None:
    """After a nomination: link the entry to an expert account of the same partner and e-mail
    address that is not linked to another entry yet."""
    linked = select(col(Expert.account_id)).where(col(Expert.account_id).is_not(None))
    account = session.exec(select(Account).where(
        Account.role == Role.EXPERT, Account.partner_id == expert.partner_id,
        col(Account.email) == expert.email, col(Account.id).not_in(linked))).first()
    if account is None:
        return None
    _link(session, expert, account, actor_account_id)
    return account


def _link(session: Session, expert: Expert, account: Account,
          actor_account_id: int | None) -> Expert:
    expert.account_id = account.id
    session.add(expert)
    session.flush()
    # Ids only: the audit chain never holds the e-mail address that matched.
    audit.record(session, actor_account_id=actor_account_id, action="expert.account_linked",
                 subject_type="expert", subject_id=expert.id, payload={"account": account.id})
    return expert
