"""Engagement progress and amendments: who may record them, what they change, the audit trail."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from facility.audit import AuditEntry, verify
from facility.auth.models import PartnerKind, Role
from facility.auth.service import create_account, create_token
from facility.engagements.models import Engagement, EngagementChange, EngagementStatus, FollowUpReport
from facility.requests.models import CapacityRequest, RequestStatus
from tests.follow_up.conftest import DUE_12, DUE_24, END, START, Loop


def _progress(loop: Loop, client, status: str, **variables) -> dict:
    return loop.result(client, "RecordEngagementProgress", id=loop.engagement_id, status=status,
                       **variables)


def _accept(loop: Loop, gql, db_session) -> None:
    """Expert 0, the engagement's one expert, accepts the deployment from their own account."""
    account = create_account(db_session, role=Role.EXPERT, email="expert0@example.org",
                             name="Expert 0", partner_name="Norad",
                             partner_kind=PartnerKind.DONOR_AGENCY)
    expert = gql.as_(create_token(db_session, account=account))
    answered = loop.result(expert, "AnswerDeployment", id=loop.engagement_id, accept=True)
    assert answered["__typename"] == "DeploymentPayload", answered


def _amend(loop: Loop, client, **input) -> dict:
    return loop.result(client, "AmendEngagement", id=loop.engagement_id, input=input)


def test_progress_moves_one_step_at_a_time_and_completion_makes_two_reports_due(
        loop, gql, clock, db_session):
    _accept(loop, gql, db_session)
    clock(END)
    assert _progress(loop, loop.secretariat, "COMPLETED")["__typename"] == "Conflict"
    started = _progress(loop, loop.norad, "IN_PROGRESS")  # the funding partner may record it
    assert started["engagement"]["status"] == "IN_PROGRESS"
    assert started["change"]["changes"] == {"status": ["SCHEDULED", "IN_PROGRESS"]}
    assert _progress(loop, loop.secretariat, "SCHEDULED")["__typename"] == "Conflict"
    assert _progress(loop, loop.secretariat, "IN_PROGRESS")["__typename"] == "Conflict"
    done = _progress(loop, loop.secretariat, "COMPLETED")
    assert done["engagement"]["status"] == "COMPLETED"
    assert _progress(loop, loop.secretariat, "COMPLETED")["__typename"] == "Conflict"

    reports = loop.op(loop.kenya, "FollowUpReports", engagementId=loop.engagement_id)
    nodes = [e["node"] for e in reports["followUpReports"]["edges"]]
    assert [(n["kind"], n["dueDate"], n["status"], n["version"]) for n in nodes] == [
        ("TWELVE_MONTHS", DUE_12.isoformat(), "DUE", 1),
        ("TWENTY_FOUR_MONTHS", DUE_24.isoformat(), "DUE", 1)]
    request = db_session.get(CapacityRequest, loop.engagement.request_id)
    assert request.status == RequestStatus.COMPLETED

    actions = [a.action for a in db_session.exec(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions[-4:] == ["engagement.progress", "engagement.progress", "follow_up.due",
                            "follow_up.due"]
    assert verify(db_session).ok


def test_dates_and_experts_can_be_amended_with_a_reason(loop, db_session):
    amended = _amend(loop, loop.norad, start="2027-03-08", end="2027-05-14",
                     expertIds=loop.expert_ids, reason="Mission postponed by a week")
    assert amended["__typename"] == "EngagementPayload", amended
    engagement = amended["engagement"]
    assert (engagement["start"], engagement["end"]) == ("2027-03-08", "2027-05-14")
    assert [e["id"] for e in engagement["experts"]] == loop.expert_ids
    assert amended["change"]["kind"] == "AMENDMENT"
    assert amended["change"]["reason"] == "Mission postponed by a week"
    assert set(amended["change"]["changes"]) == {"start", "end", "experts"}

    entry = db_session.exec(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.action == "engagement.amended"
    assert "reason" not in entry.payload  # free text stays out of the chain
    assert entry.payload["end"] == ["2027-04-30", "2027-05-14"]
    assert verify(db_session).ok


def test_an_amendment_names_every_bad_field(loop):
    bad = _amend(loop, loop.secretariat, end="2027-02-01", expertIds=["nope"], reason=" ")
    assert bad["__typename"] == "ValidationError"
    assert {(e["field"], e["rule"]) for e in bad["errors"]} == {
        ("reason", "required"), ("end", "after_start"), ("expertIds", "exists")}
    twice = _amend(loop, loop.secretariat, expertIds=[loop.expert_ids[0]] * 2, reason="typo")
    assert (twice["field"], twice["rule"]) == ("expertIds", "unique")
    same = _amend(loop, loop.secretariat, start="2027-03-01", reason="no change")
    assert same["__typename"] == "Conflict"


def test_amending_the_end_of_a_completed_engagement_moves_unsubmitted_due_dates(loop):
    loop.complete()
    moved = _amend(loop, loop.secretariat, end="2027-05-31", reason="Final workshop added")
    assert moved["__typename"] == "EngagementPayload", moved
    page = loop.op(loop.secretariat, "FollowUpReports", engagementId=loop.engagement_id)
    assert [e["node"]["dueDate"] for e in page["followUpReports"]["edges"]] == [
        "2028-05-31", "2029-05-31"]


def test_who_may_record_progress_and_amend(loop):
    assert _progress(loop, loop.kenya, "IN_PROGRESS")["__typename"] == "PermissionDenied"
    assert _progress(loop, loop.committee, "IN_PROGRESS")["__typename"] == "PermissionDenied"
    assert _progress(loop, loop.sida, "IN_PROGRESS")["__typename"] == "NotFound"
    assert _progress(loop, loop.ghana, "IN_PROGRESS")["__typename"] == "NotFound"
    assert _progress(loop, loop.anonymous, "IN_PROGRESS")["__typename"] == "NotFound"
    assert _amend(loop, loop.kenya, end="2027-05-01", reason="x")["__typename"] == "PermissionDenied"
    assert _amend(loop, loop.sida, end="2027-05-01", reason="x")["__typename"] == "NotFound"
    assert _amend(loop, loop.anonymous, end="2027-05-01", reason="x")["__typename"] == "NotFound"
    bogus = loop.result(loop.secretariat, "RecordEngagementProgress", id="bogus",
                        status="IN_PROGRESS")
    assert bogus["__typename"] == "NotFound"


def test_who_sees_which_engagements(loop):
    def ids(client) -> list[str]:
        page = loop.op(client, "Engagements", first=10)["engagements"]
        return [e["node"]["id"] for e in page["edges"]]

    for client in (loop.kenya, loop.norad, loop.committee, loop.secretariat):
        assert ids(client) == [loop.engagement_id]
        one = loop.op(client, "Engagement", id=loop.engagement_id)["engagement"]
        assert one["request"]["id"] == loop.request_id
    for client in (loop.ghana, loop.sida, loop.anonymous):
        assert ids(client) == []
        assert loop.op(client, "Engagement", id=loop.engagement_id) == {"engagement": None}
    assert loop.op(loop.secretariat, "Engagement", id="not-an-id") == {"engagement": None}


def _status_of(db_session, loop: Loop) -> EngagementStatus:
    db_session.expire_all()
    return db_session.get(Engagement, loop.engagement.id).status


def test_an_engagement_starts_on_or_after_its_start_date(loop, clock, db_session):
    clock(START - timedelta(days=1))
    early = _progress(loop, loop.norad, "IN_PROGRESS")
    assert (early["__typename"], early["field"], early["rule"]) == (
        "ValidationError", "status", "on_or_after_start")
    assert "2027-03-01" in early["message"]
    assert _status_of(db_session, loop) == EngagementStatus.SCHEDULED
    assert not db_session.exec(select(EngagementChange)).all()  # nothing recorded
    clock(START)
    assert _progress(loop, loop.norad, "IN_PROGRESS")["engagement"]["status"] == "IN_PROGRESS"


def test_no_one_completes_an_engagement_before_its_end_date(loop, gql, clock, db_session):
    _accept(loop, gql, db_session)
    clock(START)
    _progress(loop, loop.norad, "IN_PROGRESS")
    clock(END - timedelta(days=1))
    for client, extra in ((loop.norad, {}), (loop.secretariat, {"reason": "Finished early"})):
        early = _progress(loop, client, "COMPLETED", **extra)
        assert (early["__typename"], early["field"], early["rule"]) == (
            "ValidationError", "status", "on_or_after_end"), early
        assert "2027-04-30" in early["message"]
    assert _status_of(db_session, loop) == EngagementStatus.IN_PROGRESS
    assert not db_session.exec(select(FollowUpReport)).all()  # no report falls due early
    clock(END)
    assert _progress(loop, loop.norad, "COMPLETED")["engagement"]["status"] == "COMPLETED"


def test_completion_needs_every_expert_to_accept_or_the_secretariats_reason(
        loop, clock, db_session):
    clock(START)
    _progress(loop, loop.norad, "IN_PROGRESS")
    clock(END)
    unanswered = _progress(loop, loop.norad, "COMPLETED")
    assert (unanswered["field"], unanswered["rule"]) == ("status", "experts_accepted")
    assert "1 of 1 have not" in unanswered["message"]
    # A partner cannot override with a reason; only the secretariat can.
    partner = _progress(loop, loop.norad, "COMPLETED", reason="They did the work")
    assert {(e["field"], e["rule"]) for e in partner["errors"]} == {
        ("reason", "secretariat_only"), ("status", "experts_accepted")}
    assert _status_of(db_session, loop) == EngagementStatus.IN_PROGRESS

    done = _progress(loop, loop.secretariat, "COMPLETED",
                     reason="  The expert confirmed by e-mail; the platform did not reach them  ")
    assert done["engagement"]["status"] == "COMPLETED"
    assert done["change"]["reason"] == ("The expert confirmed by e-mail; the platform did not "
                                        "reach them")
    entry = db_session.exec(select(AuditEntry).where(AuditEntry.action == "engagement.progress")
                            .order_by(AuditEntry.seq.desc())).first()
    assert entry.payload["status"] == ["IN_PROGRESS", "COMPLETED"]
    assert entry.payload["overrideNotAccepted"] == [loop.engagement.expert_ids[0]]
    assert "reason" not in entry.payload  # free text stays out of the chain
    assert verify(db_session).ok
