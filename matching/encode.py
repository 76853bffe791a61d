"""The encoder: turns an `Instance` (ids, strings, dates) into numpy arrays and back.

Sets of themes and languages become bitmasks (one uint64 word per 64 distinct values),
so "share at least one" is an AND and "how many shared" a popcount; dates become day
ordinals; State codes and regional groups become small integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from matching.instance import REGIONAL_GROUPS, Instance

GROUP_CODE = {g: i for i, g in enumerate(REGIONAL_GROUPS)}


def _bitmasks(items: Sequence[Iterable[str]], vocab: dict[str, int]) -> np.ndarray:
    words = max(1, (len(vocab) + 63) // 64)
    out = np.zeros((len(items), words), dtype=np.uint64)
    for i, values in enumerate(items):
        for v in values:
            k = vocab[v]
            out[i, k // 64] |= np.uint64(1) << np.uint64(k % 64)
    return out


def _vocab(*groups: Iterable[Iterable[str]]) -> dict[str, int]:
    values = sorted({v for group in groups for values in group for v in values})
    return {v: i for i, v in enumerate(values)}


@dataclass(frozen=True)
class Encoded:
    """Array view of an instance, indexed like `instance.requests/offers/experts`."""

    instance: Instance
    as_of: int  # day ordinal
    # requests
    r_start: np.ndarray
    r_end: np.ndarray
    r_days_needed: np.ndarray
    r_budget: np.ndarray
    r_needed: np.ndarray
    r_group: np.ndarray
    r_state: np.ndarray
    r_themes: np.ndarray
    r_langs: np.ndarray
    r_urgent: np.ndarray  # bool
    r_latest: np.ndarray  # latest start of an urgent request (its window's end otherwise)
    # offers
    o_start: np.ndarray
    o_end: np.ndarray
    o_budget: np.ndarray
    o_max: np.ndarray
    o_themes: np.ndarray
    o_any_group: np.ndarray
    o_groups: np.ndarray  # (offers, groups) bool
    o_any_state: np.ndarray
    o_states: np.ndarray  # (offers, states) bool
    # experts
    e_group: np.ndarray
    e_nationality: np.ndarray
    e_conflicts: np.ndarray  # (experts, max conflicts) state codes, -1 padded
    e_avail_start: np.ndarray  # (experts, max intervals), empty slots have end < start
    e_avail_end: np.ndarray
    e_cap: np.ndarray
    e_themes: np.ndarray
    e_langs: np.ndarray
    e_ready: np.ndarray  # bool: on the ready roster
    # First day a ready expert can start: as_of + ceil(notice_hours / 24) (as_of if not ready).
    e_ready_from: np.ndarray
    e_eval: np.ndarray  # eval(e): the evaluation, or the criteria's floor if never evaluated

    @property
    def n_requests(self) -> int:
        return len(self.r_start)

    @property
    def n_offers(self) -> int:
        return len(self.o_start)

    @property
    def n_experts(self) -> int:
        return len(self.e_cap)


def encode(instance: Instance) -> Encoded:
    """Build the array view of an instance."""
    R, O, E = instance.requests, instance.offers, instance.experts  # noqa: E741
    themes = _vocab((r.themes for r in R), (o.themes for o in O), (e.themes for e in E))
    langs = _vocab((r.languages for r in R), (e.languages for e in E))
    states = _vocab(
        [[r.state for r in R]],
        [[e.nationality for e in E]],
        (e.conflicts for e in E),
        (o.states or () for o in O),
    )

    def day(d) -> int:
        return d.toordinal()

    i32, i64 = np.int32, np.int64
    as_of = day(instance.as_of)
    floor = instance.criteria.evaluation_floor
    o_groups = np.zeros((len(O), len(REGIONAL_GROUPS)), dtype=bool)
    o_states = np.zeros((len(O), max(1, len(states))), dtype=bool)
    for j, o in enumerate(O):
        for g in o.groups or ():
            o_groups[j, GROUP_CODE[g]] = True
        for s in o.states or ():
            o_states[j, states[s]] = True
    n_conf = max([len(e.conflicts) for e in E], default=0)
    e_conflicts = np.full((len(E), max(1, n_conf)), -1, dtype=i32)
    n_av = max([len(e.available) for e in E], default=0)
    e_av_start = np.ones((len(E), max(1, n_av)), dtype=i32)
    e_av_end = np.zeros((len(E), max(1, n_av)), dtype=i32)
    for j, e in enumerate(E):
        for k, s in enumerate(e.conflicts):
            e_conflicts[j, k] = states[s]
        for k, (a, b) in enumerate(e.available):
            e_av_start[j, k], e_av_end[j, k] = day(a), day(b)
    return Encoded(
        instance=instance,
        as_of=as_of,
        r_start=np.array([day(r.window[0]) for r in R], dtype=i32),
        r_end=np.array([day(r.window[1]) for r in R], dtype=i32),
        r_days_needed=np.array([7 * r.weeks for r in R], dtype=i32),
        r_budget=np.array([r.budget for r in R], dtype=i64),
        r_needed=np.array([r.experts_needed for r in R], dtype=i32),
        r_group=np.array([GROUP_CODE[r.group] for r in R], dtype=i32),
        r_state=np.array([states[r.state] for r in R], dtype=i32),
        r_themes=_bitmasks([r.themes for r in R], themes),
        r_langs=_bitmasks([r.languages for r in R], langs),
        r_urgent=np.array([r.urgent for r in R], dtype=bool),
        r_latest=np.array(
            [day(r.latest_start) if r.urgent else day(r.window[1]) for r in R],
            dtype=i32,
        ),
        o_start=np.array([day(o.window[0]) for o in O], dtype=i32),
        o_end=np.array([day(o.window[1]) for o in O], dtype=i32),
        o_budget=np.array([o.budget for o in O], dtype=i64),
        o_max=np.array([o.max_requests for o in O], dtype=i64),
        o_themes=_bitmasks([o.themes for o in O], themes),
        o_any_group=np.array([o.groups is None for o in O], dtype=bool),
        o_groups=o_groups,
        o_any_state=np.array([o.states is None for o in O], dtype=bool),
        o_states=o_states,
        e_group=np.array([GROUP_CODE[e.group] for e in E], dtype=i32),
        e_nationality=np.array([states[e.nationality] for e in E], dtype=i32),
        e_conflicts=e_conflicts,
        e_avail_start=e_av_start,
        e_avail_end=e_av_end,
        e_cap=np.array([e.max_assignments for e in E], dtype=i64),
        e_themes=_bitmasks([e.themes for e in E], themes),
        e_langs=_bitmasks([e.languages for e in E], langs),
        e_ready=np.array([e.notice_hours is not None for e in E], dtype=bool),
        e_ready_from=np.array(
            # -(-h // 24) is ceil(h / 24) in integers: 72 h is 3 days, 73 h is 4.
            [as_of + (0 if e.notice_hours is None else -(-e.notice_hours // 24)) for e in E],
            dtype=i32,
        ),
        e_eval=np.array([floor if e.evaluation is None else e.evaluation for e in E], dtype=i64),
    )
