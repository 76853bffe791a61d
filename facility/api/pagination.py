"""Relay-style connections (`edges { cursor node }`, `pageInfo`, `totalCount`)."""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Generic, TypeVar

import strawberry

from facility.api.errors import PublicError
from facility.numbers import whole_number

T = TypeVar("T")
DEFAULT_PAGE_SIZE = 20


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo
    total_count: int


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def page_window(first: int | None, after: str | None, max_page_size: int) -> tuple[int, int]:
    """(limit, offset) for `first`/`after`; bad values are the client's error, named."""
    limit = DEFAULT_PAGE_SIZE if first is None else first
    if limit < 0 or limit > max_page_size:
        raise PublicError(f"first: must be between 0 and {max_page_size}, got {limit}")
    offset = 0
    if after is not None:
        try:
            kind, _, value = base64.urlsafe_b64decode(after.encode()).decode().partition(":")
            # At most 18 digits, so the offset fits a 64-bit integer on every database.
            number = whole_number(value)
            if kind != "offset" or number is None:
                raise ValueError(after)
            offset = number + 1
        except ValueError as exc:
            raise PublicError("after: not a cursor returned by this API") from exc
    return limit, offset


def connection(nodes: Sequence[T], *, total: int, offset: int) -> Connection[T]:
    edges = [Edge(cursor=_cursor(offset + i), node=node) for i, node in enumerate(nodes)]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=offset + len(nodes) < total,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        total_count=total,
    )
