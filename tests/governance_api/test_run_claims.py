"""Optimiser runs under several workers: a worker keeping house fails only the runs that were
interrupted (governance/run_claims.py), never one another live worker is executing, and never
a queued run (its job waits for a worker).

The owners here are real processes: a child Python that sleeps (alive) or one that has
exited and been reaped (gone). Each test runs a worker's housekeeping, as a worker starting
next to the run's owner does, and reads what it left.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import select

from facility.audit import AuditEntry
from facility.auth.models import Role
from facility.auth.service import create_account
from facility.jobs import Job, JobStatus
from facility.timeutil import utcnow
from facility.worker import Worker, run_pending
from governance import run_claims, runs
from governance.models import MatchProposal, OptimiserRun, RunStatus


@pytest.fixture
def live_pid() -> Iterator[int]:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield child.pid
    finally:
        child.kill()
        child.wait()


@pytest.fixture
def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # exited and reaped: no process has this id now
    return child.pid


@pytest.fixture
def secretariat_id(db_session) -> int:
    account = create_account(db_session, role=Role.SECRETARIAT, email="staff@claims.example",
                             name="Secretariat")
    return account.id  # type: ignore[return-value]


def _owner(pid: int, *, host: str | None = None, boot: str | None = None) -> str:
    my_host, my_boot = run_claims._host_and_boot()
    return f"{host or my_host}:{pid}:{boot or my_boot}"


def _run(db_session, secretariat_id: int, *, owner: str | None, beat_ago: timedelta | None,
         status: RunStatus = RunStatus.RUNNING, time_limit: float = 30) -> OptimiserRun:
    run = OptimiserRun(criteria_version=1, time_limit=time_limit, started_by_id=secretariat_id,
                       status=status, claimed_by=owner,
                       heartbeat_at=None if beat_ago is None else utcnow() - beat_ago)
    db_session.add(run)
    db_session.commit()
    return run


def _start_another_worker(app, db_session, run: OptimiserRun) -> OptimiserRun:
    # A worker starting (or restarting) next to the run's owner keeps house first.
    Worker(app.state.open_session, app.state.settings).keep_house()
    db_session.refresh(run)
    return run


def _failures(db_session, run: OptimiserRun) -> list[AuditEntry]:
    return list(db_session.exec(select(AuditEntry).where(
        AuditEntry.action == "run.failed", AuditEntry.subject_id == run.id)))


def test_a_live_run_with_a_fresh_heartbeat_survives_another_workers_start_up(
        app, db_session, secretariat_id, live_pid):
    running = _run(db_session, secretariat_id, owner=_owner(live_pid), beat_ago=timedelta(seconds=2))
    queued = _run(db_session, secretariat_id, owner=_owner(live_pid), beat_ago=timedelta(seconds=1),
                  status=RunStatus.QUEUED)
    for run, status in ((running, RunStatus.RUNNING), (queued, RunStatus.QUEUED)):
        assert _start_another_worker(app, db_session, run).status == status
        assert _failures(db_session, run) == []


def test_a_fresh_run_on_another_host_survives(app, db_session, secretariat_id):
    # Its process cannot be seen from here: only the heartbeat tells.
    run = _run(db_session, secretariat_id, owner=_owner(1, host="worker-b.internal"),
               beat_ago=timedelta(seconds=5))
    assert _start_another_worker(app, db_session, run).status == RunStatus.RUNNING


def test_a_stale_heartbeat_fails_the_run_even_with_its_owner_alive(
        app, db_session, secretariat_id, live_pid):
    # Older than the run's time limit plus the grace: the run hangs, whoever holds it.
    beat_ago = timedelta(seconds=30) + run_claims.HEARTBEAT_GRACE + timedelta(seconds=1)
    for owner in (_owner(live_pid), _owner(1, host="worker-b.internal")):
        run = _run(db_session, secretariat_id, owner=owner, beat_ago=beat_ago)
        run = _start_another_worker(app, db_session, run)
        assert run.status == RunStatus.FAILED and run.error.startswith("interrupted")
        assert len(_failures(db_session, run)) == 1


def test_the_bound_follows_the_runs_own_time_limit(app, db_session, secretariat_id, live_pid):
    # A 10-minute run may stay silent through its exact search: 7 minutes is not stale.
    run = _run(db_session, secretariat_id, owner=_owner(live_pid), beat_ago=timedelta(minutes=7),
               time_limit=600)
    assert _start_another_worker(app, db_session, run).status == RunStatus.RUNNING


def test_a_run_whose_owner_is_gone_fails_at_once(app, db_session, secretariat_id, dead_pid,
                                                  live_pid):
    fresh = timedelta(seconds=1)
    exited = _run(db_session, secretariat_id, owner=_owner(dead_pid), beat_ago=fresh)
    rebooted = _run(db_session, secretariat_id, owner=_owner(live_pid, boot="an-earlier-boot"),
                    beat_ago=fresh)
    unowned = _run(db_session, secretariat_id, owner=None, beat_ago=None)  # from before 0013
    for run in (exited, rebooted, unowned):
        run = _start_another_worker(app, db_session, run)
        assert run.status == RunStatus.FAILED, run.claimed_by
        assert len(_failures(db_session, run)) == 1
    # A queued run is not interrupted, whoever queued it and however long ago: it waits for
    # its job to be taken (a run queued by a server before the worker existed got its job in
    # migration 0026).
    waiting = _run(db_session, secretariat_id, owner=_owner(dead_pid), beat_ago=timedelta(days=2),
                   status=RunStatus.QUEUED)
    assert _start_another_worker(app, db_session, waiting).status == RunStatus.QUEUED


def test_a_queued_run_has_its_job_and_no_owner_until_a_worker_takes_it(
        app, db_session, secretariat_id):
    from facility.auth.actor import Actor
    from facility.auth.models import Account

    app.state.run_jobs_inline = False
    actor = Actor.from_account(db_session.get(Account, secretariat_id))
    run = runs.start_run(db_session, actor=actor, time_limit=5)
    db_session.commit()
    [job] = db_session.exec(select(Job).where(Job.kind == runs.JOB_KIND)).all()
    assert (run.claimed_by, job.payload, job.status) == (None, {"run_id": run.id}, JobStatus.QUEUED)
    assert _start_another_worker(app, db_session, run).status == RunStatus.QUEUED
    assert run_pending(app.state.open_session, app.state.settings) >= 1
    db_session.refresh(run)
    db_session.refresh(job)
    assert run.status == RunStatus.DONE and run.claimed_by == _owner(os.getpid())
    assert job.status == JobStatus.DONE and job.attempts == 1


def test_a_run_failed_by_another_worker_is_never_finished_by_its_owner(
        app, db_session, secretariat_id, monkeypatch):
    from facility.auth.actor import Actor
    from facility.auth.models import Account

    actor = Actor.from_account(db_session.get(Account, secretariat_id))
    run = runs.start_run(db_session, actor=actor, time_limit=5)
    db_session.commit()
    real_solve = runs.matching.solve

    def solve_while_another_worker_fails_it(instance, **kwargs):
        # Its heartbeat went stale (a long pause, say) and another worker started meanwhile.
        row = db_session.get(OptimiserRun, run.id)
        row.heartbeat_at = utcnow() - timedelta(hours=1)
        db_session.add(row)
        assert runs.fail_interrupted_runs(db_session) == 1
        db_session.commit()
        return real_solve(instance, **kwargs)

    monkeypatch.setattr(runs.matching, "solve", solve_while_another_worker_fails_it)
    runs.execute_run(app.state.open_session, run.id)
    db_session.refresh(run)
    assert run.status == RunStatus.FAILED and run.error.startswith("interrupted")
    assert db_session.exec(select(MatchProposal).where(MatchProposal.run_id == run.id)).all() == []
    actions = [e.action for e in db_session.exec(select(AuditEntry).where(
        AuditEntry.subject_type == "optimiser_run", AuditEntry.subject_id == run.id))]
    assert actions == ["run.started", "run.failed"]


def test_a_run_is_claimed_once(db_session, secretariat_id):
    run = _run(db_session, secretariat_id, owner=None, beat_ago=None, status=RunStatus.QUEUED)
    assert run_claims.claim(db_session, run.id) is True
    db_session.commit()
    assert run_claims.claim(db_session, run.id) is False  # already running: nobody takes it again
    db_session.refresh(run)
    assert (run.status, run.claimed_by) == (RunStatus.RUNNING, run_claims.this_process())
    assert run.heartbeat_at is not None
