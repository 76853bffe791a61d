"""What an optimiser run carries from earlier rounds: the capacity agreed matches hold.

A match approved by the committee or confirmed by both parties, whose engagement is not
completed, holds its offer (its budget and one of the offer's requests) and its experts
(one place each, during the engagement's dates, or the request's window while the dates are
not set). It is never judged again by the criteria in force: it was decided under the
version it was proposed with, which the run records. A completed engagement holds nothing
but the budget it spent. Each becomes a `matching.Commitment` (matching/commitments.py
takes it off the instance) and a record stored on the run (`OptimiserRun.carried`).

A match that can no longer hold as agreed (its offer closed, an expert of its team erased or
without consent to matching, or more agreed on an offer or an expert than it takes) is
reported on its record, with a cause the run's page and GraphQL put in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

import matching
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.engagements.models import Engagement, EngagementStatus
from facility.experts.models import Expert
from facility.offers.models import Offer, OfferStatus
from facility.requests.models import CapacityRequest
from governance.models import MatchProposal, OptimiserRun
from governance.proposals import HOLDS_CAPACITY

OFFER_NOT_OPEN = "offer_not_open"
EXPERT_NOT_MATCHABLE = "expert_not_matchable"
OFFER_CAUSES = (OFFER_NOT_OPEN, matching.commitments.OFFER_OVER_BUDGET,
                matching.commitments.OFFER_OVER_REQUESTS)

# What a record holds: a whole match, or only the budget a completed engagement spent.
HOLDS_MATCH = "MATCH"
HOLDS_BUDGET = "BUDGET"


@dataclass(frozen=True)
class Carried:
    """The commitments handed to the optimiser and their records, in the same order."""

    commitments: list[matching.Commitment]
    records: list[dict[str, Any]]

    def with_problems(self, found: tuple[tuple[matching.CommitmentProblem, ...], ...],
                      ) -> list[dict[str, Any]]:
        """The records with the capacities `matching.residual` found exceeded added."""
        return [{**record, "problems": record["problems"] + [
            {"cause": p.cause, "subject": int(p.subject[1:])} for p in problems]}
            for record, problems in zip(self.records, found, strict=True)]


def agreed(session: Session, *, offer_ids: dict[int, str], expert_ids: dict[int, str],
           matchable: set[int]) -> Carried:
    """The agreed matches as commitments on the instance's offers and experts (database id
    to instance id), `matchable` being the experts who consent to matching."""
    rows = session.exec(select(MatchProposal, Engagement).outerjoin(
        Engagement, col(Engagement.proposal_id) == MatchProposal.id)
        .where(col(MatchProposal.status).in_(HOLDS_CAPACITY))
        .order_by(col(MatchProposal.id))).all()
    versions = dict(session.exec(select(OptimiserRun.id, OptimiserRun.criteria_version).where(
        col(OptimiserRun.id).in_({p.run_id for p, _ in rows}))).all())
    requests = {r.id: r for r in session.exec(select(CapacityRequest).where(
        col(CapacityRequest.id).in_({p.request_id for p, _ in rows})))}
    offers = {o.id: o for o in session.exec(select(Offer).where(
        col(Offer.id).in_({p.offer_id for p, _ in rows})))}
    commitments, records = [], []
    for proposal, engagement in rows:
        offer = offer_ids.get(proposal.offer_id)
        record: dict[str, Any] = {"proposal": proposal.id, "request": proposal.request_id,
                                  "offer": proposal.offer_id,
                                  "criteria_version": versions.get(proposal.run_id),
                                  "problems": []}
        if engagement is not None and engagement.status == EngagementStatus.COMPLETED:
            if offer is None:
                continue  # its offer is not in this run: it constrains nothing here
            commitments.append(matching.Commitment(offer=offer, budget=engagement.budget))
            records.append({**record, "holds": HOLDS_BUDGET, "budget": engagement.budget,
                            "experts": [], "dates": None})
            continue
        request = requests[proposal.request_id]
        if engagement is not None:
            team, dates = list(engagement.expert_ids), (engagement.start, engagement.end)
            budget = engagement.budget
        else:
            team, dates = list(proposal.expert_ids), (request.window_start, request.window_end)
            budget = request.budget
        if offers[proposal.offer_id].status != OfferStatus.PUBLISHED:
            record["problems"].append({"cause": OFFER_NOT_OPEN, "subject": proposal.offer_id})
        record["problems"] += [{"cause": EXPERT_NOT_MATCHABLE, "subject": e}
                               for e in team if e not in matchable]
        commitments.append(matching.Commitment(
            offer=offer, budget=budget, takes_request=True,
            experts=tuple(expert_ids[e] for e in team if e in expert_ids), dates=dates))
        records.append({**record, "holds": HOLDS_MATCH, "budget": budget, "experts": team,
                        "dates": [d.isoformat() for d in dates]})
    return Carried(commitments=commitments, records=records)


@dataclass(frozen=True)
class Subjects:
    """The offers and experts a run's records name, loaded together."""

    offers: dict[int, Offer]
    experts: dict[int, Expert]


def subjects_of(session: Session, records: list[dict[str, Any]]) -> Subjects:
    """The offers and experts of these records and their problems, in two statements."""
    offer_ids = {r["offer"] for r in records} | {
        p["subject"] for r in records for p in r["problems"] if p["cause"] in OFFER_CAUSES}
    expert_ids = {p["subject"] for r in records for p in r["problems"]
                  if p["cause"] not in OFFER_CAUSES}
    offers = {o.id: o for o in session.exec(
        select(Offer).where(col(Offer.id).in_(offer_ids)))}
    experts = {e.id: e for e in session.exec(
        select(Expert).where(col(Expert.id).in_(expert_ids)))}
    return Subjects(offers=offers, experts=experts)  # type: ignore[arg-type]


def problem_text(problem: dict[str, Any], subjects: Subjects, actor: Actor | None) -> str:
    """A recorded problem in plain words, naming the offer or the expert (the expert's name
    only for those who may see it, never for an erased person)."""
    cause = problem["cause"]
    if cause in OFFER_CAUSES:
        offer = subjects.offers.get(problem["subject"])
        what = f'the offer "{offer.title}"' if offer is not None else "its offer"
        return {
            OFFER_NOT_OPEN: f"{what} is no longer open ({offer.status.lower() if offer else 'gone'}):"
                            " nothing funds this agreed match any more",
            matching.commitments.OFFER_OVER_BUDGET:
                f"the matches agreed on {what} spend more than its budget: it funds nothing "
                "more in this run",
            matching.commitments.OFFER_OVER_REQUESTS:
                f"{what} has more agreed matches than its number of requests: it funds "
                "nothing more in this run",
        }[cause]
    expert = subjects.experts.get(problem["subject"])
    if expert is None or expert.erased_at is not None:
        who = "an erased expert"
    elif permissions.can_view_expert_personal(actor, expert):
        who = expert.name
    else:
        who = "an expert of the team"
    if cause == EXPERT_NOT_MATCHABLE:
        return (f"{who} no longer consents to being matched (or was erased): the team needs "
                "a replacement")
    return (f"{who} is agreed on more engagements at once than they take: they take no new "
            "one at those dates")


def dates_of(record: dict[str, Any]) -> tuple[date, date] | None:
    """The dates a record holds its experts (None for a completed engagement's budget)."""
    dates = record.get("dates")
    return (date.fromisoformat(dates[0]), date.fromisoformat(dates[1])) if dates else None
