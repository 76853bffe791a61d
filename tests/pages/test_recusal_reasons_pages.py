"""Why a committee seat stood aside stays with the committee and the secretariat on the pages
too (docs/governance.md, "Visibility"): the motion page shows it to them; the requesting
State and the partner reach no page that shows it."""

from __future__ import annotations

import pytest

from facility.auth.actor import Actor
from facility.auth.models import Role
from governance import motions
from tests.pages.committee_world import World, world_fixture  # noqa: F401

SCREENING_REASON = "I advised this mission on its request in 2025"
PROPOSAL_REASON = "My former employer runs this offer"


@pytest.fixture
def recused(world: World, db_session) -> World:
    india = Actor.from_account(world.india_member)
    for motion, reason in ((world.screening_motion, SCREENING_REASON),
                           (world.proposal_motion, PROPOSAL_REASON)):
        motions.declare_recusal(db_session, actor=india, motion_id=motion.id, reason=reason)
    db_session.flush()
    return world


@pytest.mark.parametrize("who", ["india_member", "kenya_member", "secretariat"])
def test_the_committee_and_the_secretariat_read_the_reasons(browser, recused, who):
    browser.sign_in(getattr(recused, who).email)
    screening = browser.get(f"/committee/motions/{recused.screening_motion.id}").text
    assert SCREENING_REASON in screening
    assert "the member&#39;s State (KEN) is the requesting State" in screening
    assert PROPOSAL_REASON in browser.get(f"/committee/motions/{recused.proposal_motion.id}").text


def test_the_requesting_state_never_sees_why_a_seat_stood_aside(browser, recused, person):
    mission = person(Role.STATE, state_code="KEN")
    browser.sign_in(mission.email)
    page = browser.get(f"/state/requests/{recused.kenya_request.id}")
    assert page.status_code == 200
    for listing in (page, browser.get("/state/requests")):
        assert SCREENING_REASON not in listing.text and "requesting State" not in listing.text
    assert browser.get(f"/committee/motions/{recused.screening_motion.id}").status_code == 403


def test_the_partner_never_sees_why_a_seat_stood_aside(browser, recused, person):
    partner = person(Role.PARTNER, partner_name="Test partner")  # the proposal's offer is theirs
    browser.sign_in(partner.email)
    page = browser.get("/partner/proposals")
    assert page.status_code == 200 and "Request BRA-2 (demo)" in page.text
    assert PROPOSAL_REASON not in page.text
    assert browser.get(f"/committee/motions/{recused.proposal_motion.id}").status_code == 403
