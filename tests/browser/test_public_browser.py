"""The public pages in a real browser: each passes axe-core; French switch; screenshots."""

from __future__ import annotations

import pytest

from tests.browser.conftest import assert_accessible, screenshot

PAGES = {"/": ("home", "The facility in figures"), "/offers": ("offers", "Offers of support"),
         "/decisions": ("decisions", "The committee and its decisions"),
         "/criteria": ("criteria", "The criteria in force"), "/about": ("about", "About the facility"),
         "/stories": ("stories", "Success stories"), "/account/sign-in": ("sign-in", "Sign in")}


@pytest.mark.parametrize("path", PAGES)
def test_public_page_passes_axe(page, path):
    name, heading = PAGES[path]
    page.goto(path)
    assert page.get_by_role("heading", level=1).inner_text() == heading
    assert_accessible(page)
    screenshot(page, name)


def test_home_charts_have_their_figures_as_text(page):
    page.goto("/")
    chart = page.get_by_role("table", name="Requests by regional group")
    assert chart.get_by_role("row", name="African Group 3").is_visible()
    assert page.get_by_role("table", name="Demand funded").is_visible()
    assert page.get_by_role("table", name="Follow-up reports").is_visible()


def test_offers_filter_without_javascript(chromium, live_server):
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/offers")
    page.get_by_label("Kind of support").select_option(label="Training programme")
    page.get_by_role("button", name="Show offers").click()
    assert "kind=TRAINING_PROGRAMME" in page.url
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 1 and "Legal aid reform" in rows.first.inner_text()
    context.close()


def test_language_switch_to_french_and_back(page):
    page.goto("/offers")
    page.get_by_role("navigation", name="Language").get_by_role("link", name="Français").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Offres d\u2019appui"
    assert page.locator("html").get_attribute("lang") == "fr"
    page.get_by_role("link", name="À propos").click()  # the choice is kept from page to page
    assert page.get_by_role("heading", level=1).inner_text() == "À propos du mécanisme"
    assert_accessible(page)
    page.goto("/")
    screenshot(page, "home-fr")
    page.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()
    assert page.get_by_role("heading", level=1).inner_text() == "The facility in figures"
