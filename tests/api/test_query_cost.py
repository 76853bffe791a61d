"""A page of records costs the same few SQL statements whether it holds 10 or 100 records.

Each list resolver primes the per-request loaders, so nested fields (themes, States,
recommendations, partners, availability) are fetched once per page, never once per record.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event
from sqlmodel import Session, select

from facility.auth.actor import Actor
from facility.auth.service import account_for_token
from facility.experts import service as experts
from facility.offers import service as offers
from facility.reference.models import Recommendation, RecommendationTheme, Theme
from facility.requests import service as requests

RECORDS = 120
MAX_STATEMENTS = 12
THEMES = ["Justice", "Women's rights", "NHRI", "Death penalty", "Freedom of opinion and expression",
          "Right to education"]


@contextmanager
def counted(db_session: Session) -> Iterator[list[str]]:
    """Every SQL statement sent to the database inside the block."""
    engine = db_session.get_bind().engine
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before_cursor_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before_cursor_execute)


def cost(client, db_session: Session, query: str, first: int) -> tuple[int, dict]:
    with counted(db_session) as statements:
        data = client(query, {"first": first})
    return len(statements), {"data": data, "statements": statements}


def assert_constant_cost(client, db_session: Session, query: str, field: str) -> dict:
    client(query, {"first": 1})  # warm up anything built once per process
    small, small_run = cost(client, db_session, query, 10)
    large, large_run = cost(client, db_session, query, 100)
    assert len(small_run["data"][field]["edges"]) == 10
    assert len(large_run["data"][field]["edges"]) == 100
    assert large == small, "\n".join(
        ["statements for 10:", *small_run["statements"], "statements for 100:",
         *large_run["statements"]])
    assert large <= MAX_STATEMENTS, "\n".join(large_run["statements"])
    return large_run["data"]


def _actor(db_session: Session, token: str) -> Actor:
    account = account_for_token(db_session, token)
    assert account is not None
    return Actor.from_account(account)


@pytest.fixture
def theme_ids(db_session: Session) -> dict[str, int]:
    return {t.name: t.id for t in db_session.exec(select(Theme).where(Theme.name.in_(THEMES)))}


@pytest.fixture
def many_recommendations(db_session: Session, theme_ids) -> dict[str, list[int]]:
    """Supported recommendations for Kenya and Ghana, each with two themes."""
    ids: dict[str, list[int]] = {"KEN": [], "GHA": []}
    for i in range(RECORDS):
        state = "KEN" if i % 2 == 0 else "GHA"
        rec = Recommendation(source_id=f"COST-{i}", source="upr-info", state_code=state,
                             recommending_state_code="NOR" if i % 3 else "BRA",
                             recommended_by="Norway", cycle=3, session=35,
                             text=f"Recommendation number {i} on human rights.",
                             response="SUPPORTED")
        db_session.add(rec)
        db_session.flush()
        for name in (THEMES[i % len(THEMES)], THEMES[(i + 1) % len(THEMES)]):
            db_session.add(RecommendationTheme(recommendation_id=rec.id, theme_id=theme_ids[name]))
        ids[state].append(rec.id)
    db_session.flush()
    return ids


def test_a_page_of_requests(gql, make_token, db_session, many_recommendations):
    for state in ("KEN", "GHA"):
        actor = _actor(db_session, make_token("STATE", state=state))
        recs = many_recommendations[state]
        for i in range(RECORDS // 2):
            fields = requests.RequestFields(
                title=f"Request {state} {i}", need="Training and advice.",
                recommendation_ids=[recs[i % len(recs)], recs[(i + 1) % len(recs)],
                                    recs[(i + 2) % len(recs)]],
                languages=["en"], support_kinds=["TRAINING"],
                window_start=date(2030, 1, 1), window_end=date(2030, 12, 31), weeks=6,
                experts_needed=1, budget=50_000, currency="USD", priority=3,
            )
            request = requests.create_request(db_session, actor=actor, fields=fields)
            requests.submit_request(db_session, actor=actor, request_id=request.id)
    secretariat = gql.as_(make_token("SECRETARIAT"))
    query = """query($first: Int) { requests(first: $first) { totalCount edges { node {
        id title state { code }
        recommendations { id text themes state { code } }
        themes } } } }"""
    data = assert_constant_cost(secretariat, db_session, query, "requests")
    assert data["requests"]["totalCount"] == RECORDS
    for edge in data["requests"]["edges"]:
        node = edge["node"]
        assert len(node["recommendations"]) == 3
        assert {r["state"]["code"] for r in node["recommendations"]} == {node["state"]["code"]}
        assert all(len(r["themes"]) == 2 for r in node["recommendations"])
        assert set(node["themes"]) == {t for r in node["recommendations"] for t in r["themes"]}


def test_a_page_of_offers(gql, make_token, db_session):
    partners = [_actor(db_session, make_token("PARTNER", partner=f"Partner {p}"))
                for p in range(4)]
    for i in range(RECORDS):
        actor = partners[i % len(partners)]
        fields = offers.OfferFields(
            title=f"Offer {i}", kind="FUNDING",
            themes=[THEMES[i % len(THEMES)], THEMES[(i + 2) % len(THEMES)]],
            languages=["en"], budget=100_000, currency="EUR", max_requests=3,
            window_start=date(2030, 1, 1), window_end=date(2030, 12, 31),
        )
        offer = offers.create_offer(db_session, actor=actor, fields=fields)
        offers.publish_offer(db_session, actor=actor, offer_id=offer.id)
    kenya = gql.as_(make_token("STATE", state="KEN"))
    query = """query($first: Int) { offers(first: $first) { totalCount edges { node {
        id title themes partner { name kind } } } } }"""
    data = assert_constant_cost(kenya, db_session, query, "offers")
    assert data["offers"]["totalCount"] == RECORDS
    assert {e["node"]["partner"]["name"] for e in data["offers"]["edges"]} == {
        f"Partner {p}" for p in range(4)}
    assert all(len(e["node"]["themes"]) == 2 for e in data["offers"]["edges"])


def test_a_page_of_experts(gql, make_token, db_session):
    partner = _actor(db_session, make_token("PARTNER", partner="Roster partner"))
    for i in range(RECORDS):
        fields = experts.ExpertFields(
            name=f"Expert {i}", email=f"expert{i}@example.org",
            nationality=("KEN", "BRA", "NOR")[i % 3],
            themes=[THEMES[i % len(THEMES)], THEMES[(i + 3) % len(THEMES)]],
            languages=["en", "fr"],
            availability=[(date(2030, 1, 1), date(2030, 3, 31)),
                          (date(2030, 6, 1), date(2030, 8, 31))],
        )
        experts.nominate_expert(db_session, actor=partner, fields=fields, consent_given=True)
    secretariat = gql.as_(make_token("SECRETARIAT"))
    query = """query($first: Int) { experts(first: $first) { totalCount edges { node {
        id themes availability { start end } personal { name email }
        nationality { code } regionalGroup } } } }"""
    data = assert_constant_cost(secretariat, db_session, query, "experts")
    assert data["experts"]["totalCount"] == RECORDS
    for edge in data["experts"]["edges"]:
        node = edge["node"]
        assert len(node["themes"]) == 2
        assert len(node["availability"]) == 2
        assert node["personal"]["email"].endswith("@example.org")


def test_a_page_of_recommendations(gql, db_session, many_recommendations):
    query = """query($first: Int) { recommendations(first: $first) { totalCount edges { node {
        id text themes state { code } recommendingState { code } } } } }"""
    data = assert_constant_cost(gql, db_session, query, "recommendations")
    assert data["recommendations"]["totalCount"] >= RECORDS
    assert all(len(e["node"]["themes"]) == 2 for e in data["recommendations"]["edges"]
               if e["node"]["text"].startswith("Recommendation number"))
    assert {e["node"]["state"]["code"] for e in data["recommendations"]["edges"]} >= {
        "KEN", "GHA"}
