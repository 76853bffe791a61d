"""What must hold after every step of the year, each figure recomputed from the records.

The published figures (publicStatistics, the item 10 report, the /exports/ data sets) are read
as their readers read them; the expected values are counted here in Python from the rows, by
the rules docs/statistics.md states, so that a figure that drifts from the records is caught
on the step that made it drift.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime
from statistics import median

from sqlmodel import Session, select

from facility.engagements.models import Engagement, FollowUpReport
from facility.offers.models import Offer, OfferStatus
from facility.reference.models import GROUP_CODES, State
from facility.reports import item10
from facility.requests.models import CapacityRequest, RequestStatus
from facility.stories.models import StoryStatus, SuccessStory
from facility.timeutil import as_utc, today
from governance.models import (
    CriteriaSet,
    CriteriaStatus,
    MatchProposal,
    Motion,
    MotionKind,
    MotionStatus,
    OptimiserRun,
    ProposalStatus,
)

HOLDING = (ProposalStatus.APPROVED, ProposalStatus.CONFIRMED)
FINISHED_ENGAGEMENT = ("COMPLETED", "CANCELLED")  # they hold no request slot nor expert any more


def check(world, after: str) -> None:
    """Every invariant of the year, named by the step it follows."""
    years = list(range(world.first_day.year, today().year + 1))  # each year of the story so far
    # What the readers see is fetched first: on SQLite a session reading the records holds the
    # database, so the app must not be called while it is open.
    runs = [world.gql("secretariat", "OptimiserRun", id=run_id)["optimiserRun"] for run_id in world.runs]
    figures = {year: world.gql(None, "PublicStatistics", year=year)["publicStatistics"]
               for year in [None, *years]}
    exports = {name: _export(world, name) for name in ("offers", "decisions", "criteria")}
    with world.records() as db:
        every_run_done(db, after, runs)
        offers_within_capacity(db, after)
        experts_within_load(db, after)
        statistics_match_records(db, after, figures)
        item10_matches_records(db, after, years)
        exports_match_records(db, after, exports)
    world.cli("audit", "verify")  # exits 1, failing here, when the chain does not verify


# Runs, capacity, load ------------------------------------------------------------------------

def every_run_done(db: Session, after: str, runs: list[dict]) -> None:
    statuses = {run.id: run.status for run in db.exec(select(OptimiserRun))}
    assert all(s == "DONE" for s in statuses.values()), (after, statuses)
    assert len(runs) == len(statuses), (after, runs)
    for run in runs:
        assert (run["status"], run["error"]) == ("DONE", None), (after, run)


def _live(db: Session) -> list[tuple[MatchProposal, Engagement | None]]:
    """Approved or confirmed matches whose engagement has not finished: what holds capacity."""
    engagements = {e.proposal_id: e for e in db.exec(select(Engagement))}
    return [(p, engagements.get(p.id)) for p in db.exec(
        select(MatchProposal).where(MatchProposal.status.in_(HOLDING)))  # type: ignore[attr-defined]
        if engagements.get(p.id) is None or engagements[p.id].status not in FINISHED_ENGAGEMENT]


def offers_within_capacity(db: Session, after: str) -> None:
    """No offer funds more than its budget (all it ever committed) or, at once, its count."""
    requests = {r.id: r for r in db.exec(select(CapacityRequest))}
    spent, open_count = Counter(), Counter()
    for p in db.exec(select(MatchProposal).where(MatchProposal.status.in_(HOLDING))):  # type: ignore[attr-defined]
        spent[p.offer_id] += requests[p.request_id].budget
    for p, _engagement in _live(db):
        open_count[p.offer_id] += 1
    for offer in db.exec(select(Offer)):
        assert spent[offer.id] <= offer.budget, (after, offer.title, spent[offer.id], offer.budget)
        assert open_count[offer.id] <= offer.max_requests, (after, offer.title, open_count[offer.id])


def experts_within_load(db: Session, after: str) -> None:
    """At no date does an expert serve more open matches than they take at a time."""
    from facility.experts.models import Expert

    requests = {r.id: r for r in db.exec(select(CapacityRequest))}
    periods: dict[int, list[tuple[date, date]]] = {}
    for p, engagement in _live(db):
        request = requests[p.request_id]
        span = ((engagement.start, engagement.end) if engagement
                else (request.window_start, request.window_end))
        for expert_id in (engagement.expert_ids if engagement else p.expert_ids):
            periods.setdefault(expert_id, []).append(span)
    for expert in db.exec(select(Expert)):
        spans = periods.get(expert.id, [])
        busiest = max((sum(1 for s, e in spans if s <= day <= e) for day, _ in spans), default=0)
        assert busiest <= expert.max_assignments, (after, expert.id, spans)


# Public statistics and the item 10 figures -----------------------------------------------------

def _in_year(moment: datetime | date | None, year: int | None) -> bool:
    if moment is None:
        return False
    return year is None or moment.year == year


def _groups(db: Session) -> dict[str, str]:
    return {s.code: s.regional_group_code for s in db.exec(select(State))}


def _demand(db: Session, year: int | None) -> tuple[list[CapacityRequest], list[CapacityRequest]]:
    """Submitted requests of the year (drafts never), and apart those withdrawn since."""
    submitted = [r for r in db.exec(select(CapacityRequest))
                 if r.status != RequestStatus.DRAFT and _in_year(as_utc(r.submitted_at), year)]
    return ([r for r in submitted if r.status != RequestStatus.WITHDRAWN],
            [r for r in submitted if r.status == RequestStatus.WITHDRAWN])


def _funded(db: Session) -> set[int]:
    engaged = {e.request_id for e in db.exec(select(Engagement))}
    return engaged | {p.request_id for p in db.exec(select(MatchProposal).where(
        MatchProposal.status.in_(HOLDING)))}  # type: ignore[attr-defined]


def _latest_reports(db: Session) -> list[FollowUpReport]:
    return [r for r in db.exec(select(FollowUpReport)) if not r.superseded]


def _compliance(reports: list[FollowUpReport], on: date | None = None) -> Counter:
    """Reports due, overdue, submitted on time and late as they stood at the end of `on`."""
    on = on or today()
    counts = Counter()
    for r in reports:
        submitted = r.first_submitted_at is not None and as_utc(r.first_submitted_at).date() <= on
        if not submitted:
            counts["overdue" if on > r.due_date else "due"] += 1
        else:
            counts["onTime" if r.on_time else "late"] += 1
    return counts


def statistics_match_records(db: Session, after: str, published: dict) -> None:
    """publicStatistics, for all years and for each year, against the records."""
    groups = _groups(db)
    funded = _funded(db)
    for year, figures in published.items():
        demand, withdrawn = _demand(db, year)
        by_group = Counter(groups[r.state_code] for r in demand)
        gone = Counter(groups[r.state_code] for r in withdrawn)
        assert {g["regionalGroup"]: (g["requests"], g["withdrawn"]) for g in figures["requestsByGroup"]} \
            == {g: (by_group[g], gone[g]) for g in GROUP_CODES}, (after, year)

        expected_funding = Counter()
        for r in demand:
            key = (groups[r.state_code], r.currency)
            expected_funding[(*key, "requests")] += 1
            expected_funding[(*key, "requested")] += r.budget
            if r.id in funded:
                expected_funding[(*key, "funded_requests")] += 1
                expected_funding[(*key, "funded")] += r.budget
        shown = Counter()
        for f in figures["fundingByGroup"]:
            key = (f["regionalGroup"], f["currency"])
            shown.update({(*key, "requests"): f["requests"],
                          (*key, "requested"): f["requestedBudget"],
                          (*key, "funded_requests"): f["fundedRequests"],
                          (*key, "funded"): f["fundedBudget"]})
        assert +shown == +expected_funding, (after, year, shown, expected_funding)

        requests = {r.id: r for r in db.exec(select(CapacityRequest))}
        engaged = Counter(groups[requests[e.request_id].state_code] for e in db.exec(select(Engagement))
                          if _in_year(as_utc(e.created_at), year))
        delays = {d["regionalGroup"]: d["engagements"] for d in figures["timeToEngagement"]}
        assert delays == {**{g: engaged[g] for g in GROUP_CODES},
                          None: sum(engaged.values())}, (after, year)
        waits = [(as_utc(e.created_at) - as_utc(requests[e.request_id].submitted_at)).total_seconds()
                 / 86400 for e in db.exec(select(Engagement)) if _in_year(as_utc(e.created_at), year)]
        [all_groups] = [d for d in figures["timeToEngagement"] if d["regionalGroup"] is None]
        assert all_groups["medianDays"] == (round(median(waits), 1) if waits else None), (after, year)

        reports = [r for r in _latest_reports(db) if _in_year(r.due_date, year)]
        [every] = [c for c in figures["followUpCompliance"] if c["regionalGroup"] is None]
        assert {k: every[k] for k in ("due", "overdue", "onTime", "late")} == \
            {k: _compliance(reports)[k] for k in ("due", "overdue", "onTime", "late")}, (after, year)

        submitted = Counter(r.kind for r in reports if r.first_submitted_at is not None)
        assert {i["reportKind"]: i["reports"] for i in figures["implementationStatus"]} == \
            {kind: submitted[kind] for kind in ("TWELVE_MONTHS", "TWENTY_FOUR_MONTHS")}, (after, year)


def item10_matches_records(db: Session, after: str, years: list[int]) -> None:
    """The figures of the item 10 report (facility.reports.item10.collect), year by year."""
    funded = _funded(db)
    runs = {run.id: run for run in db.exec(select(OptimiserRun))}
    for year in years:
        report = item10.collect(db, year=year)
        demand, withdrawn = _demand(db, year)
        assert (report.requests, report.withdrawn) == (len(demand), len(withdrawn)), (after, year)
        assert report.funded_requests == len([r for r in demand if r.id in funded]), (after, year)
        agreed = [e for e in db.exec(select(Engagement)) if _in_year(as_utc(e.created_at), year)]
        assert report.engagements_agreed == len(agreed), (after, year)
        budget = Counter()
        for e in agreed:
            budget[e.currency] += e.budget
        assert dict(report.engagement_budget) == dict(budget), (after, year)
        proposals = Counter(p.status for p in db.exec(select(MatchProposal))
                            if _in_year(as_utc(runs[p.run_id].created_at), year))
        assert {s.status: s.count for s in report.proposals} == \
            {s.value: proposals[s.value] for s in ProposalStatus}, (after, year)
        # Follow-up as the report counts it: as of the year's end (today while it runs), among
        # the engagements that had ended by then.
        on = report.as_of
        ended = {e.id for e in db.exec(select(Engagement)) if e.end <= on}
        compliance = _compliance([r for r in _latest_reports(db) if r.engagement_id in ended], on)
        every = report.all_compliance
        assert (every.due, every.overdue, every.on_time, every.late) == (
            compliance["due"], compliance["overdue"], compliance["onTime"], compliance["late"]), (after, year)
        published = [s for s in db.exec(select(SuccessStory))
                     if s.status == StoryStatus.PUBLISHED and _in_year(as_utc(s.published_at), year)]
        assert len(report.stories) == len(published), (after, year)


# The public exports --------------------------------------------------------------------------

def _export(world, name: str) -> tuple[list[dict], list[dict]]:
    """A data set as JSON rows and as CSV rows, downloaded anonymously from /exports/."""
    as_json, as_csv = world.api.get(f"/exports/{name}.json"), world.api.get(f"/exports/{name}.csv")
    assert as_json.status_code == 200 and as_csv.status_code == 200, name
    return as_json.json()["rows"], list(csv.DictReader(io.StringIO(as_csv.text)))


def exports_match_records(db: Session, after: str, exports: dict) -> None:
    offers, offers_csv = exports["offers"]
    public = [o for o in db.exec(select(Offer)) if o.status in (OfferStatus.PUBLISHED, OfferStatus.CLOSED)]
    assert sorted(o["title"] for o in offers) == sorted(o.title for o in public), after
    assert len(offers_csv) == len(offers), after
    assert sum(o["budget"] for o in offers) == sum(o.budget for o in public), after

    decisions, decisions_csv = exports["decisions"]
    decided = [m for m in db.exec(select(Motion)) if m.status != MotionStatus.OPEN
               and m.kind in (MotionKind.SCREENING, MotionKind.PROPOSAL)]
    wording = {("SCREENING", "PASSED"): "ELIGIBLE", ("SCREENING", "FAILED"): "INELIGIBLE",
               ("PROPOSAL", "PASSED"): "APPROVED", ("PROPOSAL", "FAILED"): "REJECTED"}
    assert Counter(d["decision"] for d in decisions) == \
        Counter(wording[(m.kind, m.status)] for m in decided), after
    assert len(decisions_csv) == len(decisions), after

    rules, rules_csv = exports["criteria"]
    [in_force] = [c for c in db.exec(select(CriteriaSet)) if c.status == CriteriaStatus.IN_FORCE]
    assert {r["version"] for r in rules} == {in_force.version}, after
    assert len(rules_csv) == len(rules), after

