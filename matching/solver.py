"""`solve`: instance in, result out, within a time limit.

The run, phase by phase (each phase reports progress):

1. rules: every eligibility rule on every pair (numpy), candidates and pairs (`problem`);
2. bound and greedy: an upper bound with the offers relaxed (every candidate's value plus
   the fittest expert flow, `flow`), and a first feasible solution;
3. LP: column generation on the team/offer master with GLOP; its Lagrangian bound is a
   valid upper bound at every round (`relaxation`);
4. repair: as soon as the LP's own solution scores the best bound, its matched requests
   are staffed by min-cost flow and funded by local search (`integer.repair`); reaching
   the bound proves optimality and ends the run;
5. neighbourhoods: otherwise large-neighbourhood search around the incumbent, CP-SAT
   re-solving the requests of one offer, one theme, one regional group, a few experts'
   requests at a time, within the columns reduced-cost fixing leaves (`lns`); the LP
   rounding is often unfundable when the LP has an integrality gap, and this is where
   the score is then made;
6. search: CP-SAT on the columns left by reduced-cost fixing, which contain every
   solution better than the incumbent (`integer.exact_search`), for the proof.

Budgets are fractions of the time limit, and CP-SAT runs on deterministic time with a
fixed seed, so the same instance and options give the same result whatever the load;
the wall clock only cuts a phase short when the machine is far slower than expected.
With `workers=2` the neighbourhood search solves two neighbourhoods at once and merges
them in a fixed order, so the result is still the same for the same instance and options.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from matching import rules
from matching.encode import encode
from matching.explain import explain_match, explain_unmatched
from matching.flow import assign_experts
from matching.instance import FixedMatch, Instance
from matching.integer import (
    Solution,
    exact_search,
    greedy,
    objective_of,
    repair,
)
from matching.lns import improve
from matching.problem import Problem, build_problem
from matching.relaxation import Duals, RelaxationResult, lagrangian, solve_relaxation
from matching.result import GroupRow, Match, Result, Status, Unmatched

# Share of the time limit each phase may use at most (the rest is slack for output).
_LP_SHARE = 0.55
_REPAIR_SHARE = 0.15
_LNS_SHARE = 0.5
# Of the time left after the repair, the neighbourhoods may use this share; the exact
# search gets the rest. On small models (few eligible pairs) the exact search can close
# the gap and gets more.
_LNS_WALL_SHARE = 0.75
_LNS_WALL_SHARE_SMALL = 0.4
_SMALL_PAIRS = 20_000
_SEARCH_SHARE = 0.6
# Kept free at the end for explanations and the result file.
_OUTPUT_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report: the phase, seconds so far, best score and best proven bound."""

    phase: str
    seconds: float
    score: int | None
    bound: int | None


ProgressCallback = Callable[[Progress], None]


def _int_bound(value: float) -> int:
    # The Lagrangian bound is exact up to float summation (~1e-7 here); scores are integers.
    return math.floor(value + 1e-6 * max(1.0, abs(value)))


def solve(
    instance: Instance,
    *,
    time_limit: float = 60.0,
    fixed: Sequence[FixedMatch] = (),
    progress: ProgressCallback | None = None,
    workers: int = 1,
) -> Result:
    """Best matching of `instance` found within `time_limit` seconds.

    `fixed` matches (from earlier approved runs) are kept as given; an unknown id or a
    fixed match breaking a rule raises `InstanceError`. `progress` receives a `Progress`
    after each phase and each improvement. `workers` > 1 lets CP-SAT search in parallel,
    at the price of determinism.
    """
    start = time.monotonic()
    deadline = start + max(0.1, time_limit)
    stats: dict = {}

    def elapsed() -> float:
        return time.monotonic() - start

    best: Solution = {}
    best_score = 0
    bound = 0

    def report(phase: str) -> None:
        if progress is not None:
            progress(Progress(phase, elapsed(), best_score, bound))

    enc = encode(instance)
    prob = build_problem(instance, fixed, enc)
    stats["rules_s"] = elapsed()
    stats["offer_pairs"] = len(prob.x_r)
    stats["expert_pairs"] = len(prob.y_r)
    zero = Duals(
        c=np.zeros(enc.n_experts), k=np.zeros(enc.n_offers), n=np.zeros(enc.n_offers),
        f=np.zeros(len(prob.floors)),
    )
    bound = min(_int_bound(lagrangian(prob, zero).bound), _offers_relaxed_bound(prob))
    best = greedy(prob)
    best_score = objective_of(prob, best)
    stats["greedy_score"] = best_score
    report("greedy")

    def consider(sol: Solution | None, phase: str) -> None:
        nonlocal best, best_score
        if sol is None:
            return
        score = objective_of(prob, sol)
        if score > best_score or (score == best_score and phase == "repair"):
            best, best_score = sol, score
        report(phase)

    def consider_score(score: int, phase: str) -> None:
        # Progress only: the solution itself is taken when the phase returns.
        if progress is not None:
            progress(Progress(phase, elapsed(), max(score, best_score), bound))

    def on_round(res: RelaxationResult) -> None:
        nonlocal bound
        bound = min(bound, _int_bound(res.bound))
        report("lp")

    def early_repair(res: RelaxationResult) -> bool:
        # Once the LP's own solution scores the best bound known, its rounding may too:
        # try it now rather than after the LP's bound has converged.
        if _int_bound(res.objective) >= bound > best_score:
            out = repair(prob, res, _budget(deadline, _REPAIR_SHARE * time_limit), 1, deadline)
            consider(out.solution, "repair")
        return best_score >= bound

    lp_deadline = min(deadline, start + _LP_SHARE * time_limit)
    lp = None
    if best_score < bound:
        lp = solve_relaxation(prob, lp_deadline, on_round=on_round, stop=early_repair)
    stats["lp_s"] = elapsed()
    if lp is not None:
        stats["lp_rounds"] = lp.rounds
        stats["lp_objective"] = lp.objective
        bound = min(bound, _int_bound(lp.bound))
        if best_score < bound:
            out = repair(prob, lp, _budget(deadline, _REPAIR_SHARE * time_limit), 1, deadline)
            consider(out.solution, "repair")
        stats["repair_s"] = elapsed()
        stats["repair_score"] = best_score
    if best_score < bound and time.monotonic() < deadline:
        # Without an LP (it did not finish in time) the search starts from the greedy
        # solution and frees neighbourhoods without reduced-cost fixing.
        # Part of the time left stays for the exact search, which may prove what the
        # neighbourhoods found (on a loaded machine the budget's wall clock runs out first).
        end = deadline - _OUTPUT_SHARE * time_limit
        now = time.monotonic()
        small = len(prob.x_r) + len(prob.y_r) <= _SMALL_PAIRS
        share = _LNS_WALL_SHARE_SMALL if small else _LNS_WALL_SHARE
        out = improve(
            prob, best, lp.pricing if lp else None, lp.bound if lp else math.inf,
            _LNS_SHARE * time_limit, workers, now + share * max(0.0, end - now),
            on_solution=lambda score: consider_score(score, "neighbourhoods"),
        )
        consider(out.solution, "neighbourhoods")
        if out.proven:
            bound = min(bound, best_score)
        stats["lns_s"] = elapsed()
        stats["lns_score"] = best_score
        stats["lns_steps"] = out.steps
        stats["lns_improvements"] = out.improvements
    if lp is not None and best_score < bound and time.monotonic() < deadline:
        seconds = _SEARCH_SHARE * time_limit

        def on_solution(score: int, cp_bound: float) -> None:
            nonlocal best_score
            if score > best_score:
                best_score = score
            report("search")

        found = exact_search(
            prob, lp.pricing, lp.bound, best, best_score, seconds, 1,
            deadline - _OUTPUT_SHARE * time_limit, on_solution,
        )
        if found.solution is not None:
            score = objective_of(prob, found.solution)
            if score >= best_score:
                best, best_score = found.solution, score
        best_score = objective_of(prob, best)
        proven_bound = best_score if found.proven else _int_bound(found.bound)
        bound = min(bound, max(best_score, proven_bound))
        stats["search_s"] = elapsed()
        stats["search_score"] = best_score
    bound = max(bound, best_score)
    status = Status.OPTIMAL if best_score >= bound else Status.FEASIBLE
    report("done")
    result = _build_result(prob, best, status, bound, elapsed(), stats)
    return result


def _offers_relaxed_bound(prob: Problem) -> int:
    """Upper bound with the offers ignored: every candidate's value, the fittest expert
    flow (seats may stay empty) and the shortfall no matching can avoid."""
    cands = np.nonzero(prob.candidate)[0]
    _, fit = assign_experts(prob, cands, optional=True)
    enc = prob.enc
    reachable = np.bincount(enc.r_group[cands], minlength=len(prob.floors))
    unavoidable = np.maximum(prob.floors - reachable, 0).sum()
    penalty = enc.instance.criteria.fairness_penalty * int(unavoidable)
    return int(np.maximum(prob.values[cands], 0).sum()) + fit - penalty


def _budget(deadline: float, share: float) -> float:
    """A phase's budget: its share of the limit, but never past the deadline."""
    return max(0.05, min(share, deadline - time.monotonic()))


def _build_result(
    prob: Problem, sol: Solution, status: Status, bound: int, seconds: float, stats: dict
) -> Result:
    enc = prob.enc
    inst = enc.instance
    order = sorted(sol)
    matches = []
    for r in order:
        o, team = sol[r]
        rid = inst.requests[r].id
        experts = tuple(inst.experts[e].id for e in sorted(team))
        matches.append((rid, inst.offers[o].id, experts))
    parts = rules.score(enc, [(rid, experts) for rid, _, experts in matches])
    tallies = rules.group_tallies(inst, [rid for rid, _, _ in matches])
    out_matches = []
    for r, (rid, oid, experts) in zip(order, matches, strict=True):
        value = rules.request_value(inst.criteria, inst.as_of, inst.requests[r])
        fit = rules.fit_of(enc, r, [inst.expert_index[e] for e in experts])
        out_matches.append(
            Match(rid, oid, experts, value, fit, explain_match(prob, sol, r))
        )
    unmatched = []
    for r in range(prob.n_requests):
        if r not in sol:
            reasons = explain_unmatched(prob, sol, r, status)
            unmatched.append(Unmatched(inst.requests[r].id, tuple(x.text for x in reasons),
                                       tuple(x.cause for x in reasons)))
    groups = {
        g: GroupRow(t.requests, t.matched, t.floor, t.shortfall) for g, t in tallies.items()
    }
    return Result(
        status=status,
        score=parts.total,
        bound=max(bound, parts.total),
        seconds=seconds,
        matches=tuple(out_matches),
        unmatched=tuple(unmatched),
        groups=groups,
        stats=stats,
    )
