"""`facility experts erase`, and personal data that must never reach logs or the audit chain.

The scenario runs through the API as clients use it (nominations, a profile the expert edits
themself, consent withdrawn and renewed, refusals of every kind, reads by every role, an
optimiser run), with every log record captured. Then the person is erased. Afterwards no
table holds any of their personal data, their account and token are dead, the audit chain
still verifies, and no log record of the whole scenario names either person.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session, select
from typer.testing import CliRunner

from facility.audit import AuditEntry, verify
from facility.auth.actor import Actor
from facility.auth.models import Account, LoginAttempt, Role, WebSession
from facility.auth.service import create_account, create_token
from facility.auth.web_sessions import SignInRefused, email_key, sign_in
from facility.cli import app
from facility.config import get_settings
from facility.db import make_engine, unit_of_work
from facility.errors import NotFound
from facility.experts.erasure import erase_expert
from facility.experts.models import Expert
from facility.experts.service import ExpertFields, nominate_expert
from facility.timeutil import today, utcnow
from governance.criteria import body_in_force
from governance.runs import build_instance
from tests.api.helpers import YEAR, run
from tests.privacy.conftest import AMINA, JONAS

PERSONAL_FIELDS = ("name", "email", "phone", "cv")
SECRET = "test-secret-key"


def everything(session: Session) -> str:
    """Every row of every table, as text."""
    session.flush()
    connection = session.connection()
    return "\n".join(repr(row) for table in sorted(inspect(connection).get_table_names())
                     for row in connection.execute(text(f'SELECT * FROM "{table}"')))


def _scenario(people) -> tuple[dict, dict]:
    amina = people.nominate(AMINA, idempotencyKey="norad-amina")
    people.link_amina(amina["id"])
    jonas = people.nominate(JONAS, client=people.giz)
    # Amina keeps her own profile current.
    edited = run(people.amina_account, "UpdateExpert", id=amina["id"],
                 input={"phone": AMINA["phone"], "cv": AMINA["cv"]})["result"]
    assert edited["__typename"] == "ExpertPayload", edited
    # Refusals of every kind, some of which repeat personal data in their message.
    refusals = [
        run(people.giz, "UpdateExpert", id=amina["id"], input={"email": JONAS["email"]}),
        run(people.kenya, "SetExpertConsent", id=amina["id"], input={"scopes": []}),
        run(people.norad, "NominateExpert", input={**AMINA, "nationality": "KEN", "themes": [],
                                                   "languages": ["en"], "availability": [],
                                                   "consentGiven": False}),
        run(people.norad, "NominateExpert", input={**AMINA, "nationality": "KEN",
                                                   "themes": ["Justice"], "languages": ["en"],
                                                   "availability": [{"start": f"{YEAR}-01-01",
                                                                     "end": f"{YEAR}-02-01"}],
                                                   "consentGiven": True,
                                                   "idempotencyKey": "norad-amina"}),
        run(people.secretariat, "SeatCommitteeMember", regionalGroup="AFRICAN",
            memberEmail=AMINA["email"]),
        run(people.amina_account, "UpdateExpert", id=amina["id"], input={"email": "not-an-address"}),
    ]
    assert all(not r["result"]["__typename"].endswith("Payload") for r in refusals), refusals
    # Refused reads: the roster is closed to anonymous callers, and an "id" that is in fact
    # her e-mail address names nothing. Both answer null and are logged, without the address.
    anonymous = people.norad.as_(None)
    for client, expert_id in ((anonymous, amina["id"]), (people.kenya, AMINA["email"])):
        found = client("query($id: ID!) { expert(id: $id) { id } }", {"id": expert_id})
        assert found["expert"] is None
    # Consent withdrawn and given again; reads by every role; a run reads the roster.
    run(people.amina_account, "SetExpertConsent", id=amina["id"], input={"scopes": []})
    run(people.norad, "SetExpertConsent", id=amina["id"], input={"scopes": ["ROSTER", "MATCHING"]})
    for client in (people.norad, people.giz, people.kenya, people.secretariat, people.amina_account):
        client("{ experts(first: 100) { edges { node { id personal { name email phone } } } } }")
    started = run(people.secretariat, "StartOptimiserRun", timeLimit=2)["result"]
    assert started["__typename"] == "RunPayload", started
    return amina, jonas


def _seeded(*people: dict) -> list[str]:
    return [person[f] for person in people for f in ("name", "email", "phone")]


def test_erasure_leaves_no_personal_data_and_no_log_names_anyone(people, caplog):
    caplog.set_level(logging.DEBUG)
    amina, jonas = _scenario(people)
    session = people.session
    # What an optimiser run exports (its instance document) never holds personal data.
    _, criteria = body_in_force(session)
    exported = json.dumps(build_instance(session, criteria, as_of=today())[0])
    assert not [v for v in _seeded(AMINA, JONAS) if v in exported]
    before = everything(session)
    assert all(AMINA[f] in before for f in PERSONAL_FIELDS)  # the scan does see the data

    # She once signed in on the web and once mistyped her password there.
    session.add(WebSession(session_hash="0" * 64, account_id=people.amina_account_id,
                           csrf_token="c" * 32, expires_at=utcnow() + timedelta(days=1)))
    with pytest.raises(SignInRefused):
        sign_in(session, email=AMINA["email"], password="wrong password", client_address="10.0.0.1",
                secret=SECRET)
    assert session.exec(select(LoginAttempt).where(
        LoginAttempt.email_key == email_key(SECRET, AMINA["email"]))).all()

    erasure = erase_expert(session, email=AMINA["email"].upper(), secret=SECRET)
    assert len(erasure.expert_ids) == 1 and erasure.account_ids == [people.amina_account_id]
    assert erasure.tokens_revoked == 1

    after = everything(session)
    assert [f for f in PERSONAL_FIELDS if AMINA[f] in after] == []
    assert "Amina" not in after  # not even in her token's label or her account's name
    assert all(JONAS[f] in after for f in PERSONAL_FIELDS)  # no one else was touched
    # Her account is dead at once; her entry is off the roster; the chain still verifies.
    assert people.amina_account.post("{ me { role } }").status_code == 401
    assert all(s.revoked_at is not None for s in session.exec(
        select(WebSession).where(WebSession.account_id == people.amina_account_id)))
    assert not session.exec(select(LoginAttempt).where(
        LoginAttempt.email_key == email_key(SECRET, AMINA["email"]))).all()
    roster = people.secretariat("{ experts(first: 100) { edges { node { id } } } }")
    assert [e["node"]["id"] for e in roster["experts"]["edges"]] == [jonas["id"]]
    erased = people.secretariat('query($id: ID!) { expert(id: $id) { consentGiven availability '
                                '{ start } personal { name email phone cv } } }',
                                {"id": amina["id"]})["expert"]
    assert erased["consentGiven"] is False and erased["availability"] == []
    assert erased["personal"]["email"].endswith("@erased.invalid")
    assert erased["personal"]["phone"] == erased["personal"]["cv"] == ""
    assert verify(session).ok
    actions = [e.action for e in session.exec(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions[-2:] == ["token.revoked", "expert.erased"]
    # She cannot be changed any more, by anyone.
    for client in (people.norad, people.secretariat):
        refused = run(client, "UpdateExpert", id=amina["id"], input={"cv": AMINA["cv"]})["result"]
        assert refused["__typename"] in ("Conflict", "PermissionDenied")
    with pytest.raises(NotFound):
        erase_expert(session, email=AMINA["email"], secret=SECRET)

    # The logs of the whole scenario: refusals are there, personal data is not.
    logged = caplog.text + "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "refused updateExpert for PARTNER#" in logged
    assert "refused nominateExpert for PARTNER#" in logged and "themes:required" in logged
    assert "refused seatCommitteeMember for SECRETARIAT#" in logged
    assert "refused a request: invalid or revoked API token" in logged
    assert "refused expert(id " in logged and "refused expert(id invalid) for STATE#" in logged
    assert [v for v in _seeded(AMINA, JONAS) if v in logged] == []
    assert "not-an-address" not in logged


@pytest.fixture
def cli_db(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'erase.db'}"
    monkeypatch.setenv("FACILITY_DATABASE_URL", url)
    get_settings.cache_clear()
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    yield runner, make_engine(url)
    get_settings.cache_clear()


def test_facility_experts_erase_as_the_operator_runs_it(cli_db):
    runner, engine = cli_db
    with unit_of_work(engine) as session:
        partner = create_account(session, role=Role.PARTNER, email="officer@norad.example",
                                 name="Norad officer", partner_name="Norad")
        account = create_account(session, role=Role.EXPERT, email=AMINA["email"],
                                 name=AMINA["name"], partner_name="Norad", password="a long password 1")
        create_token(session, account=account, label="laptop")
        nominate_expert(session, actor=Actor.from_account(partner), consent_given=True,
                        fields=ExpertFields(name=AMINA["name"], email=AMINA["email"],
                                            phone=AMINA["phone"], cv=AMINA["cv"],
                                            nationality="KEN", themes=["Justice"],
                                            languages=["en"],
                                            availability=[(today().replace(year=YEAR, month=1, day=1),
                                                           today().replace(year=YEAR, month=6, day=30))]))
    result = runner.invoke(app, ["experts", "erase", AMINA["email"]])
    assert result.exit_code == 0, result.output
    assert "erased roster entries 1; accounts 2; 1 token(s) revoked" in result.output
    assert "audit log intact" in result.output
    assert AMINA["email"] not in result.output
    with Session(engine) as session:
        assert [f for f in PERSONAL_FIELDS if AMINA[f] in everything(session)] == []
        person = session.get(Account, 2)
        assert person is not None and not person.active and person.password_hash is None
        assert session.exec(select(Expert)).one().erased_at is not None
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    again = runner.invoke(app, ["experts", "erase", AMINA["email"]])
    assert again.exit_code == 1
    assert "no expert on the roster has this e-mail address" in again.output
