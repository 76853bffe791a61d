"""Every form carries a form token (macros/forms.html) that creating forms use as their
idempotency key: the same form posted twice (a double click, a retry) creates one object;
a new rendering of the form creates another."""

from __future__ import annotations

import re

from sqlmodel import func, select

from facility.auth.models import Role
from facility.requests.models import CapacityRequest
from tests.pages.conftest import csrf_of
from tests.pages.test_state_pages import _form, recommendations  # noqa: F401

TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')


def _drafts(db_session) -> int:
    return db_session.exec(select(func.count()).select_from(CapacityRequest)).one()


def test_the_same_request_form_posted_twice_makes_one_draft(browser, person, recommendations,  # noqa: F811
                                                            db_session):
    mine = recommendations(1)
    browser.sign_in(person(Role.STATE).email)
    page = browser.get(f"/state/requests/new/details?rec={mine[0].id}").text
    token = TOKEN_RE.search(page).group(1)
    data = {"csrf_token": csrf_of(page), "form_token": token,
            **_form([mine[0].id], themes=sorted(t.name for t in recommendations.themes)[:1])}
    before = _drafts(db_session)
    first = browser.http.post("/state/requests", data=data)
    second = browser.http.post("/state/requests", data=data)
    assert first.status_code == second.status_code == 303, first.text
    assert first.headers["location"] == second.headers["location"]  # the same draft
    assert _drafts(db_session) == before + 1
    # The token reused for other content is refused with a message, and creates nothing.
    other = browser.http.post("/state/requests", data={**data, "title": "Another title"})
    assert other.status_code == 422
    assert "This form was already sent with other content." in other.text
    assert _drafts(db_session) == before + 1
    # A new rendering of the form has a new token: a second draft.
    again = browser.get(f"/state/requests/new/details?rec={mine[0].id}").text
    assert TOKEN_RE.search(again).group(1) != token
    third = browser.http.post("/state/requests", data={**data, "form_token": TOKEN_RE.search(again).group(1)})
    assert third.status_code == 303 and third.headers["location"] != first.headers["location"]
    assert _drafts(db_session) == before + 2
