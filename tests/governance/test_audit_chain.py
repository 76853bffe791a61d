"""The audit log's hash chain: it verifies, it catches tampering, the database refuses plain
changes, it stays consistent when a transaction fails, and concurrent appends never fork it.

Every test runs on SQLite and (with FACILITY_TEST_POSTGRES_URL) on PostgreSQL, each on a
freshly migrated database of its own. A new database already holds entry 1, the adoption of
the initial criteria.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from itertools import pairwise
from typing import Any

import pytest
from sqlalchemy import JSON, DateTime, bindparam, func, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, select

from facility.audit import GENESIS_HASH, AuditEntry, entry_hash, record
from facility.auth.models import Partner
from facility.db import unit_of_work
from tests.conftest import BACKENDS

VARIED = [
    dict(actor_account_id=7, action="vote.cast", subject_type="motion", subject_id=12,
         payload={"choice": "APPROVE", "seat": 3, "comment": "Côte d'Ivoire — ça va ✓"}),
    dict(actor_account_id=None, action="criteria.initial", subject_type="criteria_set",
         subject_id=None, payload=None),
    dict(actor_account_id=8, action="recusal.recorded", subject_type="motion", subject_id=12,
         payload={"reason": "Ελλάδα · 中华人民共和国 · المغرب · 😀 🇳🇴", "automatic": True,
                  "nested": {"b": [1, 2.5, None, {"z": [], "a": {}}], "a": False}}),
    dict(actor_account_id=8, action="motion.decided", subject_type="motion", subject_id=12,
         payload={"tally": {"APPROVE": 3, "REJECT": 1, "ABSTAIN": 0},
                  "seats": [[1, "APPROVE"], [2, "REJECT"]], "big": 2**62, "neg": -0.125}),
    dict(actor_account_id=9, action="seat.assigned", subject_type="committee_seat", subject_id=None,
         payload={"group": "WEOG", "state": "NOR", "empty": "", "quote": "a \"b\" \\ c\n\td"}),
    dict(actor_account_id=7, action="screening.opened", subject_type="capacity_request",
         subject_id=4, payload={"failed_clauses": [], "keys": {"b": 1, "a": 2, "ä": 3}}),
]


def _append(db, count: int, *, prefix: str = "test") -> None:
    """Append `count` entries, each in a committed transaction of its own."""
    for i in range(count):
        with unit_of_work(db.engine) as session:
            record(session, actor_account_id=100 + i % 3, action=f"{prefix}.{i}",
                   subject_type="motion", subject_id=i, payload={"i": i, "text": f"entry {i} — é"})


@pytest.fixture
def chain(fresh_db):
    """A database whose log holds entries 1 (initial criteria) to 6."""
    _append(fresh_db, 5)
    assert [e.seq for e in fresh_db.entries()] == [1, 2, 3, 4, 5, 6]
    assert fresh_db.verify().ok
    return fresh_db


def _assert_broken(db, audit_verify_cli, first_broken: int, *reason_words: str) -> None:
    result = db.verify()
    assert not result.ok
    assert result.first_broken == first_broken, result
    for word in reason_words:
        assert word in result.reason, result
    cli = audit_verify_cli(db)
    assert cli.exit_code == 1, cli.output
    assert f"BROKEN at entry {first_broken}:" in cli.stderr
    assert "intact" not in cli.output


# 1. A varied chain verifies -----------------------------------------------------------------


def test_a_varied_chain_verifies_and_reports_its_length(fresh_db, audit_verify_cli):
    # Some entries in transactions of their own, some several to a transaction.
    for kwargs in VARIED[:2]:
        with unit_of_work(fresh_db.engine) as session:
            record(session, **kwargs)
    with unit_of_work(fresh_db.engine) as session:
        written = [record(session, **kwargs) for kwargs in VARIED[2:]]
    assert [e.seq for e in written] == [4, 5, 6, 7]

    entries = fresh_db.entries()  # read back from the database, not the session
    assert [e.seq for e in entries] == list(range(1, 8))
    assert entries[0].prev_hash == GENESIS_HASH
    assert all(later.prev_hash == earlier.hash for earlier, later in pairwise(entries))
    assert [e.actor_account_id for e in entries[1:]] == [k["actor_account_id"] for k in VARIED]
    assert [e.subject_id for e in entries[1:]] == [k["subject_id"] for k in VARIED]
    assert [e.payload for e in entries[1:]] == [k["payload"] or {} for k in VARIED]
    assert entries[3].payload["reason"] == "Ελλάδα · 中华人民共和国 · المغرب · 😀 🇳🇴"
    assert fresh_db.head() == (7, entries[-1].hash)

    result = fresh_db.verify()
    assert result.ok, result
    assert result.entries == 7
    cli = audit_verify_cli(fresh_db)
    assert cli.exit_code == 0, cli.output
    assert "audit log intact: 7 entries verified" in cli.stdout


def test_payloads_are_hashed_as_the_database_gives_them_back(fresh_db):
    """Tuples, non-string keys and dates are normalised before hashing, so the chain still
    verifies once the database has turned them into lists, string keys and strings."""
    from datetime import date

    with unit_of_work(fresh_db.engine) as session:
        entry = record(session, actor_account_id=1, action="engagement.created", subject_type="x",
                       subject_id=1, payload={"pair": (1, 2), 5: "five", "start": date(2027, 1, 31)})
    assert entry.payload == {"pair": [1, 2], "5": "five", "start": "2027-01-31"}
    assert fresh_db.entries()[-1].payload == entry.payload
    assert fresh_db.verify().ok


# 2. Tampering by someone with database access is caught --------------------------------------


def test_an_intact_chain_passes(chain, audit_verify_cli):
    cli = audit_verify_cli(chain)
    assert cli.exit_code == 0, cli.output
    assert "audit log intact: 6 entries verified" in cli.stdout


def test_altered_payload_is_named(chain, audit_verify_cli):
    with chain.attacker() as conn:
        conn.execute(text("UPDATE audit_entry SET payload = :payload WHERE seq = 3")
                     .bindparams(bindparam("payload", type_=JSON)), {"payload": {"i": 1, "text": "forged"}})
    assert chain.entries()[2].payload["text"] == "forged"
    _assert_broken(chain, audit_verify_cli, 3, "entry 3", "altered")


@pytest.mark.parametrize("column", ["action", "recorded_at", "actor_account_id", "subject_id"])
def test_altered_field_is_named(chain, audit_verify_cli, column):
    original = chain.entries()[1]
    new_value = {
        "action": "test.forged",
        "recorded_at": original.recorded_at - timedelta(hours=1),
        "actor_account_id": 999,
        "subject_id": 999,
    }[column]
    statement = text(f"UPDATE audit_entry SET {column} = :value WHERE seq = 2")
    if column == "recorded_at":
        statement = statement.bindparams(bindparam("value", type_=DateTime(timezone=True)))
    with chain.attacker() as conn:
        conn.execute(statement, {"value": new_value})
    assert getattr(chain.entries()[1], column) != getattr(original, column)
    _assert_broken(chain, audit_verify_cli, 2, "entry 2", "altered")


def test_deleted_middle_entry_is_named_as_missing(chain, audit_verify_cli):
    with chain.attacker() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 3"))
    assert [e.seq for e in chain.entries()] == [1, 2, 4, 5, 6]
    _assert_broken(chain, audit_verify_cli, 3, "entry 3 is missing")


def test_deleted_last_entry_is_caught_by_the_head(chain, audit_verify_cli):
    with chain.attacker() as conn:
        conn.execute(text("DELETE FROM audit_entry WHERE seq = 6"))
    assert [e.seq for e in chain.entries()] == [1, 2, 3, 4, 5]
    _assert_broken(chain, audit_verify_cli, 6, "chain head", "deleted")


def test_reordered_entries_are_named(chain, audit_verify_cli):
    second, fourth = chain.entries()[1], chain.entries()[3]
    swap = text("UPDATE audit_entry SET action = :action, subject_type = :subject_type, "
                "subject_id = :subject_id, payload = :payload WHERE seq = :seq"
                ).bindparams(bindparam("payload", type_=JSON))
    with chain.attacker() as conn:
        for target, source in ((second, fourth), (fourth, second)):
            conn.execute(swap, {"seq": target.seq, "action": source.action,
                                "subject_type": source.subject_type, "subject_id": source.subject_id,
                                "payload": source.payload})
    assert [e.action for e in chain.entries()][1:4] == ["test.2", "test.1", "test.0"]
    _assert_broken(chain, audit_verify_cli, 2, "entry 2", "altered")


def _rehash(entry: AuditEntry, prev_hash: str) -> str:
    return entry_hash(prev_hash, seq=entry.seq, recorded_at=entry.recorded_at,
                      actor_account_id=entry.actor_account_id, action=entry.action,
                      subject_type=entry.subject_type, subject_id=entry.subject_id,
                      payload=entry.payload)


_REWRITE = text("UPDATE audit_entry SET payload = :payload, prev_hash = :prev_hash, hash = :hash "
                "WHERE seq = :seq").bindparams(bindparam("payload", type_=JSON))


def test_rehashed_entry_is_caught_at_the_next_entry(chain, audit_verify_cli):
    """An attacker who recomputes the altered entry's own hash breaks its successor's link."""
    entry = chain.entries()[2]
    entry.payload = {"i": 1, "text": "forged"}
    with chain.attacker() as conn:
        conn.execute(_REWRITE, {"seq": 3, "payload": entry.payload, "prev_hash": entry.prev_hash,
                                "hash": _rehash(entry, entry.prev_hash)})
    _assert_broken(chain, audit_verify_cli, 4, "entry 4 does not chain onto entry 3")


def test_rehashed_last_entry_is_caught_by_the_head(chain, audit_verify_cli):
    entry = chain.entries()[-1]
    entry.payload = {"i": 4, "text": "forged"}
    with chain.attacker() as conn:
        conn.execute(_REWRITE, {"seq": 6, "payload": entry.payload, "prev_hash": entry.prev_hash,
                                "hash": _rehash(entry, entry.prev_hash)})
    _assert_broken(chain, audit_verify_cli, 6, "entry 6", "chain head")


def test_rewritten_tail_is_caught_by_the_head(chain, audit_verify_cli):
    """Rehashing every entry from the altered one on still leaves the head pointing elsewhere."""
    entries = chain.entries()
    entries[2].payload = {"i": 1, "text": "forged"}
    prev_hash = entries[1].hash
    with chain.attacker() as conn:
        for entry in entries[2:]:
            digest = _rehash(entry, prev_hash)
            conn.execute(_REWRITE, {"seq": entry.seq, "payload": entry.payload,
                                    "prev_hash": prev_hash, "hash": digest})
            prev_hash = digest
    _assert_broken(chain, audit_verify_cli, 6, "entry 6", "chain head")


def test_entry_appended_behind_the_heads_back_is_named(chain, audit_verify_cli):
    """INSERT is allowed (record() needs it); a correctly chained entry that did not move the
    head is still caught, and named."""
    last = chain.entries()[-1]
    forged = AuditEntry(seq=7, recorded_at=last.recorded_at, actor_account_id=1, action="vote.cast",
                        subject_type="motion", subject_id=1, payload={"choice": "APPROVE"},
                        prev_hash=last.hash, hash="")
    forged.hash = _rehash(forged, last.hash)
    with unit_of_work(chain.engine) as session:  # no trigger to switch off
        session.add(forged)
    assert [e.seq for e in chain.entries()] == [1, 2, 3, 4, 5, 6, 7]
    _assert_broken(chain, audit_verify_cli, 7, "entry 7", "chain head")


# 3. The database refuses plain tampering --------------------------------------------------


def _snapshot(db) -> list[tuple[Any, ...]]:
    return [(e.seq, e.recorded_at, e.actor_account_id, e.action, e.subject_type, e.subject_id,
             e.payload, e.prev_hash, e.hash) for e in db.entries()]


TAMPERING = {
    "update one": "UPDATE audit_entry SET action = 'forged' WHERE seq = 3",
    "update all": "UPDATE audit_entry SET payload = '{}'",
    "update hash": "UPDATE audit_entry SET hash = prev_hash WHERE seq = 6",
    "delete one": "DELETE FROM audit_entry WHERE seq = 3",
    "delete last": "DELETE FROM audit_entry WHERE seq = 6",
    "delete all": "DELETE FROM audit_entry",
}


@pytest.mark.parametrize("statement", list(TAMPERING.values()), ids=list(TAMPERING))
def test_the_database_refuses_update_and_delete(chain, statement):
    before = _snapshot(chain)
    with pytest.raises(DBAPIError, match="append-only"), chain.engine.begin() as conn:
        conn.execute(text(statement))
    assert _snapshot(chain) == before
    assert chain.verify().ok


def test_the_database_refuses_truncate_on_postgresql(chain):
    if chain.backend != "postgresql":
        pytest.skip("SQLite has no TRUNCATE (its DELETE without WHERE is refused above)")
    before = _snapshot(chain)
    with pytest.raises(DBAPIError, match="append-only"), chain.engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_entry"))
    assert _snapshot(chain) == before


def test_the_database_refuses_replacing_an_entry_by_insert(chain):
    """Replacing a row through INSERT's conflict handling is a delete or update in disguise."""
    before = _snapshot(chain)
    columns = "seq, recorded_at, actor_account_id, action, subject_type, subject_id, payload, prev_hash, hash"
    forged = columns.replace("action", "'forged'")
    if chain.backend == "sqlite":
        statements = [f"INSERT OR REPLACE INTO audit_entry ({columns}) "
                      f"SELECT {forged} FROM audit_entry WHERE seq = 3",
                      f"REPLACE INTO audit_entry ({columns}) SELECT {forged} FROM audit_entry WHERE seq = 6"]
    else:
        statements = [f"INSERT INTO audit_entry ({columns}) SELECT {columns} FROM audit_entry "
                      "WHERE seq = 3 ON CONFLICT (seq) DO UPDATE SET action = 'forged'"]
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), chain.engine.begin() as conn:
            conn.execute(text(statement))
    assert _snapshot(chain) == before
    assert chain.verify().ok


def test_the_orm_cannot_change_or_delete_an_entry_either(chain):
    before = _snapshot(chain)
    with pytest.raises(DBAPIError, match="append-only"), unit_of_work(chain.engine) as session:
        entry = session.get(AuditEntry, 3)
        entry.action = "forged"
        session.add(entry)
    with pytest.raises(DBAPIError, match="append-only"), unit_of_work(chain.engine) as session:
        session.delete(session.get(AuditEntry, 3))
    assert _snapshot(chain) == before


# 4. A failed transaction leaves neither the change nor its entry -----------------------------


class Fault(Exception):
    pass


def _partners(db, name: str) -> int:
    with unit_of_work(db.engine) as session:
        return session.exec(select(func.count()).select_from(Partner).where(Partner.name == name)).one()


def _add_partner(session: Session, name: str) -> Partner:
    partner = Partner(name=name)
    session.add(partner)
    session.flush()
    return partner


@pytest.mark.parametrize("fault_at", ["after record", "before record"])
def test_a_fault_before_commit_leaves_neither(chain, fault_at):
    before, head = _snapshot(chain), chain.head()
    with pytest.raises(Fault), unit_of_work(chain.engine) as session:
        partner = _add_partner(session, "Faulty Partner")
        if fault_at == "before record":
            raise Fault
        entry = record(session, actor_account_id=1, action="partner.created", subject_type="partner",
                       subject_id=partner.id, payload={"name": "Faulty Partner"})
        assert entry.seq == 7  # written in this transaction, then lost with it
        raise Fault
    assert _partners(chain, "Faulty Partner") == 0
    assert _snapshot(chain) == before
    assert chain.head() == head
    assert chain.verify().ok

    # The next successful action chains onto the old head: no gap where the lost entry was.
    with unit_of_work(chain.engine) as session:
        partner = _add_partner(session, "Sound Partner")
        entry = record(session, actor_account_id=1, action="partner.created", subject_type="partner",
                       subject_id=partner.id, payload={})
    assert (entry.seq, entry.prev_hash) == (7, head[1])
    assert _partners(chain, "Sound Partner") == 1
    assert chain.verify().ok


def test_a_commit_the_database_refuses_leaves_neither(chain):
    with unit_of_work(chain.engine) as session:
        _add_partner(session, "Taken Name")
    before, head = _snapshot(chain), chain.head()
    with pytest.raises(IntegrityError), unit_of_work(chain.engine) as session:
        partner = _add_partner(session, "Fresh Name")
        record(session, actor_account_id=1, action="partner.created", subject_type="partner",
               subject_id=partner.id, payload={})
        session.add(Partner(name="Taken Name"))  # fails at the commit's flush
    assert _partners(chain, "Fresh Name") == 0
    assert _snapshot(chain) == before
    assert chain.head() == head
    assert chain.verify().ok


# 5. Concurrent appends never fork the chain ----------------------------------------------


@pytest.mark.parametrize("per_transaction", [1, 20])
@pytest.mark.parametrize(
    ("fresh_db", "threads"),
    [pytest.param("sqlite", 4, id="sqlite-4"),
     pytest.param("postgresql", 8, marks=BACKENDS[1].marks, id="postgresql-8")],
    indirect=["fresh_db"],
)
def test_concurrent_appends_never_fork(fresh_db, threads, per_transaction):
    each = 20
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            start.wait()
            for first in range(0, each, per_transaction):
                with unit_of_work(fresh_db.engine) as session:
                    for i in range(first, first + per_transaction):
                        record(session, actor_account_id=worker, action="load.append",
                               subject_type="worker", subject_id=worker, payload={"i": i})
        except BaseException as error:  # reported below, with the thread's traceback
            errors.append(error)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in workers)
    if errors:
        raise errors[0]

    entries = fresh_db.entries()
    total = 1 + threads * each  # entry 1 is the initial criteria
    assert [e.seq for e in entries] == list(range(1, total + 1))
    appended = [e for e in entries if e.action == "load.append"]
    assert len(appended) == threads * each
    prev_hash = GENESIS_HASH
    for entry in entries:
        assert entry.prev_hash == prev_hash, f"fork at entry {entry.seq}"
        prev_hash = entry.hash
    assert len({e.prev_hash for e in entries}) == total
    for worker in range(threads):  # each worker's entries, all there, in its own order
        assert [e.payload["i"] for e in appended if e.actor_account_id == worker] == list(range(each))
    assert fresh_db.head() == (total, entries[-1].hash)
    result = fresh_db.verify()
    assert result.ok, result
    assert result.entries == total


@pytest.mark.parametrize(
    "fresh_db",
    [pytest.param("sqlite", id="sqlite-4"),
     pytest.param("postgresql", marks=BACKENDS[1].marks, id="postgresql-4")],
    indirect=True,
)
def test_concurrent_actions_that_read_before_they_record(fresh_db):
    """As governance actions do: look something up, then change it and record the change."""
    threads, each = 4, 20
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            start.wait()
            for i in range(each):
                with unit_of_work(fresh_db.engine) as session:
                    session.exec(select(func.count()).select_from(AuditEntry)).one()
                    record(session, actor_account_id=worker, action="load.append",
                           subject_type="worker", subject_id=worker, payload={"i": i})
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join(timeout=120)
    if errors:
        raise errors[0]
    assert [e.seq for e in fresh_db.entries()] == list(range(1, threads * each + 2))
    assert fresh_db.verify().ok
