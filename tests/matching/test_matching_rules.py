"""Every eligibility rule, capacity, team diversity and fairness change the result where
they should. Hand-made instances; expected scores computed by hand in the comments
(value 147 and fit 4 per shared theme+language unless said otherwise)."""

from __future__ import annotations

import pytest
from matching_builders import build, exp, off, req

from matching import Status, check, solve


def run(instance):
    result = solve(instance, time_limit=10)
    assert check(instance, result) == []
    assert result.status is Status.OPTIMAL
    return result


def matched(result) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {m.request: (m.offer, m.experts) for m in result.matches}


def test_baseline_matches():
    # R1 with O1 and E1: 147 + 4 = 151.
    result = run(build([req("R1")], [off("O1")], [exp("E1")]))
    assert matched(result) == {"R1": ("O1", ("E1",))}
    assert result.score == 151


@pytest.mark.parametrize(
    ("offer_change", "eligible"),
    [
        ({"themes": ["NHRI"]}, False),  # no shared theme
        ({"themes": ["NHRI", "Justice"]}, True),
        ({"groups": ["APG"]}, False),  # closed to AFRICAN
        ({"groups": ["APG", "AFRICAN"]}, True),
        ({"states": ["UGA"]}, False),  # closed to KEN
        ({"states": ["KEN"]}, True),
        # Request window 2027-02-01..06-30 needs 4 weeks = 28 days of overlap:
        ({"window": ["2027-06-04", "2027-12-31"]}, False),  # 27 days
        ({"window": ["2027-06-03", "2027-12-31"]}, True),  # exactly 28 days
        ({"budget": 49_999}, False),  # request budget 50,000 above the offer's
        ({"budget": 50_000}, True),
    ],
)
def test_offer_rules(offer_change, eligible):
    result = run(build([req("R1")], [off("O1", **offer_change)], [exp("E1")]))
    assert result.score == (151 if eligible else 0)


@pytest.mark.parametrize(
    ("expert_change", "eligible"),
    [
        ({"themes": ["NHRI"]}, False),
        ({"languages": ["fr"]}, False),
        ({"nationality": "KEN"}, False),  # a national of the requesting State
        ({"conflicts": ["KEN"]}, False),
        ({"conflicts": ["UGA"]}, True),
        ({"available": [["2027-01-01", "2027-02-27"]]}, False),  # 27 days in the window
        ({"available": [["2027-01-01", "2027-02-10"], ["2027-06-03", "2027-08-01"]]}, True),
    ],
)
def test_expert_rules(expert_change, eligible):
    result = run(build([req("R1")], [off("O1")], [exp("E1", **expert_change)]))
    assert result.score == (151 if eligible else 0)


def test_request_needing_no_expert_needs_only_an_offer():
    result = run(build([req("R1", experts_needed=0)], [off("O1")], []))
    assert matched(result) == {"R1": ("O1", ())}
    assert result.score == 147


def test_offer_budget_capacity():
    # Two requests of 60,000 on a 100,000 offer: only one fits; R2 has priority 4 (157+4).
    inst = build([req("R1", budget=60_000), req("R2", budget=60_000, priority=4)],
                 [off("O1")], [exp("E1"), exp("E2")])
    result = run(inst)
    assert set(matched(result)) == {"R2"}
    assert result.score == 161


def test_offer_max_requests():
    inst = build([req("R1"), req("R2", priority=4)], [off("O1", max_requests=1)],
                 [exp("E1"), exp("E2")])
    assert set(matched(run(inst))) == {"R2"}


def test_expert_max_assignments():
    # One expert, two requests needing one each: capacity 1 serves the better one,
    # capacity 2 serves both (151 + 161 = 312).
    reqs = [req("R1"), req("R2", priority=4)]
    assert set(matched(run(build(reqs, [off("O1")], [exp("E1")])))) == {"R2"}
    result = run(build(reqs, [off("O1")], [exp("E1", max_assignments=2)]))
    assert result.score == 312


def test_team_diversity():
    # Two GRULAC experts cannot form a team of 2 (2 groups required) ...
    two = [exp("E1"), exp("E2")]
    assert run(build([req("R1", experts_needed=2)], [off("O1")], two)).score == 0
    # ... unless the criteria ask for one group only: 147 + 4 + 4 = 155.
    assert run(build([req("R1", experts_needed=2)], [off("O1")], two,
                     team_min_groups=1)).score == 155
    # A WEOG expert with a better fit (speaks en and fr: 3 + 2 = 5) joins either way.
    three = [*two, exp("E3", group="WEOG", languages=["en", "fr"])]
    result = run(build([req("R1", experts_needed=2, languages=["en", "fr"])], [off("O1")],
                       three))
    assert matched(result)["R1"][1] in {("E1", "E3"), ("E2", "E3")}
    assert result.score == 147 + 4 + 5


def test_team_diversity_beyond_two_groups():
    # Three experts needed from 3 groups (team_min_groups 3): two GRULAC experts and one
    # WEOG cannot; adding an EEG expert makes the team E1/E3/E4 or E2/E3/E4.
    experts = [exp("E1"), exp("E2"), exp("E3", group="WEOG")]
    r = req("R1", experts_needed=3)
    assert run(build([r], [off("O1")], experts, team_min_groups=3)).score == 0
    result = run(build([r], [off("O1")], [*experts, exp("E4", group="EEG")],
                       team_min_groups=3))
    assert result.score == 147 + 12


def test_fairness_floor_makes_a_lower_value_request_worth_matching():
    # One seat (max_requests 1). R2 (APG, priority 5: 167 + 4 = 171) beats R1 (AFRICAN,
    # priority 1: 127 + 4 = 131) without floors. With AFRICAN's floor at 100% (floor 1),
    # leaving R1 out costs 400: 171 - 400 = -229 < 131, so R1 is matched.
    reqs = [req("R1", priority=1), req("R2", group="APG", state="IDN", priority=5)]
    offers = [off("O1", max_requests=1)]
    experts = [exp("E1"), exp("E2")]
    assert set(matched(run(build(reqs, offers, experts)))) == {"R2"}
    result = run(build(reqs, offers, experts, group_floor_share={"AFRICAN": 1.0}))
    assert set(matched(result)) == {"R1"}
    assert result.score == 131
    assert result.groups["AFRICAN"].shortfall == 0
    assert result.groups["APG"].floor == 0


def test_unavoidable_shortfall_is_charged():
    # AFRICAN floor ceil(0.5 * 2) = 1 but no offer shares R1/R2's theme: -400.
    reqs = [req("R1", themes=["NHRI"]), req("R2", themes=["NHRI"])]
    result = run(build(reqs, [off("O1")], [exp("E1")], group_floor_share={"AFRICAN": 0.5}))
    assert result.score == -400
    assert result.groups["AFRICAN"].shortfall == 1
