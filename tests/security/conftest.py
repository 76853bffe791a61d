"""One world for the whole permission matrix, built once per backend and test process.

Building the world (a seated committee, requests in every state, offers and experts of two
partners, screenings, an optimiser run and approved proposals) costs a few seconds, and the
matrix has hundreds of cells; so the world is built once inside an outer transaction and every
test runs in a SAVEPOINT of its own that is rolled back afterwards. Code under test that
commits only releases a nested SAVEPOINT of the per-test session, as in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from facility.app import create_app
from facility.auth.models import Account, Partner, PartnerKind, Role
from facility.auth.service import create_account, create_token
from facility.config import Settings
from facility.experts.models import Expert
from facility.ids import encode_id
from facility.reference.models import Recommendation, RecommendationTheme, Theme
from tests.api.helpers import offer_input, operation, request_input
from tests.conftest import GraphQLClient
from tests.security.world_dialogue import build_dialogue
from tests.security.world_funds import build_funds
from tests.security.world_library import build_library
from tests.security.world_programmes import build_programmes
from tests.security.world_stories import build_stories

YEAR = date.today().year + 1

# The callers of the matrix, one account each. "Own tenant" in docs/permissions.md is
# always relative to these: Kenya's mission, Norad, the expert Norad nominated, Kenya's
# committee member (AFRICAN seat), and a former APG member whose seat went to India.
ROLES = ("anonymous", "STATE", "PARTNER", "EXPERT", "COMMITTEE", "EX_COMMITTEE", "SECRETARIAT")

MEMBERS = {"AFRICAN": "KEN", "APG": "IND", "EEG": "POL", "GRULAC": "BRA", "WEOG": "NOR"}


class _Holder:
    session: Session | None = None


@dataclass
class World:
    clients: dict[str, GraphQLClient]
    members: dict[str, GraphQLClient]
    ids: dict[str, object] = field(default_factory=dict)
    holder: _Holder | None = None

    @property
    def session(self) -> Session:
        return self.holder.session  # type: ignore[union-attr,return-value]


def op(client: GraphQLClient, name: str, **variables) -> dict:
    return client(operation(name), variables)


def _result(client: GraphQLClient, name: str, expect: str, **variables) -> dict:
    result = op(client, name, **variables)["result"]
    assert result["__typename"] == expect, (name, result)
    return result


def _recommendations(session: Session) -> dict[str, str]:
    themes = {t.name: t.id for t in session.exec(select(Theme))}
    ids = {}
    for source_id, state, theme in (("SEC-KEN-1", "KEN", "Justice"), ("SEC-KEN-2", "KEN", "Justice"),
                                    ("SEC-GHA-1", "GHA", "NHRI"), ("SEC-GHA-2", "GHA", "NHRI")):
        rec = Recommendation(source_id=source_id, source="upr-info", state_code=state,
                             recommending_state_code="NOR", recommended_by="Norway", cycle=3,
                             session=35, text=f"Recommendation {source_id}", response="SUPPORTED")
        session.add(rec)
        session.flush()
        session.add(RecommendationTheme(recommendation_id=rec.id, theme_id=themes[theme]))
        ids[source_id] = encode_id("Recommendation", rec.id)
    session.flush()
    return ids


def _build(session: Session, gql: GraphQLClient) -> World:
    n = iter(range(1, 1000))

    def token(role: Role, **kw) -> GraphQLClient:
        account = create_account(session, role=role, email=f"sec{next(n)}-{role.value.lower()}@example.org",
                                 name=f"Matrix {role.value.title()}",
                                 partner_kind=PartnerKind.DONOR_AGENCY, **kw)
        return gql.as_(create_token(session, account=account))

    secretariat = token(Role.SECRETARIAT)
    former = token(Role.COMMITTEE, state_code="JPN", group_code="APG")
    members = {g: token(Role.COMMITTEE, state_code=s, group_code=g) for g, s in MEMBERS.items()}
    norad = token(Role.PARTNER, partner_name="Norad")
    giz = token(Role.PARTNER, partner_name="GIZ")
    kenya = token(Role.STATE, state_code="KEN")
    ghana = token(Role.STATE, state_code="GHA")
    expert_account = create_account(session, role=Role.EXPERT, email="matrix-expert@example.org",
                                    name="Matrix Expert", partner_name="Norad")
    expert = gql.as_(create_token(session, account=expert_account))
    for name, state in (("Norad", "NOR"), ("GIZ", "DEU")):
        partner = session.exec(select(Partner).where(Partner.name == name)).one()
        partner.state_code = state
        session.add(partner)
    session.flush()

    # Seats: JPN's member holds APG first, then India takes it over -> EX_COMMITTEE.
    def email_of(group: str, state: str) -> str:
        return session.exec(select(Account).where(Account.role == Role.COMMITTEE,
                                                  Account.regional_group_code == group,
                                                  Account.state_code == state)).one().email

    _result(secretariat, "SeatCommitteeMember", "SeatPayload", regionalGroup="APG",
            memberEmail=email_of("APG", "JPN"))
    for group, state in MEMBERS.items():
        _result(secretariat, "SeatCommitteeMember", "SeatPayload", regionalGroup=group,
                memberEmail=email_of(group, state))

    recs = _recommendations(session)
    ids: dict[str, object] = {"recs": recs, "ex_committee_email": email_of("APG", "JPN")}

    def new_request(client, rec: str, themes: list[str], submit: bool) -> str:
        created = _result(client, "CreateRequest", "RequestPayload", input=request_input(
            [recs[rec]], themes=themes, languages=["en"], expertsNeeded=1, budget=60000))
        rid = created["request"]["id"]
        if submit:
            _result(client, "SubmitRequest", "RequestPayload", id=rid)
        return rid

    ids["ken_draft"] = new_request(kenya, "SEC-KEN-1", ["Justice"], False)
    ids["ken_sub"] = new_request(kenya, "SEC-KEN-1", ["Justice"], True)
    ids["ken_voting"] = new_request(kenya, "SEC-KEN-2", ["Justice"], True)
    ids["ken_match"] = new_request(kenya, "SEC-KEN-1", ["Justice"], True)
    ids["gha_draft"] = new_request(ghana, "SEC-GHA-1", ["NHRI"], False)
    ids["gha_sub"] = new_request(ghana, "SEC-GHA-1", ["NHRI"], True)
    ids["gha_voting"] = new_request(ghana, "SEC-GHA-2", ["NHRI"], True)
    ids["gha_match"] = new_request(ghana, "SEC-GHA-1", ["NHRI"], True)

    def vote(group: str, motion: str, choice: str = "APPROVE") -> None:
        _result(members[group], "CastVote", "MotionPayload", motionId=motion, choice=choice,
                comment=f"{group} says {choice}")

    # Screenings: two left open with a quorum of votes; two decided (-> ELIGIBLE).
    for key in ("ken_voting", "gha_voting", "ken_match", "gha_match"):
        screening = _result(secretariat, "OpenScreening", "ScreeningPayload",
                            requestId=ids[key])["screening"]
        motion = screening["motion"]["id"]
        ids[f"motion_{key}"] = motion
        for group in ("APG", "EEG", "GRULAC"):
            vote(group, motion)
        if key.endswith("_match"):
            _result(secretariat, "DecideMotion", "MotionPayload", motionId=motion)

    # Offers and experts of two partners.
    def new_offer(client, publish: bool, theme: str) -> str:
        created = _result(client, "CreateOffer", "OfferPayload", input=offer_input(
            themes=[theme], eligibleGroups=None, budget=100000, maxRequests=1,
            languages=["en"]))
        oid = created["offer"]["id"]
        if publish:
            _result(client, "PublishOffer", "OfferPayload", id=oid)
        return oid

    ids["norad_draft"] = new_offer(norad, False, "Justice")
    ids["norad_pub"] = new_offer(norad, True, "Justice")
    ids["giz_draft"] = new_offer(giz, False, "NHRI")
    ids["giz_pub"] = new_offer(giz, True, "NHRI")

    def nominate(client, nationality: str, theme: str, email: str) -> str:
        return _result(client, "NominateExpert", "ExpertPayload", input={
            "name": f"Expert {email}", "email": email, "phone": "+47 000 000",
            "cv": "Twenty years of practice", "nationality": nationality, "themes": [theme],
            "languages": ["en"], "availability": [{"start": f"{YEAR}-01-01", "end": f"{YEAR}-12-31"}],
            "consentGiven": True})["expert"]["id"]

    ids["expert_own"] = nominate(norad, "BRA", "Justice", "own.expert@example.org")
    ids["expert_other"] = nominate(giz, "ARG", "NHRI", "other.expert@example.org")
    from facility.ids import decode_id

    row = session.get(Expert, decode_id("Expert", ids["expert_own"]))
    row.account_id = expert_account.id  # type: ignore[union-attr]
    session.add(row)
    session.flush()

    # Criteria: a draft (version 2) nobody has put to the vote yet.
    draft = _result(members["EEG"], "DraftCriteria", "CriteriaPayload",
                    input={"title": "Matrix draft", "body": {}})["criteriaSet"]
    ids["criteria_draft"] = draft["version"]
    ids["criteria_draft_row"] = draft["rowVersion"]

    # The optimiser proposes; both proposals are approved by the committee.
    run = _result(secretariat, "StartOptimiserRun", "RunPayload", timeLimit=5)["run"]
    ids["run_done"] = run["id"]
    done = op(secretariat, "OptimiserRun", id=run["id"])["optimiserRun"]
    assert done["status"] == "DONE", done
    by_request = {p["request"]["id"]: p for p in done["proposals"]}
    assert set(by_request) == {ids["ken_match"], ids["gha_match"]}, done
    for key, request_key in (("prop_ken", "ken_match"), ("prop_gha", "gha_match")):
        proposal = by_request[ids[request_key]]
        ids[key] = proposal["id"]
        ids[f"motion_{key}"] = proposal["motion"]["id"]
        for group in ("APG", "EEG", "GRULAC"):
            vote(group, proposal["motion"]["id"])
        _result(secretariat, "DecideMotion", "MotionPayload", motionId=proposal["motion"]["id"])
    ken_offer = by_request[ids["ken_match"]]["offer"]["id"]
    gha_offer = by_request[ids["gha_match"]]["offer"]["id"]
    assert (ken_offer, gha_offer) == (ids["norad_pub"], ids["giz_pub"]), done
    ids["prop_ken_experts"] = [e["id"] for e in by_request[ids["ken_match"]]["experts"]]
    ids["prop_gha_experts"] = [e["id"] for e in by_request[ids["gha_match"]]["experts"]]
    assert ids["prop_ken_experts"] == [ids["expert_own"]], done
    assert ids["prop_gha_experts"] == [ids["expert_other"]], done

    _follow_up(session, ids, secretariat=secretariat, kenya=kenya, ghana=ghana)
    build_stories(session, ids)
    build_dialogue(session, ids)
    build_funds(session, ids)
    build_library(session, ids)
    build_programmes(session, ids)

    clients = {"anonymous": gql, "STATE": kenya, "PARTNER": norad, "EXPERT": expert,
               "COMMITTEE": members["AFRICAN"], "EX_COMMITTEE": former,
               "SECRETARIAT": secretariat, "_ghana": ghana, "_giz": giz}
    return World(clients=clients, members=members, ids=ids)


def _follow_up(session: Session, ids: dict, *, secretariat, kenya, ghana) -> None:
    """Engagements after the run: per side (Kenya and Norad; Ghana and GIZ) one scheduled
    (`eng_*_open`) and one completed (`eng_*_done`) whose 12-month report is a complete draft
    (`rep_*_12`) and whose 24-month report is submitted (`rep_*_24`); and the 14-day reminders
    of the 12-month reports, queued for each State's mission and the secretariat."""
    from facility.engagements.models import (
        CareItem,
        Engagement,
        EngagementCareItem,
        FollowUpReport,
        ReportKind,
    )
    from facility.ids import decode_id
    from facility.notifications.models import Notification
    from facility.notifications.reminders import queue_reminders
    from facility.requests.models import CapacityRequest, RequestStatus
    from facility.timeutil import today_is
    from governance.models import MatchProposal, OptimiserRun, ProposalStatus

    staff = session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).one()
    run = OptimiserRun(criteria_version=1, time_limit=1, started_by_id=staff.id, status="DONE")
    session.add(run)
    session.flush()
    recs = ids["recs"]
    for side, client, rec, offer, expert in (("ken", kenya, "SEC-KEN-1", "norad_pub", "expert_own"),
                                             ("gha", ghana, "SEC-GHA-1", "giz_pub", "expert_other")):
        for phase in ("open", "done"):
            created = _result(client, "CreateRequest", "RequestPayload", input=request_input(
                [recs[rec]], languages=["en"], expertsNeeded=1, budget=60000))["request"]["id"]
            _result(client, "SubmitRequest", "RequestPayload", id=created)
            request = session.get(CapacityRequest, decode_id("CapacityRequest", created))
            request.status = RequestStatus.ACTIVE  # type: ignore[union-attr]
            session.add(request)
            offer_pk, expert_pk = decode_id("Offer", ids[offer]), decode_id("Expert", ids[expert])
            proposal = MatchProposal(run_id=run.id, request_id=request.id, offer_id=offer_pk,  # type: ignore[union-attr, arg-type]
                                     expert_ids=[expert_pk], value=1, fit=1,
                                     explanation="matrix", status=ProposalStatus.CONFIRMED)
            session.add(proposal)
            session.flush()
            engagement = Engagement(proposal_id=proposal.id, request_id=request.id,  # type: ignore[union-attr, arg-type]
                                    offer_id=offer_pk, expert_ids=[expert_pk],  # type: ignore[arg-type]
                                    start=date(YEAR, 1, 10), end=date(YEAR, 3, 31),
                                    budget=60000, currency="USD")
            session.add(engagement)
            session.flush()
            # The funding partner completed the duty-of-care checklist, so the team may start.
            for item in CareItem:
                session.add(EngagementCareItem(engagement_id=engagement.id, item=item,
                                               done_by_id=staff.id))
            ids[f"eng_{side}_{phase}"] = encode_id("Engagement", engagement.id)  # type: ignore[arg-type]
        for status, day in (("IN_PROGRESS", date(YEAR, 1, 10)), ("COMPLETED", date(YEAR, 3, 31))):
            with today_is(day):  # each step on its date; the expert accepted outside the platform
                _result(secretariat, "RecordEngagementProgress", "EngagementPayload",
                        id=ids[f"eng_{side}_done"], status=status, reason="Accepted by e-mail")
        engagement_pk = decode_id("Engagement", ids[f"eng_{side}_done"])
        for kind, key in ((ReportKind.TWELVE_MONTHS, "12"), (ReportKind.TWENTY_FOUR_MONTHS, "24")):
            report = session.exec(select(FollowUpReport).where(
                FollowUpReport.engagement_id == engagement_pk, FollowUpReport.kind == kind)).one()
            rid = ids[f"rep_{side}_{key}"] = encode_id("FollowUpReport", report.id)  # type: ignore[arg-type]
            _result(client, "SaveFollowUpReport", "FollowUpReportPayload", id=rid, input={
                "recommendations": [{"recommendationId": recs[rec], "status": "PARTIALLY_IMPLEMENTED",
                                     "evidence": "Matrix evidence"}],
                "indicators": [{"type": "PROCESS", "name": "Officials trained", "unit": "persons",
                                "baseline": "0", "target": "50", "current": "20"}],
                "narrative": f"Matrix narrative {side} {key}",
                "furtherNeeds": "A second phase in the provinces."})
            if key == "24":
                _result(client, "SubmitFollowUpReport", "FollowUpReportPayload", id=rid)
    twelve = session.get(FollowUpReport, decode_id("FollowUpReport", ids["rep_ken_12"]))
    queue_reminders(session, on=twelve.due_date - timedelta(days=10), offsets=[60, 14])  # type: ignore[union-attr]
    kenya_account = session.exec(select(Account).where(Account.role == Role.STATE,
                                                       Account.state_code == "KEN")).one()
    for key, account_id in (("notif_ken", kenya_account.id), ("notif_staff", staff.id)):
        notification = session.exec(select(Notification).where(
            Notification.account_id == account_id, Notification.report_id == twelve.id)).one()  # type: ignore[union-attr]
        ids[key] = encode_id("Notification", notification.id)  # type: ignore[arg-type]
    session.flush()


@pytest.fixture(scope="module")
def _world_connection(migrated_engine):
    connection = migrated_engine.connect()
    outer = connection.begin()
    try:
        yield connection
    finally:
        outer.rollback()
        connection.close()


@pytest.fixture(scope="module")
def _world(_world_connection) -> Iterator[World]:
    holder = _Holder()

    @contextmanager
    def open_session():
        yield holder.session

    app = create_app(Settings(database_url="sqlite://", env="development"),
                     engine=_world_connection, open_session=open_session,
                     run_jobs_inline=True)
    build_point = _world_connection.begin_nested()
    holder.session = Session(bind=_world_connection, join_transaction_mode="create_savepoint",
                             expire_on_commit=False)
    with TestClient(app) as http:
        world = _build(holder.session, GraphQLClient(http))
        holder.session.commit()
        holder.session.close()
        world.holder = holder
        yield world
    build_point.rollback()


@pytest.fixture
def world(_world, _world_connection) -> Iterator[World]:
    """The shared world, in a SAVEPOINT that is rolled back after the test."""
    point = _world_connection.begin_nested()
    _world.holder.session = Session(bind=_world_connection, join_transaction_mode="create_savepoint",
                                    expire_on_commit=False)
    try:
        yield _world
    finally:
        _world.holder.session.close()
        _world.holder.session = None
        point.rollback()


# Database snapshots ------------------------------------------------------------------------

# Tables that change on reads (token bookkeeping) are left out of the comparison.
_VOLATILE = {"api_token", "alembic_version"}


def snapshot(session: Session) -> dict[str, list[tuple]]:
    """Every row of every application table, in a stable order."""
    session.flush()
    connection = session.connection()
    tables = sorted(set(inspect(connection).get_table_names()) - _VOLATILE)
    dump = {}
    for table in tables:
        rows = connection.execute(text(f'SELECT * FROM "{table}"')).all()
        dump[table] = sorted(tuple(map(repr, r)) for r in rows)
    return dump


# The endpoint as it runs in production ---------------------------------------------------

PRODUCTION = Settings(database_url="sqlite://", env="production", secret_key="p" * 48)


def production_app(engine, open_session):
    """The app with FACILITY_ENV=production, on the test's own session."""
    return create_app(PRODUCTION, engine=engine, open_session=open_session,
                      run_jobs_inline=True)


@pytest.fixture
def prod(db_session: Session) -> Iterator[GraphQLClient]:
    """An anonymous client of the production app; `.as_(token)` for a signed-in one."""
    @contextmanager
    def open_session():
        yield db_session

    with TestClient(production_app(db_session.get_bind(), open_session)) as http:
        yield GraphQLClient(http)
