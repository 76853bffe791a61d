"""The urgent track on the pages: the State marks its submitted request urgent on the
request's page; the clock shows there and on the committee's screening queue and motion."""

from __future__ import annotations

from facility.auth.models import Account
from facility.requests.models import CapacityRequest
from tests.pages.committee_world import World, world_fixture  # noqa: F401

REASON = "Mass arrests reported this week; the inquiry cannot wait."


def test_the_state_marks_urgent_and_everyone_sees_the_clock(browser, world: World, db_session):
    request = world.kenya_request
    mission = db_session.get(Account, request.created_by_id)
    browser.sign_in(mission.email)
    page = f"/state/requests/{request.id}"
    assert "Mark the request urgent" in browser.get(page).text

    refused = browser.submit(page, f"{page}/urgent", {"reason": "soon", "latestStart": "2027-03-01",
                                                      "version": str(request.version)})
    assert refused.status_code == 422
    assert "Why it is urgent: at least 10 characters." in refused.text
    outside = browser.submit(page, f"{page}/urgent", {"reason": REASON, "latestStart": "2027-09-01",
                                                      "version": str(request.version)})
    assert "Latest start of the mission: must be within the request&#39;s window." in outside.text
    db_session.refresh(request)
    assert not request.urgent

    marked = browser.submit(page, f"{page}/urgent", {"reason": REASON, "latestStart": "2027-03-01",
                                                     "version": str(request.version)})
    assert marked.status_code == 303
    shown = browser.get(page + "?done=urgent").text
    assert "The request is marked urgent. The committee is told." in shown
    assert "Urgent request." in shown and "hours left" in shown and REASON in shown
    assert "Mark the request urgent" not in shown  # once

    browser.sign_in(world.india_member.email)
    queue = browser.get("/committee").text
    assert "The committee decides its screening by" in queue
    motion = browser.get(f"/committee/motions/{world.screening_motion.id}").text
    assert "The mission must start by March 1, 2027." in motion
    assert db_session.get(CapacityRequest, request.id).decide_by is not None


def test_the_secretariat_marks_urgent_only_recording_the_states_consent(browser, world: World,
                                                                         db_session):
    request = world.kenya_request
    browser.sign_in(world.secretariat.email)
    action = f"/secretariat/requests/{request.id}/urgent"
    form = {"reason": REASON, "latestStart": "2027-03-01"}
    refused = browser.submit("/secretariat", action, form)
    assert refused.status_code == 422
    assert "only with the consent of the State concerned" in refused.text
    db_session.refresh(request)
    assert not request.urgent
    marked = browser.submit("/secretariat", action, {**form, "stateConsent": "yes"})
    assert marked.status_code == 303
    assert "The committee decides its screening by" in browser.get("/secretariat").text
    db_session.refresh(request)
    assert request.urgent and request.urgent_by_id == world.secretariat.id
