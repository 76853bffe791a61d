"""Success stories on pages, every step: the secretariat proposes from a submitted report and
publishes; the State reads the story as the public would, consents, declines with a reason or
withdraws its consent; another State, a partner or an expert is refused."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import select

from facility.auth.models import Role
from facility.engagements.models import EngagementStatus, FollowUpReport, ReportKind
from facility.notifications.models import Notification
from facility.stories.models import StoryStatus, SuccessStory
from facility.timeutil import utcnow
from tests.api.test_query_cost import counted
from tests.pages.test_partner_engagements_page import Funder, funder_fixture  # noqa: F401

STORY = {"title": "Judges trained in three regions",
         "summary": "The judicial academy adopted a curriculum on fair trials.",
         "parts": "INDICATORS"}


def _submitted(db, f: Funder, title: str = "Judicial training (story)") -> FollowUpReport:
    engagement = f.engagement([f.expert("Awa Diop")], title=title,
                              status=EngagementStatus.COMPLETED)
    report = FollowUpReport(
        engagement_id=engagement.id, kind=ReportKind.TWELVE_MONTHS, due_date=date(2028, 4, 28),
        submitted_at=utcnow(), first_submitted_at=utcnow(), on_time=True,
        indicators=[{"type": "PROCESS", "name": "Judges trained", "unit": "persons",
                     "baseline": "0", "target": "120", "current": "120"}],
        narrative="The minister's private remarks.")
    db.add(report)
    db.flush()
    return report


@pytest.fixture
def staff(person):
    return person(Role.SECRETARIAT)


def _story(db) -> SuccessStory:
    db.expire_all()
    return db.exec(select(SuccessStory).order_by(SuccessStory.id.desc())).first()


def test_propose_consent_publish_then_withdraw_through_the_pages(browser, funder, staff, db_session):
    f = funder()
    report = _submitted(db_session, f)
    browser.sign_in(staff.email)
    listing = browser.get("/secretariat/stories").text
    assert (f'<a href="/secretariat/stories/new?report={report.id}">Propose a story from '
            "“Judicial training (story)”</a>") in listing
    form = f"/secretariat/stories/new?report={report.id}"
    refused = browser.submit(form, "/secretariat/stories",
                             {"report_id": report.id, "title": " ", "summary": "", "parts": "NARRATIVE"})
    assert refused.status_code == 422
    assert "Title: this is required." in refused.text
    assert "Summary for the public: this is required." in refused.text
    assert 'value="NARRATIVE" checked' in refused.text  # the form keeps what was ticked
    assert _story(db_session) is None

    done = browser.submit(form, "/secretariat/stories", {"report_id": report.id, **STORY})
    assert done.status_code == 303
    story = _story(db_session)
    assert done.headers["location"] == f"/secretariat/stories/{story.id}?done=proposed"
    assert (story.status, story.parts) == (StoryStatus.PROPOSED, ["INDICATORS"])
    notices = db_session.exec(select(Notification).where(Notification.story_id == story.id)).all()
    assert [n.account_id for n in notices] == [f.state.id]  # the State's mission, once
    again = browser.submit(form, "/secretariat/stories", {"report_id": report.id, **STORY})
    assert again.status_code == 409
    page = browser.get(f"/secretariat/stories/{story.id}").text
    assert "Waiting for the State" in page and "Publish the story" not in page

    # The State reads it as the public would: the parts it shows, nothing else.
    browser.sign_in(f.state.email)
    assert f'<a href="/state/stories/{story.id}">{STORY["title"]}</a>' in browser.get("/state/stories").text
    page = browser.get(f"/state/stories/{story.id}").text
    assert STORY["summary"] in page and "Judges trained" in page
    assert "private remarks" not in page and "Awa Diop" not in page
    consented = browser.submit(f"/state/stories/{story.id}", f"/state/stories/{story.id}/consent",
                               {"row_version": story.row_version})
    assert consented.status_code == 303
    assert _story(db_session).status == StoryStatus.CONSENTED
    assert browser.get("/stories").text.count(STORY["title"]) == 0  # not published yet

    browser.sign_in(staff.email)
    published = browser.submit(f"/secretariat/stories/{story.id}",
                               f"/secretariat/stories/{story.id}/publish",
                               {"row_version": _story(db_session).row_version})
    assert published.status_code == 303
    assert _story(db_session).status == StoryStatus.PUBLISHED
    assert STORY["title"] in browser.get("/stories").text

    browser.sign_in(f.state.email)
    withdrawn = browser.submit(f"/state/stories/{story.id}", f"/state/stories/{story.id}/withdraw",
                               {"reason": "Wait for the second report"})
    assert withdrawn.status_code == 303
    assert _story(db_session).status == StoryStatus.WITHDRAWN
    assert STORY["title"] not in browser.get("/stories").text


def test_the_state_declines_with_a_reason_the_secretariat_reads(browser, funder, staff, db_session):
    f = funder()
    report = _submitted(db_session, f)
    browser.sign_in(staff.email)
    browser.submit(f"/secretariat/stories/new?report={report.id}", "/secretariat/stories",
                   {"report_id": report.id, **STORY})
    story = _story(db_session)
    browser.sign_in(f.state.email)
    page = f"/state/stories/{story.id}"
    refused = browser.submit(page, f"{page}/decline", {"reason": "  "})
    assert refused.status_code == 422
    assert "Reason: say why the State declines publication." in refused.text
    assert _story(db_session).status == StoryStatus.PROPOSED
    assert browser.submit(page, f"{page}/decline", {"reason": "Not before the elections"}
                          ).status_code == 303
    assert _story(db_session).status == StoryStatus.DECLINED
    assert browser.submit(page, f"{page}/consent", {}).status_code == 409  # answered already
    browser.sign_in(staff.email)
    staff_page = browser.get(f"/secretariat/stories/{story.id}").text
    assert "Not before the elections" in staff_page and "Publish the story" not in staff_page


def test_other_states_partners_and_experts_are_refused(browser, funder, staff, db_session, person):
    f = funder()
    report = _submitted(db_session, f)
    browser.sign_in(staff.email)
    browser.submit(f"/secretariat/stories/new?report={report.id}", "/secretariat/stories",
                   {"report_id": report.id, **STORY})
    story = _story(db_session)
    ghana = person(Role.STATE, state_code="GHA")
    browser.sign_in(ghana.email)
    assert browser.get(f"/state/stories/{story.id}").status_code == 404
    assert STORY["title"] not in browser.get("/state/stories").text
    token_page = "/state/stories"
    for step in ("consent", "decline", "withdraw"):
        assert browser.submit(token_page, f"/state/stories/{story.id}/{step}",
                              {"reason": "x"}).status_code == 404
    assert _story(db_session).status == StoryStatus.PROPOSED
    for role in (Role.PARTNER, Role.EXPERT, Role.COMMITTEE):
        browser.sign_in(person(role).email)
        for path in ("/state/stories", f"/state/stories/{story.id}", "/secretariat/stories",
                     f"/secretariat/stories/{story.id}", f"/secretariat/stories/new?report={report.id}"):
            assert browser.get(path).status_code == 403, (role, path)
    # Published, it is public, but still not on another State's answering pages.
    browser.sign_in(f.state.email)
    browser.submit(f"/state/stories/{story.id}", f"/state/stories/{story.id}/consent", {})
    browser.sign_in(staff.email)
    browser.submit(f"/secretariat/stories/{story.id}", f"/secretariat/stories/{story.id}/publish", {})
    browser.sign_in(ghana.email)
    assert browser.get(f"/state/stories/{story.id}").status_code == 404


def test_the_story_lists_cost_the_same_statements_whatever_their_length(browser, funder, staff,
                                                                        db_session):
    f = funder()

    def statements(account, path: str) -> list[str]:
        browser.sign_in(account.email)
        browser.get(path)
        db_session.expunge_all()
        with counted(db_session) as seen:
            assert browser.get(path).status_code == 200
        return seen

    def add(n: int) -> None:
        for i in range(n):
            report = _submitted(db_session, f, title=f"Engagement {n}-{i}")
            if i % 2:
                browser.sign_in(staff.email)
                browser.submit(f"/secretariat/stories/new?report={report.id}", "/secretariat/stories",
                               {"report_id": report.id, **STORY})

    add(2)
    small = {p: statements(a, p) for a, p in ((staff, "/secretariat/stories"), (f.state, "/state/stories"))}
    add(8)
    for account, path in ((staff, "/secretariat/stories"), (f.state, "/state/stories")):
        large = statements(account, path)
        assert len(large) == len(small[path]) and len(large) <= 12, "\n".join([path, *large])
