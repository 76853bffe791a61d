"""Partners put experts on the roster; personal data reaches only those who may see it."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import select

from facility.experts.models import Expert
from tests.api.helpers import run

PERSONAL = {"name": "Amina Odhiambo", "email": "amina.odhiambo@example.org",
            "phone": "+254 700 000000"}


def expert_input(**overrides) -> dict:
    base = {
        "name": PERSONAL["name"],
        "email": PERSONAL["email"],
        "phone": PERSONAL["phone"],
        "cv": "Former judge; trainer on fair-trial guarantees.",
        "nationality": "KEN",
        "themes": ["Justice", "Women's rights"],
        "languages": ["en", "sw"],
        "availability": [{"start": "2027-09-01", "end": "2027-12-31"},
                         {"start": "2027-02-01", "end": "2027-06-30"}],
        "seniority": "PRINCIPAL",
        "maxAssignments": 2,
        "consentGiven": True,
    }
    base.update(overrides)
    return base


def _count_experts(db_session) -> int:
    return db_session.exec(select(func.count()).select_from(Expert)).one()


# Every path and alias by which a client can reach an expert's personal data.
BY_ID = """query($id: ID!) {
  expert(id: $id) { id personal { name email phone cv } }
  x: expert(id: $id) { p: personal { e: email } }
  y: expert(id: $id) { ...Contact }
  z: expert(id: $id) { ... on Expert { personal { phone } } }
}
fragment Contact on Expert { personal { name } }"""

BY_LIST = """{
  experts(first: 100) { edges { node { id personal { name email phone cv } } } }
  a: experts { edges { node { id p: personal { email } } } }
  b: experts { edges { n: node { ...Contact } } }
}
fragment Contact on Expert { id personal { phone } }"""


def _personal_by_id(client, expert_id: str) -> list:
    data = client(BY_ID, {"id": expert_id})
    assert all(data[k] is not None for k in ("expert", "x", "y", "z")), data
    return [data["expert"]["personal"], data["x"]["p"], data["y"]["personal"],
            data["z"]["personal"]]


def _personal_by_list(client, expert_id: str) -> list:
    data = client(BY_LIST)
    found = []
    for alias, node_key, personal_key in (("experts", "node", "personal"), ("a", "node", "p"),
                                          ("b", "n", "personal")):
        nodes = [e[node_key] for e in data[alias]["edges"] if e[node_key]["id"] == expert_id]
        assert len(nodes) == 1, (alias, data)
        found.append(nodes[0][personal_key])
    return found


@pytest.fixture
def norad(gql, make_token):
    return gql.as_(make_token("PARTNER", partner="Norad"))


@pytest.fixture
def nominee(norad) -> dict:
    result = run(norad, "NominateExpert", input=expert_input())["result"]
    assert result["__typename"] == "ExpertPayload", result
    return result["expert"]


def test_partner_nominates_an_expert_with_consent(norad, nominee):
    assert nominee["personal"] == {"name": PERSONAL["name"], "email": PERSONAL["email"]}
    assert nominee["themes"] == ["Justice", "Women's rights"]
    assert nominee["languages"] == ["en", "sw"]
    assert nominee["availability"] == [{"start": "2027-02-01", "end": "2027-06-30"},
                                       {"start": "2027-09-01", "end": "2027-12-31"}]
    page = run(norad, "Experts")["experts"]
    assert page["totalCount"] == 1
    node = page["edges"][0]["node"]
    assert node["id"] == nominee["id"]
    assert node["nationality"] == {"code": "KEN"}
    assert node["regionalGroup"] == "AFRICAN"
    assert node["seniority"] == "PRINCIPAL"
    assert node["maxAssignments"] == 2
    assert node["consentGiven"] is True
    assert node["personal"] == PERSONAL


def test_no_consent_no_roster_entry(norad, db_session):
    refused = run(norad, "NominateExpert", input=expert_input(consentGiven=False))["result"]
    assert refused["__typename"] == "ValidationError"
    assert (refused["field"], refused["rule"]) == ("consentGiven", "required")
    assert _count_experts(db_session) == 0

    # Consent is reported together with every other problem of the input.
    both = run(norad, "NominateExpert",
               input=expert_input(consentGiven=False, email="not-an-address"))["result"]
    assert both["__typename"] == "ValidationError"
    assert {(e["field"], e["rule"]) for e in both["errors"]} == {
        ("email", "format"), ("consentGiven", "required")}

    # Leaving the field out is refused by the schema itself (it is required), naming it.
    payload = expert_input()
    del payload["consentGiven"]
    response = norad.post(
        "mutation($input: NominateExpertInput!) { nominateExpert(input: $input) { __typename } }",
        {"input": payload})
    body = response.json()
    assert body.get("data") is None
    assert "consentGiven" in body["errors"][0]["message"]
    assert _count_experts(db_session) == 0


@pytest.mark.parametrize("overrides, field, rule", [
    ({"themes": ["Astrology"]}, "themes", "known_theme"),
    ({"nationality": "XXX"}, "nationality", "known_state"),
    ({"availability": [{"start": "2027-05-01", "end": "2027-04-01"}]}, "availability.end",
     "date_order"),
    ({"availability": []}, "availability", "required"),
    ({"languages": ["klingon"]}, "languages", "iso639_1"),
    ({"maxAssignments": 0}, "maxAssignments", "range"),
])
def test_bad_nominations_name_the_field(norad, db_session, overrides, field, rule):
    result = run(norad, "NominateExpert", input=expert_input(**overrides))["result"]
    assert result["__typename"] == "ValidationError"
    assert (result["field"], result["rule"]) == (field, rule)
    assert _count_experts(db_session) == 0


@pytest.mark.parametrize("role, extra", [
    ("PARTNER", {"partner": "Norad"}),
    ("COMMITTEE", {"state": "BRA", "group": "GRULAC"}),
    ("SECRETARIAT", {}),
])
def test_personal_data_is_shown_to_those_who_may_see_it(gql, make_token, nominee, role, extra,
                                                        db_session):
    client = gql.as_(make_token(role, **extra))
    if role == "COMMITTEE":  # committee rights come with a seat
        from facility.auth.models import Account
        from governance.models import CommitteeSeat

        member = db_session.exec(select(Account).where(Account.role == "COMMITTEE")).one()
        db_session.add(CommitteeSeat(group_code="GRULAC", account_id=member.id, state_code="BRA"))
        db_session.flush()
    by_id = _personal_by_id(client, nominee["id"])
    assert by_id[0] == {**PERSONAL, "cv": "Former judge; trainer on fair-trial guarantees."}
    assert by_id[1:] == [{"e": PERSONAL["email"]}, {"name": PERSONAL["name"]},
                         {"phone": PERSONAL["phone"]}]
    by_list = _personal_by_list(client, nominee["id"])
    assert by_list[1:] == [{"email": PERSONAL["email"]}, {"phone": PERSONAL["phone"]}]


@pytest.mark.parametrize("role, extra", [
    ("STATE", {"state": "KEN"}),
    ("PARTNER", {"partner": "Sida"}),
])
def test_personal_data_is_hidden_from_everyone_else(gql, make_token, nominee, role, extra):
    client = gql.as_(make_token(role, **extra))
    assert _personal_by_id(client, nominee["id"]) == [None, None, None, None]
    # The anonymised profile stays visible by id.
    profile = client("query($id: ID!) { expert(id: $id) { themes languages regionalGroup } }",
                     {"id": nominee["id"]})["expert"]
    assert profile == {"themes": ["Justice", "Women's rights"], "languages": ["en", "sw"],
                       "regionalGroup": "AFRICAN"}
    if role == "STATE":  # a State browses the anonymised roster
        assert _personal_by_list(client, nominee["id"]) == [None, None, None]


def test_anonymous_sees_no_experts(gql, nominee):
    assert run(gql, "Experts")["experts"] == {"totalCount": 0, "edges": []}
    data = gql(BY_ID, {"id": nominee["id"]})
    assert data == {"expert": None, "x": None, "y": None, "z": None}
    denied = run(gql, "UpdateExpert", id=nominee["id"], input={"phone": "1"})["result"]
    assert denied["__typename"] in ("NotFound", "PermissionDenied")
    nominated = run(gql, "NominateExpert", input=expert_input())["result"]
    assert nominated["__typename"] == "PermissionDenied"


def test_only_partners_nominate(gql, make_token, db_session):
    for role, extra in (("STATE", {"state": "KEN"}), ("SECRETARIAT", {}),
                        ("COMMITTEE", {"state": "BRA", "group": "GRULAC"})):
        client = gql.as_(make_token(role, **extra))
        result = run(client, "NominateExpert", input=expert_input())["result"]
        assert result["__typename"] == "PermissionDenied", role
    assert _count_experts(db_session) == 0


def test_another_partner_cannot_update_the_expert(gql, make_token, norad, nominee):
    sida = gql.as_(make_token("PARTNER", partner="Sida"))
    kenya = gql.as_(make_token("STATE", state="KEN"))
    for who, client in (("other partner", sida), ("State", kenya)):
        result = run(client, "UpdateExpert", id=nominee["id"],
                     input={"email": "hijack@example.org", "expectedVersion": nominee["version"]}
                     )["result"]
        assert result["__typename"] == "PermissionDenied", who
        assert "expert" not in result
    unchanged = _personal_by_id(norad, nominee["id"])[0]
    assert unchanged["email"] == PERSONAL["email"]


def test_nominating_partner_updates_and_a_stale_version_is_a_conflict(norad, nominee):
    version = nominee["version"]
    updated = run(norad, "UpdateExpert", id=nominee["id"],
                  input={"phone": "+254 711 111111", "themes": ["Justice"],
                         "availability": [{"start": "2028-01-01", "end": "2028-03-31"}],
                         "expectedVersion": version})["result"]
    assert updated["__typename"] == "ExpertPayload"
    assert updated["expert"]["version"] > version
    assert updated["expert"]["themes"] == ["Justice"]
    assert updated["expert"]["availability"] == [{"start": "2028-01-01", "end": "2028-03-31"}]

    stale = run(norad, "UpdateExpert", id=nominee["id"],
                input={"phone": "+254 722 222222", "expectedVersion": version})["result"]
    assert stale["__typename"] == "Conflict"
    assert _personal_by_id(norad, nominee["id"])[3] == {"phone": "+254 711 111111"}

    invalid = run(norad, "UpdateExpert", id=nominee["id"], input={"email": "nope"})["result"]
    assert (invalid["__typename"], invalid["field"], invalid["rule"]) == (
        "ValidationError", "email", "format")
    null = run(norad, "UpdateExpert", id=nominee["id"], input={"name": None})["result"]
    assert (null["__typename"], null["field"], null["rule"]) == (
        "ValidationError", "name", "required")


def test_a_partners_list_holds_only_its_own_nominees(gql, make_token, norad, nominee):
    sida = gql.as_(make_token("PARTNER", partner="Sida"))
    theirs = run(sida, "NominateExpert", input=expert_input(
        name="Lars Berg", email="lars.berg@example.org", nationality="SWE"))["result"]["expert"]

    norad_page = run(norad, "Experts")["experts"]
    assert norad_page["totalCount"] == 1
    assert [e["node"]["id"] for e in norad_page["edges"]] == [nominee["id"]]
    sida_page = run(sida, "Experts")["experts"]
    assert [e["node"]["id"] for e in sida_page["edges"]] == [theirs["id"]]
    assert sida_page["edges"][0]["node"]["personal"]["name"] == "Lars Berg"

    # The secretariat sees the whole roster, with personal data.
    secretariat = gql.as_(make_token("SECRETARIAT"))
    everyone = run(secretariat, "Experts")["experts"]
    assert everyone["totalCount"] == 2
    assert {e["node"]["personal"]["name"] for e in everyone["edges"]} == {
        PERSONAL["name"], "Lars Berg"}
