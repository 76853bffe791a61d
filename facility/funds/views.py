"""What a fund's public page says: its donors' figures by year, what it funded, the eligible
requests the latest optimiser run left without funding within its mandate, and what more money
would fund (from that run's unmet-demand re-solves). Aggregates only: no request is named, as
in the public statistics, so that a State can be asked to contribute with figures."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, func
from sqlmodel import Session, col, select

from facility.auth.models import Partner
from facility.engagements.models import Engagement
from facility.funds import service
from facility.funds.models import Fund, FundContribution, FundMandate
from facility.offers.models import Offer, OfferStatus
from facility.reference.models import MechanismType, Recommendation
from facility.requests.models import CapacityRequest, RequestRecommendation
from governance import demand
from governance.models import OptimiserRun
from governance.runs import RUN_CURRENCY
from matching.demand import NEW_OFFER_CAUSES, TOP_UP_CAUSES

# An unmatched request that money would help: no offer covers it, or the offers that do are
# spent (matching.demand's causes). One lacking an expert who speaks its language is not.
FUNDING_CAUSES = NEW_OFFER_CAUSES | TOP_UP_CAUSES


@dataclass(frozen=True)
class YearTotal:
    year: int
    currency: str
    pledged: int
    paid: int
    donors: int


@dataclass(frozen=True)
class Amount:
    currency: str
    amount: int


@dataclass(frozen=True)
class Funded:
    """The engagements its offers fund, every status, since the fund began."""

    engagements: int
    states: int
    budgets: tuple[Amount, ...]
    open_offers: int


@dataclass(frozen=True)
class Unfunded:
    """Eligible requests the latest run left unmatched for want of funding, in its mandate."""

    run_id: int
    finished_at: datetime | None
    requests: int
    budget: int
    currency: str


@dataclass(frozen=True)
class WouldFund:
    """One re-solve of the latest run: adding this money matches `requests` more requests of
    the fund's mandate. `offer_title` names the fund's own offer a top-up would grow; a new
    offer is described by its theme, regional group and period instead."""

    kind: str  # "TOP_UP" or "OFFER"
    offer_title: str | None
    theme: str | None
    regional_group: str | None
    budget: int
    currency: str
    requests: int


@dataclass(frozen=True)
class FundPage:
    fund: Fund
    partner: Partner
    years: tuple[YearTotal, ...]
    contributions: tuple[FundContribution, ...]
    funded: Funded
    unfunded: Unfunded | None
    would_fund: tuple[WouldFund, ...]


def year_totals(rows: list[FundContribution]) -> tuple[YearTotal, ...]:
    totals: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        entry = totals[(row.year, row.currency)]
        entry[0] += row.pledged
        entry[1] += row.paid
        entry[2] += 1
    return tuple(YearTotal(year, currency, *values) for (year, currency), values in
                 sorted(totals.items(), key=lambda item: (-item[0][0], item[0][1])))


def _funded(session: Session, fund_id: int) -> Funded:
    rows = session.exec(
        select(Engagement.currency, func.count(), func.sum(Engagement.budget).cast(Integer))
        .join(Offer, col(Offer.id) == Engagement.offer_id).where(Offer.partner_id == fund_id)
        .group_by(Engagement.currency).order_by(Engagement.currency)).all()
    states = session.exec(
        select(func.count(func.distinct(CapacityRequest.state_code)))
        .join(Engagement, col(Engagement.request_id) == CapacityRequest.id)
        .join(Offer, col(Offer.id) == Engagement.offer_id).where(Offer.partner_id == fund_id)).one()
    open_offers = session.exec(select(func.count()).select_from(Offer).where(
        Offer.partner_id == fund_id, Offer.status == OfferStatus.PUBLISHED)).one()
    return Funded(engagements=sum(int(n) for _, n, _ in rows), states=int(states),
                  budgets=tuple(Amount(c, int(total or 0)) for c, _, total in rows),
                  open_offers=int(open_offers))


def _in_mandate(session: Session, fund: Fund, request_ids: set[int]) -> set[int]:
    """The requests the fund may pay for: any, or those serving a UPR recommendation."""
    if fund.mandate == FundMandate.TECHNICAL_COOPERATION or not request_ids:
        return set(request_ids)
    return set(session.exec(
        select(RequestRecommendation.request_id).distinct()
        .join(Recommendation, col(Recommendation.id) == RequestRecommendation.recommendation_id)
        .where(col(RequestRecommendation.request_id).in_(request_ids),
               Recommendation.mechanism == MechanismType.UPR)).all())


def fund_page(session: Session, fund_id: int) -> FundPage:
    fund, partner = service.get_fund(session, fund_id)
    return _page(session, fund, partner, demand.latest_run(session))


def fund_pages(session: Session) -> list[FundPage]:
    """Every fund's page, by short name; the latest run read once for all of them."""
    run = demand.latest_run(session)
    return [_page(session, fund, partner, run) for fund, partner in service.list_funds(session)]


def _page(session: Session, fund: Fund, partner: Partner, run: OptimiserRun | None) -> FundPage:
    fund_id = fund.partner_id
    rows = service.contributions(session, fund_id)
    unfunded = None
    would_fund: list[WouldFund] = []
    if run is not None:
        wanting = {u["request"] for u in run.unmatched if FUNDING_CAUSES & set(u.get("causes", []))}
        suggestions = (run.demand or {}).get("suggestions", [])
        mentioned = wanting | {r for s in suggestions for r in s["newly_matched"]}
        ours = _in_mandate(session, fund, mentioned)
        budgets = dict(session.exec(select(CapacityRequest.id, CapacityRequest.budget).where(
            col(CapacityRequest.id).in_(wanting & ours))).all()) if wanting & ours else {}
        unfunded = Unfunded(run_id=run.id, finished_at=run.finished_at,  # type: ignore[arg-type]
                            requests=len(budgets), budget=sum(budgets.values()),
                            currency=RUN_CURRENCY)
        own_offers = dict(session.exec(select(Offer.id, Offer.title).where(
            Offer.partner_id == fund_id)).all())
        for s in suggestions:
            if s["kind"] == "TOP_UP" and s.get("offer") not in own_offers:
                continue  # another partner's offer: not this fund's to grow
            if s["kind"] not in ("TOP_UP", "OFFER"):
                continue  # an expert, not money
            gained = len(set(s["newly_matched"]) & ours)
            if gained:
                would_fund.append(WouldFund(
                    kind=s["kind"], offer_title=own_offers.get(s.get("offer")),
                    theme=s.get("theme"), regional_group=s.get("group"), budget=s["budget"],
                    currency=RUN_CURRENCY, requests=gained))
        would_fund.sort(key=lambda w: (-w.requests, w.budget, w.theme or ""))
    return FundPage(fund=fund, partner=partner, years=year_totals(rows), contributions=tuple(rows),
                    funded=_funded(session, fund_id), unfunded=unfunded,
                    would_fund=tuple(would_fund))
