"""`facility worker`: the process that does the background work the web only enqueues.

It claims jobs from the queue (facility/jobs.py) one at a time and runs each kind's domain
function: optimiser runs (with their unmet-demand analysis), the daily follow-up
reminders and the daily notices before readiness checks expire. Between jobs it keeps
house: it fails optimiser runs whose worker died
(governance/run_claims.py), puts back in the queue the jobs of a worker that stopped beating,
schedules the day's reminders once the configured hour has passed (no cron: of several
workers, exactly one enqueues them, under a named lock), and e-mails the notices not sent yet
when SMTP is configured.

Several workers may share one PostgreSQL database (each claims different jobs, SKIP LOCKED).
On SQLite one worker runs at a time: it holds a lock file beside the database file, and a
second `facility worker` on the same file stops at once, saying so.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

import facility.models  # noqa: F401  (every table: the handlers' foreign keys resolve)
from facility import jobs, locking
from facility.config import Settings
from facility.db import unit_of_work
from facility.notifications.check_expiry import queue_check_notices
from facility.notifications.flows import run_reminders
from facility.notifications.mail import Smtp, deliver_pending
from facility.timeutil import today, utcnow
from governance import run_claims, runs

log = logging.getLogger("facility.worker")
REMINDERS = "reminders"
CHECK_NOTICES = "check_notices"  # notices before readiness checks expire, once a day
HEARTBEAT = 15.0  # seconds between a running job's heartbeats
STALE_AFTER = timedelta(minutes=2)  # a job not beating for this long lost its worker


class WorkerBusy(RuntimeError):
    """Another worker already runs on this SQLite database."""


OpenSession = Callable[[], Any]
Handler = Callable[[OpenSession, Settings, dict[str, Any]], None]


def _optimiser_run(open_session: OpenSession, _settings: Settings, payload: dict[str, Any]) -> None:
    runs.execute_run(open_session, int(payload["run_id"]))


def _reminders(open_session: OpenSession, settings: Settings, _payload: dict[str, Any]) -> None:
    report = run_reminders(open_session, settings=settings)
    log.info("reminders of %s: %d notices queued", report.on, len(report.queued))


def _check_notices(open_session: OpenSession, _settings: Settings, _payload: dict[str, Any]) -> None:
    with open_session() as session:
        queued = queue_check_notices(session, on=today())
    log.info("readiness check notices: %d checks noticed", len(queued))


HANDLERS: dict[str, Handler] = {runs.JOB_KIND: _optimiser_run, REMINDERS: _reminders,
                                CHECK_NOTICES: _check_notices}


class Worker:
    """`open_session` gives a session per step; each step commits its own work."""

    def __init__(self, open_session: OpenSession, settings: Settings) -> None:
        self.open_session = open_session
        self.settings = settings
        self.name = run_claims.this_process()
        self.current: int | None = None  # the job being run, for the heartbeat
        self.stop = threading.Event()

    def run_once(self) -> bool:
        """Claim one due job and run it; False when the queue had none."""
        with self.open_session() as session:
            job = jobs.claim(session, self.name)
            if job is None:
                return False
            job_id, kind, payload = job.id, job.kind, dict(job.payload)
            session.commit()
        assert job_id is not None
        self.current = job_id
        error = None
        try:
            handler = HANDLERS.get(kind)
            if handler is None:
                error = f"no handler for jobs of kind {kind!r}"
            else:
                handler(self.open_session, self.settings, payload)
        except Exception as failure:  # the job ends FAILED and visible, the worker goes on
            log.exception("job %s (%s) failed", job_id, kind)
            error = f"{type(failure).__name__}: {failure}"
        finally:
            self.current = None
        with self.open_session() as session:
            jobs.finish(session, job_id, error=error)
            session.commit()
        log.info("job %s (%s) %s", job_id, kind, "failed" if error else "done")
        return True

    def keep_house(self) -> None:
        with self.open_session() as session:
            failed = runs.fail_interrupted_runs(session)
            requeued = jobs.requeue_stale(session, stale_after=STALE_AFTER)
            session.commit()
        if failed or requeued:
            log.warning("failed %d interrupted runs, re-queued %d jobs", failed, len(requeued))
        self.schedule_reminders()
        smtp = Smtp.from_settings(self.settings)
        if smtp is not None:
            delivery = deliver_pending(self.open_session, smtp)
            if delivery.sent or delivery.failed:
                log.info("e-mail: %d sent, %d failed", delivery.sent, len(delivery.failed))

    def schedule_reminders(self) -> None:
        """Enqueue today's reminders and readiness check notices once the hour has come; once a
        day each, whatever the workers (the job's key holds the day)."""
        if utcnow().hour < self.settings.reminders_hour:
            return
        with self.open_session() as session:
            locking.advisory_lock(session, "schedule-reminders")
            day = today().isoformat()
            jobs.enqueue(session, REMINDERS, key=f"{REMINDERS}:{day}")
            jobs.enqueue(session, CHECK_NOTICES, key=f"{CHECK_NOTICES}:{day}")
            session.commit()

    def _beat(self) -> None:
        while not self.stop.wait(HEARTBEAT):
            job_id = self.current
            if job_id is not None:
                try:
                    with self.open_session() as session:
                        jobs.beat(session, job_id)
                        session.commit()
                except Exception:  # a missed beat is retried; the job itself goes on
                    log.exception("heartbeat of job %s failed", job_id)

    def run_forever(self) -> None:
        """Until `stop` is set: jobs as they come, housekeeping between them."""
        log.info("worker %s started", self.name)
        threading.Thread(target=self._beat, name="facility-worker-heartbeat", daemon=True).start()
        last_house = 0.0
        while not self.stop.is_set():
            if time.monotonic() - last_house >= self.settings.worker_housekeeping_seconds:
                self.keep_house()
                last_house = time.monotonic()
            if not self.run_once():
                self.stop.wait(self.settings.worker_poll_seconds)
        log.info("worker %s stopped", self.name)


def sessions(engine: Engine) -> OpenSession:
    """A worker's sessions on `engine`: one transaction each, committed when the step ends."""

    @contextmanager
    def open_session() -> Iterator[Session]:
        with unit_of_work(engine) as session:
            yield session

    return open_session


def run_pending(open_session: OpenSession, settings: Settings) -> int:
    """Run every due job now, in this process (tests that need a run's result at once); how
    many ran."""
    worker = Worker(open_session, settings)
    done = 0
    while worker.run_once():
        done += 1
    return done


@contextmanager
def single_worker(engine: Engine) -> Iterator[None]:
    """On a SQLite file, hold the one worker's lock (a lock file beside the database)."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    path = Path(f"{database}.worker.lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise WorkerBusy(f"another worker already runs on the SQLite database {database}: "
                             "SQLite allows one; use PostgreSQL for several") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
