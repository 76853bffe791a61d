"""The per-request GraphQL context: the unit of work, who is asking, and the DataLoaders."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

from sqlmodel import Session, col, select
from strawberry.types import Info

from facility.api.errors import ErrorResult, to_graphql
from facility.api.loaders import BatchLoader
from facility.auth.actor import Actor
from facility.auth.models import Partner
from facility.config import Settings
from facility.engagements import deployments
from facility.engagements.models import DeploymentAnswer
from facility.errors import DomainError, NotFound, RefusedAfterRecording, ValidationFailed
from facility.experts import readiness
from facility.experts import service as experts
from facility.experts.models import ExpertCheck
from facility.offers import service as offers
from facility.reference.models import Recommendation, SdgTarget, State
from facility.reference.search import recommendation_themes, sdg_targets_by_recommendation
from facility.requests import service as requests

T = TypeVar("T")
log = logging.getLogger("facility.refusals")


class Loaders:
    """One set per GraphQL request, so nothing is cached across callers."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self.recommendations: BatchLoader[int, Recommendation | None] = BatchLoader(
            self._fetch_recommendations, lambda: None
        )
        self.recommendation_themes: BatchLoader[int, list[str]] = BatchLoader(
            lambda ids: recommendation_themes(session, ids), list
        )
        self.recommendation_sdg_targets: BatchLoader[int, list[SdgTarget]] = BatchLoader(
            lambda ids: sdg_targets_by_recommendation(session, ids), list
        )
        self.request_recommendation_ids: BatchLoader[int, list[int]] = BatchLoader(
            self._fetch_request_recommendation_ids, list
        )
        self.request_themes: BatchLoader[int, list[str]] = BatchLoader(
            lambda ids: requests.themes_by_request(session, ids), list
        )
        self.offer_themes: BatchLoader[int, list[str]] = BatchLoader(
            lambda ids: offers.themes_by_offer(session, ids), list
        )
        self.expert_themes: BatchLoader[int, list[str]] = BatchLoader(
            lambda ids: experts.themes_by_expert(session, ids), list
        )
        self.expert_availability = BatchLoader(
            lambda ids: experts.availability_by_expert(session, ids), list
        )
        self.expert_checks: BatchLoader[int, list[ExpertCheck]] = BatchLoader(
            lambda ids: readiness.checks_by_expert(session, ids), list
        )
        self.partners: BatchLoader[int, Partner | None] = BatchLoader(
            lambda ids: {p.id: p for p in session.exec(
                select(Partner).where(col(Partner.id).in_(ids)))},
            lambda: None,
        )
        self.deployment_answers: BatchLoader[int, list[DeploymentAnswer]] = BatchLoader(
            lambda ids: deployments.answers_by_engagement(session, ids), list
        )

    @cached_property
    def states(self) -> dict[str, State]:
        """All States (fewer than 200 rows): one statement per GraphQL request, when needed."""
        return {s.code: s for s in self._session.exec(select(State))}

    def _fetch_recommendations(self, ids: list[int]) -> dict[int, Recommendation]:
        rows = self._session.exec(
            select(Recommendation).where(col(Recommendation.id).in_(ids))
        ).all()
        self.recommendation_themes.prime(ids)
        self.recommendation_sdg_targets.prime(ids)
        return {r.id: r for r in rows}  # type: ignore[misc]

    def _fetch_request_recommendation_ids(self, ids: list[int]) -> dict[int, list[int]]:
        found = requests.recommendation_ids_by_request(self._session, ids)
        self.recommendations.prime(rid for rids in found.values() for rid in rids)
        return found


@dataclass
class Context:
    session: Session
    actor: Actor | None
    settings: Settings
    open_session: Callable[[], AbstractContextManager[Session]] | None = None
    accept_language: str | None = None  # the request's Accept-Language header, for labels
    loaders: Loaders = field(init=False)

    def __post_init__(self) -> None:
        self.loaders = Loaders(self.session)


def context_of(info: Info) -> Context:
    return info.context


def mutate(info: Info, action: Callable[[], T]) -> T | ErrorResult:
    """Run one mutation in a SAVEPOINT; an expected failure undoes it and becomes a union member
    (a RefusedAfterRecording keeps what it recorded: its savepoint is released, not undone)."""
    context = context_of(info)
    savepoint = context.session.begin_nested()
    try:
        result = action()
    except DomainError as error:
        (savepoint.commit if isinstance(error, RefusedAfterRecording) else savepoint.rollback)()
        log_refusal(info.field_name, context.actor, error)
        return to_graphql(error)
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return result


def found_or_null(info: Info, object_id: int | None, find: Callable[[int], T], *,
                  refusals: tuple[type[DomainError], ...] = (NotFound,)) -> T | None:
    """One object by its id (`find` raises `NotFound` for one the caller may not see), or null.

    The single place where a read of one object turns a refusal into `null`, so every such
    field, top-level or nested, logs it the same way. An id that does not decode (None) and
    one that names nothing are logged alike: the log must not tell hidden from absent either.
    Fields that take no id pass `object_id=None` with a `find` that ignores its argument
    (see `refused_as_null`)."""
    try:
        if object_id is None:
            raise NotFound("no such object")
        return find(object_id)
    except refusals as error:
        log_refusal(f"{operation_of(info)}(id {object_id if object_id is not None else 'invalid'})",
                    context_of(info).actor, error)
        return None


def refused_as_null(info: Info, find: Callable[[], T], *,
                    refusals: tuple[type[DomainError], ...] = (NotFound,)) -> T | None:
    """A single object a query names by something other than an id (a State code, "the
    latest run", the caller's role): a refusal is null, and logged as `found_or_null` does."""
    try:
        return find()
    except refusals as error:
        log_refusal(operation_of(info), context_of(info).actor, error)
        return None


def answer_or_error(info: Info, action: Callable[[], T]) -> T | ErrorResult:
    """A read whose refusal is a union member rather than null (`needsAssessment`,
    `suggestRecommendations`): the refusal is logged as a mutation's is."""
    try:
        return action()
    except DomainError as error:
        log_refusal(operation_of(info), context_of(info).actor, error)
        return to_graphql(error)


def operation_of(info: Info) -> str:
    """The field as the log names it: `request` at the top, `SuccessStory.report` nested.
    Schema names only, never the client's aliases."""
    if info.path.prev is None:
        return info.field_name
    return f"{info.path.typename}.{info.field_name}"  # the type that holds the field


def log_refusal(operation: str, actor: Actor | None, error: DomainError) -> None:
    """Every refused mutation, and every read of one object answered null or as an error, is
    logged: which operation (for reads by id, the numeric id), who (role and account id), the
    kind of refusal and, for invalid input, the fields and rules. Never the message: it may
    repeat what the caller sent (an e-mail address, a name)."""
    detail = ""
    if isinstance(error, ValidationFailed):
        detail = " " + ",".join(f"{p.field}:{p.rule}" for p in error.problems)
    who = f"{actor.role}#{actor.account_id}" if actor else "anonymous"
    log.info("refused %s for %s: %s%s", operation, who, type(error).__name__, detail)
