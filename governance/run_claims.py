"""Which worker executes an optimiser run, and whether that worker is still there.

Runs are executed by `facility worker` processes (facility/worker.py), possibly several, on
several hosts, sharing one database. A worker claims a queued run when it takes the run's job;
the run then records its owner, `claimed_by` ("host:pid:boot id"), and a heartbeat,
`heartbeat_at`, renewed at every progress report. A queued run has no owner: its job waits in
the queue (facility/jobs.py) and it is never failed for that. A worker fails a RUNNING run only
when it is **interrupted**:

- its owner is gone: the owner ran on this host and its process no longer exists, or the
  host has rebooted since (another boot id; a process id is only unique within one boot); or
- its heartbeat is **stale**: older than the run's own time limit plus `HEARTBEAT_GRACE`.
  The solver reports progress after each phase and each improvement, but its exact search
  may stay silent for up to its time limit; the grace covers building the instance and
  storing the proposals. This is the only test for an owner on another host, whose
  processes cannot be seen from here, and catches a live process whose run hangs.

Claiming is one conditional UPDATE (`status = QUEUED` in its WHERE): of two workers that
try to execute the same run, the database lets exactly one change the row.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import update
from sqlmodel import Session, col

from facility.timeutil import as_utc, utcnow
from governance.models import OptimiserRun, RunStatus

HEARTBEAT_GRACE = timedelta(minutes=5)
_BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


@cache
def _host_and_boot() -> tuple[str, str]:
    boot = _BOOT_ID.read_text().strip() if _BOOT_ID.exists() else "unknown"
    return socket.gethostname(), boot


def this_process() -> str:
    """The owner name of this process: "host:pid:boot id" (the pid read now, not at import:
    a worker forked from a supervisor has a pid of its own)."""
    host, boot = _host_and_boot()
    return f"{host}:{os.getpid()}:{boot}"


def owner_gone(claimed_by: str | None) -> bool:
    """True when the owner certainly no longer runs: no owner recorded, or an owner on this
    host whose boot has ended or whose process has exited. An owner on another host is never
    known to be gone (the heartbeat decides)."""
    if not claimed_by:
        return True
    host, pid, boot = _parse(claimed_by)
    my_host, my_boot = _host_and_boot()
    if host != my_host or pid is None:
        return False
    if boot != my_boot:
        return True
    return not _process_exists(pid)


def is_stale(run: OptimiserRun, now: datetime | None = None) -> bool:
    heartbeat = as_utc(run.heartbeat_at)
    if heartbeat is None:
        return True
    return (now or utcnow()) - heartbeat > timedelta(seconds=run.time_limit) + HEARTBEAT_GRACE


def interrupted(run: OptimiserRun, now: datetime | None = None) -> bool:
    return owner_gone(run.claimed_by) or is_stale(run, now)


def claim(session: Session, run_id: int) -> bool:
    """Take a queued run for this process; False when another process took it first or it
    was cancelled. The caller commits."""
    taken = session.execute(
        update(OptimiserRun)
        .where(col(OptimiserRun.id) == run_id, col(OptimiserRun.status) == RunStatus.QUEUED)
        .values(status=RunStatus.RUNNING, claimed_by=this_process(), heartbeat_at=utcnow())
        .execution_options(synchronize_session=False))
    return taken.rowcount == 1  # type: ignore[attr-defined]


def _parse(claimed_by: str) -> tuple[str, int | None, str]:
    host, _, rest = claimed_by.partition(":")
    pid, _, boot = rest.partition(":")
    return host, int(pid) if pid.isdigit() else None, boot


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True
