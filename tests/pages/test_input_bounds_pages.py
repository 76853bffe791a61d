"""The offer page refuses what the API refuses, in the page's words: dates outside the
facility's range, text direction overrides in a title."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from facility.auth.models import Role
from facility.offers.models import Offer
from facility.reference.models import Theme

RLO = "\u202e"


def _offers(db_session) -> int:
    return db_session.execute(select(func.count()).select_from(Offer)).scalar_one()


@pytest.fixture
def theme_names(db_session):
    return [t.name for t in db_session.exec(select(Theme).order_by(Theme.name).limit(2)).scalars()]


def _offer_form(**overrides) -> dict:
    data = {"title": "Prison reform training (test)", "kind": "TRAINING_PROGRAMME",
            "themes": [], "languages": ["en", "fr"], "budget": "250000", "currency": "USD",
            "maxRequests": "3", "windowStart": "2027-01-01", "windowEnd": "2027-12-31",
            "description": "Two-week course", "conditions": ""}
    data.update(overrides)
    return data


def test_the_offer_page_names_the_accepted_dates(browser, person, db_session, theme_names):
    partner = person(Role.PARTNER)
    browser.sign_in(partner.email)
    refused = browser.submit("/partner/offers/new", "/partner/offers", _offer_form(
        themes=theme_names, windowEnd="9999-12-31"))
    assert refused.status_code == 422
    assert "Available until: must be a date from 1945-01-01 to 2100-12-31." in refused.text
    assert _offers(db_session) == 0


def test_the_offer_page_names_the_override_rule(browser, person, db_session, theme_names):
    partner = person(Role.PARTNER)
    browser.sign_in(partner.email)
    refused = browser.submit("/partner/offers/new", "/partner/offers", _offer_form(
        themes=theme_names, title=f"Prison {RLO}gniniart"))
    assert refused.status_code == 422
    assert "remove the text direction override characters (such as U+202E)." in refused.text
    assert _offers(db_session) == 0
