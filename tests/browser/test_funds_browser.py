"""The funds in a real browser: the secretariat registers a fund and records a donor's pledge;
the public reads the fund's page, in English and in Arabic (right to left); every page passes
axe-core. The fund is a partner of its own, so that the other modules' partners stay as they
expect."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, sign_in

FUND = "Voluntary Fund for Technical Cooperation (browser test)"


@pytest.fixture(scope="module")
def fund_partner(live_server) -> str:
    from sqlmodel import Session

    from facility.auth.models import PartnerKind, Role
    from facility.auth.service import create_account
    from facility.db import make_engine

    engine = make_engine(live_server.database_url)
    with Session(engine) as session:
        create_account(session, role=Role.PARTNER, email="vftc@demo.example.org",
                       name="Fund officer (demo)", password=live_server.password,
                       partner_name=FUND, partner_kind=PartnerKind.OHCHR)
        session.commit()
    engine.dispose()
    return FUND


def test_a_fund_registered_its_pledge_recorded_and_read_by_the_public(chromium, live_server,
                                                                       fund_partner):
    staff = chromium.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = staff.new_page()
    sign_in(page, live_server.people.secretariat, live_server.password)
    page.goto("/secretariat")
    page.get_by_role("main").get_by_role("link", name="Funds", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Partner").select_option(label=fund_partner)
    page.get_by_label("Short name").fill("VFTC-BT")
    page.get_by_label("Mandate").select_option("TECHNICAL_COOPERATION")
    page.get_by_label("Description").fill("Technical cooperation (browser test).")
    page.get_by_role("button", name="Register the fund").click()
    assert page.get_by_role("status").inner_text() == "The fund is registered."
    page.get_by_label("Donor State").select_option("NOR")
    page.get_by_label("Year").fill("2027")
    page.get_by_label("Pledged").fill("1,200,000")
    page.get_by_label("Paid").fill("400000")
    page.get_by_role("button", name="Record the figures").click()
    assert page.get_by_role("status").inner_text() == "The figures are recorded."
    assert_accessible(page)
    staff.close()

    public = chromium.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = public.new_page()
    page.goto("/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Funds").click()
    page.get_by_role("link", name=fund_partner).click()
    assert page.get_by_role("heading", level=1).inner_text() == fund_partner
    table = page.get_by_role("table", name="Pledges and payments by donor State")
    assert "Norway" in table.inner_text() and "$1,200,000" in table.inner_text()
    assert_accessible(page)
    page.goto(page.url + "?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert "النرويج" in page.get_by_role("table").nth(1).inner_text()
    assert_accessible(page)
    public.close()
