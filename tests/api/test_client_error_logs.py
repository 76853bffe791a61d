"""A client's input mistakes are not server errors, and the log never quotes what the client
submitted (issue 13: they were logged at ERROR with the full submitted text)."""

from __future__ import annotations

import logging

from tests.api.helpers import operation, request_input

SECRET = "Ms Jane Doe, +254 700 000 000"


def test_a_refused_variable_is_logged_at_info_without_the_submitted_text(gql, make_token, recs,
                                                                         caplog):
    kenya = gql.as_(make_token("STATE", state="KEN"))
    caplog.set_level(logging.DEBUG)
    response = kenya.post(operation("CreateRequest"), {"input": request_input(
        [recs["TEST-KEN-1"]], budget=SECRET, focalPoint=SECRET)})
    assert response.json()["errors"]  # the client still hears what was wrong
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert SECRET not in caplog.text and "+254" not in caplog.text
    assert any("client error in a GraphQL request" in r.getMessage() for r in caplog.records)


def test_an_unknown_field_is_a_client_error_too(gql, caplog):
    caplog.set_level(logging.DEBUG)
    response = gql.post('{ nosuchfield(name: "' + SECRET + '") }')
    assert response.json()["errors"]
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING], caplog.text
    assert SECRET not in caplog.text
