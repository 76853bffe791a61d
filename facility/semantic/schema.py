"""GraphQL: recommendation search by meaning, and suggestions while a State writes a request."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from facility.api.context import answer_or_error, context_of
from facility.api.errors import PermissionDeniedError, PublicError, ValidationError
from facility.errors import ValidationFailed
from facility.reference.schema import RecommendationResponse, RecommendationType
from facility.semantic import search as service
from facility.semantic.suggest import suggest_recommendations

SearchMode = strawberry.enum(service.SearchMode, description=(
    "AUTO: HYBRID for queries of three words or more, LEXICAL for shorter ones; LEXICAL: "
    "full-text; SEMANTIC: embedding similarity; HYBRID: both, fused by reciprocal rank"))


TranslatedVia = strawberry.enum(service.TranslatedVia, description=(
    "SDG_VOCABULARY: the query, in another UN language, was matched against the SDG goal and "
    "target titles and the theme names in that language, and their English texts were added "
    "to it for the English model (docs/semantic-search.md)"))

LANGUAGE_ARGUMENT = strawberry.argument(description=(
    "the query's language: ar, en, es, fr, ru or zh (zh-Hans); default en. Another UN language "
    "than English is bridged to English through the SDG and theme vocabulary"))


@strawberry.type
class QueryBridge:
    translated_via: TranslatedVia = strawberry.field(  # type: ignore[valid-type]
        description="what the query was bridged through")
    language: str = strawberry.field(description="the query's language")
    english_query: str = strawberry.field(
        description="the English text added to the query: the matched entries' English titles")
    matched: list[str] = strawberry.field(description=(
        "the vocabulary entries matched, best first, e.g. 'SDG target 16.3', 'theme Justice'"))


def _bridge(result: service.SearchResult) -> QueryBridge | None:
    if result.bridge is None or result.translated_via is None:
        return None
    return QueryBridge(translated_via=result.translated_via, language=result.bridge.language,
                       english_query=result.bridge.english_query,
                       matched=[e.label for e in result.bridge.entries])


@strawberry.type
class RecommendationHit:
    recommendation: RecommendationType
    score: float | None = strawberry.field(description=(
        "cosine similarity (SEMANTIC), fused reciprocal-rank score (HYBRID), null (LEXICAL)"))


@strawberry.type
class RecommendationSearch:
    mode: SearchMode = strawberry.field(  # type: ignore[valid-type]
        description="the mode that ran (LEXICAL when the embedding model or vectors are missing)")
    fallback_reason: str | None = strawberry.field(
        description="why another mode than the one asked for ran")
    bridge: QueryBridge | None = strawberry.field(
        description="how a query in another language than English was bridged (null: it was not)")
    hits: list[RecommendationHit]


@strawberry.type
class RecommendationSuggestions:
    mode: SearchMode  # type: ignore[valid-type]
    fallback_reason: str | None
    bridge: QueryBridge | None
    hits: list[RecommendationHit] = strawberry.field(
        description="recommendations to the caller's own State, most likely addressed first")


SuggestionsResult = Annotated[
    RecommendationSuggestions | ValidationError | PermissionDeniedError,
    strawberry.union("SuggestionsResult"),
]


def _hits(info: Info, result: service.SearchResult) -> list[RecommendationHit]:
    ctx = context_of(info)
    ctx.loaders.recommendation_themes.prime(h.recommendation.id for h in result.hits)  # type: ignore[misc]
    return [RecommendationHit(recommendation=RecommendationType(model=h.recommendation),
                              score=h.score) for h in result.hits]


@strawberry.type
class SemanticQuery:
    @strawberry.field(description=(
        "recommendations (public UN documents) ranked by how well they match the query; finds "
        "paraphrases as well as shared words (English; other UN languages through the SDG and theme "
        "vocabulary: see docs/semantic-search.md)"))
    def search_recommendations(
        self, info: Info, query: str, mode: SearchMode = service.SearchMode.AUTO,  # type: ignore[valid-type]
        state_code: str | None = None,
        response: RecommendationResponse | None = None,  # type: ignore[valid-type]
        theme: str | None = None, first: int = 20,
        language: Annotated[str | None, LANGUAGE_ARGUMENT] = None,
    ) -> RecommendationSearch:
        try:
            result = service.find_recommendations(
                context_of(info).session, query=query, mode=mode, state_code=state_code,
                response=response, theme=theme, limit=first, language=language)
        except ValidationFailed as exc:
            raise PublicError(exc.message) from None
        return RecommendationSearch(mode=result.mode, fallback_reason=result.fallback_reason,
                                    bridge=_bridge(result), hits=_hits(info, result))

    @strawberry.field(description=(
        "while a State writes a request: its own recommendations that the need most likely "
        "addresses (State missions only)"))
    def suggest_recommendations(
        self, info: Info, need: str, first: int = 10,
        language: Annotated[str | None, LANGUAGE_ARGUMENT] = None,
    ) -> SuggestionsResult:
        ctx = context_of(info)

        def suggest() -> RecommendationSuggestions:
            result = suggest_recommendations(ctx.session, actor=ctx.actor, need=need, limit=first,
                                             language=language)
            return RecommendationSuggestions(mode=result.mode, fallback_reason=result.fallback_reason,
                                             bridge=_bridge(result), hits=_hits(info, result))

        return answer_or_error(info, suggest)  # type: ignore[return-value]
