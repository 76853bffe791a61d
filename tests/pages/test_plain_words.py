"""The pages a person reads say words, not codes: statuses, votes, seniority, languages, clauses,
States and partners by their names, amounts with their currency, in English and in French."""

from __future__ import annotations

import html
from datetime import date

import pytest

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.experts import service as experts
from facility.reference import loader
from facility.requests.models import RequestStatus
from governance import motions
from governance.models import VoteChoice
from tests.pages.committee_world import World, add_request, world_fixture  # noqa: F401


def _page(browser, path: str, language: str) -> str:
    page = browser.get(path, params={"lang": language})
    assert page.status_code == 200, (path, page.text[:400])
    assert f'<html lang="{language}"' in page.text, path
    return page.text


def _shows(page: str, words: list[str], codes: list[str], path: str) -> None:
    for word in words:
        assert word in page, (path, word)
    for code in codes:
        assert code not in page, (path, code)


# Words per language: (English, French).
WORDS = {
    "kenya": ("Kenya", "Kenya"),
    "brazil": ("Brazil", "Brésil"),
    "reject": ("<td>Reject</td>", "<td>Rejeter</td>"),
    "budget_clause": ("Budget ceiling", "Plafond budgétaire"),
    "finished": ("Finished", "Terminée"),
    "in_force": ("In force", "En vigueur"),
    "ceiling": ("$250,000", "250\u202f000\xa0$US"),
}


@pytest.mark.parametrize("language", ["en", "fr"])
def test_committee_pages_name_votes_statuses_clauses_and_states(browser, world: World, db_session,
                                                                  language):
    motions.cast_vote(db_session, actor=Actor.from_account(world.india_member),
                      motion_id=world.screening_motion.id, choice=VoteChoice.REJECT, comment="")
    db_session.flush()
    at = 0 if language == "en" else 1
    browser.sign_in(world.india_member.email)
    queue = _page(browser, "/committee", language)
    _shows(queue, [WORDS["budget_clause"][at], f"<td>{WORDS['kenya'][at]}</td>"],
           ["eligibility.budget_ceiling", "<td>KEN</td>"], "/committee")
    motion = _page(browser, f"/committee/motions/{world.screening_motion.id}", language)
    _shows(motion, [WORDS["reject"][at], WORDS["budget_clause"][at]],
           ["<td>REJECT</td>", "REJECT.", "eligibility."], "motion")
    run = _page(browser, f"/committee/runs/{world.run.id}", language)
    _shows(run, [WORDS["finished"][at], WORDS["brazil"][at]], ["<dd>DONE", "(BRA)"], "run")
    criteria = _page(browser, "/committee/criteria", language)
    _shows(criteria, [f"<td>{WORDS['in_force'][at]}</td>"], ["IN_FORCE"], "criteria")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_secretariat_pages_name_partners_states_and_run_statuses(browser, world: World, language):
    at = 0 if language == "en" else 1
    browser.sign_in(world.secretariat.email)
    home = _page(browser, "/secretariat", language)
    _shows(home, [f"<td>{WORDS['kenya'][at]}</td>", f"<td>{WORDS['finished'][at]}</td>"],
           ["<td>KEN</td>", "<td>DONE</td>"], "/secretariat")
    accounts = _page(browser, "/secretariat/accounts", language)
    # the offers' partner of the world, by its name; never "Partner 6"
    _shows(accounts, ["Test partner", WORDS["brazil"][at]], ["Partner 1", "Partenaire 1", "<td>BRA"],
           "/secretariat/accounts")
    seats = _page(browser, "/secretariat/seats", language)
    _shows(seats, [f"<td>{('India', 'Inde')[at]}</td>"], ["<td>IND</td>", "(IND)"], "/secretariat/seats")


@pytest.fixture
def expert_account(db_session, person):
    partner = person(Role.PARTNER, partner_name="Roster partner")
    account = person(Role.EXPERT, partner_name="Roster partner")
    expert = experts.nominate_expert(db_session, actor=Actor.from_account(partner), consent_given=True,
                                     fields=experts.ExpertFields(
                                         name="Awa Ndiaye", email=account.email, nationality="SEN",
                                         themes=["Justice"], languages=["fr", "wo", "en"],
                                         availability=[(date(2027, 1, 1), date(2027, 6, 30))]))
    expert.account_id = account.id
    db_session.add(expert)
    db_session.flush()
    return partner, account


@pytest.mark.parametrize(("language", "seen"), [
    ("en", ["Senegal", "French, Wolof, English", "<dd>Senior</dd>"]),
    ("fr", ["Sénégal", "français, wolof, anglais", "<dd>Senior</dd>"]),
])
def test_expert_and_partner_pages_name_nationality_languages_and_seniority(
        browser, new_browser, expert_account, language, seen):
    partner, account = expert_account
    browser.sign_in(account.email)
    profile = _page(browser, "/expert", language)
    _shows(profile, seen, ["fr, wo, en", "<dd>SENIOR</dd>", "<dd>SEN</dd>"], "/expert")
    other = new_browser()
    other.sign_in(partner.email)
    roster = _page(other, "/partner/experts", language)
    _shows(roster, seen[:2], ["FR, WO, EN", "SEN ·"], "/partner/experts")
    form = _page(other, "/partner/offers/new", language)
    english = "English" if language == "en" else "anglais"
    arabic = "Arabic" if language == "en" else "arabe"
    _shows(form, [f'">{english}</label>', f'">{arabic}</label>'], ['">EN</label>', '">AR</label>'],
           "/partner/offers/new")


@pytest.mark.parametrize(("language", "seen"), [
    ("en", ["French, Rundi", "Burundi", "$40,000"]),
    ("fr", ["français, roundi", "Burundi", "40\u202f000\xa0$US"]),
])
def test_the_state_page_of_a_request_names_its_languages_and_its_amount(browser, person, db_session,
                                                                          language, seen):
    mission = person(Role.STATE, state_code="BDI")
    request = add_request(db_session, mission, "BDI", 1, status=RequestStatus.DRAFT, submitted_at=None,
                          languages=["fr", "rn"])
    browser.sign_in(mission.email)
    page = _page(browser, f"/state/requests/{request.id}", language)
    _shows(page, seen[:1] + seen[2:], ["FR, RN", "fr, rn"], "/state/requests")
    account = _page(browser, "/account", language)
    _shows(account, [f"<dd>{seen[1]}</dd>"], ["<dd>BDI</dd>"], "/account")


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_public_criteria_give_the_ceiling_with_its_currency(browser, language):
    at = 0 if language == "en" else 1
    page = _page(browser, "/criteria", language)
    _shows(page, [WORDS["ceiling"][at]], ["<dd>250,000</dd>", "<dd>250\u202f000</dd>"], "/criteria")


def test_the_public_offers_in_french_name_themes_and_states_in_french(browser, offers_of):
    offers_of(1, eligible_states=["CIV", "COD"])
    theme = offers_of.themes[0].name
    french = loader.theme_names()[theme]["fr"]
    page = html.unescape(_page(browser, "/offers", "fr"))
    assert f">{french}</option>" in page and f"<td>{french}</td>" in page
    assert "Côte d'Ivoire" in page
    assert "République démocratique du Congo" in page
    assert f">{theme}</option>" not in page or theme == french
    assert "CIV" not in page and "Ivory Coast" not in page


def test_the_public_state_page_in_arabic_names_the_state_and_its_themes_in_arabic(browser, person):
    mission = person(Role.STATE, state_code="BDI")
    browser.sign_in(mission.email)
    browser.submit("/state/updates", "/state/page-consent", {"open": "yes", "version": 0})
    page = _page(browser, "/states/BDI", "ar")
    assert 'dir="rtl"' in page and "<h1>بوروندي</h1>" in page
