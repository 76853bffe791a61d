"""Urgent requests are served from the ready roster in time; evaluations weigh in the fit.

Hand-made instances (as_of 2027-01-01; a request's window 2027-02-01..06-30 for 4 weeks, value
147; an expert sharing one theme and one language has fit 4) with the expected scores worked
out in the comments. Urgent: an expert may serve only with a notice period, starting no
earlier than as_of + ceil(notice_hours / 24) days and no later than latest_start.
"""

from __future__ import annotations

import datetime as dt

import pytest
from matching_builders import build, exp, off, req
from test_matching_checker import make_result, rules_of

from matching import Status, check, solve
from matching.demand import analyse, with_addition


def run(instance):
    result = solve(instance, time_limit=10)
    assert check(instance, result) == []
    assert result.status is Status.OPTIMAL
    return result


def matched(result) -> dict[str, tuple[str, tuple[str, ...]]]:
    return {m.request: (m.offer, m.experts) for m in result.matches}


def unmatched(result, rid="R1"):
    [u] = [u for u in result.unmatched if u.request == rid]
    return u


URGENT = {"urgent": True, "latest_start": "2027-02-10"}
# E1 fits best (speaks both languages, fit 3 + 2 = 5) but is not on the ready roster; E2 fits
# as well but its two months' notice lets it start 2027-03-02 at the earliest; E3 (72 hours,
# from 2027-01-04) can start on the window's first day.
ROSTER = [exp("E1", languages=["en", "fr"]), exp("E2", languages=["en", "fr"], notice_hours=1440),
          exp("E3", notice_hours=72)]


def test_an_urgent_request_is_served_only_by_a_ready_expert_whose_notice_fits():
    both = {"languages": ["en", "fr"]}
    result = run(build([req("R1", **URGENT, **both)], [off("O1")], ROSTER))
    assert matched(result) == {"R1": ("O1", ("E3",))}
    assert result.score == 147 + 4
    # Not urgent, the better-fitting experts are eligible again: 147 + 5.
    result = run(build([req("R1", **both)], [off("O1")], ROSTER))
    assert matched(result)["R1"][1] in {("E1",), ("E2",)}
    assert result.score == 147 + 5


def test_the_ready_roster_serves_requests_that_are_not_urgent_too():
    result = run(build([req("R1")], [off("O1")], [exp("E1", notice_hours=1440)]))
    assert matched(result) == {"R1": ("O1", ("E1",))}


# A window from as_of (2027-01-01) to 06-30, to start by 01-04: the notice decides.
FROM_AS_OF = {"urgent": True, "latest_start": "2027-01-04", "window": ["2027-01-01", "2027-06-30"]}


@pytest.mark.parametrize(
    ("request_change", "expert_change", "eligible"),
    [
        (FROM_AS_OF, {"notice_hours": 0}, True),
        (FROM_AS_OF, {"notice_hours": 72}, True),  # ready from 01-04, the latest start
        (FROM_AS_OF, {"notice_hours": 73}, False),  # ceil(73 / 24) = 4 days: 01-05
        (FROM_AS_OF, {}, False),  # not on the ready roster
        (FROM_AS_OF, {"notice_hours": None}, False),
        # Available only from the day after the latest start, however short the notice:
        (FROM_AS_OF, {"notice_hours": 0, "available": [["2027-01-05", "2027-12-31"]]}, False),
        (FROM_AS_OF, {"notice_hours": 0, "available": [["2027-01-04", "2027-12-31"]]}, True),
        # One interval too early and short, the next starts in time: the intervals count
        # one at a time.
        (FROM_AS_OF, {"notice_hours": 0, "available": [["2027-01-01", "2027-01-10"],
                                                     ["2027-01-03", "2027-02-28"]]}, True),
        # A window of 29 days for 28: a 24-hour notice leaves 01-02..01-29 (28 days), a
        # 48-hour one 27 days only, although it starts before the latest start.
        ({**FROM_AS_OF, "window": ["2027-01-01", "2027-01-29"], "latest_start": "2027-01-10"},
         {"notice_hours": 24}, True),
        ({**FROM_AS_OF, "window": ["2027-01-01", "2027-01-29"], "latest_start": "2027-01-10"},
         {"notice_hours": 48}, False),
        ({"window": ["2027-01-01", "2027-01-29"]}, {"notice_hours": 48}, True),  # not urgent
    ],
)
def test_notice_and_availability_of_an_urgent_request(request_change, expert_change, eligible):
    result = run(build([req("R1", **request_change)], [off("O1")], [exp("E1", **expert_change)]))
    assert result.score == (151 if eligible else 0)


@pytest.mark.parametrize(
    ("request_change", "offer_window", "eligible"),
    [
        (URGENT, ["2027-02-11", "2027-12-31"], False),  # opens after the latest start
        (URGENT, ["2027-02-10", "2027-12-31"], True),  # opens on it
        ({}, ["2027-02-11", "2027-12-31"], True),  # not urgent: the overlap is enough
        # A window from before as_of (2026-12-01..2027-01-20) for 3 weeks: the offer's
        # overlap is 51 days, but an urgent stretch starts on as_of, leaving 20 days.
        ({"window": ["2026-12-01", "2027-01-20"], "weeks": 3}, ["2026-12-01", "2027-12-31"], True),
        ({"window": ["2026-12-01", "2027-01-20"], "weeks": 3, "urgent": True,
          "latest_start": "2027-01-10"}, ["2026-12-01", "2027-12-31"], False),
        ({"window": ["2026-12-01", "2027-01-20"], "weeks": 2, "urgent": True,
          "latest_start": "2027-01-10"}, ["2026-12-01", "2027-12-31"], True),
    ],
)
def test_an_offer_funds_an_urgent_request_only_if_it_can_start_in_time(
        request_change, offer_window, eligible):
    # No expert needed: the offer alone decides (value 147).
    result = run(build([req("R1", experts_needed=0, **request_change)],
                       [off("O1", window=offer_window)], []))
    assert result.score == (147 if eligible else 0)


def test_an_urgent_match_is_explained_in_plain_words():
    result = run(build([req("R1", **URGENT)], [off("O1")], [exp("E1", notice_hours=72)]))
    [m] = result.matches
    assert "Expert E1 (GRULAC; Justice; speaks en; ready at 72 hours' notice)." in m.explanation
    assert "Urgent: from the ready roster, can start by 2027-02-10." in m.explanation
    result = run(build([req("R1", experts_needed=0, **URGENT)], [off("O1")], []))
    assert "Urgent: can start by 2027-02-10." in result.matches[0].explanation


def test_a_ready_expert_whose_notice_is_too_long_leaves_the_request_unmatched_and_says_so():
    # E1 (two weeks' notice) is ready from 2027-01-15, after the latest start 2027-01-10.
    inst = build([req("R1", urgent=True, latest_start="2027-01-10",
                      window=["2027-01-01", "2027-06-30"])],
                 [off("O1")], [exp("E1", notice_hours=336), exp("E2")])
    result = run(inst)
    assert result.matches == ()
    u = unmatched(result)
    assert u.causes == ("expert_notice",)
    assert u.reasons[0].startswith(
        "No ready expert can start by 2027-01-10: it is urgent and needs 1 from the ready roster")
    assert ("of those, 1 are on the ready roster; of those, 0 can start by 2027-01-10 after "
            "their notice period (counted from 2027-01-01).") in u.reasons[0]


def test_no_one_on_the_ready_roster_and_a_latest_start_already_past():
    result = run(build([req("R1", **URGENT)], [off("O1")], [exp("E1")]))
    u = unmatched(result)
    assert u.causes == ("expert_ready",)
    assert "No ready expert can start by 2027-02-10" in u.reasons[0]
    # Two needed, one ready in time: "only 1".
    result = run(build([req("R1", experts_needed=2, **URGENT)], [off("O1")],
                       [exp("E1", notice_hours=72), exp("E2", group="WEOG", notice_hours=2000)]))
    assert unmatched(result).reasons[0].startswith("Only 1 ready expert can start by 2027-02-10")
    # A run after the latest start: the reason says the date has passed.
    past = build([req("R1", urgent=True, latest_start="2026-12-20",
                      window=["2026-12-01", "2027-06-30"])],
                 [off("O1", window=["2026-12-01", "2027-12-31"])], [exp("E1", notice_hours=0)])
    u = unmatched(run(past))
    assert u.causes == ("offer_start",)
    assert u.reasons[0] == (
        "No eligible offer. Urgent, to start by 2026-12-20 (already past on 2027-01-01): the "
        "offers that could otherwise fund it (O1) leave no 4 weeks (28 days) within its window "
        "2026-12-01 to 2027-06-30 starting between 2027-01-01 and 2026-12-20.")


def test_the_checker_names_the_urgent_rules_a_result_breaks():
    inst = build([req("R1", **URGENT), req("R2", state="UGA", **URGENT)],
                 [off("O1", window=["2027-02-11", "2027-12-31"]), off("O2")],
                 [exp("E1"), exp("E2", notice_hours=1440), exp("E3", notice_hours=72)])
    bad = make_result(inst, [("R1", "O1", ["E1"]), ("R2", "O2", ["E2"])])
    assert rules_of(inst, bad) == {("offer_start", ("R1", "O1")), ("expert_ready", ("R1", "E1")),
                                   ("expert_notice", ("R2", "E2"))}
    assert check(inst, make_result(inst, [("R1", "O2", ["E3"])])) == []


def _pair(e1: dict, e2: dict, **criteria):
    """One request, two experts alike but for their evaluations: who gets it, and the score."""
    result = run(build([req("R1")], [off("O1")], [exp("E1", **e1), exp("E2", **e2)], **criteria))
    return matched(result)["R1"][1], result.score


def test_the_evaluation_weight_chooses_between_two_otherwise_equal_experts():
    # Weight 10: E2's 90 % adds floor(10 * 90 / 100) = 9, E1's 60 % adds 6: 147 + 4 + 9.
    assert _pair({"evaluation": 60}, {"evaluation": 90}, evaluation_weight=10) == (("E2",), 160)
    assert _pair({"evaluation": 90}, {"evaluation": 60}, evaluation_weight=10) == (("E1",), 160)
    # Weight 0 (the default): evaluations have no effect.
    assert _pair({"evaluation": 60}, {"evaluation": 90})[1] == 151
    # Integer parts: floor(7 * 85 / 100) = floor(5.95) = 5.
    assert _pair({"evaluation": 85}, {"evaluation": 0}, evaluation_weight=7) == (("E1",), 156)


def test_the_floor_lets_a_new_expert_win_over_a_poorly_evaluated_one():
    # Never evaluated counts as the floor, 50 by default: 5 against E1's 30 % (3).
    assert _pair({"evaluation": 30}, {}, evaluation_weight=10) == (("E2",), 147 + 4 + 5)
    # With a floor of 20 the evaluated expert wins: 3 against 2.
    assert _pair({"evaluation": 30}, {}, evaluation_weight=10, evaluation_floor=20) == (
        ("E1",), 147 + 4 + 3)


def test_evaluations_are_explained_and_checked():
    inst = build([req("R1")], [off("O1")], [exp("E1", evaluation=85)], evaluation_weight=10)
    [m] = run(inst).matches
    assert "Expert E1 (GRULAC; Justice; speaks en; evaluated 85 %)." in m.explanation
    assert "expert fit 12 (of which evaluations 8, weight 10)." in m.explanation
    new = build([req("R1")], [off("O1")], [exp("E1")], evaluation_weight=10)
    assert "not yet evaluated, counted as 50 %" in run(new).matches[0].explanation
    # A result that leaves the evaluation out of the fit breaks match_fit and the score.
    good = make_result(inst, [("R1", "O1", ["E1"])])
    assert good.matches[0].fit == 12 and check(inst, good) == []
    stale = make_result(build([req("R1")], [off("O1")], [exp("E1", evaluation=85)]),
                        [("R1", "O1", ["E1"])])
    assert {v.rule for v in check(inst, stale)} == {"match_fit", "score"}


def test_unmet_urgent_demand_suggests_one_more_ready_expert():
    # Nobody on the ready roster: the candidate is a ready expert (72 hours' notice), free
    # in the quarter of the request's window it can start in by the latest start.
    inst = build([req("R1", **URGENT)], [off("O1")], [exp("E1")])
    result = run(inst)
    analysis = analyse(inst, result, time_limit=5)
    best = analysis.suggestions[0]
    assert best.addition.notice_hours == 72
    assert best.addition.window == (dt.date(2027, 1, 1), dt.date(2027, 3, 31))
    assert best.addition.description == (
        "One more ready expert (72 hours' notice) on Justice speaking English, from the "
        "AFRICAN group, available Q1 2027")
    assert best.newly_matched == ("R1",)
    grown = with_addition(inst, best.addition)
    assert check(grown, solve(grown, time_limit=5)) == []


def test_unmet_urgent_funding_suggests_an_offer_open_in_time():
    # O1 opens 2027-03-01, after the latest start: a new offer for Q1 2027 would fund R1.
    inst = build([req("R1", **URGENT)], [off("O1", window=["2027-03-01", "2027-12-31"])],
                 [exp("E1", notice_hours=72)])
    result = run(inst)
    assert unmatched(result).causes == ("offer_start",)
    best = analyse(inst, result, time_limit=5).suggestions[0]
    assert (best.addition.kind, best.addition.window) == (
        "OFFER", (dt.date(2027, 1, 1), dt.date(2027, 3, 31)))
    assert best.newly_matched == ("R1",)
