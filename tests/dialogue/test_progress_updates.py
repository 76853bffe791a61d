"""Progress updates and the public State page: a State reports on any of its recommendations, a
draft first (its own), then published for the secretariat, the committee and the partners that
fund its engagements; the public reads them, with the rest of the State's page, only once the
State opened its page."""

from __future__ import annotations

from datetime import date

from sqlmodel import select

from facility.audit import AuditEntry, verify
from tests.follow_up.conftest import Loop, filled_report

DIALOGUE_OPERATIONS = {"PostProgressUpdate", "UpdateProgressUpdate", "PublishProgressUpdate",
                       "ProgressUpdates", "ProgressUpdate", "SetStatePageConsent", "StatePage"}

UPDATE = {"implementationStatus": "PARTIALLY_IMPLEMENTED",
          "evidence": "The death penalty moratorium was extended by presidential decree.",
          "evidenceLink": "https://gazette.example.org/2027/moratorium",
          "barriers": "The bill to abolish it is stalled in committee.",
          "supportWanted": "Comparative studies of abolition in the region."}


def _post(loop: Loop, client=None, rec: str = "TEST-KEN-3", **overrides) -> dict:
    return loop.result(client or loop.kenya, "PostProgressUpdate", input={
        "recommendationId": loop.recs[rec], **UPDATE, **overrides})


def _seen(loop: Loop, client, **filters) -> set[str]:
    page = loop.op(client, "ProgressUpdates", first=50, **filters)["progressUpdates"]
    return {e["node"]["id"] for e in page["edges"]}


def test_a_draft_is_the_states_own_and_a_published_update_reaches_its_partners(loop, db_session):
    # A recommendation no request or engagement serves (noted, even): any of the State's own.
    posted = _post(loop)
    assert posted["__typename"] == "ProgressUpdatePayload", posted
    draft = posted["update"]
    assert (draft["status"], draft["recommendation"]["sourceId"], draft["publishedAt"]) == (
        "DRAFT", "TEST-KEN-3", None)
    for client in (loop.secretariat, loop.committee, loop.norad, loop.sida, loop.ghana,
                   loop.anonymous):
        assert draft["id"] not in _seen(loop, client)
        assert loop.op(client, "ProgressUpdate", id=draft["id"]) == {"progressUpdate": None}
    assert draft["id"] in _seen(loop, loop.kenya)

    stale = loop.result(loop.kenya, "UpdateProgressUpdate", id=draft["id"], input={
        "evidence": "Changed", "expectedVersion": draft["version"] + 1})
    assert stale["__typename"] == "Conflict"
    changed = loop.result(loop.kenya, "UpdateProgressUpdate", id=draft["id"], input={
        "implementationStatus": "FULLY_IMPLEMENTED", "evidenceLink": None,
        "expectedVersion": draft["version"]})["update"]
    assert (changed["implementationStatus"], changed["evidenceLink"], changed["version"]) == (
        "FULLY_IMPLEMENTED", None, draft["version"] + 1)
    for client in (loop.ghana, loop.norad, loop.anonymous):
        assert loop.result(client, "PublishProgressUpdate", id=draft["id"])["__typename"] == \
            "NotFound"
    published = loop.result(loop.kenya, "PublishProgressUpdate", id=draft["id"],
                            expectedVersion=changed["version"])["update"]
    assert published["status"] == "PUBLISHED" and published["publishedAt"]

    # The reports back: the secretariat, the committee and the partner funding Kenya's
    # engagement (Norad); not Sida, another State or the public while the page is closed.
    for client in (loop.secretariat, loop.committee, loop.norad, loop.kenya):
        assert draft["id"] in _seen(loop, client, stateCode="KEN")
    for client in (loop.sida, loop.ghana, loop.anonymous):
        assert draft["id"] not in _seen(loop, client)
    assert loop.op(loop.norad, "ProgressUpdate", id=draft["id"])["progressUpdate"][
        "barriers"] == UPDATE["barriers"]

    # Published is final: a change is a new update; only the State's mission changes anything.
    final = loop.result(loop.kenya, "UpdateProgressUpdate", id=draft["id"], input={"evidence": "x"})
    assert final["__typename"] == "Conflict" and "final" in final["message"]
    assert loop.result(loop.kenya, "PublishProgressUpdate", id=draft["id"])["__typename"] == "Conflict"
    for client in (loop.secretariat, loop.norad):
        assert loop.result(client, "UpdateProgressUpdate", id=draft["id"], input={
            "evidence": "x"})["__typename"] == "PermissionDenied"

    actions = [e.action for e in db_session.exec(select(AuditEntry).where(
        AuditEntry.subject_type == "progress_update").order_by(AuditEntry.seq))]
    assert actions == ["progress_update.drafted", "progress_update.changed",
                       "progress_update.published"]
    assert verify(db_session).ok


def test_an_update_names_its_bad_fields_and_is_posted_once(loop):
    bad = _post(loop, rec="TEST-GHA-1", evidence=" ", evidenceLink="javascript:alert(1)",
                barriers="x" * 5001)
    assert bad["__typename"] == "ValidationError"
    assert {(e["field"], e["rule"]) for e in bad["errors"]} == {
        ("recommendationId", "addressed_to_own_state"), ("evidence", "required"),
        ("evidenceLink", "url"), ("barriers", "max_length")}
    unknown = loop.result(loop.kenya, "PostProgressUpdate", input={
        "recommendationId": "nonsense", **UPDATE})
    assert (unknown["field"], unknown["rule"]) == ("recommendationId", "exists")
    for client in (loop.secretariat, loop.norad, loop.committee, loop.anonymous):
        assert _post(loop, client)["__typename"] == "PermissionDenied"
    first = _post(loop, idempotencyKey="moratorium-2027", publish=True)["update"]
    assert first["status"] == "PUBLISHED"
    assert _post(loop, idempotencyKey="moratorium-2027", publish=True)["update"]["id"] == first["id"]
    reused = _post(loop, idempotencyKey="moratorium-2027", publish=False)
    assert (reused["field"], reused["rule"]) == ("idempotencyKey", "reused_with_other_input")
    assert loop.op(loop.kenya, "ProgressUpdates")["progressUpdates"]["totalCount"] == 1


def test_the_state_page_shows_nothing_until_the_state_opens_it(loop, clock):
    _post(loop, publish=True)
    _post(loop, rec="TEST-KEN-1", publish=False, evidence="A draft nobody else reads")
    twelve, _ = loop.complete()
    clock(date(2028, 2, 1))
    loop.result(loop.kenya, "SaveFollowUpReport", id=twelve["id"], input=filled_report(loop))
    loop.result(loop.kenya, "SubmitFollowUpReport", id=twelve["id"])
    referral = loop.result(loop.secretariat, "ReferSituation", input={
        "source": "OHCHR", "documentSymbol": "A/HRC/54/20", "stateCode": "KEN",
        "title": "Prison conditions", "summary": "OHCHR refers the situation in prisons.",
        "recommendationIds": []})["referral"]
    loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=False, public=True,
                reason="A private reason")

    closed = loop.op(loop.anonymous, "StatePage", stateCode="KEN")["statePage"]
    assert (closed["open"], closed["consentVersion"], closed["totalRecommendations"]) == (False, 0, 0)
    assert closed["themes"] == closed["support"] == closed["outcomes"] == []
    assert closed["progressUpdates"] == closed["referrals"] == []
    assert loop.op(loop.anonymous, "StatePage", stateCode="XXX") == {"statePage": None}

    for client in (loop.secretariat, loop.norad, loop.anonymous):
        assert loop.result(client, "SetStatePageConsent", open=True)["__typename"] == \
            "PermissionDenied"
    stale = loop.result(loop.kenya, "SetStatePageConsent", open=True, expectedVersion=3)
    assert stale["__typename"] == "Conflict"
    opened = loop.result(loop.kenya, "SetStatePageConsent", open=True, expectedVersion=0)
    assert opened["consent"] == {"stateCode": "KEN", "open": True, "version": 1}

    page = loop.op(loop.anonymous, "StatePage", stateCode="ken", language="fr")["statePage"]
    assert page["open"] and page["state"]["name"] == "Kenya" and page["totalRecommendations"] == 3
    themes = {t["theme"]: t for t in page["themes"]}
    assert themes["Women's rights"]["label"] == "Droits des femmes"
    assert (themes["Justice"]["total"], themes["Justice"]["supported"]) == (1, 1)
    assert (themes["Death penalty"]["total"], themes["Death penalty"]["supported"]) == (1, 0)
    [support] = page["support"]
    assert (support["partner"], support["status"]) == ("Norad", "COMPLETED")
    assert {(o["recommendation"]["sourceId"], o["status"]) for o in page["outcomes"]} == {
        ("TEST-KEN-1", "PARTIALLY_IMPLEMENTED"), ("TEST-KEN-2", "NOT_STARTED")}
    assert [u["recommendation"]["sourceId"] for u in page["progressUpdates"]] == ["TEST-KEN-3"]
    [shown] = page["referrals"]
    assert (shown["documentSymbol"], shown["declineReason"]) == ("A/HRC/54/20", None)
    # Open, its published updates are everyone's; the draft stays the State's.
    assert loop.op(loop.sida, "ProgressUpdates", stateCode="KEN")["progressUpdates"][
        "totalCount"] == 1

    loop.result(loop.kenya, "SetStatePageConsent", open=False)
    assert loop.op(loop.anonymous, "StatePage", stateCode="KEN")["statePage"]["support"] == []
    assert loop.op(loop.anonymous, "ProgressUpdates")["progressUpdates"]["totalCount"] == 0


def test_every_dialogue_operation_ran(loop):
    """The contract documents of the dialogue platform, each run here once (test_contract)."""
    draft = _post(loop)["update"]
    loop.result(loop.kenya, "UpdateProgressUpdate", id=draft["id"], input={"barriers": "None"})
    loop.result(loop.kenya, "PublishProgressUpdate", id=draft["id"])
    loop.op(loop.norad, "ProgressUpdates")
    loop.op(loop.norad, "ProgressUpdate", id=draft["id"])
    loop.result(loop.kenya, "SetStatePageConsent", open=True)
    loop.op(loop.anonymous, "StatePage", stateCode="KEN")
    assert loop.ran >= DIALOGUE_OPERATIONS
