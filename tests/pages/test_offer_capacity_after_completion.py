"""An offer's capacity as its partner reads it agrees with what an optimiser run holds
(governance/carried.py): a completed engagement gives its request slot back and keeps the
budget it spent; an approved or scheduled match holds both."""

from __future__ import annotations

from sqlmodel import select

from facility.auth.models import Role
from facility.engagements.models import Engagement, EngagementStatus
from facility.requests.models import RequestStatus
from governance.models import ProposalStatus
from governance.proposals import capacity_used
from tests.pages.test_partner_request_page import _offer, _request, _run, _support, themes  # noqa: F401


def test_a_completed_engagement_frees_its_request_slot_not_its_budget(browser, person, db_session,
                                                                    themes):  # noqa: F811
    mission = person(Role.STATE)
    me = person(Role.PARTNER, partner_name="Partner of two rounds")
    offer = _offer(db_session, me, themes[0], title="One request at a time", max_requests=1,
                   budget=100_000)
    run = _run(db_session, mission)
    done = _request(db_session, mission, theme=themes[0], title="Delivered last year (test)",
                    status=RequestStatus.COMPLETED, budget=30_000)
    proposal = _support(db_session, run, done, offer, status=ProposalStatus.CONFIRMED, engagement=True)
    engagement = db_session.exec(select(Engagement).where(Engagement.proposal_id == proposal.id)).one()
    engagement.status = EngagementStatus.COMPLETED
    db_session.add(engagement)
    db_session.flush()
    assert capacity_used(db_session, [offer.id]) == {offer.id: (0, 35_000)}  # the engagement spent 35,000

    new = _request(db_session, mission, theme=themes[0], title="This year's request (test)",
                   budget=40_000)
    browser.sign_in(me.email)
    row = next(chunk for chunk in browser.get(f"/partner/requests/{new.id}").text.split("<tr>")
               if "<td>One request at a time<br>" in chunk)
    assert "Yes, by the rules" in row and "1 more request" in row, row

    open_one = _request(db_session, mission, theme=themes[0], title="Scheduled (test)",
                        status=RequestStatus.ACTIVE, budget=20_000)
    _support(db_session, run, open_one, offer, status=ProposalStatus.CONFIRMED, engagement=True)
    assert capacity_used(db_session, [offer.id]) == {offer.id: (1, 70_000)}
