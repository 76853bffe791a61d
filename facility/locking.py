"""Row locks and optimistic versions: how concurrent writers queue instead of losing updates.

Every write that first checks an object's state (its version, its status, whether a vote is
open) and then changes it takes the object's row lock before the check, so that two
concurrent requests cannot both pass it. On PostgreSQL this is `SELECT ... FOR UPDATE`
(READ COMMITTED: the second writer waits, then reads the first one's committed row); SQLite
transactions begin IMMEDIATE (facility.db), so its writers are serialised already and the
lock is a plain reload.
"""

from __future__ import annotations

from typing import TypeVar

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
