"""Pagination of long lists on pages: `?page=n`, a fixed page size, links that keep the filters."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from facility.numbers import whole_number


@dataclass(frozen=True)
class Pages:
    """Where a paginated list stands; `link(n)` keeps the filters."""

    number: int
    size: int
    total: int
    query: dict[str, str]

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    def link(self, number: int) -> str:
        return "?" + urlencode({**self.query, "page": number})


def page_number(raw: str | None) -> int:
    # A bad or huge page number shows the first page rather than an error page.
    number = whole_number(raw, max_digits=5)
    return number if number and number < 100_000 else 1
