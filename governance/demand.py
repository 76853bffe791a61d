"""Unmet demand for donors: what the last optimiser run left unmatched, why, and what would help.

The run stores, per unmatched request, its cause codes (`matching.explain.CAUSES`, plus
`other_currency`, `no_regional_group` and `no_theme` for requests the run could not take), and, once its
analysis has run (`governance.runs.analyse_unmet_demand`), suggestions computed by re-solving
the run's instance with candidate additions. This module reads them back and counts the unmet
requests by theme, regional group, language and kind of support.

Who sees what: partners (the donors this is for), the seated committee and the secretariat.
Partners get cause codes and figures; the full reasons, which name other offers' remaining
capacity and the requests that took it, stay with the committee and the secretariat, and a
suggestion to top up another partner's offer does not say which offer.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, col, select

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.errors import NotFound
from facility.offers.models import Offer
from facility.reference.models import State, Theme
from facility.requests.models import CapacityRequest, RequestTheme
from governance.models import OptimiserRun, RunStatus

# The currency every run compares budgets in (governance.runs reads it from here: the
# analysis of a run and the run itself speak of the same money).
RUN_CURRENCY = "USD"


@dataclass(frozen=True)
class CauseCount:
    cause: str
    requests: int


@dataclass(frozen=True)
class DemandSlice:
    """Unmet requests sharing one value of a dimension (a theme, a group, a language, a kind).
    Budgets are summed per currency, never across currencies: `budgets` is (currency, total)
    for each, `budget` the total in the runs' currency (governance.runs.RUN_CURRENCY)."""

    key: str
    requests: int
    budget: int
    causes: tuple[CauseCount, ...]
    budgets: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class UnmetRequest:
    request: CapacityRequest
    causes: tuple[str, ...]
    reasons: tuple[str, ...]  # empty for partners


@dataclass(frozen=True)
class DemandSuggestion:
    kind: str
    description: str
    theme: str | None
    language: str | None
    regional_group: str | None
    window_start: date | None
    window_end: date | None
    budget: int
    requests: int
    offer: Offer | None
    reach: int
    newly_matched: tuple[CapacityRequest, ...]
    no_longer_matched: tuple[CapacityRequest, ...]
    score_gain: int
    proven: bool

    @property
    def gain(self) -> int:
        return len(self.newly_matched) - len(self.no_longer_matched)


@dataclass(frozen=True)
class UnmetDemand:
    run: OptimiserRun
    requests: tuple[UnmetRequest, ...]
    by_theme: tuple[DemandSlice, ...]
    by_group: tuple[DemandSlice, ...]
    by_language: tuple[DemandSlice, ...]
    by_support_kind: tuple[DemandSlice, ...]
    analysed: bool
    analysis_error: str | None
    candidates_tried: int
    suggestions: tuple[DemandSuggestion, ...]


def _run(session: Session, run_id: int | None) -> OptimiserRun | None:
    if run_id is not None:
        run = session.get(OptimiserRun, run_id)
        return run if run is not None and run.status == RunStatus.DONE else None
    # The run that finished last (not the one made last: a run recorded afterwards for an
    # earlier round, as the demo's history is, finished before it).
    return session.exec(select(OptimiserRun).where(OptimiserRun.status == RunStatus.DONE,
                                                   col(OptimiserRun.finished_at).is_not(None))
                        .order_by(col(OptimiserRun.finished_at).desc(), col(OptimiserRun.id).desc())
                        .limit(1)).first()


def latest_run(session: Session) -> OptimiserRun | None:
    """The run whose unmet demand is current: the one that finished last."""
    return _run(session, None)


def _slices(items: Iterable[tuple[str, UnmetRequest]]) -> tuple[DemandSlice, ...]:
    members: dict[str, list[UnmetRequest]] = defaultdict(list)
    for key, unmet in items:
        members[key].append(unmet)
    out = []
    for key, rows in members.items():
        causes = Counter(c for u in rows for c in set(u.causes))
        budgets: Counter[str] = Counter()
        for u in rows:
            budgets[u.request.currency] += u.request.budget
        out.append(DemandSlice(
            key=key, requests=len(rows), budget=budgets.get(RUN_CURRENCY, 0),
            budgets=tuple(sorted(budgets.items())),
            causes=tuple(CauseCount(c, n) for c, n in sorted(causes.items(), key=lambda x: (-x[1], x[0])))))
    return tuple(sorted(out, key=lambda s: (-s.requests, s.key)))


def unmet_demand(session: Session, *, actor: Actor | None, run_id: int | None = None) -> UnmetDemand:
    """The unmet demand of a finished run (the latest by default), as this caller may see it."""
    if not permissions.can_view_unmet_demand(actor):
        raise NotFound("no unmet-demand analysis")
    run = _run(session, run_id)
    if run is None:
        raise NotFound("no finished optimiser run" if run_id is None else f"no finished run with id {run_id}")
    full = permissions.can_view_governance_internals(actor)
    entries = {u["request"]: u for u in run.unmatched}
    suggestions_data = (run.demand or {}).get("suggestions", [])
    mentioned = set(entries) | {r for s in suggestions_data
                                for r in s["newly_matched"] + s["no_longer_matched"]}
    visible = {r.id: r for r in session.exec(select(CapacityRequest).where(
        col(CapacityRequest.id).in_(mentioned), permissions.request_visibility(actor)))}
    groups = dict(session.exec(select(State.code, State.regional_group_code).where(
        col(State.code).in_({r.state_code for r in visible.values()}))).all())
    themes: dict[int, list[str]] = defaultdict(list)
    for request_id, name in session.exec(select(RequestTheme.request_id, Theme.name).join(
            Theme, col(Theme.id) == RequestTheme.theme_id)
            .where(col(RequestTheme.request_id).in_(list(entries)))):
        themes[request_id].append(name)
    offers = {o.id: o for o in session.exec(select(Offer).where(col(Offer.id).in_(
        {s["offer"] for s in suggestions_data if s.get("offer")})))}

    unmet = tuple(
        UnmetRequest(request=visible[rid], causes=tuple(e.get("causes", [])),
                     reasons=tuple(e.get("reasons", [])) if full else ())
        for rid, e in entries.items() if rid in visible)
    suggestions = []
    for s in suggestions_data:
        offer = offers.get(s["offer"]) if s.get("offer") else None
        description = s["description"]
        if offer is not None and not full and offer.partner_id != actor.partner_id:  # type: ignore[union-attr]
            offer = None
            description = f"Another partner's offer topped up by {s['budget']:,} and one more request"
        window = s.get("window")
        suggestions.append(DemandSuggestion(
            kind=s["kind"], description=description, theme=s.get("theme"), language=s.get("language"),
            regional_group=s.get("group"),
            window_start=date.fromisoformat(window[0]) if window else None,
            window_end=date.fromisoformat(window[1]) if window else None,
            budget=s["budget"], requests=s["requests"], offer=offer, reach=s["reach"],
            newly_matched=tuple(visible[r] for r in s["newly_matched"] if r in visible),
            no_longer_matched=tuple(visible[r] for r in s["no_longer_matched"] if r in visible),
            score_gain=s["score_gain"], proven=s["proven"]))
    return UnmetDemand(
        run=run, requests=unmet,
        by_theme=_slices((t, u) for u in unmet for t in themes.get(u.request.id, [])),
        by_group=_slices((groups.get(u.request.state_code) or "NONE", u) for u in unmet),
        by_language=_slices((lang, u) for u in unmet for lang in u.request.languages),
        by_support_kind=_slices((k, u) for u in unmet for k in u.request.support_kinds),
        analysed=run.demand is not None,
        analysis_error=(run.demand or {}).get("error"),
        candidates_tried=(run.demand or {}).get("candidates_tried", 0),
        suggestions=tuple(suggestions),
    )

