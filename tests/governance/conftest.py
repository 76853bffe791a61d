"""Fixtures for the audit-log tests: a freshly migrated database of its own per test.

Tamper tests change rows behind the application's back and need real commits, so they
cannot share the rolled-back `db_session`: each gets a new SQLite file or a new PostgreSQL
database (dropped afterwards), migrated like production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, text
from sqlmodel import select
from typer.testing import CliRunner, Result

from facility.audit import AuditEntry, AuditHead, Verification, verify
from facility.bootstrap import upgrade
from facility.cli import app
from facility.config import get_settings
from facility.db import make_engine, unit_of_work
from tests.conftest import BACKENDS, _create_postgres_database


@dataclass
class FreshDatabase:
    backend: str
    url: str
    engine: Engine

    @contextmanager
    def attacker(self) -> Iterator[Connection]:
        """A connection of someone with direct database access who switches the append-only
        triggers off, tampers, switches them on again and commits."""
        with self.engine.begin() as conn:
            if self.backend == "postgresql":
                conn.execute(text("ALTER TABLE audit_entry DISABLE TRIGGER USER"))
                yield conn
                conn.execute(text("ALTER TABLE audit_entry ENABLE TRIGGER USER"))
            else:
                triggers = conn.execute(text(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND tbl_name = 'audit_entry'"
                )).all()
                assert triggers, "the migration installs append-only triggers"
                for name, _sql in triggers:
                    conn.execute(text(f'DROP TRIGGER "{name}"'))
                yield conn
                for _name, sql in triggers:
                    conn.execute(text(sql))

    def entries(self) -> list[AuditEntry]:
        with unit_of_work(self.engine) as session:
            return list(session.exec(select(AuditEntry).order_by(AuditEntry.seq)))  # type: ignore[arg-type]

    def head(self) -> tuple[int, str]:
        with unit_of_work(self.engine) as session:
            head = session.get(AuditHead, 1)
            assert head is not None
            return head.seq, head.hash

    def verify(self) -> Verification:
        with unit_of_work(self.engine) as session:
            return verify(session)


@contextmanager
def fresh_database(backend: str, tmp_path: Path) -> Iterator[FreshDatabase]:
    if backend == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'audit.db'}", (lambda: None)
    else:
        url, drop = _create_postgres_database()
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield FreshDatabase(backend, url, engine)
    finally:
        engine.dispose()
        drop()


@pytest.fixture(params=BACKENDS)
def fresh_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FreshDatabase]:
    """A newly migrated database of this test's own, on each backend."""
    with fresh_database(request.param, tmp_path) as db:
        yield db


@pytest.fixture
def audit_verify_cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[FreshDatabase], Result]]:
    """Run `facility audit verify` against a database, as an operator would."""

    def run(db: FreshDatabase) -> Result:
        monkeypatch.setenv("FACILITY_DATABASE_URL", db.url)
        get_settings.cache_clear()
        return CliRunner().invoke(app, ["audit", "verify"])

    yield run
    get_settings.cache_clear()
