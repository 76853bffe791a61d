"""Property: any small valid instance gives a result that passes the checker and, for
tiny sizes, scores the brute-force optimum."""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_builders import doc

from matching import Status, check, parse_instance, solve
from matching.encode import encode
from matching.rules import all_hold, expert_rules, groups_required, offer_rules, score

AS_OF = dt.date(2027, 1, 1)
THEMES = ["Justice", "NHRI", "Detention"]
LANGS = ["en", "fr"]
STATES = {"KEN": "AFRICAN", "IDN": "APG", "BRA": "GRULAC", "NOR": "WEOG"}


def _window(draw, max_len=150):
    start = draw(st.integers(0, 60))
    length = draw(st.integers(14, max_len))
    a = AS_OF + dt.timedelta(days=start)
    return [a.isoformat(), (a + dt.timedelta(days=length)).isoformat()]


@st.composite
def instances(draw):
    n_req = draw(st.integers(1, 3))
    n_off = draw(st.integers(1, 2))
    n_exp = draw(st.integers(0, 4))
    subset = st.lists(st.sampled_from(THEMES), min_size=1, max_size=2, unique=True)
    langs = st.lists(st.sampled_from(LANGS), min_size=1, max_size=2, unique=True)
    requests = []
    for i in range(n_req):
        state = draw(st.sampled_from(sorted(STATES)))
        requests.append({
            "id": f"R{i + 1}", "state": state, "group": STATES[state],
            "themes": draw(subset), "languages": draw(langs), "window": _window(draw),
            "weeks": draw(st.integers(1, 6)), "budget": 1000 * draw(st.integers(10, 60)),
            "experts_needed": draw(st.integers(0, 3)), "priority": draw(st.integers(1, 5)),
            "submitted": (AS_OF - dt.timedelta(days=draw(st.integers(0, 400)))).isoformat(),
            "all_supported": draw(st.booleans()),
        })
    offers = []
    for i in range(n_off):
        groups = draw(st.none() | st.lists(st.sampled_from(sorted(set(STATES.values()))),
                                           min_size=1, max_size=2, unique=True))
        offers.append({
            "id": f"O{i + 1}", "partner": "P", "partner_state": "NOR", "themes": draw(subset),
            "groups": groups, "states": None, "window": _window(draw, 300),
            "budget": 1000 * draw(st.integers(20, 100)), "max_requests": draw(st.integers(1, 3)),
        })
    experts = []
    for i in range(n_exp):
        state = draw(st.sampled_from(sorted(STATES)))
        e = {
            "id": f"E{i + 1}", "nationality": state, "group": STATES[state],
            "themes": draw(subset), "languages": draw(langs),
            "available": [_window(draw, 200)], "max_assignments": draw(st.integers(1, 2)),
        }
        if draw(st.booleans()):
            e["conflicts"] = [draw(st.sampled_from(sorted(STATES)))]
        experts.append(e)
    floors = draw(st.sampled_from([{}, {"AFRICAN": 0.5}, {"AFRICAN": 1.0, "APG": 0.5}]))
    return doc(requests, offers, experts, team_min_groups=draw(st.integers(1, 3)),
               group_floor_share=floors, fairness_penalty=draw(st.sampled_from([0, 50, 400])))


def brute_force(instance) -> int:
    enc = encode(instance)
    crit = instance.criteria
    options = []
    for r, req in enumerate(instance.requests):
        opts: list = [None]
        rows = np.array([r])
        offers = np.nonzero(all_hold(offer_rules(enc, rows, np.arange(enc.n_offers)))[0])[0]
        experts = np.nonzero(all_hold(expert_rules(enc, rows, np.arange(enc.n_experts)))[0])[0]
        k = groups_required(crit, req.experts_needed)
        for team in itertools.combinations(experts.tolist(), req.experts_needed):
            if len({instance.experts[e].group for e in team}) < k:
                continue
            opts += [(int(o), team) for o in offers.tolist()]
        options.append(opts)
    best = None
    for combo in itertools.product(*options):
        budget, count, load = Counter(), Counter(), Counter()
        for r, choice in enumerate(combo):
            if choice is not None:
                budget[choice[0]] += instance.requests[r].budget
                count[choice[0]] += 1
                load.update(choice[1])
        if any(budget[o] > instance.offers[o].budget or count[o] > instance.offers[o].max_requests
               for o in budget):
            continue
        if any(load[e] > instance.experts[e].max_assignments for e in load):
            continue
        matches = [(instance.requests[r].id, [instance.experts[e].id for e in c[1]])
                   for r, c in enumerate(combo) if c is not None]
        value = score(enc, matches).total
        best = value if best is None else max(best, value)
    return best


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_solver_is_valid_and_optimal_on_small_instances(document):
    instance = parse_instance(document)
    result = solve(instance, time_limit=10)
    assert check(instance, result) == []
    assert result.status is Status.OPTIMAL
    assert result.score == brute_force(instance)
