"""The two plain baselines of the optimiser's benchmark: the model, flat, in CP-SAT and HiGHS.

Both read the eligible pairs from `matching.problem.build_problem` (the same rules as the
optimiser, so the comparison is of the search, not of the rules) and hand the whole model
to a general solver: every eligible request-offer and request-expert pair a 0/1 variable,

    sum_o x_ro = m_r,   sum_e y_re = n_r m_r,   at most n - k + 1 experts per group
    (and, where that is not exact, k groups present), budgets, counts and expert
    capacities, group floors with a shortfall variable, maximising the score.

    python bench/matching_baselines.py cpsat  INSTANCE SECONDS   # prints one JSON line
    python bench/matching_baselines.py highs  INSTANCE SECONDS

Each prints one JSON line: status, score, bound, seconds (process start to result, model
building included), build seconds, peak RSS, and whether `matching.check` accepted the
matching. HiGHS comes from `highspy` (`pip install -e .[bench]`).
"""

from __future__ import annotations

import json
import resource
import sys
import time

T0 = time.perf_counter()

import numpy as np  # noqa: E402

import matching  # noqa: E402
from matching import rules  # noqa: E402
from matching.problem import N_GROUPS, Problem, build_problem  # noqa: E402


def _rows(prob: Problem):
    """The model as (kind, members) lists shared by both baselines.

    Returns the candidate requests, the (request, group) blocks of y pairs that need a
    per-group cap, and those that also need a presence indicator.
    """
    cands = np.nonzero(prob.candidate)[0]
    ys = prob.y_slices()
    capped, present = [], []
    for r in cands.tolist():
        if prob.needed[r] == 0 or prob.groups_required[r] < 2:
            continue
        seg = np.arange(ys[r], ys[r + 1])
        blocks = [seg[prob.y_group[seg] == g] for g in range(N_GROUPS)]
        blocks = [b for b in blocks if len(b)]
        capped.append((r, blocks))
        if not prob.flow_exact[r]:
            present.append((r, blocks))
    return cands, capped, present


def flat_cpsat(prob: Problem, seconds: float, workers: int = 2):
    """CP-SAT on the flat model with its default portfolio; (status, solution, bound)."""
    from ortools.sat.python import cp_model

    enc = prob.enc
    cands, capped, present = _rows(prob)
    md = cp_model.CpModel()
    m = {int(r): md.new_bool_var("") for r in cands}
    x = [md.new_bool_var("") for _ in range(len(prob.x_r))]
    y = [md.new_bool_var("") for _ in range(len(prob.y_r))]
    xs, ys = prob.x_slices(), prob.y_slices()
    for r, mv in m.items():
        md.add(sum(x[xs[r]:xs[r + 1]]) == mv)
        n = int(prob.needed[r])
        if n:
            md.add(sum(y[ys[r]:ys[r + 1]]) == n * mv)
    for r, blocks in capped:
        for b in blocks:
            md.add(sum(y[j] for j in b.tolist()) <= int(prob.group_cap[r]))
    for r, blocks in present:
        zs = []
        for b in blocks:
            z = md.new_bool_var("")
            md.add(sum(y[j] for j in b.tolist()) >= 1).only_enforce_if(z)
            zs.append(z)
        md.add(sum(zs) >= int(prob.groups_required[r]) * m[r])
    for o in range(enc.n_offers):
        js = np.nonzero(prob.x_o == o)[0].tolist()
        if js:
            md.add(sum(int(enc.r_budget[prob.x_r[j]]) * x[j] for j in js) <= int(enc.o_budget[o]))
            md.add(sum(x[j] for j in js) <= int(enc.o_max[o]))
    order = np.argsort(prob.y_e, kind="stable")
    cuts = np.searchsorted(prob.y_e[order], np.arange(enc.n_experts + 1))
    for e in range(enc.n_experts):
        js = order[cuts[e]:cuts[e + 1]].tolist()
        if len(js) > enc.e_cap[e]:
            md.add(sum(y[j] for j in js) <= int(enc.e_cap[e]))
    pen = enc.instance.criteria.fairness_penalty
    shortfall = []
    for g in range(N_GROUPS):
        if prob.floors[g]:
            s = md.new_int_var(0, int(prob.floors[g]), "")
            md.add(s >= int(prob.floors[g]) - sum(v for r, v in m.items() if enc.r_group[r] == g))
            shortfall.append(s)
    md.maximize(
        sum(int(prob.values[r]) * v for r, v in m.items())
        + sum(int(f) * v for f, v in zip(prob.y_fit.tolist(), y, strict=True) if f)
        - pen * sum(shortfall)
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = workers
    solver.parameters.max_time_in_seconds = max(1.0, seconds - (time.perf_counter() - T0))
    st = solver.solve(md)
    if st not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return solver.status_name(st), None, solver.best_objective_bound
    xv = np.array([solver.boolean_value(v) for v in x], dtype=bool)
    yv = np.array([solver.boolean_value(v) for v in y], dtype=bool)
    return solver.status_name(st), _solution(prob, xv, yv), solver.best_objective_bound


def highs_mip(prob: Problem, seconds: float):
    """HiGHS's MIP solver on the flat model; (status, solution, bound)."""
    import highspy

    enc = prob.enc
    cands, capped, present = _rows(prob)
    n_x, n_y = len(prob.x_r), len(prob.y_r)
    # Columns: x pairs, y pairs, m per candidate, s per group, z per present block.
    m_col = {int(r): n_x + n_y + i for i, r in enumerate(cands.tolist())}
    s0 = n_x + n_y + len(cands)
    z0 = s0 + N_GROUPS
    n_z = sum(len(b) for _, b in present)
    n_col = z0 + n_z
    inf = highspy.kHighsInf
    lower = np.zeros(n_col)
    upper = np.ones(n_col)
    upper[s0:z0] = prob.floors
    cost = np.zeros(n_col)
    cost[n_x:n_x + n_y] = prob.y_fit
    cost[[m_col[r] for r in m_col]] = prob.values[cands]
    cost[s0:z0] = -enc.instance.criteria.fairness_penalty
    rows_lo, rows_hi, starts, index, value = [], [], [], [], []

    def row(cols, vals, lo, hi):
        starts.append(len(index))
        index.extend(int(c) for c in cols)
        value.extend(float(v) for v in vals)
        rows_lo.append(lo)
        rows_hi.append(hi)

    xs, ys = prob.x_slices(), prob.y_slices()
    for r, c in m_col.items():
        cols = list(range(xs[r], xs[r + 1]))
        row([*cols, c], [1.0] * len(cols) + [-1.0], 0.0, 0.0)
        n = int(prob.needed[r])
        if n:
            cols = list(range(n_x + ys[r], n_x + ys[r + 1]))
            row([*cols, c], [1.0] * len(cols) + [-float(n)], 0.0, 0.0)
    for r, blocks in capped:
        for b in blocks:
            row(n_x + b, np.ones(len(b)), -inf, float(prob.group_cap[r]))
    z = z0
    for r, blocks in present:
        zs = []
        for b in blocks:
            row(np.append(n_x + b, z), np.append(np.ones(len(b)), -1.0), 0.0, inf)
            zs.append(z)
            z += 1
        k = float(prob.groups_required[r])
        row([*zs, m_col[r]], [1.0] * len(zs) + [-k], 0.0, inf)
    for o in range(enc.n_offers):
        js = np.nonzero(prob.x_o == o)[0]
        if len(js):
            row(js, enc.r_budget[prob.x_r[js]], -inf, float(enc.o_budget[o]))
            row(js, np.ones(len(js)), -inf, float(enc.o_max[o]))
    order = np.argsort(prob.y_e, kind="stable")
    cuts = np.searchsorted(prob.y_e[order], np.arange(enc.n_experts + 1))
    for e in range(enc.n_experts):
        js = order[cuts[e]:cuts[e + 1]]
        if len(js) > enc.e_cap[e]:
            row(n_x + js, np.ones(len(js)), -inf, float(enc.e_cap[e]))
    for g in range(N_GROUPS):
        if prob.floors[g]:
            members = [c for r, c in m_col.items() if enc.r_group[r] == g]
            row([*members, s0 + g], [1.0] * (len(members) + 1), float(prob.floors[g]), inf)
    h = highspy.Highs()  # prints its banner on stdout; the result is the last line
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 2)
    h.setOptionValue("time_limit", max(1.0, seconds - (time.perf_counter() - T0)))
    h.setOptionValue("mip_rel_gap", 0.0)
    h.addVars(n_col, lower, upper)
    h.changeColsCost(n_col, np.arange(n_col, dtype=np.int32), cost)
    h.changeColsIntegrality(
        n_col, np.arange(n_col, dtype=np.int32),
        np.full(n_col, highspy.HighsVarType.kInteger),
    )
    h.changeObjectiveSense(highspy.ObjSense.kMaximize)
    h.addRows(
        len(rows_lo), np.array(rows_lo), np.array(rows_hi), len(index),
        np.array(starts, dtype=np.int32), np.array(index, dtype=np.int32), np.array(value),
    )
    h.run()
    info = h.getInfo()
    status = h.modelStatusToString(h.getModelStatus())
    bound = info.mip_dual_bound
    if info.primal_solution_status != 2:  # kSolutionStatusFeasible
        return status, None, bound
    col = np.asarray(h.getSolution().col_value)
    return status, _solution(prob, col[:n_x] > 0.5, col[n_x:n_x + n_y] > 0.5), bound


def _solution(prob: Problem, xv: np.ndarray, yv: np.ndarray) -> dict:
    sol = {}
    for j in np.nonzero(xv)[0].tolist():
        r = int(prob.x_r[j])
        team = tuple(sorted(int(e) for e in prob.y_e[yv & (prob.y_r == r)]))
        sol[r] = (int(prob.x_o[j]), team)
    return sol


def result_doc(prob: Problem, sol: dict, status: str, bound: float, seconds: float) -> dict:
    """The solution as a result document, so that `matching.check` can judge it."""
    enc = prob.enc
    inst = enc.instance
    matches = []
    for r, (o, team) in sorted(sol.items()):
        matches.append({
            "request": inst.requests[r].id, "offer": inst.offers[o].id,
            "experts": [inst.experts[e].id for e in team],
            "value": rules.request_value(inst.criteria, inst.as_of, inst.requests[r]),
            "fit": rules.fit_of(enc, r, list(team)),
        })
    ids = [m["request"] for m in matches]
    parts = rules.score(enc, [(m["request"], tuple(m["experts"])) for m in matches])
    tallies = rules.group_tallies(inst, ids)
    return {
        "format": "facility-matching-result/1",
        "status": "OPTIMAL" if status == "OPTIMAL" else "FEASIBLE",
        "score": parts.total, "bound": int(max(parts.total, np.floor(bound + 1e-6))),
        "seconds": seconds, "matches": matches,
        "unmatched": [{"request": q.id} for q in inst.requests if q.id not in set(ids)],
        "groups": {g: {"requests": t.requests, "matched": t.matched, "floor": t.floor,
                       "shortfall": t.shortfall} for g, t in tallies.items()},
    }


def main() -> None:
    kind, path, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    inst = matching.load_instance(path)
    prob = build_problem(inst)
    run = {"cpsat": flat_cpsat, "highs": highs_mip}[kind]
    build_start = time.perf_counter() - T0
    status, sol, bound = run(prob, seconds)
    elapsed = time.perf_counter() - T0
    out = {"solver": kind, "status": status, "score": None, "bound": bound,
           "seconds": elapsed, "rules_seconds": build_start, "valid": None}
    if sol is not None:
        doc = result_doc(prob, sol, status, bound, elapsed)
        out["score"] = doc["score"]
        out["valid"] = matching.check(inst, doc) == []
    out["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
