"""A member whose conflict appears after a motion opened (their State's seat changed hands to
them) can neither vote nor close the vote: the recusal found at that moment is stored and
audited although the action is refused, and deciding checks the conflict itself."""

from __future__ import annotations

from sqlmodel import select

from facility.audit import AuditEntry
from facility.ids import decode_id
from governance.models import CommitteeSeat, Motion, Recusal
from tests.api.helpers import run
from tests.governance_api.test_governance_rules import _committee_emails, _screening_motion, _vote


def _new_kenyan_member(world, make_token, gql, db_session):
    """A second Kenyan committee member takes the AFRICAN seat after the motion opened."""
    client = gql.as_(make_token("COMMITTEE", state="KEN", group="AFRICAN"))
    email = _committee_emails(db_session)[-1]
    seated = run(world.secretariat, "SeatCommitteeMember", regionalGroup="AFRICAN",
                 memberEmail=email)["result"]
    assert seated["__typename"] == "SeatPayload", seated
    seat = db_session.exec(select(CommitteeSeat).where(
        CommitteeSeat.group_code == "AFRICAN", CommitteeSeat.ended_at.is_(None))).one()
    return client, seat


def _recusal_audits(db_session, motion_pk: int, seat_id: int) -> list[AuditEntry]:
    return [e for e in db_session.exec(select(AuditEntry).where(
        AuditEntry.action == "recusal.recorded", AuditEntry.subject_id == motion_pk))
        if e.payload["seat"] == seat_id]


def test_the_refused_vote_keeps_the_recusal_and_the_member_cannot_decide(world, recs, make_token,
                                                                       gql, db_session):
    motion_id = _screening_motion(world, recs)  # Kenya's request
    motion_pk = decode_id("Motion", motion_id)
    member, seat = _new_kenyan_member(world, make_token, gql, db_session)
    for group in ("APG", "EEG", "GRULAC"):
        assert _vote(world, group, motion_id, "APPROVE")["__typename"] == "MotionPayload"

    refused = run(member, "CastVote", motionId=motion_id, choice="APPROVE")["result"]
    assert refused["__typename"] == "PermissionDenied"
    assert "the member's State (KEN) is the requesting State" in refused["message"]
    [recusal] = db_session.exec(select(Recusal).where(Recusal.motion_id == motion_pk,
                                                      Recusal.seat_id == seat.id)).all()
    assert recusal.automatic
    assert len(_recusal_audits(db_session, motion_pk, seat.id)) == 1

    refused = run(member, "DecideMotion", motionId=motion_id)["result"]
    assert refused["__typename"] == "PermissionDenied"
    assert db_session.get(Motion, motion_pk).status == "OPEN"
    # The secretariat, which has no seat, closes the vote: three approvals, one recusal more.
    decided = run(world.secretariat, "DecideMotion", motionId=motion_id)["result"]
    assert decided["motion"]["status"] == "PASSED"
    [entry] = db_session.exec(select(AuditEntry).where(AuditEntry.action == "motion.decided",
                                                       AuditEntry.subject_id == motion_pk)).all()
    assert entry.payload["recused"] == 2  # the seat's first holder at opening, and the second


def test_deciding_checks_the_conflict_not_only_the_recorded_recusals(world, recs, make_token,
                                                                    gql, db_session):
    motion_id = _screening_motion(world, recs)
    motion_pk = decode_id("Motion", motion_id)
    member, seat = _new_kenyan_member(world, make_token, gql, db_session)
    for group in ("APG", "EEG", "GRULAC"):
        _vote(world, group, motion_id, "APPROVE")
    refused = run(member, "DecideMotion", motionId=motion_id)["result"]  # never voted first
    assert refused["__typename"] == "PermissionDenied"
    assert db_session.get(Motion, motion_pk).status == "OPEN"
    assert db_session.exec(select(Recusal).where(Recusal.motion_id == motion_pk,
                                                 Recusal.seat_id == seat.id)).one().automatic
    assert len(_recusal_audits(db_session, motion_pk, seat.id)) == 1
    # Refused again later: recorded once, and said so.
    again = run(member, "DecideMotion", motionId=motion_id)["result"]
    assert again["__typename"] == "PermissionDenied" and "recused" in again["message"]
    assert len(_recusal_audits(db_session, motion_pk, seat.id)) == 1
