"""The expert's deployments page: the engagements they are on, accepted or declined."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from facility.auth.actor import Actor
from facility.auth.models import Role
from facility.engagements.models import DeploymentAnswer, DeploymentAnswerChoice, Engagement, EngagementStatus
from facility.experts import service as experts
from facility.offers.models import Offer, OfferKind, OfferStatus
from facility.requests.models import CapacityRequest, RequestStatus
from governance.models import MatchProposal, OptimiserRun, ProposalStatus
from tests.api.test_query_cost import counted
from tests.pages.conftest import csrf_of


@pytest.fixture
def deployed(db_session, person):
    """`deployed(n)`: an expert account whose roster entry is on `n` engagements."""
    partner = person(Role.PARTNER, partner_name="Deploying partner")
    state = person(Role.STATE, state_code="KEN")

    def make(n: int = 1, name: str = "Amina Diallo"):
        account = person(Role.EXPERT, partner_name="Deploying partner")
        expert = experts.nominate_expert(
            db_session, actor=Actor.from_account(partner), consent_given=True,
            fields=experts.ExpertFields(name=name, email=account.email, nationality="SEN",
                                        themes=["Justice"], languages=["fr", "en"],
                                        availability=[(date(2027, 1, 1), date(2027, 12, 31))]))
        assert expert.account_id == account.id  # linked by e-mail address and partner
        run = OptimiserRun(criteria_version=1, time_limit=1.0, started_by_id=partner.id)
        offer = Offer(partner_id=partner.partner_id, status=OfferStatus.PUBLISHED,
                      title="Judicial training fund (test)", kind=OfferKind.FUNDING, budget=500_000,
                      currency="USD", max_requests=50, window_start=date(2027, 1, 1),
                      window_end=date(2027, 12, 31), created_by_id=partner.id)
        db_session.add_all([run, offer])
        db_session.flush()
        engagements = []
        for i in range(n):
            request = CapacityRequest(
                state_code="KEN", status=RequestStatus.ACTIVE, title=f"Training of judges {i} (test)",
                need="Training on judicial independence for 40 magistrates", support_kinds=["TRAINING"],
                languages=["en"], window_start=date(2027, 3, 1), window_end=date(2027, 9, 30),
                weeks=4, experts_needed=1, budget=40_000, currency="USD", priority=1,
                created_by_id=state.id)
            db_session.add(request)
            db_session.flush()
            proposal = MatchProposal(run_id=run.id, request_id=request.id, offer_id=offer.id,
                                     expert_ids=[expert.id], value=1, fit=1, explanation="test",
                                     status=ProposalStatus.CONFIRMED)
            db_session.add(proposal)
            db_session.flush()
            engagement = Engagement(proposal_id=proposal.id, request_id=request.id, offer_id=offer.id,
                                    expert_ids=[expert.id], start=date(2027, 4, 1 + i % 20),
                                    end=date(2027, 4, 28), budget=40_000, currency="USD")
            db_session.add(engagement)
            db_session.flush()
            engagements.append(engagement)
        return account, expert, engagements

    return make


def _answers(db) -> list[tuple[str, str]]:
    db.expire_all()
    return [(a.answer, a.reason) for a in db.exec(select(DeploymentAnswer).order_by(DeploymentAnswer.id))]


def test_only_experts_reach_the_page(browser, person):
    assert browser.get("/expert/deployments").headers["location"] == \
        "/account/sign-in?next=/expert/deployments"
    for role in (Role.STATE, Role.PARTNER, Role.SECRETARIAT):
        browser.sign_in(person(role).email)
        assert browser.get("/expert/deployments").status_code == 403


def test_an_expert_sees_their_deployments_and_accepts_one(browser, deployed, db_session):
    account, _expert, [engagement] = deployed(1)
    _other, _, [theirs] = deployed(1, name="Other Person")
    browser.sign_in(account.email)
    page = browser.get("/expert/deployments").text
    assert "Training of judges 0 (test)" in page and "Kenya" in page
    assert "Deploying partner (Judicial training fund (test))" in page and "Not answered yet" in page
    assert f"/expert/deployments/{theirs.id}" not in page  # another expert's engagement
    done = browser.submit("/expert/deployments", f"/expert/deployments/{engagement.id}",
                          {"answer": "accept", "version": "0"})
    assert done.status_code == 303 and done.headers["location"] == "/expert/deployments?done=accepted"
    assert _answers(db_session) == [(DeploymentAnswerChoice.ACCEPTED, "")]
    page = browser.get("/expert/deployments?done=accepted").text
    assert "You accepted the deployment." in page and "Accepted on" in page
    assert "Accept the deployment" not in page and "Decline the deployment" in page


def test_declining_needs_a_reason_and_keeps_what_was_typed(browser, deployed, db_session):
    account, _expert, [engagement] = deployed(1)
    browser.sign_in(account.email)
    path = f"/expert/deployments/{engagement.id}"
    empty = browser.submit("/expert/deployments", path, {"answer": "decline", "reason": " ", "version": "0"})
    assert empty.status_code == 422
    assert "Reason: say why you decline the deployment." in empty.text
    assert f'href="#reason-{engagement.id}"' in empty.text  # the error summary links to the field
    assert _answers(db_session) == []
    done = browser.submit("/expert/deployments", path,
                          {"answer": "decline", "reason": "Unavailable in April", "version": "0"})
    assert done.status_code == 303
    assert _answers(db_session) == [(DeploymentAnswerChoice.DECLINED, "Unavailable in April")]
    assert "Your reason" in browser.get("/expert/deployments").text


def test_a_stale_page_a_missing_token_and_another_engagement_are_refused(
        browser, deployed, db_session):
    account, _expert, [engagement] = deployed(1)
    _other, _, [theirs] = deployed(1, name="Other Person")
    browser.sign_in(account.email)
    page = browser.get("/expert/deployments").text
    path = f"/expert/deployments/{engagement.id}"
    assert browser.http.post(path, data={"answer": "accept", "version": "0"}).status_code == 403
    stale = browser.http.post(path, data={"csrf_token": csrf_of(page), "answer": "accept",
                                          "version": "3"})
    assert stale.status_code == 409 and "reload the deployment and answer again" in stale.text
    theirs_refused = browser.http.post(f"/expert/deployments/{theirs.id}", data={
        "csrf_token": csrf_of(page), "answer": "accept", "version": "0"})
    assert theirs_refused.status_code == 404
    assert _answers(db_session) == []


def test_a_completed_engagement_shows_no_answer_buttons(browser, deployed, db_session):
    account, _expert, [engagement] = deployed(1)
    engagement.status = EngagementStatus.COMPLETED
    db_session.add(engagement)
    db_session.flush()
    browser.sign_in(account.email)
    page = browser.get("/expert/deployments").text
    assert "Completed" in page and "Accept the deployment" not in page


def test_the_page_costs_the_same_statements_whatever_the_deployments(browser, deployed, db_session):
    account, _expert, _ = deployed(1)
    browser.sign_in(account.email)

    def statements():
        browser.get("/expert/deployments")
        db_session.expunge_all()  # measured cold (the identity map is not deterministic)
        with counted(db_session) as seen:
            assert browser.get("/expert/deployments").status_code == 200
        return seen

    small = statements()
    more_account, _, _ = deployed(25, name="Busy Expert")
    browser.sign_in(more_account.email)
    large = statements()
    assert len(large) == len(small) and len(large) <= 10, "\n".join(large)
    assert "Pages of deployments" in browser.get("/expert/deployments").text
