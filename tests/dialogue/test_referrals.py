"""Referrals: the secretariat records a situation the Council refers to the facility; the State
concerned is told and alone decides, accepting (a draft request it edits) or declining (a
reason that stays private unless the State makes it public). Nothing is matched for a State
that did not ask."""

from __future__ import annotations

import pytest
from sqlmodel import select

from facility.audit import AuditEntry, verify
from facility.ids import encode_id
from facility.referrals.service import SYMBOL
from tests.follow_up.conftest import Loop

REFERRAL_OPERATIONS = {"ReferSituation", "RespondToReferral", "Referrals", "Referral"}

REFERRAL = {"source": "HRC_PRESIDENT", "documentSymbol": "A/HRC/RES/55/12", "stateCode": "KEN",
            "title": "Support to the reform of pre-trial detention",
            "summary": "The Council invites the facility to support Kenya in reducing "
                       "pre-trial detention, in line with the recommendations of its review."}


def _refer(loop: Loop, **overrides) -> dict:
    return loop.result(loop.secretariat, "ReferSituation", input={
        **REFERRAL, "recommendationIds": [loop.recs["TEST-KEN-1"]], **overrides})


def _listed(loop: Loop, client) -> set[str]:
    page = loop.op(client, "Referrals", first=50)["referrals"]
    return {e["node"]["id"] for e in page["edges"]}


def _notices(loop: Loop, client, kind: str = "REFERRAL_TO_ANSWER") -> list[dict]:
    page = loop.op(client, "Notifications", first=50)["notifications"]
    return [e["node"] for e in page["edges"] if e["node"]["kind"] == kind]


def test_the_state_alone_accepts_and_gets_a_draft_it_edits_and_submits(loop, db_session):
    recorded = _refer(loop)
    assert recorded["__typename"] == "ReferralPayload", recorded
    referral = recorded["referral"]
    assert (referral["status"], referral["public"], referral["state"]["code"]) == (
        "PENDING", False, "KEN")
    assert [r["sourceId"] for r in referral["recommendations"]] == ["TEST-KEN-1"]

    # The State concerned is told, once; nobody else is.
    [notice] = _notices(loop, loop.kenya)
    assert "A/HRC/RES/55/12" in notice["subject"] and REFERRAL["summary"] not in notice["body"]
    assert all(_notices(loop, c) == [] for c in (loop.ghana, loop.norad, loop.secretariat))

    # The secretariat and the seated committee see it; the State its own; nobody else.
    for client in (loop.secretariat, loop.committee, loop.kenya):
        assert referral["id"] in _listed(loop, client)
    for client in (loop.anonymous, loop.ghana, loop.norad, loop.sida):
        assert referral["id"] not in _listed(loop, client)
        assert loop.op(client, "Referral", id=referral["id"]) == {"referral": None}

    # Only the State concerned answers: those who see it are refused, the others find nothing.
    for client in (loop.secretariat, loop.committee):
        refused = loop.result(client, "RespondToReferral", id=referral["id"], accept=True)
        assert refused["__typename"] == "PermissionDenied"
    for client in (loop.ghana, loop.norad, loop.anonymous):
        assert loop.result(client, "RespondToReferral", id=referral["id"], accept=True)[
            "__typename"] == "NotFound"
    stale = loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=True,
                        expectedVersion=referral["version"] + 1)
    assert stale["__typename"] == "Conflict" and "expectedVersion" in stale["message"]

    accepted = loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=True,
                           expectedVersion=referral["version"])
    assert accepted["__typename"] == "ReferralPayload", accepted
    answer = accepted["referral"]
    assert (answer["status"], answer["version"]) == ("ACCEPTED", referral["version"] + 1)
    # The secretariat, which follows the referral, is told of the answer; nobody else.
    [told] = _notices(loop, loop.secretariat, "REFERRAL_ANSWERED")
    assert "accepted" in told["subject"] and "A/HRC/RES/55/12" in told["subject"]
    assert "/secretariat/referrals/" in told["body"]
    assert all(_notices(loop, c, "REFERRAL_ANSWERED") == []
               for c in (loop.kenya, loop.ghana, loop.norad, loop.committee))
    draft = answer["request"]
    assert (draft["status"], draft["title"], draft["need"]) == (
        "DRAFT", REFERRAL["title"], REFERRAL["summary"])
    assert draft["referralId"] == referral["id"]
    assert [r["id"] for r in draft["recommendations"]] == [loop.recs["TEST-KEN-1"]]

    # A second answer is a conflict; the draft is the State's own until it submits it.
    again = loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=False,
                        reason="Changed our mind")
    assert again["__typename"] == "Conflict" and "ACCEPTED" in again["message"]
    for client in (loop.norad, loop.committee, loop.secretariat):
        assert loop.op(client, "Request", id=draft["id"])["request"] is None
    for client in (loop.committee, loop.secretariat):
        assert loop.op(client, "Referral", id=referral["id"])["referral"]["request"] is None
    edited = loop.result(loop.kenya, "UpdateRequest", id=draft["id"],
                         input={"budget": 65000, "languages": ["en", "sw"]})
    assert edited["__typename"] == "RequestPayload", edited
    submitted = loop.result(loop.kenya, "SubmitRequest", id=draft["id"])
    assert submitted["request"]["status"] == "SUBMITTED"
    assert loop.op(loop.secretariat, "Referral", id=referral["id"])["referral"]["request"][
        "status"] == "SUBMITTED"

    entries = db_session.exec(select(AuditEntry).where(AuditEntry.subject_type == "referral")
                              .order_by(AuditEntry.seq)).all()
    assert [e.action for e in entries] == ["referral.recorded", "referral.accepted"]
    assert REFERRAL["summary"] not in str([e.payload for e in entries])
    assert verify(db_session).ok


def test_a_decline_needs_a_reason_which_stays_private_unless_the_state_agrees(loop):
    private, public, open_reason = (_refer(loop)["referral"] for _ in range(3))

    missing = loop.result(loop.kenya, "RespondToReferral", id=private["id"], accept=False, reason=" ")
    assert (missing["__typename"], missing["field"], missing["rule"]) == (
        "ValidationError", "reason", "required")
    lonely = loop.result(loop.kenya, "RespondToReferral", id=private["id"], accept=False,
                         reason="Already addressed", reasonPublic=True)
    assert (lonely["field"], lonely["rule"]) == ("reasonPublic", "needs_public")
    with_reason = loop.result(loop.kenya, "RespondToReferral", id=private["id"], accept=True,
                              reason="A reason for accepting")
    assert (with_reason["field"], with_reason["rule"]) == ("reason", "decline_only")

    declined = loop.result(loop.kenya, "RespondToReferral", id=private["id"], accept=False,
                           reason="A national programme already covers it")["referral"]
    assert (declined["status"], declined["declineReason"], declined["request"]) == (
        "DECLINED", "A national programme already covers it", None)
    # The secretariat hears of the decline, never its reason (it reads that on the platform).
    [told] = _notices(loop, loop.secretariat, "REFERRAL_ANSWERED")
    assert "declined" in told["subject"]
    assert "national programme" not in told["subject"] + told["body"]
    for client in (loop.anonymous, loop.norad, loop.ghana):
        assert loop.op(client, "Referral", id=private["id"]) == {"referral": None}
    assert loop.op(loop.committee, "Referral", id=private["id"])["referral"][
        "declineReason"] == "A national programme already covers it"

    # Public, the referral and the answer are seen by all; the reason only if made public too.
    loop.result(loop.kenya, "RespondToReferral", id=public["id"], accept=False, public=True,
                reason="The minister's own reasons")
    loop.result(loop.kenya, "RespondToReferral", id=open_reason["id"], accept=False, public=True,
                reasonPublic=True, reason="Support comes from a regional programme")
    for client in (loop.anonymous, loop.norad, loop.ghana):
        assert {public["id"], open_reason["id"]} <= _listed(loop, client)
        assert private["id"] not in _listed(loop, client)
        seen = loop.op(client, "Referral", id=public["id"])["referral"]
        assert (seen["status"], seen["declineReason"]) == ("DECLINED", None)
        assert loop.op(client, "Referral", id=open_reason["id"])["referral"][
            "declineReason"] == "Support comes from a regional programme"
    assert loop.op(loop.secretariat, "Referral", id=public["id"])["referral"][
        "declineReason"] == "The minister's own reasons"
    declined_list = loop.op(loop.secretariat, "Referrals", status="DECLINED", stateCode="KEN")
    assert declined_list["referrals"]["totalCount"] == 3


def test_accepting_a_referral_without_recommendations_asks_the_state_to_choose(loop):
    referral = _refer(loop, recommendationIds=[])["referral"]
    assert referral["recommendations"] == []
    unchosen = loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=True)
    assert (unchosen["__typename"], unchosen["field"]) == ("ValidationError", "recommendationIds")
    foreign = loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=True,
                          recommendationIds=[loop.recs["TEST-GHA-1"]])
    assert (foreign["field"], foreign["rule"]) == ("recommendationIds", "addressed_to_own_state")
    accepted = loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=True,
                           recommendationIds=[loop.recs["TEST-KEN-2"]])["referral"]
    assert [r["id"] for r in accepted["request"]["recommendations"]] == [loop.recs["TEST-KEN-2"]]
    assert accepted["status"] == "ACCEPTED"


def test_a_referral_names_its_bad_fields_and_is_recorded_once(loop):
    bad = loop.result(loop.secretariat, "ReferSituation", input={
        **REFERRAL, "documentSymbol": "Resolution 55/12", "stateCode": "XXX", "title": " ",
        "summary": "x" * 5001, "recommendationIds": [loop.recs["TEST-GHA-1"]]})
    assert bad["__typename"] == "ValidationError"
    assert {(e["field"], e["rule"]) for e in bad["errors"]} == {
        ("documentSymbol", "document_symbol"), ("stateCode", "known_state"), ("title", "required"),
        ("summary", "max_length"), ("recommendationIds", "addressed_to_own_state")}
    unknown = loop.result(loop.secretariat, "ReferSituation", input={
        **REFERRAL, "recommendationIds": [encode_id("Recommendation", 999999), "not-an-id"]})
    assert (unknown["__typename"], unknown["field"], unknown["rule"]) == (
        "ValidationError", "recommendationIds", "exists")
    for client in (loop.kenya, loop.norad, loop.committee, loop.anonymous):
        assert loop.result(client, "ReferSituation", input=REFERRAL)["__typename"] == \
            "PermissionDenied"

    first = _refer(loop, idempotencyKey="hrc-55-12")
    retry = _refer(loop, idempotencyKey="hrc-55-12")
    assert retry["referral"]["id"] == first["referral"]["id"]
    reused = _refer(loop, idempotencyKey="hrc-55-12", title="Another situation")
    assert (reused["field"], reused["rule"]) == ("idempotencyKey", "reused_with_other_input")
    assert loop.op(loop.secretariat, "Referrals")["referrals"]["totalCount"] == 1
    assert len(_notices(loop, loop.kenya)) == 1


@pytest.mark.parametrize("symbol", ["A/HRC/RES/55/12", "A/HRC/43/37", "A/HRC/DEC/54/115",
                                    "A/HRC/PRST/OS/17/1", "A/HRC/55/L.12/Rev.1",
                                    "A/HRC/RES/S-35/1", "A/HRC/43/37/Add.1"])
def test_council_document_symbols_are_recognised(symbol):
    assert SYMBOL.fullmatch(symbol)


@pytest.mark.parametrize("symbol", ["A/RES/75/1", "HRC/RES/55/12", "A/HRC/", "A/HRC/RES",
                                    "a/hrc/res/55/12", "A/HRC/RES/55/12 ", "A/HRC//55",
                                    "A/HRC/RES/55/12<script>"])
def test_other_texts_are_not_council_document_symbols(symbol):
    assert not SYMBOL.fullmatch(symbol)


def test_every_referral_operation_ran(loop):
    """The contract documents of referrals, each run here once (test_contract relies on it)."""
    referral = _refer(loop)["referral"]
    loop.op(loop.secretariat, "Referrals")
    loop.op(loop.kenya, "Referral", id=referral["id"])
    loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=True)
    assert loop.ran >= REFERRAL_OPERATIONS


def test_recommendations_without_themes_take_the_themes_the_state_chooses(loop, db_session):
    from facility.ids import decode_id
    from facility.reference.models import RecommendationTheme

    pk = decode_id("Recommendation", loop.recs["TEST-KEN-3"])
    for link in db_session.exec(select(RecommendationTheme).where(
            RecommendationTheme.recommendation_id == pk)):
        db_session.delete(link)
    db_session.flush()
    referral = _refer(loop, recommendationIds=[loop.recs["TEST-KEN-3"]])["referral"]
    themeless = loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=True)
    assert (themeless["__typename"], themeless["field"], themeless["rule"]) == (
        "ValidationError", "themes", "required")
    misplaced = loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=False,
                            reason="No", themes=["Justice"])
    assert (misplaced["field"], misplaced["rule"]) == ("themes", "accept_only")
    accepted = loop.result(loop.kenya, "RespondToReferral", id=referral["id"], accept=True,
                           themes=["Death penalty"])
    assert accepted["__typename"] == "ReferralPayload", accepted
    request = loop.op(loop.kenya, "Request", id=accepted["referral"]["request"]["id"])["request"]
    assert request["themes"] == ["Death penalty"]
