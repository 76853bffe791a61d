"""Follow-up reminders: the right notices on the right days, never twice, caught up without a
flood, e-mailed through a real SMTP server, kept and retried when the server fails."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
from sqlmodel import Session, select

from facility.auth.models import Account, Role
from facility.config import Settings
from facility.engagements.models import FollowUpReport, ReportKind
from facility.notifications.cli import describe
from facility.notifications.flows import run_reminders
from facility.notifications.models import Notification, NotificationKind
from facility.notifications.reminders import Notice, notice_for, queue_reminders
from tests.follow_up.conftest import DUE_12, DUE_24, Loop, filled_report
from tests.follow_up.smtp_sink import UNUSED_PORT, smtp_sink

DUE, OVERDUE = NotificationKind.REPORT_DUE, NotificationKind.REPORT_OVERDUE


@pytest.mark.parametrize("days_left, expected", [
    (400, None), (61, None), (60, Notice(DUE, 60)), (59, Notice(DUE, 60)), (15, Notice(DUE, 60)),
    (14, Notice(DUE, 14)), (1, Notice(DUE, 14)), (0, Notice(DUE, 14)),
    (-1, Notice(OVERDUE, 0)), (-700, Notice(OVERDUE, 0)),
])
def test_the_most_urgent_notice_that_applies(days_left, expected):
    due = date(2028, 4, 30)
    assert notice_for(due, due - timedelta(days=days_left), [60, 14]) == expected


def test_offsets_are_read_from_the_settings_and_checked():
    assert Settings(reminder_offsets="14,90, 30").reminder_offsets == [90, 30, 14]
    assert Settings().reminder_offsets == [60, 14]
    for bad, words in (("0", "from 1 to 366"), ("30,30", "twice"), ("", "at least one")):
        with pytest.raises(ValueError, match=words):
            Settings(reminder_offsets=bad)


def _opener(session: Session):
    @contextmanager
    def open_session() -> Iterator[Session]:
        yield session

    return open_session


def _settings(**smtp) -> Settings:
    return Settings(database_url="sqlite://", **smtp)


def _notices(session: Session) -> list[tuple[str, str, int, str]]:
    """(account e-mail, kind, offset, report kind) of every notification, in queue order."""
    rows = session.exec(select(Notification, Account.email, FollowUpReport.kind)
                        .join(Account, Account.id == Notification.account_id)
                        .join(FollowUpReport, FollowUpReport.id == Notification.report_id)
                        .order_by(Notification.id)).all()
    return [(email, n.kind, n.offset_days, kind) for n, email, kind in rows]


def _email(session: Session, role: Role, state: str | None = None) -> str:
    query = select(Account.email).where(Account.role == role)
    if state:
        query = query.where(Account.state_code == state)
    return session.exec(query).one()


def test_day_by_day_the_reminders_go_at_60_and_14_days_then_overdue_once(loop: Loop, clock,
                                                                         db_session):
    loop.complete()
    kenya, staff = _email(db_session, Role.STATE, "KEN"), _email(db_session, Role.SECRETARIAT)
    queued_on: dict[date, list] = {}
    # Every day around each threshold, and every fifth day in between.
    days_left = sorted({*range(-3, 4), *range(11, 17), *range(57, 64), *range(0, 100, 5)},
                       reverse=True)
    for left in days_left:
        day = DUE_12 - timedelta(days=left)
        clock(day)
        for _ in range(2):  # a second run the same day queues nothing
            report = run_reminders(_opener(db_session), settings=_settings())
            if report.queued:
                queued_on.setdefault(day, []).extend(report.queued)

    assert sorted(queued_on) == [DUE_12 - timedelta(days=60), DUE_12 - timedelta(days=14),
                                 DUE_12 + timedelta(days=1)]
    assert [(q.notice, q.recipients) for day in sorted(queued_on) for q in queued_on[day]] == [
        (Notice(DUE, 60), 2), (Notice(DUE, 14), 2), (Notice(OVERDUE, 0), 2)]
    twelve = ReportKind.TWELVE_MONTHS
    assert _notices(db_session) == [
        (kenya, DUE, 60, twelve), (staff, DUE, 60, twelve), (kenya, DUE, 14, twelve),
        (staff, DUE, 14, twelve), (kenya, OVERDUE, 0, twelve), (staff, OVERDUE, 0, twelve)]
    # Ghana's mission, the partner, the committee: none of their business.
    assert {n[0] for n in _notices(db_session)} == {kenya, staff}


def test_a_missed_week_sends_the_14_day_reminder_and_not_the_overtaken_60_day_one(
        loop: Loop, clock, db_session):
    loop.complete()
    clock(DUE_12 - timedelta(days=10))  # the job did not run since before day 60
    [queued] = run_reminders(_opener(db_session), settings=_settings()).queued
    assert queued.notice == Notice(DUE, 14)
    clock(DUE_12 + timedelta(days=40))  # nor between the due date and now
    [queued] = run_reminders(_opener(db_session), settings=_settings()).queued
    assert queued.notice == Notice(OVERDUE, 0)
    assert [(kind, offset) for _, kind, offset, _ in _notices(db_session)] == [
        (DUE, 14), (DUE, 14), (OVERDUE, 0), (OVERDUE, 0)]


def test_a_report_found_overdue_gets_the_overdue_notice_only_and_both_reports_are_followed(
        loop: Loop, clock, db_session):
    loop.complete()
    clock(DUE_24 - timedelta(days=30))  # the 12-month report long overdue, the other due soon
    report = run_reminders(_opener(db_session), settings=_settings())
    assert [(q.report_kind, q.notice) for q in report.queued] == [
        (ReportKind.TWELVE_MONTHS, Notice(OVERDUE, 0)),
        (ReportKind.TWENTY_FOUR_MONTHS, Notice(DUE, 60))]
    lines = describe(report)
    assert lines[0] == f"reminders for {DUE_24 - timedelta(days=30)}: 2 notices queued"
    assert "overdue, 2 accounts" in lines[1] and "due in 60 days or fewer" in lines[2]
    assert lines[-1].startswith("e-mail: not configured")


def test_a_submitted_report_gets_no_more_reminders(loop: Loop, clock, db_session):
    twelve, _ = loop.complete()
    clock(DUE_12 - timedelta(days=30))
    assert len(run_reminders(_opener(db_session), settings=_settings()).queued) == 1  # 60 days
    loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"], input=filled_report(loop))
    loop.result(loop.kenya, "SubmitFollowUpReport", id=twelve["id"])
    for day in (DUE_12 - timedelta(days=14), DUE_12 + timedelta(days=1)):
        clock(day)
        assert run_reminders(_opener(db_session), settings=_settings()).queued == []


def test_queuing_the_same_notice_again_inserts_nothing(loop: Loop, db_session):
    loop.complete()
    on = DUE_12 - timedelta(days=3)
    first = queue_reminders(db_session, on=on, offsets=[60, 14])
    assert [q.recipients for q in first] == [2]
    # Another run on the same day (a retried cron job, or one overlapping this one).
    assert queue_reminders(db_session, on=on, offsets=[60, 14]) == []
    subjects = {n.subject for n in db_session.exec(select(Notification))}
    assert subjects == {f"Follow-up report due in 3 days, on {DUE_12} (Kenya)"}
    assert queue_reminders(db_session, on=on + timedelta(days=1), offsets=[60, 14]) == []
    assert len(_notices(db_session)) == 2


def test_the_reminders_are_emailed_through_smtp_without_personal_data(loop: Loop, clock,
                                                                      db_session):
    loop.complete()
    clock(DUE_12 - timedelta(days=14))
    kenya, staff = _email(db_session, Role.STATE, "KEN"), _email(db_session, Role.SECRETARIAT)
    with smtp_sink() as sink:
        settings = _settings(smtp_host="127.0.0.1", smtp_port=sink.port,
                             smtp_from="reminders@facility.example.org")
        report = run_reminders(_opener(db_session), settings=settings)
        assert (report.delivery.sent, report.delivery.failed) == (2, [])
        assert sorted(m["To"] for m in sink.messages) == sorted([kenya, staff])
        [message] = sink.to(kenya)
        assert message["From"] == "reminders@facility.example.org"
        assert message["Subject"] == f"Follow-up report due in 14 days, on {DUE_12} (Kenya)"
        body = message.get_payload(decode=True).decode()
        assert "12-month follow-up report of Kenya is due on 2028-04-30" in body
        assert "Judicial training on international standards" in body  # the engagement
        # Only what is needed to act: no expert, no person's name, no report content.
        for private in ("Expert 0", "expert0@example.org", "Test State", "Test Secretariat",
                        filled_report(loop)["narrative"]):
            assert private not in body and private not in message["Subject"]
        # Sent once: the next run sends nothing again.
        again = run_reminders(_opener(db_session), settings=settings)
        assert (again.queued, again.delivery.sent, len(sink.messages)) == ([], 0, 2)
    rows = db_session.exec(select(Notification)).all()
    assert all(r.email_sent_at is not None and r.email_attempts == 1 for r in rows)


def test_a_failed_delivery_keeps_the_notice_and_is_retried_on_the_next_run(loop: Loop, clock,
                                                                          db_session):
    loop.complete()
    clock(DUE_12 + timedelta(days=1))
    kenya = _email(db_session, Role.STATE, "KEN")
    down = _settings(smtp_host="127.0.0.1", smtp_port=UNUSED_PORT, smtp_timeout=5)
    report = run_reminders(_opener(db_session), settings=down)
    assert report.delivery.sent == 0 and len(report.delivery.failed) == 2
    assert "ConnectionRefusedError" in describe(report)[-1]
    rows = db_session.exec(select(Notification)).all()
    assert [(r.email_sent_at, r.email_attempts) for r in rows] == [(None, 1), (None, 1)]
    assert all("ConnectionRefusedError" in r.email_last_error for r in rows)
    # The notices are in the platform all the same.
    page = loop.op(loop.kenya, "Notifications")["notifications"]
    assert [e["node"]["kind"] for e in page["edges"]] == ["REPORT_OVERDUE"]
    assert page["edges"][0]["node"]["emailedAt"] is None

    with smtp_sink() as sink:
        sink.refuse.add(kenya)  # the server is back, but refuses one mailbox
        up = _settings(smtp_host="127.0.0.1", smtp_port=sink.port)
        second = run_reminders(_opener(db_session), settings=up)
        assert second.queued == [] and second.delivery.sent == 1
        [(_, error)] = second.delivery.failed
        assert "SMTPRecipientsRefused" in error and "mailbox unavailable" in error
        sink.refuse.clear()
        third = run_reminders(_opener(db_session), settings=up)
        assert (third.delivery.sent, third.delivery.failed) == (1, [])
        assert [m["To"] for m in sink.to(kenya)] == [kenya]
        assert len(sink.messages) == 2
    for row in db_session.exec(select(Notification)).all():
        db_session.refresh(row)
        assert row.email_sent_at is not None and row.email_last_error is None
    by_account = {db_session.get(Account, r.account_id).email: r.email_attempts
                  for r in db_session.exec(select(Notification))}
    assert by_account[kenya] == 3


def test_the_cli_runs_the_reminders(loop: Loop, clock, db_session, monkeypatch):
    from typer.testing import CliRunner

    from facility import cli
    from facility.notifications import cli as reminders_cli

    loop.complete()
    clock(DUE_12 - timedelta(days=60))
    monkeypatch.setattr(reminders_cli, "make_engine", lambda url: db_session.get_bind())

    @contextmanager
    def same_unit(_engine):
        yield db_session

    monkeypatch.setattr(reminders_cli, "unit_of_work", same_unit)
    result = CliRunner().invoke(cli.app, ["reminders", "run"])
    assert result.exit_code == 0, result.output
    assert f"reminders for {DUE_12 - timedelta(days=60)}: 1 notices queued" in result.output
    assert "KEN 12-month report" in result.output and "2 accounts" in result.output


@pytest.mark.parametrize("days_left, words", [(0, "due today"), (1, "due tomorrow"),
                                              (2, "due in 2 days")])
def test_the_message_says_when_in_words(loop: Loop, db_session, days_left, words):
    loop.complete()
    queue_reminders(db_session, on=DUE_12 - timedelta(days=days_left), offsets=[60, 14])
    [subject] = {n.subject for n in db_session.exec(select(Notification))}
    assert subject == f"Follow-up report {words}, on {DUE_12} (Kenya)"
