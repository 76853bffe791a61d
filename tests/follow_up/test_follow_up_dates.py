"""Due dates: month arithmetic at month ends and in leap years; the settable clock."""

from __future__ import annotations

from datetime import date

import pytest

from facility import timeutil
from facility.engagements.lifecycle import due_date, report_status
from facility.engagements.models import FollowUpReport, ReportKind, ReportStatus
from facility.timeutil import add_months, today_is


@pytest.mark.parametrize("day, months, expected", [
    (date(2027, 1, 31), 12, date(2028, 1, 31)),
    (date(2027, 1, 31), 1, date(2027, 2, 28)),
    (date(2028, 1, 31), 1, date(2028, 2, 29)),
    (date(2028, 2, 29), 12, date(2029, 2, 28)),
    (date(2028, 2, 29), 24, date(2030, 2, 28)),
    (date(2028, 2, 29), 48, date(2032, 2, 29)),
    (date(2027, 3, 31), 1, date(2027, 4, 30)),
    (date(2027, 12, 15), 1, date(2028, 1, 15)),
    (date(2027, 12, 31), 24, date(2029, 12, 31)),
    (date(2027, 6, 30), 12, date(2028, 6, 30)),
])
def test_add_months_keeps_the_day_or_clamps_to_the_month_end(day, months, expected):
    assert add_months(day, months) == expected


def test_reports_fall_due_12_and_24_months_after_the_end():
    assert due_date(date(2028, 2, 29), ReportKind.TWELVE_MONTHS) == date(2029, 2, 28)
    assert due_date(date(2028, 2, 29), ReportKind.TWENTY_FOUR_MONTHS) == date(2030, 2, 28)
    assert due_date(date(2027, 8, 31), ReportKind.TWELVE_MONTHS) == date(2028, 8, 31)


def test_status_is_due_on_the_due_date_and_overdue_the_day_after():
    report = FollowUpReport(engagement_id=1, kind=ReportKind.TWELVE_MONTHS,
                            due_date=date(2028, 4, 30))
    assert report_status(report, date(2028, 4, 30)) == ReportStatus.DUE
    assert report_status(report, date(2028, 5, 1)) == ReportStatus.OVERDUE
    with today_is(date(2028, 5, 1)):
        assert report_status(report) == ReportStatus.OVERDUE


def test_the_clock_can_be_set_and_is_restored():
    real = timeutil.today()
    with today_is(date(2030, 1, 1)):
        assert timeutil.today() == date(2030, 1, 1)
        with today_is(date(2031, 1, 1)):
            assert timeutil.today() == date(2031, 1, 1)
        assert timeutil.today() == date(2030, 1, 1)
    assert timeutil.today() == real
    assert timeutil.utcnow().tzinfo is not None
