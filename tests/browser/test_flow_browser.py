"""The whole flow in a real browser: a State files a request from its recommendations and submits
it; a partner publishes an offer; the committee approves the proposal; the State confirms it; the
public sees the decision and the figures. axe-core runs on every page visited; screenshots of the
main pages go to docs/screenshots/.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, timedelta

import pytest

from tests.browser.conftest import PASSWORD, assert_accessible, screenshot, serve_seeded_app

START = date.today() + timedelta(days=60)
THEME = "Justice"
REQUEST_TITLE = "Legal aid for pre-trial detainees (demo)"
OFFER_TITLE = "Justice sector fund (demo)"


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
        for group, state in {"AFRICAN": "KEN", "APG": "IND", "EEG": "POL", "GRULAC": "BRA",
                             "WEOG": "NOR"}.items():
            member = create_account(session, role=Role.COMMITTEE, name=f"Member {group} (demo)",
                                    email=f"member.{group.lower()}@demo.example.org",
                                    password=PASSWORD, state_code=state, group_code=group)
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


def _secretariat(session):
    from sqlmodel import select

    from facility.auth.actor import Actor
    from facility.auth.models import Account, Role

    return Actor.from_account(session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first())


def committee_approves_proposal(database_url: str, request_title: str) -> None:
    """Screen the request, run the optimiser and approve its proposal, through the governance
    services as the secretariat and the seated members would.

    P-B's committee pages (screening queue, run proposals, voting) replace this helper: once they
    land, this step is driven in the browser like the others.
    """
    from sqlmodel import select

    from facility.auth.actor import Actor
    from facility.auth.models import Account, Role
    from facility.errors import PermissionDenied
    from facility.requests.models import CapacityRequest
    from governance import motions, runs, screening
    from governance.models import MatchProposal, Motion, MotionKind, VoteChoice

    def vote_and_decide(session, motion_id: int) -> None:
        for member in session.exec(select(Account).where(Account.role == Role.COMMITTEE)):
            try:
                motions.cast_vote(session, actor=Actor.from_account(member, seated=True),
                                  motion_id=motion_id, choice=VoteChoice.APPROVE)
            except PermissionDenied:  # recused: the requesting State's or the partner's member
                continue
        motions.decide(session, actor=secretariat, motion_id=motion_id)

    with _session(database_url) as session:
        secretariat = _secretariat(session)
        request = session.exec(select(CapacityRequest).where(CapacityRequest.title == request_title)).one()
        opened = screening.open_screening(session, actor=secretariat, request_id=request.id)
        assert opened.failed_clauses == [], opened.failed_clauses
        vote_and_decide(session, opened.motion_id)
        run = runs.start_run(session, actor=secretariat, time_limit=5)
        session.commit()
        run_id = run.id

    @contextmanager
    def open_session():
        with _session(database_url) as session:
            yield session

    runs.execute_run(open_session, run_id)
    with _session(database_url) as session:
        secretariat = _secretariat(session)
        proposal = session.exec(select(MatchProposal).where(MatchProposal.run_id == run_id,
                                                            MatchProposal.request_id == request.id)).one()
        motion = session.exec(select(Motion).where(Motion.kind == MotionKind.PROPOSAL,
                                                   Motion.subject_id == proposal.id)).one()
        vote_and_decide(session, motion.id)
        session.commit()


def _signed_in(chromium, live_server, email: str):
    context = chromium.new_context(base_url=live_server.url, locale="en-GB",
                                   viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/account/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(live_server.password)
    page.get_by_role("button", name="Sign in").click()
    return context, page


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

    # The committee screens the request, the optimiser proposes, the committee approves.
    committee_approves_proposal(live_server.database_url, REQUEST_TITLE)

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
    assert_accessible(page)
    # Its needs assessment: the recommendations by theme and SDG goal, requests worth filing.
    page.goto("/state/needs")
    assert page.get_by_role("heading", level=1).inner_text() == "Needs assessment"
    assert_accessible(page)
    screenshot(page, "state-needs")
    context.close()

    # The public sees the decision and the figures.
    context = chromium.new_context(base_url=live_server.url, locale="en-GB",
                                   viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto("/decisions")
    row = page.get_by_role("row").filter(has_text=REQUEST_TITLE)
    assert row.filter(has_text="Match approved").count() == 1
    assert row.filter(has_text="Request found eligible").count() == 1
    assert_accessible(page)
    screenshot(page, "flow-decisions")
    page.goto("/")
    assert page.get_by_role("table", name="Requests by regional group").is_visible()
    assert_accessible(page)
    screenshot(page, "flow-home")
    context.close()
