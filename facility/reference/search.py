"""Finding recommendations: filters, full-text search (FTS5 or tsvector) and pagination.

Every call runs a constant number of statements: one count and one page.
"""

from __future__ import annotations

import re

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    Subquery,
    column,
    func,
    literal_column,
    select,
    table,
)
from sqlmodel import Session

from facility.reference.models import (
    Recommendation,
    RecommendationResponse,
    RecommendationSdg,
    RecommendationTheme,
    SdgGoal,
    Theme,
)

RESPONSE_NAMES = {
    "supported": RecommendationResponse.SUPPORTED,
    "accepted": RecommendationResponse.SUPPORTED,
    "noted": RecommendationResponse.NOTED,
}


def parse_response(value: RecommendationResponse | str) -> RecommendationResponse:
    """SUPPORTED or NOTED from any case, also UPR Info's "Accepted"."""
    try:
        return RESPONSE_NAMES[str(value).strip().casefold()]
    except KeyError:
        raise ValueError(f'response "{value}" is not one of supported, noted') from None


def fts5_query(words: str) -> str | None:
    """An FTS5 query matching every word of the user's text, each quoted as a string.

    Only runs of letters and digits survive, each wrapped in double quotes, so operators
    (AND, NEAR, *, ^, column filters) and stray quotes are matched as words, never parsed.
    """
    tokens = re.findall(r"\w+", words)
    return " ".join(f'"{token}"' for token in tokens) or None


def _sqlite_hits(query: str) -> Subquery:
    """Rows of the FTS5 index matching the query, with bm25 rank (lower is better)."""
    fts = table("recommendation_fts", column("rowid"), column("rank"))
    return (
        select(fts.c.rowid.label("id"), fts.c.rank.label("rank"))
        .where(literal_column("recommendation_fts").op("MATCH")(query))
        .subquery("hits")
    )


def search_recommendations(
    session: Session,
    *,
    state_code: str | None = None,
    response: RecommendationResponse | str | None = None,
    theme: str | None = None,
    search: str | None = None,
    limit: int,
    offset: int = 0,
) -> tuple[list[Recommendation], int]:
    """One page of the matching recommendations and how many match in all."""
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    conditions: list[ColumnElement[bool]] = []
    if state_code:
        conditions.append(Recommendation.state_code == state_code.strip().upper())
    if response:
        conditions.append(Recommendation.response == parse_response(response))
    if theme:
        conditions.append(
            Recommendation.id.in_(
                select(RecommendationTheme.recommendation_id)
                .join(Theme, Theme.id == RecommendationTheme.theme_id)
                .where(func.lower(Theme.name) == theme.strip().lower())
            )
        )
    source: FromClause = Recommendation.__table__
    order: list = [Recommendation.id]
    if search and search.strip():
        if session.get_bind().dialect.name == "sqlite":
            query = fts5_query(search)
            if query is None:  # nothing searchable, e.g. only punctuation: nothing matches
                return [], 0
            hits = _sqlite_hits(query)
            source = source.join(hits, hits.c.id == Recommendation.id)
            order.insert(0, hits.c.rank)
        else:
            tsquery = func.websearch_to_tsquery(literal_column("'english'::regconfig"), search)
            vector = literal_column("recommendation.text_search")
            conditions.append(vector.op("@@")(tsquery))
            order.insert(0, func.ts_rank_cd(vector, tsquery).desc())
    total = session.execute(
        select(func.count()).select_from(source).where(*conditions)
    ).scalar_one()
    if limit == 0 or offset >= total:
        return [], total
    page: Select = (
        select(Recommendation)
        .select_from(source)
        .where(*conditions)
        .order_by(*order)
        .limit(limit)
        .offset(offset)
    )
    return list(session.execute(page).scalars()), total


def recommendation_themes(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """Theme names per recommendation id (every id present, sorted names), in one statement."""
    themes: dict[int, list[str]] = {rid: [] for rid in ids}
    if not ids:
        return themes
    rows = session.execute(
        select(RecommendationTheme.recommendation_id, Theme.name)
        .join(Theme, Theme.id == RecommendationTheme.theme_id)
        .where(RecommendationTheme.recommendation_id.in_(ids))
        .order_by(Theme.name)
    )
    for rid, name in rows:
        themes[rid].append(name)
    return themes


def recommendations_by_id(session: Session, ids: list[int]) -> list[Recommendation]:
    """The recommendations with these ids (public documents), in the order given; 1 statement."""
    if not ids:
        return []
    found = {r.id: r for r in session.execute(
        select(Recommendation).where(Recommendation.id.in_(ids))).scalars()}  # type: ignore[union-attr]
    return [found[i] for i in ids if i in found]


def sdg_goals_by_recommendation(session: Session, ids: list[int]) -> dict[int, list[SdgGoal]]:
    """The SDG goals each of these recommendations is linked to, by number; 1 statement."""
    goals: dict[int, list[SdgGoal]] = {}
    if not ids:
        return goals
    for recommendation_id, goal in session.execute(
            select(RecommendationSdg.recommendation_id, SdgGoal)
            .join(SdgGoal, SdgGoal.number == RecommendationSdg.goal_number)
            .where(RecommendationSdg.recommendation_id.in_(ids))  # type: ignore[attr-defined]
            .order_by(RecommendationSdg.recommendation_id, SdgGoal.number)):
        goals.setdefault(recommendation_id, []).append(goal)
    return goals
