"""The append-only audit log, chained by SHA-256.

Each entry's hash is SHA-256 over the previous entry's hash and a canonical JSON form of the
entry (sequence number, time, actor, action, subject, payload). Altering, deleting or
reordering any stored entry breaks the chain from that entry on; `verify` names the first
entry that no longer fits. Entries are written in the same transaction as the change they
record (callers pass their session), so either both are stored or neither is.

Appends serialise on the single `audit_head` row (an UPDATE takes its lock first), so two
concurrent transactions can never chain onto the same predecessor. Payloads hold ids and
codes, never personal data, so that erasing a person leaves the chain intact: free text
that people write goes in as `text_digest` only.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, update
from sqlmodel import Field, Session, SQLModel, col, select

from facility.timeutil import utcnow

GENESIS_HASH = "0" * 64


def _at() -> Column:
    return Column(DateTime(timezone=True), nullable=False)


class AuditEntry(SQLModel, table=True):
    """One link of the hash chain; see this module's docstring."""

    __tablename__ = "audit_entry"

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    recorded_at: datetime = Field(sa_column=_at())
    actor_account_id: int | None = Field(default=None)
    action: str = Field(max_length=40, index=True)
    subject_type: str = Field(max_length=30)
    subject_id: int | None = None
    payload: dict = Field(sa_type=JSON)
    prev_hash: str = Field(max_length=64)
    hash: str = Field(max_length=64, unique=True)


class AuditHead(SQLModel, table=True):
    """The chain's last link: appends lock this single row, so the chain never forks."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    seq: int = 0
    hash: str = Field(max_length=64)


def _instant(moment: datetime) -> str:
    """A timestamp as both databases give it back: UTC, microseconds."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_hash(prev_hash: str, *, seq: int, recorded_at: datetime, actor_account_id: int | None,
               action: str, subject_type: str, subject_id: int | None,
               payload: dict[str, Any]) -> str:
    """The hash of one entry chained onto `prev_hash`."""
    canonical = json.dumps(
        {
            "seq": seq, "at": _instant(recorded_at), "actor": actor_account_id,
            "action": action, "subject": [subject_type, subject_id], "payload": payload,
        },
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


def text_digest(text: str) -> str:
    """What the chain keeps of free text people write (comments, reasons): its SHA-256.

    Such text may name people; it stays on its own row (vote, recusal, proposal), and the
    digest in the payload still proves that row's text unaltered, while the chain itself never
    holds what a person wrote.
    """
    return hashlib.sha256(text.encode()).hexdigest()


def lock_chain(session: Session) -> None:
    """Take the chain head's row lock now (it is held until the transaction ends).

    For governance writes that check for a clash across rows before writing (is a run
    already queued? which criteria version is next?): concurrent ones queue here, as their
    audit appends would anyway, and the second sees what the first wrote.
    """
    session.execute(select(AuditHead.id).where(AuditHead.id == 1).with_for_update())


def record(session: Session, *, actor_account_id: int | None, action: str, subject_type: str,
           subject_id: int | None, payload: dict[str, Any] | None = None) -> AuditEntry:
    """Append an entry in the caller's transaction."""
    payload = json.loads(json.dumps(payload or {}, default=str))  # exactly what JSON stores
    session.flush()
    session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(seq=col(AuditHead.seq) + 1))
    head = session.exec(
        select(AuditHead).where(AuditHead.id == 1).execution_options(populate_existing=True)
    ).one()
    recorded_at = utcnow()
    digest = entry_hash(head.hash, seq=head.seq, recorded_at=recorded_at,
                        actor_account_id=actor_account_id, action=action,
                        subject_type=subject_type, subject_id=subject_id, payload=payload)
    entry = AuditEntry(seq=head.seq, recorded_at=recorded_at, actor_account_id=actor_account_id,
                       action=action, subject_type=subject_type, subject_id=subject_id,
                       payload=payload, prev_hash=head.hash, hash=digest)
    session.add(entry)
    head.hash = digest
    session.add(head)
    session.flush()
    return entry


@dataclass(frozen=True)
class Verification:
    ok: bool
    entries: int
    first_broken: int | None = None
    reason: str = ""


def verify(session: Session) -> Verification:
    """Walk the chain from the genesis hash; report the first entry that does not fit."""
    expected_prev = GENESIS_HASH
    expected_seq = 1
    count = 0
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.seq))):
        count += 1
        if entry.seq != expected_seq:
            return Verification(False, count, expected_seq,
                                f"entry {expected_seq} is missing (next stored entry is {entry.seq})")
        if entry.prev_hash != expected_prev:
            return Verification(False, count, entry.seq,
                                f"entry {entry.seq} does not chain onto entry {entry.seq - 1}")
        digest = entry_hash(entry.prev_hash, seq=entry.seq, recorded_at=entry.recorded_at,
                            actor_account_id=entry.actor_account_id, action=entry.action,
                            subject_type=entry.subject_type, subject_id=entry.subject_id,
                            payload=entry.payload)
        if digest != entry.hash:
            return Verification(False, count, entry.seq,
                                f"entry {entry.seq} ({entry.action}) was altered: its content "
                                f"no longer matches its hash")
        expected_prev = entry.hash
        expected_seq += 1
    last = expected_seq - 1
    head = session.get(AuditHead, 1)
    if head is None:
        return Verification(False, count, last, "the chain head is missing")
    if head.seq > last:
        return Verification(False, count, expected_seq,
                            f"the log ends at entry {last} but the chain head says {head.seq}: "
                            f"entries {expected_seq} to {head.seq} were deleted")
    if head.seq < last:
        return Verification(False, count, head.seq + 1,
                            f"the chain head says {head.seq} but the log goes on to entry {last}: "
                            f"entries {head.seq + 1} to {last} were not appended by record()")
    if head.hash != expected_prev:
        return Verification(False, count, last,
                            f"entry {last} does not match the chain head: the log was rewritten "
                            f"up to entry {last}")
    return Verification(True, count)
