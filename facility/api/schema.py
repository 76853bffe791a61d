"""The GraphQL schema: every domain's queries and mutations, combined.

Two builds of the same types: the development one (introspection for GraphiQL and the SDL
export) and the production one (no introspection, no "Did you mean" suggestions), so that an
outsider cannot read the schema off the endpoint. The endpoint picks one by FACILITY_ENV.
"""

import strawberry
from strawberry.extensions import (
    DisableIntrospection,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
)
from strawberry.schema.config import StrawberryConfig

from facility.api.document_cache import MAX_DOCUMENTS, ValidatedDocumentCache
from facility.api.limits import CheapLimitsFirst
from facility.auth.schema import AuthQuery
from facility.engagements.deployment_schema import DeploymentMutation, DeploymentQuery
from facility.engagements.schema import FollowUpMutation, FollowUpQuery
from facility.experts.schema import ExpertMutation, ExpertQuery
from facility.needs.schema import NeedsQuery
from facility.notifications.schema import NotificationMutation, NotificationQuery
from facility.offers.schema import OfferMutation, OfferQuery
from facility.reference.schema import ReferenceQuery
from facility.requests.schema import RequestMutation, RequestQuery
from facility.semantic.schema import SemanticQuery
from facility.statistics.schema import StatisticsQuery
from facility.stories.schema import StoryMutation, StoryQuery
from governance.coordination_schema import CoordinationQuery
from governance.demand_schema import DemandQuery
from governance.schema import GovernanceMutation, GovernanceQuery

MAX_DEPTH = 10
MAX_ALIASES = 30
MAX_TOKENS = 3000


@strawberry.type
class Query(AuthQuery, ReferenceQuery, RequestQuery, OfferQuery, ExpertQuery, GovernanceQuery,
            FollowUpQuery, CoordinationQuery, DemandQuery, StoryQuery, StatisticsQuery,
            NotificationQuery, SemanticQuery, NeedsQuery, DeploymentQuery):
    """Everything a client can read."""


@strawberry.type
class Mutation(RequestMutation, OfferMutation, ExpertMutation, GovernanceMutation,
               FollowUpMutation, StoryMutation, NotificationMutation, DeploymentMutation):
    """Everything a client can change."""


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
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        # Strawberry strips suggestions from unknown-field errors only; the endpoint strips
        # the others (arguments, types, enum values) in production too.
        config=StrawberryConfig(auto_camel_case=True, disable_field_suggestions=production),
        extensions=extensions,
    )


schema = build_schema()
production_schema = build_schema(production=True)
