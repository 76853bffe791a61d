"""Two server workers and one optimiser run, under real concurrency on PostgreSQL: exactly one
worker claims and executes a queued run, and two workers starting at once fail a stale run
once. Each worker is a thread with its own session and connection on a committed database.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from facility.audit import AuditEntry
from facility.auth.models import Role
from facility.auth.service import create_account
from facility.db import unit_of_work
from facility.timeutil import utcnow
from governance import run_claims, runs
from governance.models import OptimiserRun, RunStatus
from tests.durability.test_concurrent_writes import at_once

THREADS = 8


@pytest.fixture
def queued_run(pg_db) -> int:
    with unit_of_work(pg_db.engine) as session:
        staff = create_account(session, role=Role.SECRETARIAT, email="staff@claims.example",
                               name="Secretariat")
        run = OptimiserRun(criteria_version=1, time_limit=2, started_by_id=staff.id,
                           claimed_by=run_claims.this_process(), heartbeat_at=utcnow())
        session.add(run)
        session.flush()
        return run.id  # type: ignore[return-value]


def _audit(pg_db, action: str, run_id: int) -> int:
    with unit_of_work(pg_db.engine) as session:
        return len(session.exec(select(AuditEntry).where(
            AuditEntry.action == action, AuditEntry.subject_id == run_id)).all())


def _lock_waiters(pg_db) -> int:
    with pg_db.engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")).scalar_one()


def test_a_second_claim_waits_for_the_first_and_then_loses(pg_db, queued_run):
    first_claimed = threading.Event()
    outcome: dict[str, bool] = {}

    def second() -> None:
        first_claimed.wait()
        with Session(pg_db.engine) as session:
            outcome["second"] = run_claims.claim(session, queued_run)
            session.commit()

    waiter = threading.Thread(target=second)
    waiter.start()
    with Session(pg_db.engine) as session:
        outcome["first"] = run_claims.claim(session, queued_run)
        first_claimed.set()
        # Hold the row until the second worker is blocked on it, so the two really overlap.
        deadline = time.monotonic() + 10
        while _lock_waiters(pg_db) == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _lock_waiters(pg_db) == 1, "the second claim never waited for the first"
        session.commit()
    waiter.join(timeout=10)
    assert outcome == {"first": True, "second": False}


def test_of_many_simultaneous_claims_exactly_one_wins(pg_db, queued_run):
    def claim() -> bool:
        with Session(pg_db.engine) as session:
            won = run_claims.claim(session, queued_run)
            session.commit()
            return won

    assert sorted(at_once(*[claim] * THREADS)) == [False] * (THREADS - 1) + [True]


def test_two_workers_executing_the_same_run_solve_it_once(pg_db, queued_run):
    @contextmanager
    def open_session() -> Iterator[Session]:
        with Session(pg_db.engine, expire_on_commit=False) as session:
            yield session

    at_once(*[lambda: runs.execute_run(open_session, queued_run)] * 2)
    with unit_of_work(pg_db.engine) as session:
        assert session.get(OptimiserRun, queued_run).status == RunStatus.DONE
    assert _audit(pg_db, "run.done", queued_run) == 1


def test_two_workers_starting_at_once_fail_a_stale_run_once(pg_db, queued_run):
    with unit_of_work(pg_db.engine) as session:
        run = session.get(OptimiserRun, queued_run)
        run.status = RunStatus.RUNNING  # taken by a worker that then went silent
        run.heartbeat_at = utcnow() - timedelta(hours=1)
        session.add(run)

    def start_up() -> int:
        with Session(pg_db.engine) as session:
            failed = runs.fail_interrupted_runs(session)
            session.commit()
            return failed

    assert sorted(at_once(start_up, start_up)) == [0, 1]
    assert _audit(pg_db, "run.failed", queued_run) == 1
