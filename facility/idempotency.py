"""Idempotency keys: a creating mutation retried with the same key returns its first result."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, select

from facility.timeutil import utcnow


class IdempotencyRecord(SQLModel, table=True):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("account_id", "operation", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="account.id")
    operation: str = Field(max_length=40)
    key: str = Field(max_length=100)
    payload_hash: str = Field(max_length=64)
    object_id: int
    created_at: datetime = Field(
        default_factory=utcnow, sa_column=Column(DateTime(timezone=True), nullable=False)
    )


def payload_fingerprint(payload: dict[str, Any]) -> str:
    """A stable hash of a mutation's input (without the key itself)."""
    canonical = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


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
