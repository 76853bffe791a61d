"""Seeded generator of `facility-matching/1` instances with the examples' realistic mix.

The mix is learnt from a reference instance (by default the bundled medium.json, itself
generated from the 193 States, their regional groups and the UPR themes): records are
bootstrapped from it and varied (see `generate`), so the joint, skewed distributions of
themes, groups, languages, windows and budgets are kept, and the eligible-pair densities
with them. Sizes scale like the examples: 0.15 offers and 2.5 experts per request.

Shapes (`SHAPES`), each a different kind of difficulty for the optimiser:

- `base`: as the examples;
- `teams3`: every request needs three experts from three regional groups (0.133 offers
  per request, as the 600 · 80 · 1,500 case of issue 14);
- `funding`: funding only, no request needs an expert and there are no experts;
- `tight`: offer budgets cut to 35 %, so the offers' knapsacks bind everywhere;
- `urgent`: the ready roster and evaluations (issue 20). 15 % of the requests are urgent:
  their window moved to start within three weeks of as_of (its length kept), to start by one
  to four weeks after that; 35 % of the experts are on the ready roster, at 72 hours' (30 %),
  two weeks' (40 %) or two months' (30 %) notice, so for an urgent request the first tier
  fits, the second sometimes and the third never; 40 % of the experts have an evaluation
  (55 to 100 %, most near 85); the criteria weigh evaluations at 5 (an evaluation of 100 %
  adds 5 to fit, as much as a shared theme and two shared languages), floor 50.

    python bench/matching_generate.py 3000 --seed 1 --output /tmp/r3000.json
    python bench/matching_generate.py 600 --shape teams3 --seed 1 --output /tmp/t600.json
    python bench/matching_generate.py 200 --shape urgent --seed 1 --output /tmp/u200.json
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

REFERENCE = Path(__file__).resolve().parent.parent / "tests/matching/instances/medium.json"
OFFERS_PER_REQUEST = 0.15
EXPERTS_PER_REQUEST = 2.5


def _day(s: str) -> int:
    return dt.date.fromisoformat(s).toordinal()


def _iso(n: int) -> str:
    return dt.date.fromordinal(int(n)).isoformat()


class Profile:
    """Empirical distributions of every field of a reference instance."""

    def __init__(self, ref: dict[str, Any]):
        self.criteria = ref["criteria"]
        self.as_of = ref["as_of"]
        a = _day(ref["as_of"])
        req, off, exp = ref["requests"], ref["offers"], ref["experts"]
        self.r_group = [r["group"] for r in req]
        self.state_by_group: dict[str, list[str]] = defaultdict(list)
        for r in req:
            self.state_by_group[r["group"]].append(r["state"])
        for e in exp:
            self.state_by_group[e["group"]].append(e["nationality"])
        self.r_langs_by_group: dict[str, list[str]] = defaultdict(list)
        for r in req:
            self.r_langs_by_group[r["group"]] += r["languages"]
        self.r_themes = [t for r in req for t in r["themes"]]
        self.r_n_themes = [len(r["themes"]) for r in req]
        self.r_n_langs = [len(r["languages"]) for r in req]
        self.r_start = [_day(r["window"][0]) - a for r in req]
        self.r_len = [_day(r["window"][1]) - _day(r["window"][0]) for r in req]
        self.r_weeks = [r["weeks"] for r in req]
        self.r_budget = [r["budget"] for r in req]
        self.r_needed = [r["experts_needed"] for r in req]
        self.r_priority = [r["priority"] for r in req]
        self.r_waited = [a - _day(r["submitted"]) for r in req]
        self.r_supported = [r["all_supported"] for r in req]
        self.o_groups = [o["groups"] for o in off]
        self.o_themes = [t for o in off for t in o["themes"]]
        self.o_n_themes = [len(o["themes"]) for o in off]
        self.o_start = [_day(o["window"][0]) - a for o in off]
        self.o_len = [_day(o["window"][1]) - _day(o["window"][0]) for o in off]
        self.o_budget = [o["budget"] for o in off]
        self.o_max = [o["max_requests"] for o in off]
        self.e_group = [e["group"] for e in exp]
        self.e_langs_by_group: dict[str, list[str]] = defaultdict(list)
        for e in exp:
            self.e_langs_by_group[e["group"]] += e["languages"]
        self.e_themes = [t for e in exp for t in e["themes"]]
        self.e_n_themes = [len(e["themes"]) for e in exp]
        self.e_n_langs = [len(e["languages"]) for e in exp]
        self.e_avail = [
            [(_day(s) - a, _day(t) - _day(s)) for s, t in e["available"]] for e in exp
        ]
        self.e_max = [e["max_assignments"] for e in exp]
        self.e_conflicts = [len(e.get("conflicts", [])) for e in exp]
        self.all_states = sorted({s for v in self.state_by_group.values() for s in v})


def _pick(rng: np.random.Generator, values: list) -> Any:
    return values[int(rng.integers(len(values)))]


def _distinct(rng: np.random.Generator, pool: list[str], k: int) -> list[str]:
    """k distinct values drawn with the pool's frequencies (fewer if the pool is small)."""
    out: list[str] = []
    for _ in range(50 * k):
        if len(out) >= k:
            break
        v = _pick(rng, pool)
        if v not in out:
            out.append(v)
    return sorted(out)


def _shift(window: list[str], days: int) -> list[str]:
    return [_iso(_day(window[0]) + days), _iso(_day(window[1]) + days)]


SHAPES = ("base", "teams3", "funding", "tight", "urgent")
# Offers per request of each shape (the examples' 0.15 unless said otherwise).
_OFFERS_PER_REQUEST = {"teams3": 80 / 600}
_TIGHT_BUDGET_SHARE = 0.35
# The `urgent` shape: shares of urgent requests, ready and evaluated experts, the notice
# tiers of the standby rosters (72 hours, two weeks, two months) and their shares.
_URGENT_SHARE = 0.15
_READY_SHARE = 0.35
_NOTICE_TIERS = (72, 336, 1440)
_NOTICE_SHARES = (0.3, 0.4, 0.3)
_EVALUATED_SHARE = 0.4
_EVALUATION_WEIGHT = 5


def _make_urgent(rng: np.random.Generator, as_of: int, requests: list, experts: list,
                 criteria: dict) -> None:
    """The `urgent` shape, drawn after everything else so the rest is the `base` instance."""
    for r in requests:
        if rng.random() >= _URGENT_SHARE:
            continue
        start = as_of + int(rng.integers(0, 22))
        r["window"] = _shift(r["window"], start - _day(r["window"][0]))
        r["urgent"] = True
        r["latest_start"] = _iso(start + int(rng.integers(7, 29)))
    for e in experts:
        if rng.random() < _READY_SHARE:
            e["notice_hours"] = int(rng.choice(_NOTICE_TIERS, p=_NOTICE_SHARES))
        if rng.random() < _EVALUATED_SHARE:
            e["evaluation"] = round(55 + 45 * rng.beta(4, 2))
    criteria["evaluation_weight"] = _EVALUATION_WEIGHT


def generate(
    n_requests: int, seed: int = 0, reference: dict | None = None, shape: str = "base"
) -> dict[str, Any]:
    """An instance with `n_requests` requests of `shape` (see `SHAPES`), drawn with `seed`.

    Records are bootstrapped from the reference (so themes, groups, languages, windows
    and budgets keep their joint, skewed distribution) and then varied: a new State or
    nationality from the same regional group, dates shifted by up to six weeks, budgets
    scaled by up to 20%, priority and waiting time redrawn. The shape is applied last,
    so a `base` and a `tight` instance of the same seed differ only in the offers' budgets.
    """
    if shape not in SHAPES:
        raise ValueError(f"shape: {shape!r} is not one of {', '.join(SHAPES)}")
    ref = reference or json.loads(REFERENCE.read_text())
    p = Profile(ref)
    rng = np.random.default_rng(seed)
    a = _day(p.as_of)
    n_off = max(1, round(n_requests * _OFFERS_PER_REQUEST.get(shape, OFFERS_PER_REQUEST)))
    n_exp = max(1, round(n_requests * EXPERTS_PER_REQUEST))

    def money(x: float) -> int:
        return max(1000, round(x / 1000.0) * 1000)

    requests = []
    for i in range(n_requests):
        t = _pick(rng, ref["requests"])
        shift = int(rng.integers(-42, 43))
        window = _shift(t["window"], shift)
        if _day(window[0]) < a:  # keep windows from starting before as_of
            window = _shift(window, a - _day(window[0]))
        requests.append({
            **t, "id": f"R{i + 1}", "state": _pick(rng, p.state_by_group[t["group"]]),
            "window": window, "budget": money(t["budget"] * rng.uniform(0.8, 1.2)),
            "priority": int(_pick(rng, p.r_priority)),
            "submitted": _iso(a - _pick(rng, p.r_waited)),
        })
    offers = []
    for i in range(n_off):
        t = _pick(rng, ref["offers"])
        shift = int(rng.integers(-42, 43))
        offers.append({
            **t, "id": f"O{i + 1}", "partner": f"P-{t['partner_state']}-{i + 1}",
            "window": _shift(t["window"], shift),
            "budget": money(t["budget"] * rng.uniform(0.8, 1.2)),
        })
    experts = []
    for i in range(n_exp):
        t = _pick(rng, ref["experts"])
        nationality = _pick(rng, p.state_by_group[t["group"]])
        shift = int(rng.integers(-42, 43))
        expert = {
            **t, "id": f"E{i + 1}", "nationality": nationality,
            "available": [_shift(w, shift) for w in t["available"]],
        }
        conflicts = [c for c in t.get("conflicts", []) if c != nationality]
        expert.pop("conflicts", None)
        if conflicts:
            expert["conflicts"] = conflicts
        experts.append(expert)
    criteria = dict(p.criteria)
    if shape == "teams3":
        criteria["team_min_groups"] = 3
        for r in requests:
            r["experts_needed"] = 3
    elif shape == "funding":
        experts = []
        for r in requests:
            r["experts_needed"] = 0
    elif shape == "tight":
        for o in offers:
            o["budget"] = money(o["budget"] * _TIGHT_BUDGET_SHARE)
    elif shape == "urgent":
        _make_urgent(rng, a, requests, experts, criteria)
    return {
        "format": "facility-matching/1", "as_of": p.as_of, "criteria": criteria,
        "requests": requests, "offers": offers, "experts": experts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("requests", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shape", choices=SHAPES, default="base")
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args()
    doc = generate(args.requests, args.seed, shape=args.shape)
    args.output.write_text(json.dumps(doc), encoding="utf-8")


if __name__ == "__main__":
    main()
