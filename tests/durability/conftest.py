"""A committed PostgreSQL database of the test's own, and a few callers with live tokens.

Concurrency and crash tests need what the rolled-back per-test transaction of tests/conftest.py
cannot give: several connections that see each other's commits. So each test here migrates a
fresh database (tests.governance.conftest.fresh_database), seeds it in committed transactions
and drops it afterwards. PostgreSQL only: it is the database for concurrent production load
(SQLite serialises its writers, see facility.db).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import select

from facility.auth.models import PartnerKind, Role
from facility.auth.service import create_account, create_token
from facility.db import unit_of_work
from facility.ids import encode_id
from facility.reference.models import Recommendation, RecommendationTheme, Theme
from tests.conftest import POSTGRES_URL_VAR
from tests.governance.conftest import FreshDatabase, audit_verify_cli, fresh_database

__all__ = ["audit_verify_cli"]  # `facility audit verify` as the operator runs it (a fixture)

needs_postgres = [
    pytest.mark.postgres,
    pytest.mark.skipif(not os.environ.get(POSTGRES_URL_VAR), reason=f"{POSTGRES_URL_VAR} is not set"),
]


@dataclass
class Callers:
    """Tokens of the seeded accounts and the opaque ids of Kenya's recommendations."""

    state: str
    partner: str
    secretariat: str
    recommendations: list[str]


def seed_callers(db: FreshDatabase) -> Callers:
    with unit_of_work(db.engine) as session:
        themes = {t.name: t.id for t in session.exec(select(Theme))}
        recs = []
        for n, (text, theme) in enumerate([
                ("Strengthen the independence of the judiciary.", "Justice"),
                ("Establish a national human rights institution.", "NHRI")], start=1):
            rec = Recommendation(source_id=f"DUR-KEN-{n}", source="upr-info", state_code="KEN",
                                 recommending_state_code="NOR", recommended_by="Norway",
                                 cycle=3, session=35, text=text, response="SUPPORTED")
            session.add(rec)
            session.flush()
            session.add(RecommendationTheme(recommendation_id=rec.id, theme_id=themes[theme]))
            recs.append(encode_id("Recommendation", rec.id))
        state = create_account(session, role=Role.STATE, email="mission.ken@durability.example",
                               name="Mission of Kenya", state_code="KEN")
        partner = create_account(session, role=Role.PARTNER, email="officer@norad.example",
                                 name="Norad officer", partner_name="Norad",
                                 partner_kind=PartnerKind.DONOR_AGENCY, partner_state="NOR")
        secretariat = create_account(session, role=Role.SECRETARIAT,
                                     email="staff@secretariat.example", name="Secretariat")
        return Callers(state=create_token(session, account=state),
                       partner=create_token(session, account=partner),
                       secretariat=create_token(session, account=secretariat),
                       recommendations=recs)


@pytest.fixture(params=[pytest.param("postgresql", marks=needs_postgres)])
def pg_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[FreshDatabase]:
    """A newly migrated PostgreSQL database, committed to and dropped after the test."""
    with fresh_database(request.param, tmp_path) as db:
        yield db
