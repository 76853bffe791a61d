"""Capacity already agreed before a run: taken off the instance, never re-checked.

A match approved or scheduled in an earlier round was decided under the criteria of its
day. A new run must not judge it again by today's rules (a new theme list, a lower budget
ceiling, a larger team), only leave room for it: the offer has given part of its budget
and one of its requests, each expert one place during the agreed dates. `residual` returns
the instance with that capacity removed — an ordinary `facility-matching/1` instance, so
the solver, the checker and the unmet-demand analysis need to know nothing about it:

- an offer's `budget` loses what its commitments spend, `max_requests` one per commitment
  that takes a request (a completed engagement spends budget but takes none);
- an expert's `available` windows lose the days on which the expert is already on as many
  agreed engagements as `max_assignments` allows, so they stay free outside those dates;
  `max_assignments` loses the most agreed engagements the expert has at any one time within
  what remains (the model counts a run's assignments as if they were simultaneous).

Capacity already exceeded (an offer that gave more than its budget, an expert agreed on
more engagements at once than they take) leaves nothing for the run and is reported, per
commitment, rather than refused: the agreements stand, the run just cannot add to them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from matching.instance import Expert, Instance, InstanceError, Interval, Offer

OFFER_OVER_BUDGET = "offer_over_budget"
OFFER_OVER_REQUESTS = "offer_over_requests"
EXPERT_OVER_LOAD = "expert_over_load"

_DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Commitment:
    """Capacity an agreement outside this run uses. `offer` is an offer id of the instance
    (None when the agreement's offer is not in the run); `experts` are taken during `dates`."""

    offer: str | None = None
    budget: int = 0
    takes_request: bool = False
    experts: tuple[str, ...] = ()
    dates: Interval | None = None


@dataclass(frozen=True, slots=True)
class CommitmentProblem:
    """A capacity the commitments already exceed: `cause` is one of the constants above,
    `subject` the offer or expert id."""

    cause: str
    subject: str


def residual(instance: Instance, commitments: Sequence[Commitment],
             ) -> tuple[Instance, tuple[tuple[CommitmentProblem, ...], ...]]:
    """The instance with the commitments' capacity taken off, and per commitment (same
    order) the capacities it shares that the commitments already exceed."""
    _check_ids(instance, commitments)
    problems: list[list[CommitmentProblem]] = [[] for _ in commitments]
    offers = tuple(_offer_left(o, [(i, c) for i, c in enumerate(commitments) if c.offer == o.id],
                               problems) for o in instance.offers)
    experts = tuple(_expert_left(e, [(i, c) for i, c in enumerate(commitments)
                                     if e.id in c.experts], problems) for e in instance.experts)
    left = dataclasses.replace(instance, offers=offers, experts=experts)
    return left, tuple(tuple(p) for p in problems)


def _check_ids(instance: Instance, commitments: Sequence[Commitment]) -> None:
    wrong = []
    for k, c in enumerate(commitments):
        where = f"commitments[{k}]"
        if c.offer is not None and c.offer not in instance.offer_index:
            wrong.append(f'{where}: field "offer": unknown offer id "{c.offer}"')
        wrong += [f'{where}: field "experts": unknown expert id "{e}"'
                  for e in c.experts if e not in instance.expert_index]
        if c.experts and c.dates is None:
            wrong.append(f'{where}: field "dates": missing (experts are taken on dates)')
        if c.budget < 0:
            wrong.append(f'{where}: field "budget": must be at least 0, got {c.budget}')
    if wrong:
        raise InstanceError(wrong)


def _offer_left(offer: Offer, mine: list[tuple[int, Commitment]],
                problems: list[list[CommitmentProblem]]) -> Offer:
    if not mine:
        return offer
    spent = sum(c.budget for _, c in mine)
    taken = sum(1 for _, c in mine if c.takes_request)
    for cause, over in ((OFFER_OVER_BUDGET, spent > offer.budget),
                        (OFFER_OVER_REQUESTS, taken > offer.max_requests)):
        if over:
            for i, _ in mine:
                problems[i].append(CommitmentProblem(cause, offer.id))
    return dataclasses.replace(offer, budget=max(0, offer.budget - spent),
                               max_requests=max(0, offer.max_requests - taken))


def _expert_left(expert: Expert, mine: list[tuple[int, Commitment]],
                 problems: list[list[CommitmentProblem]]) -> Expert:
    if not mine:
        return expert
    booked = [c.dates for _, c in mine]
    limit = expert.max_assignments
    for i, c in mine:
        if max(load for _, _, load in _segments([c.dates], booked)) > limit:  # type: ignore[list-item]
            problems[i].append(CommitmentProblem(EXPERT_OVER_LOAD, expert.id))
    windows: list[Interval] = []
    peak = 0
    for window in expert.available:
        # Each window on its own: the rule takes one window at a time, so pieces of one are
        # joined again where they meet, never with a neighbouring window.
        joined: list[list[dt.date]] = []
        for start, end, load in _segments([window], booked):
            if load >= limit:
                continue
            peak = max(peak, load)
            if joined and joined[-1][1] + _DAY == start:
                joined[-1][1] = end
            else:
                joined.append([start, end])
        windows += [(s, e) for s, e in joined]
    return dataclasses.replace(expert, available=tuple(windows),
                               max_assignments=max(0, limit - peak))


def _segments(windows: Sequence[Interval], booked: Sequence[Interval],
              ) -> list[tuple[dt.date, dt.date, int]]:
    """The windows cut where the booked intervals start and end, each piece with the number
    of booked intervals covering it."""
    cuts = sorted({s for s, _ in booked} | {e + _DAY for _, e in booked})
    pieces = []
    for start, end in windows:
        points = [start, *(c for c in cuts if start < c <= end), end + _DAY]
        for a, b in itertools.pairwise(points):
            last = b - _DAY
            pieces.append((a, last, sum(1 for s, e in booked if s <= a and last <= e)))
    return pieces
