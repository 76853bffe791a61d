"""The State's priority reads the way the score uses it: 5 is the highest (issue 13)."""

from __future__ import annotations

import re

from facility.auth.models import Role

INTROSPECT = """{ __type(name: "%s") { fields { name description } inputFields { name description } } }"""


def test_the_request_form_offers_5_as_the_highest_priority(browser, person):
    browser.sign_in(person(Role.STATE).email)
    page = browser.get("/state/requests/new/details")
    assert page.status_code == 200
    options = dict(re.findall(r'<option value="(\d)"[^>]*>([^<]+)</option>', page.text))
    assert options["5"] == "5 — highest" and options["1"] == "1 — lowest"
    assert "1 — highest" not in page.text


def test_graphql_describes_priority_as_1_low_to_5_high(gql):
    for type_name, key in (("CapacityRequest", "fields"), ("CreateRequestInput", "inputFields"),
                           ("UpdateRequestInput", "inputFields")):
        found = gql(INTROSPECT % type_name)["__type"][key]
        described = {f["name"]: f["description"] for f in found}
        assert "1 (low) to 5 (high)" in (described["priority"] or ""), type_name
