"""Row locks and optimistic versions: how concurrent writers queue instead of losing updates.

Every write that first checks an object's state (its version, its status, whether a vote is
open) and then changes it takes the object's row lock before the check, so that two
concurrent requests cannot both pass it. On PostgreSQL this is `SELECT ... FOR UPDATE`
(READ COMMITTED: the second writer waits, then reads the first one's committed row); SQLite
transactions begin IMMEDIATE (facility.db), so its writers are serialised already and the
lock is a plain reload.
"""

from __future__ import annotations

import hashlib
from typing import TypeVar

from sqlalchemy import text
from sqlmodel import Session

from facility.errors import StaleVersion

T = TypeVar("T")


def lock(session: Session, obj: T) -> T:
    """Take the row lock of a loaded object and reload it as committed by earlier writers
    (this transaction's own pending changes are flushed first, so none is lost)."""
    session.flush()
    session.refresh(obj, with_for_update=True)
    return obj


def check_version(session: Session, obj: T, expected: int | None, *, what: str,
                  attribute: str = "version", field: str = "expectedVersion") -> T:
    """Lock the row, then refuse a write based on a stale copy (never a lost update)."""
    lock(session, obj)
    current = getattr(obj, attribute)
    if expected is not None and expected != current:
        raise StaleVersion(f"the {what} changed since you read it ({field} {expected}, now "
                       f"{current}); reload it and apply your change again")
    return obj


def advisory_lock(session: Session, name: str) -> None:
    """Mutual exclusion by name until the transaction ends, for work with no row to lock (two
    starts of an optimiser run, two workers scheduling the same day's reminders). PostgreSQL:
    a transaction-level advisory lock on a stable 63-bit hash of the name. SQLite: nothing to
    do, its writers are serialised already (BEGIN IMMEDIATE, facility/db.py)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big") >> 1
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
