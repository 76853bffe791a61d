"""Each role lands, after signing in, on a page of what awaits it (/todo), with links to act;
a step taken leaves the list, another account's steps never show, and the page costs the same
statements whatever the number of steps."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from facility.auth.actor import Actor
from facility.auth.models import Account, Role
from facility.engagements.models import EngagementStatus, FollowUpReport, ReportKind
from facility.stories import service as stories
from facility.timeutil import today_is, utcnow
from governance import screening
from governance.models import MatchProposal, ProposalStatus
from tests.api.test_query_cost import counted
from tests.pages.committee_world import World, add_request, world_fixture  # noqa: F401
from tests.pages.test_partner_engagements_page import Funder, _answer, funder_fixture  # noqa: F401

PAGE = "/todo"


def _statements(browser, db_session) -> list[str]:
    browser.get(PAGE)
    db_session.expunge_all()  # measured cold (the identity map is not deterministic)
    with counted(db_session) as seen:
        assert browser.get(PAGE).status_code == 200
    return seen


def _approved(db, f: Funder, engagement_team, title: str) -> MatchProposal:
    """An approved match of a new Kenyan request on the funder's offer (awaiting both sides)."""
    engagement = f.engagement(engagement_team, title=title)
    proposal = db.get(MatchProposal, engagement.proposal_id)
    db.delete(engagement)
    db.flush()
    proposal.status = ProposalStatus.APPROVED
    db.add(proposal)
    db.flush()
    return proposal


@pytest.mark.parametrize("role", list(Role))
def test_every_role_lands_on_what_awaits_it(browser, person, role):
    account = person(role)
    response = browser.sign_in(account.email)
    assert response.status_code == 303 and response.headers["location"] == PAGE
    page = browser.get(PAGE)
    assert page.status_code == 200 and "<h1>What awaits you</h1>" in page.text
    assert 'href="/todo"' in page.text  # linked in the header, on every page
    # A sign-in that asked for a page still goes there.
    assert browser.sign_in(account.email, next="/account").headers["location"] == "/account"


def test_anonymous_callers_are_sent_to_sign_in(browser):
    assert browser.get(PAGE).headers["location"] == "/account/sign-in?next=/todo"


def test_the_committee_sees_the_votes_it_may_cast(browser, world: World, db_session):
    browser.sign_in(world.india_member.email)
    page = browser.get(PAGE).text
    assert "Screenings and votes open <span class=\"count\">(2)</span>" in page
    assert (f'<a href="/committee/motions/{world.screening_motion.id}">Screening of '
            f'“{world.kenya_request.title}” (Kenya)</a>') in page
    assert f'href="/committee/motions/{world.proposal_motion.id}">Proposed match for “' in page
    assert page.count("your vote is awaited") == 2
    browser.submit(f"/committee/motions/{world.screening_motion.id}",
                   f"/committee/motions/{world.screening_motion.id}/vote",
                   {"choice": "APPROVE", "comment": ""})
    page = browser.get(PAGE).text
    assert page.count("your vote is awaited") == 1
    assert "you voted; you may change your vote until the decision" in page

    # Kenya's member is recused on Kenya's request: only the proposed match awaits them.
    browser.sign_in(world.kenya_member.email)
    page = browser.get(PAGE).text
    assert "(1)</span>" in page and world.kenya_request.title not in page
    # A former member holds no seat: nothing to vote on.
    browser.sign_in(world.former_member.email)
    page = browser.get(PAGE).text
    assert "You hold no seat on the committee now" in page and "/committee/motions/" not in page
    assert "En quoi vous êtes attendu" not in page
    assert "Vous ne siégez pas" in browser.get(PAGE + "?lang=fr").text


def test_the_secretariat_sees_runs_screenings_to_open_and_stories_to_publish(
        browser, world: World, db_session, person):
    browser.sign_in(world.secretariat.email)
    page = browser.get(PAGE).text
    assert f'href="/committee/runs/{world.run.id}">Proposals of optimiser run {world.run.id}</a>' in page
    assert "Every submitted request is being screened or was screened." in page
    ghana = person(Role.STATE, state_code="GHA")
    waiting = add_request(db_session, ghana, "GHA", 7)
    page = browser.get(PAGE).text
    assert f"Put “{waiting.title}” (Ghana) to screening" in page
    screening.open_screening(db_session, actor=Actor.from_account(world.secretariat),
                             request_id=waiting.id)
    assert waiting.title not in browser.get(PAGE).text  # put to screening: no longer waiting


def test_state_partner_and_expert_each_see_their_own_steps(browser, funder, db_session, person):
    f = funder()
    other = funder("Another partner")
    expert = f.expert("Awa Diop", linked=True)
    colleague = f.expert("Jean Dupont", linked=True)
    engagement = f.engagement([expert, colleague], title="Judges' training (todo)")
    proposal = _approved(db_session, f, [expert], "Prison monitoring (todo)")
    expert_account = db_session.get(Account, expert.account_id)

    # The expert: two deployments asked of them? One: the engagement they are on.
    browser.sign_in(expert_account.email)
    page = browser.get(PAGE).text
    assert (f'<a href="/expert/deployments#deployment-{engagement.id}">Accept or decline the '
            "deployment on “Judges&#39; training (todo)” (Kenya)</a>") in page
    _answer(db_session, expert, engagement, accept=False, reason="Unavailable in April")
    assert "Every deployment of yours is answered." in browser.get(PAGE).text

    # The partner: the match to confirm and the expert to replace; not another partner's.
    browser.sign_in(f.account.email)
    page = browser.get(PAGE).text
    assert (f'<a href="/partner/proposals#proposal-{proposal.id}">Confirm or decline the match '
            "for “Prison monitoring (todo)” (Kenya)</a>") in page
    assert (f'<a href="/partner/engagements#engagement-{engagement.id}">Replace the expert on '
            "“Judges&#39; training (todo)” (Kenya)</a>") in page
    assert "1 expert declined" in page and "Unavailable" not in page
    browser.sign_in(other.account.email)
    page = browser.get(PAGE).text
    assert "todo)" not in page and "No match awaits your confirmation." in page

    # The State: the match to confirm; confirming takes it off the list (the partner's stays).
    browser.sign_in(f.state.email)
    page = browser.get(PAGE).text
    link = f'/state/requests/{proposal.request_id}#proposal-{proposal.id}'
    assert f'<a href="{link}">Confirm or decline the match for “Prison monitoring (todo)”' in page
    done = browser.submit(f"/state/requests/{proposal.request_id}",
                          f"/state/proposals/{proposal.id}/confirm", {})
    assert done.status_code == 303
    assert "No match awaits your confirmation." in browser.get(PAGE).text
    browser.sign_in(f.account.email)
    assert "Prison monitoring (todo)" in browser.get(PAGE).text
    # Another State sees none of Kenya's steps.
    browser.sign_in(person(Role.STATE, state_code="GHA").email)
    assert "todo)" not in browser.get(PAGE).text


def test_the_state_sees_reports_due_and_stories_to_consent(browser, funder, db_session):
    f = funder()
    engagement = f.engagement([f.expert("Awa Diop")], title="Judges' training (report)",
                              status=EngagementStatus.COMPLETED)
    report = FollowUpReport(engagement_id=engagement.id, kind=ReportKind.TWELVE_MONTHS,
                            due_date=date(2028, 4, 28))
    done = FollowUpReport(engagement_id=engagement.id, kind=ReportKind.TWENTY_FOUR_MONTHS,
                          due_date=date(2029, 4, 28), submitted_at=utcnow(),
                          first_submitted_at=utcnow(), on_time=True)
    db_session.add_all([report, done])
    db_session.flush()
    browser.sign_in(f.state.email)
    with today_is(date(2028, 3, 1)):
        page = browser.get(PAGE).text
    assert (f'<a href="/state/reports/{report.id}">File the follow-up report on “Judges&#39; '
            "training (report)”</a>") in page
    assert "12-month report, due on April 28, 2028" in page and page.count("/state/reports/") == 1
    with today_is(date(2028, 5, 1)):
        assert "Overdue since April 28, 2028" in browser.get(PAGE).text

    staff = db_session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first() \
        or f.person(Role.SECRETARIAT)
    story = stories.propose_story(db_session, actor=Actor.from_account(staff), report_id=done.id,
                                  title="Judges trained", summary="A curriculum adopted.", parts=[])
    page = browser.get(PAGE).text
    assert (f'<a href="/state/stories/{story.id}">Read the story “Judges trained” and consent '
            "or decline</a>") in page
    stories.consent_to_story(db_session, actor=Actor.from_account(f.state), story_id=story.id)
    assert "No success story awaits you." in browser.get(PAGE).text
    # Consented: now it is the secretariat's to publish.
    browser.sign_in(staff.email)
    assert (f'<a href="/secretariat/stories/{story.id}">Publish the story “Judges trained” '
            "(Kenya)</a>") in browser.get(PAGE).text


def test_each_role_s_page_costs_the_same_statements_whatever_awaits_it(browser, funder, world,
                                                                         db_session, person):
    f = funder()
    expert = f.expert("Awa Diop", linked=True)
    accounts = {"state": f.state, "partner": f.account,
                "expert": db_session.get(Account, expert.account_id),
                "committee": world.india_member, "secretariat": world.secretariat}

    def add_steps(n: int) -> None:
        for i in range(n):
            engagement = f.engagement([expert], title=f"Engagement {n}-{i}")
            db_session.add(FollowUpReport(engagement_id=engagement.id, kind=ReportKind.TWELVE_MONTHS,
                                          due_date=date(2028, 4, 28)))
            _approved(db_session, f, [expert], f"Match {n}-{i}")
            ghana = person(Role.STATE, state_code="GHA")
            request = add_request(db_session, ghana, "GHA", 100 * n + i)
            if i % 2:
                screening.open_screening(db_session, actor=Actor.from_account(world.secretariat),
                                         request_id=request.id)
        db_session.flush()

    def measure() -> dict[str, list[str]]:
        seen = {}
        for name, account in accounts.items():
            browser.sign_in(account.email)
            seen[name] = _statements(browser, db_session)
        return seen

    add_steps(1)
    small = measure()
    add_steps(6)
    large = measure()
    for name in accounts:
        assert len(large[name]) == len(small[name]), "\n".join([name, *small[name], "--", *large[name]])
        assert len(large[name]) <= 9, "\n".join([name, *large[name]])
