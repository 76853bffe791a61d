"""Finding recommendations by meaning, by words, or both.

Modes:
- LEXICAL: the full-text index (FTS5 on SQLite, tsvector on PostgreSQL), as
  `facility.reference.search` does for the `recommendations` query;
- SEMANTIC: cosine similarity between the query's embedding and every stored recommendation
  embedding (a matrix product over the cached `VectorIndex`);
- HYBRID: both ranked lists fused by reciprocal rank (score = sum of 1 / (60 + rank));
- AUTO: HYBRID for queries of at least MIN_SEMANTIC_WORDS words, LEXICAL for shorter ones
  (one or two words are better matched literally than embedded).
Whenever the embedding model is not installed or no embedding is stored yet, every mode falls
back to LEXICAL and the result says why. docs/benchmarks.md has the retrieval quality of each.

A query in another UN language (`language`) is bridged to English through the SDG and theme
vocabulary (facility/semantic/bridge.py): SEMANTIC embeds the query with the English text of
the matched entries added (BRIDGE_WEIGHT); HYBRID fuses that ranking with the full-text search
of the query as written, as for English. AUTO runs SEMANTIC for a bridged query, whatever its
length: the words of another language seldom occur in the English texts. Boosting the
recommendations tagged with the matched themes was measured and made results worse (the
vocabulary's best entries are often near misses), so it is not done.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from sqlalchemy import func, select
from sqlmodel import Session, col

from facility.errors import ValidationFailed
from facility.reference.models import (
    Recommendation,
    RecommendationResponse,
    RecommendationTheme,
    Theme,
)
from facility.reference.search import parse_response, search_recommendations
from facility.semantic.bridge import BRIDGED_LANGUAGES, Bridge, bridge
from facility.semantic.encoder import get_encoder
from facility.semantic.store import vector_index
from facility.semantic.tokenise import LANGUAGES, language_code

MIN_SEMANTIC_WORDS = 3
MAX_QUERY_LENGTH = 2000
MAX_RESULTS = 100
RRF_K = 60  # the usual reciprocal-rank-fusion constant (Cormack et al., 2009)
FUSION_DEPTH = 100  # how deep each list goes into the fusion
# A bridged query keeps its own embedding (the model still reads cognates: "discrimination",
# "journalistes") and adds half its English text's. Chosen on the French labelled set, where it
# beat the English text alone and the two texts joined; docs/benchmarks.md has the figures.
BRIDGE_WEIGHT = 0.5


class TranslatedVia(StrEnum):
    SDG_VOCABULARY = "SDG_VOCABULARY"  # the SDG goal/target titles and the theme names


class SearchMode(StrEnum):
    AUTO = "AUTO"
    LEXICAL = "LEXICAL"
    SEMANTIC = "SEMANTIC"
    HYBRID = "HYBRID"


@dataclass(frozen=True)
class Hit:
    recommendation: Recommendation
    score: float | None  # cosine similarity (SEMANTIC), fused rank score (HYBRID), None (LEXICAL)


@dataclass(frozen=True)
class SearchResult:
    mode: SearchMode  # the mode that actually ran
    hits: list[Hit]
    fallback_reason: str | None = None
    translated_via: TranslatedVia | None = None
    bridge: Bridge | None = None  # what the query was bridged to, when translated_via is set


@dataclass(frozen=True)
class Filters:
    state_code: str | None = None
    response: RecommendationResponse | None = None
    theme: str | None = None


def check_query(field: str, text: str | None, limit: int, max_length: int = MAX_QUERY_LENGTH) -> str:
    """The stripped text, or a ValidationFailed naming the field and the rule."""
    text = (text or "").strip()
    if not text:
        raise ValidationFailed.single(field, "required", f"{field}: must not be empty")
    if len(text) > max_length:
        raise ValidationFailed.single(
            field, "max_length", f"{field}: at most {max_length} characters, got {len(text)}")
    if not 1 <= limit <= MAX_RESULTS:
        raise ValidationFailed.single(
            "first", "range", f"first: must be between 1 and {MAX_RESULTS}, got {limit}")
    return text


def check_language(field: str, language: str | None) -> str | None:
    """The supported language code ("zh-Hans" is "zh"), None for none given, or a
    ValidationFailed naming the field and the rule."""
    if language is None:
        return None
    code = language_code(language)
    if code is None:
        raise ValidationFailed.single(field, "one_of", (
            f"{field}: must be one of the UN languages {', '.join(LANGUAGES)}, "
            f"got {language.strip()[:20]!r}"))
    return code


def _lexical(session: Session, query: str, filters: Filters, limit: int) -> list[Hit]:
    rows, _ = search_recommendations(
        session, state_code=filters.state_code, response=filters.response, theme=filters.theme,
        search=query, limit=limit)
    return [Hit(r, None) for r in rows]


def _similarities(session: Session, query: str, filters: Filters,
                  english: str | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """(recommendation ids, cosines) of every recommendation the filters allow; None when the
    model or the vectors are missing. With `english` (a bridged query's English text), the
    query vector is the query's own plus BRIDGE_WEIGHT times the English text's."""
    encoder = get_encoder()
    if encoder is None:
        return None
    index = vector_index(session, encoder.name)
    if not len(index):
        return None
    conditions = []
    if filters.state_code:
        conditions.append(Recommendation.state_code == filters.state_code)
    if filters.response:
        conditions.append(Recommendation.response == filters.response)
    if filters.theme:
        conditions.append(col(Recommendation.id).in_(
            select(col(RecommendationTheme.recommendation_id))
            .join(Theme, col(Theme.id) == RecommendationTheme.theme_id)
            .where(func.lower(Theme.name) == filters.theme.strip().lower())))
    mask = np.ones(len(index), dtype=bool)
    if conditions:  # one statement for every filter together
        allowed = session.execute(select(col(Recommendation.id)).where(*conditions)).scalars().all()
        mask = np.isin(index.ids, np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
    positions = np.flatnonzero(mask)
    if not len(positions):
        return index.ids[:0], np.zeros(0, dtype=np.float32)
    if english is None:
        vector = encoder.encode([query])[0]
    else:
        own, bridged = encoder.encode([query, english])
        vector = own + BRIDGE_WEIGHT * bridged
        vector /= np.linalg.norm(vector)
    if len(positions) < len(index):
        return index.ids[positions], index.matrix[positions] @ vector
    return index.ids, index.matrix @ vector


def _best(ids: np.ndarray, scores: np.ndarray, limit: int) -> list[tuple[int, float]]:
    """(id, score) of the `limit` highest scores, best first."""
    k = min(limit, len(ids))
    if not k:
        return []
    top = np.argpartition(-scores, k - 1)[:k]
    top = top[np.argsort(-scores[top], kind="stable")]
    return [(int(ids[i]), float(scores[i])) for i in top]


def _semantic_ranking(session: Session, query: str, filters: Filters,
                      limit: int) -> list[tuple[int, float]] | None:
    """(recommendation id, cosine) best first; None when the model or the vectors are missing."""
    similar = _similarities(session, query, filters)
    return None if similar is None else _best(*similar, limit)


def _load(session: Session, ids: list[int]) -> dict[int, Recommendation]:
    if not ids:
        return {}
    rows = session.execute(select(Recommendation).where(col(Recommendation.id).in_(ids))).scalars()
    return {r.id: r for r in rows}


def _fuse(rankings: list[list[int]], limit: int) -> tuple[list[int], dict[int, float]]:
    """Reciprocal-rank fusion: the `limit` best ids and every id's fused score."""
    fused: dict[int, float] = {}
    for ranked in rankings:
        for rank, rid in enumerate(ranked, start=1):
            fused[rid] = fused.get(rid, 0.0) + 1.0 / (RRF_K + rank)
    return sorted(fused, key=lambda rid: (-fused[rid], rid))[:limit], fused


def _fallback_reason() -> str:
    return ("the embedding model is not installed: full-text search" if get_encoder() is None
            else "no recommendation embeddings stored (run `facility recommendations embed`): "
                 "full-text search")


def _bridged(session: Session, query: str, found: Bridge, mode: SearchMode, filters: Filters,
             limit: int) -> SearchResult | None:
    """The search of a bridged query; None when the model or the vectors are missing."""
    similar = _similarities(session, query, filters, found.english_query)
    if similar is None:
        return None
    via = {"translated_via": TranslatedVia.SDG_VOCABULARY, "bridge": found}
    if mode != SearchMode.HYBRID:
        ranking = _best(*similar, limit)
        rows = _load(session, [rid for rid, _ in ranking])
        return SearchResult(SearchMode.SEMANTIC,
                            [Hit(rows[rid], score) for rid, score in ranking if rid in rows],
                            **via)
    depth = max(limit, FUSION_DEPTH)
    lexical = _lexical(session, query, filters, depth)
    best, fused = _fuse([[rid for rid, _ in _best(*similar, depth)],
                         [h.recommendation.id for h in lexical]], limit)
    rows = {h.recommendation.id: h.recommendation for h in lexical}
    rows.update(_load(session, [rid for rid in best if rid not in rows]))
    return SearchResult(SearchMode.HYBRID, [Hit(rows[rid], fused[rid]) for rid in best], **via)


def find_recommendations(
    session: Session, *, query: str, mode: SearchMode = SearchMode.AUTO,
    state_code: str | None = None, response: RecommendationResponse | str | None = None,
    theme: str | None = None, limit: int = 20, field: str = "query",
    max_length: int = MAX_QUERY_LENGTH, language: str | None = None,
) -> SearchResult:
    """The recommendations best matching the query, best first (at most `limit`); `language`
    (one of tokenise.LANGUAGES, default English) is the query's."""
    query = check_query(field, query, limit, max_length)
    language = check_language("language", language)
    filters = Filters(state_code.strip().upper() if state_code else None,
                      parse_response(response) if response else None, theme)
    if language in BRIDGED_LANGUAGES and mode != SearchMode.LEXICAL:
        found = bridge(query, language)
        if found is None:
            result = _search(session, query, mode, filters, limit)
            note = (f"no SDG goal, target or theme name in {language!r} shares a word with the "
                    "query: searched as written, with the English model")
            reason = f"{note}; {result.fallback_reason}" if result.fallback_reason else note
            return SearchResult(result.mode, result.hits, reason)
        bridged = _bridged(session, query, found, mode, filters, limit)
        if bridged is not None:
            return bridged
    return _search(session, query, mode, filters, limit)


def _search(session: Session, query: str, mode: SearchMode, filters: Filters,
            limit: int) -> SearchResult:
    """The search of a query as written."""
    wanted = mode
    if mode == SearchMode.AUTO:
        if len(re.findall(r"\w+", query)) < MIN_SEMANTIC_WORDS:
            return SearchResult(SearchMode.LEXICAL, _lexical(session, query, filters, limit),
                                f"fewer than {MIN_SEMANTIC_WORDS} words: full-text search")
        wanted = SearchMode.HYBRID
    if wanted == SearchMode.LEXICAL:
        return SearchResult(SearchMode.LEXICAL, _lexical(session, query, filters, limit))
    depth = limit if wanted == SearchMode.SEMANTIC else max(limit, FUSION_DEPTH)
    ranking = _semantic_ranking(session, query, filters, depth)
    if ranking is None:
        return SearchResult(SearchMode.LEXICAL, _lexical(session, query, filters, limit),
                            _fallback_reason())
    if wanted == SearchMode.SEMANTIC:
        rows = _load(session, [rid for rid, _ in ranking])
        return SearchResult(SearchMode.SEMANTIC,
                            [Hit(rows[rid], score) for rid, score in ranking if rid in rows])
    lexical = _lexical(session, query, filters, depth)
    best, fused = _fuse([[rid for rid, _ in ranking], [h.recommendation.id for h in lexical]],
                        limit)
    rows = {h.recommendation.id: h.recommendation for h in lexical}
    rows.update(_load(session, [rid for rid in best if rid not in rows]))
    return SearchResult(SearchMode.HYBRID, [Hit(rows[rid], fused[rid]) for rid in best])
