"""The GraphQL schema: every domain's queries and mutations, combined."""

import strawberry
from strawberry.extensions import MaxAliasesLimiter, MaxTokensLimiter, QueryDepthLimiter
from strawberry.schema.config import StrawberryConfig

from facility.auth.schema import AuthQuery
from facility.engagements.schema import FollowUpMutation, FollowUpQuery
from facility.experts.schema import ExpertMutation, ExpertQuery
from facility.offers.schema import OfferMutation, OfferQuery
from facility.reference.schema import ReferenceQuery
from facility.requests.schema import RequestMutation, RequestQuery
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
            FollowUpQuery, CoordinationQuery, DemandQuery, StoryQuery, StatisticsQuery):
    """Everything a client can read."""


@strawberry.type
class Mutation(RequestMutation, OfferMutation, ExpertMutation, GovernanceMutation,
               FollowUpMutation, StoryMutation):
    """Everything a client can change."""


def build_schema() -> strawberry.Schema:
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        config=StrawberryConfig(auto_camel_case=True),
        extensions=[
            lambda: QueryDepthLimiter(max_depth=MAX_DEPTH),
            lambda: MaxAliasesLimiter(max_alias_count=MAX_ALIASES),
            lambda: MaxTokensLimiter(max_token_count=MAX_TOKENS),
        ],
    )


schema = build_schema()
