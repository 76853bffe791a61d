"""Accounts, partner organisations, passwords (Argon2) and API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, col, select

from facility import audit
from facility.auth.models import Account, ApiToken, Partner, PartnerKind, Role
from facility.auth.passwords import check_password
from facility.errors import Conflict, NotFound, Problems
from facility.locking import advisory_lock, lock
from facility.reference.models import GROUP_CODES, State
from facility.timeutil import utcnow
from facility.validation import check_characters

_hasher = PasswordHasher()
EMAIL_RE = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+$")
TOKEN_PREFIX = "fac_"


# Argon2 takes 64 MiB and a core's worth of work per hash: 40 sign-ins at once (the server's
# thread pool) took one worker past 2 GiB in the load benchmark. Two at a time per process
# keep both cores busy; the others wait their turn, which costs them time, not memory.
HASHING_AT_ONCE = 2
_hashing = threading.BoundedSemaphore(HASHING_AT_ONCE)


def hash_password(password: str) -> str:
    with _hashing:
        return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        return False
    try:
        with _hashing:
            return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    return email.strip().lower()


def get_or_create_partner(
    session: Session, *, name: str, kind: PartnerKind = PartnerKind.OTHER,
    state_code: str | None = None,
) -> Partner:
    """The partner organisation of that name, created on first use."""
    partner = session.exec(select(Partner).where(Partner.name == name.strip())).first()
    if partner is None:
        partner = Partner(name=name.strip(), kind=kind, state_code=state_code)
        session.add(partner)
        session.flush()
    return partner


def create_account(
    session: Session,
    *,
    role: Role,
    email: str,
    name: str,
    state_code: str | None = None,
    partner_name: str | None = None,
    partner_kind: PartnerKind = PartnerKind.OTHER,
    partner_state: str | None = None,
    group_code: str | None = None,
    password: str | None = None,
) -> Account:
    """Create an account bound to its tenant: a State, a partner, or a committee seat's group."""
    problems = Problems()
    email = normalise_email(email)
    # Two creations of one address at once: the second waits here and sees the first.
    advisory_lock(session, f"account-email:{email}")
    if not EMAIL_RE.match(email):
        problems.add("email", "format", f"email: {email!r} is not an e-mail address")
    elif session.exec(select(Account).where(Account.email == email)).first():
        problems.add("email", "unique", f"email: an account with {email} already exists")
    # A name with control or direction characters gets that problem (check_characters) alone.
    if check_characters(problems, "name", name.strip()) and not name.strip():
        problems.add("name", "required", "name: must not be empty")
    if state_code is not None:
        state_code = state_code.strip().upper()
        if session.get(State, state_code) is None:
            problems.add("state", "known_state", f"state: {state_code!r} is not a known ISO3 code")
    if group_code is not None and group_code not in GROUP_CODES:
        problems.add("group", "known_group", f"group: must be one of {', '.join(GROUP_CODES)}")
    if role in (Role.STATE, Role.COMMITTEE) and not state_code:
        problems.add("state", "required", f"state: a {role.value.lower()} account needs --state")
    if role == Role.COMMITTEE and not group_code:
        problems.add("group", "required", "group: a committee account needs --group")
    if role in (Role.PARTNER, Role.EXPERT) and not (partner_name and partner_name.strip()):
        problems.add("partner", "required", f"partner: a {role.value.lower()} account needs --partner")
    if password is not None:
        check_password(problems, "password", "password", password, email=email, name=name)
    problems.raise_if_any()

    partner_id = None
    if role in (Role.PARTNER, Role.EXPERT) and partner_name:
        partner_id = get_or_create_partner(session, name=partner_name, kind=partner_kind,
                                           state_code=partner_state).id
    account = Account(
        email=email,
        name=name.strip(),
        role=role,
        state_code=state_code if role in (Role.STATE, Role.COMMITTEE) else None,
        partner_id=partner_id,
        regional_group_code=group_code if role == Role.COMMITTEE else None,
        password_hash=hash_password(password) if password else None,
    )
    session.add(account)
    session.flush()
    if role == Role.EXPERT:
        # Imported here: the experts package builds on auth, not the other way round.
        from facility.experts.accounts import link_new_account

        link_new_account(session, account)
    return account


def get_account_by_email(session: Session, email: str) -> Account:
    account = session.exec(select(Account).where(Account.email == normalise_email(email))).first()
    if account is None:
        raise NotFound(f"no account with e-mail {normalise_email(email)}")
    return account


def _token_digest(token: str) -> str:
    # Tokens carry 256 bits of randomness, so a fast hash is safe here (unlike passwords).
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, *, account: Account, label: str = "",
                 actor_account_id: int | None = None) -> str:
    """Issue a new API token; the plain token is returned once and never stored.

    Issuance is audited (by account id; neither the token, its label nor the e-mail address
    goes into the chain). `actor_account_id` is None for the operator's command line.
    """
    if not account.active:
        raise Conflict(f"account {account.email} is deactivated")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(account_id=account.id, token_hash=_token_digest(token), prefix=token[:10],
                   label=label)
    session.add(row)
    session.flush()
    audit.record(session, actor_account_id=actor_account_id, action="token.issued",
                 subject_type="api_token", subject_id=row.id, payload={"account": account.id})
    return token


def account_for_token(session: Session, token: str) -> Account | None:
    """The active account a live token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.exec(
        select(ApiToken, Account)
        .join(Account, col(Account.id) == ApiToken.account_id)
        .where(col(ApiToken.token_hash) == _token_digest(token), col(ApiToken.revoked_at).is_(None))
    ).first()
    if row is None or not row[1].active:
        return None
    return row[1]


def revoke_token(session: Session, *, token: str, actor_account_id: int | None = None) -> None:
    """Revoke a token: the next request that presents it is refused (tokens are looked up on
    every request, nothing caches them). Audited like issuance."""
    row = session.exec(select(ApiToken).where(ApiToken.token_hash == _token_digest(token))).first()
    if row is None:
        raise NotFound("no such token")
    if row.revoked_at is None:
        revoke(session, row, actor_account_id=actor_account_id)


def live_tokens(session: Session, *, account_id: int) -> list[ApiToken]:
    """The account's tokens that still work, newest first."""
    return list(session.exec(select(ApiToken).where(
        col(ApiToken.account_id) == account_id, col(ApiToken.revoked_at).is_(None))
        .order_by(col(ApiToken.id).desc())))


def revoke_own_token(session: Session, *, account: Account, token_id: int) -> ApiToken:
    """Revoke one of the account's own live tokens (by its id, as the account page lists
    them); another account's token, or one already revoked, is not found."""
    row = session.get(ApiToken, token_id)
    if row is not None:
        lock(session, row)  # revoked once however many times it is asked at once
    if row is None or row.account_id != account.id or row.revoked_at is not None:
        raise NotFound("no such token for your account")
    revoke(session, row, actor_account_id=account.id)
    return row


def revoke(session: Session, row: ApiToken, *, actor_account_id: int | None) -> None:
    row.revoked_at = utcnow()
    session.add(row)
    session.flush()
    audit.record(session, actor_account_id=actor_account_id, action="token.revoked",
                 subject_type="api_token", subject_id=row.id, payload={"account": row.account_id})
