"""The platform's clock (one place, so tests can reason about time)."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

# A fixed calendar date that `today()` answers instead of the real one (tests set it with
# `today_is`); a plain module global rather than a context variable, because the app under test
# runs in other threads than the test that sets it.
_fixed_today: date | None = None


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored time with its zone: SQLite gives UTC times back without one."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def today() -> date:
    return _fixed_today if _fixed_today is not None else utcnow().date()


@contextmanager
def today_is(day: date) -> Iterator[None]:
    """Make `today()` answer `day` inside the block."""
    global _fixed_today
    previous, _fixed_today = _fixed_today, day
    try:
        yield
    finally:
        _fixed_today = previous


def add_months(day: date, months: int) -> date:
    """The same day of the month `months` later, clamped to that month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def utc_iso(moment: datetime) -> str:
    """An instant as ISO 8601 in UTC ("2027-03-01T09:30:00Z"); SQLite hands back naive
    datetimes, and every instant the platform stores is UTC."""
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
