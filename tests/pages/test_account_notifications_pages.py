"""Every account's notifications page: its own notices only, marked read one by one."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from facility.auth.models import Role
from facility.notifications.models import Notification, NotificationKind
from tests.api.test_query_cost import counted


def _notice(db, account, n: int = 0) -> Notification:
    row = Notification(account_id=account.id, kind=NotificationKind.REPORT_DUE, offset_days=14,
                       due_date=date(2028, 4, 30), subject=f"Follow-up report due in 14 days ({n})",
                       body=f"The 12-month follow-up report of Kenya is due.\nEngagement: Training {n}")
    db.add(row)
    db.flush()
    return row


def test_anonymous_callers_are_sent_to_sign_in(browser):
    assert browser.get("/account/notifications").headers["location"] == \
        "/account/sign-in?next=/account/notifications"


def test_an_account_sees_its_own_notices_and_marks_one_read(browser, person, db_session):
    mine, theirs = person(Role.PARTNER), person(Role.STATE)
    notice = _notice(db_session, mine)
    other = _notice(db_session, theirs, n=1)
    browser.sign_in(mine.email)
    page = browser.get("/account/notifications").text
    assert "Follow-up report due in 14 days (0)" in page and "(1)" not in page
    assert "unread" in page and "Engagement: Training 0" in page
    done = browser.submit("/account/notifications", f"/account/notifications/{notice.id}/read", {})
    assert done.status_code == 303
    db_session.refresh(notice)
    assert notice.read_at is not None
    assert "Mark “Follow-up report due in 14 days (0)” as read" not in \
        browser.get("/account/notifications").text

    # Another account's notice: not found, and it stays unread; a form without its token: 403.
    refused = browser.submit("/account/notifications", f"/account/notifications/{other.id}/read", {})
    assert refused.status_code == 404
    assert browser.http.post(f"/account/notifications/{notice.id}/read").status_code == 403
    db_session.refresh(other)
    assert other.read_at is None


def test_the_page_is_in_french_and_costs_the_same_statements_whatever_the_notices(
        browser, person, db_session):
    account = person(Role.STATE)
    _notice(db_session, account)
    browser.sign_in(account.email)
    assert "<h1>Notifications</h1>" in browser.get("/account/notifications?lang=fr").text
    assert "Marquer" in browser.get("/account/notifications?lang=fr").text

    def statements():
        browser.get("/account/notifications")
        db_session.expunge_all()  # measured cold (the identity map is not deterministic)
        with counted(db_session) as seen:
            assert browser.get("/account/notifications").status_code == 200
        return seen

    small = statements()
    for n in range(30):
        _notice(db_session, account, n=n + 1)
    large = statements()
    assert len(large) == len(small) and len(large) <= 8, "\n".join(large)
    assert "Pages des notifications" in browser.get("/account/notifications").text  # still French
    assert len(db_session.exec(select(Notification)).all()) == 31
