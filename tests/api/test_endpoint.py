"""POST /graphql over HTTP: authentication, what the endpoint refuses, paging, masked faults."""

from __future__ import annotations

import base64
import json
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import select

from facility.api import endpoint
from facility.app import create_app
from facility.auth.service import revoke_token
from facility.config import Settings
from facility.offers import service as offers_service
from facility.offers.models import Offer
from facility.reference.models import Recommendation
from tests.api.helpers import offer_input, run

ME = "{ me { role } }"


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def settle(db_session) -> None:
    """Commit the test's setup before a document that fails.

    The endpoint rolls its session back when a document has errors, and in tests that session
    is the test's own: committing first keeps the setup (the test transaction around it is
    still rolled back at the end).
    """
    db_session.commit()


def _count_offers(db_session) -> int:
    return db_session.exec(select(func.count()).select_from(Offer)).one()


# Authentication -----------------------------------------------------------------------------

def test_no_token_is_anonymous_and_a_live_token_is_its_account(gql, make_token):
    assert gql(ME) == {"me": None}
    assert gql.as_(make_token("STATE", state="KEN"))(ME) == {"me": {"role": "STATE"}}


@pytest.mark.parametrize("header", [
    "Bearer fac_not-a-real-token",
    "Bearer not-even-our-prefix",
    "Bearer ",
    "Basic dXNlcjpwYXNz",
])
def test_an_invalid_token_is_refused_not_downgraded_to_anonymous(gql, header):
    response = gql.http.post("/graphql", json={"query": ME}, headers={"Authorization": header})
    assert response.status_code == 401
    assert "data" not in response.json()
    assert response.json()["errors"][0]["message"]


def test_a_revoked_token_is_refused(gql, make_token, db_session):
    token = make_token("PARTNER", partner="Norad")
    client = gql.as_(token)
    assert client(ME) == {"me": {"role": "PARTNER"}}
    revoke_token(db_session, token=token)
    db_session.flush()
    response = client.post(ME)
    assert response.status_code == 401
    # Nothing runs for a refused caller.
    refused = client.post("mutation($i: CreateOfferInput!) { createOffer(input: $i) { __typename } }",
                          {"i": offer_input()})
    assert refused.status_code == 401
    assert _count_offers(db_session) == 0


# What the endpoint refuses before executing anything ---------------------------------------

@pytest.fixture
def spy_execute(monkeypatch):
    """Records every GraphQL execution the endpoint starts."""
    calls = []
    real = endpoint.execute

    def spy(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(endpoint, "execute", spy)
    return calls


def test_malformed_json_is_a_400(gql, spy_execute):
    response = gql.http.post("/graphql", content=b'{"query": "{ me { role } }"',
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "JSON" in response.json()["errors"][0]["message"]
    assert spy_execute == []


def test_a_batch_is_a_400(gql, spy_execute):
    response = gql.http.post("/graphql", json=[{"query": ME}, {"query": ME}])
    assert response.status_code == 400
    assert "batch" in response.json()["errors"][0]["message"]
    assert spy_execute == []


@pytest.mark.parametrize("body", [
    {"query": ""}, {"query": 42}, {}, {"query": ME, "variables": [1]},
    {"query": ME, "operationName": 7},
])
def test_a_body_without_a_usable_document_is_a_400(gql, spy_execute, body):
    response = gql.http.post("/graphql", json=body)
    assert response.status_code == 400
    assert spy_execute == []


@pytest.mark.parametrize("content_type, body", [
    ("application/graphql", ME),
    ("application/x-www-form-urlencoded", "query=%7B%20me%20%7B%20role%20%7D%20%7D"),
    ("text/plain", json.dumps({"query": ME})),
])
def test_a_body_that_is_not_json_is_a_415(gql, spy_execute, content_type, body):
    response = gql.http.post("/graphql", content=body.encode(),
                             headers={"Content-Type": content_type})
    assert response.status_code == 415
    assert spy_execute == []


def test_a_body_over_256_kib_is_a_413(gql, spy_execute):
    big = json.dumps({"query": ME + " " * (256 * 1024)})
    response = gql.http.post("/graphql", content=big.encode(),
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 413
    assert spy_execute == []
    # Just under the limit is fine.
    ok = json.dumps({"query": ME + " " * (255 * 1024)})
    assert gql.http.post("/graphql", content=ok.encode(),
                         headers={"Content-Type": "application/json"}).status_code == 200


@pytest.mark.parametrize("variables, path", [
    ({"search": "judges\u0000"}, "variables.search"),
    ({"search": None, "state": "KEN", "x": {"deep": ["ok", "\u0000"]}}, "variables.x.deep[1]"),
])
def test_nul_in_a_variable_is_a_400_naming_it(gql, spy_execute, variables, path):
    # PostgreSQL cannot compare or store NUL: without this the search would reach it as a fault.
    response = gql.http.post("/graphql", json={
        "query": "query($search: String) { recommendations(search: $search) { totalCount } }",
        "variables": variables})
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        f"{path}: strings must not contain the NUL character (U+0000)")
    assert spy_execute == []


@pytest.mark.parametrize("literal", ['"judges\\u0000"', '"""block \u0000 string"""'])
def test_nul_in_a_string_literal_is_refused_before_anything_runs(gql, db_session, literal,
                                                                 monkeypatch):
    settle(db_session)
    monkeypatch.setattr(offers_service, "list_offers", _raise_secret)
    body = gql.post(f"{{ recommendations(search: {literal}) {{ totalCount }} "
                    "offers { totalCount } }").json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "strings must not contain the NUL character (U+0000)"


@pytest.mark.parametrize("query", [ME, "mutation { publishOffer(id: \"x\") { __typename } }"])
def test_get_with_a_query_is_a_405_and_never_executes(gql, make_token, spy_execute, query,
                                                      db_session):
    token = make_token("PARTNER", partner="Norad")
    response = gql.http.get("/graphql", params={"query": query},
                            headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405
    assert "POST" in response.json()["errors"][0]["message"]
    assert spy_execute == []


def test_get_cannot_change_anything(gql, make_token, db_session, spy_execute):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    offer = run(norad, "CreateOffer", input=offer_input())["result"]["offer"]
    assert len(spy_execute) == 1  # the spy sees what POST executes
    spy_execute.clear()
    response = gql.http.get("/graphql", params={
        "query": f'mutation {{ publishOffer(id: "{offer["id"]}") {{ __typename }} }}'},
        headers={"Authorization": f"Bearer {norad.token}"})
    assert response.status_code == 405
    assert spy_execute == []
    assert norad("query($id: ID!) { offer(id: $id) { status } }",
                 {"id": offer["id"]})["offer"]["status"] == "DRAFT"


def test_get_without_a_query_serves_graphiql_in_development(gql, spy_execute):
    response = gql.http.get("/graphql")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "graphiql" in response.text.lower()
    assert spy_execute == []


def test_no_graphiql_in_production(db_session):
    settings = Settings(database_url="sqlite://", env="production", secret_key="s" * 48)
    app = create_app(settings, engine=db_session.get_bind(), open_session=None)
    with TestClient(app) as http:
        assert http.get("/graphql").status_code == 405


# Paging -------------------------------------------------------------------------------------

LISTS = {
    "requests": "requests(first: $first, after: $after) { totalCount }",
    "offers": "offers(first: $first, after: $after) { totalCount }",
    "experts": "experts(first: $first, after: $after) { totalCount }",
    "recommendations": "recommendations(first: $first, after: $after) { totalCount }",
}


def _list_errors(client, field: str, **variables) -> list[dict]:
    response = client.post(f"query($first: Int, $after: String) {{ {LISTS[field]} }}",
                           {"first": None, "after": None, **variables})
    assert response.status_code == 200
    return response.json().get("errors", [])


@pytest.mark.parametrize("field", sorted(LISTS))
@pytest.mark.parametrize("first", [101, -1])
def test_first_beyond_the_maximum_is_an_error_naming_first(gql, make_token, db_session, field,
                                                           first):
    client = gql.as_(make_token("SECRETARIAT"))
    settle(db_session)
    errors = _list_errors(client, field, first=first)
    assert len(errors) == 1
    assert errors[0]["message"].startswith("first:")
    assert "100" in errors[0]["message"]
    assert "correlationId" not in errors[0].get("extensions", {})
    assert _list_errors(client, field, first=100) == []


@pytest.mark.parametrize("field", sorted(LISTS))
@pytest.mark.parametrize("after", [
    "not a cursor", "!!!", _cursor("offset:abc"), _cursor("page:3"), _cursor("offset:-4"),
    _cursor("offset:" + "9" * 30), _cursor("offset:1")[:-2],  # cut short
])
def test_a_bad_after_cursor_is_an_error_naming_after(gql, make_token, db_session, field, after):
    client = gql.as_(make_token("SECRETARIAT"))
    settle(db_session)
    errors = _list_errors(client, field, after=after)
    assert len(errors) == 1, errors
    assert errors[0]["message"].startswith("after:"), errors
    assert "correlationId" not in errors[0].get("extensions", {})


@pytest.fixture
def thirty_recommendations(db_session) -> set[str]:
    from facility.ids import encode_id

    ids = set()
    for i in range(30):
        rec = Recommendation(source_id=f"PAGE-{i}", source="upr-info", state_code="UGA",
                             text=f"Recommendation {i}", response="SUPPORTED")
        db_session.add(rec)
        db_session.flush()
        ids.add(encode_id("Recommendation", rec.id))
    return ids


@pytest.mark.parametrize("page_size", [1, 7, 10, 30, 100])
def test_first_and_after_walk_every_page_without_overlap(gql, thirty_recommendations,
                                                         page_size):
    seen: list[str] = []
    after = None
    pages = 0
    while True:
        page = run(gql, "Recommendations", stateCode="UGA", first=page_size,
                   after=after)["recommendations"]
        pages += 1
        assert page["totalCount"] == 30
        assert len(page["edges"]) <= page_size
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        if page["edges"]:
            assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert pages <= 30
    assert len(seen) == len(set(seen)) == 30
    assert set(seen) == thirty_recommendations
    assert pages == -(-30 // page_size)


def test_offers_walk_every_page_without_overlap(gql, make_token):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    created = {run(norad, "CreateOffer", input=offer_input(title=f"Offer number {i}"))
               ["result"]["offer"]["id"] for i in range(7)}
    seen, after = [], None
    while True:
        page = run(norad, "Offers", first=3, after=after)["offers"]
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 7
    assert set(seen) == created
    past_the_end = run(norad, "Offers", first=3, after=page["pageInfo"]["endCursor"])["offers"]
    assert past_the_end["edges"] == []
    assert past_the_end["pageInfo"] == {"hasNextPage": False, "endCursor": None}


# Errors a client should read, and faults it must not -----------------------------------------

def test_client_errors_in_the_document_or_variables_are_not_masked(gql, make_token, db_session):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    settle(db_session)
    syntax = norad.post("{ me { role }").json()
    assert "Syntax Error" in syntax["errors"][0]["message"]
    unknown = norad.post("{ me { shoeSize } }").json()
    assert "shoeSize" in unknown["errors"][0]["message"]

    mutation = "mutation($i: CreateOfferInput!) { createOffer(input: $i) { __typename } }"
    missing = dict(offer_input())
    del missing["title"]
    body = norad.post(mutation, {"i": missing}).json()
    assert body["data"] is None
    assert "title" in body["errors"][0]["message"]
    assert "correlationId" not in body["errors"][0].get("extensions", {})

    bad_date = norad.post(mutation, {"i": offer_input(windowStart="2027-13-01")}).json()
    assert "windowStart" in bad_date["errors"][0]["message"]
    assert "Date" in bad_date["errors"][0]["message"]
    assert "correlationId" not in bad_date["errors"][0].get("extensions", {})


def test_documents_over_the_limits_are_refused_with_a_readable_error(gql):
    aliases = gql.post("{ " + " ".join(f"a{i}: me {{ role }}" for i in range(31)) + " }").json()
    assert aliases["data"] is None
    assert "aliases" in aliases["errors"][0]["message"]
    tokens = gql.post("{ " + " __typename" * 3100 + " }").json()
    assert "tokens" in tokens["errors"][0]["message"]


def _raise_secret(*args, **kwargs):
    raise RuntimeError("secret detail")


def _assert_masked(response, caplog) -> str:
    assert "secret detail" not in response.text
    assert "RuntimeError" not in response.text
    body = response.json()
    assert body["data"] is None
    [error] = body["errors"]
    correlation_id = error["extensions"]["correlationId"]
    assert correlation_id
    assert "reference" in error["message"]
    assert correlation_id in error["message"]
    # The operators find the fault in the log under the same reference.
    logged = [r for r in caplog.records if correlation_id in r.getMessage()]
    assert logged and logged[0].exc_info and "secret detail" in str(logged[0].exc_info[1])
    return correlation_id


def test_an_unexpected_fault_in_a_query_is_masked(gql, monkeypatch, caplog):
    caplog.set_level(logging.ERROR, logger="facility.graphql")
    monkeypatch.setattr(offers_service, "list_offers", _raise_secret)
    first = _assert_masked(gql.post("{ offers { totalCount } }"), caplog)
    second = _assert_masked(gql.post("{ offers { totalCount } }"), caplog)
    assert first != second  # one reference per request


def test_an_unexpected_fault_in_a_mutation_is_masked_and_writes_nothing(gql, make_token,
                                                                        monkeypatch, caplog,
                                                                        db_session):
    caplog.set_level(logging.ERROR, logger="facility.graphql")
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    settle(db_session)
    real_create = offers_service.create_offer

    def create_then_fail(*args, **kwargs):
        real_create(*args, **kwargs)
        raise RuntimeError("secret detail")

    monkeypatch.setattr(offers_service, "create_offer", create_then_fail)
    response = norad.post(
        "mutation($i: CreateOfferInput!) { createOffer(input: $i) { __typename } }",
        {"i": offer_input()})
    assert response.status_code == 200
    _assert_masked(response, caplog)
    assert _count_offers(db_session) == 0


def test_a_fault_before_execution_is_masked_too(gql, make_token, monkeypatch, caplog):
    # e.g. the database is unreachable when the token is looked up
    caplog.set_level(logging.ERROR, logger="facility.graphql")
    token = make_token("STATE", state="KEN")
    monkeypatch.setattr(endpoint, "account_for_token", _raise_secret)
    response = gql.as_(token).post(ME)
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert "data" not in body
    assert "secret detail" not in response.text
    [error] = body["errors"]
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    reference = error["extensions"]["correlationId"]
    assert [r for r in caplog.records if reference in r.getMessage()
            and "secret detail" in str(r.exc_info[1])]


def test_a_commit_the_database_refuses_is_masked_and_keeps_nothing(gql, make_token, db_session,
                                                                    monkeypatch, caplog):
    caplog.set_level(logging.ERROR, logger="facility.graphql")
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    settle(db_session)
    monkeypatch.setattr(db_session, "commit", _raise_secret)
    response = norad.post(
        "mutation($i: CreateOfferInput!) { createOffer(input: $i) { __typename } }",
        {"i": offer_input()})
    assert response.status_code == 500
    assert "secret detail" not in response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    monkeypatch.undo()
    assert _count_offers(db_session) == 0

