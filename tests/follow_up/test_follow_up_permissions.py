"""Who sees and files follow-up reports: another State's report answers exactly as not found."""

from __future__ import annotations

import pytest

from facility.ids import decode_id, encode_id
from tests.follow_up.conftest import Loop, filled_report

MUTATIONS = {
    "SaveFollowUpReport": lambda rid: {"id": rid, "input": {"narrative": "x"}},
    "SubmitFollowUpReport": lambda rid: {"id": rid},
    "ReviseFollowUpReport": lambda rid: {"id": rid},
    "RequestFromFurtherNeeds": lambda rid: {"reportId": rid},
}


def _as_if_missing(result: dict, report_id: str) -> dict:
    """The answer for this report, with its id swapped for an id that does not exist."""
    pk = decode_id("FollowUpReport", report_id)
    return {k: (v.replace(f"id {pk}", "id 999999") if isinstance(v, str) else v)
            for k, v in result.items()}


@pytest.fixture
def report(loop: Loop) -> dict:
    twelve, _ = loop.complete()
    loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"], input=filled_report(loop))
    return twelve


def test_who_sees_the_reports(loop, report):
    for client in (loop.kenya, loop.norad, loop.committee, loop.secretariat):
        page = loop.op(client, "FollowUpReports", first=10)["followUpReports"]
        assert page["totalCount"] == 2
        one = loop.op(client, "FollowUpReport", id=report["id"])["followUpReport"]
        # The draft's content is the State's own until it submits (docs/permissions.md).
        draft_reader = client is loop.kenya
        assert one["narrative"] == (filled_report(loop)["narrative"] if draft_reader else "")
    for client in (loop.ghana, loop.sida, loop.anonymous):
        assert loop.op(client, "FollowUpReports", first=10)["followUpReports"]["totalCount"] == 0
        assert loop.op(client, "FollowUpReport", id=report["id"]) == {"followUpReport": None}
    assert loop.op(loop.kenya, "FollowUpReport", id="nonsense") == {"followUpReport": None}
    filtered = loop.op(loop.kenya, "FollowUpReports", engagementId="nonsense")
    assert filtered["followUpReports"]["totalCount"] == 0


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_only_the_states_mission_files_and_others_get_not_found(loop, report, name):
    missing = encode_id("FollowUpReport", 999999)
    not_there = loop.result(loop.kenya, name, **MUTATIONS[name](missing))
    assert not_there["__typename"] == "NotFound"
    for client in (loop.ghana, loop.sida, loop.anonymous):
        answer = loop.result(client, name, **MUTATIONS[name](report["id"]))
        assert _as_if_missing(answer, report["id"]) == not_there
    for client in (loop.norad, loop.committee, loop.secretariat):  # they see it, read only
        assert loop.result(client, name, **MUTATIONS[name](report["id"]))["__typename"] == \
            "PermissionDenied"
    unchanged = loop.op(loop.kenya, "FollowUpReport", id=report["id"])["followUpReport"]
    assert (unchanged["narrative"], unchanged["locked"]) == (
        filled_report(loop)["narrative"], False)
