"""A year's item 10 report counts that year, by the days things happened (issue 13): the demo's
earlier engagements in the year they were agreed, follow-up as it stood at the year's end, no
report for a year that has not begun, and chart labels drawn whole."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from sqlmodel import select
from typer.testing import CliRunner

from facility.cli import app
from facility.config import get_settings
from facility.demo.seed import seed_demo
from facility.engagements.models import Engagement, FollowUpReport
from facility.reports.charts import Row, bar_chart
from facility.reports.item10 import collect, render_html
from facility.statistics import service as stats
from facility.timeutil import as_utc, today


def test_a_past_years_report_counts_that_year_from_the_records(db_session):
    seed_demo(db_session)
    year = today().year - 1
    end = date(year, 12, 31)
    data = collect(db_session, year=year)
    engagements = db_session.exec(select(Engagement)).all()
    agreed = [e for e in engagements if as_utc(e.created_at).year == year]
    assert agreed, "the demo's earlier engagements were agreed in their own year"
    assert data.engagements_agreed == len(agreed)
    assert all(as_utc(e.created_at).date() <= e.start for e in engagements)  # agreed, then run
    assert data.delays[-1].median_days and data.delays[-1].median_days > 0

    # Follow-up as it stood on the year's last day: later submissions are not the year's.
    ended = {e.id for e in engagements if e.end <= end}
    reports = [r for r in db_session.exec(select(FollowUpReport).where(~FollowUpReport.superseded))
               if r.engagement_id in ended]
    by_then = datetime(year + 1, 1, 1, tzinfo=UTC)
    submitted = [r for r in reports if r.first_submitted_at and as_utc(r.first_submitted_at) < by_then]
    shown = data.all_compliance
    assert (shown.on_time, shown.late) == (sum(bool(r.on_time) for r in submitted),
                                           sum(not r.on_time for r in submitted))
    assert shown.total == len(reports)
    html = " ".join(render_html(data).split())
    assert f"as of {end.isoformat()}" in html and "to date" not in html
    assert "Partial year" not in html


def test_public_statistics_count_follow_up_with_the_same_rule(db_session):
    seed_demo(db_session)
    year = today().year - 1
    collected = collect(db_session, year=year).all_compliance
    assert stats.follow_up_compliance(db_session, as_of=date(year, 12, 31))[-1] == collected


def test_the_current_year_says_it_is_partial_and_a_future_year_is_refused(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'report.db'}"
    monkeypatch.setenv("FACILITY_DATABASE_URL", url)
    get_settings.cache_clear()
    runner = CliRunner()
    try:
        assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
        out = tmp_path / "item10.html"
        now = runner.invoke(app, ["report", "item10", "--year", str(today().year),
                                  "--output", str(out)])
        assert now.exit_code == 0, now.output
        assert f"partial: figures to {today().isoformat()}" in now.output
        assert "Partial year." in out.read_text(encoding="utf-8")
        later = tmp_path / "later.html"
        future = runner.invoke(app, ["report", "item10", "--year", str(today().year + 1),
                                     "--output", str(later)])
        assert future.exit_code == 1 and f"year: {today().year + 1} has not begun" in future.output
        assert not later.exists()
    finally:
        get_settings.cache_clear()


def test_chart_labels_are_drawn_whole_within_their_column():
    label = "Latin American and Caribbean Group (USD)"
    svg = bar_chart(title="t", description="d", series=["Requests"],
                    rows=[Row(label, [3]), Row("African Group (USD)", [1])])
    lines = re.findall(r"<tspan[^>]*>([^<]*)</tspan>", svg)
    assert " ".join(lines[:-1]) == label and lines[-1] == "African Group (USD)"
    # Each line fits the default label column at a generous 7.2 px a character (12px text).
    assert all(len(line) * 7.2 <= 230 - 12 for line in lines)
    assert "…" not in svg
