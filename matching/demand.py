"""Unmet demand: which small additions to the roster or the funding would match more requests.

After a run, each unmatched request names its binding causes (`matching.explain.CAUSES`).
From them this module proposes *candidate additions*, each the smallest of its kind:

- one more expert: one theme and one language of an unmatched request, available for whole
  calendar quarters that cover the mission, one assignment, from the regional group its team
  lacks most; for an urgent request, on the ready roster at 72 hours' notice (the shortest
  notice rosters commit to) and available to start by its latest start;
- one more funding offer: one theme, open to one regional group, with the budget and the number
  of requests of the unmatched requests it could fund;
- a top-up of an existing offer whose capacity ran out: one more request and the budget of
  the cheapest request it would then fund.

Candidates are ranked by how many unmatched requests the matching rules say they could serve
(`matching.rules`, the same code the solver uses), and the best few are then *re-solved*: the
instance with the addition is optimised again with the same fixed matches, and the suggestion
reports the requests that the new optimum matches and the old did not (and any it no longer
matches). Nothing here is estimated: a suggestion's gain is the re-solved result.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pycountry

from matching import rules
from matching.encode import encode
from matching.instance import REGIONAL_GROUPS, Expert, FixedMatch, Instance, Offer, Request
from matching.result import Result, Status
from matching.solver import solve

EXPERT_CAUSES = frozenset({
    "expert_theme", "expert_language", "expert_nationality", "expert_conflict",
    "expert_availability", "expert_ready", "expert_notice", "team_diversity", "expert_capacity",
})
NEW_OFFER_CAUSES = frozenset({
    "no_offer_theme", "no_offer_group", "no_offer_state", "offer_window", "offer_start",
    "offer_budget",
})
# The notice of a candidate expert for an urgent request.
CANDIDATE_NOTICE_HOURS = 72
TOP_UP_CAUSES = frozenset({"offer_capacity"})

# A nationality no request can have: the candidate expert is "of any other State".
_ANY_OTHER_STATE = "ZZZ"
_CANDIDATE_PREFIX = "WHATIF-"


@dataclass(frozen=True, slots=True)
class Addition:
    """One candidate addition, as data a page can word in any language."""

    kind: str  # "EXPERT", "OFFER" or "TOP_UP"
    theme: str | None = None
    language: str | None = None
    group: str | None = None
    window: tuple[dt.date, dt.date] | None = None
    budget: int = 0
    requests: int = 0
    offer: str | None = None  # the existing offer topped up
    notice_hours: int | None = None  # an expert on the ready roster, for urgent requests

    @property
    def description(self) -> str:
        """Plain English, e.g. "One more expert on Justice speaking Spanish, available Q2 2027"."""
        period = quarters_label(*self.window) if self.window else ""
        if self.kind == "EXPERT":
            ready = "" if self.notice_hours is None else (
                f"ready expert ({self.notice_hours} hours' notice) ")
            return (f"One more {ready or 'expert '}on {self.theme} speaking "
                    f"{language_name(self.language)}, from the {self.group} group, "
                    f"available {period}")
        if self.kind == "OFFER":
            return (f"A new funding offer on {self.theme} open to the {self.group} group, "
                    f"{self.budget:,} for up to {self.requests} request"
                    f"{'s' if self.requests != 1 else ''}, {period}")
        return f"Offer {self.offer} topped up by {self.budget:,} and one more request"


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A re-solved addition: what it would match that the run did not."""

    addition: Addition
    reach: int  # unmatched requests the rules let it serve
    newly_matched: tuple[str, ...]
    no_longer_matched: tuple[str, ...]
    score_gain: int
    proven: bool  # the re-solve proved its optimum

    @property
    def gain(self) -> int:
        return len(self.newly_matched) - len(self.no_longer_matched)


@dataclass(frozen=True, slots=True)
class DemandAnalysis:
    """The suggestions that match more requests, best first, and how many were tried."""

    suggestions: tuple[Suggestion, ...]
    candidates_tried: int
    seconds: float


def language_name(code: str | None) -> str:
    found = pycountry.languages.get(alpha_2=code) if code and len(code) == 2 else None
    return found.name.removesuffix(" (macrolanguage)") if found else (code or "")


def _quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _add_quarters(day: dt.date, n: int) -> dt.date:
    index = day.year * 4 + (day.month - 1) // 3 + n
    return dt.date(index // 4, 3 * (index % 4) + 1, 1)


def quarters_label(start: dt.date, end: dt.date) -> str:
    """"Q2 2027", "Q2-Q3 2027" or "Q4 2027-Q1 2028" for a span of whole quarters."""
    q1, q2 = (start.month - 1) // 3 + 1, (end.month - 1) // 3 + 1
    if (start.year, q1) == (end.year, q2):
        return f"Q{q1} {start.year}"
    if start.year == end.year:
        return f"Q{q1}-Q{q2} {start.year}"
    return f"Q{q1} {start.year}-Q{q2} {end.year}"


def covering_quarters(window: tuple[dt.date, dt.date], days: int) -> tuple[dt.date, dt.date]:
    """The shortest, then earliest, span of whole quarters overlapping `window` by `days` days."""
    first = _quarter_start(window[0])
    last = _quarter_start(window[1])
    for span in range(1, 5):
        start = first
        while start <= last:
            end = _add_quarters(start, span) - dt.timedelta(days=1)
            if (min(end, window[1]) - max(start, window[0])).days + 1 >= days:
                return start, end
            start = _add_quarters(start, 1)
    return window  # a mission longer than a year: the request's own window


def mission_span(inst: Instance, req: Request) -> tuple[dt.date, dt.date] | None:
    """Where the mission's 7 x weeks days must lie for a candidate addition to serve it: its
    window, or for an urgent request the part of it in which a stretch starts no earlier than
    a candidate's notice allows and no later than its latest start; None if none can."""
    if not req.urgent:
        return req.window
    assert req.latest_start is not None
    days = 7 * req.weeks
    notice_days = -(-CANDIDATE_NOTICE_HOURS // 24)
    start = max(req.window[0], inst.as_of + dt.timedelta(days=notice_days))
    end = min(req.window[1], req.latest_start + dt.timedelta(days=days - 1))
    return (start, end) if (end - start).days + 1 >= days else None


def _least_represented_group(inst: Instance, enc, r: int) -> str:
    """The regional group with the fewest experts eligible for request r (ties: list order)."""
    eligible = rules.all_hold(rules.expert_rules(enc, np.array([r]), np.arange(enc.n_experts)))[0]
    counts = {g: 0 for g in REGIONAL_GROUPS}
    for e in np.nonzero(eligible)[0]:
        counts[inst.experts[int(e)].group] += 1
    return min(REGIONAL_GROUPS, key=lambda g: counts[g])


def _expert_for(addition: Addition, n: int) -> Expert:
    assert addition.window is not None and addition.theme and addition.language and addition.group
    return Expert(id=f"{_CANDIDATE_PREFIX}E{n}", nationality=_ANY_OTHER_STATE, group=addition.group,
                  themes=(addition.theme,), languages=(addition.language,),
                  available=(addition.window,), max_assignments=1,
                  notice_hours=addition.notice_hours)


def _offer_for(addition: Addition, n: int) -> Offer:
    assert addition.window is not None and addition.theme and addition.group
    return Offer(id=f"{_CANDIDATE_PREFIX}O{n}", partner="(candidate)", partner_state=None,
                 themes=(addition.theme,), groups=(addition.group,), states=None,
                 window=addition.window, budget=addition.budget, max_requests=addition.requests)


def with_addition(inst: Instance, addition: Addition, n: int = 1) -> Instance:
    """The instance with the addition in it (a new expert, a new offer or a larger offer)."""
    if addition.kind == "EXPERT":
        return dataclasses.replace(inst, experts=(*inst.experts, _expert_for(addition, n)))
    if addition.kind == "OFFER":
        return dataclasses.replace(inst, offers=(*inst.offers, _offer_for(addition, n)))
    offers = tuple(
        dataclasses.replace(o, budget=o.budget + addition.budget, max_requests=o.max_requests + 1)
        if o.id == addition.offer else o
        for o in inst.offers
    )
    return dataclasses.replace(inst, offers=offers)


def _reach(inst: Instance, addition: Addition, unmatched: Sequence[int]) -> int:
    """How many unmatched requests the rules let this addition serve (or fund)."""
    grown = with_addition(inst, addition)
    enc = encode(grown)
    rows = np.array(unmatched)
    if addition.kind == "EXPERT":
        ok = rules.all_hold(rules.expert_rules(enc, rows, np.array([enc.n_experts - 1])))
        return int(ok.sum())
    if addition.kind == "OFFER":
        col = enc.n_offers - 1
    else:
        assert addition.offer is not None, "a top-up names the offer it tops up"
        col = grown.offer_index[addition.offer]
    ok = rules.all_hold(rules.offer_rules(enc, rows, np.array([col])))
    return int(ok.sum())


def candidate_additions(inst: Instance, result: Result) -> tuple[list[Addition], list[int]]:
    """Every distinct candidate addition the unmatched requests' causes call for."""
    enc = encode(inst)
    causes = {u.request: set(u.causes) for u in result.unmatched}
    unmatched = [inst.request_index[rid] for rid in causes if rid in inst.request_index]
    seen: dict[tuple, Addition] = {}

    def add(key: tuple, addition: Addition) -> None:
        seen.setdefault(key, addition)

    requests_by_key: dict[tuple[str, str], list[Request]] = {}
    for r in unmatched:
        req = inst.requests[r]
        why = causes[req.id]
        # None: an urgent request whose latest start is too near for a new expert or offer
        # (a top-up of an offer that may fund it still can help).
        span = mission_span(inst, req)
        notice = CANDIDATE_NOTICE_HOURS if req.urgent else None
        if why & EXPERT_CAUSES and req.experts_needed and span:
            window = covering_quarters(span, 7 * req.weeks)
            group = _least_represented_group(inst, enc, r)
            for theme in req.themes:
                for language in req.languages:
                    add(("EXPERT", theme, language, group, window, notice),
                        Addition("EXPERT", theme=theme, language=language, group=group,
                                 window=window, notice_hours=notice))
        if why & NEW_OFFER_CAUSES and span:
            for theme in req.themes:
                requests_by_key.setdefault((theme, req.group), []).append(req)
        if why & TOP_UP_CAUSES:
            eligible = rules.all_hold(rules.offer_rules(enc, np.array([r]), np.arange(enc.n_offers)))[0]
            for o in np.nonzero(eligible)[0]:
                offer = inst.offers[int(o)]
                key = ("TOP_UP", offer.id)
                if key not in seen or seen[key].budget > req.budget:
                    seen[key] = Addition("TOP_UP", offer=offer.id, budget=req.budget, requests=1)
    for (theme, group), reqs in requests_by_key.items():
        spans = [covering_quarters(mission_span(inst, q), 7 * q.weeks) for q in reqs]  # type: ignore[arg-type]
        start = min(s for s, _ in spans)
        end = max(e for _, e in spans)
        add(("OFFER", theme, group), Addition(
            "OFFER", theme=theme, group=group, window=(start, end),
            budget=sum(q.budget for q in reqs), requests=len(reqs)))
    return list(seen.values()), unmatched


def analyse(
    inst: Instance,
    result: Result,
    *,
    fixed: Sequence[FixedMatch] = (),
    time_limit: float = 5.0,
    max_candidates: int = 12,
    on_candidate: Callable[[int, int], None] | None = None,
) -> DemandAnalysis:
    """Re-solve the most promising additions; keep those that match more requests, best first.

    `time_limit` is per re-solve. `on_candidate(done, total)` reports progress (and may raise to
    stop the analysis).
    """
    start = dt.datetime.now()
    additions, unmatched = candidate_additions(inst, result)
    if not unmatched:
        return DemandAnalysis((), 0, 0.0)
    reached = [(a, _reach(inst, a, unmatched)) for a in additions]
    # The widest reach first; at equal reach, experts before money (cheaper to find).
    order = {"EXPERT": 0, "TOP_UP": 1, "OFFER": 2}
    reached = sorted((x for x in reached if x[1] > 0), key=lambda x: (-x[1], order[x[0].kind]))
    tried = reached[:max_candidates]
    matched = {m.request for m in result.matches}
    suggestions: list[Suggestion] = []
    for done, (addition, reach) in enumerate(tried):
        if on_candidate is not None:
            on_candidate(done, len(tried))
        grown = solve(with_addition(inst, addition), time_limit=time_limit, fixed=fixed)
        now = {m.request for m in grown.matches}
        suggestion = Suggestion(
            addition=addition, reach=reach,
            newly_matched=tuple(sorted(now - matched, key=inst.request_index.__getitem__)),
            no_longer_matched=tuple(sorted(matched - now, key=inst.request_index.__getitem__)),
            score_gain=grown.score - result.score,
            proven=grown.status is Status.OPTIMAL,
        )
        # Several candidates often unlock the same requests (an expert on either of a
        # request's themes): keep the first, which had the widest reach.
        same = any(s.newly_matched == suggestion.newly_matched
                   and s.no_longer_matched == suggestion.no_longer_matched
                   and s.addition.kind == addition.kind for s in suggestions)
        if suggestion.gain > 0 and not same:
            suggestions.append(suggestion)
    suggestions.sort(key=lambda s: (-s.gain, -s.score_gain, order[s.addition.kind]))
    seconds = (dt.datetime.now() - start).total_seconds()
    return DemandAnalysis(tuple(suggestions), len(tried), seconds)
