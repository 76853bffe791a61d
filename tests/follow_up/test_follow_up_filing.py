"""Filing a follow-up report: drafts, validation, submission, lock, versions, status over time."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from facility.audit import AuditEntry, verify
from facility.ids import decode_id
from facility.requests.models import CapacityRequest, RequestStatus
from tests.follow_up.conftest import DUE_12, Loop, filled_report


def _save(loop: Loop, report_id: str, client=None, **input) -> dict:
    return loop.result(client or loop.kenya, "SaveFollowUpReport", id=report_id, input=input)


def _submit(loop: Loop, report_id: str, client=None) -> dict:
    return loop.result(client or loop.kenya, "SubmitFollowUpReport", id=report_id)


def test_a_draft_is_saved_resumed_and_guarded_by_its_row_version(loop):
    twelve, _ = loop.complete()
    first = _save(loop, twelve["id"], narrative="Work in progress", expectedRowVersion=1)
    assert first["__typename"] == "FollowUpReportPayload", first
    assert (first["report"]["narrative"], first["report"]["rowVersion"]) == ("Work in progress", 2)
    assert first["report"]["locked"] is False
    # Resuming: a later save changes only what it names.
    second = _save(loop, twelve["id"], indicators=filled_report(loop)["indicators"],
                   expectedRowVersion=2)
    assert second["report"]["narrative"] == "Work in progress"
    assert [i["type"] for i in second["report"]["indicators"]] == ["STRUCTURAL", "PROCESS",
                                                                 "OUTCOME"]
    stale = _save(loop, twelve["id"], narrative="Lost update?", expectedRowVersion=2)
    assert stale["__typename"] == "Conflict"
    read = loop.op(loop.kenya, "FollowUpReport", id=twelve["id"])["followUpReport"]
    assert read["narrative"] == "Work in progress"


def test_every_validation_error_names_its_field(loop):
    twelve, _ = loop.complete()
    bad = _save(loop, twelve["id"], recommendations=[
        {"recommendationId": loop.recs["TEST-GHA-1"], "status": "NOT_STARTED"},
        {"recommendationId": loop.recs["TEST-KEN-1"], "status": "NOT_STARTED",
         "links": ["ftp://example.org/x", "not a link"]},
        {"recommendationId": loop.recs["TEST-KEN-1"], "status": "FULLY_IMPLEMENTED",
         "evidence": "x" * 20_001},
        {"recommendationId": "garbage", "status": "NOT_STARTED"},
    ], indicators=[{"type": "OUTCOME", "name": " ", "unit": "u" * 301}],
        narrative="n" * 20_001, furtherNeeds="f" * 20_001)
    assert bad["__typename"] == "ValidationError"
    assert {(e["field"], e["rule"]) for e in bad["errors"]} == {
        ("recommendations[0].recommendationId", "linked"),
        ("recommendations[1].links", "url"),
        ("recommendations[2].recommendationId", "unique"),
        ("recommendations[2].evidence", "max_length"),
        ("recommendations[3].recommendationId", "linked"),
        ("indicators[0].name", "required"),
        ("indicators[0].unit", "max_length"),
        ("narrative", "max_length"),
        ("furtherNeeds", "max_length"),
    }
    assert len([e for e in bad["errors"] if e["rule"] == "url"]) == 2
    unchanged = loop.op(loop.kenya, "FollowUpReport", id=twelve["id"])["followUpReport"]
    assert (unchanged["rowVersion"], unchanged["recommendations"]) == (1, [])

    incomplete = _submit(loop, twelve["id"])
    assert {(e["field"], e["rule"]) for e in incomplete["errors"]} == {
        ("recommendations", "complete"), ("indicators", "required"), ("narrative", "required")}
    partial = filled_report(loop)
    partial["recommendations"] = partial["recommendations"][:1]
    partial["indicators"][1]["current"] = ""
    _save(loop, twelve["id"], **partial)
    incomplete = _submit(loop, twelve["id"])
    assert {(e["field"], e["rule"]) for e in incomplete["errors"]} == {
        ("recommendations", "complete"), ("indicators[1].current", "required")}


def test_submission_locks_and_a_correction_is_a_new_version(loop, clock, db_session):
    twelve, _ = loop.complete()
    _save(loop, twelve["id"], **filled_report(loop))
    clock(date(2028, 4, 30))  # the due date itself is on time
    submitted = _submit(loop, twelve["id"])["report"]
    assert (submitted["status"], submitted["onTime"], submitted["locked"]) == (
        "SUBMITTED", True, True)
    assert submitted["recommendations"][0]["recommendation"]["id"] == loop.recs["TEST-KEN-1"]
    assert _save(loop, twelve["id"], narrative="Edit")["__typename"] == "Conflict"
    assert _submit(loop, twelve["id"])["__typename"] == "Conflict"

    clock(date(2028, 6, 1))
    revised = loop.result(loop.kenya, "ReviseFollowUpReport", id=twelve["id"])["report"]
    assert (revised["version"], revised["locked"], revised["status"], revised["onTime"]) == (
        2, False, "SUBMITTED", True)
    assert revised["previousVersion"] == {"id": twelve["id"], "version": 1}
    assert revised["narrative"] == filled_report(loop)["narrative"]  # pre-filled
    assert len(revised["recommendations"]) == 2
    again = loop.result(loop.kenya, "ReviseFollowUpReport", id=twelve["id"])
    assert again["__typename"] == "Conflict"  # version 1 is superseded
    assert loop.result(loop.kenya, "ReviseFollowUpReport", id=revised["id"])["__typename"] == \
        "Conflict"  # a draft is saved, not revised
    assert _save(loop, twelve["id"], narrative="x")["__typename"] == "Conflict"

    corrected = _save(loop, revised["id"], narrative="Corrected figures.")["report"]
    assert corrected["narrative"] == "Corrected figures."
    final = _submit(loop, revised["id"])["report"]
    assert (final["version"], final["locked"], final["onTime"]) == (2, True, True)

    old = loop.op(loop.kenya, "FollowUpReport", id=twelve["id"])["followUpReport"]
    assert (old["version"], old["superseded"], old["narrative"]) == (
        1, True, filled_report(loop)["narrative"])
    listed = loop.op(loop.kenya, "FollowUpReports", engagementId=loop.engagement_id)
    assert [(e["node"]["kind"], e["node"]["version"]) for e in
            listed["followUpReports"]["edges"]] == [("TWELVE_MONTHS", 2),
                                                    ("TWENTY_FOUR_MONTHS", 1)]
    actions = [a.action for a in db_session.exec(select(AuditEntry).order_by(AuditEntry.seq))]
    assert actions[-3:] == ["follow_up.submitted", "follow_up.revised", "follow_up.submitted"]
    assert verify(db_session).ok


def test_status_follows_the_clock_and_a_late_report_is_not_on_time(loop, clock):
    twelve, twenty_four = loop.complete()

    def statuses(status: str | None = None) -> list[tuple[str, str]]:
        page = loop.op(loop.secretariat, "FollowUpReports", status=status, first=10)
        return [(e["node"]["kind"], e["node"]["status"]) for e in page["followUpReports"]["edges"]]

    clock(DUE_12)
    assert statuses() == [("TWELVE_MONTHS", "DUE"), ("TWENTY_FOUR_MONTHS", "DUE")]
    clock(date(2028, 5, 1))
    assert statuses() == [("TWELVE_MONTHS", "OVERDUE"), ("TWENTY_FOUR_MONTHS", "DUE")]
    assert statuses("OVERDUE") == [("TWELVE_MONTHS", "OVERDUE")]
    assert statuses("DUE") == [("TWENTY_FOUR_MONTHS", "DUE")]
    assert statuses("SUBMITTED") == []

    _save(loop, twelve["id"], **filled_report(loop))
    late = _submit(loop, twelve["id"])["report"]
    assert (late["status"], late["onTime"]) == ("SUBMITTED", False)
    assert statuses("SUBMITTED") == [("TWELVE_MONTHS", "SUBMITTED")]
    assert statuses("OVERDUE") == []

    _save(loop, twenty_four["id"], **filled_report(loop))
    clock(date(2029, 1, 15))
    early = _submit(loop, twenty_four["id"])["report"]
    assert (early["status"], early["onTime"]) == ("SUBMITTED", True)
    clock(date(2031, 1, 1))  # time passing does not change a submitted report
    assert statuses() == [("TWELVE_MONTHS", "SUBMITTED"), ("TWENTY_FOUR_MONTHS", "SUBMITTED")]


def test_further_needs_become_a_new_draft_request_in_one_step(loop, db_session, clock):
    twelve, _ = loop.complete()
    empty = loop.result(loop.kenya, "RequestFromFurtherNeeds", reportId=twelve["id"])
    assert (empty["__typename"], empty["field"], empty["rule"]) == (
        "ValidationError", "furtherNeeds", "required")
    _save(loop, twelve["id"], **filled_report(loop))
    clock(date(2028, 3, 1))
    made = loop.result(loop.kenya, "RequestFromFurtherNeeds", reportId=twelve["id"])
    assert made["__typename"] == "FurtherNeedsRequestPayload", made
    request = made["request"]
    original = db_session.get(CapacityRequest, decode_id("CapacityRequest", loop.request_id))
    assert request["status"] == "DRAFT"
    assert request["title"] == f"Follow-up: {original.title}"
    assert request["need"] == filled_report(loop)["furtherNeeds"]
    assert [r["id"] for r in request["recommendations"]] == [loop.recs["TEST-KEN-1"],
                                                           loop.recs["TEST-KEN-2"]]
    assert set(request["themes"]) == {"Justice", "Women's rights", "National plan of action"}
    assert request["languages"] == original.languages
    assert request["windowStart"] == "2028-03-31"
    assert made["engagement"]["id"] == loop.engagement_id
    row = db_session.get(CapacityRequest, decode_id("CapacityRequest", request["id"]))
    assert (row.status, row.follows_engagement_id) == (RequestStatus.DRAFT, loop.engagement.id)
    assert verify(db_session).ok
