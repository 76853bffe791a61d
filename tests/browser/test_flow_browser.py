"""The whole flow in a real browser: a State files a request from its recommendations and submits
it; a partner publishes an offer; the secretariat opens the screening, committee members vote on it
(the requesting State's member is recused) and the decision is recorded; the secretariat runs the
optimiser and watches the run; members read its proposals and approve the request's match; the
partner and the State confirm it; the public sees the decisions and the figures. axe-core runs on
every page visited, one vote is cast with the keyboard only; screenshots of the main pages go to
the screenshots folder (tests/browser/conftest.py).
"""

from __future__ import annotations

import re
import time
from contextlib import contextmanager
from datetime import date, timedelta

import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, screenshot, serve_seeded_app, tab_to

START = date.today() + timedelta(days=60)
THEME = "Justice"
REQUEST_TITLE = "Legal aid for pre-trial detainees (demo)"
OFFER_TITLE = "Justice sector fund (demo)"
# One seated member per regional group, each from a State of it. Kenya files the request, so the
# African Group's member is recused from its motions; the partner is Norwegian, so the WEOG member
# is recused from the proposal's. The other three make the quorum of three.
MEMBERS = {"AFRICAN": "KEN", "APG": "IND", "EEG": "POL", "GRULAC": "BRA", "WEOG": "NOR"}
VOTERS = ("APG", "EEG", "GRULAC")
RUN_TIME_LIMIT = 5  # seconds the optimiser may take; the flow's instance solves far faster
RUN_WAIT = 60  # seconds the test waits for the run to finish before it fails


def member_email(group: str) -> str:
    return f"member.{group.lower()}@demo.example.org"


@contextmanager
def _session(database_url: str):
    from sqlmodel import Session

    from facility.db import make_engine

    engine = make_engine(database_url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


def _seed_flow(database_url: str, partner_email: str) -> None:
    """Kenya's recommendations, a seated committee, and two consenting experts of the partner."""
    from sqlmodel import select

    from facility.auth.actor import Actor
    from facility.auth.models import Account, Role
    from facility.auth.service import create_account
    from facility.experts import service as experts
    from facility.reference.models import Recommendation, RecommendationTheme, Theme
    from governance.committee import seat_member

    with _session(database_url) as session:
        if session.exec(select(Recommendation).where(Recommendation.source_id == "FLOW-KEN-1")).first():
            return
        theme = session.exec(select(Theme).where(Theme.name == THEME)).one()
        texts = ["Strengthen legal aid for persons in pre-trial detention",
                 "Reduce the length of pre-trial detention and improve access to lawyers",
                 "Train judges on fair-trial guarantees"]
        for i, text in enumerate(texts, start=1):
            rec = Recommendation(source_id=f"FLOW-KEN-{i}", source="upr-info", state_code="KEN",
                                 text=f"{text} (demo)", response="SUPPORTED", year=2022,
                                 recommended_by="Demo State")
            session.add(rec)
            session.flush()
            session.add(RecommendationTheme(recommendation_id=rec.id, theme_id=theme.id))
        secretariat = session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first()
        for group, state in MEMBERS.items():
            member = create_account(session, role=Role.COMMITTEE, name=f"Member {group} (demo)",
                                    email=member_email(group), password=PASSWORD, state_code=state,
                                    group_code=group)
            session.flush()
            seat_member(session, actor=Actor.from_account(secretariat), group_code=group,
                        member_email=member.email)
        partner = Actor.from_account(
            session.exec(select(Account).where(Account.email == partner_email)).one())
        for nationality in ("BRA", "FRA"):
            experts.nominate_expert(session, actor=partner, consent_given=True, fields=experts.ExpertFields(
                name=f"Expert from {nationality} (demo)",
                email=f"expert.{nationality.lower()}@demo.example.org",
                nationality=nationality, themes=[THEME], languages=["en"],
                availability=[(START - timedelta(days=30), START + timedelta(days=400))]))
        session.commit()


def _signed_in(chromium, live_server, email: str):
    context = chromium.new_context(base_url=live_server.url, locale="en-GB",
                                   viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/account/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(live_server.password)
    page.get_by_role("button", name="Sign in").click()
    return context, page


def _main_link(page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def _vote_to_approve(page, *, keyboard: bool = False) -> None:
    """Cast an approving vote on the motion page open in `page`, with the mouse or the keyboard."""
    if keyboard:
        tab_to(page, "#choice-APPROVE")
        page.keyboard.press("Space")
        assert page.get_by_label("Approve").is_checked()
        tab_to(page, "form[action$='/vote'] button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
    else:
        page.get_by_label("Approve").check()
        page.get_by_role("button", name="Cast my vote").click()
    assert page.get_by_text("Your vote so far: APPROVE").is_visible()
    assert_accessible(page)


def _recusal_note(page) -> str:
    """The motion page's notice that the member is recused (and why); fails when it is missing."""
    return page.get_by_role("note").filter(
        has_text="You are recused from this motion and cannot vote.").inner_text()


def _record_the_decision(page) -> None:
    assert "Reached: 3 votes cast, 3 needed" in page.get_by_role("table", name="Tally").inner_text()
    page.get_by_role("button", name="Record the decision").click()
    assert page.get_by_text("Decided: passed.").is_visible()
    assert page.get_by_role("button", name="Record the decision").count() == 0
    assert_accessible(page)


def _wait_for_run(page) -> str:
    """Reload the run's page (it has no script refreshing it) until the run ends; its status."""
    deadline = time.monotonic() + RUN_WAIT
    status = page.get_by_role("status").locator("strong")
    while status.inner_text() in ("Waiting to start", "Running"):
        assert time.monotonic() < deadline, f"the optimiser run did not end within {RUN_WAIT} seconds"
        page.wait_for_timeout(200)
        page.reload()
    return status.inner_text()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """A server of its own: the flow adds a request and decisions, which the public pages' tests
    (figures by regional group) must not see."""
    with serve_seeded_app(tmp_path_factory.mktemp("flow")) as server:
        yield server


@pytest.mark.slow
def test_request_offer_decision_confirmation_and_public_view(chromium, live_server):
    people = live_server.people
    _seed_flow(live_server.database_url, people.partner)

    # A State files a request from its recommendations and submits it.
    context, page = _signed_in(chromium, live_server, people.state)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New request").click()
    assert_accessible(page)
    page.get_by_label("Theme").select_option(label=THEME)
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Choose FLOW-KEN-1").check()
    page.get_by_role("button", name="Keep the ticks of this page").click()
    page.get_by_label("Choose FLOW-KEN-2").check()
    assert page.get_by_label("Choose FLOW-KEN-1").is_checked()
    assert_accessible(page)
    screenshot(page, "state-choose-recommendations")
    page.get_by_role("button", name="Continue with the chosen recommendations").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Describe the request"
    assert page.get_by_label(THEME, exact=True).is_checked()  # pre-filled from the recommendations
    page.get_by_role("button", name="Save the draft").click()  # nothing filled in yet
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert_accessible(page)
    screenshot(page, "state-request-form-errors")
    page.get_by_label("Title", exact=True).fill(REQUEST_TITLE)
    page.get_by_label("What is needed").fill("Legal aid clinics in three prisons (demo)")
    page.get_by_label("Training", exact=True).check()
    page.get_by_label("Earliest start").fill(START.isoformat())
    page.get_by_label("Latest end").fill((START + timedelta(days=120)).isoformat())
    page.get_by_label("Length of the mission in weeks").fill("4")
    page.get_by_label("Experts needed").fill("1")
    page.get_by_label("Estimated budget").fill("45000")
    assert_accessible(page)
    screenshot(page, "state-request-form")
    page.get_by_role("button", name="Save the draft").click()
    assert page.get_by_role("heading", level=1).inner_text() == REQUEST_TITLE
    page.get_by_role("button", name="Submit for screening").click()
    assert page.get_by_role("status").inner_text() == "The request is submitted for screening."
    assert_accessible(page)
    context.close()

    # A partner publishes an offer.
    context, page = _signed_in(chromium, live_server, people.partner)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Requests to support").click()
    assert REQUEST_TITLE in page.content()
    assert_accessible(page)
    screenshot(page, "partner-requests")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My offers").click()
    page.get_by_role("link", name="Create an offer").click()
    page.get_by_label("Title", exact=True).fill(OFFER_TITLE)
    page.get_by_label("Kind of support").select_option(label="Funding")
    page.get_by_label(THEME, exact=True).check()
    page.get_by_label("Budget", exact=True).fill("250000")
    page.get_by_label("Requests it can support").fill("2")
    page.get_by_label("Available from").fill((START - timedelta(days=30)).isoformat())
    page.get_by_label("Available until").fill((START + timedelta(days=365)).isoformat())
    assert_accessible(page)
    screenshot(page, "partner-offer-form")
    page.get_by_role("button", name="Save the draft").click()
    page.get_by_role("button", name=f"Publish {OFFER_TITLE}").click()
    assert page.get_by_role("status").inner_text() == "The offer is published."
    assert page.get_by_role("row", name=OFFER_TITLE).get_by_text("Published").is_visible()
    assert_accessible(page)
    screenshot(page, "partner-offers")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My experts").click()
    assert_accessible(page)
    context.close()

    # The secretariat opens the screening of the new request.
    staff_context, staff = _signed_in(chromium, live_server, people.secretariat)
    _main_link(staff, "Secretariat")
    assert_accessible(staff)
    staff.get_by_role("button", name=f"Open the screening of {REQUEST_TITLE}").click()
    assert staff.get_by_role("heading", level=1).inner_text() == "Screening of a request"
    assert staff.get_by_text("The request meets every clause of the criteria.").is_visible()
    screening_url = staff.url
    assert_accessible(staff)

    # Every member signs in. Kenya's member finds the motion in the queue and is recused from it.
    members = {group: _signed_in(chromium, live_server, member_email(group)) for group in MEMBERS}
    recused = members["AFRICAN"][1]
    _main_link(recused, "Committee")
    assert_accessible(recused)
    recused.get_by_role("row").filter(has_text=REQUEST_TITLE).get_by_role("link").click()
    assert recused.url == screening_url
    assert "is the requesting State" in _recusal_note(recused)
    assert recused.get_by_role("button", name="Cast my vote").count() == 0
    assert recused.get_by_role("button", name="Record the decision").count() == 0
    assert_accessible(recused)
    screenshot(recused, "committee-screening-recused")

    # Three other members vote to approve, the first with the keyboard only.
    for i, group in enumerate(VOTERS):
        member = members[group][1]
        _main_link(member, "Committee")
        assert_accessible(member)
        member.get_by_role("row").filter(has_text=REQUEST_TITLE).get_by_role("link").click()
        assert member.url == screening_url
        assert_accessible(member)
        if i == 0:
            screenshot(member, "committee-screening-vote")
        _vote_to_approve(member, keyboard=i == 0)

    # The secretariat records the decision: the request is eligible.
    staff.reload()
    _record_the_decision(staff)
    screenshot(staff, "secretariat-screening-decided")

    # The secretariat starts an optimiser run and watches it until it ends.
    _main_link(staff, "Secretariat")
    assert_accessible(staff)
    staff.get_by_label("Time limit in seconds").fill(str(RUN_TIME_LIMIT))
    staff.get_by_role("button", name="Start a run").click()
    run_id = int(re.fullmatch(r".*/secretariat/runs/(\d+)", staff.url).group(1))
    assert _wait_for_run(staff) == "Finished"
    assert_accessible(staff)
    screenshot(staff, "secretariat-run-done")

    # A member reads the run's proposals: the request's match, its score breakdown and why.
    voter = members[VOTERS[0]][1]
    _main_link(voter, "Committee")
    assert_accessible(voter)
    voter.get_by_role("link", name=f"Run {run_id}", exact=True).click()
    assert voter.get_by_role("heading", level=1).inner_text() == f"Optimiser run {run_id}"
    match = (voter.get_by_role("table", name="Each proposed match, its score breakdown and why")
             .get_by_role("row").filter(has_text=REQUEST_TITLE))
    assert match.count() == 1, "the run proposes no match for the request"
    cells = [cell.inner_text() for cell in match.get_by_role("cell").all()]
    value, fit, total = (int(re.sub(r"\D", "", cell)) for cell in cells[3:6])
    assert value > 0 and total == value + fit
    assert cells[6].startswith("Funded by offer"), cells[6]
    assert re.search(rf"Value {value} \(base \d+ \+ priority", cells[6]), cells[6]
    assert f"expert fit {fit}." in cells[6]
    assert_accessible(voter)
    screenshot(voter, "flow-committee-run")
    match.get_by_role("link", name=f"Vote on the match for {REQUEST_TITLE}").click()
    assert voter.get_by_role("heading", level=1).inner_text() == "Proposed match"
    proposal_url = voter.url
    assert_accessible(voter)

    # The requesting State's and the partner's State's members are recused from the proposal.
    for group, reason in (("AFRICAN", "is the requesting State"),
                          ("WEOG", "a partner of the member's State")):
        member = members[group][1]
        member.goto(proposal_url)
        assert reason in _recusal_note(member)
        assert_accessible(member)

    # The three others approve; the last of them records the decision: the match is approved.
    for group in VOTERS:
        member = members[group][1]
        if member.url != proposal_url:
            member.goto(proposal_url)
        _vote_to_approve(member)
    screenshot(member, "flow-committee-proposal-vote")
    _record_the_decision(member)
    for context, _page in members.values():
        context.close()
    staff_context.close()

    # The partner confirms the approved proposal.
    context, page = _signed_in(chromium, live_server, people.partner)
    _main_link(page, "Proposals")
    proposal = page.get_by_role("region", name=REQUEST_TITLE)
    assert proposal.get_by_text("Match approved", exact=True).is_visible()
    assert_accessible(page)
    screenshot(page, "partner-proposals")
    proposal.get_by_role("button", name="Confirm the proposal").click()
    assert page.get_by_role("status").inner_text() == "You confirmed the proposal."
    assert "Your organisation confirmed it on" in page.get_by_role("region", name=REQUEST_TITLE).inner_text()
    assert_accessible(page)
    context.close()

    # The State confirms the proposal on its request's page.
    context, page = _signed_in(chromium, live_server, people.state)
    page.goto("/state/requests")
    assert_accessible(page)
    screenshot(page, "state-requests")
    page.get_by_role("link", name=REQUEST_TITLE).click()
    assert page.get_by_role("button", name="Confirm the proposal").is_visible()
    assert_accessible(page)
    screenshot(page, "state-request-proposal")
    page.get_by_role("button", name="Confirm the proposal").click()
    assert page.get_by_role("status").inner_text() == "You confirmed the proposal."
    assert page.get_by_text("Confirmed", exact=True).is_visible()  # both sides: the engagement
    assert_accessible(page)
    # Its needs assessment: the recommendations by theme and SDG goal, requests worth filing.
    page.goto("/state/needs")
    assert page.get_by_role("heading", level=1).inner_text() == "Needs assessment"
    assert_accessible(page)
    screenshot(page, "state-needs")
    context.close()

    # The public sees the decision and the figures.
    context = chromium.new_context(base_url=live_server.url, locale="en-GB",
                                   viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto("/decisions")
    row = page.get_by_role("row").filter(has_text=REQUEST_TITLE)
    assert row.filter(has_text="Match approved").count() == 1
    assert row.filter(has_text="Request found eligible").count() == 1
    assert_accessible(page)
    screenshot(page, "flow-decisions")
    page.goto("/")
    assert page.get_by_role("table", name="Requests by regional group").is_visible()
    # Kenya's request is the one of the African Group's four that led to an engagement.
    funded = page.get_by_role("table", name="Demand funded").get_by_role("row", name="African Group")
    assert "25% (1 of 4)" in funded.inner_text()
    assert_accessible(page)
    screenshot(page, "flow-home")
    context.close()
