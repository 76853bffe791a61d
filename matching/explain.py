"""Plain-language explanations a committee member can read.

For a match: the offer (partner, shared themes, budget left), each expert (group, shared
themes and languages; for an urgent request the notice period, and the evaluation when the
criteria weigh evaluations), that an urgent request is served from the ready roster in time,
and how value and fit add up. For an unmatched request: the rule
that left it with no eligible offer or too few eligible experts, found by applying the
rules one at a time and naming the first that empties the field (or leaves fewer experts
than needed), or else the capacity that went to other, higher-scoring requests.

Each reason carries a stable cause code (`CAUSES`) beside its text, so that unmet demand can be
counted by cause (`matching.demand`) without parsing sentences.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from matching import rules
from matching.instance import Expert, Request
from matching.problem import Problem
from matching.result import Status

_MAX_LISTED = 5

#: Why a request stayed unmatched, one code per rule or capacity that binds.
CAUSES = (
    "no_offer_theme", "no_offer_group", "no_offer_state", "offer_window", "offer_start",
    "offer_budget", "expert_theme", "expert_language", "expert_nationality", "expert_conflict",
    "expert_availability", "expert_ready", "expert_notice", "team_diversity", "offer_capacity",
    "expert_capacity", "tradeoff", "time_limit",
)


@dataclass(frozen=True, slots=True)
class Reason:
    """One reason a request stayed unmatched: its cause code and its plain-language text."""

    cause: str
    text: str


def _money(amount: int) -> str:
    return f"{amount:,}"


def _ids(items: list[str]) -> str:
    shown = items[:_MAX_LISTED]
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> list[str]:
    return [x for x in a if x in set(b)]


def _weeks(req: Request) -> str:
    return f"{req.weeks} week{'s' if req.weeks != 1 else ''} ({7 * req.weeks} days)"


def _window(req: Request) -> str:
    return f"{req.window[0]} to {req.window[1]}"


def _notice(hours: int) -> str:
    """72 -> "72 hours' notice", 336 -> "14 days' notice"."""
    if hours >= 168 and hours % 24 == 0:
        return f"{hours // 24} days' notice"
    return f"{hours} hour{'s' if hours != 1 else ''}' notice"


def _evaluation(ex: Expert, floor: int) -> str:
    if ex.evaluation is None:
        return f"not yet evaluated, counted as {floor} %"
    return f"evaluated {ex.evaluation} %"


def _passed(req: Request, as_of: dt.date) -> str:
    """A note when an urgent request's latest start is already past on the run's date."""
    assert req.latest_start is not None
    return f" (already past on {as_of})" if req.latest_start < as_of else ""


def explain_match(prob: Problem, sol: dict, r: int) -> str:
    """Why request r is matched as it is: the offer, the experts, value and fit."""
    enc = prob.enc
    inst = enc.instance
    req = inst.requests[r]
    o, team = sol[r]
    offer = inst.offers[o]
    # Budget left after this match: the offer's requests are taken in request order.
    spent = sum(inst.requests[q].budget for q, (oo, _) in sorted(sol.items()) if oo == o and q <= r)
    themes = ", ".join(_shared(offer.themes, req.themes))
    parts = [
        f"Funded by offer {offer.id} ({offer.partner}: themes {themes}; "
        f"budget left after this match {_money(offer.budget - spent)})."
    ]
    c = inst.criteria
    if team:
        described = []
        for e in sorted(team):
            ex = inst.experts[e]
            t = ", ".join(_shared(ex.themes, req.themes))
            lang = ", ".join(_shared(ex.languages, req.languages))
            extra = ""
            if req.urgent and ex.notice_hours is not None:
                extra += f"; ready at {_notice(ex.notice_hours)}"
            if c.evaluation_weight:
                extra += f"; {_evaluation(ex, c.evaluation_floor)}"
            described.append(f"{ex.id} ({ex.group}; {t}; speaks {lang}{extra})")
        word = "Expert" if len(described) == 1 else "Experts"
        parts.append(f"{word} {_and(described)}.")
    if req.urgent:
        source = "from the ready roster, " if team else ""
        parts.append(f"Urgent: {source}can start by {req.latest_start}.")
    w = c.weights
    months = rules.months_waiting(inst.as_of, req)
    value = rules.request_value(c, inst.as_of, req)
    fit = rules.fit_of(enc, r, list(team))
    terms = [f"base {c.request_base_value}", f"priority {req.priority} x {w.priority}",
             f"{months} months waiting x {w.waiting_month}"]
    if req.all_supported:
        terms.append(f"all recommendations supported {w.supported}")
    evaluations = ""
    if c.evaluation_weight and team:
        part = int(rules.evaluation_fits(enc, np.array(sorted(team))).sum())
        evaluations = f" (of which evaluations {part}, weight {c.evaluation_weight})"
    parts.append(f"Value {value} ({' + '.join(terms)}); expert fit {fit}{evaluations}.")
    if r in prob.fixed_offer:
        parts.append("Kept fixed from an earlier approved run.")
    return " ".join(parts)


def _offer_funnel(prob: Problem, r: int) -> Reason:
    """Name the offer rule that leaves request r with no eligible offer."""
    enc = prob.enc
    inst = enc.instance
    req = inst.requests[r]
    cols = np.arange(enc.n_offers)
    if len(cols) == 0:
        return Reason("no_offer_theme", "No offer is available in this run.")
    m = {k: v[0] for k, v in rules.offer_rules(enc, np.array([r]), cols).items()}
    ids = np.array([o.id for o in inst.offers])
    alive = m["offer_theme"]
    if not alive.any():
        return Reason("no_offer_theme",
                      f"No offer shares a theme with it (its themes: {', '.join(req.themes)}).")
    themed = ids[alive].tolist()
    if not (alive & m["offer_group"]).any():
        return Reason("no_offer_group", (
            f"No offer sharing a theme ({_ids(themed)}) is open to its regional group "
            f"{req.group}."
        ))
    alive = alive & m["offer_group"]
    if not (alive & m["offer_state"]).any():
        return Reason("no_offer_state", (
            f"No offer sharing a theme and open to {req.group} ({_ids(ids[alive].tolist())}) "
            f"is open to its State {req.state}."
        ))
    alive = alive & m["offer_state"]
    if not (alive & m["offer_window"]).any():
        overlap = rules.overlap_days(
            enc.r_start[r], enc.r_end[r], enc.o_start[alive], enc.o_end[alive]
        )
        return Reason("offer_window", (
            f"Window overlap too short: the offers sharing a theme and open to it "
            f"({_ids(ids[alive].tolist())}) overlap its window {_window(req)} by at most "
            f"{max(0, int(overlap.max()))} days; it needs {_weeks(req)}."
        ))
    alive = alive & m["offer_window"]
    if req.urgent and not (alive & m["offer_start"]).any():
        return Reason("offer_start", (
            f"Urgent, to start by {req.latest_start}{_passed(req, inst.as_of)}: the offers that "
            f"could otherwise fund it ({_ids(ids[alive].tolist())}) leave no {_weeks(req)} "
            f"within its window {_window(req)} starting between {inst.as_of} and "
            f"{req.latest_start}."
        ))
    alive = alive & m["offer_start"]
    budgets = enc.o_budget[alive]
    top = int(np.argmax(budgets))
    return Reason("offer_budget", (
        f"Its budget {_money(req.budget)} is above the budget of every offer that could "
        f"otherwise fund it (largest: {ids[alive][top]}, {_money(int(budgets[top]))})."
    ))


_EXPERT_STEPS = (
    ("expert_theme", "theme", "share a theme"),
    ("expert_language", "language", "speak {langs}"),
    ("expert_nationality", "nationality", "are not nationals of {state}"),
    ("expert_conflict", "conflict", "have no declared conflict with {state}"),
    ("expert_availability", "availability", "are available for {weeks} within its window"),
)
# An urgent request's further steps: the ready roster, then the notice period.
_URGENT_STEPS = (
    ("expert_ready", "the ready roster", "are on the ready roster"),
    ("expert_notice", "the notice period",
     "can start by {latest} after their notice period (counted from {as_of})"),
)


def _expert_funnel(prob: Problem, r: int) -> Reason:
    """Name the expert rule that leaves request r with fewer eligible experts than needed."""
    enc = prob.enc
    inst = enc.instance
    req = inst.requests[r]
    n = req.experts_needed
    cols = np.arange(enc.n_experts)
    m = {k: v[0] for k, v in rules.expert_rules(enc, np.array([r]), cols).items()}
    alive = np.ones(enc.n_experts, dtype=bool)
    steps = []
    binding = None
    cause = "expert_availability"
    for key, name, text in _EXPERT_STEPS + (_URGENT_STEPS if req.urgent else ()):
        alive = alive & m[key]
        count = int(alive.sum())
        phrase = text.format(
            langs=" or ".join(req.languages), state=req.state, weeks=_weeks(req),
            latest=req.latest_start, as_of=inst.as_of,
        )
        steps.append(f"{count} {phrase}")
        if binding is None and count < n:
            binding, cause = name, key
    eligible = int(alive.sum())
    funnel = f"Of {enc.n_experts} experts, " + "; of those, ".join(steps) + "."
    if cause in ("expert_ready", "expert_notice"):
        who = "No ready expert" if eligible == 0 else (
            f"Only {eligible} ready expert{'s' if eligible != 1 else ''}")
        return Reason(cause, (
            f"{who} can start by {req.latest_start}{_passed(req, inst.as_of)}: it is urgent "
            f"and needs {n} from the ready roster ({binding} binds). " + funnel
        ))
    return Reason(cause, (
        f"Fewer eligible experts than needed because of {binding}: it needs {n}, "
        f"{eligible} {'is' if eligible == 1 else 'are'} eligible. " + funnel
    ))


def _diversity(prob: Problem, r: int) -> Reason:
    enc = prob.enc
    inst = enc.instance
    req = inst.requests[r]
    # An excluded request's pairs are not kept in the problem: ask the rules again.
    masks = rules.expert_rules(enc, np.array([r]), np.arange(enc.n_experts))
    eligible = np.nonzero(rules.all_hold(masks)[0])[0]
    groups = sorted({inst.experts[int(e)].group for e in eligible})
    k = int(prob.groups_required[r])
    return Reason("team_diversity", (
        f"Team diversity impossible: its eligible experts all come from "
        f"{_and(groups) if groups else 'no group'}, and a team of {req.experts_needed} must "
        f"span at least {k} regional groups."
    ))


def explain_unmatched(prob: Problem, sol: dict, r: int, status: Status) -> list[Reason]:
    """Why request r stayed unmatched: the binding rule, or the capacity it lost."""
    reason = prob.excluded_because.get(r)
    if reason == "no_offer":
        funnel = _offer_funnel(prob, r)
        return [Reason(funnel.cause, "No eligible offer. " + funnel.text)]
    if reason == "too_few_experts":
        # The expert pairs of excluded requests are not kept; recompute from the rules.
        return [_expert_funnel(prob, r)]
    if reason == "team_diversity":
        return [_diversity(prob, r)]
    return _capacity_reasons(prob, sol, r, status)


def _capacity_reasons(prob: Problem, sol: dict, r: int, status: Status) -> list[Reason]:
    enc = prob.enc
    inst = enc.instance
    req = inst.requests[r]
    budget_left = enc.o_budget.copy()
    count_left = enc.o_max.copy()
    cap_left = enc.e_cap.copy()
    funded_by: dict[int, list[int]] = {}
    served_by: dict[int, list[int]] = {}
    for q, (o, team) in sol.items():
        budget_left[o] -= enc.r_budget[q]
        count_left[o] -= 1
        funded_by.setdefault(o, []).append(q)
        for e in team:
            cap_left[e] -= 1
            served_by.setdefault(e, []).append(q)
    reasons = []
    xs, ys = prob.x_slices(), prob.y_slices()
    offers = prob.x_o[xs[r]:xs[r + 1]].tolist()
    open_offers = [o for o in offers if budget_left[o] >= req.budget and count_left[o] > 0]
    def takers(qs: list[int]) -> str:
        qs = sorted(qs, key=lambda q: (-int(prob.values[q]), q))
        return _ids([f"{inst.requests[q].id} (value {int(prob.values[q])})" for q in qs])

    if not open_offers:
        details = []
        users: list[int] = []
        for o in offers:
            of = inst.offers[o]
            if count_left[o] <= 0:
                details.append(f"{of.id} funds its maximum of {of.max_requests} requests")
            else:
                details.append(
                    f"{of.id} has {_money(int(budget_left[o]))} left of {_money(of.budget)}"
                )
            users += funded_by.get(o, [])
        reasons.append(Reason("offer_capacity", (
            f"Offer capacity went to higher-scoring requests: all {len(offers)} offers that "
            f"may fund it (budget {_money(req.budget)}) are used up: {_ids(details)}. "
            f"They fund {takers(sorted(set(users)))}."
        )))
    if req.experts_needed:
        seg = np.arange(ys[r], ys[r + 1])
        free = seg[cap_left[prob.y_e[seg]] > 0]
        groups = set(prob.y_group[free].tolist())
        per_group = np.bincount(prob.y_group[free], minlength=5)
        usable = int(np.minimum(per_group, prob.group_cap[r]).sum())
        k = int(prob.groups_required[r])
        if usable < req.experts_needed or len(groups) < k:
            busy = [int(e) for e in prob.y_e[seg] if cap_left[e] <= 0]
            users = sorted({q for e in busy for q in served_by.get(e, [])})
            reasons.append(Reason("expert_capacity", (
                f"Expert capacity went to higher-scoring requests: of its {len(seg)} eligible "
                f"experts, {len(busy)} are at their maximum assignments, leaving "
                f"{len(free)} free across {len(groups)} group(s); it needs "
                f"{req.experts_needed} from at least {max(k, 1)} group(s). "
                f"Those experts serve {takers(users)}."
            )))
    if reasons:
        return reasons
    if status is Status.OPTIMAL:
        return [Reason("tradeoff", (
            "Room remains for it alone, but fitting it in would mean moving other requests' "
            "funding or experts, and every such rearrangement scores lower (the result is "
            "proven optimal)."
        ))]
    return [Reason("time_limit", (
        "The search stopped at the time limit before finding room for it; an offer and "
        "experts with spare capacity remain (the result is not proven optimal)."
    ))]
