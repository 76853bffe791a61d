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
from sqlmodel import Session, col

from facility.db import table_of
from facility.reference.bodies import body_of
from facility.reference.models import (
    MechanismType,
    Recommendation,
    RecommendationResponse,
    RecommendationSdg,
    RecommendationSdgTarget,
    RecommendationTheme,
    SdgGoal,
    SdgTarget,
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
    mechanism: MechanismType | str | None = None,
    body: str | None = None,
    symbol: str | None = None,
    year: int | None = None,
    sdg_target: str | None = None,
) -> tuple[list[Recommendation], int]:
    """One page of the matching recommendations and how many match in all.

    `body` takes a body's code or any spelling uhri_bodies.csv knows ("Committee on the
    Rights of the Child" finds CRC); `symbol` a document symbol, in any case.
    """
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    conditions = mechanism_conditions(mechanism=mechanism, body=body, symbol=symbol, year=year,
                                      sdg_target=sdg_target)
    if state_code:
        conditions.append(col(Recommendation.state_code) == state_code.strip().upper())
    if response:
        conditions.append(col(Recommendation.response) == parse_response(response))
    if theme:
        conditions.append(
            col(Recommendation.id).in_(
                select(col(RecommendationTheme.recommendation_id))
                .join(Theme, col(Theme.id) == RecommendationTheme.theme_id)
                .where(func.lower(Theme.name) == theme.strip().lower())
            )
        )
    source: FromClause = table_of(Recommendation)
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
            vector: ColumnElement[str] = literal_column("recommendation.text_search")
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


def mechanism_conditions(
    *, mechanism: MechanismType | str | None = None, body: str | None = None,
    symbol: str | None = None, year: int | None = None, sdg_target: str | None = None,
) -> list[ColumnElement[bool]]:
    """The filters by mechanism, body, document, year and SDG target (those given)."""
    conditions: list[ColumnElement[bool]] = []
    if mechanism:
        conditions.append(col(Recommendation.mechanism) == MechanismType(mechanism).value)
    if body and body.strip():
        known = body_of(body)
        code = known.code if known else " ".join(body.split())
        conditions.append(func.lower(Recommendation.body) == code.lower())
    if symbol and symbol.strip():
        conditions.append(func.upper(Recommendation.document) == symbol.strip().upper())
    if year is not None:
        conditions.append(col(Recommendation.year) == year)
    if sdg_target and sdg_target.strip():
        conditions.append(col(Recommendation.id).in_(
            select(col(RecommendationSdgTarget.recommendation_id))
            .where(col(RecommendationSdgTarget.target_code) == sdg_target.strip().lower())))
    return conditions


def sdg_targets_by_recommendation(session: Session, ids: list[int]) -> dict[int, list[SdgTarget]]:
    """The SDG targets each of these recommendations serves, in target order; 1 statement."""
    targets: dict[int, list[SdgTarget]] = {rid: [] for rid in ids}
    if not ids:
        return targets
    rows = session.execute(
        select(col(RecommendationSdgTarget.recommendation_id), SdgTarget)
        .join(SdgTarget, col(SdgTarget.code) == RecommendationSdgTarget.target_code)
        .where(col(RecommendationSdgTarget.recommendation_id).in_(ids))
    )
    for rid, target in rows:
        targets[rid].append(target)
    for found in targets.values():
        found.sort(key=lambda t: target_order(t.code))
    return targets


def target_order(code: str) -> tuple[int, int, str]:
    """"1.2" before "1.10" before "1.a"."""
    goal, _, rest = code.partition(".")
    return (int(goal), int(rest) if rest.isdigit() else 1000, rest)


def recommendation_themes(session: Session, ids: list[int]) -> dict[int, list[str]]:
    """Theme names per recommendation id (every id present, sorted names), in one statement."""
    themes: dict[int, list[str]] = {rid: [] for rid in ids}
    if not ids:
        return themes
    rows = session.execute(
        select(col(RecommendationTheme.recommendation_id), col(Theme.name))
        .join(Theme, col(Theme.id) == RecommendationTheme.theme_id)
        .where(col(RecommendationTheme.recommendation_id).in_(ids))
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
        select(Recommendation).where(col(Recommendation.id).in_(ids))).scalars()}
    return [found[i] for i in ids if i in found]


def sdg_goals_by_recommendation(session: Session, ids: list[int]) -> dict[int, list[SdgGoal]]:
    """The SDG goals each of these recommendations is linked to, by number; 1 statement."""
    goals: dict[int, list[SdgGoal]] = {}
    if not ids:
        return goals
    for recommendation_id, goal in session.execute(
            select(col(RecommendationSdg.recommendation_id), SdgGoal)
            .join(SdgGoal, col(SdgGoal.number) == RecommendationSdg.goal_number)
            .where(col(RecommendationSdg.recommendation_id).in_(ids))
            .order_by(col(RecommendationSdg.recommendation_id), col(SdgGoal.number))):
        goals.setdefault(recommendation_id, []).append(goal)
    return goals
