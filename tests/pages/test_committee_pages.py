"""The committee's pages: who may open them, the screening queue, voting and recusal, a run's
proposals, criteria drafts; nothing stored on a refusal; a fixed number of statements."""

from __future__ import annotations

import html
import re

import pytest
from sqlmodel import func, select

from facility.audit import AuditEntry
from facility.auth.models import Role
from governance.models import CriteriaSet, Motion, MotionKind, Recusal, Vote
from tests.api.test_query_cost import counted
from tests.pages.committee_world import World, add_request, add_run_with_proposals, world_fixture  # noqa: F401
from tests.pages.conftest import csrf_of

MEMBER_PAGES = ["/committee", "/committee/criteria", "/committee/criteria/new",
                "/committee/criteria/1"]


def _count(db, model, *where) -> int:
    return db.exec(select(func.count()).select_from(model).where(*where)).one()


def _motion_pages(world: World) -> list[str]:
    return [f"/committee/motions/{world.screening_motion.id}",
            f"/committee/motions/{world.proposal_motion.id}", f"/committee/runs/{world.run.id}"]


# Who may open the pages ----------------------------------------------------------------------

def test_anonymous_visitors_are_sent_to_sign_in(browser, world):
    for path in MEMBER_PAGES + _motion_pages(world):
        response = browser.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/account/sign-in?next=/committee"), path


@pytest.mark.parametrize("role", [Role.STATE, Role.PARTNER, Role.EXPERT])
def test_other_roles_get_a_403_page(browser, world, person, role):
    browser.sign_in(person(role).email)
    for path in MEMBER_PAGES + _motion_pages(world):
        response = browser.get(path)
        assert response.status_code == 403, path
        assert "Not available to your account" in response.text


def test_a_committee_account_without_a_seat_gets_a_403_page(browser, world):
    browser.sign_in(world.former_member.email)
    for path in MEMBER_PAGES + _motion_pages(world):
        assert browser.get(path).status_code == 403, path
    assert ">Committee</a>" not in browser.get("/").text  # no link to pages it cannot open


def test_the_secretariat_opens_motions_and_runs_but_not_the_members_pages(browser, world):
    browser.sign_in(world.secretariat.email)
    for path in _motion_pages(world):
        assert browser.get(path).status_code == 200, path
    assert browser.get("/committee").status_code == 403
    assert browser.get("/committee/criteria/new").status_code == 403
    listing = browser.get("/committee/criteria")
    assert listing.status_code == 200 and "Start a new draft" not in listing.text
    version = browser.get("/committee/criteria/1").text
    assert "Save the draft" not in version and "Put this draft" not in version
    page = browser.get(f"/committee/motions/{world.proposal_motion.id}").text
    assert "Cast my vote" not in page and "Record the decision" in page


def test_an_unknown_motion_or_run_is_not_found(browser, world):
    browser.sign_in(world.india_member.email)
    assert browser.get("/committee/motions/999999").status_code == 404
    assert browser.get("/committee/runs/999999").status_code == 404
    assert browser.get("/committee/criteria/999").status_code == 404


# The screening queue and its motion -----------------------------------------------------------

def test_the_queue_shows_each_request_with_the_clauses_it_fails(browser, world):
    browser.sign_in(world.india_member.email)
    page = browser.get("/committee")
    assert page.status_code == 200
    assert world.kenya_request.title in page.text
    assert "<strong>Budget ceiling</strong>" in page.text and "eligibility.budget_ceiling" not in page.text
    assert "budget 900,000 is above the ceiling of 250,000" in page.text
    assert f'href="/committee/motions/{world.screening_motion.id}"' in page.text


def test_a_member_votes_on_a_screening_and_sees_the_tally(browser, world, db_session):
    browser.sign_in(world.india_member.email)
    path = f"/committee/motions/{world.screening_motion.id}"
    response = browser.submit(path, f"{path}/vote", {"choice": "REJECT",
                                                     "comment": "Over the budget ceiling"})
    assert response.status_code == 303 and response.headers["location"] == path
    votes = list(db_session.exec(select(Vote).where(Vote.motion_id == world.screening_motion.id)))
    assert [(v.choice, v.comment) for v in votes] == [("REJECT", "Over the budget ceiling")]
    assert _count(db_session, AuditEntry, AuditEntry.action == "vote.cast") == 1
    page = browser.get(path).text
    assert "Your vote so far: Reject" in page
    assert "Not reached: 1 vote cast, 3 needed" in page


def test_the_recused_member_sees_why_and_cannot_vote(browser, world, db_session):
    browser.sign_in(world.kenya_member.email)
    path = f"/committee/motions/{world.screening_motion.id}"
    page = browser.get(path)
    assert "You are recused from this motion and cannot vote." in page.text
    assert "Recused automatically:" in page.text
    assert "the member&#39;s State (KEN) is the requesting State" in page.text
    assert "Cast my vote" not in page.text and "Record the decision" not in page.text
    response = browser.http.post(f"{path}/vote", data={"csrf_token": csrf_of(page.text),
                                                       "choice": "APPROVE"})
    assert response.status_code == 403
    assert _count(db_session, Vote) == 0


def test_declaring_a_recusal_needs_a_reason(browser, world, db_session):
    browser.sign_in(world.india_member.email)
    path = f"/committee/motions/{world.proposal_motion.id}"
    before = _count(db_session, Recusal)
    response = browser.submit(path, f"{path}/recuse", {"reason": "  "})
    assert response.status_code == 422
    assert 'href="#reason"' in response.text
    assert "Reason for recusal: say why you recuse yourself." in response.text
    assert _count(db_session, Recusal) == before
    response = browser.submit(path, f"{path}/recuse", {"reason": "I advised the partner in 2025"})
    assert response.status_code == 303
    page = browser.get(path).text
    assert "You declared:" in page and "I advised the partner in 2025" in page
    assert "Cast my vote" not in page


def test_a_vote_without_a_choice_is_refused_and_nothing_stored(browser, world, db_session):
    browser.sign_in(world.india_member.email)
    path = f"/committee/motions/{world.proposal_motion.id}"
    response = browser.submit(path, f"{path}/vote", {"choice": "MAYBE", "comment": "keep me"})
    assert response.status_code == 422
    assert "Your vote: choose approve, reject or abstain." in response.text
    assert "keep me" in response.text  # the comment is not lost
    assert _count(db_session, Vote) == 0


def test_a_vote_without_the_csrf_token_is_refused(browser, world, db_session):
    browser.sign_in(world.india_member.email)
    path = f"/committee/motions/{world.proposal_motion.id}"
    response = browser.http.post(f"{path}/vote", data={"choice": "APPROVE"})
    assert response.status_code == 403 and "This form has expired" in response.text
    response = browser.http.post(f"{path}/vote", data={"choice": "APPROVE", "csrf_token": "x" * 40})
    assert response.status_code == 403
    assert _count(db_session, Vote) == 0


def test_deciding_before_the_quorum_says_so_and_changes_nothing(browser, world, db_session):
    browser.sign_in(world.india_member.email)
    path = f"/committee/motions/{world.proposal_motion.id}"
    response = browser.submit(path, f"{path}/decide", {"reasons": ""})
    assert response.status_code == 409
    assert "quorum not reached: 0 of the 3 non-recused votes needed" in response.text
    assert db_session.get(Motion, world.proposal_motion.id).status == "OPEN"


# A run's proposals ---------------------------------------------------------------------------

def test_the_run_page_explains_each_proposal_the_unmatched_and_fairness(browser, world):
    browser.sign_in(world.india_member.email)
    page = browser.get(f"/committee/runs/{world.run.id}").text
    proposal = world.proposal
    assert "value 130 = base 100 + priority 20 + waiting 10" in page
    assert f'<td class="num">{proposal.value:,}</td>' in page and '<td class="num">7</td>' in page
    assert f'<td class="num">{proposal.value + 7}</td>' in page
    assert f'href="/committee/motions/{world.proposal_motion.id}"' in page
    assert "Request BRA-3 (demo)" in page and "the offer&#39;s window ends before the mission" in page
    assert re.search(r"Latin American and Caribbean Group</td><td class=\"num\">1</td>"
                     r"<td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">1 "
                     r"<strong>below the floor</strong>", page)


def test_a_failed_run_says_it_failed_and_never_that_nothing_was_left_unmatched(
        browser, world, db_session):
    from governance.models import OptimiserRun, RunStatus

    failed = OptimiserRun(criteria_version=1, time_limit=5, started_by_id=world.secretariat.id,
                          status=RunStatus.FAILED, error="InstanceError: fixed[8] (demo)")
    db_session.add(failed)
    db_session.flush()
    browser.sign_in(world.india_member.email)
    page = browser.get(f"/committee/runs/{failed.id}").text
    assert "This run failed" in page and "InstanceError: fixed[8] (demo)" in page
    assert "proposed no new match" not in page
    assert "Requests left unmatched" not in page and "None" not in page


def test_the_run_page_lists_the_agreed_matches_it_carried_and_what_no_longer_holds(
        browser, world, db_session):
    from facility.offers.models import Offer, OfferStatus

    offer = db_session.get(Offer, world.proposal.offer_id)
    offer.status = OfferStatus.CLOSED
    world.run.carried = [
        {"proposal": world.proposal.id, "request": world.proposal.request_id, "offer": offer.id,
         "criteria_version": 1, "holds": "MATCH", "budget": 40_000, "experts": [],
         "dates": ["2027-02-01", "2027-06-30"],
         "problems": [{"cause": "offer_not_open", "subject": offer.id}]},
        {"proposal": world.proposal.id, "request": world.proposal.request_id, "offer": offer.id,
         "criteria_version": 1, "holds": "BUDGET", "budget": 25_000, "experts": [], "dates": None,
         "problems": []}]
    db_session.add_all([offer, world.run])
    db_session.flush()
    browser.sign_in(world.india_member.email)
    page = html.unescape(browser.get(f"/committee/runs/{world.run.id}").text)
    assert "Matches already agreed" in page
    assert "its experts from February 1, 2027 to June 30, 2027" in page
    assert "Completed: only the $25,000 it spent" in page
    assert (f'No longer holds as agreed:</strong><ul><li>the offer "{offer.title}" is no longer '
            "open (closed)") in page


def test_voting_on_a_proposal_from_the_run_page(browser, world, db_session):
    browser.sign_in(world.india_member.email)
    path = f"/committee/motions/{world.proposal_motion.id}"
    response = browser.submit(path, f"{path}/vote", {"choice": "APPROVE", "comment": ""})
    assert response.status_code == 303
    assert [v.choice for v in db_session.exec(select(Vote))] == ["APPROVE"]


# Criteria drafts -----------------------------------------------------------------------------

def _criteria_form(db_session, **changes) -> dict:
    from facility.web.committee import _as_text, flatten

    body = db_session.exec(select(CriteriaSet).where(CriteriaSet.version == 1)).one().body
    values = {path: _as_text(value) for path, value in flatten(body)}
    return {"title": "Lower ceiling", "notes": "", **values, **changes}


def test_a_bad_draft_names_the_field_and_stores_nothing(browser, world, db_session):
    browser.sign_in(world.india_member.email)
    data = _criteria_form(db_session, **{"body.voting.quorum": "9",
                                         "body.eligibility.max_weeks": "many"})
    response = browser.submit("/committee/criteria/new", "/committee/criteria", data)
    assert response.status_code == 422
    assert 'href="#body-eligibility-max_weeks"' in response.text
    assert "body.eligibility.max_weeks: enter a number" in response.text
    response = browser.submit("/committee/criteria/new", "/committee/criteria",
                              _criteria_form(db_session, **{"body.voting.quorum": "9"}))
    assert response.status_code == 422
    assert 'href="#body-voting-quorum"' in response.text and "less than or equal to 5" in response.text
    response = browser.submit("/committee/criteria/new", "/committee/criteria",
                              _criteria_form(db_session, title=" "))
    assert response.status_code == 422 and "Title: give the draft a title." in response.text
    assert _count(db_session, CriteriaSet) == 1


def test_draft_compare_edit_conflict_and_propose(browser, world, db_session):
    browser.sign_in(world.india_member.email)
    response = browser.submit("/committee/criteria/new", "/committee/criteria", _criteria_form(
        db_session, **{"body.eligibility.budget_ceiling": "150000"}))
    assert response.status_code == 303 and response.headers["location"] == "/committee/criteria/2"
    page = browser.get("/committee/criteria/2").text
    changed = re.findall(r'<tr class="changed">.*?<code>([^<]+)</code>', page, re.S)
    assert changed == ["eligibility.budget_ceiling"]
    assert page.count("<strong>Changed</strong>") == 1  # in words, not only by colour

    stale = {**_criteria_form(db_session, **{"body.voting.quorum": "4"}), "row_version": "1"}
    assert browser.submit("/committee/criteria/2", "/committee/criteria/2", stale).status_code == 303
    response = browser.submit("/committee/criteria/2", "/committee/criteria/2", stale)
    assert response.status_code == 409
    assert "was changed by someone else" in response.text
    draft = db_session.exec(select(CriteriaSet).where(CriteriaSet.version == 2)).one()
    assert draft.body["voting"]["quorum"] == 4 and draft.row_version == 2

    response = browser.submit("/committee/criteria/2", "/committee/criteria/2/propose", {})
    assert response.status_code == 303
    motion = db_session.exec(select(Motion).where(Motion.kind == MotionKind.CRITERIA)).one()
    assert response.headers["location"] == f"/committee/motions/{motion.id}"
    page = browser.get("/committee/criteria/2").text
    assert "Being voted on" in page and "Save the draft" not in page


def test_drafts_are_not_shown_to_the_public(browser, world, db_session):
    browser.sign_in(world.india_member.email)
    browser.submit("/committee/criteria/new", "/committee/criteria", _criteria_form(db_session))
    browser.http.cookies.clear()
    assert browser.get("/committee/criteria/2").status_code == 303
    assert "Lower ceiling" not in browser.get("/criteria").text


# A fixed number of statements per page ---------------------------------------------------------

def _statements(browser, db_session, path: str) -> list[str]:
    browser.get(path)
    # Cold: rows the test itself loaded would otherwise be served from the session's identity
    # map, or not, as the garbage collector happens to drop them (a flaky count).
    db_session.expunge_all()
    with counted(db_session) as statements:
        assert browser.get(path).status_code == 200, path
    return statements


def test_each_committee_page_costs_the_same_statements_whatever_the_data(browser, world, db_session,
                                                                         person, offers_of):
    from facility.auth.actor import Actor
    from governance import screening

    browser.sign_in(world.india_member.email)
    paths = ["/committee", "/committee/criteria", "/committee/criteria/1", *_motion_pages(world)]
    small = {path: _statements(browser, db_session, path) for path in paths}
    state = person(Role.STATE, state_code="GHA")
    offer = offers_of(1, partner="Other partner")[0]
    more = [add_request(db_session, state, "GHA", 10 + n) for n in range(30)]
    for request in more[:15]:
        screening.open_screening(db_session, actor=Actor.from_account(world.secretariat),
                                 request_id=request.id)
    add_run_with_proposals(db_session, world.secretariat, more[15:], offer.id, more[:5])
    db_session.flush()
    for path in paths:
        large = _statements(browser, db_session, path)
        assert len(large) == len(small[path]), "\n".join([path, "small:", *small[path], "large:", *large])
        # A proposal's motion reads the most: the request in full and the named experts.
        assert len(large) <= 22, "\n".join([path, *large])


def test_the_run_page_costs_the_same_with_many_proposals(browser, world, db_session, person, offers_of):
    browser.sign_in(world.india_member.email)
    state = person(Role.STATE, state_code="GHA")
    offer = offers_of(1, partner="Other partner")[0]
    few, _ = add_run_with_proposals(db_session, world.secretariat,
                                    [add_request(db_session, state, "GHA", n) for n in range(2)],
                                    offer.id, [add_request(db_session, state, "GHA", 90)])
    many, _ = add_run_with_proposals(
        db_session, world.secretariat, [add_request(db_session, state, "GHA", 10 + n) for n in range(40)],
        offer.id, [add_request(db_session, state, "GHA", 100 + n) for n in range(20)])
    db_session.flush()
    small = _statements(browser, db_session, f"/committee/runs/{few.id}")
    large = _statements(browser, db_session, f"/committee/runs/{many.id}")
    assert len(large) == len(small), "\n".join(["small:", *small, "large:", *large])
