"""A partner's page for one request in a real browser: reached from the list of requests, it
passes axe-core; screenshot."""

from __future__ import annotations

import pytest

from tests.browser.conftest import THEMES, assert_accessible, screenshot, sign_in

TITLE = "Request KEN-0 (demo)"


@pytest.fixture(scope="module")
def linked_request(live_server) -> str:
    """Gives the seeded request KEN-0 a theme and a recommendation, and the partner an offer of its
    own that fits it (other modules' tests use the seeded offers' capacity)."""
    from sqlmodel import Session, select

    from facility.auth.models import Account
    from facility.db import make_engine
    from facility.offers.models import Offer, OfferKind, OfferStatus, OfferTheme
    from facility.reference.models import Recommendation, Theme
    from facility.requests.models import CapacityRequest, RequestRecommendation, RequestTheme

    engine = make_engine(live_server.database_url)
    with Session(engine) as session:
        request = session.exec(select(CapacityRequest).where(CapacityRequest.title == TITLE)).one()
        request.languages = ["en"]  # the seed leaves them out; a run needs them
        session.add(request)
        theme = session.exec(select(Theme).where(Theme.name.in_(THEMES)).order_by(Theme.name)).first()
        recommendation = Recommendation(
            source_id="DEMO-KEN-PARTNER-1", source="upr-info", state_code="KEN", response="SUPPORTED",
            recommended_by="Norway", year=2025,
            text="Establish an independent national preventive mechanism (demo)")
        session.add(recommendation)
        session.flush()
        partner = session.exec(select(Account).where(Account.email == live_server.people.partner)).one()
        offer = Offer(partner_id=partner.partner_id, status=OfferStatus.PUBLISHED,
                      title="Preventive mechanisms fund (demo)", kind=OfferKind.FUNDING,
                      budget=500_000, currency="USD", max_requests=10,
                      window_start=request.window_start, window_end=request.window_end,
                      created_by_id=partner.id)
        session.add(offer)
        session.flush()
        session.add_all([RequestTheme(request_id=request.id, theme_id=theme.id),
                         RequestRecommendation(request_id=request.id, recommendation_id=recommendation.id),
                         OfferTheme(offer_id=offer.id, theme_id=theme.id)])
        session.commit()
    engine.dispose()
    return TITLE


def test_a_partner_opens_a_request_from_the_list(page, live_server, linked_request):
    sign_in(page, live_server.people.partner, live_server.password)
    page.goto("/partner/requests")
    page.get_by_role("link", name=linked_request).click()
    assert page.get_by_role("heading", level=1).inner_text() == linked_request
    assert page.get_by_role("heading", name="Your offers that could fit").is_visible()
    assert "Establish an independent national preventive mechanism" in page.content()
    assert page.get_by_text("Yes, by the rules").count() >= 1
    assert_accessible(page)
    screenshot(page, "partner-request")


def test_the_partners_engagements_page_passes_axe(page, live_server):
    sign_in(page, live_server.people.partner, live_server.password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Engagements").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Engagements your offers fund"
    assert_accessible(page)
    screenshot(page, "partner-engagements")
