"""Which of a partner's own published offers could fund a request, by the optimiser's rules.

The rules are the optimiser's own (`matching.rules.offer_rules`: a shared theme, the regional
group, the State, the window, the budget), evaluated on the same instance records an optimiser
run builds (`governance.runs`), plus what a run adds around them: it compares budgets in
`RUN_CURRENCY` only, leaves out a State of no regional group, and an offer funds a request only
with capacity left (requests and budget not held by approved or confirmed matches).

That the rules allow a match does not mean a run will propose it: that depends on every other
request, offer and expert. This says only whether nothing in the rules rules it out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlmodel import Session, col, select

import matching
from facility.auth import permissions
from facility.auth.actor import Actor
from facility.auth.models import Partner
from facility.offers import service as offers_service
from facility.offers.models import Offer, OfferStatus
from facility.reference.models import Recommendation, RecommendationResponse, State
from facility.requests import service as requests_service
from facility.requests.models import CapacityRequest, RequestRecommendation
from facility.timeutil import today
from governance.criteria import body_in_force
from governance.proposals import capacity_used
from governance.runs import RUN_CURRENCY, criteria_record, offer_record, request_record
from matching import rules
from matching.encode import encode

# Checks named in the order a reader would rule an offer out: what a run considers at all,
# then the optimiser's rules, then the capacity the offer has left.
RUN_CHECKS = ("no_regional_group", "unreadable_request", "run_currency")
CAPACITY_CHECKS = ("requests_left", "budget_left")
BUDGET_CHECKS = ("offer_budget", "budget_left")  # meaningless across currencies
CHECKS = RUN_CHECKS + rules.OFFER_RULES + CAPACITY_CHECKS


@dataclass(frozen=True)
class OfferFit:
    """One of the partner's published offers against the request, and the checks it fails."""

    offer: Offer
    themes: list[str]
    requests_left: int
    budget_left: int
    failed: tuple[str, ...]

    @property
    def fits(self) -> bool:
        return not self.failed


def _instance(session: Session, request: CapacityRequest, group: str, request_themes: list[str],
              offers: list[Offer], partner: Partner,
              offer_themes: dict[int, list[str]]) -> matching.Instance:
    """The request and the offers as a run's instance would hold them (2 statements)."""
    linked = session.exec(select(Recommendation.response).join(
        RequestRecommendation, col(RequestRecommendation.recommendation_id) == Recommendation.id)
        .where(RequestRecommendation.request_id == request.id)).all()
    _version, criteria = body_in_force(session)
    return matching.parse_instance({
        "format": "facility-matching/1", "as_of": today().isoformat(),
        "criteria": criteria_record(criteria),
        "requests": [request_record(request, group=group, themes=request_themes, all_supported=all(
            response == RecommendationResponse.SUPPORTED for response in linked))],
        "offers": [offer_record(o, partner=partner, themes=offer_themes[o.id]) for o in offers],
        "experts": [],
    })


def own_offer_fits(session: Session, *, actor: Actor | None,
                   request: CapacityRequest) -> list[OfferFit]:
    """The caller's published offers, oldest first, each with the checks it fails for `request`
    (at most 8 statements whatever the number of offers; none for a caller with no offers)."""
    if not permissions.can_post_offers(actor):
        return []
    assert actor is not None and request.id is not None
    offers = list(session.exec(select(Offer).where(
        permissions.offer_visibility(actor), Offer.partner_id == actor.partner_id,
        col(Offer.status) == OfferStatus.PUBLISHED).order_by(col(Offer.id))))
    if not offers:
        return []
    ids = [o.id for o in offers]
    offer_themes = offers_service.themes_by_offer(session, ids)  # type: ignore[arg-type]
    used = capacity_used(session, ids)  # type: ignore[arg-type]
    request_themes = requests_service.themes_by_request(session, [request.id]).get(request.id, [])
    state = session.get(State, request.state_code)
    group = state.regional_group_code if state is not None else None
    themed = [o for o in offers if offer_themes.get(o.id)]  # type: ignore[arg-type]
    held: dict[int, dict[str, bool]] = {}
    readable = True
    if group is not None and request_themes and themed:
        partner = session.get(Partner, actor.partner_id)
        assert partner is not None
        try:
            instance = _instance(session, request, group, request_themes, themed, partner,
                                 offer_themes)
        except matching.InstanceError:
            readable = False  # e.g. a request stored without languages: a run could not read it
        else:
            masks = rules.offer_rules(encode(instance), np.array([0]), np.arange(len(themed)))
            held = {o.id: {rule: bool(masks[rule][0, j]) for rule in rules.OFFER_RULES}  # type: ignore[misc]
                    for j, o in enumerate(themed)}
    fits = []
    for offer in offers:
        slots, spent = used.get(offer.id, (0, 0))  # type: ignore[arg-type]
        left_requests, left_budget = offer.max_requests - slots, offer.budget - spent
        if offer.id in held:
            outcome = dict(held[offer.id])
        elif group is None or not readable:
            outcome = {}  # no run considers the request: the optimiser's rules are not reached
        else:
            outcome = {"offer_theme": False}  # no theme on one side: the run leaves it out
        outcome.update({
            "no_regional_group": group is not None,
            "unreadable_request": readable,
            "run_currency": request.currency == RUN_CURRENCY and offer.currency == RUN_CURRENCY,
            "requests_left": left_requests >= 1,
            "budget_left": left_budget >= request.budget,
        })
        failed = [c for c in CHECKS if c in outcome and not outcome[c]]
        if "run_currency" in failed:
            failed = [c for c in failed if c not in BUDGET_CHECKS]
        fits.append(OfferFit(offer=offer, themes=offer_themes.get(offer.id, []),  # type: ignore[arg-type]
                             requests_left=max(0, left_requests), budget_left=max(0, left_budget),
                             failed=tuple(failed)))
    return fits
