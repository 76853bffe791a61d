"""Migrations on a database in use: rows written by an early schema survive every later
revision, the product works on them at head, and the way back keeps them too.

The rows go in at fixed early revisions (the foundation tables at 0001, governance rows at
0003), in the SQL of those revisions, then `facility.bootstrap.upgrade` (what `facility db upgrade`
runs) takes the database to whatever head is: a revision added later needs no change here
unless it moves these columns. Also: one head only, and each revision's downgrade undoes its
upgrade exactly (the schema before the upgrade and after the downgrade are the same).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, inspect, text
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlmodel import Session

from alembic import command
from facility import audit
from facility.auth.actor import Actor
from facility.auth.models import Account
from facility.auth.service import account_for_token
from facility.bootstrap import upgrade
from facility.db import alembic_config, include_name, make_engine
from facility.engagements.models import Engagement, EngagementStatus
from facility.engagements.service import get_engagement, record_progress
from facility.errors import Conflict
from facility.models import metadata
from facility.offers.service import list_offers
from facility.reference.search import search_recommendations
from facility.requests.service import (
    RequestFields,
    create_request,
    get_request,
    list_requests,
    update_request,
)
from facility.timeutil import today_is
from governance.criteria import body_in_force
from governance.models import MatchProposal
from tests.conftest import POSTGRES_URL_VAR, _create_postgres_database

FOUNDATION = "0001"  # the revision whose SQL the foundation rows are written in
GOVERNANCE = "0003"  # the revision whose SQL the governance rows are written in
AT = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
TOKEN = "fac_migration-test-token-of-the-bdi-mission-0123456789"
TOKEN_SHA256 = "6b48808985e54060efa246524d78b42341fc47bdcad66851781c2de332176b9f"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request, tmp_path):
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'in_use.db'}")
        yield engine
        engine.dispose()
        return
    if not os.environ.get(POSTGRES_URL_VAR):
        pytest.skip(f"{POSTGRES_URL_VAR} is not set")
    url, drop = _create_postgres_database()
    engine = make_engine(url)
    yield engine
    engine.dispose()
    drop()


def _alembic(engine: Engine, fn, revision: str) -> None:  # type: ignore[no-untyped-def]
    cfg = alembic_config(engine)
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        fn(cfg, revision)


def _insert(connection, table: str, **values) -> int | None:  # type: ignore[no-untyped-def]
    """INSERT one row in plain SQL (the schema of the revision at hand); its id if it has one.

    On SQLite, times are written as the app writes them (SQLAlchemy's text format, UTC)."""
    if connection.dialect.name == "sqlite":
        values = {k: v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime)
                  else v.isoformat() if isinstance(v, date) else v for k, v in values.items()}
    columns = ", ".join(f'"{c}"' for c in values)
    marks = ", ".join(f":{c}" for c in values)
    returning = " RETURNING id" if table not in _NO_ID else ""
    row = connection.execute(text(f'INSERT INTO "{table}" ({columns}) VALUES ({marks}){returning}'),
                             values)
    return row.scalar_one() if returning else None


_NO_ID = {"regional_group", "state", "audit_entry", "recommendation_theme", "request_recommendation",
          "request_theme", "offer_theme", "expert_theme"}


def _seed_foundation(connection) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """A State mission with a draft and a request under way, a partner with a published offer,
    an expert who consented, and the reference rows they point at, as 0001 stored them."""
    ids: dict[str, int] = {}
    for code, name in (("AFRICAN", "African States"), ("WEOG", "Western European and other States")):
        _insert(connection, "regional_group", code=code, name=name)
    for code, iso2, m49, name, group in (("BDI", "BI", "108", "Burundi", "AFRICAN"),
                                          ("NOR", "NO", "578", "Norway", "WEOG")):
        _insert(connection, "state", code=code, iso2=iso2, m49=m49, name=name, official_name=name,
                regional_group_code=group, is_observer=False)
    ids["theme"] = _insert(connection, "theme", name="Justice")
    ids["rec_supported"] = _insert(
        connection, "recommendation", source_id="UPR-BDI-2018-115.32", source="upr-info",
        state_code="BDI", recommending_state_code="NOR", recommended_by="Norway", mechanism="UPR",
        cycle=3, session=30, year=2018, response="SUPPORTED", source_themes="Justice",
        text="Guarantee the independence of magistrates and reduce pre-trial detention",
        imported_at=AT)
    ids["rec_noted"] = _insert(
        connection, "recommendation", source_id="UPR-BDI-2018-115.40", source="upr-info",
        state_code="BDI", recommending_state_code=None, recommended_by="Canada", mechanism="UPR",
        cycle=3, session=30, year=2018, response="NOTED", source_themes="Justice",
        text="Ratify the Optional Protocol to the Convention against Torture", imported_at=AT)
    for rec in ("rec_supported", "rec_noted"):
        _insert(connection, "recommendation_theme", recommendation_id=ids[rec], theme_id=ids["theme"])
    ids["partner"] = _insert(connection, "partner", name="Norad (migration test)",
                             kind="DONOR_AGENCY", state_code="NOR", created_at=AT)
    for key, role, email, extra in (
            ("mission", "STATE", "mission.bdi@migration.example.org", {"state_code": "BDI"}),
            ("officer", "PARTNER", "officer@migration.example.org", {"partner_id": ids["partner"]}),
            ("secretariat", "SECRETARIAT", "secretariat@migration.example.org", {})):
        ids[key] = _insert(connection, "account", email=email, name=f"{role.title()} (test)",
                           role=role, password_hash=None, active=True, created_at=AT, **extra)
    _insert(connection, "api_token", account_id=ids["mission"], token_hash=TOKEN_SHA256,
            prefix=TOKEN[:10], label="client", created_at=AT, revoked_at=None)
    common = dict(state_code="BDI", barrier="No in-house trainers", support_kinds='["TRAINING"]',
                  languages='["fr"]', window_start=date(2027, 3, 1), window_end=date(2027, 9, 30),
                  weeks=8, experts_needed=2, budget=85_000, currency="USD", priority=5,
                  focal_point="Ministry of Justice", created_by_id=ids["mission"], created_at=AT,
                  updated_at=AT)
    ids["draft"] = _insert(connection, "capacity_request", status="DRAFT", version=3,
                           title="Case-management training for magistrates",
                           need="Train 80 magistrates in case management", **common)
    ids["active"] = _insert(connection, "capacity_request", status="ACTIVE", version=6,
                            title="Pre-trial detention review", need="Review 1,200 case files",
                            submitted_at=AT, **common)
    for request in ("draft", "active"):
        _insert(connection, "request_recommendation", request_id=ids[request],
                recommendation_id=ids["rec_supported"])
        _insert(connection, "request_theme", request_id=ids[request], theme_id=ids["theme"])
    _insert(connection, "idempotency_record", account_id=ids["mission"], operation="createRequest",
            key="draft-1", payload_hash="a" * 64, object_id=ids["draft"], created_at=AT)
    ids["offer"] = _insert(
        connection, "offer", partner_id=ids["partner"], status="PUBLISHED",
        title="Justice sector training fund", kind="FUNDING", description="Grants for training",
        eligible_groups='["AFRICAN"]', eligible_states=None, languages='["en", "fr"]',
        budget=400_000, currency="USD", max_requests=4, window_start=date(2027, 1, 1),
        window_end=date(2027, 12, 31), conditions="", version=2, created_by_id=ids["officer"],
        created_at=AT, updated_at=AT, published_at=AT)
    _insert(connection, "offer_theme", offer_id=ids["offer"], theme_id=ids["theme"])
    ids["expert"] = _insert(
        connection, "expert", partner_id=ids["partner"], account_id=None, name="Amina Diallo",
        email="amina.diallo@migration.example.org", phone="+221 33 000 00 00", cv="Magistrate",
        nationality="NOR", languages='["fr", "en"]', seniority="SENIOR", max_assignments=2,
        conflict_states='["NOR"]', conflict_partner_ids="[]", consent_at=AT,
        consent_version="2026-1", consent_scope="roster and matching", version=1, created_at=AT,
        updated_at=AT)
    _insert(connection, "expert_availability", expert_id=ids["expert"], start=date(2027, 1, 1),
            end=date(2027, 12, 31))
    _insert(connection, "expert_theme", expert_id=ids["expert"], theme_id=ids["theme"])
    # Her colleague, nominated later (a higher id) and listed first on the team (0003).
    ids["colleague"] = _insert(
        connection, "expert", partner_id=ids["partner"], account_id=None, name="Jonas Berg",
        email="jonas.berg@migration.example.org", phone="", cv="Prosecutor", nationality="NOR",
        languages='["en"]', seniority="SENIOR", max_assignments=1, conflict_states="[]",
        conflict_partner_ids="[]", consent_at=AT, consent_version="2026-1",
        consent_scope="roster and matching", version=1, created_at=AT, updated_at=AT)
    return ids


def _team(ids: dict[str, int]) -> list[int]:
    """The team of the seeded proposal and engagement: the colleague first, out of id order."""
    return [ids["colleague"], ids["expert"]]


# Two audit entries as the 0003 code chained them (hashes computed once and written down, so
# that a change to the chain's rules which would break existing logs fails here).
AUDIT_ENTRIES = [
    dict(seq=1, action="criteria.initial", subject_type="criteria_set", subject_id=1,
         payload='{"version": 1}', prev_hash=audit.GENESIS_HASH,
         hash="9aa6d9ee0fab06f98d05a15f78f1c81a0be81152dfb4462ddd7986941b79036e"),
    dict(seq=2, action="engagement.created", subject_type="engagement", subject_id=1,
         payload='{"proposal": 1}', prev_hash="",
         hash="69d043bb41cac55aac8f25caa087397f6a0ab425a8891a53c665721832881cb5"),
]
CRITERIA_BODY = (
    '{"eligibility": {"require_supported": true, "budget_ceiling": 250000, "min_weeks": 1, '
    '"max_weeks": 26, "max_experts": 6, "accepted_kinds": ["EXPERT_MISSION", "TRAINING", '
    '"LEGISLATIVE_DRAFTING", "INSTITUTION_BUILDING", "REPORTING_AND_FOLLOW_UP", "PEER_EXCHANGE", '
    '"FUNDING"]}, "matching": {"request_base_value": 100, "weights": {"priority": 10, '
    '"waiting_month": 2, "supported": 5, "theme_fit": 3, "language_fit": 1}, "team_min_groups": 2, '
    '"group_floor_share": {"AFRICAN": 0.3, "APG": 0.3, "EEG": 0.3, "GRULAC": 0.3, "WEOG": 0.3}, '
    '"fairness_penalty": 400}, "voting": {"quorum": 3}}')


def _seed_governance(connection, ids: dict[str, int]) -> None:  # type: ignore[no-untyped-def]
    """Criteria in force, an optimiser run, a confirmed proposal and its engagement, and the
    audit chain, as 0003 stored them."""
    assert _insert(connection, "criteria_set", version=1, title="Default criteria",
                   status="IN_FORCE", body=CRITERIA_BODY, notes="", row_version=1,
                   created_by_id=None, created_at=AT, adopted_at=AT) == 1
    run = _insert(connection, "optimiser_run", status="DONE", criteria_version=1, time_limit=30.0,
                  started_by_id=ids["secretariat"], created_at=AT, finished_at=AT,
                  cancel_requested=False, progress="{}", solver_status="OPTIMAL", score=120,
                  bound=120, seconds=1.5, fairness="{}", unmatched="[]", error=None)
    team = json.dumps(_team(ids))
    proposal = _insert(connection, "match_proposal", run_id=run, request_id=ids["active"],
                       offer_id=ids["offer"], expert_ids=team, value=120, fit=9,
                       explanation="Theme and language fit", status="CONFIRMED",
                       state_confirmed_at=AT, partner_confirmed_at=AT, decided_at=AT)
    assert _insert(connection, "engagement", proposal_id=proposal, request_id=ids["active"],
                   offer_id=ids["offer"], expert_ids=team, start=date(2027, 3, 1),
                   end=date(2027, 4, 26), budget=85_000, currency="USD", status="SCHEDULED",
                   created_at=AT) == 1
    prev = audit.GENESIS_HASH
    for entry in AUDIT_ENTRIES:
        _insert(connection, "audit_entry", recorded_at=AT, actor_account_id=None,
                **{**entry, "prev_hash": prev})
        prev = entry["hash"]
    connection.execute(text("UPDATE audit_head SET seq = 2, hash = :hash WHERE id = 1"),
                       {"hash": prev})


def _foundation_rows(connection) -> dict:  # type: ignore[no-untyped-def]
    """What 0001's columns hold, read back in 0001's SQL."""
    def rows(sql: str) -> list[tuple]:
        return [tuple(r) for r in connection.execute(text(sql))]

    return {
        "requests": rows("SELECT id, state_code, status, title, version, budget FROM capacity_request "
                         "ORDER BY id"),
        "links": rows("SELECT request_id, recommendation_id FROM request_recommendation "
                      "ORDER BY request_id"),
        "themes": rows("SELECT 'request', request_id, theme_id FROM request_theme UNION ALL "
                       "SELECT 'offer', offer_id, theme_id FROM offer_theme UNION ALL "
                       "SELECT 'expert', expert_id, theme_id FROM expert_theme UNION ALL "
                       "SELECT 'recommendation', recommendation_id, theme_id FROM recommendation_theme "
                       "ORDER BY 1, 2, 3"),
        "availability": rows("SELECT expert_id, start, \"end\" FROM expert_availability"),
        "offers": rows("SELECT id, status, title, budget FROM offer ORDER BY id"),
        "experts": rows("SELECT id, name, email, phone, consent_version FROM expert ORDER BY id"),
        "tokens": rows("SELECT account_id, token_hash FROM api_token ORDER BY id"),
        "idempotency": rows("SELECT account_id, operation, key, object_id FROM idempotency_record"),
        "recommendations": rows("SELECT source_id, response, text FROM recommendation ORDER BY id"),
    }


def test_a_database_in_use_upgrades_to_head_works_there_and_downgrades_with_its_data(empty_engine):
    engine = empty_engine
    _alembic(engine, command.upgrade, FOUNDATION)
    with engine.begin() as connection:
        ids = _seed_foundation(connection)
        before = _foundation_rows(connection)
    _alembic(engine, command.upgrade, GOVERNANCE)
    with engine.begin() as connection:
        _seed_governance(connection, ids)

    upgrade(engine)  # `facility.bootstrap.upgrade`: to head, then the reference data on top

    with engine.connect() as connection:
        assert _foundation_rows(connection) == before
        diff = compare_metadata(MigrationContext.configure(
            connection, opts={"include_name": include_name}), metadata())
        assert diff == [], "the upgraded database differs from the models"
        _assert_constraints_validated(connection)
    with Session(engine, expire_on_commit=False) as session:
        # The old token still signs the mission in; its requests, with their versions, are there.
        account = account_for_token(session, TOKEN)
        assert account is not None and account.id == ids["mission"]
        mission = Actor.from_account(account)
        listed, total = list_requests(session, actor=mission, limit=10, offset=0)
        assert total == 2 and {r.id for r in listed} == {ids["draft"], ids["active"]}
        draft = get_request(session, actor=mission, request_id=ids["draft"])
        assert (draft.version, draft.title) == (3, "Case-management training for magistrates")
        # Versions still guard edits: a stale version is a Conflict, the current one succeeds.
        with pytest.raises(Conflict):
            update_request(session, actor=mission, request_id=ids["draft"],
                           changes={"title": "Stale edit"}, expected_version=2)
        edited = update_request(session, actor=mission, request_id=ids["draft"],
                                changes={"title": "Training for 80 magistrates"}, expected_version=3)
        assert edited.version == 4
        # The full-text index covers rows that were there before it existed (0002).
        hits, _ = search_recommendations(session, search="magistrates", limit=10)
        assert [r.source_id for r in hits] == ["UPR-BDI-2018-115.32"]
        offers, _ = list_offers(session, actor=None, limit=10, offset=0)
        assert [o.title for o in offers] == ["Justice sector training fund"]
        # The teams of 0003's JSON lists are the rows of 0025, in their order.
        secretariat = Actor.from_account(session.get(Account, ids["secretariat"]))
        engagement = get_engagement(session, actor=secretariat, engagement_id=1)
        assert engagement.expert_ids == _team(ids)
        assert session.get(MatchProposal, engagement.proposal_id).expert_ids == _team(ids)
        # The criteria written by 0003 are read as the criteria in force.
        version, criteria = body_in_force(session)
        assert (version, criteria.eligibility.budget_ceiling) == (1, 250_000)
        # The engagement of 0003 goes on to completion: its follow-up reports (a table of 0004)
        # fall due, and the new audit entries chain onto the old ones. Its partner first
        # completes the duty-of-care checklist of 0032.
        from facility.engagements.models import CareItem, EngagementCareItem

        session.add_all([EngagementCareItem(engagement_id=1, item=item,
                                            done_by_id=ids["secretariat"]) for item in CareItem])
        session.flush()
        for status, day in ((EngagementStatus.IN_PROGRESS, date(2027, 3, 1)),
                            (EngagementStatus.COMPLETED, date(2027, 4, 26))):
            with today_is(day):  # each step on its date; the expert accepted outside the platform
                record_progress(session, actor=secretariat, engagement_id=1, status=status,
                                reason="Accepted by e-mail (test)")
        assert get_request(session, actor=mission, request_id=ids["active"]).status == "COMPLETED"
        session.commit()
        verification = audit.verify(session)
        assert verification.ok, verification.reason
        assert verification.entries > len(AUDIT_ENTRIES)
        # A new request next to the old ones: the ids and uniqueness still hold.
        create_request(session, actor=mission, idempotency_key="draft-2", fields=RequestFields(
            title="Legal aid clinics", need="Open five clinics", recommendation_ids=[ids["rec_supported"]],
            languages=["fr"], support_kinds=["TRAINING"], window_start=date(2027, 5, 1),
            window_end=date(2027, 8, 31), weeks=4, experts_needed=1, budget=30_000,
            currency="USD", priority=3))
        session.commit()
    with engine.begin() as connection, pytest.raises(IntegrityError):
        _insert(connection, "idempotency_record", account_id=ids["mission"],
                operation="createRequest", key="draft-1", payload_hash="b" * 64, object_id=1,
                created_at=AT)
    with engine.begin() as connection, pytest.raises((IntegrityError, OperationalError,
                                                      ProgrammingError)):
        connection.execute(text("UPDATE audit_entry SET action = 'forged' WHERE seq = 1"))

    _alembic(engine, command.downgrade, FOUNDATION)
    with engine.connect() as connection:
        after = _foundation_rows(connection)
    edited_row = next(r for r in after["requests"] if r[0] == ids["draft"])
    assert edited_row[3:5] == ("Training for 80 magistrates", 4)
    assert "Legal aid clinics" in {r[3] for r in after["requests"]}  # filed at head
    active_row = next(r for r in after["requests"] if r[0] == ids["active"])
    assert active_row[2] == "COMPLETED"
    for key in ("offers", "experts", "tokens", "recommendations", "links", "themes", "availability"):
        assert set(before[key]) <= set(after[key]), key


TEAMS = "0025"  # the revision that moves the teams from JSON lists to rows


def _teams(connection, table: str, key: str) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [tuple(r) for r in connection.execute(text(
        f"SELECT {key}, expert_id, position FROM {table} ORDER BY {key}, position"))]


def _json_teams(connection, table: str) -> dict[int, list[int]]:  # type: ignore[no-untyped-def]
    return {pk: json.loads(team) if isinstance(team, str) else team for pk, team in
            connection.execute(text(f"SELECT id, expert_ids FROM {table} ORDER BY id"))}


def test_teams_move_from_json_lists_to_rows_in_order_and_back(empty_engine):
    engine = empty_engine
    _alembic(engine, command.upgrade, FOUNDATION)
    with engine.begin() as connection:
        ids = _seed_foundation(connection)
    _alembic(engine, command.upgrade, GOVERNANCE)
    with engine.begin() as connection:
        _seed_governance(connection, ids)
        # A second proposal of the run, whose team is empty.
        empty = _insert(connection, "match_proposal", run_id=1, request_id=ids["draft"],
                        offer_id=ids["offer"], expert_ids="[]", value=100, fit=0,
                        explanation="No expert needed", status="PROPOSED")
    colleague, expert = _team(ids)

    _alembic(engine, command.upgrade, TEAMS)
    with engine.connect() as connection:
        assert _teams(connection, "proposal_expert", "proposal_id") == [
            (1, colleague, 0), (1, expert, 1)]
        assert _teams(connection, "engagement_expert", "engagement_id") == [
            (1, colleague, 0), (1, expert, 1)]
        for table in ("match_proposal", "engagement"):
            columns = {c["name"] for c in inspect(connection).get_columns(table)}
            assert "expert_ids" not in columns and "offer_id" in columns, table
        _assert_constraints_validated(connection)
    with Session(engine) as session:
        assert session.get(MatchProposal, empty).expert_ids == []
        # The engagement's team changes at head: the colleague leaves.
        engagement = session.get(Engagement, 1)
        engagement.set_team([expert])
        session.commit()

    _alembic(engine, command.downgrade, "0024")
    with engine.connect() as connection:
        assert _json_teams(connection, "match_proposal") == {1: [colleague, expert], empty: []}
        assert _json_teams(connection, "engagement") == {1: [expert]}
        assert not {"proposal_expert", "engagement_expert"} & set(inspect(connection).get_table_names())
    # And up again: the rows are what the lists now say.
    _alembic(engine, command.upgrade, TEAMS)
    with engine.connect() as connection:
        assert _teams(connection, "engagement_expert", "engagement_id") == [(1, expert, 0)]


def test_the_teams_upgrade_refuses_a_list_naming_an_expert_who_does_not_exist(empty_engine):
    engine = empty_engine
    _alembic(engine, command.upgrade, FOUNDATION)
    with engine.begin() as connection:
        ids = _seed_foundation(connection)
    _alembic(engine, command.upgrade, GOVERNANCE)
    with engine.begin() as connection:
        _seed_governance(connection, ids)
        connection.execute(text("UPDATE engagement SET expert_ids = :team WHERE id = 1"),
                           {"team": json.dumps([ids["expert"], 9999])})
    _alembic(engine, command.upgrade, "0024")
    with pytest.raises(RuntimeError, match=r"engagement 1: expert_ids .* experts \[9999\] who do "
                                           r"not exist"):
        _alembic(engine, command.upgrade, TEAMS)
    with engine.connect() as connection:  # nothing of 0025 stayed
        assert "engagement_expert" not in inspect(connection).get_table_names()
        assert _json_teams(connection, "engagement") == {1: [ids["expert"], 9999]}


def _assert_constraints_validated(connection) -> None:  # type: ignore[no-untyped-def]
    """Every foreign key holds on the migrated rows (PostgreSQL: no constraint left unchecked)."""
    if connection.dialect.name == "sqlite":
        assert connection.execute(text("PRAGMA foreign_key_check")).all() == []
        assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    else:
        assert connection.execute(text(
            "SELECT conname FROM pg_constraint WHERE NOT convalidated")).all() == []


def test_there_is_one_head_revision():
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    heads = script.get_heads()
    assert len(heads) == 1, (f"migrations fork into {heads}: set the newer revision's "
                             f"down_revision to the other head")


def _schema(engine: Engine) -> MetaData:
    reflected = MetaData()
    reflected.reflect(engine)
    return reflected


@pytest.mark.slow
def test_each_downgrade_undoes_its_upgrade_exactly(empty_engine):
    """Before revision N and after N's upgrade then downgrade, the schema is the same."""
    engine = empty_engine
    script = ScriptDirectory.from_config(alembic_config(engine))
    revisions = [r.revision for r in reversed(list(script.walk_revisions()))]
    for revision in revisions:
        before = _schema(engine)
        _alembic(engine, command.upgrade, revision)
        _alembic(engine, command.downgrade, "-1")
        with engine.connect() as connection:
            # Both sides leave out what only SQL manages (the search index), as in every comparison.
            context = MigrationContext.configure(connection, opts={
                "include_name": include_name,
                "include_object": lambda _obj, name, type_, _r, _c: include_name(name, type_, None)})
            diff = compare_metadata(context, before)
        assert diff == [], f"downgrading {revision} leaves {diff}"
        _alembic(engine, command.upgrade, revision)
