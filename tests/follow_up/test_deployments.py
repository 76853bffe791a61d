"""An expert accepts or declines their deployment, over the contract.

The engagement of the `loop` fixture (Kenya's request, Norad's offer) deploys Norad's first
expert, "Expert 0"; "Expert 1" is on Norad's roster but not on the team.
"""

from __future__ import annotations

import pytest
from sqlmodel import select

from facility.audit import AuditEntry
from facility.auth.models import PartnerKind, Role
from facility.auth.service import create_account, create_token
from facility.engagements.models import DeploymentAnswer
from facility.experts.erasure import erase_expert
from facility.experts.models import Expert
from facility.ids import decode_id
from facility.notifications.flows import run_reminders
from facility.notifications.models import Notification
from tests.api.helpers import run
from tests.follow_up.conftest import Loop
from tests.follow_up.smtp_sink import smtp_sink
from tests.follow_up.test_reminders import _opener, _settings

DEPLOYMENT_OPERATIONS = {"MyDeployments", "AnswerDeployment"}
REASON = "I am in hospital for surgery in March and cannot travel before May."


def _expert_client(loop: Loop, gql, db_session, email: str):
    account = create_account(db_session, role=Role.EXPERT, email=email, name="An expert",
                             partner_name="Norad", partner_kind=PartnerKind.DONOR_AGENCY)
    return gql.as_(create_token(db_session, account=account)), account


@pytest.fixture
def deployed(loop: Loop, gql, db_session):
    """Expert 0's own account, created after the nomination: linked by e-mail and partner."""
    client, _ = _expert_client(loop, gql, db_session, "expert0@example.org")
    return client


def _deployments(client) -> list[dict]:
    return [e["node"] for e in run(client, "MyDeployments")["myDeployments"]["edges"]]


def _answer(loop: Loop, client, **variables) -> dict:
    return loop.result(client, "AnswerDeployment", id=loop.engagement_id, **variables)


def test_an_expert_account_is_linked_to_its_roster_entry_whichever_comes_first(
        loop: Loop, gql, db_session):
    _, first_account = _expert_client(loop, gql, db_session, "expert0@example.org")
    expert0 = db_session.get(Expert, decode_id("Expert", loop.expert_ids[0]))
    assert expert0.account_id == first_account.id

    # The account first, then the nomination with the same address and partner.
    _, later = _expert_client(loop, gql, db_session, "new.person@example.org")
    nominated = run(loop.norad, "NominateExpert", input={
        "name": "New Person", "email": "New.Person@example.org", "nationality": "GHA",
        "themes": ["Justice"], "languages": ["en"], "consentGiven": True,
        "availability": [{"start": "2027-01-01", "end": "2027-12-31"}]})["result"]["expert"]
    assert db_session.get(Expert, decode_id("Expert", nominated["id"])).account_id == later.id

    # Another partner's entry with the same address is never linked to Norad's account.
    account = create_account(db_session, role=Role.EXPERT, email="twice@example.org",
                             name="Twice", partner_name="GIZ")
    run(loop.norad, "NominateExpert", input={
        "name": "Twice", "email": "twice@example.org", "nationality": "GHA",
        "themes": ["Justice"], "languages": ["en"], "consentGiven": True,
        "availability": [{"start": "2027-01-01", "end": "2027-12-31"}]})
    entry = db_session.exec(select(Expert).where(Expert.email == "twice@example.org")).one()
    assert entry.account_id is None and account.partner_id != entry.partner_id


def test_the_deployed_expert_sees_the_mission_and_no_one_else_has_deployments(
        loop: Loop, deployed, gql, db_session):
    [mine] = _deployments(deployed)
    assert mine["id"] == loop.engagement_id
    assert mine["state"]["code"] == "KEN" and mine["partnerName"] == "Norad"
    assert mine["status"] == "SCHEDULED" and mine["teamSize"] == 1
    assert (mine["answer"], mine["answerVersion"], mine["reason"]) == (None, 0, None)

    not_on_team, _ = _expert_client(loop, gql, db_session, "expert1@example.org")
    assert _deployments(not_on_team) == []
    for client in (loop.anonymous, loop.kenya, loop.norad, loop.committee, loop.secretariat):
        assert run(client, "MyDeployments")["myDeployments"]["totalCount"] == 0


def test_declining_needs_a_reason_and_tells_only_those_who_replace_the_expert(
        loop: Loop, deployed, db_session):
    refused = _answer(loop, deployed, accept=False, reason="   ")
    assert (refused["__typename"], refused["field"], refused["rule"]) == \
        ("ValidationError", "reason", "required")
    assert db_session.exec(select(DeploymentAnswer)).all() == []

    declined = _answer(loop, deployed, accept=False, reason=REASON, expectedVersion=0)
    assert declined["__typename"] == "DeploymentPayload", declined
    assert declined["deployment"]["answer"] == "DECLINED"
    assert declined["deployment"]["reason"] == REASON

    def answers(client) -> list[dict]:
        return loop.op(client, "Engagement", id=loop.engagement_id)["engagement"]["expertAnswers"]

    for client in (loop.norad, loop.secretariat):  # they amend the team
        [answer] = answers(client)
        assert (answer["expert"]["id"], answer["answer"], answer["reason"]) == \
            (loop.expert_ids[0], "DECLINED", REASON)
    for client in (loop.kenya, loop.committee):  # they see the answer, not the person's words
        [answer] = answers(client)
        assert (answer["answer"], answer["reason"]) == ("DECLINED", None)

    # The audit chain holds the answer and the reason's digest, never the words.
    [entry] = db_session.exec(select(AuditEntry).where(AuditEntry.action == "deployment.answered")).all()
    assert entry.payload["answer"] == "DECLINED" and "reason_sha256" in entry.payload
    assert "hospital" not in str(entry.payload)


def test_an_answer_can_change_but_never_from_a_stale_copy(loop: Loop, deployed):
    assert _answer(loop, deployed, accept=True)["deployment"]["answerVersion"] == 1
    again = _answer(loop, deployed, accept=True)
    assert again["__typename"] == "Conflict" and "already answered accepted" in again["message"]
    stale = _answer(loop, deployed, accept=False, reason=REASON, expectedVersion=0)
    assert stale["__typename"] == "Conflict" and "expectedVersion 0, now 1" in stale["message"]
    with_reason = _answer(loop, deployed, accept=True, reason="Happy to")
    assert (with_reason["__typename"], with_reason["rule"]) == ("ValidationError", "decline_only")
    changed = _answer(loop, deployed, accept=False, reason=REASON, expectedVersion=1)
    assert (changed["deployment"]["answer"], changed["deployment"]["answerVersion"]) == ("DECLINED", 2)


def test_only_the_deployed_expert_answers(loop: Loop, deployed, gql, db_session):
    not_on_team, _ = _expert_client(loop, gql, db_session, "expert1@example.org")
    assert _answer(loop, not_on_team, accept=True)["__typename"] == "NotFound"
    assert _answer(loop, loop.anonymous, accept=True)["__typename"] == "NotFound"
    assert _answer(loop, loop.ghana, accept=True)["__typename"] == "NotFound"
    # Those who see the engagement are told it is not theirs to answer.
    for client in (loop.kenya, loop.norad, loop.secretariat):
        assert _answer(loop, client, accept=True)["__typename"] == "PermissionDenied"
    assert loop.result(deployed, "AnswerDeployment", id="not-an-id", accept=True)["__typename"] \
        == "NotFound"
    assert db_session.exec(select(DeploymentAnswer)).all() == []


def test_a_completed_engagement_takes_no_answer(loop: Loop, deployed):
    loop.complete()
    late = _answer(loop, deployed, accept=True)
    assert late["__typename"] == "Conflict" and "completed" in late["message"]


def test_an_expert_taken_off_the_team_no_longer_has_the_deployment(loop: Loop, deployed):
    _answer(loop, deployed, accept=False, reason=REASON)
    amended = loop.result(loop.norad, "AmendEngagement", id=loop.engagement_id,
                          input={"expertIds": [loop.expert_ids[1]], "reason": "Expert 0 declined"})
    assert amended["__typename"] == "EngagementPayload", amended
    assert _deployments(deployed) == []
    assert _answer(loop, deployed, accept=True)["__typename"] == "NotFound"


def test_erasure_removes_the_reason_and_keeps_the_answer(loop: Loop, deployed, db_session):
    _answer(loop, deployed, accept=False, reason=REASON)
    erase_expert(db_session, email="expert0@example.org", secret="test")
    [answer] = db_session.exec(select(DeploymentAnswer)).all()
    assert (answer.answer, answer.reason) == ("DECLINED", "")


def test_a_decline_notifies_the_funding_partner_and_the_secretariat_without_personal_data(
        loop: Loop, deployed, db_session):
    _answer(loop, deployed, accept=True)
    assert db_session.exec(select(Notification)).all() == []  # accepting notifies no one
    _answer(loop, deployed, accept=False, reason=REASON)

    def notices(client) -> list[dict]:
        page = loop.op(client, "Notifications")["notifications"]
        return [e["node"] for e in page["edges"]]

    for client in (loop.norad, loop.secretariat):
        [notice] = notices(client)
        assert notice["kind"] == "EXPERT_DECLINED" and notice["report"] is None
        assert notice["engagement"] == {"id": loop.engagement_id}
        assert notice["subject"] == "An expert declined a deployment starting on 2027-03-01 (Kenya)"
    for client in (loop.kenya, loop.sida, loop.committee, deployed):
        assert notices(client) == []

    # E-mailed by the next reminders run: what to act on, never who declined or why.
    with smtp_sink() as sink:
        report = run_reminders(_opener(db_session), settings=_settings(
            smtp_host="127.0.0.1", smtp_port=sink.port))
        assert (report.delivery.sent, report.delivery.failed) == (2, [])
        for message in sink.messages:
            body = message.get_payload(decode=True).decode()
            assert "declined their deployment" in body and loop.engagement_id in body
            for private in ("Expert 0", "expert0@example.org", "hospital", REASON):
                assert private not in body and private not in message["Subject"]
