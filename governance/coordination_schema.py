"""GraphQL types and the query of donor coordination (governance/coordination.py)."""

import datetime

import strawberry
from strawberry.types import Info

from facility.api.context import context_of, refused_as_null
from facility.api.model_fields import from_model
from facility.auth.schema import PartnerType
from facility.offers.schema import OfferType
from facility.reference.schema import RecommendationType, StateType
from facility.requests.schema import CapacityRequestType
from governance import coordination

SupportSource = strawberry.enum(coordination.SupportSource)


@strawberry.type(name="Support")
class SupportType:
    model: strawberry.Private[coordination.Support]

    @strawberry.field(description="ENGAGEMENT (confirmed by both sides) or APPROVED_PROPOSAL "
                                  "(approved by the committee, awaiting confirmation)")
    def source(self) -> SupportSource:  # type: ignore[valid-type]
        return self.model.source

    @strawberry.field
    def partner(self) -> PartnerType:
        return PartnerType.of(self.model.partner)

    @strawberry.field
    def offer(self) -> OfferType:
        return OfferType(model=self.model.offer)

    @strawberry.field
    def request(self) -> CapacityRequestType:
        return CapacityRequestType(model=self.model.request)

    status = from_model("status", str, description="the engagement's status, or APPROVED_PROPOSAL")
    start = from_model(
        "start", datetime.date | None,
        description="the engagement's dates; null before there is one")

    end = from_model("end", datetime.date | None)
    budget = from_model("budget", int, description="committed by the engagement, else the request's estimate")
    currency = from_model("currency", str)


@strawberry.type(name="RecommendationSupport")
class RecommendationSupportType:
    model: strawberry.Private[coordination.RecommendationSupport]

    @strawberry.field
    def recommendation(self) -> RecommendationType:
        return RecommendationType(model=self.model.recommendation)

    @strawberry.field
    def supports(self) -> list[SupportType]:
        return [SupportType(model=s) for s in self.model.supports]

    duplicated = from_model(
        "duplicated", bool,
        description="supported more than once (by one partner or several)")


@strawberry.type(name="SupportMap")
class SupportMapType:
    model: strawberry.Private[coordination.SupportMap]

    @strawberry.field
    def state(self) -> StateType:
        return StateType.of(self.model.state)

    @strawberry.field(description="the State's recommendations that have support, by source id")
    def recommendations(self) -> list[RecommendationSupportType]:
        return [RecommendationSupportType(model=r) for r in self.model.recommendations]


@strawberry.type(name="DuplicateSupport")
class DuplicateSupportType:
    model: strawberry.Private[coordination.Overlap]

    @strawberry.field
    def support(self) -> SupportType:
        return SupportType(model=self.model.support)

    @strawberry.field(description="the recommendations both would support")
    def recommendations(self) -> list[RecommendationType]:
        return [RecommendationType(model=r) for r in self.model.recommendations]


@strawberry.type
class CoordinationQuery:
    @strawberry.field(description="who supports which recommendation of a State: partners, the "
                                  "committee and the secretariat for any State, a State for its "
                                  "own; null otherwise")
    def support_map(self, info: Info, state_code: str) -> SupportMapType | None:
        ctx = context_of(info)
        # The State code is the caller's input: the log names the field, never the code.
        return refused_as_null(info, lambda: SupportMapType(model=coordination.support_map(
            ctx.session, actor=ctx.actor, state_code=state_code)))
