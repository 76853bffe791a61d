"""Referrals on pages: the secretariat records one (its bad fields named), the State concerned
finds it in its inbox and answers once, accepting into a draft request it then edits, or
declining with a reason kept private unless it says otherwise; the committee reads them all."""

from __future__ import annotations

import html

import pytest
from sqlmodel import select

from facility.auth.models import Role
from facility.ids import decode_id
from facility.notifications.models import Notification, NotificationKind
from facility.referrals.models import Referral, ReferralStatus
from facility.requests.models import CapacityRequest, RequestStatus
from governance.models import CommitteeSeat
from tests.api.conftest import recs  # noqa: F401  (re-exported fixture)

FORM = {"source": "HRC_PRESIDENT", "documentSymbol": "A/HRC/RES/55/12", "stateCode": "KEN",
        "title": "Support to the reform of pre-trial detention",
        "summary": "The Council invites the facility to support the reform of pre-trial detention."}


@pytest.fixture
def staff(person):
    return person(Role.SECRETARIAT)


def _latest(db) -> Referral | None:
    db.expire_all()
    return db.exec(select(Referral).order_by(Referral.id.desc())).first()


def _record(browser, **overrides):
    return browser.submit("/secretariat/referrals/new", "/secretariat/referrals", {**FORM, **overrides})


def test_record_then_accept_into_a_draft_the_state_edits(browser, person, staff, db_session, recs):  # noqa: F811
    mission = person(Role.STATE, state_code="KEN")
    browser.sign_in(staff.email)
    refused = _record(browser, documentSymbol="resolution 55/12", title="", recommendations="NO-SUCH-ID")
    assert refused.status_code == 422
    assert "Recommendations: one of them no longer exists." in html.unescape(refused.text)
    refused = _record(browser, documentSymbol="resolution 55/12", title="")
    text = html.unescape(refused.text)
    assert refused.status_code == 422 and _latest(db_session) is None
    assert ("Council document symbol: give a Human Rights Council document symbol, such as "
            "A/HRC/RES/55/12.") in text
    assert "Title: at least 3 characters." in text
    assert 'value="resolution 55/12"' in text  # the form keeps what was typed

    done = _record(browser, recommendations="TEST-KEN-1")
    referral = _latest(db_session)
    assert done.status_code == 303
    assert done.headers["location"] == f"/secretariat/referrals/{referral.id}?done=recorded"
    assert referral.recommendation_ids == [decode_id("Recommendation", recs["TEST-KEN-1"])]
    notices = db_session.exec(select(Notification).where(Notification.referral_id == referral.id)).all()
    assert [(n.account_id, n.kind) for n in notices] == [(mission.id, NotificationKind.REFERRAL_TO_ANSWER)]
    page = html.unescape(browser.get(f"/secretariat/referrals/{referral.id}").text)
    assert "Awaiting the State's answer" in page and "President of the Human Rights Council" in page

    browser.sign_in(mission.email)
    inbox = browser.get("/state/referrals").text
    assert f'<a href="/state/referrals/{referral.id}">{FORM["title"]}</a>' in inbox
    assert "your answer is awaited" in inbox
    page = f"/state/referrals/{referral.id}"
    accepted = browser.submit(page, f"{page}/accept", {"version": referral.version})
    assert accepted.status_code == 303 and accepted.headers["location"] == f"{page}?done=accepted"
    referral = _latest(db_session)
    draft = db_session.exec(select(CapacityRequest).where(CapacityRequest.referral_id == referral.id)).one()
    assert (referral.status, draft.status, draft.title) == (ReferralStatus.ACCEPTED, RequestStatus.DRAFT,
                                                            FORM["title"])
    shown = browser.get(f"{page}?done=accepted").text
    assert "a draft request pre-filled from the referral is filed" in shown
    assert f'<a href="/state/requests/{draft.id}/edit">Edit the draft</a>' in shown
    assert "Accept and file a draft request" not in shown  # answered once
    assert browser.get(f"/state/requests/{draft.id}/edit").status_code == 200
    again = browser.submit("/state/referrals", f"{page}/decline", {"reason": "Changed our mind"})
    assert again.status_code == 409

    browser.sign_in(staff.email)
    page_text = html.unescape(browser.get(f"/secretariat/referrals/{referral.id}").text)
    assert "it is the State's own until the State submits it" in page_text


def test_a_decline_is_explained_and_private_unless_the_state_says_so(browser, person, staff,
                                                                     db_session, recs):  # noqa: F811
    mission = person(Role.STATE, state_code="KEN")
    browser.sign_in(staff.email)
    _record(browser)
    referral = _latest(db_session)
    browser.sign_in(mission.email)
    page = f"/state/referrals/{referral.id}"
    missing = browser.submit(page, f"{page}/decline", {"reason": " "})
    assert missing.status_code == 422
    assert "Reason for declining: this is required." in missing.text
    lonely = browser.submit(page, f"{page}/decline", {"reason": "Covered", "reason_public": "yes"})
    assert lonely.status_code == 422
    assert "Make the reason public: the reason can be public only if the referral is." in lonely.text
    assert _latest(db_session).status == ReferralStatus.PENDING
    declined = browser.submit(page, f"{page}/decline", {"reason": "A national plan covers it",
                                                        "public": "yes"})
    assert declined.status_code == 303
    referral = _latest(db_session)
    assert (referral.status, referral.public, referral.reason_public) == (
        ReferralStatus.DECLINED, True, False)

    # The committee reads the answer and its reason; the State's page shows it without.
    member = person(Role.COMMITTEE, state_code="IND", group_code="APG")
    db_session.add(CommitteeSeat(group_code="APG", account_id=member.id, state_code="IND"))
    db_session.flush()
    browser.sign_in(member.email)
    listing = browser.get("/committee/referrals").text
    assert FORM["title"] in listing and "A national plan covers it" in listing
    browser.sign_in(mission.email)
    browser.submit("/state/updates", "/state/page-consent", {"open": "yes", "version": 0})
    public = browser.get("/states/KEN").text
    assert FORM["title"] in public and "A/HRC/RES/55/12" in public
    assert "A national plan covers it" not in public


def test_accepting_a_referral_naming_no_recommendation_asks_for_one(browser, person, staff,
                                                                    db_session, recs):  # noqa: F811
    mission = person(Role.STATE, state_code="KEN")
    browser.sign_in(staff.email)
    _record(browser)
    referral = _latest(db_session)
    browser.sign_in(mission.email)
    page = f"/state/referrals/{referral.id}"
    search = browser.get(f"{page}?q=judiciary").text
    assert "TEST-KEN-1" in search and "TEST-KEN-2" not in search and "TEST-GHA-1" not in search
    unchosen = browser.submit(page, f"{page}/accept", {"version": referral.version})
    assert unchosen.status_code == 422
    assert "Recommendations: this is required." in unchosen.text
    rec = decode_id("Recommendation", recs["TEST-KEN-2"])
    chosen = browser.submit(page, f"{page}/accept", {"version": referral.version,
                                                     "recommendationIds": str(rec)})
    assert chosen.status_code == 303
    assert _latest(db_session).status == ReferralStatus.ACCEPTED


def test_other_accounts_are_refused_the_referral_pages(browser, person, staff, db_session):
    browser.sign_in(staff.email)
    _record(browser, recommendations="")
    referral = _latest(db_session)
    ghana = person(Role.STATE, state_code="GHA")
    browser.sign_in(ghana.email)
    assert browser.get(f"/state/referrals/{referral.id}").status_code == 404
    assert FORM["title"] not in browser.get("/state/referrals").text
    partner = person(Role.PARTNER)
    browser.sign_in(partner.email)
    for path in ("/state/referrals", "/secretariat/referrals", "/committee/referrals"):
        assert browser.get(path).status_code == 403
    unseated = person(Role.COMMITTEE, state_code="IND", group_code="APG")
    browser.sign_in(unseated.email)
    assert browser.get("/committee/referrals").status_code == 403


def test_themes_are_asked_for_only_where_the_recommendations_carry_none(browser, person, staff,
                                                                        db_session, recs):  # noqa: F811
    from facility.reference.models import RecommendationTheme

    mission = person(Role.STATE, state_code="KEN")
    browser.sign_in(staff.email)
    _record(browser, recommendations="TEST-KEN-1")
    themed = _latest(db_session)
    _record(browser, recommendations="TEST-KEN-3", title="Abolition of the death penalty")
    themeless = _latest(db_session)
    pk = decode_id("Recommendation", recs["TEST-KEN-3"])
    for link in db_session.exec(select(RecommendationTheme).where(
            RecommendationTheme.recommendation_id == pk)):
        db_session.delete(link)
    db_session.flush()
    browser.sign_in(mission.email)
    assert 'name="themes"' not in browser.get(f"/state/referrals/{themed.id}").text
    page = f"/state/referrals/{themeless.id}"
    assert 'name="themes"' in browser.get(page).text
    unchosen = browser.submit(page, f"{page}/accept", {"version": themeless.version})
    assert unchosen.status_code == 422 and 'href="#themes"' in unchosen.text
    chosen = browser.submit(page, f"{page}/accept", {"version": themeless.version,
                                                     "themes": "Death penalty"})
    assert chosen.status_code == 303


def test_a_pending_referral_awaits_the_state_on_its_to_do_page(browser, person, staff, db_session):
    mission = person(Role.STATE, state_code="KEN")
    browser.sign_in(staff.email)
    _record(browser)
    referral = _latest(db_session)
    browser.sign_in(mission.email)
    todo = html.unescape(browser.get("/todo").text)
    assert (f'<a href="/state/referrals/{referral.id}">Accept or decline the referral '
            f"“{FORM['title']}”</a>") in todo
    page = f"/state/referrals/{referral.id}"
    browser.submit(page, f"{page}/decline", {"reason": "Not now"})
    assert "No referral awaits your answer." in browser.get("/todo").text
