"""The work queue: jobs written in the request's transaction, claimed by `facility worker`.

A service that needs work done later (an optimiser run) calls `enqueue` in its own
transaction: the job exists exactly when the request's writes commit, and not at all when
they roll back, so there is one place where work starts "after commit" and it cannot be
forgotten or run twice. Workers claim jobs one at a time (`claim`): on PostgreSQL with
`SELECT … FOR UPDATE SKIP LOCKED`, so several workers on one database each take a different
job; on SQLite, whose writers are serialised, one worker runs at a time (facility/worker.py
holds a lock file). A worker that dies leaves its job RUNNING with a heartbeat that goes
stale; `requeue_stale` puts it back in the queue (up to MAX_ATTEMPTS), and each handler is
written so that running a job again is safe.

The core knows no handler: facility/worker.py maps each kind to its domain function.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Column, DateTime, String, Text
from sqlmodel import Field, Session, SQLModel, col, select

from facility.timeutil import as_utc, utcnow

MAX_ATTEMPTS = 3
MAX_ERROR = 2000


def _at(nullable: bool = True) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable)


class JobStatus(StrEnum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


class Job(SQLModel, table=True):
    """One piece of background work; `key`, when set, makes it unique (a day's reminders)."""

    __tablename__ = "job"

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=40)
    payload: dict = Field(default_factory=dict, sa_type=JSON)
    key: str | None = Field(default=None, max_length=120, unique=True)
    status: JobStatus = Field(default=JobStatus.QUEUED, sa_type=String(8), index=True)
    run_after: datetime = Field(default_factory=utcnow, sa_column=_at(nullable=False))
    attempts: int = 0
    claimed_by: str | None = Field(default=None, max_length=200)
    heartbeat_at: datetime | None = Field(default=None, sa_column=_at())
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=_at(nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=_at())


def enqueue(session: Session, kind: str, payload: dict[str, Any] | None = None, *,
            key: str | None = None, run_after: datetime | None = None) -> Job:
    """Add a job in the caller's transaction. With a `key`, the job is made once: a second
    enqueue with the same key returns the first job (callers that may race take a named lock
    first, facility.locking.advisory_lock)."""
    if key is not None:
        existing = session.exec(select(Job).where(Job.key == key)).first()
        if existing is not None:
            return existing
    job = Job(kind=kind, payload=payload or {}, key=key, run_after=run_after or utcnow())
    session.add(job)
    session.flush()
    return job


def claim(session: Session, worker: str) -> Job | None:
    """Take the oldest job that is due for `worker`; the caller commits at once."""
    job = session.exec(
        select(Job).where(Job.status == JobStatus.QUEUED, col(Job.run_after) <= utcnow())
        .order_by(col(Job.id)).limit(1)
        .with_for_update(skip_locked=True)).first()
    if job is None:
        return None
    job.status = JobStatus.RUNNING
    job.claimed_by = worker
    job.heartbeat_at = utcnow()
    job.attempts += 1
    session.add(job)
    session.flush()
    return job


def finish(session: Session, job_id: int, *, error: str | None = None) -> None:
    """Record the outcome of a claimed job: DONE, or FAILED with the error."""
    job = session.get(Job, job_id, with_for_update=True)
    if job is None:
        return
    job.status = JobStatus.FAILED if error else JobStatus.DONE
    job.error = error[:MAX_ERROR] if error else None
    job.finished_at = utcnow()
    session.add(job)


def requeue_stale(session: Session, *, stale_after: timedelta,
                  now: datetime | None = None) -> list[int]:
    """Jobs whose worker stopped beating: queued again, or failed after MAX_ATTEMPTS."""
    now = now or utcnow()
    touched: list[int] = []
    for job in session.exec(select(Job).where(Job.status == JobStatus.RUNNING)
                            .with_for_update(skip_locked=True)):
        beat = as_utc(job.heartbeat_at)
        if beat is not None and now - beat <= stale_after:
            continue
        if job.attempts >= MAX_ATTEMPTS:
            job.status = JobStatus.FAILED
            job.error = f"its worker stopped {job.attempts} times; not tried again"
            job.finished_at = now
        else:
            job.status = JobStatus.QUEUED
            job.claimed_by = None
        session.add(job)
        assert job.id is not None
        touched.append(job.id)
    return touched


def beat(session: Session, job_id: int) -> None:
    """Renew a running job's heartbeat (its worker is alive)."""
    job = session.get(Job, job_id)
    if job is not None and job.status == JobStatus.RUNNING:
        job.heartbeat_at = utcnow()
        session.add(job)
