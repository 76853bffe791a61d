"""The fresh demo through the pages: the partners' unmet demand reads the demo's last run, and
a run the secretariat starts from its page ends DONE, proposing or explaining every eligible
request, on the committee's page for it."""

from __future__ import annotations

import html
import re

from sqlmodel import select

from facility.demo.seed import DEMO_DOMAIN, DEMO_PASSWORD, seed_demo
from facility.requests.models import CapacityRequest, RequestStatus
from governance.models import OptimiserRun


def test_unmet_demand_shows_what_the_demos_run_left_unmatched(browser, db_session):
    seed_demo(db_session)
    # The demo's run of this round (the other one records an earlier round).
    seeded = db_session.exec(select(OptimiserRun).order_by(OptimiserRun.id)).first()
    assert seeded.unmatched and seeded.demand is not None
    browser.sign_in(f"norad@{DEMO_DOMAIN}", DEMO_PASSWORD)
    page = html.unescape(browser.get("/partner/unmet-demand").text)
    assert f"left {len(seeded.unmatched)} eligible requests unmatched" in page
    assert "still being computed" not in page
    assert "Every eligible request was matched" not in page
    # Budgets with their currency, per currency (never a bare sum across currencies).
    assert re.search(r'<td class="num">\$[\d,]+</td>', page), page


def test_a_run_started_on_the_demo_proposes_or_explains_every_eligible_request(browser, db_session):
    seed_demo(db_session)
    eligible = db_session.exec(select(CapacityRequest).where(
        CapacityRequest.status == RequestStatus.ELIGIBLE)).all()
    assert eligible
    browser.sign_in(f"secretariat@{DEMO_DOMAIN}", DEMO_PASSWORD)
    response = browser.submit("/secretariat", "/secretariat/runs", {"time_limit": "5"})
    assert response.status_code == 303
    run = db_session.exec(select(OptimiserRun).order_by(OptimiserRun.id.desc())).first()
    assert run.status == "DONE", run.error
    page = html.unescape(browser.get(f"/committee/runs/{run.id}").text)
    assert "This run failed" not in page
    for request in eligible:
        assert request.title in page, request.title
    # The demo's agreed matches were carried, each still holding.
    assert "Matches already agreed" in page and "No longer holds as agreed" not in page
