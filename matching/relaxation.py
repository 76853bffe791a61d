"""The LP relaxation, solved by column generation with GLOP, and its Lagrangian bound.

A Dantzig-Wolfe master: a request's team is one column (the per-request team problem is
easy, see `teams.py`), so the LP has no per-expert-pair columns. Rows, for a candidate
request r, offer o, expert e and regional group g:

    A_r   sum_o x_ro - m_r            = 0
    T_r   sum_T t_rT - m_r            = 0          (n_r > 0; T ranges over valid teams)
    C_e   sum_{T containing e} t_rT   <= max_assignments(e)
    K_o   sum_r (b_r / B_o) x_ro      <= 1         (budget, scaled for conditioning)
    N_o   sum_r x_ro                  <= max_requests(o)
    F_g   sum_{r in g} m_r + s_g      >= floor(g)

maximising  sum value_r m_r + sum fit(T) t_rT - penalty * sum s_g.

Only a pool of x and team columns is in the LP. After each solve every request is priced
with the duals of the coupling rows C, K, N, F (its best offer and best team), and the
positively priced columns join the pool.

The bound reported is not the LP objective but the Lagrangian bound of those duals:
relax C, K, N, F; what is left splits by request into "match r with its best offer and
best team, or not", so

    L = sum_e mu_e cap_e + sum_o (k_o + n_o max_o) + sum_g f_g floor_g
        + sum_g max(0, (-penalty - f_g) floor_g) + sum_r max(0, h_r)
    h_r = value_r - f_g(r) + best offer score_r + best team score_r.

Weak duality makes L an upper bound on every integer solution for any sign-correct
duals, so it does not rest on GLOP's tolerances; at LP optimality it equals the LP value.
The same terms give reduced-cost fixing: a solution scoring at least S loses at most
L - S against this relaxation, so a choice that alone loses more can be excluded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import linear_solver_pb2, pywraplp

from matching.flow import assign_experts
from matching.problem import N_GROUPS, Problem
from matching.teams import best_teams, rank_within

# Columns priced above this are worth adding to the pool.
_PRICE_TOL = 1e-6
# Above this many request-offer pairs, offers also enter the pool by pricing.
_X_ALL_LIMIT = 60_000
_X_INIT = 12
_X_ADD = 5
# Without presolve GLOP warm-starts from the previous basis after columns are added.
_GLOP_PARAMS = "use_preprocessing: false"


@dataclass
class Duals:
    """Duals of the coupling rows, sign-corrected for a maximisation."""

    c: np.ndarray  # per expert, >= 0
    k: np.ndarray  # per offer (scaled budget row), >= 0
    n: np.ndarray  # per offer (count row), >= 0
    f: np.ndarray  # per group (floor row), <= 0


@dataclass
class Pricing:
    """The Lagrangian bound of a set of duals, with what reduced-cost fixing needs."""

    bound: float
    h: np.ndarray  # per request: profit of matching it in the relaxation
    offer_score: np.ndarray  # per x pair
    best_offer: np.ndarray  # per request
    expert_score: np.ndarray  # per y pair: fit - mu_e
    best_team: np.ndarray  # per request (score)
    teams: list  # per request: y-pair indices of its best team
    d_s: np.ndarray  # per group: reduced cost of the shortfall variable

    def request_loss(self, prob: Problem) -> np.ndarray:
        """What matching each request costs against the relaxation (0 when it pays)."""
        forced = _forced(prob)
        h = np.where(np.isfinite(self.h), self.h, -1e18)
        return np.where(forced, 0.0, np.maximum(h, 0.0) - h)

    def unmatch_loss(self, prob: Problem) -> np.ndarray:
        """What leaving each request unmatched costs against the relaxation."""
        h = np.where(np.isfinite(self.h), self.h, -1e18)
        return np.maximum(h, 0.0)

    def x_loss(self, prob: Problem) -> np.ndarray:
        """Lower bound on the loss of any solution funding request r by offer o."""
        return self.request_loss(prob)[prob.x_r] + (
            self.best_offer[prob.x_r] - self.offer_score
        )

    def y_loss(self, prob: Problem) -> np.ndarray:
        """Lower bound on the loss of any solution assigning expert e to request r.

        The best team containing e scores at most score(e) + the n-1 best others (team
        diversity ignored, which can only make the estimate, and so the loss, smaller).
        """
        r = prob.y_r
        sc = self.expert_score
        idx = np.arange(len(r))
        order = idx[np.lexsort((idx, -sc, r))]
        rank = np.empty(len(r), dtype=np.int64)
        rank[order] = rank_within(r[order])
        n = prob.needed
        in_top = rank < n[r]
        top_n = np.bincount(r, weights=np.where(in_top, sc, 0.0), minlength=prob.n_requests)
        # The n-th best score of each request (0 when n = 0).
        nth = np.zeros(prob.n_requests)
        pick = rank == n[r] - 1
        nth[r[pick]] = sc[pick]
        with_e = np.where(rank < n[r], top_n[r], top_n[r] - nth[r] + sc)
        return self.request_loss(prob)[r] + (self.best_team[r] - with_e)


def _forced(prob: Problem) -> np.ndarray:
    forced = np.zeros(prob.n_requests, dtype=bool)
    forced[list(prob.fixed_offer)] = True
    return forced


def lagrangian(prob: Problem, du: Duals) -> Pricing:
    """The Lagrangian bound and per-request best offer/team for duals `du`."""
    enc = prob.enc
    n_req = prob.n_requests
    offer_score = -(
        du.k[prob.x_o] * enc.r_budget[prob.x_r] / np.maximum(enc.o_budget[prob.x_o], 1)
        + du.n[prob.x_o]
    )
    best_offer = np.full(n_req, -np.inf)
    np.maximum.at(best_offer, prob.x_r, offer_score)
    expert_score = prob.y_fit - du.c[prob.y_e]
    best_team, teams = best_teams(prob, expert_score)
    h = prob.values - du.f[enc.r_group] + best_offer + best_team
    h = np.where(prob.candidate, h, -np.inf)
    forced = _forced(prob)
    penalty = enc.instance.criteria.fairness_penalty
    d_s = -penalty - du.f
    floors = prob.floors.astype(np.float64)
    bound = (
        float(enc.e_cap.astype(np.float64) @ du.c)
        + float(du.k.sum())
        + float(enc.o_max.astype(np.float64) @ du.n)
        + float(floors @ du.f)
        + float(np.maximum(d_s * floors, 0.0).sum())
        + float(np.where(forced, h, np.maximum(np.where(np.isfinite(h), h, 0.0), 0.0)).sum())
    )
    return Pricing(bound, h, offer_score, best_offer, expert_score, best_team, teams, d_s)


@dataclass
class RelaxationResult:
    """What the integer phase needs from the LP."""

    objective: float
    bound: float
    m: np.ndarray  # per request
    x: np.ndarray  # per x pair (0 outside the pool)
    y: np.ndarray  # per y pair: sum of the team columns holding it
    duals: Duals
    pricing: Pricing
    rounds: int
    complete: bool


class Relaxation:
    """The restricted master LP of the column generation."""

    def __init__(self, prob: Problem):
        self.prob = prob
        enc = prob.enc
        self.solver = pywraplp.Solver.CreateSolver("GLOP")
        s = self.solver
        inf = s.infinity()
        self.cand = np.nonzero(prob.candidate)[0]
        obj = s.Objective()
        obj.SetMaximization()
        self.m_var: dict[int, pywraplp.Variable] = {}
        self.row_a: dict[int, pywraplp.Constraint] = {}
        self.row_t: dict[int, pywraplp.Constraint] = {}
        self.row_c: dict[int, pywraplp.Constraint] = {}
        for r in self.cand.tolist():
            lb = 1.0 if r in prob.fixed_offer else 0.0
            v = s.NumVar(lb, 1.0, "")
            obj.SetCoefficient(v, float(prob.values[r]))
            self.m_var[r] = v
            a = s.Constraint(0.0, 0.0)
            a.SetCoefficient(v, -1.0)
            self.row_a[r] = a
            if prob.needed[r] > 0:
                t = s.Constraint(0.0, 0.0)
                t.SetCoefficient(v, -1.0)
                self.row_t[r] = t
        self.budget_scale = 1.0 / np.maximum(enc.o_budget, 1).astype(np.float64)
        self.row_k = [s.Constraint(-inf, 1.0) for _ in range(enc.n_offers)]
        self.row_n = [s.Constraint(-inf, float(enc.o_max[o])) for o in range(enc.n_offers)]
        self.row_f = []
        penalty = float(enc.instance.criteria.fairness_penalty)
        for g in range(N_GROUPS):
            fl = float(prob.floors[g])
            sv = s.NumVar(0.0, fl, "")
            obj.SetCoefficient(sv, -penalty)
            row = s.Constraint(fl, inf)
            row.SetCoefficient(sv, 1.0)
            for r in self.cand[enc.r_group[self.cand] == g].tolist():
                row.SetCoefficient(self.m_var[r], 1.0)
            self.row_f.append(row)
        self.x_in = np.zeros(len(prob.x_r), dtype=bool)
        self.x_pool: list[int] = []
        self.x_index: list[int] = []
        self.team_keys: set[tuple[int, ...]] = set()
        self.team_pairs: list[np.ndarray] = []  # y-pair indices of each team column
        self.team_index: list[int] = []

    def add_x(self, cols: np.ndarray) -> None:
        prob, s = self.prob, self.solver
        obj = s.Objective()
        for j in cols.tolist():
            if self.x_in[j]:
                continue
            r, o = int(prob.x_r[j]), int(prob.x_o[j])
            v = s.NumVar(0.0, 1.0, "")
            obj.SetCoefficient(v, 0.0)
            self.row_a[r].SetCoefficient(v, 1.0)
            self.row_k[o].SetCoefficient(v, float(prob.enc.r_budget[r] * self.budget_scale[o]))
            self.row_n[o].SetCoefficient(v, 1.0)
            self.x_in[j] = True
            self.x_pool.append(j)
            self.x_index.append(v.index())

    def add_team(self, pairs: np.ndarray) -> bool:
        """Add a team column (its y-pair indices); False if already in the pool."""
        prob, s = self.prob, self.solver
        pairs = np.sort(pairs)
        r = int(prob.y_r[pairs[0]])
        key = (r, *prob.y_e[pairs].tolist())
        if key in self.team_keys:
            return False
        self.team_keys.add(key)
        inf = s.infinity()
        v = s.NumVar(0.0, 1.0, "")
        s.Objective().SetCoefficient(v, float(prob.y_fit[pairs].sum()))
        self.row_t[r].SetCoefficient(v, 1.0)
        for e in prob.y_e[pairs].tolist():
            row_c = self.row_c.get(e)
            if row_c is None:
                row_c = self.row_c[e] = s.Constraint(-inf, float(prob.enc.e_cap[e]))
            row_c.SetCoefficient(v, 1.0)
        self.team_pairs.append(pairs)
        self.team_index.append(v.index())
        return True

    def request_duals(self) -> tuple[np.ndarray, np.ndarray]:
        """Duals of the A_r and T_r rows of the last solve (0 for absent rows)."""
        a = np.zeros(self.prob.n_requests)
        t = np.zeros(self.prob.n_requests)
        dual = self._dual
        if self.row_a:
            a[list(self.row_a)] = dual[[row.index() for row in self.row_a.values()]]
        if self.row_t:
            t[list(self.row_t)] = dual[[row.index() for row in self.row_t.values()]]
        return a, t

    def fetch(self) -> tuple[float, Duals, np.ndarray, np.ndarray, np.ndarray]:
        """Objective, duals and primal values of the last solve, fetched in bulk."""
        prob = self.prob
        resp = linear_solver_pb2.MPSolutionResponse()
        self.solver.FillSolutionResponseProto(resp)
        val = np.asarray(resp.variable_value)
        dual = self._dual = np.asarray(resp.dual_value)
        c = np.zeros(prob.enc.n_experts)
        if self.row_c:
            c[list(self.row_c)] = dual[[row.index() for row in self.row_c.values()]]
        kk = dual[[row.index() for row in self.row_k]]
        nn = dual[[row.index() for row in self.row_n]]
        ff = dual[[row.index() for row in self.row_f]]
        # Weak duality needs the right signs; clip the solver's round-off.
        du = Duals(
            c=np.maximum(c, 0.0), k=np.maximum(kk, 0.0), n=np.maximum(nn, 0.0),
            f=np.minimum(ff, 0.0),
        )
        x = np.zeros(len(prob.x_r))
        x[self.x_pool] = val[self.x_index]
        y = np.zeros(len(prob.y_r))
        tv = val[self.team_index] if self.team_index else np.zeros(0)
        for pairs, t in zip(self.team_pairs, tv.tolist(), strict=True):
            if t > 0:
                y[pairs] += t
        m = np.zeros(prob.n_requests)
        m[list(self.m_var)] = val[[v.index() for v in self.m_var.values()]]
        return resp.objective_value, du, m, x, y


def _best_per_request(
    rows: np.ndarray, score: np.ndarray, mask: np.ndarray, limit: np.ndarray
) -> np.ndarray:
    """Indices of the `limit[r]` highest-scoring masked columns of each request."""
    idx = np.nonzero(mask)[0]
    if len(idx) == 0:
        return idx
    order = idx[np.lexsort((idx, -score[idx], rows[idx]))]
    rank = rank_within(rows[order])
    return np.sort(order[rank < limit[rows[order]]])


def solve_relaxation(
    prob: Problem,
    deadline: float,
    on_round: Callable[[RelaxationResult], None] | None = None,
    stop: Callable[[RelaxationResult], bool] | None = None,
) -> RelaxationResult | None:
    """Column generation to LP optimality, the deadline, or until `stop` says enough.

    Returns None when not even the first LP finished in time.
    """
    lp = Relaxation(prob)
    n_req = prob.n_requests
    if len(prob.x_r) <= _X_ALL_LIMIT:
        lp.add_x(np.arange(len(prob.x_r)))
    else:
        # Least contested offers first (eligible demand per unit of budget and of seats):
        # they are the likeliest to be used by the LP.
        enc = prob.enc
        demand_b = np.bincount(prob.x_o, weights=enc.r_budget[prob.x_r], minlength=enc.n_offers)
        demand_n = np.bincount(prob.x_o, minlength=enc.n_offers)
        contest = np.maximum(
            demand_b / np.maximum(enc.o_budget, 1), demand_n / np.maximum(enc.o_max, 1)
        )
        lp.add_x(_best_per_request(
            prob.x_r, -contest[prob.x_o], np.ones(len(prob.x_r), dtype=bool),
            np.full(n_req, _X_INIT),
        ))
    # First team columns: the teams of one max-fit flow serving every candidate at once
    # (they respect the experts' capacities jointly), then each request's best team at
    # zero expert prices.
    with_team = prob.candidate & (prob.needed > 0)
    flow_teams, _ = assign_experts(prob, np.nonzero(with_team)[0])
    for r in sorted(flow_teams):
        lp.add_team(flow_teams[r])
    _, teams = best_teams(prob, prob.y_fit.astype(np.float64))
    for r in np.nonzero(with_team)[0].tolist():
        if len(teams[r]):
            lp.add_team(teams[r])
    best: RelaxationResult | None = None
    best_bound = math.inf
    rounds = 0
    while True:
        rounds += 1
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        lp.solver.SetTimeLimit(int(max(1, remaining * 1000)))
        lp.solver.SetSolverSpecificParametersAsString(_GLOP_PARAMS)
        if lp.solver.Solve() != pywraplp.Solver.OPTIMAL:
            break
        objective, du, m, x, y = lp.fetch()
        pricing = lagrangian(prob, du)
        best_bound = min(best_bound, pricing.bound)
        # A column helps the LP only if it beats what its request already gets there,
        # i.e. has a positive reduced cost against the master's A_r / T_r duals.
        a, t = lp.request_duals()
        new_teams = 0
        gain_t = pricing.best_team - t
        for r in np.nonzero(prob.candidate & (prob.needed > 0) & (gain_t > _PRICE_TOL))[0]:
            if len(pricing.teams[r]):
                new_teams += lp.add_team(pricing.teams[r])
        x_gain = pricing.offer_score - a[prob.x_r]
        add_x = (x_gain > _PRICE_TOL) & ~lp.x_in
        complete = new_teams == 0 and not add_x.any()
        best = RelaxationResult(objective, best_bound, m, x, y, du, pricing, rounds, complete)
        if on_round is not None:
            on_round(best)
        if complete or (stop is not None and stop(best)):
            break
        lp.add_x(_best_per_request(prob.x_r, x_gain, add_x, np.full(n_req, _X_ADD)))
    return best
