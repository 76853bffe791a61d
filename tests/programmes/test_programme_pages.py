"""The programmes directory on pages: the secretariat adds a programme (its bad fields named),
the public reads it, a State sees it next to a request it fits and records that it applied."""

from __future__ import annotations

import html
from datetime import date

from sqlmodel import select

from facility.audit import AuditEntry
from facility.auth.models import Role
from facility.programmes.models import Programme, ProgrammeApplication
from facility.reference.models import Theme
from facility.requests.models import RequestStatus, RequestTheme
from facility.timeutil import today_is
from tests.pages.test_state_pages import _request

FORM = {"name": "Justice sector support", "agency": "African Union Commission",
        "agencyKind": "REGIONAL", "description": "Courts and prosecution services.",
        "eligibleGroups": ["AFRICAN"], "eligibleStates": "", "themes": ["Justice"],
        "supportKinds": ["TRAINING"], "howToApply": "Write to the programme's secretariat.",
        "deadline": "2027-06-30", "link": "https://au.example.org/justice"}


def test_added_read_suggested_and_applied_to(browser, new_browser, person, db_session):
    staff = person(Role.SECRETARIAT)
    browser.sign_in(staff.email)
    refused = browser.submit("/programmes/new", "/programmes/new", {
        **FORM, "name": "", "link": "ftp://x", "deadline": "30/06/2027"})
    text = html.unescape(refused.text)
    assert refused.status_code == 422 and db_session.exec(select(Programme)).all() == []
    assert "Deadline: enter a date as year-month-day" in text
    refused = browser.submit("/programmes/new", "/programmes/new", {**FORM, "name": "", "link": "ftp://x"})
    text = html.unescape(refused.text)
    assert "Name: this is required." in text and "Link: each link must be a web address" in text
    assert "Courts and prosecution services." in text  # the form keeps what was written
    added = browser.submit("/programmes/new", "/programmes/new", FORM)
    assert added.status_code == 303 and added.headers["location"] == "/programmes?done=added"
    [programme] = db_session.exec(select(Programme)).all()

    public = new_browser()
    listed = html.unescape(public.get("/programmes?state=KEN&theme=Justice").text)
    assert "Justice sector support" in listed and "Write to the programme's secretariat." in listed
    assert "Justice sector support" not in public.get("/programmes?state=IND").text
    assert public.get(f"/programmes/{programme.id}/edit").status_code == 303  # sign in first

    mission = person(Role.STATE, state_code="KEN")
    request = _request(db_session, status=RequestStatus.SUBMITTED, account=mission)
    justice = db_session.exec(select(Theme).where(Theme.name == "Justice")).one()
    db_session.add(RequestTheme(request_id=request.id, theme_id=justice.id))
    db_session.flush()
    state = new_browser()
    state.sign_in(mission.email)
    with today_is(date(2027, 1, 15)):
        page = html.unescape(state.get(f"/state/requests/{request.id}").text)
        assert "Justice sector support" in page and "Record that we applied to" in page
        applied = state.submit(f"/state/requests/{request.id}",
                               f"/state/requests/{request.id}/programmes/{programme.id}", {})
        assert applied.status_code == 303
        page = html.unescape(state.get(f"/state/requests/{request.id}?done=applied").text)
    assert "Recorded: your State applied to the programme." in page
    assert "You recorded that your State applied" in page
    assert len(db_session.exec(select(ProgrammeApplication)).all()) == 1
    assert db_session.exec(select(AuditEntry).where(AuditEntry.action == "programme.applied")).first()

    other = new_browser()
    other.sign_in(person(Role.STATE, state_code="GHA").email)
    assert other.submit("/state/requests", f"/state/requests/{request.id}/programmes/{programme.id}",
                        {}).status_code == 404
    partner = new_browser()
    partner.sign_in(person(Role.PARTNER).email)
    assert partner.get(f"/programmes/{programme.id}/edit").status_code == 404
    changed = browser.submit(f"/programmes/{programme.id}/edit", f"/programmes/{programme.id}/edit",
                             {**FORM, "deadline": "", "version": programme.version})
    assert changed.status_code == 303
    db_session.expire_all()
    assert db_session.get(Programme, programme.id).deadline is None
