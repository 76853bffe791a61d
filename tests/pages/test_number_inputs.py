"""Numbers someone types are read by one helper (facility.numbers.whole_number): Unicode digits
such as "²", 5,000-digit numbers and deeply nested bodies are refused or ignored with a clear
answer, never a 500."""

from __future__ import annotations

import base64
import json

import pytest

from facility.numbers import whole_number
from tests.pages.committee_world import World, world_fixture  # noqa: F401
from tests.pages.conftest import csrf_of
from tests.pages.test_secretariat_pages import _upload
from tests.reference.test_import_upr_info import HEADER as UPR_HEADER

ODD_NUMBERS = ["²", "①", "٣", "1" * 5000, "-1", " 1", "1.0", ""]


@pytest.mark.parametrize("raw", ODD_NUMBERS)
def test_only_short_ascii_digits_are_numbers(raw):
    assert whole_number(raw) is None
    assert whole_number("0042") == 42 and whole_number("-3", signed=True) == -3


@pytest.mark.parametrize("raw", ["²", "1" * 5000])
@pytest.mark.parametrize("path", ["/offers", "/decisions", "/stories"])
def test_public_lists_show_the_first_page_for_an_odd_page_number(browser, path, raw):
    response = browser.get(path, params={"page": raw, "theme": raw})
    assert response.status_code == 200


@pytest.mark.parametrize("raw", ["²", "1" * 5000])
def test_state_and_partner_filters_and_forms_take_odd_numbers(browser, person, raw):
    state = person()
    browser.sign_in(state.email)
    for path in ("/state/requests", "/state/requests/new", "/state/requests/new/details",
                 "/state/reports", "/state/engagements"):
        assert browser.get(path, params={"page": raw, "rec": raw, "for_request": raw}).status_code in (
            200, 404), path
    page = browser.get("/state/requests/new")
    response = browser.http.post("/state/requests", data={
        "csrf_token": csrf_of(page.text), "title": "x", "weeks": raw, "budget": raw,
        "experts_needed": raw, "priority": raw, "rec": raw})
    assert response.status_code == 422
    assert "enter a whole number" in response.text


def test_a_vote_on_an_unknown_motion_is_not_found(browser, world: World):
    browser.sign_in(world.india_member.email)
    page = browser.get(f"/committee/motions/{world.screening_motion.id}")
    for choice in ("", "APPROVE"):
        response = browser.http.post("/committee/motions/99999/vote",
                                     data={"csrf_token": csrf_of(page.text), "choice": choice})
        assert response.status_code == 404, choice


def test_a_secretariat_form_with_an_odd_request_number(browser, world: World):
    browser.sign_in(world.secretariat.email)
    page = browser.get("/secretariat")
    response = browser.http.post("/secretariat/screenings", data={
        "csrf_token": csrf_of(page.text), "request_id": "²"})
    assert response.status_code in (404, 409, 422)


def test_an_import_with_a_5000_digit_session_lists_the_problem(browser, world: World):
    browser.sign_in(world.secretariat.email)
    row = (f'X-1,3,Kenya,African,,Ratify the convention.,Norway,WEOG,,Supported,,Justice,'
           f'{"9" * 5000}\n')
    response = _upload(browser, UPR_HEADER + "\n" + row)
    assert response.status_code == 422
    assert "The file was refused: nothing was imported." in response.text
    assert "is not a whole number from" in response.text


def test_graphql_ids_with_odd_digits_name_nothing(gql, make_token):
    client = gql.as_(make_token("STATE", state="KEN"))
    for pk in ("²", "1" * 5000):
        opaque = base64.urlsafe_b64encode(f"CapacityRequest:{pk}".encode()).decode().rstrip("=")
        body = client.post("query($id: ID!) { request(id: $id) { id } }", {"id": opaque}).json()
        assert body == {"data": {"request": None}}, body


def test_a_deeply_nested_graphql_body_is_a_400(gql):
    nested = "[" * 5000 + "]" * 5000
    response = gql.http.post("/graphql", content=f'{{"query": "{{ me {{ role }} }}", "variables": '
                                                 f'{{"x": {nested}}}}}',
                             headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "nested more than" in response.json()["errors"][0]["message"]
    shallow = {"query": "{ me { role } }", "variables": {"x": [[[1]]]}}
    assert gql.http.post("/graphql", content=json.dumps(shallow),
                         headers={"Content-Type": "application/json"}).status_code == 200
