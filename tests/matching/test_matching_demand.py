"""Unmet demand: cause codes on unmatched requests, and additions found by re-solving."""

from __future__ import annotations

import datetime as dt

from matching_builders import INSTANCES, build, exp, off, req
from typer.testing import CliRunner

from matching import check, solve
from matching.cli import app
from matching.demand import Addition, analyse, covering_quarters, quarters_label, with_addition
from matching.explain import CAUSES


def _by_request(result) -> dict[str, tuple[str, ...]]:
    return {u.request: u.causes for u in result.unmatched}


def test_every_unmatched_request_names_a_known_cause_per_reason():
    inst = build(
        [req("R1", languages=["es"]),                      # nobody speaks Spanish
         req("R2", themes=["Health"]),                     # no offer on Health
         req("R3", group="GRULAC", state="BRA"),           # offer closed to GRULAC
         req("R4", experts_needed=0, budget=500_000)],     # above every offer's budget
        [off("O1", groups=["AFRICAN"])],
        [exp("E1", themes=["Justice", "Health"])])
    result = solve(inst, time_limit=5)
    causes = _by_request(result)
    assert causes == {"R1": ("expert_language",), "R2": ("no_offer_theme",),
                      "R3": ("no_offer_group",), "R4": ("offer_budget",)}
    for u in result.unmatched:
        assert len(u.causes) == len(u.reasons)
        assert set(u.causes) <= set(CAUSES)


def test_one_more_spanish_speaking_expert_matches_the_request_it_lacked():
    inst = build([req("R1"), req("R2", languages=["es"], priority=5)],
                 [off("O1")], [exp("E1")])
    result = solve(inst, time_limit=5)
    assert _by_request(result) == {"R2": ("expert_language",)}
    analysis = analyse(inst, result, time_limit=5)
    best = analysis.suggestions[0]
    assert best.addition.kind == "EXPERT"
    assert (best.addition.theme, best.addition.language) == ("Justice", "es")
    assert best.newly_matched == ("R2",) and best.no_longer_matched == ()
    assert best.gain == 1 and best.proven
    # The request's window is Feb-June for 4 weeks: one quarter, Q1 2027, already covers it.
    assert best.addition.window == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    assert best.addition.description == (
        "One more expert on Justice speaking Spanish, from the AFRICAN group, available Q1 2027")
    # The re-solved matching with that expert passes every rule.
    grown = with_addition(inst, best.addition)
    assert check(grown, solve(grown, time_limit=5)) == []


def test_exhausted_offer_suggests_the_smallest_top_up():
    # O1 funds one request only; R1 (priority 5) takes it and R2 is left.
    inst = build([req("R1", priority=5, experts_needed=0), req("R2", experts_needed=0, budget=30_000)],
                 [off("O1", max_requests=1)], [])
    result = solve(inst, time_limit=5)
    assert _by_request(result) == {"R2": ("offer_capacity",)}
    [top_up] = [s for s in analyse(inst, result, time_limit=5).suggestions if s.addition.kind == "TOP_UP"]
    assert top_up.addition == Addition("TOP_UP", offer="O1", budget=30_000, requests=1)
    assert top_up.newly_matched == ("R2",)
    assert top_up.addition.description == "Offer O1 topped up by 30,000 and one more request"


def test_a_new_offer_is_sized_to_the_requests_it_could_fund():
    inst = build([req("R1", themes=["Health"], experts_needed=0, budget=40_000),
                  req("R2", themes=["Health"], experts_needed=0, budget=60_000,
                      window=["2027-07-01", "2027-09-30"])],
                 [off("O1")], [])
    result = solve(inst, time_limit=5)
    analysis = analyse(inst, result, time_limit=5)
    [offer] = [s for s in analysis.suggestions if s.addition.kind == "OFFER"]
    assert offer.addition.budget == 100_000 and offer.addition.requests == 2
    assert offer.addition.group == "AFRICAN"
    assert offer.addition.window == (dt.date(2027, 1, 1), dt.date(2027, 9, 30))
    assert offer.newly_matched == ("R1", "R2") and offer.gain == 2


def test_an_addition_the_rules_allow_but_the_optimum_does_not_use_is_not_suggested():
    # R2 lacks a Spanish speaker, but O1 can fund one request only and R1 is worth more: a
    # Spanish-speaking expert alone would not get R2 matched, and re-solving shows it.
    inst = build([req("R1", priority=5, experts_needed=0), req("R2", languages=["es"])],
                 [off("O1", max_requests=1)], [exp("E1")])
    result = solve(inst, time_limit=5)
    analysis = analyse(inst, result, time_limit=5)
    assert analysis.candidates_tried >= 1
    assert all(s.addition.kind != "EXPERT" for s in analysis.suggestions)


def test_nothing_unmatched_nothing_to_analyse():
    inst = build([req("R1")], [off("O1")], [exp("E1")])
    result = solve(inst, time_limit=5)
    assert analyse(inst, result).suggestions == ()


def test_quarters_cover_the_mission_shortest_then_earliest():
    window = (dt.date(2027, 3, 15), dt.date(2027, 8, 31))
    assert covering_quarters(window, 17) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))  # 15-31 March
    assert covering_quarters(window, 18) == (dt.date(2027, 4, 1), dt.date(2027, 6, 30))
    assert covering_quarters(window, 108) == (dt.date(2027, 1, 1), dt.date(2027, 6, 30))
    assert covering_quarters(window, 109) == (dt.date(2027, 4, 1), dt.date(2027, 9, 30))
    across_years = (dt.date(2027, 11, 1), dt.date(2028, 2, 28))
    assert covering_quarters(across_years, 90) == (dt.date(2027, 10, 1), dt.date(2028, 3, 31))
    assert quarters_label(dt.date(2027, 10, 1), dt.date(2028, 3, 31)) == "Q4 2027-Q1 2028"
    assert quarters_label(dt.date(2027, 4, 1), dt.date(2027, 9, 30)) == "Q2-Q3 2027"


def test_the_command_line_reports_what_each_addition_matches():
    out = CliRunner().invoke(app, ["demand", str(INSTANCES / "tiny.json"), "-t", "10",
                                   "--per-solve", "5", "--candidates", "4"])
    assert out.exit_code == 0, out.output
    assert "OPTIMAL: 24 matched, 6 unmatched" in out.stdout
    assert "4 candidate additions re-solved" in out.stdout
    assert ("+1: One more expert on Freedom of opinion and expression speaking English, from the "
            "AFRICAN group, available Q3-Q4 2027 -> matches R6; score +161") in out.stdout
