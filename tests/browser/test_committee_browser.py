"""Committee, secretariat and expert pages in a real browser: a member opens a run's proposals and
votes on one through the page; every page visited passes axe-core; screenshots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from tests.browser.conftest import assert_accessible, screenshot, sign_in, tab_to

MEMBER = "member.apg@demo.example.org"
EXPERT = "expert@demo.example.org"


@dataclass(frozen=True)
class Committee:
    run_id: int
    request_title: str
    screening_motion_id: int


@pytest.fixture(scope="module")
def committee(live_server) -> Committee:
    """Seats two members, opens a screening, and stores a finished run with one proposal put to
    the vote (as `runs.store_result` leaves it; the optimiser itself is tested elsewhere)."""
    from sqlmodel import Session, select

    from facility.auth.actor import Actor
    from facility.auth.models import Account, Role
    from facility.auth.service import create_account
    from facility.db import make_engine
    from facility.engagements.models import Engagement
    from facility.experts import service as experts
    from facility.offers.models import Offer
    from facility.requests.models import CapacityRequest, RequestStatus
    from facility.timeutil import utcnow
    from governance import committee as seats
    from governance import screening
    from governance.models import MatchProposal, MotionKind, OptimiserRun, ProposalStatus, RunStatus
    from governance.motions import open_motion

    engine = make_engine(live_server.database_url)
    with Session(engine, expire_on_commit=False) as session:
        staff = session.exec(select(Account).where(Account.email == live_server.people.secretariat)).one()
        staff_actor = Actor.from_account(staff)
        members = ((MEMBER, "IND", "APG"), ("member.eeg@demo.example.org", "POL", "EEG"))
        for email, state, group in members:
            create_account(session, role=Role.COMMITTEE, email=email, name=f"{email.split('@')[0]} (demo)",
                           state_code=state, group_code=group, password=live_server.password)
            seats.seat_member(session, actor=staff_actor, group_code=group, member_email=email)
        submitted = session.exec(select(CapacityRequest).where(
            CapacityRequest.state_code == "NOR", CapacityRequest.status == RequestStatus.SUBMITTED)).first()
        opened = screening.open_screening(session, actor=staff_actor, request_id=submitted.id)
        offer = session.exec(select(Offer).order_by(Offer.id)).first()
        mission = session.exec(select(Account).where(Account.email == live_server.people.state)).one()
        request = CapacityRequest(
            state_code="URY", status=RequestStatus.PROPOSED,
            title="Training of judges on torture cases (demo)",
            need="(demo)", window_start=date(2027, 3, 1), window_end=date(2027, 6, 30), weeks=4,
            experts_needed=0, budget=45_000, currency="USD", priority=2, created_by_id=mission.id,
            submitted_at=utcnow())
        left = CapacityRequest(
            state_code="URY", status=RequestStatus.ELIGIBLE, title="Prison monitoring mechanism (demo)",
            need="(demo)", window_start=date(2027, 3, 1), window_end=date(2027, 3, 31), weeks=2,
            experts_needed=2, budget=30_000, currency="USD", priority=1, created_by_id=mission.id,
            submitted_at=utcnow())
        session.add_all([request, left])
        session.flush()
        run = OptimiserRun(criteria_version=1, time_limit=10, started_by_id=staff.id, status=RunStatus.DONE,
                           solver_status="OPTIMAL", score=152, bound=152, seconds=0.4,
                           progress=[{"phase": "done", "seconds": 0.4, "score": 152, "bound": 152}],
                           fairness={"GRULAC": {"requests": 2, "matched": 1, "floor": 1, "shortfall": 0}},
                           unmatched=[{"request": left.id, "reasons": [
                               "too few eligible experts: 0 available in the window, 2 needed"]}])
        session.add(run)
        session.flush()
        proposal = MatchProposal(run_id=run.id, request_id=request.id, offer_id=offer.id, expert_ids=[],
                                 value=140, fit=12, explanation=(
                                     f"{offer.title} funds the request (budget 45,000 of the offer's "
                                     f"{offer.budget:,}); value 140 = base 100 + priority 20 + "
                                     f"waiting 10 + supported 10; fit 12"))
        session.add(proposal)
        session.flush()
        open_motion(session, kind=MotionKind.PROPOSAL, subject_id=proposal.id, criteria_version=1,
                    actor=staff_actor)
        partner = session.exec(select(Account).where(Account.email == live_server.people.partner)).one()
        expert_account = create_account(session, role=Role.EXPERT, email=EXPERT, name="Expert (demo)",
                                        partner_name="Nordic Fund [Demo]", password=live_server.password)
        expert = experts.nominate_expert(session, actor=Actor.from_account(partner), consent_given=True,
                                         fields=experts.ExpertFields(
                                             name="Ingrid Berg (demo)", email=EXPERT, nationality="NOR",
                                             themes=["Justice"], languages=["en", "fr"],
                                             availability=[(date(2027, 1, 1), date(2027, 6, 30))]))
        expert.account_id = expert_account.id
        session.add(expert)
        # A confirmed match of the State's request deploys the expert: an engagement to answer.
        served = CapacityRequest(
            state_code="URY", status=RequestStatus.ACTIVE, title="Legal aid clinics in prisons (demo)",
            need="Legal aid clinics in three prisons (demo)", support_kinds=["TRAINING"],
            languages=["en"], window_start=date(2027, 3, 1), window_end=date(2027, 6, 30), weeks=4,
            experts_needed=1, budget=45_000, currency="USD", priority=2, created_by_id=mission.id,
            submitted_at=utcnow())
        session.add(served)
        session.flush()
        confirmed = MatchProposal(run_id=run.id, request_id=served.id, offer_id=offer.id,
                                  expert_ids=[expert.id], value=120, fit=10, explanation="(demo)",
                                  status=ProposalStatus.CONFIRMED)
        session.add(confirmed)
        session.flush()
        session.add(Engagement(proposal_id=confirmed.id, request_id=served.id, offer_id=offer.id,
                               expert_ids=[expert.id], start=date(2027, 4, 1), end=date(2027, 4, 28),
                               budget=45_000, currency="USD"))
        session.commit()
        result = Committee(run_id=run.id, request_title=request.title,
                           screening_motion_id=opened.motion_id)
    engine.dispose()
    return result


def test_a_member_votes_on_a_proposal_through_the_pages(page, live_server, committee):
    sign_in(page, MEMBER, live_server.password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Committee", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Committee: what waits for your vote"
    assert_accessible(page)
    screenshot(page, "committee-queue")

    page.get_by_role("link", name=f"Run {committee.run_id}", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == f"Optimiser run {committee.run_id}"
    proposals = page.get_by_role("table", name="Each proposed match, its score breakdown and why")
    assert "value 140 = base 100" in proposals.inner_text()
    unmatched = page.get_by_role("table", name="Unmatched requests and the reasons")
    assert "too few eligible experts" in unmatched.inner_text()
    assert page.get_by_role("table", name="Eligible and matched requests of each regional group "
                                          "against its floor").is_visible()
    assert_accessible(page)
    screenshot(page, "committee-run")

    page.get_by_role("link", name=f"Vote on the match for {committee.request_title}").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Proposed match"
    assert_accessible(page)
    page.get_by_role("button", name="Cast my vote").click()  # no choice: the error summary
    assert page.get_by_role("alert").get_by_role("link", name="Your vote: choose approve, reject or "
                                                               "abstain.").is_visible()
    assert_accessible(page)
    page.get_by_label("Approve").check()
    page.get_by_label("Comment (optional").fill("Good fit with the State's priorities")
    page.get_by_role("button", name="Cast my vote").click()
    assert page.get_by_text("Your vote so far: APPROVE").is_visible()
    tally = page.get_by_role("table", name="Tally")
    assert "Not reached: 1 vote cast, 3 needed" in tally.inner_text()
    assert_accessible(page)
    screenshot(page, "committee-vote")


def test_the_members_criteria_pages_pass_axe(page, live_server, committee):
    sign_in(page, MEMBER, live_server.password)
    page.goto("/committee/criteria")
    assert_accessible(page)
    page.get_by_role("link", name="Start a new draft from the criteria in force").click()
    page.get_by_label("Title", exact=True).fill("Lower budget ceiling (demo)")
    page.get_by_label("eligibility.budget_ceiling").fill("150000")
    page.get_by_role("button", name="Create the draft").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Criteria version")
    changed = page.locator("tr.changed")
    assert changed.count() == 1 and "Changed" in changed.inner_text()
    assert_accessible(page)
    screenshot(page, "committee-criteria-draft")
    page.goto(f"/committee/motions/{committee.screening_motion_id}")
    assert page.get_by_role("heading", level=1).inner_text() == "Screening of a request"
    assert_accessible(page)


def test_the_secretariat_pages_pass_axe(page, live_server, committee):
    sign_in(page, live_server.people.secretariat, live_server.password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Secretariat").click()
    assert_accessible(page)
    screenshot(page, "secretariat-home")
    page.get_by_label("Time limit in seconds").fill("0")
    page.get_by_role("button", name="Start a run").click()
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)
    for path, name in ((f"/secretariat/runs/{committee.run_id}", "secretariat-run"),
                       ("/secretariat/seats", "secretariat-seats"),
                       ("/secretariat/accounts", "secretariat-accounts"),
                       ("/secretariat/imports", "secretariat-import")):
        page.goto(path)
        assert_accessible(page)
        screenshot(page, name)


def test_the_expert_page_passes_axe(page, live_server, committee):
    sign_in(page, EXPERT, live_server.password)
    page.get_by_role("link", name="My roster profile").click()
    assert page.get_by_text("Ingrid Berg (demo)").is_visible()
    page.get_by_label("Available from").fill("2027-09-01")
    page.get_by_label("Available until").fill("2027-10-31")
    page.get_by_role("button", name="Add the window").click()
    assert page.get_by_role("table", name="When you can be deployed").get_by_role("row").count() == 3
    assert_accessible(page)
    screenshot(page, "expert-profile")


def test_the_expert_answers_a_deployment_with_the_keyboard(page, live_server, committee):
    sign_in(page, EXPERT, live_server.password)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My deployments").click()
    assert page.get_by_role("heading", level=2, name="Legal aid clinics in prisons (demo)").is_visible()
    assert page.get_by_text("Not answered yet").is_visible()
    assert_accessible(page)
    screenshot(page, "expert-deployments")

    # Keyboard only: Tab to the decline button and press Enter with no reason; the error
    # summary links to the field; following the link puts the focus in it.
    tab_to(page, "form[action^='/expert/deployments/'] button[value=decline]")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    error = page.get_by_role("alert").get_by_role(
        "link", name="Reason: say why you decline the deployment.")
    assert error.is_visible()
    assert_accessible(page)
    tab_to(page, ".error-summary a")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "TEXTAREA"
    page.keyboard.type("Unavailable in April (demo)")
    page.keyboard.press("Tab")  # past the hint to the decline button
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("status").inner_text().startswith("You declined the deployment.")
    assert page.get_by_text("Unavailable in April (demo)").is_visible()
    assert_accessible(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Accept the deployment").click()
    assert page.get_by_role("status").inner_text() == "You accepted the deployment."
    assert page.get_by_role("button", name="Accept the deployment").count() == 0
    assert_accessible(page)
