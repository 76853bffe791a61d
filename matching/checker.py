"""The result checker: recomputes the score and validates every rule of a match.

Independent of how a result was produced (this optimiser, another solver, a hand edit):
it reads only the instance and the result, and uses the rules in `rules.py`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from matching import rules
from matching.encode import Encoded, encode
from matching.instance import Instance
from matching.result import Result, Status, parse_result

_RULE_TEXT = {
    "offer_theme": "offer shares no theme with the request",
    "offer_group": "offer is not open to the request's regional group",
    "offer_state": "offer is not open to the request's State",
    "offer_window": "offer window overlaps the request window by fewer than 7 x weeks days",
    "offer_start": "request is urgent and the offer window allows no 7 x weeks days in the "
                   "request window starting between as_of and latest_start",
    "offer_budget": "request budget is above the offer budget",
    "expert_theme": "expert shares no theme with the request",
    "expert_language": "expert shares no language with the request",
    "expert_nationality": "expert is a national of the requesting State",
    "expert_conflict": "expert declares a conflict with the requesting State",
    "expert_availability": "expert is not available for 7 x weeks days within the window",
    "expert_ready": "request is urgent and the expert is not on the ready roster "
                    "(no notice_hours)",
    "expert_notice": "request is urgent and the expert cannot start by latest_start: no 7 x "
                     "weeks days of availability within the window start between as_of + "
                     "ceil(notice_hours / 24) days and latest_start",
}


@dataclass(frozen=True, slots=True)
class Violation:
    """A broken rule: its name, the ids involved, and a sentence."""

    rule: str
    ids: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"{self.rule} [{', '.join(self.ids)}]: {self.message}"


def _as_result(result: Result | Mapping[str, Any]) -> Result:
    return result if isinstance(result, Result) else parse_result(result)


def check(
    instance: Instance, result: Result | Mapping[str, Any], enc: Encoded | None = None
) -> list[Violation]:
    """Every rule the result breaks (empty when it is valid), score included."""
    res = _as_result(result)
    enc = enc or encode(instance)
    inst = instance
    out: list[Violation] = []

    def bad(rule: str, ids: tuple[str, ...], message: str) -> None:
        out.append(Violation(rule, ids, message))

    seen = Counter(m.request for m in res.matches)
    for rid, n in sorted(seen.items()):
        if n > 1:
            bad("request_matched_twice", (rid,), f"request {rid} appears in {n} matches")
    unmatched_ids = Counter(u.request for u in res.unmatched)
    for rid in sorted(unmatched_ids):
        if rid not in inst.request_index:
            bad("unknown_id", (rid,), f"unmatched request {rid} is not in the instance")
        elif rid in seen:
            bad("request_matched_twice", (rid,), f"request {rid} is both matched and unmatched")
        elif unmatched_ids[rid] > 1:
            bad("request_listed_twice", (rid,), f"request {rid} is listed twice as unmatched")
    for req in inst.requests:
        if req.id not in seen and req.id not in unmatched_ids:
            bad("request_missing", (req.id,), f"request {req.id} is neither matched nor unmatched")

    budget_used: Counter = Counter()
    count_used: Counter = Counter()
    expert_used: Counter = Counter()
    valid = []  # matches whose ids are all known: these enter the score
    for i, m in enumerate(res.matches):
        r = inst.request_index.get(m.request)
        o = inst.offer_index.get(m.offer)
        es = [inst.expert_index.get(e) for e in m.experts]
        unknown = [m.request] if r is None else []
        unknown += [m.offer] if o is None else []
        unknown += [eid for eid, e in zip(m.experts, es, strict=True) if e is None]
        if unknown:
            bad("unknown_id", tuple(unknown), f"matches[{i}] refers to unknown id(s)")
            continue
        req = inst.requests[r]
        valid.append((m, r, es))
        budget_used[o] += req.budget
        count_used[o] += 1
        for e in set(es):
            expert_used[e] += 1
        for rule, ok in rules.offer_rules(enc, np.array([r]), np.array([o])).items():
            if not ok[0, 0]:
                bad(rule, (m.request, m.offer), _RULE_TEXT[rule])
        if es:
            masks = rules.expert_rules(enc, np.array([r]), np.array(es))
            for rule, ok in masks.items():
                for eid, fine in zip(m.experts, ok[0].tolist(), strict=True):
                    if not fine:
                        bad(rule, (m.request, eid), _RULE_TEXT[rule])
        if len(set(es)) != len(es):
            dup = sorted(e for e, c in Counter(m.experts).items() if c > 1)
            bad("team_duplicate_expert", (m.request, *dup), "an expert appears twice in the team")
        if len(es) != req.experts_needed:
            bad("team_size", (m.request,),
                f"{len(es)} experts assigned, {req.experts_needed} needed")
        k = rules.groups_required(inst.criteria, req.experts_needed)
        spanned = {inst.experts[e].group for e in set(es)}
        if len(spanned) < k:
            bad("team_diversity", (m.request, *m.experts),
                f"team spans {len(spanned)} regional group(s), at least {k} required")
        value = rules.request_value(inst.criteria, inst.as_of, req)
        if m.value != value:
            bad("match_value", (m.request,), f"value is {value}, result says {m.value}")
        fit = rules.fit_of(enc, r, sorted(set(es)))
        if m.fit != fit:
            bad("match_fit", (m.request,), f"fit is {fit}, result says {m.fit}")

    for o, used in sorted(budget_used.items()):
        offer = inst.offers[o]
        if used > offer.budget:
            bad("offer_budget_capacity", (offer.id,),
                f"funds budgets summing to {used}, above its budget {offer.budget}")
        if count_used[o] > offer.max_requests:
            bad("offer_max_requests", (offer.id,),
                f"funds {count_used[o]} requests, above its max_requests {offer.max_requests}")
    for e, used in sorted(expert_used.items()):
        ex = inst.experts[e]
        if used > ex.max_assignments:
            bad("expert_max_assignments", (ex.id,),
                f"assigned to {used} requests, above its max_assignments {ex.max_assignments}")

    score = recompute_score(instance, res, enc)
    if score != res.score:
        bad("score", (), f"the rules give score {score}, result says {res.score}")
    tallies = rules.group_tallies(inst, [m.request for m, _, _ in valid])
    for g, t in tallies.items():
        row = res.groups.get(g)
        expect = (t.requests, t.matched, t.floor, t.shortfall)
        got = None if row is None else (row.requests, row.matched, row.floor, row.shortfall)
        if got != expect and (row is not None or t.requests or t.floor):
            bad("groups", (g,), f"fairness row should be requests/matched/floor/shortfall "
                f"{'/'.join(map(str, expect))}, result says "
                f"{'missing' if got is None else '/'.join(map(str, got))}")
    if res.bound < res.score:
        bad("bound", (), f"bound {res.bound} is below the score {res.score}")
    if res.status is Status.OPTIMAL and res.bound != res.score:
        bad("status", (), f"OPTIMAL but bound {res.bound} differs from score {res.score}")
    return out


def recompute_score(
    instance: Instance, result: Result | Mapping[str, Any], enc: Encoded | None = None
) -> int:
    """The score the rules give the result's matches (matches with unknown ids skipped;
    a request matched twice counts once)."""
    res = _as_result(result)
    enc = enc or encode(instance)
    seen: set[str] = set()
    matches = []
    for m in res.matches:
        if m.request in seen or m.request not in instance.request_index:
            continue
        if m.offer not in instance.offer_index:
            continue
        if any(e not in instance.expert_index for e in m.experts):
            continue
        seen.add(m.request)
        matches.append((m.request, sorted(set(m.experts))))
    return rules.score(enc, matches).total
