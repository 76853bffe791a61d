"""GraphQL types and the query of unmet demand (governance/demand.py)."""

import datetime

import strawberry
from strawberry.types import Info

from facility.api.context import context_of, found_or_null, refused_as_null
from facility.api.model_fields import from_model
from facility.ids import decode_id, encode_id
from facility.offers.schema import OfferType
from facility.requests.schema import CapacityRequestType
from governance import demand

CAUSE_DESCRIPTION = (
    "why it stayed unmatched: NO_OFFER_THEME, NO_OFFER_GROUP, NO_OFFER_STATE, OFFER_WINDOW, "
    "OFFER_BUDGET (no offer could fund it, by the first rule that rules every offer out); "
    "EXPERT_THEME, EXPERT_LANGUAGE, EXPERT_NATIONALITY, EXPERT_CONFLICT, EXPERT_AVAILABILITY "
    "(too few eligible experts, by the first rule that leaves too few); TEAM_DIVERSITY; "
    "OFFER_CAPACITY, EXPERT_CAPACITY (capacity went to higher-scoring requests); TRADEOFF "
    "(room remains, but every rearrangement scores lower); TIME_LIMIT; OTHER_CURRENCY, "
    "NO_REGIONAL_GROUP, NO_THEME (the run could not take it)"
)


def _causes(codes: tuple[str, ...]) -> list[str]:
    return [c.upper() for c in codes]


@strawberry.type(name="CauseCount")
class CauseCountType:
    cause: str = strawberry.field(description=CAUSE_DESCRIPTION)
    requests: int


@strawberry.type
class SliceBudget:
    currency: str
    amount: int


@strawberry.type(name="DemandSlice")
class DemandSliceType:
    model: strawberry.Private[demand.DemandSlice]

    key = from_model("key", str, description="the theme, regional group, language code or kind of support")
    requests = from_model("requests", int, description="unmet requests with this value")
    budget = from_model("budget", int, description="their estimated budgets in the runs' "
                                                    "currency (USD), summed; see budgets")

    @strawberry.field(description="their estimated budgets summed per currency, never across")
    def budgets(self) -> list[SliceBudget]:
        return [SliceBudget(currency=c, amount=a) for c, a in self.model.budgets]

    @strawberry.field(description="how many of them each cause kept unmatched")
    def causes(self) -> list[CauseCountType]:
        return [CauseCountType(cause=c.cause.upper(), requests=c.requests) for c in self.model.causes]


@strawberry.type(name="UnmetRequest")
class UnmetRequestType:
    model: strawberry.Private[demand.UnmetRequest]

    @strawberry.field
    def request(self) -> CapacityRequestType:
        return CapacityRequestType(model=self.model.request)

    @strawberry.field(description=CAUSE_DESCRIPTION)
    def causes(self) -> list[str]:
        return _causes(self.model.causes)

    @strawberry.field(description="the reasons in plain language (committee and secretariat; "
                                  "empty for partners)")
    def reasons(self) -> list[str]:
        return list(self.model.reasons)


@strawberry.type(name="DemandSuggestion")
class DemandSuggestionType:
    model: strawberry.Private[demand.DemandSuggestion]

    @strawberry.field(description="EXPERT (one more expert), OFFER (a new funding offer) or "
                                  "TOP_UP (more budget and one more request for an offer)")
    def kind(self) -> str:
        return self.model.kind

    description = from_model("description", str, description="the addition in plain English")
    theme = from_model("theme", str | None)
    language = from_model("language", str | None, description="the language the expert speaks (ISO 639-1)")
    regional_group = from_model(
        "regional_group", str | None,
        description="the expert's regional group, or the group the offer is open to")

    window_start = from_model(
        "window_start", datetime.date | None,
        description="availability of the expert or window of the offer (whole quarters)")

    window_end = from_model("window_end", datetime.date | None)
    budget = from_model("budget", int, description="the offer's budget, or the top-up")
    max_requests = from_model("requests", int, description="requests the new offer may fund (1 for a top-up)")

    @strawberry.field(description="the offer topped up (null for another partner's offer)")
    def offer(self) -> OfferType | None:
        return OfferType(model=self.model.offer) if self.model.offer else None

    reach = from_model("reach", int, description="unmatched requests the matching rules let it serve")

    @strawberry.field(description="requests the re-solved run matches that the run did not")
    def newly_matched(self) -> list[CapacityRequestType]:
        return [CapacityRequestType(model=r) for r in self.model.newly_matched]

    @strawberry.field(description="requests the run matched that the re-solved run does not")
    def no_longer_matched(self) -> list[CapacityRequestType]:
        return [CapacityRequestType(model=r) for r in self.model.no_longer_matched]

    gain = from_model("gain", int, description="matched requests gained, net")
    score_gain = from_model("score_gain", int, description="score of the re-solved run minus the run's score")
    proven = from_model("proven", bool, description="the re-solved run was proven optimal")


@strawberry.type(name="UnmetDemand")
class UnmetDemandType:
    model: strawberry.Private[demand.UnmetDemand]

    @strawberry.field(description="the optimiser run analysed")
    def run_id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("OptimiserRun", self.model.run.id))  # type: ignore[arg-type]

    @strawberry.field
    def finished_at(self) -> datetime.datetime | None:
        return self.model.run.finished_at

    @strawberry.field
    def criteria_version(self) -> int:
        return self.model.run.criteria_version

    @strawberry.field(description="eligible requests the run left unmatched")
    def requests(self) -> list[UnmetRequestType]:
        return [UnmetRequestType(model=u) for u in self.model.requests]

    @strawberry.field
    def by_theme(self) -> list[DemandSliceType]:
        return [DemandSliceType(model=s) for s in self.model.by_theme]

    @strawberry.field
    def by_regional_group(self) -> list[DemandSliceType]:
        return [DemandSliceType(model=s) for s in self.model.by_group]

    @strawberry.field
    def by_language(self) -> list[DemandSliceType]:
        return [DemandSliceType(model=s) for s in self.model.by_language]

    @strawberry.field
    def by_support_kind(self) -> list[DemandSliceType]:
        return [DemandSliceType(model=s) for s in self.model.by_support_kind]

    analysed = from_model(
        "analysed", bool,
        description="the re-solving analysis has finished (it follows the run)")

    analysis_error = from_model(
        "analysis_error", str | None,
        description="why the analysis failed, if it did")

    candidates_tried = from_model("candidates_tried", int, description="candidate additions re-solved")

    @strawberry.field(description="additions that match more requests when re-solved, best first")
    def suggestions(self) -> list[DemandSuggestionType]:
        return [DemandSuggestionType(model=s) for s in self.model.suggestions]


@strawberry.type
class DemandQuery:
    @strawberry.field(description="what a finished optimiser run (the latest by default) left "
                                  "unmatched, why, and which additions would match more: "
                                  "partners, the committee and the secretariat; null otherwise")
    def unmet_demand(self, info: Info, run_id: strawberry.ID | None = None) -> UnmetDemandType | None:
        ctx = context_of(info)
        if run_id is None:  # the latest finished run
            return refused_as_null(info, lambda: UnmetDemandType(
                model=demand.unmet_demand(ctx.session, actor=ctx.actor)))
        return found_or_null(info, decode_id("OptimiserRun", run_id), lambda pk: UnmetDemandType(
            model=demand.unmet_demand(ctx.session, actor=ctx.actor, run_id=pk)))
