"""Notifications and the compliance view over GraphQL: each account sees its own notices only;
compliance counts by State and group for the secretariat and the seated committee; the partner
reads the submitted reports of the engagements it funds, never a draft's content."""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, timedelta

from facility.config import Settings
from facility.ids import decode_id, encode_id
from facility.notifications.flows import run_reminders
from tests.follow_up.conftest import DUE_12, DUE_24, Loop, filled_report

NOTIFICATION_OPERATIONS = {"Notifications", "MarkNotificationRead", "FollowUpCompliance"}


def _remind(db_session) -> None:
    @contextmanager
    def same():
        yield db_session

    run_reminders(same, settings=Settings(database_url="sqlite://"))


def test_each_account_reads_and_marks_its_own_notifications_only(loop: Loop, clock, db_session):
    loop.complete()
    clock(DUE_12 - timedelta(days=60))
    _remind(db_session)
    clock(DUE_12 - timedelta(days=14))
    _remind(db_session)

    page = loop.op(loop.kenya, "Notifications", first=1)["notifications"]
    assert page["totalCount"] == 2 and page["pageInfo"]["hasNextPage"]
    newest = page["edges"][0]["node"]
    assert (newest["kind"], newest["daysBefore"], newest["dueDate"]) == (
        "REPORT_DUE", 14, DUE_12.isoformat())
    assert newest["report"]["kind"] == "TWELVE_MONTHS" and newest["readAt"] is None
    staff = loop.op(loop.secretariat, "Notifications")["notifications"]
    assert staff["totalCount"] == 2
    assert {e["node"]["id"] for e in staff["edges"]}.isdisjoint({newest["id"]})
    for client in (loop.ghana, loop.norad, loop.committee, loop.anonymous):
        assert loop.op(client, "Notifications")["notifications"]["totalCount"] == 0

    # Someone else's notification answers exactly like one that does not exist.
    missing = loop.result(loop.kenya, "MarkNotificationRead",
                          id=encode_id("Notification", 999999))
    pk = decode_id("Notification", newest["id"])
    for client in (loop.ghana, loop.secretariat, loop.anonymous):
        answer = loop.result(client, "MarkNotificationRead", id=newest["id"])
        assert answer == {**missing, "message": missing["message"].replace("999999", str(pk))}
    assert loop.op(loop.kenya, "Notifications", unreadOnly=True)["notifications"]["totalCount"] == 2

    read = loop.result(loop.kenya, "MarkNotificationRead", id=newest["id"])
    assert read["notification"]["readAt"] is not None
    again = loop.result(loop.kenya, "MarkNotificationRead", id=newest["id"])
    assert again["notification"]["readAt"] == read["notification"]["readAt"]
    unread = loop.op(loop.kenya, "Notifications", unreadOnly=True)["notifications"]
    assert unread["totalCount"] == 1 and unread["edges"][0]["node"]["daysBefore"] == 60
    assert loop.op(loop.secretariat, "Notifications", unreadOnly=True)["notifications"][
        "totalCount"] == 2


def _counts(view, key, code) -> dict:
    rows = view["byState"] if key == "state" else view["byRegionalGroup"]
    for row in rows:
        if (row["state"]["code"] if key == "state" else row["regionalGroup"]) == code:
            return {k: v for k, v in row["counts"].items()}
    raise AssertionError(f"no row for {code}")


def test_compliance_counts_change_over_time_and_list_the_reports_behind(loop: Loop, clock):
    twelve, _ = loop.complete()
    zero = {"due": 0, "overdue": 0, "submittedOnTime": 0, "submittedLate": 0}
    clock(date(2028, 1, 1))
    view = loop.op(loop.secretariat, "FollowUpCompliance")["followUpCompliance"]
    assert view["total"] == {**zero, "due": 2, "total": 2}
    assert _counts(view, "state", "KEN") == {**zero, "due": 2, "total": 2}
    assert _counts(view, "group", "AFRICAN") == {**zero, "due": 2, "total": 2}

    clock(DUE_12 + timedelta(days=1))  # the 12-month report is overdue
    view = loop.op(loop.committee, "FollowUpCompliance")["followUpCompliance"]
    assert view["total"] == {**zero, "due": 1, "overdue": 1, "total": 2}
    overdue = loop.op(loop.secretariat, "FollowUpReports", status="OVERDUE", stateCode="KEN")
    assert [e["node"]["id"] for e in overdue["followUpReports"]["edges"]] == [twelve["id"]]

    loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"], input=filled_report(loop))
    loop.result(loop.kenya, "SubmitFollowUpReport", id=twelve["id"])
    clock(DUE_24 + timedelta(days=1))
    view = loop.op(loop.secretariat, "FollowUpCompliance")["followUpCompliance"]
    assert view["total"] == {**zero, "overdue": 1, "submittedLate": 1, "total": 2}
    late = loop.op(loop.secretariat, "FollowUpReports", status="SUBMITTED", onTime=False,
                   regionalGroup="AFRICAN")["followUpReports"]
    assert [e["node"]["id"] for e in late["edges"]] == [twelve["id"]]
    for filters in ({"onTime": True}, {"regionalGroup": "WEOG"}, {"stateCode": "GHA"}):
        assert loop.op(loop.secretariat, "FollowUpReports", **filters)["followUpReports"][
            "totalCount"] == 0

    # A revision does not count twice, and keeps the first submission's lateness.
    loop.result(loop.kenya, "ReviseFollowUpReport", id=twelve["id"])
    view = loop.op(loop.secretariat, "FollowUpCompliance")["followUpCompliance"]
    assert view["total"]["total"] == 2 and view["total"]["submittedLate"] == 1

    for client in (loop.kenya, loop.ghana, loop.norad, loop.sida, loop.anonymous):
        assert loop.op(client, "FollowUpCompliance") == {"followUpCompliance": None}
    # Another State filtering for Kenya's reports still sees none of them.
    assert loop.op(loop.ghana, "FollowUpReports", stateCode="KEN")["followUpReports"][
        "totalCount"] == 0


def test_the_partner_reads_submitted_reports_of_what_it_funds_but_not_drafts(loop: Loop, clock):
    twelve, _ = loop.complete()
    clock(DUE_12 - timedelta(days=5))
    content = filled_report(loop)
    loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"], input=content)
    for client in (loop.norad, loop.secretariat, loop.committee):
        draft = loop.op(client, "FollowUpReport", id=twelve["id"])["followUpReport"]
        assert draft["status"] == "DUE" and draft["dueDate"] == DUE_12.isoformat()
        assert (draft["narrative"], draft["furtherNeeds"], draft["recommendations"],
                draft["indicators"]) == ("", "", [], [])
    mine = loop.op(loop.kenya, "FollowUpReport", id=twelve["id"])["followUpReport"]
    assert mine["narrative"] == content["narrative"]

    loop.result(loop.kenya, "SubmitFollowUpReport", id=twelve["id"])
    seen = loop.op(loop.norad, "FollowUpReport", id=twelve["id"])["followUpReport"]
    assert seen["narrative"] == content["narrative"] and len(seen["indicators"]) == 3
    assert [r["status"] for r in seen["recommendations"]] == ["PARTIALLY_IMPLEMENTED",
                                                              "NOT_STARTED"]
    listed = loop.op(loop.norad, "FollowUpReports", engagementId=loop.engagement_id)
    assert listed["followUpReports"]["totalCount"] == 2
    # A correction in progress: the partner sees the submitted version's content only.
    revision = loop.result(loop.kenya, "ReviseFollowUpReport", id=twelve["id"])["report"]
    loop.result(loop.kenya, "SaveFollowUpReport", id=revision["id"],
                input={"narrative": "A correction not yet submitted."})
    open_draft = loop.op(loop.norad, "FollowUpReport", id=revision["id"])["followUpReport"]
    assert open_draft["narrative"] == "" and open_draft["previousVersion"]["version"] == 1
    first = loop.op(loop.norad, "FollowUpReport", id=twelve["id"])["followUpReport"]
    assert first["narrative"] == content["narrative"]
    # A partner that funds nothing here sees nothing.
    assert loop.op(loop.sida, "FollowUpReport", id=twelve["id"]) == {"followUpReport": None}


def test_the_secretariat_compliance_page(loop: Loop, clock, app, db_session):
    import html

    from fastapi.testclient import TestClient

    from facility.auth.models import Role
    from facility.auth.service import create_account
    from tests.pages.conftest import PASSWORD, Browser

    loop.complete()
    clock(DUE_12 + timedelta(days=1))  # the 12-month report is overdue, the 24-month one due
    officer = create_account(db_session, role=Role.SECRETARIAT, name="Compliance officer",
                             email="compliance@ohchr.example.org", password=PASSWORD)
    mission = create_account(db_session, role=Role.STATE, name="Kenya's mission",
                             email="desk@kenya.example.org", password=PASSWORD, state_code="KEN")
    db_session.flush()
    with TestClient(app, follow_redirects=False) as http:
        browser = Browser(http)
        browser.sign_in(mission.email)
        assert browser.get("/secretariat/compliance").status_code == 403
        browser.submit("/account", "/account/sign-out", {})
        browser.sign_in(officer.email)
        page = browser.get("/secretariat/compliance")
    text = html.unescape(page.text)
    assert page.status_code == 200
    # due, overdue, on time, late, reports: the same counts as the GraphQL view
    assert re.search(r"<th scope=\"row\">KEN</th>\s*<td class=\"num\">1</td><td class=\"num\">1</td>\s*"
                     r"<td class=\"num\">0</td><td class=\"num\">0</td><td class=\"num\">2</td>", text), text
