"""The public statistics on a hand-built data set (tests/statistics/dataset.py): every figure,
the year filter, drafts and withdrawn requests, and a fixed number of SQL statements."""

from __future__ import annotations

import pytest

from facility.statistics import service
from facility.timeutil import today_is
from tests.api.helpers import run
from tests.api.test_query_cost import counted
from tests.statistics.dataset import EXPECTED, TODAY, YEAR, build

STATISTICS_OPERATIONS = {"PublicStatistics"}

FIGURES = ("requests_by_group", "requests_by_theme", "requests_by_sdg", "funding_by_group",
           "time_to_engagement", "follow_up_compliance", "implementation_status",
           "proposals_by_status", "engagements_by_status", "engagement_budget",
           "progress_updates")


@pytest.fixture
def data(db_session):
    built = build(db_session)
    with today_is(TODAY):
        yield built


def test_requests_by_group_theme_and_sdg(db_session, data):
    for year, key in ((None, "requests_by_group"), (YEAR, "requests_by_group_year")):
        got = {g.group: (g.requests, g.withdrawn)
               for g in service.requests_by_group(db_session, year=year)}
        assert got == EXPECTED[key], year
    for year, key in ((None, "requests_by_theme"), (YEAR, "requests_by_theme_year")):
        got = [(t.theme, t.requests) for t in service.requests_by_theme(db_session, year=year)]
        assert got == EXPECTED[key], year
    sdg = {s.goal: s.requests for s in service.requests_by_sdg(db_session)}
    assert sdg == EXPECTED["requests_by_sdg"]
    assert [s.title for s in service.requests_by_sdg(db_session)] == [
        "Gender equality", "Reduced inequalities", "Peace, justice and strong institutions"]


def test_share_of_demand_funded_per_group(db_session, data):
    got = {f.group: (f.requests, f.funded_requests, f.requested, f.funded)
           for f in service.funding_by_group(db_session)}
    assert got == EXPECTED["funding_by_group"]
    african = next(f for f in service.funding_by_group(db_session) if f.group == "AFRICAN")
    assert (african.currency, african.share) == ("USD", 0.75)
    # The 2027 demand of the groups whose only requests are from other years is absent.
    assert {f.group for f in service.funding_by_group(db_session, year=YEAR)} == {"AFRICAN", "APG"}


def test_time_from_submission_to_engagement(db_session, data):
    for year, key in ((None, "time_to_engagement"), (YEAR, "time_to_engagement_year")):
        got = {d.group: (d.engagements, d.median_days)
               for d in service.time_to_engagement(db_session, year=year)
               if d.group in EXPECTED[key] or d.group is None}
        assert got == EXPECTED[key], year


def test_follow_up_compliance_and_implementation(db_session, data):
    got = {c.group: (c.due, c.overdue, c.on_time, c.late)
           for c in service.follow_up_compliance(db_session) if c.total or c.group is None}
    assert got == EXPECTED["follow_up_compliance"]
    got = {i.kind.value: (i.reports, i.not_started, i.partially_implemented, i.fully_implemented)
           for i in service.implementation_status(db_session)}
    assert got == EXPECTED["implementation_status"]
    # By due year: E1's 12-month report (late) and E3's 24-month one (overdue) fall due in 2028.
    in_2028 = service.follow_up_compliance(db_session, year=2028)[-1]
    assert (in_2028.due, in_2028.overdue, in_2028.on_time, in_2028.late) == (0, 1, 0, 1)
    with today_is(TODAY.replace(year=2030)):  # time passes: E1's 24-month report is overdue
        assert service.follow_up_compliance(db_session)[-1].overdue == 2


def test_matches_and_engagements_of_the_year(db_session, data):
    got = {s.status: s.count for s in service.proposals_by_status(db_session, year=YEAR)}
    assert got == EXPECTED["proposals_year"]
    engaged = {s.status: s.count for s in service.engagements_by_status(db_session, year=YEAR)}
    assert engaged == {"SCHEDULED": 0, "IN_PROGRESS": 0, "COMPLETED": 1}
    assert service.engagement_budget(db_session) == [("USD", 180_000)]


def test_progress_updates_published_by_group_and_year(db_session, data):
    for year, key in ((None, "progress_updates"), (YEAR, "progress_updates_year")):
        got = {u.group: (u.updates, u.states, u.fully_implemented, u.partially_implemented,
                         u.not_started, u.barriers, u.support_wanted)
               for u in service.progress_updates(db_session, year=year)
               if u.group in EXPECTED[key] or u.group is None}
        assert got == EXPECTED[key], year
    assert [u.group for u in service.progress_updates(db_session)] == [
        "AFRICAN", "APG", "EEG", "GRULAC", "WEOG", None]


@pytest.mark.parametrize("name", FIGURES)
def test_each_figure_costs_a_fixed_number_of_statements(db_session, name):
    """The same number of statements on an empty database and on the data set."""
    figure = getattr(service, name)
    db_session.connection()  # the test's SAVEPOINT is opened before counting
    with today_is(TODAY), counted(db_session) as empty:
        figure(db_session, year=YEAR)
    build(db_session)
    db_session.flush()
    with today_is(TODAY), counted(db_session) as full:
        figure(db_session, year=YEAR)
    assert len(full) == len(empty) <= 2, full


def test_public_statistics_over_graphql_for_anyone(gql, db_session, data):
    stats = run(gql, "PublicStatistics")["publicStatistics"]
    assert stats["year"] is None
    by_group = {g["regionalGroup"]: g["requests"] for g in stats["requestsByGroup"]}
    assert by_group == {k: v[0] for k, v in EXPECTED["requests_by_group"].items()}
    african = next(f for f in stats["fundingByGroup"] if f["regionalGroup"] == "AFRICAN")
    assert (african["share"], african["requestedBudget"]) == (0.75, 200_000)
    assert stats["followUpCompliance"][-1] == {"regionalGroup": None, "name": "All groups",
                                               "due": 1, "overdue": 1, "onTime": 1, "late": 1}
    twelve = stats["implementationStatus"][0]
    assert (twelve["reportKind"], twelve["fullyImplemented"]) == ("TWELVE_MONTHS", 1)
    year = run(gql, "PublicStatistics", year=YEAR)["publicStatistics"]
    assert year["timeToEngagement"][-1]["medianDays"] == 60.0
    bad = gql.post("query { publicStatistics(year: 1800) { year } }").json()
    assert bad["errors"][0]["message"] == "year: must be between 2000 and 2100, got 1800"
