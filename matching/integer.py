"""Integer solutions: a greedy start, the LP-guided repair, and the exact CP-SAT search.

A solution is a dict: request index -> (offer index, tuple of expert indices).

- `greedy` is a fast fallback for when time runs out before the LP.
- `repair` takes the requests the LP matches, staffs them with the expert flow and funds
  them with a weighted min-conflicts local search started from the LP's rounding (the
  offers' knapsacks make this generalized assignment hard for CP-SAT and MIP search
  alike, while the local search typically needs a few hundred moves); if that fails, the
  worthiest are funded greedily and the neighbourhood search (`lns`) takes it from there.
  When the LP is integral in m and all are funded, the LP bound is reached and the result
  is proven optimal.
- `exact_search` closes any remaining gap: reduced-cost fixing against the Lagrangian
  bound L removes every column that no solution scoring at least the incumbent can use,
  and CP-SAT solves what is left. Any solution better than the incumbent survives the
  fixing, so CP-SAT's optimum there (or the incumbent) is the true optimum.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from matching.flow import assign_experts
from matching.problem import N_GROUPS, Problem
from matching.relaxation import Pricing, RelaxationResult
from matching.rules import fits

Solution = dict[int, tuple[int, tuple[int, ...]]]

# CP-SAT's deterministic time runs at very roughly one unit per second here; a budget in
# these units keeps results independent of machine load, the wall clock is a safety net.
_DTIME_PER_SECOND = 1.0
# Local-search effort for funding: restarts, and moves per restart (at least). Where the
# LP's rounding can be funded one of the first few restarts does it (the first on medium,
# the third on small); where it cannot, every restart is time lost.
_ATTEMPTS = 12
# The exact search is skipped when more columns than this survive reduced-cost fixing.
_MAX_SEARCH_COLUMNS = 400_000
_MIN_MOVES = 500
# While building the exact search's model, the clock is read every this many columns.
_CLOCK_EVERY = 5000
# In dropping mode, moves between two drops.
_DROP_EVERY = 25


def cp_parameters(seconds: float, workers: int, wall: float) -> cp_model.CpSolver:
    """A CP-SAT solver whose result depends only on the model and `seconds`.

    `wall` (seconds of wall clock left) is a safety net that binds only on a machine far
    slower than expected; then the result may depend on the load, but the time limit holds.
    """
    solver = cp_model.CpSolver()
    p = solver.parameters
    p.random_seed = 0
    # One worker is deterministic (interleaved multi-worker search aborted on some of
    # these models in OR-Tools 9.15); more workers trade determinism for speed.
    p.num_workers = workers
    # The full LP relaxation closes these models' gaps far faster than the default.
    p.linearization_level = 2
    p.max_deterministic_time = max(0.01, seconds * _DTIME_PER_SECOND)
    p.max_time_in_seconds = max(0.01, wall)
    return solver


def objective_of(prob: Problem, sol: Solution) -> int:
    """Score of a solution (for internal comparisons; `rules.score` is the reference)."""
    enc = prob.enc
    total = 0
    matched = np.zeros(N_GROUPS, dtype=np.int64)
    for r, (_o, team) in sol.items():
        total += int(prob.values[r])
        if team:
            total += int(fits(enc, np.array([r]), np.array(team)).sum())
        matched[enc.r_group[r]] += 1
    short = np.maximum(prob.floors - matched, 0).sum()
    return total - enc.instance.criteria.fairness_penalty * int(short)


def greedy(prob: Problem) -> Solution:
    """Requests by value, each with its first offer that still has room and best experts."""
    enc = prob.enc
    budget_left = enc.o_budget.copy()
    count_left = enc.o_max.copy()
    cap_left = enc.e_cap.copy()
    xs, ys = prob.x_slices(), prob.y_slices()
    sol: Solution = {}
    # Fixed matches first: they are not negotiable.
    for r, o in sorted(prob.fixed_offer.items()):
        team = prob.fixed_experts[r]
        sol[r] = (o, team)
        budget_left[o] -= enc.r_budget[r]
        count_left[o] -= 1
        cap_left[list(team)] -= 1
    order = np.lexsort((np.arange(prob.n_requests), -prob.values))
    for r in order.tolist():
        if not prob.candidate[r] or r in sol:
            continue
        offers = prob.x_o[xs[r]:xs[r + 1]]
        room = offers[(budget_left[offers] >= enc.r_budget[r]) & (count_left[offers] > 0)]
        if len(room) == 0:
            continue
        team: list[int] = []
        n = int(prob.needed[r])
        if n:
            seg = np.arange(ys[r], ys[r + 1])
            seg = seg[cap_left[prob.y_e[seg]] > 0]
            team = _greedy_team(prob, r, seg)
            if team is None:
                continue
        o = int(room[np.argmax(budget_left[room])])
        experts = tuple(int(prob.y_e[j]) for j in team)
        sol[r] = (o, experts)
        budget_left[o] -= enc.r_budget[r]
        count_left[o] -= 1
        cap_left[list(experts)] -= 1
    return sol


def _greedy_team(prob: Problem, r: int, seg: np.ndarray) -> list[int] | None:
    """Fittest n of `seg` (sorted by fit) spanning the required groups, or None."""
    n, k = int(prob.needed[r]), int(prob.groups_required[r])
    if len(seg) < n:
        return None
    groups = prob.y_group[seg]
    team: list[int] = []
    seen: set[int] = set()
    # One from each of the k best groups first, then the fittest of the rest.
    for i, g in enumerate(groups.tolist()):
        if len(seen) >= k:
            break
        if g not in seen:
            seen.add(g)
            team.append(int(seg[i]))
    if len(seen) < k:
        return None
    for j in seg.tolist():
        if len(team) >= n:
            break
        if j not in team:
            team.append(int(j))
    return team if len(team) == n else None


@dataclass
class RepairOutcome:
    """The repaired solution, and whether every request the LP matches is in it."""

    solution: Solution
    proven: bool


def repair(
    prob: Problem, lp: RelaxationResult, seconds: float, workers: int, deadline: float
) -> RepairOutcome:
    """Fund and staff the requests the LP matches; drop as few as the offers require."""
    chosen = [int(r) for r in np.nonzero(lp.m > 0.5)[0]]
    chosen = sorted(set(chosen) | set(prob.fixed_offer))
    teams, _ = assign_experts(prob, chosen)
    staffed = [r for r in chosen if prob.needed[r] == 0 or r in teams]
    staffed_set = set(staffed)
    # Non-flow-exact diversity (k > 2 and k < n) is only relaxed by the flow: drop
    # teams that miss it; the exact search can bring those requests back.
    for r in list(staffed):
        if prob.needed[r] > 0 and not prob.flow_exact[r]:
            groups = set(prob.y_group[teams[r]].tolist())
            if len(groups) < prob.groups_required[r]:
                staffed_set.discard(r)
    staffed = sorted(staffed_set)
    worth = {r: int(prob.values[r]) + int(prob.y_fit[teams[r]].sum()) if r in teams else
             int(prob.values[r]) for r in staffed}
    funded = fund_all(prob, staffed, lp.x, _ATTEMPTS, min(deadline, time.monotonic() + seconds))
    if funded is None:
        # Not all can be funded: drop the least worth until the rest is.
        moves = max(_MIN_MOVES, 2 * len(staffed))
        funded = fund_by_local_search(prob, staffed, lp.x, moves, 0,
                                      min(deadline, time.monotonic() + seconds), worth)
    if funded is None:
        funded = fund_greedy(prob, staffed, worth, lp.x)
    sol: Solution = {}
    for r, o in funded.items():
        team = tuple(int(prob.y_e[j]) for j in teams[r]) if r in teams else ()
        sol[r] = (o, team)
    # Requests dropped for lack of funds free experts; re-staff the rest for best fit.
    if len(sol) < len(staffed):
        teams2, _ = assign_experts(prob, list(sol))
        # A subset of a staffable set stays staffable; mix nothing if the flow says otherwise.
        if all(prob.needed[r] == 0 or r in teams2 for r in sol):
            for r in list(sol):
                if r in teams2:
                    sol[r] = (sol[r][0], tuple(int(prob.y_e[j]) for j in teams2[r]))
    return RepairOutcome(sol, len(sol) == len(staffed))


def fund_by_local_search(
    prob: Problem, requests: list[int], x_lp: np.ndarray | None, max_moves: int, seed: int = 0,
    deadline: float = math.inf, worth: dict[int, int] | None = None,
) -> dict[int, int] | None:
    """Give every request an offer within budgets and counts, or None if not found.

    Without an LP solution the start is each request's roomiest eligible offer. With
    `worth`, requests may be dropped: after `max_moves` moves without success, every
    `_DROP_EVERY` moves the least worth request of an overloaded offer leaves, until the
    rest is funded (so a subset is always returned).

    Weighted min-conflicts search (a "breakout" method): start from the LP's rounding,
    let offers be overloaded, and repeatedly move a request out of an overloaded offer to
    the eligible offer that most reduces the weighted overload; when no move helps, raise
    the weights of the overloaded offers. On the tight generalized-assignment problems
    this model produces, it funds every request the LP matches within a few hundred
    moves, where CP-SAT and MIP searches stall. Seeded, so deterministic.
    """
    enc = prob.enc
    rng = np.random.default_rng(seed)
    xs = prob.x_slices()
    budget = enc.r_budget.astype(np.int64)
    cap_b = enc.o_budget.astype(np.float64)
    cap_n = enc.o_max.astype(np.int64)
    used_b = np.zeros(enc.n_offers, dtype=np.float64)
    used_n = np.zeros(enc.n_offers, dtype=np.int64)
    members: list[set[int]] = [set() for _ in range(enc.n_offers)]
    eligible: dict[int, list[int]] = {}
    assign: dict[int, int] = {}
    for r in requests:
        seg = np.arange(xs[r], xs[r + 1])
        if r in prob.fixed_offer:
            eligible[r] = [prob.fixed_offer[r]]
        else:
            eligible[r] = prob.x_o[seg].tolist()
        if not eligible[r]:
            return None
        if r in prob.fixed_offer:
            o = prob.fixed_offer[r]
        else:
            pref = x_lp[seg] if x_lp is not None else (cap_b - used_b)[prob.x_o[seg]]
            o = int(prob.x_o[seg[np.argmax(pref)]])
        assign[r] = o
        members[o].add(r)
        used_b[o] += budget[r]
        used_n[o] += 1
    w_b = np.ones(enc.n_offers)
    w_n = np.ones(enc.n_offers)
    safe_b = np.maximum(cap_b, 1.0)

    def overload(o, db=0.0, dn=0):
        # Budget overload in tenths of the offer's budget, count overload in requests;
        # `o` may be an array of offers.
        ob = np.maximum(0.0, used_b[o] + db - cap_b[o]) * 10.0 / safe_b[o]
        on = np.maximum(0, used_n[o] + dn - cap_n[o])
        return w_b[o] * ob + w_n[o] * on

    elig_arr = {r: np.array(v, dtype=np.int64) for r, v in eligible.items()}
    tabu: dict[tuple[int, int], int] = {}
    total = max_moves if worth is None else max_moves + _DROP_EVERY * (len(requests) + 1)
    for move in range(total):
        over = np.nonzero((used_b > cap_b) | (used_n > cap_n))[0]
        if len(over) == 0:
            return assign
        if move % 64 == 63 and time.monotonic() > deadline:
            return None
        if worth is not None and move >= max_moves and (move - max_moves) % _DROP_EVERY == 0:
            movable = [q for o in over.tolist() for q in members[o] if q not in prob.fixed_offer]
            if movable:
                q = min(movable, key=lambda q: (worth[q], q))
                o = assign.pop(q)
                members[o].discard(q)
                used_b[o] -= budget[q]
                used_n[o] -= 1
                continue
        o = int(over[rng.integers(len(over))])
        before = float(overload(o))
        best, best_delta = None, math.inf
        for q in sorted(members[o]):
            if q in prob.fixed_offer:
                continue
            gain = float(overload(o, -budget[q], -1)) - before
            o2s = elig_arr[q]
            delta = gain + overload(o2s, budget[q], 1) - overload(o2s)
            delta = delta + rng.random(len(o2s)) * 1e-9
            delta[o2s == o] = math.inf
            for k in np.argsort(delta, kind="stable").tolist():
                if delta[k] >= best_delta or not np.isfinite(delta[k]):
                    break
                if tabu.get((q, int(o2s[k])), -1) <= move:
                    best, best_delta = (q, int(o2s[k])), float(delta[k])
                    break
        if best is None:
            continue
        q, o2 = best
        members[o].discard(q)
        members[o2].add(q)
        used_b[o] -= budget[q]
        used_n[o] -= 1
        used_b[o2] += budget[q]
        used_n[o2] += 1
        assign[q] = o2
        tabu[(q, o)] = move + 7 + int(rng.integers(10))
        if best_delta >= 0:
            # A local minimum: make the offers still overloaded weigh more.
            w_b[over[used_b[over] > cap_b[over]]] += 0.5
            w_n[over[used_n[over] > cap_n[over]]] += 0.5
    return None


def fund_all(
    prob: Problem, requests: list[int], x_lp: np.ndarray | None, attempts: int, deadline: float
) -> dict[int, int] | None:
    """Seeded restarts of the local search (it is heavy-tailed: many short runs win)."""
    moves = max(_MIN_MOVES, 2 * len(requests))
    for seed in range(attempts):
        funded = fund_by_local_search(prob, requests, x_lp, moves, seed, deadline)
        if funded is not None or time.monotonic() > deadline:
            return funded
    return None


def fund_greedy(
    prob: Problem, requests: list[int], worth: dict[int, int], x_lp: np.ndarray
) -> dict[int, int]:
    """Fund as many as fit, worthiest first, each on its largest LP share with room.

    The fallback when the local search cannot fund every request the LP matches (the LP
    has an integrality gap there): a quick, deterministic start that the neighbourhood
    search (`lns`) then improves.
    """
    enc = prob.enc
    xs = prob.x_slices()
    left_b = enc.o_budget.astype(np.int64).copy()
    left_n = enc.o_max.astype(np.int64).copy()
    out: dict[int, int] = {}
    order = sorted(requests, key=lambda r: (r not in prob.fixed_offer, -worth[r], r))
    for r in order:
        seg = np.arange(xs[r], xs[r + 1])
        offers = prob.x_o[seg]
        room = (left_b[offers] >= enc.r_budget[r]) & (left_n[offers] > 0)
        if r in prob.fixed_offer:
            room &= offers == prob.fixed_offer[r]
        if not room.any():
            continue
        # Largest LP share first, then the most budget left.
        pref = np.lexsort((-left_b[offers], -x_lp[seg]))
        o = int(next(offers[k] for k in pref.tolist() if room[k]))
        out[r] = o
        left_b[o] -= int(enc.r_budget[r])
        left_n[o] -= 1
    return out


@dataclass
class SearchOutcome:
    """Result of the exact search."""

    solution: Solution | None
    proven: bool
    bound: float


def exact_search(
    prob: Problem,
    pricing: Pricing,
    lagrangian_bound: float,
    incumbent: Solution,
    incumbent_score: int,
    seconds: float,
    workers: int,
    deadline: float,
    on_solution: Callable[[int, float], None] | None = None,
) -> SearchOutcome:
    """CP-SAT on the columns that survive reduced-cost fixing against the incumbent."""
    enc = prob.enc
    # Any solution scoring >= incumbent loses at most `slack` against the relaxation.
    slack = lagrangian_bound - incumbent_score + 1e-6 * max(1.0, abs(lagrangian_bound))
    req_loss = pricing.request_loss(prob)
    stay_loss = pricing.unmatch_loss(prob)
    x_keep = pricing.x_loss(prob) <= slack
    y_keep = pricing.y_loss(prob) <= slack
    # The incumbent's own columns always survive (its total loss is within the slack).
    xs, ys = prob.x_slices(), prob.y_slices()
    for r, (o, team) in incumbent.items():
        seg = np.arange(xs[r], xs[r + 1])
        x_keep[seg[prob.x_o[seg] == o]] = True
        if team:
            seg = np.arange(ys[r], ys[r + 1])
            y_keep[seg[np.isin(prob.y_e[seg], team)]] = True
    if int(x_keep.sum()) + int(y_keep.sum()) > _MAX_SEARCH_COLUMNS:
        # Too big to build in Python within any sensible limit: keep the bound as it is.
        return SearchOutcome(None, False, lagrangian_bound)
    may = prob.candidate & (req_loss <= slack)
    must = stay_loss > slack
    for r in incumbent:
        may[r] = True
    model = cp_model.CpModel()
    m: dict[int, cp_model.IntVar] = {}
    for r in np.nonzero(may)[0].tolist():
        m[r] = model.new_bool_var("")
        if must[r] or r in prob.fixed_offer:
            model.add(m[r] == 1)
    x_vars: dict[int, list] = {r: [] for r in m}
    by_offer: dict[int, list] = {}
    for n_built, j in enumerate(np.nonzero(x_keep)[0].tolist()):
        if n_built % _CLOCK_EVERY == 0 and time.monotonic() >= deadline:
            return SearchOutcome(None, False, lagrangian_bound)
        r = int(prob.x_r[j])
        if r not in m:
            continue
        v = model.new_bool_var("")
        o = int(prob.x_o[j])
        x_vars[r].append((o, v))
        by_offer.setdefault(o, []).append((r, v))
    y_vars: dict[int, list] = {r: [] for r in m}
    by_expert: dict[int, list] = {}
    for n_built, j in enumerate(np.nonzero(y_keep)[0].tolist()):
        # Building a large model takes seconds in Python: stop at the deadline.
        if n_built % _CLOCK_EVERY == 0 and time.monotonic() >= deadline:
            return SearchOutcome(None, False, lagrangian_bound)
        r = int(prob.y_r[j])
        if r not in m:
            continue
        v = model.new_bool_var("")
        e = int(prob.y_e[j])
        y_vars[r].append((j, v))
        by_expert.setdefault(e, []).append(v)
    for i, (r, mv) in enumerate(m.items()):
        if i % 100 == 0 and time.monotonic() >= deadline:
            return SearchOutcome(None, False, lagrangian_bound)
        model.add(sum(v for _, v in x_vars[r]) == mv)
        n = int(prob.needed[r])
        if n == 0:
            continue
        add_team_rules(model, prob, r, mv, y_vars[r])
    for o, items in sorted(by_offer.items()):
        model.add(sum(int(enc.r_budget[r]) * v for r, v in items) <= int(enc.o_budget[o]))
        model.add(sum(v for _, v in items) <= int(enc.o_max[o]))
    for e, vs in sorted(by_expert.items()):
        if len(vs) > enc.e_cap[e]:
            model.add(sum(vs) <= int(enc.e_cap[e]))
    penalty = enc.instance.criteria.fairness_penalty
    shortfall = []
    for g in range(N_GROUPS):
        if prob.floors[g] == 0:
            continue
        members = [mv for r, mv in m.items() if enc.r_group[r] == g]
        s = model.new_int_var(0, int(prob.floors[g]), "")
        model.add(s >= int(prob.floors[g]) - sum(members))
        shortfall.append(s)
    objective = (
        sum(int(prob.values[r]) * mv for r, mv in m.items())
        + sum(int(prob.y_fit[j]) * v for r in m for j, v in y_vars[r])
        - penalty * sum(shortfall)
    )
    model.maximize(objective)
    # Only strictly better solutions are of interest: if none exists, the incumbent is optimal.
    model.add(objective >= incumbent_score + 1)
    # Hint the incumbent.
    if time.monotonic() >= deadline:
        return SearchOutcome(None, False, lagrangian_bound)
    for r, mv in m.items():
        inc = incumbent.get(r)
        model.add_hint(mv, inc is not None)
        for o, v in x_vars[r]:
            model.add_hint(v, inc is not None and inc[0] == o)
        team = set(inc[1]) if inc else set()
        for j, v in y_vars[r]:
            model.add_hint(v, int(prob.y_e[j]) in team)

    if time.monotonic() >= deadline:
        return SearchOutcome(None, False, lagrangian_bound)
    solver = cp_parameters(seconds, workers, deadline_left(deadline))

    class _Cb(cp_model.CpSolverSolutionCallback):
        def on_solution_callback(self) -> None:
            if on_solution is not None:
                on_solution(round(self.objective_value), self.best_objective_bound)

    status = solver.solve(model, _Cb())
    if status == cp_model.INFEASIBLE:
        return SearchOutcome(None, True, float(incumbent_score))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return SearchOutcome(None, False, lagrangian_bound)
    sol: Solution = {}
    for r, mv in m.items():
        if not solver.boolean_value(mv):
            continue
        o = next(o for o, v in x_vars[r] if solver.boolean_value(v))
        team = tuple(sorted(int(prob.y_e[j]) for j, v in y_vars[r] if solver.boolean_value(v)))
        sol[r] = (o, team)
    bound = min(lagrangian_bound, solver.best_objective_bound)
    return SearchOutcome(sol, status == cp_model.OPTIMAL, bound)


def add_team_rules(model: cp_model.CpModel, prob: Problem, r: int, mv, ys_r: list) -> None:
    """Request r's team in a CP-SAT model: n experts when matched (`mv`), from enough
    regional groups. `ys_r` holds (y-pair index, Boolean) of its expert columns."""
    n = int(prob.needed[r])
    model.add(sum(v for _, v in ys_r) == n * mv)
    k = int(prob.groups_required[r])
    if k < 2:
        return
    per_group: dict[int, list] = {}
    for j, v in ys_r:
        per_group.setdefault(int(prob.y_group[j]), []).append(v)
    cap = int(prob.group_cap[r])
    present = []
    for g in sorted(per_group):
        vs = per_group[g]
        model.add(sum(vs) <= cap)
        if not prob.flow_exact[r]:
            # z_g: group g is on the team; at least k such groups.
            z = model.new_bool_var("")
            model.add(sum(vs) >= 1).only_enforce_if(z)
            present.append(z)
    if present:
        model.add(sum(present) >= k * mv)


def deadline_left(deadline: float) -> float:
    """Seconds until `deadline` (monotonic clock), never negative."""
    return max(0.0, deadline - time.monotonic())

