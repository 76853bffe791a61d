"""Suggesting, while a State writes the need of a request, the recommendations it addresses."""

from __future__ import annotations

from sqlmodel import Session

from facility.auth import permissions
from facility.auth.actor import Actor
from facility.errors import PermissionDenied
from facility.semantic.search import SearchMode, SearchResult, find_recommendations

MAX_NEED_LENGTH = 10_000  # as the request form's need


def suggest_recommendations(session: Session, *, actor: Actor | None, need: str,
                            limit: int = 10, language: str | None = None) -> SearchResult:
    """The caller's own State's recommendations best matching the need (written in `language`,
    default English), best first."""
    if not permissions.can_get_recommendation_suggestions(actor):
        raise PermissionDenied("only a State's mission gets suggestions for its own requests")
    assert actor is not None and actor.state_code is not None
    return find_recommendations(session, query=need, mode=SearchMode.AUTO,
                                state_code=actor.state_code, limit=limit, field="need",
                                max_length=MAX_NEED_LENGTH, language=language)
