"""/healthz (liveness, from the event loop alone) and /readyz (the database answers)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import create_engine

from facility.app import create_app
from facility.config import Settings


def test_both_probes_answer_when_all_is_well(app):
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.get("/readyz").json() == {"status": "ok"}


def test_a_database_that_does_not_answer_fails_readiness_not_liveness(tmp_path):
    # A SQLite file in a directory that does not exist: every connection fails.
    engine = create_engine(f"sqlite:///{tmp_path}/missing/facility.db")
    app = create_app(Settings(database_url="sqlite://", env="development"), engine=engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        live = client.get("/healthz")
        assert live.status_code == 200, live.text
        ready = client.get("/readyz")
        assert ready.status_code == 503 and ready.headers["Retry-After"] == "5"
        assert ready.json() == {"status": "database unavailable"}
