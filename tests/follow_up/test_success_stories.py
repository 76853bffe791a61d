"""Success stories: proposed by the secretariat, published only after the State consents,
unpublished when the State withdraws its consent; unseen by anyone else until published."""

from __future__ import annotations

import html
import json
from datetime import date

import pytest
from sqlmodel import select

from facility.audit import AuditEntry, verify
from facility.ids import encode_id
from tests.follow_up.conftest import Loop, filled_report

STORY_OPERATIONS = {
    "ProposeSuccessStory", "ConsentToSuccessStory", "DeclineSuccessStory",
    "PublishSuccessStory", "WithdrawSuccessStoryConsent", "SuccessStories", "SuccessStory",
}

PROPOSAL = {"title": "Judges trained in three regions",
            "summary": "Kenya's judicial academy adopted a curriculum on fair-trial guarantees.",
            "parts": ["RECOMMENDATIONS", "INDICATORS"]}


@pytest.fixture
def submitted(loop: Loop, clock) -> dict:
    """Kenya's 12-month report, filed and submitted."""
    twelve, _ = loop.complete()
    clock(date(2028, 2, 1))
    saved = loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"], input=filled_report(loop))
    assert saved["__typename"] == "FollowUpReportPayload", saved
    done = loop.result(loop.kenya, "SubmitFollowUpReport", id=twelve["id"])
    assert done["__typename"] == "FollowUpReportPayload", done
    return done["report"]


def _propose(loop: Loop, report_id: str, **overrides) -> dict:
    return loop.result(loop.secretariat, "ProposeSuccessStory", reportId=report_id,
                       input={**PROPOSAL, **overrides})


def _public_ids(loop: Loop, client) -> set[str]:
    page = loop.op(client, "SuccessStories", first=20)["successStories"]
    return {e["node"]["id"] for e in page["edges"]}


def test_consent_comes_before_publication_and_withdrawal_unpublishes(loop, submitted, db_session):
    proposed = _propose(loop, submitted["id"])
    assert proposed["__typename"] == "SuccessStoryPayload", proposed
    story = proposed["story"]
    assert (story["status"], story["parts"]) == ("PROPOSED", PROPOSAL["parts"])

    # Not yet consented: the secretariat cannot publish, nobody else sees it.
    refused = loop.result(loop.secretariat, "PublishSuccessStory", id=story["id"])
    assert refused["__typename"] == "Conflict" and "consented" in refused["message"]
    for client in (loop.anonymous, loop.ghana, loop.norad, loop.sida, loop.committee):
        assert loop.op(client, "SuccessStory", id=story["id"]) == {"successStory": None}
        assert story["id"] not in _public_ids(loop, client)
    assert story["id"] in _public_ids(loop, loop.kenya)
    assert loop.op(loop.kenya, "SuccessStory", id=story["id"])["successStory"]["status"] == "PROPOSED"

    consented = loop.result(loop.kenya, "ConsentToSuccessStory", id=story["id"],
                            expectedRowVersion=story["rowVersion"])
    assert consented["story"]["status"] == "CONSENTED"
    assert loop.op(loop.anonymous, "SuccessStory", id=story["id"]) == {"successStory": None}
    stale = loop.result(loop.secretariat, "PublishSuccessStory", id=story["id"],
                        expectedRowVersion=story["rowVersion"])
    assert stale["__typename"] == "Conflict" and "rowVersion" in stale["message"]
    published = loop.result(loop.secretariat, "PublishSuccessStory", id=story["id"])
    assert published["story"]["status"] == "PUBLISHED" and published["story"]["publishedAt"]

    public = loop.op(loop.anonymous, "SuccessStory", id=story["id"])["successStory"]
    assert (public["title"], public["summary"]) == (PROPOSAL["title"], PROPOSAL["summary"])
    assert public["state"]["code"] == "KEN" and "Justice" in public["themes"]
    assert (public["partner"], public["expertsDeployed"]) == ("Norad", 1)
    assert [r["status"] for r in public["recommendations"]] == ["PARTIALLY_IMPLEMENTED",
                                                                 "NOT_STARTED"]
    assert [i["name"] for i in public["indicators"]][1] == "Judges trained"
    assert public["narrative"] is None, "NARRATIVE was not among the parts shown"
    # The workflow and the underlying report are the secretariat's and the State's.
    assert (public["proposedAt"], public["answeredAt"], public["report"]) == (None, None, None)
    text = json.dumps(public)
    assert "Expert 0" not in text and "@example.org" not in text, "no personal data"
    assert story["id"] in _public_ids(loop, loop.anonymous)
    assert story["id"] in _public_ids(loop, loop.ghana)

    # Only the State withdraws its consent; the story is unpublished at once.
    for client in (loop.secretariat, loop.norad, loop.ghana):
        assert loop.result(client, "WithdrawSuccessStoryConsent", id=story["id"])[
            "__typename"] == "PermissionDenied"
    withdrawn = loop.result(loop.kenya, "WithdrawSuccessStoryConsent", id=story["id"],
                            reason="The minister asks us to wait for the second report")
    assert withdrawn["story"]["status"] == "WITHDRAWN"
    assert withdrawn["story"]["withdrawReason"].startswith("The minister")
    assert loop.op(loop.anonymous, "SuccessStory", id=story["id"]) == {"successStory": None}
    assert story["id"] not in _public_ids(loop, loop.anonymous)
    again = loop.result(loop.secretariat, "PublishSuccessStory", id=story["id"])
    assert again["__typename"] == "Conflict"

    actions = [e.action for e in db_session.exec(
        select(AuditEntry).where(AuditEntry.subject_type == "success_story")
        .order_by(AuditEntry.seq))]
    assert actions == ["success_story.proposed", "success_story.consented",
                       "success_story.published", "success_story.consent_withdrawn"]
    assert verify(db_session).ok


def test_the_state_may_decline_with_a_reason_and_the_report_be_proposed_again(loop, submitted):
    story = _propose(loop, submitted["id"])["story"]
    twice = _propose(loop, submitted["id"])
    assert twice["__typename"] == "Conflict"
    missing = loop.result(loop.kenya, "DeclineSuccessStory", id=story["id"], reason="  ")
    assert (missing["__typename"], missing["field"], missing["rule"]) == (
        "ValidationError", "reason", "required")
    for client in (loop.ghana, loop.norad, loop.anonymous):
        answer = loop.result(client, "DeclineSuccessStory", id=story["id"], reason="no")
        assert answer["__typename"] == "NotFound"
    assert loop.result(loop.secretariat, "ConsentToSuccessStory", id=story["id"])[
        "__typename"] == "PermissionDenied"
    declined = loop.result(loop.kenya, "DeclineSuccessStory", id=story["id"],
                           reason="The figures are provisional")["story"]
    assert (declined["status"], declined["declineReason"]) == ("DECLINED",
                                                               "The figures are provisional")
    assert loop.result(loop.kenya, "ConsentToSuccessStory", id=story["id"])["__typename"] == \
        "Conflict"
    assert loop.result(loop.secretariat, "PublishSuccessStory", id=story["id"])["__typename"] == \
        "Conflict"
    # After a decline the secretariat may propose again (a new story, a new consent).
    second = _propose(loop, submitted["id"], parts=["NARRATIVE"])["story"]
    assert second["id"] != story["id"] and second["status"] == "PROPOSED"
    listed = loop.op(loop.secretariat, "SuccessStories", status="DECLINED")["successStories"]
    assert [e["node"]["id"] for e in listed["edges"]] == [story["id"]]


def test_a_proposal_names_its_bad_fields_and_needs_a_submitted_report(loop, clock):
    twelve, _ = loop.complete()
    draft = _propose(loop, twelve["id"])
    assert draft["__typename"] == "Conflict" and "draft" in draft["message"]
    clock(date(2028, 2, 1))
    loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"], input=filled_report(loop))
    loop.result(loop.kenya, "SubmitFollowUpReport", id=twelve["id"])
    bad = _propose(loop, twelve["id"], title=" ", summary="x" * 5001,
                   parts=["NARRATIVE", "NARRATIVE"])
    assert bad["__typename"] == "ValidationError"
    assert {(e["field"], e["rule"]) for e in bad["errors"]} == {
        ("title", "required"), ("summary", "max_length"), ("parts[1]", "unique")}
    for client in (loop.kenya, loop.norad, loop.committee, loop.anonymous):
        answer = loop.result(client, "ProposeSuccessStory", reportId=twelve["id"], input=PROPOSAL)
        assert answer["__typename"] == "PermissionDenied"
    # A version a later submitted correction replaces is not proposed; the correction is.
    revised = loop.result(loop.kenya, "ReviseFollowUpReport", id=twelve["id"])["report"]
    pending = _propose(loop, twelve["id"])
    assert pending["__typename"] == "SuccessStoryPayload", "the draft correction does not count"
    loop.result(loop.kenya, "DeclineSuccessStory", id=pending["story"]["id"], reason="Wait")
    loop.result(loop.kenya, "SubmitFollowUpReport", id=revised["id"])
    outdated = _propose(loop, twelve["id"])
    assert outdated["__typename"] == "Conflict" and "version 2" in outdated["message"]
    assert _propose(loop, revised["id"])["__typename"] == "SuccessStoryPayload"
    unknown = _propose(loop, encode_id("FollowUpReport", 999999))
    assert unknown["__typename"] == "NotFound"
    assert loop.op(loop.secretariat, "SuccessStories")["successStories"]["totalCount"] == 2


def test_every_story_operation_ran(loop, submitted):
    """The contract documents of stories, each run here once (test_contract relies on it)."""
    story = _propose(loop, submitted["id"])["story"]
    loop.result(loop.kenya, "ConsentToSuccessStory", id=story["id"])
    loop.result(loop.secretariat, "PublishSuccessStory", id=story["id"])
    loop.op(loop.anonymous, "SuccessStories")
    loop.op(loop.anonymous, "SuccessStory", id=story["id"])
    loop.result(loop.kenya, "WithdrawSuccessStoryConsent", id=story["id"])
    other = _propose(loop, submitted["id"])["story"]
    loop.result(loop.kenya, "DeclineSuccessStory", id=other["id"], reason="Not now")
    assert loop.ran >= STORY_OPERATIONS


def test_the_public_page_shows_published_stories_only(loop, submitted):
    pages = loop.anonymous.http
    proposed = _propose(loop, submitted["id"])["story"]
    assert "Judges trained in three regions" not in pages.get("/stories").text
    loop.result(loop.kenya, "ConsentToSuccessStory", id=proposed["id"])
    assert "Judges trained in three regions" not in pages.get("/stories").text  # consented only
    loop.result(loop.secretariat, "PublishSuccessStory", id=proposed["id"])
    page = pages.get("/stories")
    text = html.unescape(page.text)
    assert page.status_code == 200 and "1 story published." in text
    assert PROPOSAL["title"] in text and PROPOSAL["summary"] in text
    # The parts the State chose to show: recommendations and indicators, not the narrative.
    assert "Recommendations and their implementation" in text and "Indicators" in text
    assert "The training programme ran as planned" not in text
    french = pages.get("/stories?lang=fr").text
    assert "Récits de réussite" in french and "1 récit publié." in french
    loop.result(loop.kenya, "WithdrawSuccessStoryConsent", id=proposed["id"])
    assert PROPOSAL["title"] not in pages.get("/stories").text


def test_a_proposed_story_asks_the_state_once_and_nobody_else(loop, submitted):
    def kinds(client) -> list[str]:
        page = loop.op(client, "Notifications", first=50)["notifications"]
        return [e["node"]["kind"] for e in page["edges"] if e["node"]["kind"] != "REPORT_DUE"]

    others = (loop.secretariat, loop.ghana, loop.norad, loop.sida, loop.committee)
    assert kinds(loop.kenya) == [] and all(kinds(c) == [] for c in others)
    story = _propose(loop, submitted["id"])["story"]
    page = loop.op(loop.kenya, "Notifications", first=50)["notifications"]
    [notice] = [e["node"] for e in page["edges"]]
    assert notice["kind"] == "STORY_TO_CONSENT"
    assert notice["successStory"] == {"id": story["id"], "status": "PROPOSED"}
    assert notice["subject"] == "A success story to consent to (Kenya)"
    assert PROPOSAL["title"] in notice["body"] and PROPOSAL["summary"] not in notice["body"]
    assert all(kinds(c) == [] for c in others)
    # Answering it asks nobody else anything.
    loop.result(loop.kenya, "ConsentToSuccessStory", id=story["id"])
    assert kinds(loop.kenya) == ["STORY_TO_CONSENT"] and all(kinds(c) == [] for c in others)
