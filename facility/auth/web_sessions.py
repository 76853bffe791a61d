"""Sign-in for people in the browser: server-side sessions, rate limiting, password change.

A session is a row in `web_session`; the browser's cookie holds a random id of 256 bits and the
table only its SHA-256, so a leaked database does not sign anyone in. Revoking the row (logout,
password change, deactivation) ends the session at the next request.

Rate limiting counts failed attempts in the database (`login_attempt`), so that it survives a
restart and holds across workers. Per account it is a progressive back-off, never a lock: after
`FREE_FAILURES_PER_ACCOUNT` failures within `FAILURE_WINDOW`, each further attempt must wait
`backoff(failures)` after the last failure (2 s, 4 s, 8 s... at most `MAX_BACKOFF`), so whoever
knows an e-mail address cannot lock its owner out, and a guesser gets one try a minute at best.
Per client address it stays a limit: `MAX_FAILURES_PER_ADDRESS` failures within the window
pause sign-in from that address. A success clears the account's count (never the address's).
Refusals because of either are not counted again, and are only logged. Concurrent attempts are
not serialised, so a burst can overshoot by at most the number of requests in flight at once.

Every sign-in, failure, sign-out and password change is an audit entry (ids and a reason,
never a password, an e-mail address or an IP address).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from facility import audit
from facility.auth.models import Account, LoginAttempt, WebSession
from facility.auth.passwords import MAX_PASSWORD_LENGTH, check_password
from facility.auth.service import hash_password, live_tokens, normalise_email, revoke, verify_password
from facility.errors import DomainError, Problems
from facility.timeutil import utcnow

log = logging.getLogger("facility.auth.sign_in")

SESSION_LIFETIME = timedelta(hours=8)
FAILURE_WINDOW = timedelta(minutes=15)
FREE_FAILURES_PER_ACCOUNT = 3  # typing slips: no wait before the fourth try
MAX_BACKOFF = timedelta(seconds=60)
# Higher than per account: several people of one mission may share an address.
MAX_FAILURES_PER_ADDRESS = 20
# Verified for unknown e-mail addresses so that a failure takes as long either way.
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


class SignInRefused(DomainError):
    """Wrong e-mail address or password, or an account that cannot sign in (one message for all)."""


class TooManyAttempts(DomainError):
    """Too many failures for this account or address; try again later."""

    def __init__(self, message: str, *, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class SignedIn:
    account: Account
    session_id: str  # the cookie value; returned once, only its hash is stored


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _key(secret: str, kind: str, value: str) -> str:
    """A keyed hash: counts attempts per account or address without storing either."""
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def email_key(secret: str, email: str) -> str:
    """The key sign-in attempts with this (normalised) address are counted under."""
    return _key(secret, "email", normalise_email(email))


def _failures_since(session: Session, column, key: str, since: datetime) -> tuple[int, datetime | None]:
    count, last = session.exec(
        select(func.count(), func.max(LoginAttempt.attempted_at))
        .where(column == key, col(LoginAttempt.succeeded).is_(False),
               LoginAttempt.attempted_at >= since)
    ).one()
    return count, last


def backoff(failures: int) -> timedelta:
    """How long after the last of `failures` recent failures an account's next attempt waits."""
    if failures < FREE_FAILURES_PER_ACCOUNT:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(failures - FREE_FAILURES_PER_ACCOUNT + 1, 16)),
               MAX_BACKOFF)


def _refuse(what: str, retry_after: timedelta) -> None:
    log.warning("sign-in refused: too many failures for this %s", what)
    seconds = max(1, int(retry_after.total_seconds() + 0.999))
    raise TooManyAttempts(f"Too many failed sign-in attempts. Try again in {seconds} seconds.",
                          retry_after=timedelta(seconds=seconds))


def _check_rate(session: Session, *, email_key: str, ip_key: str, now: datetime) -> None:
    window_start = now - FAILURE_WINDOW
    last_success = session.exec(
        select(func.max(LoginAttempt.attempted_at))
        .where(col(LoginAttempt.email_key) == email_key, col(LoginAttempt.succeeded).is_(True))
    ).one()
    account_since = max(window_start, _aware(last_success)) if last_success else window_start
    count, last = _failures_since(session, LoginAttempt.email_key, email_key, account_since)
    if count and (wait := _aware(last) + backoff(count) - now) > timedelta(0):  # type: ignore[arg-type]
        _refuse("account", wait)
    # An address's count is never cleared by a success: signing in to one account of one's own
    # must not reopen guessing at others from the same address.
    count, last = _failures_since(session, LoginAttempt.ip_key, ip_key, window_start)
    if count >= MAX_FAILURES_PER_ADDRESS:
        _refuse("address", _aware(last) + FAILURE_WINDOW - now)  # type: ignore[arg-type]


def _aware(moment: datetime) -> datetime:
    # SQLite gives naive datetimes back; every stored time is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def sign_in(session: Session, *, email: str, password: str, client_address: str, secret: str,
            previous_session_id: str | None = None) -> SignedIn:
    """Check the password and open a new session (a new id: never reuse the one sent before).

    The caller commits in both outcomes: a failure is recorded before `SignInRefused` is raised.
    """
    now = utcnow()
    email = normalise_email(email)
    attempt_key = email_key(secret, email)
    ip_key = _key(secret, "ip", client_address)
    _check_rate(session, email_key=attempt_key, ip_key=ip_key, now=now)
    account = session.exec(select(Account).where(Account.email == email)).first() if email else None
    # End the reading transaction before Argon2 (a hash takes a second under load, and waits
    # its turn): on SQLite every transaction holds the write lock (BEGIN IMMEDIATE), so holding
    # it across the hash made 50 sign-ins at once lock out every other writer.
    session.commit()
    if len(password) > MAX_PASSWORD_LENGTH:
        ok = False
    elif account is None:
        verify_password(_DUMMY_HASH, password)
        ok = False
    else:
        ok = verify_password(account.password_hash, password) and account.active
    session.add(LoginAttempt(email_key=attempt_key, ip_key=ip_key, succeeded=ok, attempted_at=now))
    if not ok:
        reason = ("unknown_account" if account is None else
                  "inactive" if not account.active else "wrong_password")
        audit.record(session, actor_account_id=None, action="account.sign_in_failed",
                     subject_type="account", subject_id=account.id if account else None,
                     payload={"reason": reason})
        raise SignInRefused("The e-mail address or the password is not correct.")
    assert account is not None and account.id is not None
    if previous_session_id:
        end_session(session, session_id=previous_session_id, record=False)
    session_id = secrets.token_urlsafe(32)
    session.add(WebSession(session_hash=_digest(session_id), account_id=account.id,
                           csrf_token=secrets.token_urlsafe(32), created_at=now,
                           expires_at=now + SESSION_LIFETIME))
    audit.record(session, actor_account_id=account.id, action="account.signed_in",
                 subject_type="account", subject_id=account.id)
    return SignedIn(account=account, session_id=session_id)


def resolve(session: Session, session_id: str) -> tuple[WebSession, Account] | None:
    """The live session and its active account for a cookie value, in one statement."""
    row = session.exec(
        select(WebSession, Account).join(Account, col(Account.id) == WebSession.account_id)
        .where(WebSession.session_hash == _digest(session_id),
               col(WebSession.revoked_at).is_(None),
               col(WebSession.expires_at) > utcnow(), col(Account.active).is_(True))
    ).first()
    return (row[0], row[1]) if row else None


def end_session(session: Session, *, session_id: str, record: bool = True) -> None:
    """Revoke the session with this cookie value (sign-out); unknown values are ignored."""
    web_session = session.exec(
        select(WebSession).where(WebSession.session_hash == _digest(session_id),
                                 col(WebSession.revoked_at).is_(None))
    ).first()
    if web_session is None:
        return
    web_session.revoked_at = utcnow()
    session.add(web_session)
    if record:
        audit.record(session, actor_account_id=web_session.account_id, action="account.signed_out",
                     subject_type="account", subject_id=web_session.account_id)


def password_problems(new_password: str, confirmation: str, *, current_password: str,
                      account: Account) -> Problems:
    """Every rule a new password breaks (the messages name the field and the rule)."""
    problems = Problems()
    check_password(problems, "new_password", "New password", new_password, email=account.email,
                   name=account.name)
    if not problems.items and new_password == current_password:
        problems.add("new_password", "changed", "New password: must differ from the current one.")
    if confirmation != new_password:
        problems.add("confirmation", "matches", "Confirm the new password: must repeat it exactly.")
    return problems


def change_password(session: Session, *, account: Account, current_password: str, new_password: str,
                    confirmation: str, keep_session_id: str) -> None:
    """Set a new password; every other session of the account ends (this one stays signed in)
    and every API token of the account is revoked."""
    problems = Problems()
    # The stored hash under the account's row lock: of simultaneous changes from one form, the
    # first changes it and the others are checked against the new one.
    stored = session.execute(select(Account.password_hash).where(col(Account.id) == account.id)
                             .with_for_update()).scalar_one()
    if not verify_password(stored, current_password[:MAX_PASSWORD_LENGTH]):
        problems.add("current_password", "correct", "Current password: is not correct.")
    problems.items += password_problems(new_password, confirmation,
                                        current_password=current_password, account=account).items
    problems.raise_if_any()
    account.password_hash = hash_password(new_password)
    session.add(account)
    now = utcnow()
    # Whoever knew the old password may have opened a session or issued a token with it:
    # both end now (this browser's session stays, so the person is not signed out).
    sessions = session.execute(
        update(WebSession)
        .where(col(WebSession.account_id) == account.id, col(WebSession.revoked_at).is_(None),
               col(WebSession.session_hash) != _digest(keep_session_id))
        .values(revoked_at=now)).rowcount
    tokens = live_tokens(session, account_id=account.id)  # type: ignore[arg-type]
    for token in tokens:  # each audited as token.revoked, like a revocation on the page
        revoke(session, token, actor_account_id=account.id)
    audit.record(session, actor_account_id=account.id, action="account.password_changed",
                 subject_type="account", subject_id=account.id,
                 payload={"sessions_ended": sessions, "tokens_revoked": len(tokens)})
