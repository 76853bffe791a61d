"""Best team per request under expert prices: the pricing step of the team columns.

For request r with eligible experts scored `fit(r, e) - price(e)`, the best team is the
n_r highest-scoring distinct experts spanning at least k_r regional groups. Common cases
are vectorised over all requests at once:

- k <= 1: the top n;
- k == 2: the top n, or, when they all share one group g, the top n-1 plus the best
  expert outside g (any valid team holds someone outside g, and the top n-1 are in g);
- k == n: at most one expert per group, so each group's best, then the n best groups.

Other (n, k) enumerate the k groups a team must span (at most C(5, k) choices): take each
chosen group's best, then the best n-k of the rest; the best over choices is optimal,
because any valid team can swap its member from each spanned group for that group's best.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from matching.problem import N_GROUPS, Problem


def rank_within(rows: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal `rows` (rows must be sorted)."""
    starts = np.searchsorted(rows, rows, side="left")
    return np.arange(len(rows)) - starts


def best_teams(prob: Problem, score: np.ndarray, requests: np.ndarray | None = None):
    """Best team of each request under `score` (per y pair).

    Returns (value per request, list of y-pair index arrays per request); requests with no
    valid team get value -inf and an empty team.
    """
    n_req = prob.n_requests
    value = np.full(n_req, -np.inf)
    teams: list[np.ndarray] = [np.zeros(0, dtype=np.int64)] * n_req
    needed, k_req = prob.needed, prob.groups_required
    if requests is None:
        mask = np.ones(len(prob.y_r), dtype=bool)
    else:
        want = np.zeros(n_req, dtype=bool)
        want[requests] = True
        mask = want[prob.y_r]
    idx = np.nonzero(mask)[0]
    # Sorted by request, then score descending, then pair index (deterministic ties).
    order = idx[np.lexsort((idx, -score[idx], prob.y_r[idx]))]
    r_sorted = prob.y_r[order]
    rank = rank_within(r_sorted)
    grp = prob.y_group[order]
    n_of = needed[r_sorted]
    k_of = k_req[r_sorted]

    # k <= 1 or k == 2: start from the top n.
    simple = (k_of <= 2) & (n_of > 0)
    top = simple & (rank < n_of)
    top_idx = np.nonzero(top)[0]
    # Does each request's top n span 2+ groups?
    r_top = r_sorted[top_idx]
    gmin = np.full(n_req, N_GROUPS)
    gmax = np.full(n_req, -1)
    np.minimum.at(gmin, r_top, grp[top_idx])
    np.maximum.at(gmax, r_top, grp[top_idx])
    count = np.bincount(r_top, minlength=n_req)
    one_group = (gmin == gmax) & (k_req == 2) & (count == needed)
    # For those, the best expert outside that group.
    outside = simple & one_group[r_sorted] & (grp != gmin[r_sorted]) & (rank >= n_of)
    out_idx = np.nonzero(outside)[0]
    first_out = np.full(n_req, -1)
    if len(out_idx):
        rs = r_sorted[out_idx]
        firsts = np.unique(rs, return_index=True)[1]
        first_out[rs[firsts]] = out_idx[firsts]
    keep = top.copy()
    fix = one_group[r_sorted] & top & (rank == n_of - 1)
    keep[fix] = False
    chosen = np.nonzero(keep)[0]
    extra = first_out[one_group & (first_out >= 0)]
    chosen = np.sort(np.concatenate([chosen, extra]))
    valid = (count == needed) & (~one_group | (first_out >= 0)) & (k_req <= 2) & (needed > 0)
    sums = np.bincount(r_sorted[chosen], weights=score[order[chosen]], minlength=n_req)
    r_chosen = r_sorted[chosen]
    bounds = np.searchsorted(r_chosen, np.arange(n_req + 1))
    for r in np.nonzero(valid)[0].tolist():
        teams[r] = order[chosen[bounds[r]:bounds[r + 1]]]
        value[r] = sums[r]

    # The remaining cases, request by request.
    other = np.nonzero((k_req > 2) & (needed > 0))[0]
    if requests is not None:
        other = np.intersect1d(other, requests)
    if len(other):
        r_bounds = np.searchsorted(r_sorted, np.arange(n_req + 1))
        for r in other.tolist():
            seg = order[r_bounds[r]:r_bounds[r + 1]]
            v, team = _best_team_general(
                seg, score[seg], prob.y_group[seg], int(needed[r]), int(k_req[r])
            )
            value[r] = v
            teams[r] = team
    zero = needed == 0
    value[zero] = 0.0
    return value, teams


def _best_team_general(seg, scores, groups, n: int, k: int):
    """Best n of a request's experts (sorted by score) spanning >= k groups."""
    present = sorted(set(groups.tolist()))
    best_v, best_team = -np.inf, np.zeros(0, dtype=np.int64)
    if len(seg) < n or len(present) < k:
        return best_v, best_team
    first_of = {g: int(np.argmax(groups == g)) for g in present}
    for combo in combinations(present, k):
        picks = [first_of[g] for g in combo]
        rest = [i for i in range(len(seg)) if i not in picks][: n - k]
        if len(rest) < n - k:
            continue
        sel = sorted(picks + rest)
        v = float(scores[sel].sum())
        if v > best_v:
            best_v, best_team = v, seg[sel]
    return best_v, best_team
