"""Donors see unmet demand: what the last run left unmatched, why, and what would match more."""

from __future__ import annotations

import html

from tests.api.helpers import request_input
from tests.governance_api.conftest import World, nominate, publish_offer

DEMAND_OPERATIONS = {"UnmetDemand"}


def _eligible(w: World, request_id: str, voters: tuple[str, ...]) -> None:
    screening = w.op(w.secretariat, "OpenScreening", requestId=request_id)["result"]["screening"]
    for group in voters:
        w.op(w.members[group], "CastVote", motionId=screening["motion"]["id"], choice="APPROVE",
             comment="")
    decided = w.op(w.secretariat, "DecideMotion", motionId=screening["motion"]["id"])["result"]
    assert decided["motion"]["status"] == "PASSED", decided


def _run_with_a_swahili_need(w: World, recs) -> tuple[str, str]:
    """Kenya needs a Swahili-speaking expert on Justice, and the roster has none; Ghana's
    request needs no expert and is matched."""
    ken = w.op(w.kenya, "CreateRequest", input=request_input(
        [recs["TEST-KEN-1"]], languages=["sw"], expertsNeeded=1, budget=60000))["result"]["request"]
    w.op(w.kenya, "SubmitRequest", id=ken["id"])
    gha = w.op(w.ghana, "CreateRequest", input=request_input(
        [recs["TEST-GHA-1"]], languages=["en"], expertsNeeded=0, budget=40000))["result"]["request"]
    w.op(w.ghana, "SubmitRequest", id=gha["id"])
    _eligible(w, ken["id"], ("APG", "EEG", "GRULAC"))
    _eligible(w, gha["id"], ("APG", "EEG", "GRULAC"))
    publish_offer(w)  # Justice and NHRI, open to AFRICAN and APG
    nominate(w, "BRA", ["Justice"], ["en", "pt"])
    run = w.op(w.secretariat, "StartOptimiserRun", timeLimit=5)["result"]["run"]
    return run["id"], ken["id"]


def test_partner_sees_why_and_the_expert_that_would_match_the_request(world: World, recs):
    w = world
    run_id, ken_id = _run_with_a_swahili_need(w, recs)
    demand = w.op(w.norad, "UnmetDemand")["unmetDemand"]
    assert demand["runId"] == run_id and demand["analysed"] and demand["analysisError"] is None
    [unmet] = demand["requests"]
    assert unmet["request"]["id"] == ken_id
    assert unmet["causes"] == ["EXPERT_LANGUAGE"]
    assert unmet["reasons"] == []  # the plain-language reasons are the committee's
    assert demand["byLanguage"] == [{"key": "sw", "requests": 1, "budget": 60000,
                                     "budgets": [{"currency": "USD", "amount": 60000}],
                                     "causes": [{"cause": "EXPERT_LANGUAGE", "requests": 1}]}]
    assert [s["key"] for s in demand["byRegionalGroup"]] == ["AFRICAN"]
    assert {s["key"] for s in demand["bySupportKind"]} == {"TRAINING", "EXPERT_MISSION"}
    assert [s["key"] for s in demand["byTheme"]] == ["Justice"]
    best = demand["suggestions"][0]
    assert best["kind"] == "EXPERT" and best["language"] == "sw" and best["theme"] == "Justice"
    assert best["description"].startswith("One more expert on Justice speaking Swahili")
    assert [r["id"] for r in best["newlyMatched"]] == [ken_id]
    assert best["gain"] == 1 and best["proven"] and best["noLongerMatched"] == []
    assert demand["candidatesTried"] >= 1


def test_the_committee_reads_the_reasons_and_others_see_nothing(world: World, recs, make_token):
    w = world
    run_id, _ = _run_with_a_swahili_need(w, recs)
    demand = w.op(w.members["APG"], "UnmetDemand", runId=run_id)["unmetDemand"]
    [unmet] = demand["requests"]
    assert "Fewer eligible experts than needed because of language" in unmet["reasons"][0]
    assert w.op(w.secretariat, "UnmetDemand")["unmetDemand"]["requests"][0]["reasons"]
    for client in (w.gql, w.kenya, w.ghana, w.gql.as_(make_token("EXPERT", partner="Norad"))):
        assert w.op(client, "UnmetDemand")["unmetDemand"] is None
    # An id that is no run, or not a finished one, answers like nothing.
    assert w.op(w.norad, "UnmetDemand", runId="bm90LWEtcnVu")["unmetDemand"] is None


def test_no_finished_run_yet(world: World):
    assert world.op(world.norad, "UnmetDemand")["unmetDemand"] is None


def test_the_partner_page_shows_why_and_what_would_help(world: World, recs, app, db_session):
    from fastapi.testclient import TestClient

    from facility.auth.models import Role
    from facility.auth.service import create_account
    from tests.pages.conftest import PASSWORD, Browser

    _run_with_a_swahili_need(world, recs)
    officer = create_account(db_session, role=Role.PARTNER, name="Norad officer", password=PASSWORD,
                             email="officer@norad.example.org", partner_name="Norad")
    db_session.flush()
    with TestClient(app, follow_redirects=False) as http:
        browser = Browser(http)
        assert browser.get("/partner/unmet-demand").status_code == 303  # sign in first
        browser.sign_in(officer.email)
        page = browser.get("/partner/unmet-demand")
    text = html.unescape(page.text)
    assert page.status_code == 200
    assert "left 1 eligible request unmatched." in text
    assert "One more expert on Justice speaking Swahili" in text
    assert "too few experts speaking its languages (1)" in text
    assert "Fewer eligible experts than needed" not in text  # the reasons are the committee's


def test_budgets_are_summed_per_currency_never_across():
    """Requests in other currencies (left out of the run, cause other_currency) are totalled on
    their own: a slice never adds euros to dollars."""
    from types import SimpleNamespace

    from governance.demand import UnmetRequest, _slices

    def unmet(budget: int, currency: str) -> UnmetRequest:
        return UnmetRequest(request=SimpleNamespace(budget=budget, currency=currency),  # type: ignore[arg-type]
                            causes=("other_currency",) if currency != "USD" else ("offer_budget",),
                            reasons=())

    [justice] = _slices([("Justice", unmet(60_000, "USD")), ("Justice", unmet(40_000, "EUR")),
                         ("Justice", unmet(10_000, "USD"))])
    assert (justice.requests, justice.budget, justice.budgets) == (
        3, 70_000, (("EUR", 40_000), ("USD", 70_000)))
