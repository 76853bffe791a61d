"""The `facility` command as an administrator uses it, on a fresh database (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from facility.audit import AuditEntry, verify
from facility.auth.models import Account, Partner
from facility.auth.service import account_for_token
from facility.cli import app
from facility.config import get_settings
from facility.db import make_engine
from tests.conftest import BACKENDS, _create_postgres_database


@pytest.fixture(params=BACKENDS)
def cli_db(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'cli.db'}", (lambda: None)
    else:
        url, drop = _create_postgres_database()
    monkeypatch.setenv("FACILITY_DATABASE_URL", url)
    get_settings.cache_clear()
    runner = CliRunner()
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    yield runner, engine
    engine.dispose()
    get_settings.cache_clear()
    drop()


def test_create_accounts_and_a_token_that_works(cli_db):
    runner, engine = cli_db
    result = runner.invoke(app, ["accounts", "create", "--role", "state", "--email",
                                 "Mission.KEN@example.org", "--name", "Mission of Kenya",
                                 "--state", "ken"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["accounts", "create", "--role", "partner", "--email",
                                 "officer@norad.example.org", "--name", "Norad officer",
                                 "--partner", "Norad", "--partner-kind", "donor_agency",
                                 "--partner-state", "NOR", "--password-stdin"],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output

    result = runner.invoke(app, ["tokens", "create", "--email", "mission.ken@example.org"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    with Session(engine) as session:
        account = account_for_token(session, token)
        assert account is not None and account.state_code == "KEN"
        partner = session.exec(select(Partner).where(Partner.name == "Norad")).one()
        assert (partner.kind, partner.state_code) == ("DONOR_AGENCY", "NOR")
        officer = session.exec(select(Account).where(Account.partner_id == partner.id)).one()
        assert officer.password_hash.startswith("$argon2")

    assert runner.invoke(app, ["tokens", "revoke", token]).exit_code == 0
    with Session(engine) as session:
        assert account_for_token(session, token) is None


def test_bad_account_input_is_refused_with_every_problem(cli_db):
    runner, engine = cli_db
    result = runner.invoke(app, ["accounts", "create", "--role", "committee", "--email",
                                 "not-an-email", "--name", "X", "--state", "XXX"])
    assert result.exit_code == 1
    assert "email: 'not-an-email' is not an e-mail address" in result.output
    assert "state: 'XXX' is not a known ISO3 code" in result.output
    assert "group: a committee account needs --group" in result.output
    with Session(engine) as session:
        assert session.exec(select(Account)).all() == []


def test_duplicate_email_and_unknown_account(cli_db):
    runner, _ = cli_db
    args = ["accounts", "create", "--role", "secretariat", "--email", "sec@example.org",
            "--name", "Secretariat"]
    assert runner.invoke(app, args).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 1 and "already exists" in again.output
    missing = runner.invoke(app, ["tokens", "create", "--email", "nobody@example.org"])
    assert missing.exit_code == 1 and "no account" in missing.output


def test_an_account_created_on_the_command_line_is_audited_as_on_the_page(cli_db):
    runner, engine = cli_db
    result = runner.invoke(app, ["accounts", "create", "--role", "committee", "--email",
                                 "member@example.org", "--name", "Committee member",
                                 "--state", "gha", "--group", "AFRICAN"])
    assert result.exit_code == 0, result.output
    refused = runner.invoke(app, ["accounts", "create", "--role", "state", "--email", "x",
                                  "--name", "", "--state", "ken"])
    assert refused.exit_code == 1
    with Session(engine) as session:
        member = session.exec(select(Account).where(Account.email == "member@example.org")).one()
        [entry] = session.exec(select(AuditEntry).where(AuditEntry.action == "account.created")).all()
        assert (entry.subject_type, entry.subject_id, entry.actor_account_id) == (
            "account", member.id, None)  # the operator at the server, no account
        assert entry.payload == {"role": "COMMITTEE", "state": "GHA", "partner": None,
                                 "group": "AFRICAN"}
        assert verify(session).ok


def test_a_command_without_a_database_says_so_in_one_line_and_creates_nothing(tmp_path, monkeypatch):
    missing = tmp_path / "facility.db"
    monkeypatch.setenv("FACILITY_DATABASE_URL", f"sqlite:///{missing}")
    get_settings.cache_clear()
    try:
        for args in (["tokens", "create", "--email", "someone@example.org"],
                     ["tokens", "revoke", "abc"],
                     ["accounts", "create", "--role", "state", "--email", "m@example.org",
                      "--name", "Mission", "--state", "KEN"]):
            result = CliRunner().invoke(app, args)
            assert result.exit_code == 1, result.output
            assert result.output.strip().splitlines() == [
                f"error: database: there is no database at {missing}; create it with "
                "`facility db upgrade` (or `facility demo` for the demo data)"]
            assert not missing.exists()  # no empty facility.db left behind
        missing.touch()  # a file, but never migrated
        result = CliRunner().invoke(app, ["tokens", "create", "--email", "someone@example.org"])
        assert result.exit_code == 1 and "has no tables yet" in result.output
        assert len(result.output.strip().splitlines()) == 1
    finally:
        get_settings.cache_clear()
