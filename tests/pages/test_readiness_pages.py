"""The partner's readiness page: notice period and checks recorded, refusals named, and the
roster page counting who is deployable within 72 hours, two weeks, two months today."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from facility.auth.models import Role
from facility.experts.models import Expert, ExpertCheck
from facility.timeutil import today, today_is
from tests.pages.test_partner_pages import _expert_form, theme_names  # noqa: F401  (fixture)

KINDS = ("TRAINING", "REFERENCES", "SECURITY_CLEARANCE", "MEDICAL")


def _form(version: int, notice: str, *, medical_expires, **overrides) -> dict:
    verified = (today() - timedelta(days=30)).isoformat()
    data = {"version": str(version), "noticeHours": notice}
    for kind in KINDS:
        data[f"verifiedOn-{kind}"] = verified
        data[f"expiresOn-{kind}"] = (medical_expires if kind == "MEDICAL"
                                     else today() + timedelta(days=300)).isoformat()
    data.update(overrides)
    return data


def test_record_readiness_and_see_who_is_deployable(browser, person, db_session, theme_names):  # noqa: F811
    partner = person(Role.PARTNER)
    browser.sign_in(partner.email)
    browser.submit("/partner/experts/new", "/partner/experts", _expert_form(theme_names))
    expert = db_session.exec(select(Expert).where(Expert.partner_id == partner.partner_id)).one()
    page = f"/partner/experts/{expert.id}/readiness"
    assert "Not on the ready roster." in browser.get(page).text

    refused = browser.submit(page, page, _form(expert.version, "72", medical_expires=today(),
                                               **{"verifiedOn-TRAINING": "yesterday"}))
    assert refused.status_code == 422
    assert "Training, verified on: enter a date as year-month-day" in refused.text
    refused = browser.submit(page, page, _form(expert.version, "72",
                                               medical_expires=today() - timedelta(days=40)))
    assert refused.status_code == 422
    assert "Medical check, expires on: must be after the day it was verified." in refused.text
    assert db_session.exec(select(ExpertCheck)).all() == []
    db_session.refresh(expert)
    assert expert.notice_hours is None  # nothing kept of a refused form

    soon = today() + timedelta(days=10)
    saved = browser.submit(page, page, _form(expert.version, "72", medical_expires=soon))
    assert saved.status_code == 303, saved.text
    shown = browser.get(page).text
    assert "Ready today: deployable within 72 hours." in shown
    roster = browser.get("/partner/experts").text
    assert "Ready within 72 hours" in roster
    counts = roster.split("Deployable today")[1]
    assert counts.count("<dd>1</dd>") == 3  # within 72 hours, two weeks and two months

    with today_is(soon):  # the medical check expired: off the ready pool
        later = browser.get(page).text
        assert "Not ready today. Missing or expired: Medical check." in later
        assert browser.get("/partner/experts").text.split("Deployable today")[1].count("<dd>0</dd>") == 3


def test_another_partner_cannot_open_the_readiness_page(browser, person, db_session, theme_names):  # noqa: F811
    first = person(Role.PARTNER, partner_name="First partner")
    browser.sign_in(first.email)
    browser.submit("/partner/experts/new", "/partner/experts", _expert_form(theme_names))
    expert = db_session.exec(select(Expert).where(Expert.partner_id == first.partner_id)).one()
    other = person(Role.PARTNER, partner_name="Second partner")
    browser.sign_in(other.email)
    assert browser.get(f"/partner/experts/{expert.id}/readiness").status_code == 404
