"""The expert side as a min-cost flow: best teams for a set of matched requests.

source -> expert (capacity max_assignments) -> [request, group] (1 per expert)
       -> request (at most n - k + 1 from one group) -> sink (n_r).

When a request needs at least k = min(team_min_groups, n) groups and k <= 2 or k = n,
"at least k groups" is exactly "at most n - k + 1 experts from any one group", so every
integral flow is a set of valid teams. Among maximum flows the cheapest (cost -fit) is
taken, so if all requests can be served, the teams are the fittest possible.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from ortools.graph.python import min_cost_flow

from matching.problem import N_GROUPS, Problem


def assign_experts(
    prob: Problem, requests: Iterable[int], optional: bool = False
) -> tuple[dict[int, np.ndarray], int]:
    """Teams (y-pair indices) for `requests`; requests left short are absent.

    By default the flow serves as many seats as possible, fittest among those. With
    `optional`, seats may stay empty and the flow simply maximises total fit: its value
    (returned second, counting partial teams) bounds the fit of any set of valid teams.
    Otherwise the second value is the total fit of the full teams returned.
    """
    reqs = np.array(sorted(int(r) for r in requests if prob.needed[r] > 0), dtype=np.int64)
    if len(reqs) == 0:
        return {}, 0
    cap = prob.enc.e_cap
    want = np.zeros(prob.n_requests, dtype=bool)
    want[reqs] = True
    pairs = np.nonzero(want[prob.y_r])[0]
    n_exp = prob.enc.n_experts
    # Node numbering: 0 source, 1 sink, experts, requests, then (request, group) nodes.
    source, sink = 0, 1
    expert_node = 2 + np.arange(n_exp)
    req_node = np.full(prob.n_requests, -1, dtype=np.int64)
    req_node[reqs] = 2 + n_exp + np.arange(len(reqs))
    base_rg = 2 + n_exp + len(reqs)
    split = prob.groups_required[prob.y_r[pairs]] >= 2
    rg_key = prob.y_r[pairs].astype(np.int64) * N_GROUPS + prob.y_group[pairs]
    uniq_rg, rg_pos = np.unique(rg_key[split], return_inverse=True)
    rg_node = base_rg + np.arange(len(uniq_rg))

    used_experts = np.unique(prob.y_e[pairs])
    head_of_pair = req_node[prob.y_r[pairs]].copy()
    head_of_pair[split] = rg_node[rg_pos]
    tails = np.concatenate([
        np.full(len(used_experts), source),
        expert_node[prob.y_e[pairs]],
        rg_node,
        req_node[reqs],
    ])
    heads = np.concatenate([
        expert_node[used_experts],
        head_of_pair,
        req_node[uniq_rg // N_GROUPS],
        np.full(len(reqs), sink),
    ])
    caps = np.concatenate([
        cap[used_experts],
        np.ones(len(pairs), dtype=np.int64),
        prob.group_cap[uniq_rg // N_GROUPS],
        prob.needed[reqs],
    ])
    costs = np.concatenate([
        np.zeros(len(used_experts), dtype=np.int64),
        -prob.y_fit[pairs],
        np.zeros(len(uniq_rg) + len(reqs), dtype=np.int64),
    ])
    smcf = min_cost_flow.SimpleMinCostFlow()
    smcf.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32), heads.astype(np.int32),
        caps.astype(np.int64), costs.astype(np.int64),
    )
    # The max flow runs from supply to demand nodes, so the source offers every seat.
    seats = int(prob.needed[reqs].sum())
    smcf.set_node_supply(source, seats)
    smcf.set_node_supply(sink, -seats)
    if optional:
        # A free bypass lets seats stay empty: the cheapest flow is then the fittest one.
        smcf.add_arc_with_capacity_and_unit_cost(source, sink, seats, 0)
        status = smcf.solve()
    else:
        status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed with status {status}")
    first_pair_arc = len(used_experts)
    flows = smcf.flows(np.arange(first_pair_arc, first_pair_arc + len(pairs)))
    chosen = pairs[flows > 0]
    r_of = prob.y_r[chosen]
    teams: dict[int, np.ndarray] = {}
    total = 0
    bounds = np.searchsorted(r_of, reqs, side="left"), np.searchsorted(r_of, reqs, side="right")
    for r, lo, hi in zip(reqs.tolist(), bounds[0].tolist(), bounds[1].tolist(), strict=True):
        if hi - lo == prob.needed[r]:
            teams[r] = chosen[lo:hi]
            total += int(prob.y_fit[chosen[lo:hi]].sum())
    if optional:
        total = -int(smcf.optimal_cost())
    return teams, total
