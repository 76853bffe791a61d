"""Searching recommendations: filters, full text, pagination, statement count."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import Session

from facility.reference.importers import import_recommendations, import_recommendations_from_stream
from facility.reference.search import (
    fts5_query,
    recommendation_themes,
    search_recommendations,
)

DATA = Path(__file__).resolve().parent.parent / "data" / "recommendations"
UPR_INFO = DATA / "upr_info_sessions01-04.csv"

SAMPLE = """rec_id,To,Text,Response,Issue
S-1,Chile,Abolish the death penalty without delay.,Accepted,Death penalty
S-2,Chile,Ratify the Convention against Torture.,Noted,\
"Torture and other CID treatment,International instruments"
S-3,Peru,Investigate torture and torture allegations in prisons; torture must end.,Accepted,\
"Torture and other CID treatment,Detention"
S-4,Peru,Protect human rights defenders.,Noted,Human rights defenders
S-5,Peru,Strengthen the national human rights institution.,Accepted,NHRI
"""

HOSTILE_QUERIES = ['"', "*", "AND (", 'torture" OR "', "NEAR(torture", "-torture", "text:torture",
                   "'; DROP TABLE recommendation; --", "^torture", "torture*", "(", ")", "  "]


@pytest.fixture
def sample(db_session: Session) -> Session:
    import_recommendations_from_stream(db_session, io.StringIO(SAMPLE), fmt="upr-info")
    return db_session


@contextmanager
def _statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements the session's connection runs inside the block."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", record)


def _ids(rows) -> list[str]:  # type: ignore[no-untyped-def]
    return [row.source_id for row in rows]


def test_filters(sample: Session) -> None:
    rows, total = search_recommendations(sample, state_code="chl", limit=10)
    assert (_ids(rows), total) == (["S-1", "S-2"], 2)
    rows, total = search_recommendations(sample, response="noted", limit=10)
    assert (_ids(rows), total) == (["S-2", "S-4"], 2)
    rows, total = search_recommendations(sample, theme="torture and other CID treatment", limit=10)
    assert (_ids(rows), total) == (["S-2", "S-3"], 2)
    rows, total = search_recommendations(
        sample, state_code="PER", response="Accepted", theme="Detention", limit=10
    )
    assert (_ids(rows), total) == (["S-3"], 1)
    assert search_recommendations(sample, theme="No such theme", limit=10) == ([], 0)


def test_full_text_ranks_and_stems(sample: Session) -> None:
    rows, total = search_recommendations(sample, search="torture", limit=10)
    assert (_ids(rows), total) == (["S-3", "S-2"], 2)  # three mentions rank above one
    rows, total = search_recommendations(sample, search="abolishing penalties", limit=10)
    assert (_ids(rows), total) == (["S-1"], 1)
    rows, total = search_recommendations(sample, search="human rights", state_code="PER", limit=10)
    assert sorted(_ids(rows)) == ["S-4", "S-5"] and total == 2
    rows, total = search_recommendations(sample, search="torture", response="noted", limit=10)
    assert (_ids(rows), total) == (["S-2"], 1)


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_hostile_queries_never_error(sample: Session, query: str) -> None:
    rows, total = search_recommendations(sample, search=query, limit=10)
    assert len(rows) == total <= 5


def test_fts5_query_quotes_every_word() -> None:
    assert fts5_query('torture" OR NEAR(x*') == '"torture" "OR" "NEAR" "x"'
    assert fts5_query('"*"') is None


def test_pagination_and_total(sample: Session) -> None:
    pages = [search_recommendations(sample, limit=2, offset=offset) for offset in (0, 2, 4, 6)]
    assert [(_ids(rows), total) for rows, total in pages] == [
        (["S-1", "S-2"], 5), (["S-3", "S-4"], 5), (["S-5"], 5), ([], 5)
    ]
    assert search_recommendations(sample, limit=0) == ([], 5)
    rows, total = search_recommendations(sample, search="torture", limit=1, offset=1)
    assert (_ids(rows), total) == (["S-2"], 2)
    with pytest.raises(ValueError):
        search_recommendations(sample, limit=-1)
    with pytest.raises(ValueError, match="not one of supported, noted"):
        search_recommendations(sample, response="maybe", limit=5)


def test_constant_number_of_statements(sample: Session) -> None:
    with _statements(sample) as seen:
        search_recommendations(
            sample, state_code="PER", response="supported", theme="Detention",
            search="torture", limit=10,
        )
    assert len(seen) == 2  # the count and the page
    rows, _ = search_recommendations(sample, limit=10)
    with _statements(sample) as seen:
        themes = recommendation_themes(sample, [row.id for row in rows] + [-1])
    assert len(seen) == 1
    by_source = {row.source_id: themes[row.id] for row in rows}
    assert by_source["S-2"] == ["International instruments", "Torture and other CID treatment"]
    assert by_source["S-5"] == ["NHRI"]
    assert themes[-1] == []
    assert recommendation_themes(sample, []) == {}


def test_real_file_filters_match_the_csv(db_session: Session) -> None:
    import_recommendations(db_session, UPR_INFO, fmt="upr-info")
    with UPR_INFO.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    algeria = [r for r in rows if r["To"] == "Algeria"]
    death_penalty_noted = [
        r for r in rows if r["Response"] == "Noted" and "Death penalty" in r["Issue"].split(",")
    ]

    assert search_recommendations(db_session, state_code="DZA", limit=1)[1] == len(algeria)
    assert search_recommendations(
        db_session, response="noted", theme="Death penalty", limit=1
    )[1] == len(death_penalty_noted)
    rows_found, total = search_recommendations(db_session, search="death penalty", limit=500)
    assert total == len(rows_found) > 100
    assert all("death" in r.text.lower() for r in rows_found[:20])
