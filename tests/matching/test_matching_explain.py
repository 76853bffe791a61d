"""Explanations name the actual binding rule for unmatched requests."""

from __future__ import annotations

import pytest
from matching_builders import build, exp, off, req

from matching import solve


def reasons(instance, rid="R1") -> str:
    result = solve(instance, time_limit=10)
    [u] = [u for u in result.unmatched if u.request == rid]
    return " ".join(u.reasons)


@pytest.mark.parametrize(
    ("offer_change", "phrase"),
    [
        ({"themes": ["NHRI"]}, "No offer shares a theme with it (its themes: Justice)"),
        ({"groups": ["APG"]}, "is open to its regional group AFRICAN"),
        ({"states": ["UGA"]}, "is open to its State KEN"),
        ({"window": ["2027-06-10", "2027-12-31"]},
         "Window overlap too short: the offers sharing a theme and open to it (O1) overlap "
         "its window 2027-02-01 to 2027-06-30 by at most 21 days; it needs 4 weeks (28 days)"),
        ({"budget": 10_000}, "Its budget 50,000 is above the budget of every offer"),
    ],
)
def test_no_eligible_offer_names_the_rule(offer_change, phrase):
    assert phrase in reasons(build([req("R1")], [off("O1", **offer_change)], [exp("E1")]))


@pytest.mark.parametrize(
    ("expert_change", "rule"),
    [
        ({"themes": ["NHRI"]}, "theme"),
        ({"languages": ["fr"]}, "language"),
        ({"nationality": "KEN"}, "nationality"),
        ({"conflicts": ["KEN"]}, "conflict"),
        ({"available": [["2027-01-01", "2027-02-10"]]}, "availability"),
    ],
)
def test_too_few_experts_names_the_rule(expert_change, rule):
    # Two experts are needed; E2 is eligible, E1 fails one rule: 1 < 2 because of it.
    text = reasons(build([req("R1", experts_needed=2)], [off("O1")],
                         [exp("E1", group="WEOG", **expert_change), exp("E2")]))
    assert f"Fewer eligible experts than needed because of {rule}: it needs 2, 1 is eligible" \
        in text


def test_team_diversity_impossible():
    text = reasons(build([req("R1", experts_needed=2)], [off("O1")], [exp("E1"), exp("E2")]))
    assert "Team diversity impossible" in text and "GRULAC" in text


def test_capacity_taken_by_higher_scoring_requests():
    inst = build([req("R1"), req("R2", priority=5)], [off("O1", max_requests=1)],
                 [exp("E1"), exp("E2")])
    text = reasons(inst)
    assert "Offer capacity went to higher-scoring requests" in text
    assert "O1 funds its maximum of 1 requests" in text and "R2 (value 167)" in text
    inst = build([req("R1"), req("R2", priority=5)], [off("O1")], [exp("E1")])
    text = reasons(inst)
    assert "Expert capacity went to higher-scoring requests" in text and "R2" in text


def test_match_explanation_reads_well():
    inst = build([req("R1", languages=["en", "es"])], [off("O1", themes=["Justice", "NHRI"])],
                 [exp("E1", languages=["es", "en"])])
    [m] = solve(inst, time_limit=5).matches
    assert m.explanation.startswith(
        "Funded by offer O1 (NORAD: themes Justice; budget left after this match 50,000). "
        "Expert E1 (GRULAC; Justice; speaks es, en)."
    )
    assert "Value 147" in m.explanation and "expert fit 5" in m.explanation
