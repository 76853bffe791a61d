"""The ready roster: a partner records notice periods and checks; an expired check drops the
person from the ready pool, with notices to the partner before it does; erasure takes it all."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from facility.config import Settings
from facility.experts import readiness
from facility.experts.erasure import erase_expert
from facility.experts.models import Expert, ExpertCheck
from facility.ids import decode_id
from facility.notifications.check_expiry import queue_check_notices
from facility.notifications.models import Notification, NotificationKind
from facility.timeutil import today, today_is
from tests.api.helpers import run
from tests.api.test_experts_api import expert_input

KINDS = ["TRAINING", "REFERENCES", "SECURITY_CLEARANCE", "MEDICAL"]
READINESS = "query($id: ID!) { expert(id: $id) { readiness { noticeHours readyToday " \
            "deployableWithinHours missingChecks checks { kind expiresOn validToday } } } }"


@pytest.fixture
def norad(gql, make_token):
    return gql.as_(make_token("PARTNER", partner="Norad"))


@pytest.fixture
def nominee(norad) -> dict:
    result = run(norad, "NominateExpert", input=expert_input())["result"]
    assert result["__typename"] == "ExpertPayload", result
    return result["expert"]


def _check(client, expert_id: str, kind: str, verified: date, expires: date) -> dict:
    return run(client, "RecordExpertCheck", id=expert_id, input={
        "kind": kind, "verifiedOn": verified.isoformat(), "expiresOn": expires.isoformat()})["result"]


def _all_checks(client, expert_id: str, *, medical_expires: date) -> None:
    start = today() - timedelta(days=100)
    for kind in KINDS:
        expires = medical_expires if kind == "MEDICAL" else today() + timedelta(days=400)
        assert _check(client, expert_id, kind, start, expires)["__typename"] == "ExpertPayload"


def test_ready_only_with_a_notice_period_and_every_check_valid(norad, nominee):
    ready = run(norad, "SetExpertReadiness", id=nominee["id"], input={"noticeHours": 336})["result"]
    assert ready["expert"]["readiness"]["readyToday"] is False  # no checks yet
    _all_checks(norad, nominee["id"], medical_expires=today() + timedelta(days=20))
    data = norad(READINESS, {"id": nominee["id"]})["expert"]["readiness"]
    assert (data["readyToday"], data["deployableWithinHours"], data["missingChecks"]) == (True, 336, [])
    assert [c["kind"] for c in data["checks"]] == KINDS

    # Twenty days on, the medical check has expired: out of the ready pool, the rest kept.
    with today_is(today() + timedelta(days=20)):
        later = norad(READINESS, {"id": nominee["id"]})["expert"]["readiness"]
    assert (later["readyToday"], later["deployableWithinHours"]) == (False, None)
    assert later["missingChecks"] == ["MEDICAL"] and later["noticeHours"] == 336

    # Off the ready roster: not ready, whatever the checks.
    off = run(norad, "SetExpertReadiness", id=nominee["id"], input={"noticeHours": None})["result"]
    assert off["expert"]["readiness"]["readyToday"] is False


def test_consent_to_matching_is_part_of_readiness(norad, nominee):
    run(norad, "SetExpertReadiness", id=nominee["id"], input={"noticeHours": 72})
    _all_checks(norad, nominee["id"], medical_expires=today() + timedelta(days=200))
    run(norad, "SetExpertConsent", id=nominee["id"], input={"scopes": ["ROSTER"]})
    data = norad(READINESS, {"id": nominee["id"]})["expert"]["readiness"]
    assert data["readyToday"] is False and data["missingChecks"] == []


def test_bad_readiness_input_names_the_field_and_keeps_what_is_stored(norad, nominee, db_session):
    refused = run(norad, "SetExpertReadiness", id=nominee["id"], input={"noticeHours": 100})["result"]
    assert (refused["__typename"], refused["field"], refused["rule"]) == (
        "ValidationError", "noticeHours", "notice_level")
    bad = _check(norad, nominee["id"], "TRAINING", today() + timedelta(days=1), today())
    assert bad["__typename"] == "ValidationError"
    assert {(e["field"], e["rule"]) for e in bad["errors"]} == {
        ("verifiedOn", "not_future"), ("expiresOn", "after_verified")}
    stale = run(norad, "SetExpertReadiness", id=nominee["id"],
                input={"noticeHours": 72, "expectedVersion": nominee["version"] + 5})["result"]
    assert stale["__typename"] == "Conflict"
    expert = db_session.get(Expert, decode_id("Expert", nominee["id"]))
    assert expert.notice_hours is None
    assert db_session.exec(select(ExpertCheck)).all() == []


def test_only_the_nominating_partner_records_readiness(gql, make_token, nominee, db_session):
    for role, extra in (("PARTNER", {"partner": "Sida"}), ("SECRETARIAT", {}),
                        ("STATE", {"state": "KEN"})):
        client = gql.as_(make_token(role, **extra))
        result = run(client, "SetExpertReadiness", id=nominee["id"], input={"noticeHours": 72})
        assert result["result"]["__typename"] == "PermissionDenied", role
        checked = _check(client, nominee["id"], "TRAINING", today(), today() + timedelta(days=9))
        assert checked["__typename"] == "PermissionDenied", role
        # Another partner reads the anonymised profile only: no readiness.
        if role == "PARTNER":
            assert client(READINESS, {"id": nominee["id"]})["expert"]["readiness"] is None
    assert db_session.exec(select(ExpertCheck)).all() == []


def test_notices_before_a_check_expires_go_once_to_the_partner(norad, nominee, db_session):
    run(norad, "SetExpertReadiness", id=nominee["id"], input={"noticeHours": 72})
    expires = today() + timedelta(days=40)
    _all_checks(norad, nominee["id"], medical_expires=expires)

    def notices():
        return sorted((n.kind, n.offset_days) for n in db_session.exec(
            select(Notification).where(Notification.expert_check_id.is_not(None))))

    assert queue_check_notices(db_session, on=expires - timedelta(days=31)) == []
    queue_check_notices(db_session, on=expires - timedelta(days=30))
    queue_check_notices(db_session, on=expires - timedelta(days=29))  # the same notice: not again
    assert notices() == [(NotificationKind.CHECK_EXPIRING, 30)]
    # Missed days: the 7-day notice, not a flood; then the expiry itself, once.
    queue_check_notices(db_session, on=expires - timedelta(days=3))
    queue_check_notices(db_session, on=expires)
    queue_check_notices(db_session, on=expires + timedelta(days=1))
    assert notices() == [(NotificationKind.CHECK_EXPIRED, 0), (NotificationKind.CHECK_EXPIRING, 7),
                         (NotificationKind.CHECK_EXPIRING, 30)]
    notice = db_session.exec(select(Notification).where(
        Notification.kind == NotificationKind.CHECK_EXPIRING)).first()
    assert "Amina" not in notice.subject + notice.body and "medical" in notice.subject
    mine = run(norad, "Notifications")["notifications"]
    assert mine["totalCount"] == 3
    assert {e["node"]["expert"]["id"] for e in mine["edges"]} == {nominee["id"]}


def test_the_worker_schedules_check_notices_once_a_day(db_session, migrated_engine):
    from facility import jobs, worker

    class Sessions:
        def __call__(self):
            from contextlib import nullcontext
            return nullcontext(db_session)

    w = worker.Worker(Sessions(), Settings(reminders_hour=0))
    db_session.commit = db_session.flush  # type: ignore[method-assign]  (the test's transaction)
    w.schedule_reminders()
    w.schedule_reminders()
    rows = db_session.exec(select(jobs.Job).where(jobs.Job.kind == worker.CHECK_NOTICES)).all()
    assert [r.key for r in rows] == [f"check_notices:{today().isoformat()}"]
    assert worker.CHECK_NOTICES in worker.HANDLERS


def test_erasure_takes_readiness_and_its_notices(norad, nominee, db_session):
    run(norad, "SetExpertReadiness", id=nominee["id"], input={"noticeHours": 72})
    _all_checks(norad, nominee["id"], medical_expires=today() + timedelta(days=5))
    queue_check_notices(db_session, on=today())
    assert db_session.exec(select(Notification)).all()
    erase_expert(db_session, email=expert_input()["email"], secret="s")
    expert = db_session.get(Expert, decode_id("Expert", nominee["id"]))
    assert expert.notice_hours is None
    assert db_session.exec(select(ExpertCheck)).all() == []
    assert db_session.exec(select(Notification).where(
        Notification.expert_check_id.is_not(None))).all() == []
    assert readiness.ready_notice_hours(db_session, today()) == {}


def test_ready_pool_for_a_day(norad, nominee, db_session):
    run(norad, "SetExpertReadiness", id=nominee["id"], input={"noticeHours": 1440})
    _all_checks(norad, nominee["id"], medical_expires=today() + timedelta(days=10))
    pk = decode_id("Expert", nominee["id"])
    assert readiness.ready_notice_hours(db_session, today()) == {pk: 1440}
    assert readiness.ready_notice_hours(db_session, today() + timedelta(days=10)) == {}
