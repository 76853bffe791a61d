"""A partner drafts, edits, publishes and closes offers over GraphQL; others see only what they may."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from facility.offers.models import Offer
from tests.api.helpers import YEAR, offer_input, run


def _count_offers(db_session) -> int:
    return db_session.exec(select(func.count()).select_from(Offer)).one()


def _offer_ids(client) -> set[str]:
    return {edge["node"]["id"] for edge in run(client, "Offers", first=100)["offers"]["edges"]}


def _fetch(client, offer_id: str) -> dict | None:
    return client("query($id: ID!) { offer(id: $id) { id title status budget } }",
                  {"id": offer_id})["offer"]


def test_partner_drafts_edits_publishes_and_closes_an_offer(gql, make_token):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))

    created = run(norad, "CreateOffer", input=offer_input())["result"]
    assert created["__typename"] == "OfferPayload"
    offer = created["offer"]
    assert offer["status"] == "DRAFT"
    assert offer["partner"] == {"name": "Norad"}
    assert offer["themes"] == ["Justice", "NHRI"]

    updated = run(norad, "UpdateOffer", id=offer["id"],
                  input={"title": "Justice and NHRI support", "budget": 650000,
                         "themes": ["Justice"], "expectedVersion": offer["version"]})["result"]
    assert updated["__typename"] == "OfferPayload"
    assert updated["offer"]["title"] == "Justice and NHRI support"
    assert updated["offer"]["budget"] == 650000
    assert updated["offer"]["themes"] == ["Justice"]
    assert updated["offer"]["version"] > offer["version"]

    published = run(norad, "PublishOffer", id=offer["id"])["result"]
    assert published["__typename"] == "OfferPayload"
    assert published["offer"]["status"] == "PUBLISHED"

    listed = run(norad, "Offers")["offers"]
    assert listed["totalCount"] == 1
    node = listed["edges"][0]["node"]
    assert node["id"] == offer["id"]
    assert node["status"] == "PUBLISHED"
    assert node["budget"] == 650000
    assert node["eligibleGroups"] == ["AFRICAN", "APG"]
    assert node["eligibleStates"] is None  # open to every State of those groups
    assert node["languages"] == ["en", "fr"]
    assert (node["windowStart"], node["windowEnd"]) == (f"{YEAR}-01-01", f"{YEAR}-12-31")

    closed = run(norad, "CloseOffer", id=offer["id"])["result"]
    assert closed["__typename"] == "OfferPayload"
    assert closed["offer"]["status"] == "CLOSED"
    assert run(norad, "CloseOffer", id=offer["id"])["result"]["__typename"] == "Conflict"
    # A closed offer is no longer edited.
    frozen = run(norad, "UpdateOffer", id=offer["id"], input={"budget": 1})["result"]
    assert frozen["__typename"] == "Conflict"
    assert _fetch(norad, offer["id"])["budget"] == 650000


def test_a_stale_edit_is_a_conflict_not_a_lost_update(gql, make_token):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    offer = run(norad, "CreateOffer", input=offer_input())["result"]["offer"]
    version = offer["version"]
    first = run(norad, "UpdateOffer", id=offer["id"],
                input={"budget": 400000, "expectedVersion": version})["result"]
    assert first["__typename"] == "OfferPayload"
    stale = run(norad, "UpdateOffer", id=offer["id"],
                input={"budget": 300000, "expectedVersion": version})["result"]
    assert stale["__typename"] == "Conflict"
    assert _fetch(norad, offer["id"])["budget"] == 400000


def test_drafts_are_seen_only_by_the_owning_partner(gql, make_token):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    sida = gql.as_(make_token("PARTNER", partner="Sida"))
    kenya = gql.as_(make_token("STATE", state="KEN"))
    committee = gql.as_(make_token("COMMITTEE", state="BRA", group="GRULAC"))
    draft = run(norad, "CreateOffer", input=offer_input(title="Draft only"))["result"]["offer"]

    assert _fetch(norad, draft["id"])["title"] == "Draft only"
    assert _offer_ids(norad) == {draft["id"]}
    for who, client in (("anonymous", gql), ("State", kenya), ("other partner", sida),
                        ("committee", committee)):
        assert _fetch(client, draft["id"]) is None, who
        assert _offer_ids(client) == set(), who
        assert run(client, "Offers")["offers"]["totalCount"] == 0, who
        assert run(client, "Offers", status="DRAFT")["offers"]["totalCount"] == 0, who


def test_published_offers_are_public(gql, make_token):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    sida = gql.as_(make_token("PARTNER", partner="Sida"))
    kenya = gql.as_(make_token("STATE", state="KEN"))
    offer = run(norad, "CreateOffer", input=offer_input())["result"]["offer"]
    draft = run(norad, "CreateOffer", input=offer_input(title="Not yet"))["result"]["offer"]
    run(norad, "PublishOffer", id=offer["id"])

    for who, client in (("anonymous", gql), ("State", kenya), ("other partner", sida)):
        assert _fetch(client, offer["id"])["status"] == "PUBLISHED", who
        assert _offer_ids(client) == {offer["id"]}, who
        page = run(client, "Offers", status="PUBLISHED")["offers"]
        assert [e["node"]["partner"] for e in page["edges"]] == [
            {"name": "Norad", "kind": "DONOR_AGENCY"}], who
    assert _offer_ids(norad) == {offer["id"], draft["id"]}


def test_another_partner_cannot_change_an_offer(gql, make_token, db_session):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    sida = gql.as_(make_token("PARTNER", partner="Sida"))
    published = run(norad, "CreateOffer", input=offer_input())["result"]["offer"]
    run(norad, "PublishOffer", id=published["id"])
    draft = run(norad, "CreateOffer", input=offer_input(title="Private draft"))["result"]["offer"]

    # A published offer it can see: permission denied.
    for name, extra in (("UpdateOffer", {"input": {"title": "Hijacked"}}),
                        ("PublishOffer", {}), ("CloseOffer", {})):
        result = run(sida, name, id=published["id"], **extra)["result"]
        assert result["__typename"] == "PermissionDenied", name
    # A draft it cannot see: answered as if it did not exist.
    for name, extra in (("UpdateOffer", {"input": {"title": "Hijacked"}}),
                        ("PublishOffer", {}), ("CloseOffer", {})):
        result = run(sida, name, id=draft["id"], **extra)["result"]
        assert result["__typename"] == "NotFound", name
        absent = run(sida, name, id="T2ZmZXI6OTk5OTk5", **extra)["result"]  # Offer:999999
        assert absent["__typename"] == "NotFound", name

    after_published = _fetch(norad, published["id"])
    assert (after_published["title"], after_published["status"]) == (published["title"],
                                                                      "PUBLISHED")
    after_draft = _fetch(norad, draft["id"])
    assert (after_draft["title"], after_draft["status"]) == ("Private draft", "DRAFT")
    assert _count_offers(db_session) == 2


@pytest.mark.parametrize("role, extra", [
    ("STATE", {"state": "KEN"}),
    ("COMMITTEE", {"state": "BRA", "group": "GRULAC"}),
    ("SECRETARIAT", {}),
])
def test_only_partners_create_offers(gql, make_token, db_session, role, extra):
    client = gql.as_(make_token(role, **extra))
    result = run(client, "CreateOffer", input=offer_input())["result"]
    assert result["__typename"] == "PermissionDenied"
    assert result["message"]
    assert run(gql, "CreateOffer", input=offer_input())["result"]["__typename"] == \
        "PermissionDenied"
    assert _count_offers(db_session) == 0


@pytest.mark.parametrize("overrides, field, rule", [
    ({"themes": ["Not a theme"]}, "themes", "known_theme"),
    ({"themes": []}, "themes", "required"),
    ({"eligibleGroups": ["AFRICAN", "ASIA"]}, "eligibleGroups", "known_group"),
    ({"eligibleStates": ["KEN", "XXX"]}, "eligibleStates", "known_state"),
    ({"budget": -1000}, "budget", "positive"),
    ({"budget": 0}, "budget", "positive"),
    ({"windowStart": "2027-06-01", "windowEnd": "2027-05-31"}, "windowEnd", "date_order"),
    ({"maxRequests": 0}, "maxRequests", "range"),
    ({"currency": "XYZ"}, "currency", "iso4217"),
    ({"languages": ["english"]}, "languages", "iso639_1"),
    ({"languages": []}, "languages", "required"),
    ({"title": "  "}, "title", "required"),
])
def test_bad_input_names_the_field_and_rule_and_writes_nothing(
        gql, make_token, db_session, overrides, field, rule):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    result = run(norad, "CreateOffer", input=offer_input(**overrides))["result"]
    assert result["__typename"] == "ValidationError"
    assert (result["field"], result["rule"]) == (field, rule)
    assert {(e["field"], e["rule"]) for e in result["errors"]} == {(field, rule)}
    assert _count_offers(db_session) == 0


def test_every_problem_is_reported_at_once(gql, make_token, db_session):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    result = run(norad, "CreateOffer", input=offer_input(
        themes=["Not a theme"], eligibleGroups=["NOPE"], eligibleStates=["ZZZ"], budget=-5,
        windowStart="2027-12-01", windowEnd="2027-01-01", maxRequests=0, currency="ABC",
        languages=["xx"]))["result"]
    assert result["__typename"] == "ValidationError"
    assert {(e["field"], e["rule"]) for e in result["errors"]} == {
        ("themes", "known_theme"), ("eligibleGroups", "known_group"),
        ("eligibleStates", "known_state"), ("budget", "positive"),
        ("windowEnd", "date_order"), ("maxRequests", "range"), ("currency", "iso4217"),
        ("languages", "iso639_1"),
    }
    assert _count_offers(db_session) == 0


def test_an_edit_is_validated_like_a_new_offer(gql, make_token):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    offer = run(norad, "CreateOffer", input=offer_input())["result"]["offer"]
    bad = run(norad, "UpdateOffer", id=offer["id"],
              input={"maxRequests": 0, "eligibleStates": ["KEN", "QQQ"]})["result"]
    assert bad["__typename"] == "ValidationError"
    assert {(e["field"], e["rule"]) for e in bad["errors"]} == {
        ("maxRequests", "range"), ("eligibleStates", "known_state")}
    null_title = run(norad, "UpdateOffer", id=offer["id"], input={"title": None})["result"]
    assert (null_title["field"], null_title["rule"]) == ("title", "required")
    fetched = norad("query($id: ID!) { offer(id: $id) { version maxRequests eligibleStates } }",
                    {"id": offer["id"]})["offer"]
    assert fetched == {"version": offer["version"], "maxRequests": 4, "eligibleStates": None}


def test_retry_with_the_same_idempotency_key_creates_one_offer(gql, make_token, db_session):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    payload = offer_input(idempotencyKey="norad-2027-justice")
    first = run(norad, "CreateOffer", input=payload)["result"]
    second = run(norad, "CreateOffer", input=payload)["result"]
    assert first["__typename"] == second["__typename"] == "OfferPayload"
    assert first["offer"]["id"] == second["offer"]["id"]
    assert _count_offers(db_session) == 1

    other = run(norad, "CreateOffer", input={**payload, "budget": 1})["result"]
    assert other["__typename"] == "ValidationError"
    assert (other["field"], other["rule"]) == ("idempotencyKey", "reused_with_other_input")
    assert _count_offers(db_session) == 1

    # The key belongs to the account: another partner's identical key is a new offer.
    sida = gql.as_(make_token("PARTNER", partner="Sida"))
    theirs = run(sida, "CreateOffer", input=payload)["result"]
    assert theirs["__typename"] == "OfferPayload"
    assert theirs["offer"]["id"] != first["offer"]["id"]
    assert _count_offers(db_session) == 2


def test_publishing_twice_is_a_conflict(gql, make_token):
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    offer = run(norad, "CreateOffer", input=offer_input())["result"]["offer"]
    assert run(norad, "PublishOffer", id=offer["id"])["result"]["__typename"] == "OfferPayload"
    again = run(norad, "PublishOffer", id=offer["id"])["result"]
    assert again["__typename"] == "Conflict"
    assert "PUBLISHED" in again["message"]
    run(norad, "CloseOffer", id=offer["id"])
    assert run(norad, "PublishOffer", id=offer["id"])["result"]["__typename"] == "Conflict"
