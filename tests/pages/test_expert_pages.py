"""The expert's own page: personal data shown to them only, availability added and removed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.experts import service as experts
from facility.experts.models import ExpertAvailability
from tests.api.test_query_cost import counted
from tests.pages.conftest import csrf_of


@pytest.fixture
def expert_of(db_session, person):
    """An expert account linked to a roster entry its partner nominated."""
    def make(name: str = "Amina Diallo", phone: str = "+221 555 0100"):
        partner = person(Role.PARTNER, partner_name="Roster partner")
        account = person(Role.EXPERT, partner_name="Roster partner")
        expert = experts.nominate_expert(db_session, actor=Actor.from_account(partner), consent_given=True,
                                         fields=experts.ExpertFields(
                                             name=name, email=account.email, nationality="SEN",
                                             themes=["Justice"], languages=["fr", "en"], phone=phone,
                                             availability=[(date(2027, 1, 1), date(2027, 6, 30))]))
        expert.account_id = account.id
        db_session.add(expert)
        db_session.flush()
        return account, expert

    return make


def _windows(db, expert) -> list[tuple[date, date]]:
    return [(w.start, w.end) for w in db.exec(select(ExpertAvailability).where(
        ExpertAvailability.expert_id == expert.id).order_by(ExpertAvailability.start))]


def test_anonymous_and_other_roles_are_refused(browser, person):
    assert browser.get("/expert").headers["location"] == "/account/sign-in?next=/expert"
    for role in (Role.STATE, Role.PARTNER, Role.SECRETARIAT):
        browser.sign_in(person(role).email)
        assert browser.get("/expert").status_code == 403


def test_an_expert_sees_their_own_personal_data_and_consent(browser, expert_of):
    account, _expert = expert_of()
    expert_of(name="Other Person", phone="+1 555 0199")
    browser.sign_in(account.email)
    page = browser.get("/expert").text
    assert "Amina Diallo" in page and "+221 555 0100" in page and account.email in page
    assert "Other Person" not in page and "+1 555 0199" not in page
    assert "to the text version roster-consent/1" in page
    assert 'id="scopes-MATCHING" name="scopes" value="MATCHING" checked' in page


def test_withdrawing_and_giving_consent(browser, expert_of, db_session):
    account, expert = expert_of()
    browser.sign_in(account.email)
    response = browser.submit("/expert", "/expert/consent", {"version": "1"})
    assert response.status_code == 303
    db_session.refresh(expert)
    assert expert.consent_withdrawn_at is not None
    assert "No consent is in force" in browser.get("/expert").text
    response = browser.submit("/expert", "/expert/consent",
                              {"version": "2", "scopes": ["ROSTER", "MATCHING"]})
    assert response.status_code == 303
    db_session.refresh(expert)
    assert expert.consent_withdrawn_at is None and expert.version == 3
    stale = browser.submit("/expert", "/expert/consent", {"version": "1"})
    assert stale.status_code == 409
    db_session.refresh(expert)
    assert expert.consent_withdrawn_at is None


def test_an_expert_account_without_a_roster_entry_gets_a_clear_page(browser, person):
    browser.sign_in(person(Role.EXPERT).email)
    response = browser.get("/expert")
    assert response.status_code == 404 and "No roster profile yet" in response.text


def test_adding_and_removing_availability(browser, expert_of, db_session):
    account, expert = expert_of()
    browser.sign_in(account.email)
    response = browser.submit("/expert", "/expert/availability",
                              {"start": "2027-09-01", "end": "2027-10-31", "version": "1"})
    assert response.status_code == 303
    assert _windows(db_session, expert) == [(date(2027, 1, 1), date(2027, 6, 30)),
                                            (date(2027, 9, 1), date(2027, 10, 31))]
    response = browser.submit("/expert", "/expert/availability/remove",
                              {"start": "2027-01-01", "end": "2027-06-30", "version": "2"})
    assert response.status_code == 303
    assert _windows(db_session, expert) == [(date(2027, 9, 1), date(2027, 10, 31))]


def test_bad_windows_are_refused_and_nothing_changes(browser, expert_of, db_session):
    account, expert = expert_of()
    browser.sign_in(account.email)
    before = _windows(db_session, expert)
    response = browser.submit("/expert", "/expert/availability", {"start": "soon", "end": "", "version": "1"})
    assert response.status_code == 422
    assert "Available from: enter a date as YYYY-MM-DD." in response.text and 'href="#end"' in response.text
    response = browser.submit("/expert", "/expert/availability",
                              {"start": "2027-09-01", "end": "2027-08-01", "version": "1"})
    assert response.status_code == 422 and "Available until: must not be before the start." in response.text
    response = browser.submit("/expert", "/expert/availability/remove",
                              {"start": "2027-01-01", "end": "2027-06-30", "version": "1"})
    assert response.status_code == 422 and "keep at least one window" in response.text
    assert _windows(db_session, expert) == before


def test_a_stale_page_is_a_conflict_and_a_missing_token_a_403(browser, expert_of, db_session):
    account, expert = expert_of()
    browser.sign_in(account.email)
    page = browser.get("/expert").text
    response = browser.http.post("/expert/availability", data={
        "csrf_token": csrf_of(page), "start": "2027-09-01", "end": "2027-10-31", "version": "7"})
    assert response.status_code == 409 and "reload it and apply your change again" in response.text
    response = browser.http.post("/expert/availability", data={
        "start": "2027-09-01", "end": "2027-10-31", "version": "1"})
    assert response.status_code == 403
    assert len(_windows(db_session, expert)) == 1


def test_the_page_costs_the_same_statements_whatever_the_roster(browser, expert_of, db_session):
    account, _expert = expert_of()
    browser.sign_in(account.email)

    def statements():
        browser.get("/expert")
        db_session.expunge_all()  # measured cold (the identity map is not deterministic)
        with counted(db_session) as seen:
            assert browser.get("/expert").status_code == 200
        return seen

    small = statements()
    for n in range(15):
        expert_of(name=f"Expert {n}")
    large = statements()
    assert len(large) == len(small) and len(large) <= 10, "\n".join(large)


def test_an_expert_sees_the_readiness_their_partner_recorded(browser, expert_of, db_session, person):
    from datetime import timedelta

    from facility.auth.models import Account
    from facility.experts import readiness
    from facility.timeutil import today

    account, expert = expert_of()
    partner = db_session.exec(select(Account).where(Account.partner_id == expert.partner_id,
                                                    Account.role == Role.PARTNER)).first()
    readiness.set_notice(db_session, actor=Actor.from_account(partner), expert=expert,
                         notice_hours=336, expected_version=None)
    readiness.record_check(db_session, actor=Actor.from_account(partner), expert=expert,
                           kind="MEDICAL", verified_on=today() - timedelta(days=400),
                           expires_on=today() - timedelta(days=1), expected_version=None)
    browser.sign_in(account.email)
    page = browser.get("/expert").text
    assert "Not ready today." in page and "Medical check" in page and "Expired" in page
