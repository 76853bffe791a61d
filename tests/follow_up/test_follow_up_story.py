"""The loop closed end to end over the contract's operations, each of which it runs."""

from __future__ import annotations

from datetime import date

from facility.audit import verify
from tests.follow_up.conftest import DUE_12, END, START, Loop, filled_report

FOLLOW_UP_OPERATIONS = {
    "Engagements", "Engagement", "RecordEngagementProgress", "AmendEngagement",
    "FollowUpReports", "FollowUpReport", "SaveFollowUpReport", "SubmitFollowUpReport",
    "ReviseFollowUpReport", "RequestFromFurtherNeeds", "RecordDutyOfCare",
}


def test_from_engagement_to_a_new_request(loop: Loop, clock, db_session):
    [engagement] = [e["node"] for e in
                    loop.op(loop.norad, "Engagements", first=5)["engagements"]["edges"]]
    assert engagement["status"] == "SCHEDULED"
    amended = loop.result(loop.norad, "AmendEngagement", id=engagement["id"],
                          input={"expertIds": loop.expert_ids, "reason": "Second expert joins"})
    assert [e["id"] for e in amended["engagement"]["experts"]] == loop.expert_ids
    # Duty of care: with an item of the checklist undone, the team may not start.
    undone = loop.result(loop.norad, "RecordDutyOfCare", id=engagement["id"],
                         items=["INSURANCE", "VISAS"], done=False)
    assert [i["item"] for i in undone["engagement"]["dutyOfCare"] if not i["done"]] == [
        "INSURANCE", "VISAS"]
    clock(START)
    early = loop.result(loop.secretariat, "RecordEngagementProgress", id=engagement["id"],
                        status="IN_PROGRESS")
    assert (early["__typename"], early["rule"]) == ("ValidationError", "duty_of_care")
    assert "missing: INSURANCE, VISAS" in early["message"]
    assert loop.result(loop.kenya, "RecordDutyOfCare", id=engagement["id"],
                       items=["INSURANCE"])["__typename"] == "PermissionDenied"
    redone = loop.result(loop.norad, "RecordDutyOfCare", id=engagement["id"],
                         items=["INSURANCE", "VISAS"])
    assert all(i["done"] for i in redone["engagement"]["dutyOfCare"])
    for status, day in (("IN_PROGRESS", START), ("COMPLETED", END)):
        clock(day)  # each step on its date; the experts' acceptance comes by e-mail
        done = loop.result(loop.secretariat, "RecordEngagementProgress", id=engagement["id"],
                           status=status, reason="Both experts accepted by e-mail (test)")
        assert done["engagement"]["status"] == status
    assert loop.op(loop.kenya, "Engagement", id=engagement["id"])["engagement"]["status"] == \
        "COMPLETED"

    clock(date(2028, 2, 1))
    due = loop.op(loop.kenya, "FollowUpReports", status="DUE", first=1)["followUpReports"]
    assert due["totalCount"] == 2 and due["pageInfo"]["hasNextPage"]
    twelve = due["edges"][0]["node"]
    assert (twelve["kind"], twelve["dueDate"]) == ("TWELVE_MONTHS", DUE_12.isoformat())
    saved = loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"],
                        input={**filled_report(loop), "expectedRowVersion": 1})
    assert saved["__typename"] == "FollowUpReportPayload", saved
    submitted = loop.result(loop.kenya, "SubmitFollowUpReport", id=twelve["id"])["report"]
    assert (submitted["status"], submitted["onTime"]) == ("SUBMITTED", True)
    revised = loop.result(loop.kenya, "ReviseFollowUpReport", id=twelve["id"])["report"]
    assert revised["version"] == 2
    assert loop.op(loop.norad, "FollowUpReport", id=twelve["id"])["followUpReport"]["locked"]
    made = loop.result(loop.kenya, "RequestFromFurtherNeeds", reportId=revised["id"])
    assert made["request"]["status"] == "DRAFT"

    assert verify(db_session).ok
    assert loop.ran == FOLLOW_UP_OPERATIONS
