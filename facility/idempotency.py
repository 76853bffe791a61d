"""Idempotency keys: a creating mutation retried with the same key returns its first result.

`create_once` is the one implementation every creating mutation uses. The key is scoped to
the account and the operation; the stored fingerprint of the input tells a retry (same input:
the first object comes back, nothing new is written) from a reuse of the key for something
else (a ValidationError on `idempotencyKey`). Two concurrent requests with the same key race
on the unique constraint of `idempotency_record`: on PostgreSQL the second INSERT waits for
the first transaction, then fails; its SAVEPOINT is rolled back (with the object it had
created) and it answers with the winner's object. Exactly one row is ever created.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, Session, SQLModel, select

from facility.errors import ValidationFailed
from facility.timeutil import utcnow

MAX_KEY_LENGTH = 100


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("account_id", "operation", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    operation: str = Field(max_length=40)
    key: str = Field(max_length=MAX_KEY_LENGTH)
    payload_hash: str = Field(max_length=64)
    object_id: int
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


class _HasId(Protocol):
    id: int | None


T = TypeVar("T", bound=_HasId)


def payload_fingerprint(payload: dict[str, Any]) -> str:
    """A stable hash of a mutation's input (without the key itself)."""
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str | None) -> str | None:
    """The key as stored, or None when the client sent none; refuses empty and long keys."""
    if key is None:
        return None
    if not key.strip():
        raise ValidationFailed.single("idempotencyKey", "required",
                                      "idempotencyKey: must not be empty (omit it instead)")
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed.single("idempotencyKey", "max_length",
                                      f"idempotencyKey: at most {MAX_KEY_LENGTH} characters")
    return key


def find(session: Session, *, account_id: int, operation: str, key: str) -> IdempotencyRecord | None:
    return session.exec(
        select(IdempotencyRecord).where(
            IdempotencyRecord.account_id == account_id,
            IdempotencyRecord.operation == operation,
            IdempotencyRecord.key == key,
        )
    ).first()


def remember(
    session: Session, *, account_id: int, operation: str, key: str, payload_hash: str, object_id: int
) -> None:
    session.add(
        IdempotencyRecord(
            account_id=account_id, operation=operation, key=key,
            payload_hash=payload_hash, object_id=object_id,
        )
    )


def create_once(session: Session, *, account_id: int, operation: str, key: str | None,
                payload: dict[str, Any], what: str, model: type[T], create: Callable[[], T]) -> T:
    """Run `create` once per (account, operation, key); a retry gets the first object back.

    `what` names the object in the error ("a request"); `create` validates, writes and
    flushes, and must not commit. If `create` refuses on what a concurrent call may have just
    written (a run already queued), the caller takes the lock that serialises them *before*
    calling this, so that the retry waits and then finds the first call's record.
    """
    key = check_key(key)
    if key is None:
        return create()
    fingerprint = payload_fingerprint(payload)

    def replay() -> T | None:
        record = find(session, account_id=account_id, operation=operation, key=key)
        if record is None:
            return None
        if record.payload_hash != fingerprint:
            raise ValidationFailed.single(
                "idempotencyKey", "reused_with_other_input",
                f"idempotencyKey: this key was already used for {what} with different content",
            )
        return session.get(model, record.object_id)

    if (earlier := replay()) is not None:
        return earlier
    try:
        with session.begin_nested():
            created = create()
            assert created.id is not None
            remember(session, account_id=account_id, operation=operation, key=key,
                     payload_hash=fingerprint, object_id=created.id)
            session.flush()
    except IntegrityError:
        # A concurrent request with the same key committed first: answer with its object.
        earlier = replay()
        if earlier is None:
            raise
        return earlier
    return created
