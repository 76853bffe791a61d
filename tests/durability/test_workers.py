"""The worker process and its queue (facility/jobs.py, facility/worker.py), on real databases.

Jobs exist exactly when the request that made them commits; of two workers on one PostgreSQL
database every job is done once; a worker that died has its job put back; the day's reminders
are enqueued once whatever the number of workers; on SQLite one worker runs at a time; and
`facility worker` itself takes a queued optimiser run to its end and stops on SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from facility import jobs, worker
from facility.auth.actor import Actor
from facility.auth.models import Account, Role
from facility.auth.service import create_account
from facility.config import Settings
from facility.db import unit_of_work
from facility.jobs import Job, JobStatus
from facility.timeutil import utcnow
from governance import runs
from governance.models import OptimiserRun, RunStatus
from tests.conftest import BACKENDS
from tests.durability.conftest import pg_db  # noqa: F401  (a fixture)
from tests.governance.conftest import FreshDatabase, fresh_database

FACILITY = Path(sys.executable).with_name("facility")


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path):
    with fresh_database(request.param, tmp_path) as fresh:
        yield fresh


def _jobs(db: FreshDatabase, kind: str | None = None) -> list[Job]:
    with Session(db.engine) as session:
        query = select(Job).order_by(Job.id)
        return list(session.exec(query.where(Job.kind == kind) if kind else query))


def test_a_job_exists_exactly_when_its_transaction_commits(db: FreshDatabase) -> None:
    with pytest.raises(RuntimeError), unit_of_work(db.engine) as session:
        jobs.enqueue(session, "test", {"n": 1})
        raise RuntimeError("the request fails after enqueueing")
    assert _jobs(db, "test") == []
    with unit_of_work(db.engine) as session:
        jobs.enqueue(session, "test", {"n": 2})
    assert [j.payload for j in _jobs(db, "test")] == [{"n": 2}]


def test_a_job_with_a_key_is_made_once(db: FreshDatabase) -> None:
    for _ in range(3):
        with unit_of_work(db.engine) as session:
            jobs.enqueue(session, "test", key="once:2027-01-01")
    assert len(_jobs(db, "test")) == 1


def test_a_failing_job_ends_failed_with_its_error_and_the_worker_goes_on(
        db: FreshDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(_open: Any, _settings: Settings, payload: dict) -> None:
        if payload["n"] == 1:
            raise ValueError("no such thing")

    monkeypatch.setitem(worker.HANDLERS, "test", boom)
    with unit_of_work(db.engine) as session:
        for n in (1, 2):
            jobs.enqueue(session, "test", {"n": n})
        jobs.enqueue(session, "nobody-handles-this")
    assert worker.run_pending(worker.sessions(db.engine), Settings()) == 3
    first, second, unknown = _jobs(db)
    assert (first.status, first.error) == (JobStatus.FAILED, "ValueError: no such thing")
    assert second.status == JobStatus.DONE and second.error is None
    assert unknown.status == JobStatus.FAILED and "no handler" in unknown.error


def test_a_dead_workers_job_is_put_back_then_given_up(db: FreshDatabase) -> None:
    with unit_of_work(db.engine) as session:
        job = jobs.enqueue(session, "test")
        assert jobs.claim(session, "gone-host:1:boot") is not None
    later = utcnow() + timedelta(minutes=10)  # the queue as seen ten minutes later
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        with unit_of_work(db.engine) as session:
            jobs.requeue_stale(session, stale_after=worker.STALE_AFTER, now=later)
        [row] = _jobs(db, "test")
        if attempt < jobs.MAX_ATTEMPTS:
            assert (row.status, row.claimed_by) == (JobStatus.QUEUED, None)
            with unit_of_work(db.engine) as session:
                assert jobs.claim(session, "gone-again:1:boot").id == job.id
        else:
            assert row.status == JobStatus.FAILED and "stopped 3 times" in row.error
    # A job whose worker beats is left alone.
    with unit_of_work(db.engine) as session:
        jobs.enqueue(session, "test", key="alive")
        alive = jobs.claim(session, "alive:1:boot")
        assert jobs.requeue_stale(session, stale_after=worker.STALE_AFTER) == []
        assert alive.status == JobStatus.RUNNING


def test_two_workers_on_one_postgresql_database_do_every_job_once(
        pg_db: FreshDatabase, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    done: Counter[int] = Counter()
    guard = threading.Lock()

    def count(_open: Any, _settings: Settings, payload: dict) -> None:
        time.sleep(0.005)  # long enough for the two workers to overlap
        with guard:
            done[payload["n"]] += 1

    monkeypatch.setitem(worker.HANDLERS, "count", count)
    with unit_of_work(pg_db.engine) as session:
        for n in range(200):
            jobs.enqueue(session, "count", {"n": n})
    workers = [worker.Worker(worker.sessions(pg_db.engine), Settings()) for _ in range(2)]
    for w, name in zip(workers, ("host-a:1:boot", "host-b:2:boot"), strict=True):
        w.name = name
    ran: Counter[str] = Counter()

    def drain(w: worker.Worker) -> None:
        while w.run_once():
            ran[w.name] += 1

    threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert done == Counter({n: 1 for n in range(200)})
    assert all(j.status == JobStatus.DONE for j in _jobs(pg_db, "count"))
    assert sum(ran.values()) == 200 and len(ran) == 2, ran  # both took a share


def test_the_days_reminders_are_enqueued_once_by_many_workers(pg_db: FreshDatabase) -> None:  # noqa: F811
    settings = Settings(reminders_hour=0)
    workers = [worker.Worker(worker.sessions(pg_db.engine), settings) for _ in range(6)]
    barrier = threading.Barrier(len(workers))

    def schedule(w: worker.Worker) -> None:
        barrier.wait()
        w.schedule_reminders()

    threads = [threading.Thread(target=schedule, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(_jobs(pg_db, worker.REMINDERS)) == 1



def test_no_reminders_are_scheduled_before_their_hour(db: FreshDatabase) -> None:
    hour = utcnow().hour
    if hour == 23:
        pytest.skip("no later hour today to configure")
    worker.Worker(worker.sessions(db.engine), Settings(reminders_hour=hour + 1)).schedule_reminders()
    assert _jobs(db, worker.REMINDERS) == []


def test_one_worker_at_a_time_on_a_sqlite_file(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as fresh:
        with worker.single_worker(fresh.engine), pytest.raises(
                worker.WorkerBusy, match="SQLite allows one"), worker.single_worker(fresh.engine):
            pass
        with worker.single_worker(fresh.engine):  # free again once the first one stopped
            pass


def _queued_run(db: FreshDatabase) -> int:
    with unit_of_work(db.engine) as session:
        staff = create_account(session, role=Role.SECRETARIAT, email="staff@worker.example",
                               name="Secretariat")
        account = session.get(Account, staff.id)
        run = runs.start_run(session, actor=Actor.from_account(account), time_limit=2)
        return run.id  # type: ignore[return-value]


def test_facility_worker_runs_a_queued_run_and_stops_on_sigterm(tmp_path: Path) -> None:
    with fresh_database("sqlite", tmp_path) as fresh:
        run_id = _queued_run(fresh)
        env = {**os.environ, "FACILITY_DATABASE_URL": fresh.url, "FACILITY_ENV": "development",
               "FACILITY_WORKER_POLL_SECONDS": "0.2"}
        log = tmp_path / "worker.log"
        with log.open("wb") as out:
            process = subprocess.Popen([str(FACILITY), "worker"], env=env, stdout=out,
                                       stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120  # a bound for a loaded machine, not a timing
            status = None
            while time.monotonic() < deadline:
                assert process.poll() is None, log.read_text()
                with Session(fresh.engine) as session:
                    status = session.get(OptimiserRun, run_id).status
                if status == RunStatus.DONE:
                    break
                time.sleep(0.3)
            assert status == RunStatus.DONE, log.read_text()
            # A second worker on the same SQLite file refuses to start, saying why.
            second = subprocess.run([str(FACILITY), "worker"], env=env, capture_output=True,
                                    text=True, timeout=60)
            assert second.returncode == 2 and "SQLite allows one" in second.stderr
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(30) == 0, log.read_text()
        assert [j.status for j in _jobs(fresh, runs.JOB_KIND)] == [JobStatus.DONE]
