"""Property: any small valid instance gives a result that passes the checker and, for
tiny sizes, scores the brute-force optimum; with urgent requests, the ready roster and
evaluations too, whose rules also agree with a day-by-day reading written here apart."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from matching_builders import doc

from matching import Status, check, parse_instance, solve
from matching.encode import encode
from matching.rules import all_hold, expert_rules, fits, groups_required, offer_rules, score

AS_OF = dt.date(2027, 1, 1)
THEMES = ["Justice", "NHRI", "Detention"]
LANGS = ["en", "fr"]
STATES = {"KEN": "AFRICAN", "IDN": "APG", "BRA": "GRULAC", "NOR": "WEOG"}


def _window(draw, max_len=150, min_start=0):
    start = draw(st.integers(min_start, 60))
    length = draw(st.integers(14, max_len))
    a = AS_OF + dt.timedelta(days=start)
    return [a.isoformat(), (a + dt.timedelta(days=length)).isoformat()]


@st.composite
def instances(draw, ready: bool = False):
    """A small instance; `ready` adds urgent requests (windows may then start before as_of),
    notice periods, evaluations and an evaluation weight and floor."""
    n_req = draw(st.integers(1, 3))
    n_off = draw(st.integers(1, 2))
    n_exp = draw(st.integers(0, 4))
    subset = st.lists(st.sampled_from(THEMES), min_size=1, max_size=2, unique=True)
    langs = st.lists(st.sampled_from(LANGS), min_size=1, max_size=2, unique=True)
    requests = []
    for i in range(n_req):
        state = draw(st.sampled_from(sorted(STATES)))
        window = _window(draw, min_start=-30 if ready else 0)
        requests.append({
            "id": f"R{i + 1}", "state": state, "group": STATES[state],
            "themes": draw(subset), "languages": draw(langs), "window": window,
            "weeks": draw(st.integers(1, 6)), "budget": 1000 * draw(st.integers(10, 60)),
            "experts_needed": draw(st.integers(0, 3)), "priority": draw(st.integers(1, 5)),
            "submitted": (AS_OF - dt.timedelta(days=draw(st.integers(0, 400)))).isoformat(),
            "all_supported": draw(st.booleans()),
        })
        if ready and draw(st.booleans()):
            start = dt.date.fromisoformat(window[0])
            latest = start + dt.timedelta(days=draw(st.integers(0, 60)))
            requests[-1].update(urgent=True, latest_start=latest.isoformat())
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
        if ready:
            e["notice_hours"] = draw(st.sampled_from([None, 0, 24, 47, 72, 73, 336, 1440]))
            e["evaluation"] = draw(st.none() | st.integers(0, 100))
        experts.append(e)
    floors = draw(st.sampled_from([{}, {"AFRICAN": 0.5}, {"AFRICAN": 1.0, "APG": 0.5}]))
    extra = {}
    if ready:
        extra = {"evaluation_weight": draw(st.sampled_from([0, 1, 7, 40])),
                 "evaluation_floor": draw(st.integers(0, 100))}
    return doc(requests, offers, experts, team_min_groups=draw(st.integers(1, 3)),
               group_floor_share=floors, fairness_penalty=draw(st.sampled_from([0, 50, 400])),
               **extra)


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


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(ready=True))
def test_solver_is_valid_and_optimal_with_the_ready_roster_and_evaluations(document):
    instance = parse_instance(document)
    result = solve(instance, time_limit=10)
    assert check(instance, result) == []
    assert result.status is Status.OPTIMAL
    assert result.score == brute_force(instance)


def _days(start: dt.date, end: dt.date):
    while start <= end:
        yield start
        start += dt.timedelta(days=1)


def _starts_by(req, windows, earliest: dt.date) -> bool:
    """Day by day: some start s with earliest <= s <= latest_start whose 7 x weeks days lie
    within the request window and one of `windows`."""
    last = dt.timedelta(days=7 * req.weeks - 1)
    for w_start, w_end in windows:
        for s in _days(max(earliest, req.window[0], w_start), req.latest_start):
            if s + last <= min(req.window[1], w_end):
                return True
    return False


def _reference(instance):
    """The urgent rules and the evaluations' part of fit, read from the model's text."""
    crit = instance.criteria
    offer_start = [[not r.urgent or _starts_by(r, [o.window], instance.as_of)
                    for o in instance.offers] for r in instance.requests]
    ready = [[not r.urgent or e.notice_hours is not None for e in instance.experts]
             for r in instance.requests]
    notice = [[not r.urgent or e.notice_hours is None or _starts_by(
        r, e.available, instance.as_of + dt.timedelta(days=math.ceil(e.notice_hours / 24)))
        for e in instance.experts] for r in instance.requests]
    evaluation = [math.floor(crit.evaluation_weight * (
        crit.evaluation_floor if e.evaluation is None else e.evaluation) / 100)
        for e in instance.experts]
    return offer_start, ready, notice, evaluation


@settings(max_examples=300, deadline=None)
@given(instances(ready=True))
def test_urgent_rules_and_evaluations_agree_with_a_day_by_day_reading(document):
    instance = parse_instance(document)
    enc = encode(instance)
    rows = np.arange(enc.n_requests)
    offer_start, ready, notice, evaluation = _reference(instance)
    offers = offer_rules(enc, rows, np.arange(enc.n_offers))
    experts = expert_rules(enc, rows, np.arange(enc.n_experts))
    assert offers["offer_start"].tolist() == offer_start
    assert experts["expert_ready"].tolist() == ready
    assert experts["expert_notice"].tolist() == notice
    shared = [[3 * len(set(r.themes) & set(e.themes)) + len(set(r.languages) & set(e.languages))
               for e in instance.experts] for r in instance.requests]
    assert fits(enc, rows, np.arange(enc.n_experts)).tolist() == [
        [s + ev for s, ev in zip(row, evaluation, strict=True)] for row in shared]
