"""Teams are rows (proposal_expert, engagement_expert): their order holds, the database refuses
a member who does not exist or the deletion of one who is on a team, and who sees a proposal
or a deployment follows the team.

The `loop` fixture's engagement (Kenya's request, Norad's offer) deploys Norad's "Expert 0";
"Expert 1" is on Norad's roster but not on the team.
"""

from __future__ import annotations

import pytest
from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from facility.engagements.models import Engagement, EngagementExpert
from facility.experts.erasure import erase_expert
from facility.experts.models import Expert
from facility.ids import decode_id, encode_id
from governance.models import MatchProposal, ProposalExpert
from tests.api.helpers import run
from tests.follow_up.conftest import Loop
from tests.follow_up.test_deployments import _expert_client

PROPOSALS = "{ proposals(first: 50) { edges { node { id experts { id } } } } }"
PROPOSAL = "query ($id: ID!) { proposal(id: $id) { id experts { id } } }"
DEPLOYMENTS = "{ myDeployments { edges { node { id } } } }"


def _pks(loop: Loop) -> list[int]:
    return [decode_id("Expert", e) for e in loop.expert_ids]  # type: ignore[misc]


def _amend_team(loop: Loop, team: list[str], reason: str) -> dict:
    amended = loop.result(loop.norad, "AmendEngagement", id=loop.engagement_id,
                          input={"expertIds": team, "reason": reason})
    assert amended["__typename"] == "EngagementPayload", amended
    return amended["engagement"]


def test_a_team_keeps_its_order_in_its_rows(loop: Loop, db_session):
    expert0, expert1 = _pks(loop)
    engagement = _amend_team(loop, [loop.expert_ids[1], loop.expert_ids[0]], "Expert 1 leads")
    assert [e["id"] for e in engagement["experts"]] == [loop.expert_ids[1], loop.expert_ids[0]]
    db_session.expire_all()
    rows = db_session.exec(select(EngagementExpert.expert_id, EngagementExpert.position).where(
        EngagementExpert.engagement_id == loop.engagement.id)
        .order_by(EngagementExpert.position)).all()  # type: ignore[arg-type]
    assert [tuple(r) for r in rows] == [(expert1, 0), (expert0, 1)]
    assert db_session.get(Engagement, loop.engagement.id).expert_ids == [expert1, expert0]

    # Expert 0 leaves: their row is deleted, expert 1's stays first.
    _amend_team(loop, [loop.expert_ids[1]], "Expert 0 is unavailable")
    db_session.expire_all()
    assert db_session.get(Engagement, loop.engagement.id).expert_ids == [expert1]
    assert db_session.exec(select(func.count()).select_from(EngagementExpert).where(
        EngagementExpert.engagement_id == loop.engagement.id)).one() == 1
    # The proposal's team is the optimiser's and stays as it was.
    proposal = db_session.get(MatchProposal, loop.engagement.proposal_id)
    assert proposal.expert_ids == [expert0]


def test_the_database_refuses_a_team_member_who_does_not_exist(loop: Loop, db_session):
    missing = db_session.exec(select(func.max(Expert.id))).one() + 1000
    engagement = db_session.get(Engagement, loop.engagement.id)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        engagement.set_team([*engagement.expert_ids, missing])
        db_session.flush()
    db_session.expire_all()
    assert db_session.get(Engagement, loop.engagement.id).expert_ids == _pks(loop)[:1]

    known = db_session.get(MatchProposal, loop.engagement.proposal_id)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.add(MatchProposal(run_id=known.run_id, request_id=known.request_id,
                                     offer_id=known.offer_id, expert_ids=[missing], value=1,
                                     fit=1, explanation="a team of nobody"))
        db_session.flush()


def test_an_expert_on_a_team_stays_on_it_when_erased_and_cannot_be_deleted(
        loop: Loop, db_session):
    expert0 = _pks(loop)[0]
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.exec(delete(Expert).where(Expert.id == expert0))  # type: ignore[call-overload]
    erase_expert(db_session, email="expert0@example.org", secret="test")
    db_session.flush()
    db_session.expire_all()
    assert db_session.get(Engagement, loop.engagement.id).expert_ids == [expert0]
    assert db_session.get(MatchProposal, loop.engagement.proposal_id).expert_ids == [expert0]
    assert db_session.get(Expert, expert0).erased_at is not None


def test_an_expert_sees_a_deployment_while_on_its_team(loop: Loop, gql, db_session):
    first, _ = _expert_client(loop, gql, db_session, "expert0@example.org")
    second, _ = _expert_client(loop, gql, db_session, "expert1@example.org")

    def deployments(client) -> list[str]:
        return [e["node"]["id"] for e in client(DEPLOYMENTS)["myDeployments"]["edges"]]

    assert deployments(first) == [loop.engagement_id] and deployments(second) == []
    _amend_team(loop, [loop.expert_ids[1]], "Expert 0 declined")  # expert 1 takes the place
    assert deployments(first) == [] and deployments(second) == [loop.engagement_id]
    # Only the expert on the team answers: the one who left is told there is no deployment.
    gone = loop.result(first, "AnswerDeployment", id=loop.engagement_id, accept=True)
    assert gone["__typename"] == "NotFound", gone
    answered = loop.result(second, "AnswerDeployment", id=loop.engagement_id, accept=True)
    assert answered["__typename"] == "DeploymentPayload", answered


def test_a_partner_sees_the_proposals_that_name_its_experts(loop: Loop, db_session):
    sida_expert = run(loop.sida, "NominateExpert", input={
        "name": "Sida Expert", "email": "sida.expert@example.org", "nationality": "GHA",
        "themes": ["Justice"], "languages": ["en"], "consentGiven": True,
        "availability": [{"start": "2027-01-01", "end": "2027-12-31"}]})["result"]["expert"]["id"]
    known = db_session.get(MatchProposal, loop.engagement.proposal_id)

    def proposal(team: list[int]) -> str:
        row = MatchProposal(run_id=known.run_id, request_id=known.request_id,
                            offer_id=known.offer_id, expert_ids=team, value=1, fit=1,
                            explanation="test")
        db_session.add(row)
        db_session.flush()
        return encode_id("MatchProposal", row.id)  # type: ignore[arg-type]

    # Norad's offer funds all three; only the first names a Sida expert (second in the team).
    with_sida = proposal([_pks(loop)[1], decode_id("Expert", sida_expert)])  # type: ignore[list-item]
    without = proposal([_pks(loop)[1]])
    empty = proposal([])

    listed = {e["node"]["id"]: [x["id"] for x in e["node"]["experts"]]
              for e in loop.sida(PROPOSALS)["proposals"]["edges"]}
    assert listed == {with_sida: [loop.expert_ids[1], sida_expert]}
    assert loop.sida(PROPOSAL, {"id": with_sida})["proposal"]["id"] == with_sida
    assert loop.sida(PROPOSAL, {"id": without})["proposal"] is None
    # Norad funds them all; Ghana's mission, whose request none is, sees none.
    norad = {e["node"]["id"] for e in loop.norad(PROPOSALS)["proposals"]["edges"]}
    assert {with_sida, without, empty} <= norad
    assert loop.ghana(PROPOSALS)["proposals"]["edges"] == []
    assert db_session.exec(select(func.count()).select_from(ProposalExpert).where(
        ProposalExpert.expert_id == decode_id("Expert", sida_expert))).one() == 1
