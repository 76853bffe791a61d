"""GraphQL: the funds OHCHR administers, their donors' figures and what more would fund.
Everything here is public; recording a donor's figures is the secretariat's."""

import datetime
from typing import Annotated

import strawberry
from strawberry.types import Info

from facility.api.context import context_of, found_or_null, mutate
from facility.api.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from facility.auth.schema import PartnerType
from facility.errors import NotFound, ValidationFailed
from facility.funds import models, service, views
from facility.ids import decode_id, encode_id
from facility.reference.schema import StateType, state_by_code

FundMandate = strawberry.enum(models.FundMandate)


@strawberry.type(name="FundContribution")
class FundContributionType:
    """What one donor State pledged for one year, and paid of it, in one currency."""

    model: strawberry.Private[models.FundContribution]

    @strawberry.field
    def donor_state(self, info: Info) -> StateType:
        return state_by_code(info, self.model.donor_state_code)  # type: ignore[return-value]

    @strawberry.field
    def year(self) -> int:
        return self.model.year

    @strawberry.field(description="ISO 4217; amounts are never converted")
    def currency(self) -> str:
        return self.model.currency

    @strawberry.field
    def pledged(self) -> float:
        return float(self.model.pledged)

    @strawberry.field
    def paid(self) -> float:
        return float(self.model.paid)

    @strawberry.field
    def updated_at(self) -> datetime.datetime:
        return self.model.updated_at

    @strawberry.field(description="increases with every change; pass it back as expectedVersion")
    def version(self) -> int:
        return self.model.version


@strawberry.type
class FundYearTotal:
    year: int
    currency: str
    pledged: float
    paid: float
    donors: int


@strawberry.type
class FundAmount:
    currency: str
    amount: float


@strawberry.type
class FundFunded:
    """The engagements the fund's offers fund, of every status."""

    engagements: int
    states: int = strawberry.field(description="distinct States those engagements serve")
    budgets: list[FundAmount] = strawberry.field(description="their budgets, per currency")
    open_offers: int = strawberry.field(description="the fund's published offers")


@strawberry.type
class FundUnfunded:
    """Eligible requests the latest optimiser run left without funding, within the fund's
    mandate: counted, never named."""

    run_finished_at: datetime.datetime | None
    requests: int
    budget: float = strawberry.field(description="what they ask for, in `currency`")
    currency: str


@strawberry.type
class FundWouldFund:
    """A re-solve of the latest run: this much more money matches `requests` more requests of
    the fund's mandate."""

    kind: str = strawberry.field(description="TOP_UP (one of the fund's offers grows) or OFFER "
                                             "(a new offer on `theme` for `regionalGroup`)")
    offer_title: str | None
    theme: str | None
    regional_group: str | None
    budget: float
    currency: str
    requests: int


@strawberry.type(name="Fund")
class FundType:
    """A fund OHCHR administers: a partner of its own kind (OHCHR_FUND)."""

    page: strawberry.Private[views.FundPage]

    @strawberry.field
    def id(self) -> strawberry.ID:
        return strawberry.ID(encode_id("Fund", self.page.fund.partner_id))

    @strawberry.field
    def name(self) -> str:
        return self.page.partner.name

    @strawberry.field
    def short_name(self) -> str:
        return self.page.fund.short_name

    @strawberry.field
    def mandate(self) -> FundMandate:  # type: ignore[valid-type]
        return self.page.fund.mandate

    @strawberry.field
    def description(self) -> str:
        return self.page.fund.description

    @strawberry.field
    def partner(self) -> PartnerType:
        return PartnerType.of(self.page.partner)

    @strawberry.field(description="what each donor pledged and paid, the latest year first")
    def contributions(self, year: int | None = None) -> list[FundContributionType]:
        return [FundContributionType(model=c) for c in self.page.contributions
                if year is None or c.year == year]

    @strawberry.field(description="pledged and paid per year and currency, the latest first")
    def years(self) -> list[FundYearTotal]:
        return [FundYearTotal(year=y.year, currency=y.currency, pledged=float(y.pledged),
                              paid=float(y.paid), donors=y.donors) for y in self.page.years]

    @strawberry.field
    def funded(self) -> FundFunded:
        f = self.page.funded
        return FundFunded(engagements=f.engagements, states=f.states, open_offers=f.open_offers,
                          budgets=[FundAmount(currency=b.currency, amount=float(b.amount))
                                   for b in f.budgets])

    @strawberry.field(description="null before any optimiser run finished")
    def unfunded(self) -> FundUnfunded | None:
        u = self.page.unfunded
        return None if u is None else FundUnfunded(
            run_finished_at=u.finished_at, requests=u.requests, budget=float(u.budget),
            currency=u.currency)

    @strawberry.field(description="what more money would fund, the most requests first")
    def would_fund(self) -> list[FundWouldFund]:
        return [FundWouldFund(kind=w.kind, offer_title=w.offer_title, theme=w.theme,
                              regional_group=w.regional_group, budget=float(w.budget),
                              currency=w.currency, requests=w.requests)
                for w in self.page.would_fund]


@strawberry.type
class FundContributionPayload:
    contribution: FundContributionType


FundContributionResult = Annotated[
    FundContributionPayload | ValidationError | PermissionDeniedError | NotFoundError | ConflictError,
    strawberry.union("FundContributionResult")]


@strawberry.input
class RecordFundContributionInput:
    fund_id: strawberry.ID
    donor_state_code: str = strawberry.field(description="ISO3 code of the donor State")
    year: int
    currency: str = strawberry.field(description="ISO 4217")
    pledged: float = strawberry.field(description="what the donor pledged for the year: a whole "
                                                  "amount (Float, as amounts may exceed Int)")
    paid: float = strawberry.field(description="what it has paid of it so far: a whole amount")
    expected_version: int | None = strawberry.field(
        default=None, description="the version you read (0: none recorded yet); a newer one "
                                  "makes the change a Conflict")


def _whole(field: str, value: float) -> int:
    if not float(value).is_integer():
        raise ValidationFailed.single(field, "whole_amount",
                                      f"{field}: give a whole amount, without cents, got {value}")
    return int(value)


@strawberry.type
class FundQuery:
    @strawberry.field(description="the funds OHCHR administers (public)")
    def funds(self, info: Info) -> list[FundType]:
        session = context_of(info).session
        return [FundType(page=page) for page in views.fund_pages(session)]

    @strawberry.field
    def fund(self, info: Info, id: strawberry.ID) -> FundType | None:
        session = context_of(info).session
        return found_or_null(info, decode_id("Fund", id),
                             lambda pk: FundType(page=views.fund_page(session, pk)))


@strawberry.type
class FundMutation:
    @strawberry.mutation(description="the secretariat records what a donor State pledged and "
                                     "paid to a fund for a year; later figures replace earlier ones")
    def record_fund_contribution(self, info: Info,
                                 input: RecordFundContributionInput) -> FundContributionResult:
        ctx = context_of(info)

        def action() -> FundContributionPayload:
            fund_id = decode_id("Fund", input.fund_id)
            if fund_id is None:
                raise NotFound(f"no fund with id {input.fund_id}")
            return FundContributionPayload(contribution=FundContributionType(
                model=service.record_contribution(
                    ctx.session, actor=ctx.actor, fund_id=fund_id,
                    expected_version=input.expected_version,
                    fields=service.ContributionFields(
                        donor_state_code=input.donor_state_code, year=input.year,
                        currency=input.currency, pledged=_whole("pledged", input.pledged),
                        paid=_whole("paid", input.paid)))))

        return mutate(info, action)
