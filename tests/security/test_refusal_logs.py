"""What a refused read leaves in the log (issue 7: "Refusals are logged, without personal data").

The permission matrix checks that every `null` cell of a single-object query logs a refusal
and that no other cell does; these tests pin what the line says: the field, the numeric id,
the caller's role and account id, the kind of refusal, and nothing a log reader could use to
tell a hidden object from an absent one.
"""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from facility.auth.models import Account, Role
from facility.ids import decode_id, encode_id
from tests.security.conftest import World


@pytest.fixture
def refusals(caplog):
    caplog.set_level(logging.INFO, logger="facility.refusals")

    def lines() -> list[str]:
        found = [r.getMessage() for r in caplog.records if r.name == "facility.refusals"]
        caplog.clear()
        return found

    return lines


def _kenya(world: World) -> str:
    account = world.session.exec(select(Account).where(
        Account.role == Role.STATE, Account.state_code == "KEN")).one()
    return f"STATE#{account.id}"


def test_a_hidden_and_an_absent_object_are_logged_alike(world: World, refusals):
    kenya = world.clients["STATE"]
    hidden = decode_id("CapacityRequest", world.ids["gha_draft"])
    absent = 2_000_000_000
    for pk in (hidden, absent):
        found = kenya("query($id: ID!) { request(id: $id) { id } }",
                      {"id": encode_id("CapacityRequest", pk)})
        assert found["request"] is None
        assert refusals() == [f"refused request(id {pk}) for {_kenya(world)}: NotFound"]


def test_an_id_that_does_not_decode_is_logged_without_its_content(world: World, refusals):
    sent = "amina.odhiambo@example.org"  # whatever the client sends, it never reaches the log
    found = world.clients["STATE"]("query($id: ID!) { offer(id: $id) { id } }", {"id": sent})
    assert found["offer"] is None
    assert refusals() == [f"refused offer(id invalid) for {_kenya(world)}: NotFound"]


def test_a_nested_field_is_named_by_its_type_never_by_the_clients_aliases(world: World, refusals):
    story = world.ids["story_ken_published"]
    found = world.clients["anonymous"](
        "query($id: ID!) { secretStory: successStory(id: $id) { secretReport: report { id } } }",
        {"id": story})
    assert found["secretStory"] is not None and found["secretStory"]["secretReport"] is None
    [line] = refusals()
    assert line.startswith("refused SuccessStory.report(id ") and line.endswith(
        " for anonymous: NotFound"), line
    assert "secret" not in line


def test_visible_objects_and_lists_log_nothing(world: World, refusals):
    kenya = world.clients["STATE"]
    assert kenya("query($id: ID!) { request(id: $id) { id } }",
                 {"id": world.ids["ken_draft"]})["request"] is not None
    listed = kenya("{ requests(first: 100) { edges { node { id } } } }")["requests"]["edges"]
    assert world.ids["gha_draft"] not in {e["node"]["id"] for e in listed}  # filtered out
    assert refusals() == []


def test_a_refusal_by_role_names_its_kind(world: World, refusals):
    assert world.clients["PARTNER"]("{ c: followUpCompliance { total { total } } }")["c"] is None
    [line] = refusals()
    assert line.startswith("refused followUpCompliance for PARTNER#"), line
    assert line.endswith(": PermissionDenied"), line
