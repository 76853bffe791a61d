"""Database fixtures: every database test runs on SQLite and, when
FACILITY_TEST_POSTGRES_URL is set (`.ci/run` sets it), on PostgreSQL too.

Each pytest process migrates one fresh database per backend; each test then runs inside a
transaction that is rolled back, so tests never see each other's rows. Code under test
that commits only releases a SAVEPOINT.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

from facility.bootstrap import upgrade
from facility.db import make_engine, normalise_url

POSTGRES_URL_VAR = "FACILITY_TEST_POSTGRES_URL"

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(
                not os.environ.get(POSTGRES_URL_VAR), reason=f"{POSTGRES_URL_VAR} is not set"
            ),
        ],
    ),
]


def _create_postgres_database() -> tuple[str, callable]:
    """A database of its own for this test process; dropped at the end."""
    base = make_url(normalise_url(os.environ[POSTGRES_URL_VAR]))
    name = f"facility_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session", params=BACKENDS)
def migrated_engine(request, tmp_path_factory) -> Iterator[Engine]:
    """A migrated database with reference data, shared by the tests of this process."""
    if request.param == "sqlite":
        path = Path(tmp_path_factory.mktemp("db")) / "facility.db"
        url, drop = f"sqlite:///{path}", (lambda: None)
    else:
        url, drop = _create_postgres_database()
    engine = make_engine(url)
    upgrade(engine)
    yield engine
    engine.dispose()
    drop()


@pytest.fixture
def db_session(migrated_engine: Engine) -> Iterator[Session]:
    """A session whose every change is rolled back after the test."""
    connection = migrated_engine.connect()
    transaction = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


# The API as a client calls it --------------------------------------------------------------

from contextlib import contextmanager  # noqa: E402

from fastapi.testclient import TestClient  # noqa: E402

from facility.app import create_app  # noqa: E402
from facility.auth.models import PartnerKind, Role  # noqa: E402
from facility.auth.service import create_account, create_token  # noqa: E402
from facility.config import Settings  # noqa: E402


class GraphQLClient:
    """Posts GraphQL documents as a client would, with or without a bearer token."""

    def __init__(self, http: TestClient, token: str | None = None) -> None:
        self.http = http
        self.token = token

    def as_(self, token: str | None) -> GraphQLClient:
        return GraphQLClient(self.http, token)

    def post(self, query: str, variables: dict | None = None, **kw):
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.http.post("/graphql", json={"query": query, "variables": variables or {}},
                              headers=headers, **kw)

    def __call__(self, query: str, variables: dict | None = None) -> dict:
        """The `data` of a document that must run without GraphQL errors."""
        response = self.post(query, variables)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture
def app(db_session: Session):
    @contextmanager
    def open_session():
        yield db_session

    return create_app(Settings(database_url="sqlite://", env="development"),
                      engine=db_session.get_bind(), open_session=open_session,
                      run_jobs_inline=True)


@pytest.fixture
def gql(app) -> Iterator[GraphQLClient]:
    with TestClient(app) as http:
        yield GraphQLClient(http)


@pytest.fixture
def make_token(db_session: Session):
    """Create an account of a role bound to its tenant and return a live API token."""
    counter = iter(range(1, 10_000))

    def make(role: Role | str, *, state: str | None = None, partner: str | None = None,
             group: str | None = None, partner_kind: PartnerKind = PartnerKind.DONOR_AGENCY,
             ) -> str:
        role = Role(role)
        account = create_account(
            db_session, role=role, email=f"user{next(counter)}-{role.value.lower()}@example.org",
            name=f"Test {role.value.title()}", state_code=state, partner_name=partner,
            partner_kind=partner_kind, group_code=group,
        )
        return create_token(db_session, account=account)

    return make
