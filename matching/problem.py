"""The solver's view of an instance: candidate requests and their eligible pairs as arrays.

Built once per run from the rules; everything downstream (the LP relaxation, the expert
flow, the CP-SAT models, the explanations of unmatched requests) reads these arrays.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from matching import rules
from matching.encode import Encoded, encode
from matching.instance import REGIONAL_GROUPS, FixedMatch, Instance, InstanceError

N_GROUPS = len(REGIONAL_GROUPS)


@dataclass
class Problem:
    """Arrays indexed by request (`r_*`), by eligible request-offer pair (`x_*`) and by
    eligible request-expert pair (`y_*`); pairs are sorted by request."""

    enc: Encoded
    values: np.ndarray
    needed: np.ndarray
    groups_required: np.ndarray
    # Per request, how many team members one regional group may supply: n - k + 1.
    group_cap: np.ndarray
    # True where "at least k groups" is exactly "at most n-k+1 per group" (k <= 2 or k = n),
    # which makes the expert side a network flow.
    flow_exact: np.ndarray
    floors: np.ndarray
    x_r: np.ndarray
    x_o: np.ndarray
    y_r: np.ndarray
    y_e: np.ndarray
    y_fit: np.ndarray
    y_group: np.ndarray
    candidate: np.ndarray
    # Why a request can never be matched (empty when it is a candidate).
    excluded_because: dict[int, str] = field(default_factory=dict)
    fixed_offer: dict[int, int] = field(default_factory=dict)
    fixed_experts: dict[int, tuple[int, ...]] = field(default_factory=dict)

    @property
    def n_requests(self) -> int:
        return len(self.values)

    def x_slices(self) -> np.ndarray:
        """Start offsets of each request's x pairs (length n_requests + 1)."""
        return np.searchsorted(self.x_r, np.arange(self.n_requests + 1))

    def y_slices(self) -> np.ndarray:
        """Start offsets of each request's y pairs (length n_requests + 1)."""
        return np.searchsorted(self.y_r, np.arange(self.n_requests + 1))


def _check_fixed(
    enc: Encoded, fixed: Sequence[FixedMatch], x_ok: set, y_ok: set
) -> tuple[dict[int, int], dict[int, tuple[int, ...]]]:
    inst = enc.instance
    problems: list[str] = []
    offers: dict[int, int] = {}
    teams: dict[int, tuple[int, ...]] = {}
    used_budget: dict[int, int] = {}
    used_count: dict[int, int] = {}
    used_expert: dict[int, int] = {}
    for k, fm in enumerate(fixed):
        where = f'fixed[{k}] (request "{fm.request}")'
        r = inst.request_index.get(fm.request)
        o = inst.offer_index.get(fm.offer)
        es = [inst.expert_index.get(e) for e in fm.experts]
        if r is None:
            problems.append(f'{where}: field "request": unknown request id "{fm.request}"')
        if o is None:
            problems.append(f'{where}: field "offer": unknown offer id "{fm.offer}"')
        for e, eid in zip(es, fm.experts, strict=True):
            if e is None:
                problems.append(f'{where}: field "experts": unknown expert id "{eid}"')
        if r is None or o is None or None in es:
            continue
        if r in offers:
            problems.append(f"{where}: request fixed twice")
            continue
        req = inst.requests[r]
        if (r, o) not in x_ok:
            problems.append(f'{where}: offer "{fm.offer}" may not fund this request')
        for e in es:
            if (r, e) not in y_ok:
                problems.append(f'{where}: expert "{inst.experts[e].id}" may not serve it')
        if len(set(es)) != len(es):
            problems.append(f"{where}: an expert appears twice in the team")
        if len(es) != req.experts_needed:
            problems.append(f"{where}: {len(es)} experts given, {req.experts_needed} needed")
        k_req = rules.groups_required(inst.criteria, req.experts_needed)
        if len({int(enc.e_group[e]) for e in es}) < k_req:
            problems.append(f"{where}: team spans fewer than {k_req} regional groups")
        offers[r] = o
        teams[r] = tuple(int(e) for e in es)
        used_budget[o] = used_budget.get(o, 0) + req.budget
        used_count[o] = used_count.get(o, 0) + 1
        for e in es:
            used_expert[e] = used_expert.get(e, 0) + 1
    for o, b in sorted(used_budget.items()):
        if b > enc.o_budget[o] or used_count[o] > enc.o_max[o]:
            problems.append(f'fixed: offer "{inst.offers[o].id}" over its budget or max_requests')
    for e, n in sorted(used_expert.items()):
        if n > enc.e_cap[e]:
            problems.append(f'fixed: expert "{inst.experts[e].id}" over max_assignments')
    if problems:
        raise InstanceError(problems)
    return offers, teams


def build_problem(
    instance: Instance, fixed: Sequence[FixedMatch] = (), enc: Encoded | None = None
) -> Problem:
    """Evaluate every eligibility rule on every pair and keep what can be matched."""
    enc = enc or encode(instance)
    crit = instance.criteria
    n_req = enc.n_requests
    values = rules.request_values(instance)
    needed = enc.r_needed.astype(np.int64)
    k_req = np.array([rules.groups_required(crit, int(n)) for n in needed], dtype=np.int64)
    group_cap = np.where(k_req >= 2, needed - k_req + 1, needed)
    flow_exact = (k_req <= 2) | (k_req == needed)
    tallies = rules.group_tallies(instance, ())
    floors = np.array([tallies[g].floor for g in REGIONAL_GROUPS], dtype=np.int64)

    x_r, x_o = rules.eligible_offer_pairs(enc)
    y_r, y_e, y_fit = rules.eligible_expert_pairs(enc)
    # Within a request, best-fitting experts first (stable, so ties keep expert order).
    order = np.lexsort((y_e, -y_fit, y_r))
    y_r, y_e, y_fit = y_r[order], y_e[order], y_fit[order]
    y_group = enc.e_group[y_e]

    fixed_offer: dict[int, int] = {}
    fixed_team: dict[int, tuple[int, ...]] = {}
    if fixed:
        x_ok = set(zip(x_r.tolist(), x_o.tolist(), strict=True))
        y_ok = set(zip(y_r.tolist(), y_e.tolist(), strict=True))
        fixed_offer, fixed_team = _check_fixed(enc, fixed, x_ok, y_ok)

    excluded: dict[int, str] = {}
    n_offers = np.bincount(x_r, minlength=n_req)
    per_group = np.zeros((n_req, N_GROUPS), dtype=np.int64)
    np.add.at(per_group, (y_r, y_group), 1)
    for r in range(n_req):
        if r in fixed_offer:
            continue
        if n_offers[r] == 0:
            excluded[r] = "no_offer"
        elif needed[r] > 0:
            usable = np.minimum(per_group[r], group_cap[r]).sum()
            if per_group[r].sum() < needed[r]:
                excluded[r] = "too_few_experts"
            elif usable < needed[r] or (per_group[r] > 0).sum() < k_req[r]:
                excluded[r] = "team_diversity"
    candidate = np.ones(n_req, dtype=bool)
    candidate[list(excluded)] = False

    keep_x = candidate[x_r]
    keep_y = candidate[y_r]
    # A fixed request keeps only its fixed offer and experts.
    if fixed_offer:
        fo = np.full(n_req, -1)
        for r, o in fixed_offer.items():
            fo[r] = o
        keep_x &= (fo[x_r] < 0) | (fo[x_r] == x_o)
        is_fixed = fo[y_r] >= 0
        team_ok = np.zeros(len(y_r), dtype=bool)
        team_set = {(r, e) for r, team in fixed_team.items() for e in team}
        for i in np.nonzero(is_fixed)[0]:
            team_ok[i] = (int(y_r[i]), int(y_e[i])) in team_set
        keep_y &= ~is_fixed | team_ok
    return Problem(
        enc=enc, values=values, needed=needed, groups_required=k_req, group_cap=group_cap,
        flow_exact=flow_exact, floors=floors,
        x_r=x_r[keep_x], x_o=x_o[keep_x],
        y_r=y_r[keep_y], y_e=y_e[keep_y], y_fit=y_fit[keep_y], y_group=y_group[keep_y],
        candidate=candidate, excluded_because=excluded,
        fixed_offer=fixed_offer, fixed_experts=fixed_team,
    )
