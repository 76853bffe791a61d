"""Public statistics: aggregate figures anyone may read, for GraphQL, the web pages and reports.

Rules every figure follows (written once here, and in docs/statistics.md):
- **Demand** is a request the State submitted (`submitted_at` set, status not `DRAFT`): drafts
  never count. A request withdrawn after submission is no longer demand: it is left out of
  every count and sum and reported in its own `withdrawn` column, so the figures reconcile.
- **Year** (optional): requests by the year they were submitted, proposals by the year of
  their optimiser run, engagements by the year they were agreed, follow-up reports by the
  year they fall due, success stories by the year they were published. All dates are UTC.
- **Funded**: a request with an engagement or a proposal the committee approved. Budgets
  are summed per currency, never converted.
- Each function runs a fixed number of SQL statements (group-by queries), whatever the
  number of rows; medians and the implementation counts, which SQLite cannot compute, are
  taken in Python from the one result set that the statement returns.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import median

from sqlalchemy import Integer, and_, case, exists, func, or_, true
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col, select

from facility.dialogue.models import ProgressUpdate, UpdateStatus
from facility.engagements import compliance
from facility.engagements.models import (
    Engagement,
    EngagementStatus,
    FollowUpReport,
    ImplementationStatus,
    ReportKind,
)
from facility.reference.models import RecommendationSdg, RegionalGroup, SdgGoal, State, Theme
from facility.requests.models import (
    CapacityRequest,
    RequestRecommendation,
    RequestStatus,
    RequestTheme,
)
from governance.models import MatchProposal, OptimiserRun, ProposalStatus

FUNDED_PROPOSALS = (ProposalStatus.APPROVED, ProposalStatus.CONFIRMED)


# The figures ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupRequests:
    group: str
    name: str
    requests: int
    withdrawn: int


@dataclass(frozen=True)
class ThemeRequests:
    theme: str
    requests: int


@dataclass(frozen=True)
class SdgRequests:
    goal: int
    title: str
    requests: int


@dataclass(frozen=True)
class GroupFunding:
    group: str
    name: str
    currency: str
    requests: int
    funded_requests: int
    requested: int
    funded: int

    @property
    def share(self) -> float | None:
        """Funded budget over requested budget, or None when nothing was requested."""
        return self.funded / self.requested if self.requested else None


@dataclass(frozen=True)
class GroupDelay:
    """Days from a request's submission to its engagement (group None: all groups)."""

    group: str | None
    name: str
    engagements: int
    median_days: float | None


@dataclass(frozen=True)
class Compliance:
    """Follow-up reports (latest versions) by status today (group None: all groups)."""

    group: str | None
    name: str
    due: int
    overdue: int
    on_time: int
    late: int

    @property
    def total(self) -> int:
        return self.due + self.overdue + self.on_time + self.late


@dataclass(frozen=True)
class Implementation:
    """Implementation status of linked recommendations in the latest submitted reports."""

    kind: ReportKind
    reports: int
    not_started: int
    partially_implemented: int
    fully_implemented: int

    @property
    def recommendations(self) -> int:
        return self.not_started + self.partially_implemented + self.fully_implemented


@dataclass(frozen=True)
class GroupUpdates:
    """Progress updates States published on the dialogue platform (group None: all groups)."""

    group: str | None
    name: str
    updates: int
    states: int
    fully_implemented: int
    partially_implemented: int
    not_started: int
    barriers: int  # updates that name barriers met
    support_wanted: int  # updates that ask for support


@dataclass(frozen=True)
class StatusCount:
    status: str
    count: int


# Shared conditions ---------------------------------------------------------------------------

def _year_range(column, year: int | None) -> ColumnElement[bool]:
    if year is None:
        return column.is_not(None)
    return and_(column >= datetime(year, 1, 1, tzinfo=UTC), column < datetime(year + 1, 1, 1, tzinfo=UTC))


def _date_range(column, year: int | None) -> ColumnElement[bool]:
    if year is None:
        return column.is_not(None)
    return and_(column >= date(year, 1, 1), column < date(year + 1, 1, 1))


def _submitted(year: int | None) -> ColumnElement[bool]:
    """Submitted requests (never drafts), withdrawn ones included: callers split them out."""
    return and_(col(CapacityRequest.status) != RequestStatus.DRAFT,
                _year_range(CapacityRequest.submitted_at, year))


def _demand(year: int | None) -> ColumnElement[bool]:
    return and_(_submitted(year), col(CapacityRequest.status) != RequestStatus.WITHDRAWN)


def _groups(session: Session) -> list[RegionalGroup]:
    return list(session.exec(select(RegionalGroup).order_by(RegionalGroup.code)).all())


_WITHDRAWN = case((col(CapacityRequest.status) == RequestStatus.WITHDRAWN, 1), else_=0)


# Requests ------------------------------------------------------------------------------------

def requests_by_group(session: Session, *, year: int | None = None) -> list[GroupRequests]:
    """Submitted requests per regional group (every group listed, zeros included)."""
    rows = session.exec(
        select(State.regional_group_code, func.count() - func.sum(_WITHDRAWN), func.sum(_WITHDRAWN))
        .join(State, col(State.code) == CapacityRequest.state_code)
        .where(_submitted(year)).group_by(State.regional_group_code)).all()
    found = {code: (int(n), int(w)) for code, n, w in rows}
    return [GroupRequests(group=g.code, name=g.name, requests=found.get(g.code, (0, 0))[0],
                          withdrawn=found.get(g.code, (0, 0))[1]) for g in _groups(session)]


def requests_by_theme(session: Session, *, year: int | None = None) -> list[ThemeRequests]:
    """Requests per theme, most requested first; a request with two themes counts in both."""
    rows = session.exec(
        select(Theme.name, func.count(func.distinct(CapacityRequest.id)))
        .join(RequestTheme, col(RequestTheme.theme_id) == Theme.id)
        .join(CapacityRequest, col(CapacityRequest.id) == RequestTheme.request_id)
        .where(_demand(year)).group_by(Theme.name)).all()
    return sorted((ThemeRequests(theme=name, requests=int(n)) for name, n in rows),
                  key=lambda t: (-t.requests, t.theme))


def requests_by_sdg(session: Session, *, year: int | None = None) -> list[SdgRequests]:
    """Requests per SDG goal, through the goals of their linked recommendations."""
    # Grouped by the goal number alone (PostgreSQL cannot group by a JSON column), then joined
    # to the goals for their titles: still one statement.
    counts = (select(col(RecommendationSdg.goal_number).label("goal"),
                     func.count(func.distinct(CapacityRequest.id)).label("requests"))
              .join(RequestRecommendation,
                    col(RequestRecommendation.recommendation_id) == RecommendationSdg.recommendation_id)
              .join(CapacityRequest, col(CapacityRequest.id) == RequestRecommendation.request_id)
              .where(_demand(year)).group_by(col(RecommendationSdg.goal_number)).subquery())
    rows = session.exec(select(SdgGoal.number, SdgGoal.short_titles, counts.c.requests)
                        .join(counts, counts.c.goal == SdgGoal.number)
                        .order_by(col(SdgGoal.number))).all()
    return [SdgRequests(goal=number, title=(titles or {}).get("en", f"Goal {number}"), requests=int(n))
            for number, titles, n in rows]


def funding_by_group(session: Session, *, year: int | None = None) -> list[GroupFunding]:
    """Share of the requested budget that is funded, per regional group and currency."""
    funded = or_(
        exists().where(col(Engagement.request_id) == CapacityRequest.id),
        exists().where(col(MatchProposal.request_id) == CapacityRequest.id,
                       col(MatchProposal.status).in_(FUNDED_PROPOSALS)))
    is_funded = case((funded, 1), else_=0)
    rows = session.exec(
        select(col(State.regional_group_code), col(CapacityRequest.currency), func.count(),
               func.sum(is_funded), func.sum(CapacityRequest.budget),
               func.sum(CapacityRequest.budget * is_funded))
        .join(State, State.code == CapacityRequest.state_code)
        .where(_demand(year))
        .group_by(State.regional_group_code, CapacityRequest.currency)).all()
    names = {g.code: g.name for g in _groups(session)}
    return sorted((GroupFunding(group=code, name=names.get(code, code), currency=currency,
                                requests=int(n), funded_requests=int(fn), requested=int(req),
                                funded=int(fund))
                   for code, currency, n, fn, req, fund in rows),
                  key=lambda f: (f.group, f.currency))


def time_to_engagement(session: Session, *, year: int | None = None) -> list[GroupDelay]:
    """Median days from submission to engagement, per group, then for all groups (last)."""
    rows = session.exec(
        select(State.regional_group_code, CapacityRequest.submitted_at, Engagement.created_at)
        .join(CapacityRequest, col(CapacityRequest.id) == Engagement.request_id)
        .join(State, col(State.code) == CapacityRequest.state_code)
        .where(col(CapacityRequest.submitted_at).is_not(None),
               _year_range(Engagement.created_at, year))).all()
    days: dict[str, list[float]] = {}
    for code, submitted, engaged in rows:
        delta = _aware(engaged) - _aware(submitted)
        days.setdefault(code, []).append(max(delta.total_seconds(), 0) / 86400)
    result = [GroupDelay(group=g.code, name=g.name, engagements=len(days.get(g.code, [])),
                         median_days=_median(days.get(g.code, []))) for g in _groups(session)]
    every = [d for values in days.values() for d in values]
    return [*result, GroupDelay(group=None, name="All groups", engagements=len(every),
                                median_days=_median(every))]


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; everything the application stores is UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _median(values: list[float]) -> float | None:
    return round(median(values), 1) if values else None


# Follow-up -----------------------------------------------------------------------------------

def follow_up_compliance(session: Session, *, year: int | None = None,
                         as_of: date | None = None) -> list[Compliance]:
    """Reports due, overdue, submitted on time and late at the end of `as_of` (default today),
    per group, then all groups; reports of engagements that ended after `as_of` did not exist
    yet and are left out."""
    rows = session.exec(
        select(State.regional_group_code, *compliance.status_counts(as_of))
        .select_from(FollowUpReport)
        .join(Engagement, Engagement.id == FollowUpReport.engagement_id)
        .join(CapacityRequest, CapacityRequest.id == Engagement.request_id)
        .join(State, State.code == CapacityRequest.state_code)
        .where(~FollowUpReport.superseded, _date_range(FollowUpReport.due_date, year),
               Engagement.end <= as_of if as_of else true())
        .group_by(State.regional_group_code)).all()
    found = {code: tuple(int(v or 0) for v in values) for code, *values in rows}
    result = [Compliance(g.code, g.name, *found.get(g.code, (0, 0, 0, 0))) for g in _groups(session)]
    totals = [sum(getattr(c, f) for c in result) for f in ("due", "overdue", "on_time", "late")]
    return [*result, Compliance(None, "All groups", *totals)]


def implementation_status(session: Session, *, year: int | None = None) -> list[Implementation]:
    """Counts per implementation status, from the latest submitted version of each report."""
    latest = (select(FollowUpReport.engagement_id, FollowUpReport.kind,
                     func.max(FollowUpReport.version).label("version"))
              .where(col(FollowUpReport.submitted_at).is_not(None),
                     _date_range(FollowUpReport.due_date, year))
              .group_by(col(FollowUpReport.engagement_id), col(FollowUpReport.kind)).subquery())
    rows = session.exec(
        select(FollowUpReport.kind, FollowUpReport.recommendations)
        .join(latest, and_(col(FollowUpReport.engagement_id) == latest.c.engagement_id,
                           col(FollowUpReport.kind) == latest.c.kind,
                           col(FollowUpReport.version) == latest.c.version))).all()
    counts = {kind: Counter() for kind in ReportKind}
    reports = Counter()
    for kind, recommendations in rows:
        reports[ReportKind(kind)] += 1
        counts[ReportKind(kind)].update(r["status"] for r in recommendations)
    return [Implementation(
        kind=kind, reports=reports[kind],
        not_started=counts[kind][ImplementationStatus.NOT_STARTED.value],
        partially_implemented=counts[kind][ImplementationStatus.PARTIALLY_IMPLEMENTED.value],
        fully_implemented=counts[kind][ImplementationStatus.FULLY_IMPLEMENTED.value])
        for kind in ReportKind]


# The dialogue platform ------------------------------------------------------------------------

def progress_updates(session: Session, *, year: int | None = None) -> list[GroupUpdates]:
    """Published progress updates per regional group of the reporting State (every group
    listed, then all groups), by the year they were published; drafts never count. One
    statement: States are counted distinct across groups in Python from its rows."""
    rows = session.exec(
        select(State.regional_group_code, ProgressUpdate.state_code,
               ProgressUpdate.implementation_status,
               func.sum(case((ProgressUpdate.barriers != "", 1), else_=0)),
               func.sum(case((ProgressUpdate.support_wanted != "", 1), else_=0)), func.count())
        .join(State, col(State.code) == ProgressUpdate.state_code)
        .where(col(ProgressUpdate.status) == UpdateStatus.PUBLISHED,
               _year_range(ProgressUpdate.published_at, year))
        .group_by(State.regional_group_code, ProgressUpdate.state_code,
                  ProgressUpdate.implementation_status)).all()

    def figures(group: str | None, name: str, mine: list) -> GroupUpdates:
        by_status = Counter()
        for _, _, status, _, _, n in mine:
            by_status[status] += int(n)
        return GroupUpdates(
            group=group, name=name, updates=sum(int(r[5]) for r in mine),
            states=len({r[1] for r in mine}),
            fully_implemented=by_status[ImplementationStatus.FULLY_IMPLEMENTED.value],
            partially_implemented=by_status[ImplementationStatus.PARTIALLY_IMPLEMENTED.value],
            not_started=by_status[ImplementationStatus.NOT_STARTED.value],
            barriers=sum(int(r[3] or 0) for r in mine),
            support_wanted=sum(int(r[4] or 0) for r in mine))

    result = [figures(g.code, g.name, [r for r in rows if r[0] == g.code]) for g in _groups(session)]
    return [*result, figures(None, "All groups", list(rows))]


# Matches and engagements (the item 10 report) -------------------------------------------------

def proposals_by_status(session: Session, *, year: int | None = None) -> list[StatusCount]:
    """Match proposals by status, every status listed, for runs started in the year."""
    rows = dict(session.exec(
        select(MatchProposal.status, func.count())
        .join(OptimiserRun, col(OptimiserRun.id) == MatchProposal.run_id)
        .where(_year_range(OptimiserRun.created_at, year))
        .group_by(MatchProposal.status)).all())
    return [StatusCount(s.value, int(rows.get(s, 0))) for s in ProposalStatus]


def engagements_by_status(session: Session, *, year: int | None = None) -> list[StatusCount]:
    """Engagements by status, every status listed, for engagements agreed in the year."""
    rows = dict(session.exec(
        select(Engagement.status, func.count())
        .where(_year_range(Engagement.created_at, year)).group_by(Engagement.status)).all())
    return [StatusCount(s.value, int(rows.get(s, 0))) for s in EngagementStatus]


def engagement_budget(session: Session, *, year: int | None = None) -> list[tuple[str, int]]:
    """Budget committed to engagements agreed in the year, per currency."""
    rows = session.exec(
        select(Engagement.currency, func.sum(Engagement.budget).cast(Integer))
        .where(_year_range(Engagement.created_at, year))
        .group_by(Engagement.currency).order_by(Engagement.currency)).all()
    return [(currency, int(total)) for currency, total in rows]
