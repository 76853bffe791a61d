"""Capacity already agreed before a run (matching/commitments.py): taken off the offers and
experts it uses, in the agreed dates only, and never judged by the run's rules."""

from __future__ import annotations

from datetime import date

import pytest

from matching import Commitment, InstanceError, check, residual, solve
from tests.matching.matching_builders import build, exp, off, req

SPRING = (date(2027, 2, 1), date(2027, 3, 31))


def test_an_offer_keeps_only_the_budget_and_requests_left_by_what_it_agreed():
    inst = build([req("R1", budget=60_000), req("R2", budget=30_000, state="GHA")],
                 [off("O1", budget=100_000, max_requests=3)],
                 [exp("E1", max_assignments=2)])
    left, problems = residual(inst, [
        Commitment(offer="O1", budget=50_000, takes_request=True),
        Commitment(offer="O1", budget=10_000)])  # a completed engagement: budget only
    assert (left.offers[0].budget, left.offers[0].max_requests) == (40_000, 2)
    assert problems == ((), ())
    result = solve(left, time_limit=5)
    # R1 (60,000) no longer fits what is left; R2 does.
    assert [m.request for m in result.matches] == ["R2"]
    assert check(left, result) == []


def test_the_request_count_left_bounds_the_run():
    inst = build([req("R1"), req("R2", state="GHA")], [off("O1", max_requests=2)],
                 [exp("E1", max_assignments=2)])
    left, _ = residual(inst, [Commitment(offer="O1", budget=1, takes_request=True)])
    assert len(solve(left, time_limit=5).matches) == 1


def test_an_expert_is_taken_only_during_the_agreed_dates():
    spring = req("R1", window=["2027-02-01", "2027-03-31"], weeks=4)
    autumn = req("R2", window=["2027-09-01", "2027-10-31"], weeks=4, state="GHA")
    inst = build([spring, autumn], [off("O1")], [exp("E1")])
    left, problems = residual(inst, [Commitment(experts=("E1",), dates=SPRING)])
    [expert] = left.experts
    assert expert.available == ((date(2027, 1, 1), date(2027, 1, 31)),
                                (date(2027, 4, 1), date(2027, 12, 31)))
    assert expert.max_assignments == 1 and problems == ((),)
    result = solve(left, time_limit=5)
    assert [(m.request, m.experts) for m in result.matches] == [("R2", ("E1",))]


def test_an_expert_taking_two_at_a_time_keeps_a_place_in_the_agreed_dates():
    inst = build([req("R1", window=["2027-02-01", "2027-03-31"])], [off("O1")],
                 [exp("E1", max_assignments=2)])
    left, _ = residual(inst, [Commitment(experts=("E1",), dates=SPRING)])
    [expert] = left.experts
    # The window is whole again (one place left in spring); the run may give one more.
    assert expert.available == ((date(2027, 1, 1), date(2027, 12, 31)),)
    assert expert.max_assignments == 1
    assert [m.request for m in solve(left, time_limit=5).matches] == ["R1"]


def test_separate_windows_are_never_joined():
    inst = build([req("R1")], [off("O1")], [exp("E1", available=[
        ["2027-01-01", "2027-03-31"], ["2027-04-01", "2027-06-30"]], max_assignments=2)])
    left, _ = residual(inst, [Commitment(experts=("E1",), dates=SPRING)])
    assert left.experts[0].available == inst.experts[0].available


def test_commitments_are_not_judged_by_the_run_rules():
    # The agreed match would break today's rules (no shared theme, team too small, another
    # currency of needs): it is not a match of the run, only capacity taken.
    inst = build([req("R1", themes=["NHRI"])], [off("O1", themes=["Justice"])],
                 [exp("E1", themes=["Justice"])], team_min_groups=3)
    left, problems = residual(inst, [Commitment(offer="O1", budget=90_000, takes_request=True,
                                                experts=("E1",), dates=SPRING)])
    assert problems == ((),)
    assert left.offers[0].budget == 10_000


def test_capacity_already_exceeded_is_reported_per_commitment_and_leaves_nothing():
    inst = build([req("R1")], [off("O1", budget=100_000, max_requests=1)], [exp("E1")])
    left, problems = residual(inst, [
        Commitment(offer="O1", budget=80_000, takes_request=True, experts=("E1",), dates=SPRING),
        Commitment(offer="O1", budget=40_000, takes_request=True, experts=("E1",),
                   dates=(date(2027, 3, 1), date(2027, 4, 30)))])
    assert (left.offers[0].budget, left.offers[0].max_requests) == (0, 0)
    causes = [sorted(p.cause for p in row) for row in problems]
    assert causes == [["expert_over_load", "offer_over_budget", "offer_over_requests"]] * 2
    assert solve(left, time_limit=5).matches == ()


def test_unknown_ids_are_refused_by_name():
    inst = build([req("R1")], [off("O1")], [exp("E1")])
    with pytest.raises(InstanceError) as caught:
        residual(inst, [Commitment(offer="O9"), Commitment(experts=("E7",), dates=SPRING),
                        Commitment(experts=("E1",))])
    assert caught.value.problems == [
        'commitments[0]: field "offer": unknown offer id "O9"',
        'commitments[1]: field "experts": unknown expert id "E7"',
        'commitments[2]: field "dates": missing (experts are taken on dates)']


def test_a_ready_expert_on_an_agreed_engagement_is_ready_again_only_after_it():
    # E1 (72 hours' notice) is on an agreed mission until 2027-02-28: an urgent request to
    # start by 2027-02-10 cannot have it, one to start by 2027-03-05 can (from 03-01).
    inst = build([req("R1", urgent=True, latest_start="2027-02-10"),
                  req("R2", urgent=True, latest_start="2027-03-05", state="GHA")],
                 [off("O1")], [exp("E1", notice_hours=72, evaluation=80)],
                 evaluation_weight=10)
    left, _ = residual(inst, [Commitment(experts=("E1",), dates=(date(2027, 1, 1),
                                                                date(2027, 2, 28)))])
    [expert] = left.experts
    assert (expert.notice_hours, expert.evaluation) == (72, 80)
    result = solve(left, time_limit=5)
    assert [(m.request, m.experts, m.fit) for m in result.matches] == [("R2", ("E1",), 4 + 8)]
    assert [u.causes for u in result.unmatched] == [("expert_notice",)]
    assert check(left, result) == []
