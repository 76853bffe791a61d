"""The neighbourhood search and the funding fallback, on small hand-checked instances."""

from __future__ import annotations

import math

import numpy as np
from matching_builders import OPTIMA, build, off, req

from matching import Status, check, parse_instance, solve
from matching.encode import encode
from matching.integer import fund_by_local_search, greedy, objective_of
from matching.lns import improve
from matching.problem import build_problem


def test_whole_neighbourhood_reaches_and_proves_the_optimum(example_docs):
    # tiny has 30 requests, fewer than one neighbourhood holds: the first step re-solves
    # the whole instance, from an empty matching, and proves its documented optimum.
    prob = build_problem(parse_instance(example_docs["tiny"]))
    out = improve(prob, {}, None, math.inf, seconds=30, workers=1, deadline=math.inf)
    assert out.proven
    assert out.score == objective_of(prob, out.solution) == OPTIMA["tiny"]


def test_two_workers_give_the_same_result_twice(example_docs):
    # small (150 requests) takes several neighbourhoods; the two lanes' results are merged
    # in a fixed order, so two runs agree solution for solution.
    prob = build_problem(parse_instance(example_docs["small"]))
    start = greedy(prob)
    runs = [improve(prob, start, None, math.inf, seconds=2, workers=2, deadline=math.inf)
            for _ in range(2)]
    assert runs[0].solution == runs[1].solution
    assert runs[0].score >= objective_of(prob, start)
    assert runs[0].improvements > 0


def test_neighbourhood_result_passes_the_checker_and_keeps_capacities(example_docs):
    instance = parse_instance(example_docs["small"])
    prob = build_problem(instance)
    out = improve(prob, greedy(prob), None, math.inf, seconds=3, workers=2,
                  deadline=math.inf)
    enc = prob.enc
    spent = np.zeros(enc.n_offers, dtype=np.int64)
    seats = np.zeros(enc.n_experts, dtype=np.int64)
    for r, (o, team) in out.solution.items():
        spent[o] += enc.r_budget[r]
        seats[list(team)] += 1
        assert len(team) == prob.needed[r]
    assert (spent <= enc.o_budget).all() and (seats <= enc.e_cap).all()


def test_funding_drops_the_least_worth_request_when_not_all_fit():
    # One offer of 100,000 and three requests of 40,000: two fit. The one dropped is the
    # least worth (priority 1), the two others are funded.
    instance = build(
        [req("R1", budget=40_000, priority=5, experts_needed=0),
         req("R2", budget=40_000, priority=1, experts_needed=0),
         req("R3", budget=40_000, priority=3, experts_needed=0)],
        [off("O1", budget=100_000, max_requests=5)], [],
    )
    prob = build_problem(instance, (), encode(instance))
    worth = {r: int(prob.values[r]) for r in range(3)}
    assert fund_by_local_search(prob, [0, 1, 2], None, 50) is None
    funded = fund_by_local_search(prob, [0, 1, 2], None, 50, worth=worth)
    assert funded == {0: 0, 2: 0}


def test_solver_matches_requests_the_lp_rounding_cannot_fund():
    # Not all four fit (210,000 asked, 205,000 offered, two requests per offer); the
    # optimum needs R2 and R3 together on O1 and R1 alone on O2.
    instance = build(
        [req("R1", budget=60_000, priority=5, experts_needed=0),
         req("R2", budget=50_000, priority=4, experts_needed=0),
         req("R3", budget=50_000, priority=4, experts_needed=0),
         req("R4", budget=50_000, priority=1, experts_needed=0)],
        [off("O1", budget=100_000, max_requests=2), off("O2", budget=105_000, max_requests=2)],
        [],
    )
    result = solve(instance, time_limit=10, workers=2)
    assert check(instance, result) == []
    assert result.status is Status.OPTIMAL
    # The best three leave out R4, the least valued: 3 x (100 + 6 x 2 + 5) + 10 x (5 + 4 + 4).
    assert result.score == 3 * 117 + 130
    assert {m.request for m in result.matches} == {"R1", "R2", "R3"}
