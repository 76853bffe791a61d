"""`facility serve --workers 2` as an operator starts it: two server processes on one
database, each of which runs the start-up check of optimiser runs, and neither fails a run
that a live process is executing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

from sqlmodel import Session, select

from facility.audit import AuditEntry
from facility.auth.models import Role
from facility.auth.service import create_account
from facility.bootstrap import upgrade
from facility.db import make_engine
from facility.timeutil import utcnow
from governance import run_claims
from governance.models import OptimiserRun, RunStatus

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_servers_and_a_worker_keep_a_live_run_and_fail_a_dead_one_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    engine = make_engine(url)
    upgrade(engine)
    owner = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    host, boot = run_claims._host_and_boot()
    with Session(engine, expire_on_commit=False) as session:
        staff = create_account(session, role=Role.SECRETARIAT, email="staff@serve.example",
                               name="Secretariat")
        live = OptimiserRun(criteria_version=1, time_limit=60, started_by_id=staff.id,
                            status=RunStatus.RUNNING, claimed_by=f"{host}:{owner.pid}:{boot}",
                            heartbeat_at=utcnow())
        dead = OptimiserRun(criteria_version=1, time_limit=60, started_by_id=staff.id,
                            status=RunStatus.RUNNING, claimed_by=None,
                            heartbeat_at=utcnow() - timedelta(hours=1))
        session.add_all([live, dead])
        session.commit()
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "FACILITY_DATABASE_URL": url, "PYTHONPATH": str(ROOT),
           "FACILITY_ENV": "development"}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-c", "from facility.cli import app; app()", "serve",
             "--port", str(port), "--workers", "2"], env=env, cwd=tmp_path, stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 120
        while log.read_text().count("Application startup complete") < 2:
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as answer:
            assert answer.status == 200
        with Session(engine) as session:  # the servers fail no run: that is the worker's
            assert session.get(OptimiserRun, dead.id).status == RunStatus.RUNNING
        with (tmp_path / "worker.log").open("w") as worker_log:
            worker = subprocess.Popen([sys.executable, "-c", "from facility.cli import app; app()",
                                       "worker"], env=env, cwd=tmp_path, stdout=worker_log,
                                      stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        try:
            while True:  # the worker keeps house as it starts
                with Session(engine) as session:
                    if session.get(OptimiserRun, dead.id).status == RunStatus.FAILED:
                        break
                assert worker.poll() is None and time.monotonic() < deadline, \
                    (tmp_path / "worker.log").read_text()
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
        owner.kill()
        owner.wait()
    with Session(engine) as session:
        assert session.get(OptimiserRun, live.id).status == RunStatus.RUNNING
        assert session.get(OptimiserRun, dead.id).status == RunStatus.FAILED
        failures = session.exec(select(AuditEntry).where(AuditEntry.action == "run.failed")).all()
        assert [f.subject_id for f in failures] == [dead.id]  # once
    engine.dispose()


def test_serve_leaves_x_forwarded_for_to_the_app(monkeypatch):
    """uvicorn's default would take X-Forwarded-For from any loopback peer as the client's
    address, whatever FACILITY_TRUSTED_PROXIES says; the app decides (facility/web/client.py)."""
    import uvicorn
    from typer.testing import CliRunner

    from facility.cli import app

    started = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kw: started.update(kw))
    assert CliRunner().invoke(app, ["serve", "--port", "8999"]).exit_code == 0
    assert started["proxy_headers"] is False and started["port"] == 8999
