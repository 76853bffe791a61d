"""The whole governance path through GraphQL, as its users drive it.

Seat the committee, adopt criteria, submit and screen requests, run the optimiser, vote
(with a recused member's refused vote and a decision refused for want of quorum), confirm,
and the engagement is created. Every step is audited and the chain verifies.
"""

from __future__ import annotations

from facility.audit import verify
from tests.api.helpers import request_input
from tests.governance_api.conftest import World, nominate, publish_offer

E2E_OPERATIONS = {
    "SeatCommitteeMember", "Committee", "DraftCriteria", "UpdateCriteriaDraft", "ProposeCriteria",
    "CriteriaSets", "OpenScreening", "CastVote", "DeclareRecusal", "DecideMotion", "Motions",
    "Screening", "StartOptimiserRun", "OptimiserRun", "Proposals", "ConfirmProposal",
    "PublishedDecisions",
}


def _vote(w: World, group: str, motion_id: str, choice: str = "APPROVE", comment: str = "") -> dict:
    return w.op(w.members[group], "CastVote", motionId=motion_id, choice=choice,
                comment=comment)["result"]


def test_the_whole_governance_path(world: World, recs, db_session):
    w = world
    committee = w.op(w.gql, "Committee")  # public
    assert {s["regionalGroup"]: s["state"]["code"] for s in committee["committee"]} == {
        "AFRICAN": "KEN", "APG": "IND", "EEG": "POL", "GRULAC": "BRA", "WEOG": "NOR"}
    assert committee["criteriaInForce"]["version"] == 1

    # The committee drafts new criteria, edits them, and adopts them by vote.
    draft = w.op(w.members["EEG"], "DraftCriteria", input={
        "title": "Criteria 2027", "body": {"eligibility": {"budget_ceiling": 150000}}})["result"]
    assert draft["__typename"] == "CriteriaPayload", draft
    version = draft["criteriaSet"]["version"]
    edited = w.op(w.members["APG"], "UpdateCriteriaDraft", version=version,
                  expectedRowVersion=draft["criteriaSet"]["rowVersion"],
                  body={"eligibility": {"budget_ceiling": 100000}, "voting": {"quorum": 3}})["result"]
    assert edited["criteriaSet"]["body"]["eligibility"]["budget_ceiling"] == 100000
    stale = w.op(w.members["EEG"], "UpdateCriteriaDraft", version=version,
                 expectedRowVersion=draft["criteriaSet"]["rowVersion"], title="Lost update?")["result"]
    assert stale["__typename"] == "Conflict"
    motion = w.op(w.members["EEG"], "ProposeCriteria", version=version)["result"]["motion"]
    for group in ("AFRICAN", "APG", "EEG", "GRULAC"):
        _vote(w, group, motion["id"])
    decided = w.op(w.secretariat, "DecideMotion", motionId=motion["id"])["result"]
    assert decided["motion"]["status"] == "PASSED"
    sets = {c["version"]: c["status"] for c in w.op(w.gql, "CriteriaSets")["criteriaSets"]}
    assert sets == {1: "SUPERSEDED", version: "IN_FORCE"}

    # Two States file and submit; one request breaks the new budget ceiling.
    ken = w.op(w.kenya, "CreateRequest", input=request_input(
        [recs["TEST-KEN-1"]], expertsNeeded=2, budget=80000))["result"]["request"]
    w.op(w.kenya, "SubmitRequest", id=ken["id"])
    gha = w.op(w.ghana, "CreateRequest", input=request_input(
        [recs["TEST-GHA-1"]], themes=["NHRI"], languages=["en"], expertsNeeded=1,
        budget=120000))["result"]["request"]
    w.op(w.ghana, "SubmitRequest", id=gha["id"])

    ken_screening = w.op(w.secretariat, "OpenScreening", requestId=ken["id"])["result"]["screening"]
    assert ken_screening["failedClauses"] == []
    assert ken_screening["criteriaVersion"] == version
    # Kenya's member is recused automatically and cannot vote on Kenya's request.
    assert [r["regionalGroup"] for r in ken_screening["motion"]["recusals"]] == ["AFRICAN"]
    refused = _vote(w, "AFRICAN", ken_screening["motion"]["id"])
    assert refused["__typename"] == "PermissionDenied"
    for group in ("APG", "EEG"):
        _vote(w, group, ken_screening["motion"]["id"])
    short = w.op(w.secretariat, "DecideMotion", motionId=ken_screening["motion"]["id"])["result"]
    assert short["__typename"] == "Conflict" and "quorum" in short["message"]
    _vote(w, "GRULAC", ken_screening["motion"]["id"], "REJECT", "Too broad")
    _vote(w, "GRULAC", ken_screening["motion"]["id"], "APPROVE")  # changed before the decision
    passed = w.op(w.secretariat, "DecideMotion", motionId=ken_screening["motion"]["id"])["result"]
    assert passed["motion"]["status"] == "PASSED"
    assert passed["motion"]["tally"] == {"approve": 3, "reject": 0, "abstain": 0, "recused": 1,
                                         "quorum": 3, "quorumMet": True}
    late = _vote(w, "WEOG", ken_screening["motion"]["id"])
    assert late["__typename"] == "Conflict"  # the decision closed the vote

    gha_screening = w.op(w.secretariat, "OpenScreening", requestId=gha["id"])["result"]["screening"]
    assert [c["clause"] for c in gha_screening["failedClauses"]] == ["eligibility.budget_ceiling"]
    w.op(w.members["EEG"], "DeclareRecusal", motionId=gha_screening["motion"]["id"],
         reason="I advised Ghana's NHRI last year")
    for group in ("APG", "GRULAC", "WEOG"):
        _vote(w, group, gha_screening["motion"]["id"], "REJECT")
    w.op(w.secretariat, "DecideMotion", motionId=gha_screening["motion"]["id"])
    # Ghana reads why, and sees its request ineligible.
    mine = w.op(w.ghana, "Screening", requestId=gha["id"])["screening"]
    assert "above the ceiling" in mine["reasons"]
    assert w.op(w.kenya, "Screening", requestId=gha["id"])["screening"] is None  # not Kenya's

    queue = w.op(w.members["APG"], "Motions", kind="SCREENING")["motions"]
    assert queue["totalCount"] == 2
    assert w.op(w.kenya, "Motions")["motions"]["totalCount"] == 0  # internal to the committee

    # Offers and experts; the optimiser runs in the background and proposes.
    publish_offer(w, themes=["Justice"], eligibleGroups=None)
    nominate(w, "BRA", ["Justice"], ["en", "pt"])
    nominate(w, "FRA", ["Justice"], ["en", "fr"])
    started = w.op(w.secretariat, "StartOptimiserRun", timeLimit=5)["result"]
    assert started["__typename"] == "RunPayload", started
    run = w.op(w.secretariat, "OptimiserRun", id=started["run"]["id"])["optimiserRun"]
    assert run["status"] == "DONE" and run["solverStatus"] == "OPTIMAL"
    assert run["criteriaVersion"] == version
    [proposal] = run["proposals"]
    assert proposal["request"]["id"] == ken["id"]
    assert "Funded by offer" in proposal["explanation"]
    assert {e["regionalGroup"] for e in proposal["experts"]} == {"GRULAC", "WEOG"}

    # Vote on the proposal: Kenya's member (requesting State) and Norway's member (the
    # offer's partner is Norwegian) are recused; the other three make the quorum.
    motion_id = proposal["motion"]["id"]
    motions = w.op(w.members["APG"], "Motions", kind="PROPOSAL", status="OPEN")["motions"]
    [node] = [e["node"] for e in motions["edges"]]
    assert sorted(r["regionalGroup"] for r in node["recusals"]) == ["AFRICAN", "WEOG"]
    assert _vote(w, "WEOG", motion_id)["__typename"] == "PermissionDenied"
    for group in ("APG", "EEG", "GRULAC"):
        _vote(w, group, motion_id)
    w.op(w.secretariat, "DecideMotion", motionId=motion_id)

    # Confirmation: not by another State; by Kenya and by Norad -> engagement.
    other = w.op(w.ghana, "ConfirmProposal", id=proposal["id"])["result"]
    assert other["__typename"] == "NotFound"
    first = w.op(w.kenya, "ConfirmProposal", id=proposal["id"])["result"]["proposal"]
    assert first["stateConfirmed"] and not first["partnerConfirmed"] and first["engagement"] is None
    both = w.op(w.norad, "ConfirmProposal", id=proposal["id"])["result"]["proposal"]
    assert both["status"] == "CONFIRMED"
    assert both["engagement"]["status"] == "SCHEDULED"
    assert both["request"]["status"] == "ACTIVE"
    mine = w.op(w.kenya, "Proposals")["proposals"]
    assert mine["totalCount"] == 1 and mine["edges"][0]["node"]["engagement"] is not None
    assert w.op(w.ghana, "Proposals")["proposals"]["totalCount"] == 0

    # The public sees the decisions, not the votes.
    public = w.op(w.gql, "PublishedDecisions")["publishedDecisions"]
    decisions = {(d["node"]["state"]["code"], d["node"]["decision"]) for d in public["edges"]}
    assert decisions == {("KEN", "ELIGIBLE"), ("GHA", "INELIGIBLE"), ("KEN", "APPROVED")}

    report = verify(db_session)
    assert report.ok, report
    assert w.ran >= E2E_OPERATIONS  # every governance operation of the contract ran here
