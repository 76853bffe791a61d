"""Consent: recorded with its time, scopes and text version; no consent to matching, no match."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import select

from facility.audit import AuditEntry
from facility.experts.models import Expert
from facility.ids import decode_id
from facility.timeutil import today
from governance.criteria import body_in_force
from governance.runs import build_instance
from tests.api.helpers import run
from tests.privacy.conftest import AMINA, JONAS, expert_input

CONSENT = "{ e: expert(id: $id) { consentGiven consent { givenAt scopes textVersion withdrawnAt } } }"


def _consent(client, expert_id: str) -> dict:
    return client(f"query($id: ID!) {CONSENT}", {"id": expert_id})["e"]


def _matchable(session) -> set[str]:
    """The experts an optimiser run would consider now (E<pk>)."""
    _, criteria = body_in_force(session)
    document, _, _ = build_instance(session, criteria, as_of=today())
    return {e["id"] for e in document["experts"]}


def _pk(expert_id: str) -> str:
    return f"E{decode_id('Expert', expert_id)}"


def test_a_nomination_records_when_what_and_which_text(people):
    expert = people.nominate(AMINA)
    consent = _consent(people.norad, expert["id"])
    assert consent["consentGiven"] is True
    given = datetime.fromisoformat(consent["consent"]["givenAt"])
    assert abs(given - datetime.now(UTC)) < timedelta(minutes=1)
    assert consent["consent"]["scopes"] == ["MATCHING", "ROSTER"]
    assert consent["consent"]["textVersion"] == "roster-consent/1"
    assert consent["consent"]["withdrawnAt"] is None
    # The audit chain records the consent by id and scope names, nothing personal.
    [entry] = people.session.exec(select(AuditEntry).where(AuditEntry.action == "expert.consent"))
    assert entry.subject_id == decode_id("Expert", expert["id"])
    assert entry.payload == {"scopes": ["MATCHING", "ROSTER"], "text_version": "roster-consent/1",
                             "withdrawn": False}


def test_consent_details_are_personal_data(people):
    expert = people.nominate(AMINA)
    assert _consent(people.kenya, expert["id"]) == {"consentGiven": True, "consent": None}
    assert _consent(people.giz, expert["id"])["consent"] is None
    assert _consent(people.secretariat, expert["id"])["consent"]["scopes"] == ["MATCHING", "ROSTER"]


def test_consent_must_cover_the_roster_and_the_current_text(people):
    before = len(people.session.exec(select(Expert)).all())
    refused = run(people.norad, "NominateExpert",
                  input=expert_input(AMINA, consentScopes=["MATCHING"],
                                     consentTextVersion="roster-consent/0"))["result"]
    assert refused["__typename"] == "ValidationError"
    assert {(e["field"], e["rule"]) for e in refused["errors"]} == {
        ("consentScopes", "roster_required"), ("consentTextVersion", "current_text")}
    assert len(people.session.exec(select(Expert)).all()) == before


def test_roster_only_consent_keeps_the_person_out_of_matching(people):
    both = people.nominate(AMINA)
    roster_only = people.nominate(JONAS, consentScopes=["ROSTER"])
    matchable = _matchable(people.session)
    assert _pk(both["id"]) in matchable
    assert _pk(roster_only["id"]) not in matchable


def test_withdrawal_takes_the_person_out_of_matching_at_once_and_consent_can_be_given_again(people):
    expert = people.nominate(AMINA)
    people.link_amina(expert["id"])
    assert _pk(expert["id"]) in _matchable(people.session)

    # The expert withdraws it themself.
    withdrawn = run(people.amina_account, "SetExpertConsent", id=expert["id"],
                    input={"scopes": []})["result"]
    assert withdrawn["__typename"] == "ExpertPayload", withdrawn
    assert withdrawn["expert"]["consentGiven"] is False
    assert withdrawn["expert"]["consent"]["withdrawnAt"] is not None
    assert withdrawn["expert"]["consent"]["scopes"] == []
    assert _pk(expert["id"]) not in _matchable(people.session)
    again = run(people.amina_account, "SetExpertConsent", id=expert["id"],
                input={"scopes": []})["result"]
    assert again["__typename"] == "Conflict"

    # The partner records a new consent (to the roster and matching again).
    renewed = run(people.norad, "SetExpertConsent", id=expert["id"],
                  input={"scopes": ["ROSTER", "MATCHING"],
                         "expectedVersion": withdrawn["expert"]["version"]})["result"]
    assert renewed["__typename"] == "ExpertPayload", renewed
    assert renewed["expert"]["consent"]["withdrawnAt"] is None
    assert _pk(expert["id"]) in _matchable(people.session)
    actions = [e.payload["withdrawn"] for e in people.session.exec(
        select(AuditEntry).where(AuditEntry.action == "expert.consent").order_by(AuditEntry.seq))]
    assert actions == [False, True, False]


def test_consent_on_a_stale_copy_is_a_conflict_and_others_cannot_record_it(people):
    expert = people.nominate(AMINA)
    stale = run(people.norad, "SetExpertConsent", id=expert["id"],
                input={"scopes": ["ROSTER"], "expectedVersion": expert["version"] + 1})["result"]
    assert stale["__typename"] == "Conflict"
    for other in (people.giz, people.kenya, people.secretariat):
        refused = run(other, "SetExpertConsent", id=expert["id"], input={"scopes": []})["result"]
        assert refused["__typename"] == "PermissionDenied"
    assert _consent(people.norad, expert["id"])["consentGiven"] is True
