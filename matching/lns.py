"""Large-neighbourhood search around the incumbent: CP-SAT re-solves a few requests at a time.

Each step frees a neighbourhood of requests (the requests one offer funds or could fund,
the requests of one theme, of one regional group, the requests around a few experts, or
a random set), keeps every other request as the incumbent has it, and lets CP-SAT
re-match the free ones within the capacity the others leave. A better sub-solution is a
better solution of the whole instance.

The search stays exact in what it may use: reduced-cost fixing against the Lagrangian
bound (`relaxation.Pricing`) removes every column no solution better than the incumbent
can use, and the slack shrinks with each improvement. A neighbourhood holding every
request that may still be matched is the whole reduced problem: solving it to optimality
proves the incumbent optimal.

Deterministic: neighbourhoods come from a seeded generator, every CP-SAT call has one
worker, a fixed seed and a deterministic-time limit, and the loop's budget is counted in
deterministic time plus a fixed cost per variable built, never in wall-clock seconds
(the wall clock only cuts the loop short on a machine far slower than expected). With two
workers, two neighbourhoods are solved at once, in two threads, and merged in a fixed
order, so the result still depends only on the instance and the options.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from matching.integer import Solution, add_team_rules, cp_parameters, objective_of
from matching.problem import N_GROUPS, Problem
from matching.relaxation import Pricing

# Estimated cost of building one CP-SAT variable in Python, in seconds of budget.
_BUILD_COST = 2e-5
# Deterministic time of one neighbourhood solve.
_STEP_DTIME = 0.6
# Neighbourhood sizes (requests), adapted: larger after a solve proven optimal in time.
_SIZE_START, _SIZE_MIN, _SIZE_MAX = 40, 12, 600
# Above this many expert pairs their reduced-cost fixing is skipped (memory).
_Y_PRICED_MAX = 5_000_000
_KINDS = ("offer", "expert", "theme", "group", "random")
# The search stops after this many neighbourhoods in a row without improvement: the
# exact search (`integer.exact_search`) then gets the rest of the time to prove.
_STALL_STEPS = 20


@dataclass
class Columns:
    """The columns that survive reduced-cost fixing (all of them without a relaxation)."""

    x_loss: np.ndarray
    y_loss: np.ndarray
    req_loss: np.ndarray
    stay_loss: np.ndarray
    bound: float

    @classmethod
    def of(cls, prob: Problem, pricing: Pricing | None, bound: float) -> Columns:
        if pricing is None:
            return cls(np.zeros(len(prob.x_r)), np.zeros(len(prob.y_r)),
                       np.zeros(prob.n_requests), np.zeros(prob.n_requests), np.inf)
        # Pricing every expert pair sorts them all: past a few million pairs that costs
        # more memory than it saves, and the expert columns are all kept.
        y_loss = (pricing.y_loss(prob) if len(prob.y_r) <= _Y_PRICED_MAX
                  else np.zeros(len(prob.y_r), dtype=np.float32))
        return cls(pricing.x_loss(prob), y_loss, pricing.request_loss(prob),
                   pricing.unmatch_loss(prob), bound)

    def slack(self, score: int) -> float:
        return self.bound - score + 1e-6 * max(1.0, abs(self.bound))


@dataclass
class LnsOutcome:
    solution: Solution
    score: int
    proven: bool
    steps: int
    improvements: int


class _State:
    """The incumbent with its capacity use, for building sub-models quickly."""

    def __init__(self, prob: Problem, sol: Solution):
        self.prob = prob
        enc = prob.enc
        self.sol = dict(sol)
        self.score = objective_of(prob, sol)
        self.xs, self.ys = prob.x_slices(), prob.y_slices()
        self.used_b = np.zeros(enc.n_offers, dtype=np.int64)
        self.used_n = np.zeros(enc.n_offers, dtype=np.int64)
        self.used_e = np.zeros(enc.n_experts, dtype=np.int64)
        self.matched_g = np.zeros(N_GROUPS, dtype=np.int64)
        for r, (o, team) in sol.items():
            self._add(r, o, team, 1)

    def _add(self, r: int, o: int, team, sign: int) -> None:
        enc = self.prob.enc
        self.used_b[o] += sign * int(enc.r_budget[r])
        self.used_n[o] += sign
        if team:
            self.used_e[list(team)] += sign
        self.matched_g[enc.r_group[r]] += sign

    def replace(self, free: list[int], new: Solution) -> None:
        for r in free:
            if r in self.sol:
                o, team = self.sol.pop(r)
                self._add(r, o, team, -1)
        for r, (o, team) in new.items():
            self.sol[r] = (o, team)
            self._add(r, o, team, 1)
        self.score = objective_of(self.prob, self.sol)


@dataclass
class _Sub:
    """A built neighbourhood model."""

    free: list[int]
    model: cp_model.CpModel
    m: dict
    x_vars: dict
    y_vars: dict
    base: int  # the incumbent's objective restricted to the free requests
    n_vars: int
    whole: bool  # the neighbourhood holds every request that may be matched


def _build(prob: Problem, st: _State, free: list[int], cols: Columns, whole: bool) -> _Sub:
    """CP-SAT model of the free requests, the others fixed as in the incumbent."""
    enc = prob.enc
    slack = cols.slack(st.score)
    xs, ys = st.xs, st.ys
    # Capacity left by the fixed requests.
    left_b = enc.o_budget.astype(np.int64) - st.used_b
    left_n = enc.o_max.astype(np.int64) - st.used_n
    left_e = enc.e_cap.astype(np.int64) - st.used_e
    matched_g = st.matched_g.copy()
    for r in free:
        if r in st.sol:
            o, team = st.sol[r]
            left_b[o] += int(enc.r_budget[r])
            left_n[o] += 1
            if team:
                left_e[list(team)] += 1
            matched_g[enc.r_group[r]] -= 1
    model = cp_model.CpModel()
    m, x_vars, y_vars = {}, {}, {}
    by_offer: dict[int, list] = {}
    by_expert: dict[int, list] = {}
    n_vars = 0
    for r in free:
        inc = st.sol.get(r)
        mv = model.new_bool_var("")
        m[r] = mv
        if r in prob.fixed_offer or cols.stay_loss[r] > slack:
            model.add(mv == 1)
        seg = np.arange(xs[r], xs[r + 1])
        ok = (cols.x_loss[seg] <= slack) & (enc.r_budget[r] <= left_b[prob.x_o[seg]]) & (
            left_n[prob.x_o[seg]] > 0)
        if inc is not None:
            ok |= prob.x_o[seg] == inc[0]
        xv = []
        for j in seg[ok].tolist():
            o = int(prob.x_o[j])
            v = model.new_bool_var("")
            xv.append((o, v))
            by_offer.setdefault(o, []).append((r, v))
        x_vars[r] = xv
        model.add(sum(v for _, v in xv) == mv)
        n = int(prob.needed[r])
        yv = []
        if n:
            seg = np.arange(ys[r], ys[r + 1])
            ok = (cols.y_loss[seg] <= slack) & (left_e[prob.y_e[seg]] > 0)
            if inc is not None and inc[1]:
                ok |= np.isin(prob.y_e[seg], inc[1])
            for j in seg[ok].tolist():
                v = model.new_bool_var("")
                yv.append((j, v))
                by_expert.setdefault(int(prob.y_e[j]), []).append(v)
            add_team_rules(model, prob, r, mv, yv)
        y_vars[r] = yv
        if not xv or (n and len(yv) < n):
            model.add(mv == 0)
        n_vars += 1 + len(xv) + len(yv)
    for o, items in sorted(by_offer.items()):
        if sum(int(enc.r_budget[r]) for r, _ in items) > left_b[o]:
            model.add(sum(int(enc.r_budget[r]) * v for r, v in items) <= int(left_b[o]))
        if len(items) > left_n[o]:
            model.add(sum(v for _, v in items) <= int(left_n[o]))
    for e, vs in sorted(by_expert.items()):
        if len(vs) > left_e[e]:
            model.add(sum(vs) <= int(left_e[e]))
    penalty = enc.instance.criteria.fairness_penalty
    shortfall = []
    short_base = 0
    for g in range(N_GROUPS):
        fl = int(prob.floors[g]) - int(matched_g[g])
        members = [mv for r, mv in m.items() if enc.r_group[r] == g]
        if fl <= 0:
            continue
        s = model.new_int_var(0, fl, "")
        model.add(s >= fl - sum(members))
        shortfall.append(s)
        inc_members = sum(1 for r in free if r in st.sol and enc.r_group[r] == g)
        short_base += max(0, fl - inc_members)
    objective = (
        sum(int(prob.values[r]) * mv for r, mv in m.items())
        + sum(int(prob.y_fit[j]) * v for r in free for j, v in y_vars[r])
        - penalty * sum(shortfall)
    )
    model.maximize(objective)
    base = -penalty * short_base
    for r in free:
        inc = st.sol.get(r)
        model.add_hint(m[r], inc is not None)
        team = set(inc[1]) if inc else set()
        if inc is not None:
            ys_r = {int(prob.y_e[j]): j for j, _ in y_vars[r]}
            base += int(prob.values[r]) + sum(int(prob.y_fit[ys_r[e]]) for e in team if e in ys_r)
        for o, v in x_vars[r]:
            model.add_hint(v, inc is not None and inc[0] == o)
        for j, v in y_vars[r]:
            model.add_hint(v, int(prob.y_e[j]) in team)
    return _Sub(free, model, m, x_vars, y_vars, base, n_vars, whole)


def _read(prob: Problem, sub: _Sub, solver: cp_model.CpSolver) -> Solution:
    new: Solution = {}
    for r, mv in sub.m.items():
        if solver.boolean_value(mv):
            o = next(o for o, v in sub.x_vars[r] if solver.boolean_value(v))
            team = tuple(sorted(int(prob.y_e[j]) for j, v in sub.y_vars[r]
                                if solver.boolean_value(v)))
            new[r] = (o, team)
    return new


@dataclass
class _Step:
    sub: _Sub
    status: int
    value: float
    dtime: float
    new: Solution | None


def _solve(prob: Problem, sub: _Sub, dtime: float, wall: float) -> _Step:
    solver = cp_parameters(dtime, 1, wall)
    # Small models: the default linearisation is faster per step than the full one.
    solver.parameters.linearization_level = 1
    status = solver.solve(sub.model)
    new = None
    value = -np.inf
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        value = solver.objective_value
        new = _read(prob, sub, solver)
    return _Step(sub, status, value, solver.deterministic_time, new)


class _Neighbourhoods:
    """Seeded choice of the requests to free."""

    def __init__(self, prob: Problem, seed: int):
        self.prob = prob
        self.rng = np.random.default_rng(seed)
        enc = prob.enc
        self.cands = np.nonzero(prob.candidate)[0]
        order = np.argsort(prob.x_o, kind="stable")
        self.x_by_offer = np.split(prob.x_r[order], np.searchsorted(
            prob.x_o[order], np.arange(1, enc.n_offers)))
        order = np.argsort(prob.y_e, kind="stable")
        self.y_by_expert = np.split(prob.y_r[order], np.searchsorted(
            prob.y_e[order], np.arange(1, enc.n_experts)))
        self.themes = enc.r_themes
        self.xs, self.ys = prob.x_slices(), prob.y_slices()
        self.kind = 0

    def pick(self, st: _State, may: np.ndarray, size: int) -> list[int]:
        prob, rng = self.prob, self.rng
        pool = np.nonzero(may)[0]
        if len(pool) <= size:
            return pool.tolist()
        kind = _KINDS[self.kind % len(_KINDS)]
        self.kind += 1
        core: list[int] = []
        # Most neighbourhoods grow around a request left out that may still be matched:
        # freeing what competes with it is how it gets in.
        out = pool[~np.isin(pool, list(st.sol))] if st.sol else pool
        r0 = int((out if len(out) else pool)[rng.integers(len(out) if len(out) else len(pool))])
        if kind == "offer":
            xs = self.xs
            mine = prob.x_o[xs[r0]:xs[r0 + 1]]
            o = int(mine[rng.integers(len(mine))]) if len(mine) else int(
                rng.integers(prob.enc.n_offers))
            near = self.x_by_offer[o]
            # Widen with the offers of a few of those requests, so that moves between
            # offers are possible.
            picks = rng.choice(near, size=min(3, len(near)), replace=False) if len(near) else []
            others = [prob.x_o[xs[r]:xs[r + 1]] for r in picks]
            offers = np.unique(np.concatenate([[o], *others])).astype(np.int64)
            rs = np.unique(np.concatenate([self.x_by_offer[q] for q in offers]))
            # What those offers fund now comes first: their knapsacks get repacked.
            chosen = set(offers.tolist())
            core = [r for r, (q, _) in st.sol.items() if q in chosen]
        elif kind == "expert":
            ys = self.ys
            experts = prob.y_e[ys[r0]:ys[r0 + 1]][:30]
            rs = np.unique(np.concatenate([[r0], *[self.y_by_expert[e] for e in experts]]))
            chosen = set(experts.tolist())
            core = [r for r, (_, team) in st.sol.items() if chosen.intersection(team)]
        elif kind == "theme":
            shared = (self.themes[pool] & self.themes[r0]).any(axis=1)
            rs = pool[shared]
        elif kind == "group":
            rs = pool[prob.enc.r_group[pool] == prob.enc.r_group[r0]]
        else:
            rs = pool
        core = np.array(sorted(core), dtype=np.int64)
        core = core[may[core] & (core != r0)]
        if len(core) > size - 1:
            core = rng.choice(core, size=size - 1, replace=False)
        rs = rs[may[rs] & (rs != r0) & ~np.isin(rs, core)]
        room = size - 1 - len(core)
        if len(rs) > room:
            rs = rng.choice(rs, size=room, replace=False)
        rs = np.concatenate([core, rs, [r0]]).astype(np.int64)
        if len(rs) < size:
            rest = np.setdiff1d(pool, rs)
            extra = rng.choice(rest, size=min(len(rest), size - len(rs)), replace=False)
            rs = np.concatenate([rs, extra])
        return sorted(int(r) for r in rs)


def improve(
    prob: Problem,
    incumbent: Solution,
    pricing: Pricing | None,
    bound: float,
    seconds: float,
    workers: int,
    deadline: float,
    on_solution: Callable[[int], None] | None = None,
    seed: int = 0,
) -> LnsOutcome:
    """Improve `incumbent` for a budget of `seconds` (deterministic units, see the module),
    or until `_STALL_STEPS` neighbourhoods in a row bring nothing."""
    cols = Columns.of(prob, pricing, bound)
    st = _State(prob, incumbent)
    hoods = _Neighbourhoods(prob, seed)
    size = _SIZE_START
    spent = 0.0
    steps = improvements = since_last = 0
    lanes = max(1, min(2, workers))
    pool = ThreadPoolExecutor(lanes) if lanes > 1 else None
    try:
        while spent < seconds and since_last < _STALL_STEPS and time.monotonic() < deadline:
            slack = cols.slack(st.score)
            if slack < 1.0:
                return LnsOutcome(st.sol, st.score, True, steps, improvements)
            may = prob.candidate & (cols.req_loss <= slack)
            if st.sol:
                may[list(st.sol)] = True
            n_may = int(may.sum())
            subs = []
            taken: set[int] = set()
            for _ in range(lanes):
                free = hoods.pick(st, may, size)
                if taken.intersection(free):
                    free = [r for r in free if r not in taken]
                if not free:
                    continue
                taken.update(free)
                subs.append(_build(prob, st, free, cols, len(free) >= n_may))
                if len(free) >= n_may:
                    break
            if not subs:
                break
            dtime = _STEP_DTIME * (4.0 if subs[0].whole else 1.0)
            dtime = min(dtime, max(0.05, seconds - spent))
            wall = max(0.0, deadline - time.monotonic())
            if pool is not None and len(subs) > 1:
                futures = [pool.submit(_solve, prob, s, dtime, wall) for s in subs]
                results = [f.result() for f in futures]
            else:
                results = [_solve(prob, s, dtime, wall) for s in subs]
            steps += len(results)
            since_last += len(results)
            spent += max(r.dtime for r in results) + _BUILD_COST * sum(s.n_vars for s in subs)
            proven_all = True
            for res in results:  # merged in a fixed order
                if res.status != cp_model.OPTIMAL:
                    proven_all = False
                if res.new is None or res.value <= res.sub.base + 0.5:
                    if res.sub.whole and res.status == cp_model.OPTIMAL:
                        return LnsOutcome(st.sol, st.score, True, steps, improvements)
                    continue
                trial = dict(st.sol)
                for r in res.sub.free:
                    trial.pop(r, None)
                trial.update(res.new)
                if _feasible(prob, trial) and objective_of(prob, trial) > st.score:
                    st.replace(res.sub.free, res.new)
                    improvements += 1
                    since_last = 0
                    if on_solution is not None:
                        on_solution(st.score)
                if res.sub.whole and res.status == cp_model.OPTIMAL:
                    return LnsOutcome(st.sol, st.score, True, steps, improvements)
            size = int(min(_SIZE_MAX, size * 1.25)) if proven_all else int(
                max(_SIZE_MIN, size * 0.8))
    finally:
        if pool is not None:
            pool.shutdown()
    return LnsOutcome(st.sol, st.score, False, steps, improvements)


def _feasible(prob: Problem, sol: Solution) -> bool:
    """Capacities of offers and experts hold (each sub-solution is valid on its own, two
    merged ones may compete for the same capacity)."""
    enc = prob.enc
    used_b = np.zeros(enc.n_offers, dtype=np.int64)
    used_n = np.zeros(enc.n_offers, dtype=np.int64)
    used_e = np.zeros(enc.n_experts, dtype=np.int64)
    for r, (o, team) in sol.items():
        used_b[o] += int(enc.r_budget[r])
        used_n[o] += 1
        if team:
            used_e[list(team)] += 1
    return bool((used_b <= enc.o_budget).all() and (used_n <= enc.o_max).all()
                and (used_e <= enc.e_cap).all())
