"""Each governance rule on its own: majority and ties, abstentions, who may vote, recusal,
seats changing hands, declining a proposal, cancelling a run."""

from __future__ import annotations

import pytest
from sqlmodel import select

from facility.jobs import Job, JobStatus
from facility.worker import run_pending
from governance.models import CommitteeSeat, OptimiserRun, RunStatus
from governance.runs import execute_run
from tests.api.helpers import YEAR, request_input, run
from tests.governance_api.conftest import World, nominate, publish_offer

# Contract operations these tests run (the rest run in test_governance_e2e).
RULES_OPERATIONS = {"CancelOptimiserRun", "DeclineProposal"}


def _screening_motion(w: World, recs, key: str = "TEST-KEN-1") -> str:
    request = run(w.kenya, "CreateRequest", input=request_input([recs[key]]))["result"]["request"]
    run(w.kenya, "SubmitRequest", id=request["id"])
    opened = run(w.secretariat, "OpenScreening", requestId=request["id"])["result"]
    return opened["screening"]["motion"]["id"]


def _vote(w: World, group: str, motion_id: str, choice: str) -> dict:
    return run(w.members[group], "CastVote", motionId=motion_id, choice=choice)["result"]


@pytest.mark.parametrize(("choices", "outcome"), [
    ({"APG": "APPROVE", "EEG": "APPROVE", "GRULAC": "REJECT"}, "PASSED"),
    ({"APG": "APPROVE", "EEG": "REJECT", "GRULAC": "REJECT", "WEOG": "APPROVE"}, "FAILED"),  # tie
    ({"APG": "APPROVE", "EEG": "ABSTAIN", "GRULAC": "ABSTAIN"}, "PASSED"),
    ({"APG": "ABSTAIN", "EEG": "ABSTAIN", "GRULAC": "ABSTAIN"}, "FAILED"),  # 0 > 0 is false
])
def test_majority_among_votes_cast(world, recs, choices, outcome):
    motion_id = _screening_motion(world, recs)
    for group, choice in choices.items():
        assert _vote(world, group, motion_id, choice)["__typename"] == "MotionPayload"
    decided = run(world.secretariat, "DecideMotion", motionId=motion_id)["result"]
    assert decided["motion"]["status"] == outcome


def test_only_seated_members_vote_and_only_for_their_own_seat(world, recs, make_token, gql):
    motion_id = _screening_motion(world, recs)
    unseated = gql.as_(make_token("COMMITTEE", state="JPN", group="APG"))
    refused = run(unseated, "CastVote", motionId=motion_id, choice="APPROVE")["result"]
    assert refused["__typename"] == "PermissionDenied"  # a committee account without a seat
    refused = run(world.secretariat, "CastVote", motionId=motion_id, choice="APPROVE")["result"]
    assert refused["__typename"] == "PermissionDenied"  # the secretariat never votes
    refused = run(world.kenya, "CastVote", motionId=motion_id, choice="APPROVE")["result"]
    assert refused["__typename"] == "PermissionDenied"
    # A member's vote counts once for their seat, however often they vote.
    for _ in range(3):
        _vote(world, "APG", motion_id, "APPROVE")
    motions = run(world.members["APG"], "Motions", kind="SCREENING")["motions"]["edges"]
    assert motions[0]["node"]["tally"]["approve"] == 1
    assert len(motions[0]["node"]["votes"]) == 3  # every vote kept, in order


def test_a_declared_recusal_blocks_the_vote(world, recs):
    motion_id = _screening_motion(world, recs)
    run(world.members["EEG"], "DeclareRecusal", motionId=motion_id, reason="Family ties")
    assert _vote(world, "EEG", motion_id, "APPROVE")["__typename"] == "PermissionDenied"
    again = run(world.members["EEG"], "DeclareRecusal", motionId=motion_id, reason="x")["result"]
    assert again["__typename"] == "Conflict"
    empty = run(world.members["APG"], "DeclareRecusal", motionId=motion_id, reason=" ")["result"]
    assert (empty["__typename"], empty["field"]) == ("ValidationError", "reason")


def test_a_seat_changes_hands_and_history_is_kept(world, make_token, db_session):
    make_token("COMMITTEE", state="JPN", group="APG")
    email = [e for e in _committee_emails(db_session) if e.endswith("@example.org")][-1]
    result = run(world.secretariat, "SeatCommitteeMember", regionalGroup="APG", memberEmail=email)
    assert result["result"]["seat"]["state"]["code"] == "JPN"
    seats = db_session.exec(select(CommitteeSeat).where(CommitteeSeat.group_code == "APG")
                            .order_by(CommitteeSeat.id)).all()
    assert [s.state_code for s in seats] == ["IND", "JPN"]
    assert seats[0].ended_at is not None and seats[1].ended_at is None
    # India's former member no longer votes; a non-member of the group cannot take the seat.
    wrong = run(world.secretariat, "SeatCommitteeMember", regionalGroup="EEG",
                memberEmail=email)["result"]
    assert wrong["__typename"] == "ValidationError" and wrong["rule"] == "state_in_group"
    refused = run(world.members["APG"], "SeatCommitteeMember", regionalGroup="APG",
                  memberEmail=email)["result"]
    assert refused["__typename"] == "PermissionDenied"


def _committee_emails(db_session) -> list[str]:
    from facility.auth.models import Account, Role

    return [a.email for a in db_session.exec(
        select(Account).where(Account.role == Role.COMMITTEE).order_by(Account.id))]


def _approved_proposal(w: World, recs) -> dict:
    motion_id = _screening_motion(w, recs)
    for group in ("APG", "EEG", "GRULAC"):
        _vote(w, group, motion_id, "APPROVE")
    run(w.secretariat, "DecideMotion", motionId=motion_id)
    publish_offer(w, themes=["Justice"], eligibleGroups=None)
    nominate(w, "BRA", ["Justice"], ["en"])
    nominate(w, "FRA", ["Justice"], ["en"])
    started = run(w.secretariat, "StartOptimiserRun", timeLimit=5)["result"]["run"]
    [proposal] = run(w.secretariat, "OptimiserRun", id=started["id"])["optimiserRun"]["proposals"]
    for group in ("APG", "EEG", "GRULAC"):
        _vote(w, group, proposal["motion"]["id"], "APPROVE")
    run(w.secretariat, "DecideMotion", motionId=proposal["motion"]["id"])
    return proposal


def test_declining_needs_a_reason_and_releases_the_request(world, recs):
    proposal = _approved_proposal(world, recs)
    silent = run(world.kenya, "DeclineProposal", id=proposal["id"], reason="")["result"]
    assert (silent["__typename"], silent["field"]) == ("ValidationError", "reason")
    declined = run(world.norad, "DeclineProposal", id=proposal["id"],
                   reason="Our experts are committed elsewhere")["result"]["proposal"]
    assert declined["status"] == "DECLINED" and declined["declinedBy"] == "PARTNER"
    assert declined["request"]["status"] == "ELIGIBLE"
    late = run(world.kenya, "ConfirmProposal", id=proposal["id"])["result"]
    assert late["__typename"] == "Conflict"
    # The next run may propose the request again.
    again = run(world.secretariat, "StartOptimiserRun", timeLimit=5)["result"]["run"]
    rerun = run(world.secretariat, "OptimiserRun", id=again["id"])["optimiserRun"]
    assert [p["request"]["id"] for p in rerun["proposals"]] == [proposal["request"]["id"]]


def test_a_queued_run_can_be_cancelled_and_a_running_one_stops(world, app, db_session):
    app.state.run_jobs_inline = False  # no worker: the job waits in the queue
    started = run(world.secretariat, "StartOptimiserRun", timeLimit=5)["result"]["run"]
    queued = db_session.exec(select(Job).where(Job.status == JobStatus.QUEUED)).all()
    assert started["status"] == "QUEUED" and [j.kind for j in queued] == ["optimiser_run"]
    busy = run(world.secretariat, "StartOptimiserRun", timeLimit=5)["result"]
    assert busy["__typename"] == "Conflict"
    cancelled = run(world.secretariat, "CancelOptimiserRun", id=started["id"])["result"]
    assert cancelled["run"]["status"] == "CANCELLED"
    # The worker's job finds its run cancelled and does nothing.
    assert run_pending(app.state.open_session, app.state.settings) == 1
    assert run(world.secretariat, "OptimiserRun", id=started["id"])["optimiserRun"]["status"] == \
        "CANCELLED"

    # A cancel that arrives while the solver runs stops it at its next progress report.
    from facility.auth.models import Account, Role

    secretariat = db_session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first()
    running = OptimiserRun(criteria_version=1, time_limit=5, started_by_id=secretariat.id,
                           cancel_requested=True)
    db_session.add(running)
    db_session.flush()
    execute_run(app.state.open_session, running.id)
    db_session.refresh(running)
    assert running.status == RunStatus.CANCELLED


def test_only_the_secretariat_runs_the_optimiser(world):
    for client in (world.kenya, world.norad, world.members["APG"], world.gql):
        result = run(client, "StartOptimiserRun", timeLimit=5)["result"]
        assert result["__typename"] == "PermissionDenied"
    bad = run(world.secretariat, "StartOptimiserRun", timeLimit=0)["result"]
    assert (bad["__typename"], bad["field"]) == ("ValidationError", "timeLimit")


def test_a_run_interrupted_by_a_restart_is_marked_failed(world, app, db_session):
    from facility.auth.models import Account, Role
    from facility.worker import Worker

    secretariat = db_session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first()
    stuck = OptimiserRun(criteria_version=1, time_limit=5, started_by_id=secretariat.id,
                         status=RunStatus.RUNNING)
    db_session.add(stuck)
    db_session.commit()
    Worker(app.state.open_session, app.state.settings).keep_house()  # a worker starts again
    db_session.refresh(stuck)
    assert stuck.status == RunStatus.FAILED and "interrupted" in stuck.error
    started = run(world.secretariat, "StartOptimiserRun", timeLimit=5)["result"]
    assert started["__typename"] == "RunPayload"  # no longer blocked by the stuck run


def test_the_public_decisions_page(world, recs, gql):
    motion_id = _screening_motion(world, recs)
    for group in ("APG", "EEG", "GRULAC"):
        _vote(world, group, motion_id, "APPROVE")
    run(world.secretariat, "DecideMotion", motionId=motion_id)
    page = gql.http.get("/decisions")
    assert page.status_code == 200
    assert "Judicial training on international standards" in page.text
    assert "Kenya" in page.text and "eligible" in page.text
    assert "Poland" in page.text  # the EEG seat
    assert "APPROVE" not in page.text  # votes are not published


def test_an_expert_from_a_partner_of_the_members_state_means_recusal(world, recs, make_token, gql):
    motion_id = _screening_motion(world, recs)
    for group in ("APG", "EEG", "GRULAC"):
        _vote(world, group, motion_id, "APPROVE")
    run(world.secretariat, "DecideMotion", motionId=motion_id)
    # The offer now comes from OHCHR (no State); the experts are still Norad's nominees.
    ohchr = gql.as_(make_token("PARTNER", partner="OHCHR"))
    offer = run(ohchr, "CreateOffer", input=_offer_open_to_all())["result"]["offer"]
    run(ohchr, "PublishOffer", id=offer["id"])
    nominate(world, "BRA", ["Justice"], ["en"])
    nominate(world, "FRA", ["Justice"], ["en"])
    started = run(world.secretariat, "StartOptimiserRun", timeLimit=5)["result"]["run"]
    [proposal] = run(world.secretariat, "OptimiserRun", id=started["id"])["optimiserRun"]["proposals"]
    assert proposal["offer"]["partner"]["name"] == "OHCHR"
    nodes = run(world.members["APG"], "Motions", kind="PROPOSAL")["motions"]["edges"]
    reasons = {r["regionalGroup"]: r["reason"] for r in nodes[0]["node"]["recusals"]}
    assert set(reasons) == {"AFRICAN", "WEOG"}
    assert "expert was nominated by Norad" in reasons["WEOG"]


def _offer_open_to_all() -> dict:
    from tests.api.helpers import offer_input

    return offer_input(themes=["Justice"], eligibleGroups=None, title="OHCHR justice fund")


def test_a_fault_between_a_vote_and_its_audit_entry_leaves_neither(world, recs, monkeypatch,
                                                                   db_session):
    from facility import audit
    from facility.audit import AuditEntry
    from governance.models import Vote

    motion_id = _screening_motion(world, recs)
    db_session.commit()
    entries = len(db_session.exec(select(AuditEntry)).all())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(audit, "record", broken)
    response = world.members["APG"].post(
        'mutation($m: ID!) { castVote(motionId: $m, choice: APPROVE) { __typename } }',
        {"m": motion_id}).json()
    assert "Unexpected error" in response["errors"][0]["message"]
    monkeypatch.undo()
    assert db_session.exec(select(Vote)).all() == []
    assert len(db_session.exec(select(AuditEntry)).all()) == entries


def test_approved_matches_keep_their_capacity_in_later_runs_and_are_recorded(world, recs):
    proposal = _approved_proposal(world, recs)  # Kenya's request: Norad's offer, both experts
    second = run(world.kenya, "CreateRequest", input=request_input(
        [recs["TEST-KEN-2"]], themes=["Justice"], title="Second justice request"))["result"]["request"]
    run(world.kenya, "SubmitRequest", id=second["id"])
    motion_id = run(world.secretariat, "OpenScreening", requestId=second["id"])["result"][
        "screening"]["motion"]["id"]
    for group in ("APG", "EEG", "GRULAC"):
        _vote(world, group, motion_id, "APPROVE")
    run(world.secretariat, "DecideMotion", motionId=motion_id)

    started = run(world.secretariat, "StartOptimiserRun", timeLimit=5)["result"]["run"]
    later = run(world.secretariat, "OptimiserRun", id=started["id"])["optimiserRun"]
    assert later["status"] == "DONE"
    # Nothing new for the approved request, and its experts (one assignment each) are taken
    # during its window, which the second request's window lies in.
    assert later["proposals"] == []
    [unmatched] = later["unmatched"]
    assert unmatched["request"]["id"] == second["id"] and unmatched["reasons"]
    approved = run(world.kenya, "Request", id=proposal["request"]["id"])["request"]
    assert approved["status"] == "APPROVED"
    # The run records what it carried, under the criteria version it was decided by.
    [held] = later["carried"]
    assert held["proposal"]["id"] == proposal["id"] and held["holds"] == "MATCH"
    assert held["criteriaVersion"] == 1 and held["problems"] == []
    assert (held["start"], held["end"]) == (f"{YEAR}-03-01", f"{YEAR}-09-30")
    # The fairness floors are over the requests the run decides: the second one alone.
    african = next(g for g in later["fairness"] if g["regionalGroup"] == "AFRICAN")
    assert (african["requests"], african["matched"]) == (1, 0)
