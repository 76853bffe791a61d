"""Referrals and the dialogue platform in a real browser: the secretariat records a referral,
the State accepts it, posts and publishes a progress update and opens its page, which the
public then reads; every page on the way passes axe-core. The State is one of its own
(Tanzania), so that the other modules' pages of Kenya stay as they expect."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, screenshot, sign_in

MISSION = "mission.tza@demo.example.org"
TITLE = "Support to the reform of pre-trial detention (demo)"


@pytest.fixture(scope="module")
def tanzania(live_server) -> str:
    """A mission of Tanzania with the browser tests' password, and two of its recommendations."""
    from sqlmodel import Session, select

    from facility.auth.models import Role
    from facility.auth.service import create_account
    from facility.db import make_engine
    from facility.reference.models import Recommendation, RecommendationTheme, Theme

    engine = make_engine(live_server.database_url)
    with Session(engine) as session:
        create_account(session, role=Role.STATE, email=MISSION, name="Mission of Tanzania (demo)",
                       password=live_server.password, state_code="TZA")
        for n, (text, theme) in enumerate((("Reduce the use of pre-trial detention (demo)",
                                            "Detention"),
                                           ("Abolish the death penalty (demo)", "Death penalty")),
                                          start=1):
            rec = Recommendation(source_id=f"DEMO-TZA-{n}", source="upr-info", state_code="TZA",
                                 response="SUPPORTED", recommended_by="Norway", year=2026, text=text)
            session.add(rec)
            session.flush()
            found = session.exec(select(Theme).where(Theme.name == theme)).one()
            session.add(RecommendationTheme(recommendation_id=rec.id, theme_id=found.id))
        session.commit()
    engine.dispose()
    return MISSION


def test_a_referral_accepted_an_update_published_and_the_state_page(chromium, live_server, tanzania):
    staff = chromium.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = staff.new_page()
    sign_in(page, live_server.people.secretariat, live_server.password)
    page.goto("/secretariat/referrals/new")
    assert_accessible(page)
    page.get_by_label("Referred by").select_option("OHCHR")
    page.get_by_label("Council document symbol").fill("A/HRC/RES/55/12")
    page.get_by_label("State concerned").select_option("TZA")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill("OHCHR refers the reform of pre-trial detention (demo).")
    page.get_by_label("Recommendations").fill("DEMO-TZA-1")
    page.get_by_role("button", name="Record the referral and notify the State").click()
    assert page.get_by_role("status").inner_text().startswith("The referral is recorded")
    assert_accessible(page)
    staff.close()

    state = chromium.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = state.new_page()
    sign_in(page, tanzania, live_server.password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Referrals").click()
    page.get_by_role("link", name=TITLE).click()
    assert page.get_by_role("heading", level=1).inner_text() == TITLE
    assert_accessible(page)
    screenshot(page, "state-referral")
    page.get_by_role("button", name="Accept and file a draft request").click()
    assert "a draft request pre-filled from the referral is filed" in page.get_by_role("status").inner_text()
    assert page.get_by_role("link", name="Edit the draft").is_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Progress updates").click()
    assert_accessible(page)
    page.get_by_role("link", name="Post a progress update").click()
    page.get_by_label("Find a recommendation of your State").fill("death penalty")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("DEMO-TZA-2: Abolish the death penalty (demo)").check()
    page.get_by_label("Status").select_option("PARTIALLY_IMPLEMENTED")
    page.get_by_label("Evidence", exact=True).fill("The moratorium on executions was extended (demo).")
    page.get_by_label("Support wanted").fill("Comparative studies of abolition (demo).")
    assert_accessible(page)
    page.get_by_role("button", name="Publish").click()
    assert "It is final" in page.get_by_role("status").inner_text()
    page.goto("/state/updates")
    page.get_by_role("button", name="Open my State's page").click()
    assert page.get_by_role("status").inner_text() == "Your State's page is open: anyone may read it."
    state.close()

    public = chromium.new_context(base_url=live_server.url, locale="en-GB", bypass_csp=True)
    page = public.new_page()
    page.goto("/states")
    page.get_by_role("link", name="Tanzania").click()
    assert "opened this page on the platform for dialogue and cooperation" in page.content()
    assert page.get_by_text("The moratorium on executions was extended (demo).").is_visible()
    assert_accessible(page)
    screenshot(page, "state-page")
    page.goto("/states/KEN")
    assert "Kenya has not opened its page" in page.content()
    assert_accessible(page)
    public.close()
