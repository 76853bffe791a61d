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
    hits: list[RecommendationHit]


@strawberry.type
class RecommendationSuggestions:
    mode: SearchMode  # type: ignore[valid-type]
    fallback_reason: str | None
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
        "paraphrases as well as shared words (English; see docs/semantic-search.md)"))
    def search_recommendations(
        self, info: Info, query: str, mode: SearchMode = service.SearchMode.AUTO,  # type: ignore[valid-type,assignment]
        state_code: str | None = None,
        response: RecommendationResponse | None = None,  # type: ignore[valid-type]
        theme: str | None = None, first: int = 20,
    ) -> RecommendationSearch:
        try:
            result = service.find_recommendations(
                context_of(info).session, query=query, mode=mode, state_code=state_code,
                response=response, theme=theme, limit=first)
        except ValidationFailed as exc:
            raise PublicError(exc.message) from None
        return RecommendationSearch(mode=result.mode, fallback_reason=result.fallback_reason,
                                    hits=_hits(info, result))

    @strawberry.field(description=(
        "while a State writes a request: its own recommendations that the need most likely "
        "addresses (State missions only)"))
    def suggest_recommendations(self, info: Info, need: str, first: int = 10) -> SuggestionsResult:
        ctx = context_of(info)

        def suggest() -> RecommendationSuggestions:
            result = suggest_recommendations(ctx.session, actor=ctx.actor, need=need, limit=first)
            return RecommendationSuggestions(mode=result.mode, fallback_reason=result.fallback_reason,
                                             hits=_hits(info, result))

        return answer_or_error(info, suggest)  # type: ignore[return-value]
