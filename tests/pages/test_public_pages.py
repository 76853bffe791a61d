"""Public pages: each renders, the offers catalogue filters and paginates, a fixed number of statements."""

from __future__ import annotations

import re

import pytest

from facility.offers.models import OfferKind, OfferStatus
from facility.web.public import OFFERS_PAGE_SIZE
from tests.api.test_query_cost import counted

PUBLIC_PAGES = {"/": "The facility in figures", "/offers": "Offers of support",
                "/decisions": "The committee and its decisions", "/criteria": "The criteria in force",
                "/about": "About the facility", "/stories": "Success stories",
                "/account/sign-in": "Sign in"}
# What a page may cost: the viewer (none here), its own queries. Fixed, whatever the data size.
MAX_STATEMENTS = 10


def _titles(html: str) -> list[str]:
    return re.findall(r"<td><span lang=\"[a-z]+\">(Offer \d+ \(demo\))</span>", html)


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_page_renders(browser, path):
    page = browser.get(path)
    assert page.status_code == 200 and PUBLIC_PAGES[path] in page.text
    assert 'rel="stylesheet" href="http://testserver/static/facility.css"' in page.text


def test_the_stylesheet_is_served(browser):
    css = browser.get("/static/facility.css")
    assert css.status_code == 200 and "--blue" in css.text


def test_unknown_page_is_a_page(browser):
    page = browser.get("/no-such-page?lang=fr")
    assert page.status_code == 404 and "Page introuvable" in page.text


def test_offers_filters_by_kind_group_and_theme(browser, offers_of):
    made = offers_of(8)
    funding = browser.get(f"/offers?kind={OfferKind.FUNDING.value}").text
    assert sorted(_titles(funding)) == sorted(o.title for o in made if o.kind == OfferKind.FUNDING)
    # open to the Western European group: the offers open to every group only
    weog = browser.get("/offers?group=WEOG").text
    assert sorted(_titles(weog)) == sorted(o.title for o in made if o.eligible_groups is None)
    african = browser.get("/offers?group=AFRICAN").text
    assert len(_titles(african)) == 8
    theme = offers_of.themes[1]
    themed = browser.get(f"/offers?theme={theme.id}").text
    assert sorted(_titles(themed)) == sorted(o.title for i, o in enumerate(made) if i % 3 == 1)
    both = browser.get(f"/offers?theme={theme.id}&kind=FUNDING&group=WEOG").text
    assert _titles(both) == ["Offer 4 (demo)"]  # funding (i % 4 == 0), open to all (even), theme i % 3 == 1
    none = browser.get(f"/offers?theme={theme.id}&kind=PEER_EXCHANGE&group=WEOG").text
    assert _titles(none) == [] and "No published offer matches these filters." in none


def test_offers_catalogue_ignores_bad_filters_and_hides_drafts(browser, offers_of, db_session):
    made = offers_of(3)
    made[0].status = OfferStatus.DRAFT
    db_session.add(made[0])
    db_session.flush()
    page = browser.get("/offers?kind=NOPE&group=%25&theme=abc&page=-3")
    assert page.status_code == 200 and sorted(_titles(page.text)) == sorted(o.title for o in made[1:])


def test_offers_catalogue_paginates_and_keeps_the_filters(browser, offers_of):
    offers_of(OFFERS_PAGE_SIZE * 2 + 1)
    first = browser.get("/offers?group=AFRICAN").text
    assert len(_titles(first)) == OFFERS_PAGE_SIZE and "Page 1 of 3" in first
    assert 'href="?group=AFRICAN&amp;page=2"' in first
    last = browser.get("/offers?group=AFRICAN&page=3").text
    assert len(_titles(last)) == 1 and 'rel="prev"' in last and 'rel="next"' not in last


def _statements(browser, db_session, path: str) -> list[str]:
    browser.get(path)  # warm up what is built once per process
    with counted(db_session) as statements:
        assert browser.get(path).status_code == 200
    return statements


@pytest.mark.parametrize("path", ["/", "/offers", "/offers?group=AFRICAN&kind=FUNDING", "/decisions",
                                  "/criteria", "/about", "/stories", "/account/sign-in"])
def test_a_page_costs_the_same_few_statements_whatever_the_data(browser, db_session, offers_of, path):
    offers_of(2, partner="Small partner")
    small = _statements(browser, db_session, path)
    offers_of(60, partner="Large partner")
    large = _statements(browser, db_session, path)
    assert len(large) == len(small), "\n".join(["small:", *small, "large:", *large])
    assert len(large) <= MAX_STATEMENTS, "\n".join(large)


def test_a_signed_in_page_costs_one_more_statement(browser, db_session, person):
    account = person()
    anonymous = len(_statements(browser, db_session, "/about"))
    browser.sign_in(account.email)
    signed_in = _statements(browser, db_session, "/about")
    assert len(signed_in) == anonymous + 1, "\n".join(signed_in)  # the session joined with its account
