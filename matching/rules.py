"""The rules of a match and its score: the one place each rule is written down.

Eligibility rules work on blocks (rows of requests x columns of offers or experts) of
the encoded arrays, so the solver evaluates millions of pairs at numpy speed and the
checker and the explanations evaluate a handful with the very same code. Each function
returns, per rule, a boolean matrix that is True where the rule is satisfied.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from matching.encode import Encoded
from matching.instance import REGIONAL_GROUPS, Criteria, Instance, Request

#: Rules for offer `o` to fund request `r`, in the order explanations cite them.
#: `offer_start` binds urgent requests only (it holds for every other request).
OFFER_RULES = (
    "offer_theme", "offer_group", "offer_state", "offer_window", "offer_start", "offer_budget",
)
#: Rules for expert `e` to serve request `r`. `expert_ready` and `expert_notice` bind
#: urgent requests only: served from the ready roster, by experts whose notice lets them
#: start by the request's latest start.
EXPERT_RULES = (
    "expert_theme",
    "expert_language",
    "expert_nationality",
    "expert_conflict",
    "expert_availability",
    "expert_ready",
    "expert_notice",
)

# About this many pair cells are materialised at once when scanning all pairs.
_BLOCK_CELLS = 1 << 21


def _shared_counts(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """|A_i ∩ B_j| for bitmask rows a (k, W) and b (n, W), as a (k, n) matrix."""
    return np.bitwise_count(a[:, None, :] & b[None, :, :]).sum(axis=2, dtype=np.int32)


def overlap_days(a_start, a_end, b_start, b_end):
    """Days in common between inclusive intervals [a_start, a_end] and [b_start, b_end]."""
    return np.minimum(a_end, b_end) - np.maximum(a_start, b_start) + 1


def starts_in_time(lo, hi, latest, days):
    """True where [lo, hi] holds a stretch of `days` days starting no later than `latest`:
    the earliest stretch starts at `lo`, so it is there iff lo <= latest and the span from
    lo to hi is long enough."""
    return (lo <= latest) & (hi - lo + 1 >= days)


def _urgent_start_offer(enc: Encoded, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """An urgent request's stretch within window(o) ∩ window(r) starts between as_of and its
    latest start; other requests: always True."""
    urgent = enc.r_urgent[rows]
    out = np.ones((len(rows), len(cols)), dtype=bool)
    if not urgent.any():  # the common case costs nothing
        return out
    u = rows[urgent]
    lo = np.maximum(np.maximum(enc.r_start[u][:, None], enc.o_start[cols][None, :]), enc.as_of)
    hi = np.minimum(enc.r_end[u][:, None], enc.o_end[cols][None, :])
    out[urgent] = starts_in_time(lo, hi, enc.r_latest[u][:, None], enc.r_days_needed[u][:, None])
    return out


def _urgent_notice_expert(enc: Encoded, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """A ready expert can start an urgent request in time: a stretch within its window and
    one availability interval, starting after the notice period and by the latest start.
    Other requests, and experts not on the ready roster (`expert_ready` rules those out):
    True."""
    urgent = enc.r_urgent[rows]
    out = np.ones((len(rows), len(cols)), dtype=bool)
    if not urgent.any():
        return out
    u = rows[urgent]
    lo = np.maximum(
        np.maximum(enc.r_start[u][:, None, None], enc.e_avail_start[cols][None, :, :]),
        enc.e_ready_from[cols][None, :, None],
    )
    hi = np.minimum(enc.r_end[u][:, None, None], enc.e_avail_end[cols][None, :, :])
    in_time = starts_in_time(
        lo, hi, enc.r_latest[u][:, None, None], enc.r_days_needed[u][:, None, None]
    ).any(axis=2)
    out[urgent] = in_time | ~enc.e_ready[cols][None, :]
    return out


def offer_rules(enc: Encoded, rows: np.ndarray, cols: np.ndarray) -> dict[str, np.ndarray]:
    """Per offer rule, a (len(rows), len(cols)) matrix: may offer `col` fund request `row`."""
    rows, cols = np.asarray(rows), np.asarray(cols)
    rg, rs = enc.r_group[rows][:, None], enc.r_state[rows][:, None]
    return {
        "offer_theme": _shared_counts(enc.r_themes[rows], enc.o_themes[cols]) > 0,
        "offer_group": enc.o_any_group[cols][None, :] | enc.o_groups[cols][:, rg[:, 0]].T,
        "offer_state": enc.o_any_state[cols][None, :] | enc.o_states[cols][:, rs[:, 0]].T,
        "offer_window": overlap_days(
            enc.r_start[rows][:, None], enc.r_end[rows][:, None],
            enc.o_start[cols][None, :], enc.o_end[cols][None, :],
        ) >= enc.r_days_needed[rows][:, None],
        "offer_start": _urgent_start_offer(enc, rows, cols),
        "offer_budget": enc.r_budget[rows][:, None] <= enc.o_budget[cols][None, :],
    }


def expert_rules(enc: Encoded, rows: np.ndarray, cols: np.ndarray) -> dict[str, np.ndarray]:
    """Per expert rule, a (len(rows), len(cols)) matrix: may expert `col` serve request `row`."""
    rows, cols = np.asarray(rows), np.asarray(cols)
    rs = enc.r_state[rows][:, None]
    overlap = overlap_days(
        enc.r_start[rows][:, None, None], enc.r_end[rows][:, None, None],
        enc.e_avail_start[cols][None, :, :], enc.e_avail_end[cols][None, :, :],
    )
    return {
        "expert_theme": _shared_counts(enc.r_themes[rows], enc.e_themes[cols]) > 0,
        "expert_language": _shared_counts(enc.r_langs[rows], enc.e_langs[cols]) > 0,
        "expert_nationality": enc.e_nationality[cols][None, :] != rs,
        "expert_conflict": ~(enc.e_conflicts[cols][None, :, :] == rs[:, :, None]).any(axis=2),
        "expert_availability": (
            overlap >= enc.r_days_needed[rows][:, None, None]
        ).any(axis=2),
        "expert_ready": ~enc.r_urgent[rows][:, None] | enc.e_ready[cols][None, :],
        "expert_notice": _urgent_notice_expert(enc, rows, cols),
    }


def evaluation_fits(enc: Encoded, cols: np.ndarray) -> np.ndarray:
    """floor(evaluation_weight * eval(e) / 100) per expert: the evaluations' part of fit."""
    weight = enc.instance.criteria.evaluation_weight
    return (weight * enc.e_eval[np.asarray(cols)]) // 100


def fits(enc: Encoded, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """fit(r, e) = w.theme_fit * |shared themes| + w.language_fit * |shared languages|
    + floor(evaluation_weight * eval(e) / 100)."""
    w = enc.instance.criteria.weights
    rows, cols = np.asarray(rows), np.asarray(cols)
    themes = _shared_counts(enc.r_themes[rows], enc.e_themes[cols]).astype(np.int64)
    langs = _shared_counts(enc.r_langs[rows], enc.e_langs[cols]).astype(np.int64)
    return w.theme_fit * themes + w.language_fit * langs + evaluation_fits(enc, cols)[None, :]


def all_hold(masks: Mapping[str, np.ndarray]) -> np.ndarray:
    """True where every rule in `masks` holds."""
    it = iter(masks.values())
    out = next(it).copy()
    for m in it:
        out &= m
    return out


def _row_blocks(n_rows: int, n_cols: int) -> Iterable[np.ndarray]:
    step = max(1, _BLOCK_CELLS // max(1, n_cols))
    for start in range(0, n_rows, step):
        yield np.arange(start, min(n_rows, start + step))


def eligible_offer_pairs(enc: Encoded) -> tuple[np.ndarray, np.ndarray]:
    """All (request, offer) index pairs where the offer may fund the request, sorted."""
    cols = np.arange(enc.n_offers)
    rs, os_ = [], []
    for rows in _row_blocks(enc.n_requests, enc.n_offers):
        i, j = np.nonzero(all_hold(offer_rules(enc, rows, cols)))
        rs.append(rows[i].astype(np.int32))
        os_.append(j.astype(np.int32))
    if not rs:
        return np.zeros(0, np.int32), np.zeros(0, np.int32)
    return np.concatenate(rs), np.concatenate(os_)


def eligible_expert_pairs(
    enc: Encoded, requests: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """All (request, expert, fit) triples where the expert may serve the request, sorted.

    Requests needing no expert are skipped: no expert can be assigned to them.
    """
    if requests is None:
        requests = np.nonzero(enc.r_needed > 0)[0]
    cols = np.arange(enc.n_experts)
    rs, es, fs = [], [], []
    for block in _row_blocks(len(requests), enc.n_experts):
        rows = requests[block]
        i, j = np.nonzero(all_hold(expert_rules(enc, rows, cols)))
        rs.append(rows[i].astype(np.int32))
        es.append(j.astype(np.int32))
        f = fits(enc, rows, cols)[i, j]
        fs.append(f.astype(np.int64))
    if not rs:
        z = np.zeros(0, np.int32)
        return z, z, np.zeros(0, np.int64)
    return np.concatenate(rs), np.concatenate(es), np.concatenate(fs)


def months_waiting(as_of, request: Request) -> int:
    """max(0, floor(days waited / 30))."""
    return max(0, (as_of - request.submitted).days // 30)


def request_value(criteria: Criteria, as_of, request: Request) -> int:
    """value(r): base + weighted priority, months waiting and 'all supported'."""
    w = criteria.weights
    return (
        criteria.request_base_value
        + w.priority * request.priority
        + w.waiting_month * months_waiting(as_of, request)
        + w.supported * (1 if request.all_supported else 0)
    )


def request_values(instance: Instance) -> np.ndarray:
    """value(r) for every request, in instance order."""
    c, as_of = instance.criteria, instance.as_of
    return np.array([request_value(c, as_of, r) for r in instance.requests], dtype=np.int64)


def groups_required(criteria: Criteria, experts_needed: int) -> int:
    """Distinct regional groups a team must span (0 when fewer than 2 experts)."""
    return min(criteria.team_min_groups, experts_needed) if experts_needed >= 2 else 0


def group_floor(share: float, requests_in_group: int) -> int:
    """ceil(share * requests), computed on the decimal share so 0.3 * 10 is exactly 3."""
    return math.ceil(Fraction(repr(share)) * requests_in_group)


@dataclass(frozen=True, slots=True)
class GroupTally:
    """One row of the fairness table."""

    requests: int
    matched: int
    floor: int

    @property
    def shortfall(self) -> int:
        return max(0, self.floor - self.matched)


def group_tallies(instance: Instance, matched_requests: Iterable[str]) -> dict[str, GroupTally]:
    """The fairness table for a set of matched request ids (every regional group present)."""
    shares = instance.criteria.group_floor_share
    index = instance.request_index
    counts = dict.fromkeys(REGIONAL_GROUPS, 0)
    matched = dict.fromkeys(REGIONAL_GROUPS, 0)
    for r in instance.requests:
        counts[r.group] += 1
    for rid in set(matched_requests):
        matched[instance.requests[index[rid]].group] += 1
    return {
        g: GroupTally(counts[g], matched[g], group_floor(shares[g], counts[g]) if g in shares else 0)
        for g in REGIONAL_GROUPS
    }


def fit_of(enc: Encoded, request: int, experts: Sequence[int]) -> int:
    """Sum of fit(r, e) over a team."""
    if not experts:
        return 0
    return int(fits(enc, np.array([request]), np.asarray(experts)).sum())


@dataclass(frozen=True, slots=True)
class ScoreParts:
    """The score and its three terms."""

    value: int
    fit: int
    penalty: int

    @property
    def total(self) -> int:
        return self.value + self.fit - self.penalty


def score(enc: Encoded, matches: Iterable[tuple[str, Sequence[str]]]) -> ScoreParts:
    """The score of matches given as (request id, expert ids); ids must be known."""
    inst = enc.instance
    values = 0
    fit_total = 0
    matched = []
    for rid, experts in matches:
        r = inst.request_index[rid]
        matched.append(rid)
        values += request_value(inst.criteria, inst.as_of, inst.requests[r])
        fit_total += fit_of(enc, r, [inst.expert_index[e] for e in experts])
    shortfall = sum(t.shortfall for t in group_tallies(inst, matched).values())
    return ScoreParts(values, fit_total, inst.criteria.fairness_penalty * shortfall)
