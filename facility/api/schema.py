"""The GraphQL schema: every domain's queries and mutations, combined.

Two builds of the same types: the development one (introspection for GraphiQL and the SDL
export) and the production one (no introspection, no "Did you mean" suggestions), so that an
outsider cannot read the schema off the endpoint. The endpoint picks one by FACILITY_ENV.
"""

import datetime
import logging

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from facility.api.document_cache import MAX_DOCUMENTS, ValidatedDocumentCache
from facility.api.enum_labels import EnumLabelQuery
from facility.api.errors import is_client_error
from facility.api.limits import CheapLimitsFirst
from facility.auth.schema import AuthQuery
from facility.dialogue.schema import DialogueMutation, DialogueQuery
from facility.engagements.deployment_schema import DeploymentMutation, DeploymentQuery
from facility.engagements.schema import FollowUpMutation, FollowUpQuery
from facility.experts.schema import ExpertMutation, ExpertQuery
from facility.funds.schema import FundMutation, FundQuery
from facility.library.schema import LibraryMutation, LibraryQuery
from facility.needs.schema import NeedsQuery
from facility.notifications.schema import NotificationMutation, NotificationQuery
from facility.offers.schema import OfferMutation, OfferQuery
from facility.programmes.schema import ProgrammeMutation, ProgrammeQuery
from facility.reference.schema import ReferenceQuery
from facility.referrals.schema import ReferralMutation, ReferralQuery
from facility.requests.schema import RequestMutation, RequestQuery
from facility.semantic.schema import SemanticQuery
from facility.statistics.schema import StatisticsQuery
from facility.stories.schema import StoryMutation, StoryQuery
from facility.timeutil import as_utc
from governance.coordination_schema import CoordinationQuery
from governance.demand_schema import DemandQuery
from governance.schema import GovernanceMutation, GovernanceQuery

log = logging.getLogger("facility.graphql")
MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 3000


@strawberry.type
class Query(AuthQuery, ReferenceQuery, RequestQuery, OfferQuery, ExpertQuery, GovernanceQuery,
            FollowUpQuery, CoordinationQuery, DemandQuery, StoryQuery, StatisticsQuery,
            NotificationQuery, SemanticQuery, NeedsQuery, DeploymentQuery, ReferralQuery,
            DialogueQuery, FundQuery, LibraryQuery, ProgrammeQuery, EnumLabelQuery):
    """Everything a client can read."""


@strawberry.type
class Mutation(RequestMutation, OfferMutation, ExpertMutation, GovernanceMutation,
               FollowUpMutation, StoryMutation, NotificationMutation, DeploymentMutation,
               ReferralMutation, DialogueMutation, FundMutation, LibraryMutation,
               ProgrammeMutation):
    """Everything a client can change."""


def _utc_iso(moment: datetime.datetime) -> str:
    # SQLite gives stored times back without their zone; every stored time is UTC. One shape
    # for every answer: ISO 8601 with +00:00.
    return as_utc(moment).astimezone(datetime.UTC).isoformat()  # type: ignore[union-attr]


UtcDateTime = strawberry.scalar(
    name="DateTime",
    description="Date with time (ISO 8601), always in UTC with its offset, e.g. "
                "2027-03-01T09:30:00+00:00",
    serialize=_utc_iso, parse_value=datetime.datetime.fromisoformat)


class FacilitySchema(strawberry.Schema):
    """Strawberry logs every error at ERROR with its message, and a client's mistake (a bad
    variable, an unknown field) quotes what the client submitted, personal data included. Here a
    client error is logged at INFO by its kind and place only; an unexpected one is logged with
    its traceback where it is masked (facility.api.endpoint)."""

    def process_errors(self, errors: list[GraphQLError],
                       execution_context: ExecutionContext | None = None) -> None:
        for error in errors:
            if is_client_error(error):
                log.info("client error in a GraphQL request: %s at %s",
                         type(error.original_error or error).__name__,
                         ",".join(f"{p.line}:{p.column}" for p in error.locations or ()) or
                         ".".join(map(str, error.path or ())) or "the document")


def build_schema(*, production: bool = False) -> strawberry.Schema:
    extensions: list = [
        # Parse-time and cheap limits first, so an oversized document costs little.
        lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        CheapLimitsFirst,
        lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
        lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
    ]
    if production:
        extensions.append(DisableIntrospection)
    # Parse and validate each document once per process (facility/api/document_cache.py); the
    # validation cache is keyed by schema, so the two builds never share an outcome.
    extensions += [lambda: ParserCache(maxsize=MAX_DOCUMENTS), ValidatedDocumentCache]
    return FacilitySchema(
        query=Query,
        mutation=Mutation,
        # Strawberry strips suggestions from unknown-field errors only; the endpoint strips
        # the others (arguments, types, enum values) in production too.
        config=StrawberryConfig(auto_camel_case=True, disable_field_suggestions=production,
                                scalar_map={datetime.datetime: UtcDateTime}),
        extensions=extensions,
    )


schema = build_schema()
production_schema = build_schema(production=True)
