"""Donor coordination over GraphQL: who supports which recommendation of a State
(`supportMap`), and the duplicate-support warning on a proposal (`duplicateSupport`)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from facility.auth.models import Account, Role
from facility.auth.service import create_account, create_token
from facility.ids import encode_id
from facility.requests.models import CapacityRequest, RequestRecommendation, RequestStatus
from governance.models import CommitteeSeat, MatchProposal, ProposalStatus
from tests.api.helpers import run
from tests.exports.world import build_world

COORDINATION_OPERATIONS = {"SupportMap", "ProposalDuplicateSupport"}


@pytest.fixture
def world(db_session):
    return build_world(db_session)


@pytest.fixture
def clients(world, gql, db_session, make_token):
    def token_of(actor):
        return create_token(db_session, account=db_session.get(Account, actor.account_id))

    member = create_account(db_session, role=Role.COMMITTEE, email="member@example.org",
                            name="Member", state_code="IND", group_code="APG")
    db_session.add(CommitteeSeat(group_code="APG", account_id=member.id, state_code="IND"))
    db_session.flush()
    return {
        "anonymous": gql,
        "KEN": gql.as_(token_of(world.missions["KEN"])),
        "GHA": gql.as_(token_of(world.missions["GHA"])),
        "norad": gql.as_(token_of(world.partners["norad"])),
        "undp": gql.as_(token_of(world.partners["undp"])),
        "expert": gql.as_(make_token("EXPERT", partner="OHCHR")),
        "committee": gql.as_(create_token(db_session, account=member)),
        "ex_committee": gql.as_(make_token("COMMITTEE", state="POL", group="EEG")),
        "secretariat": gql.as_(token_of(world.secretariat)),
    }


def _proposal(world, db_session, request_key: str, offer_key: str, status: ProposalStatus,
              recs: list[str] | None = None) -> MatchProposal:
    """A proposal of a new run; for a new request of the State when `recs` is given."""
    if recs is not None:
        base = world.requests[request_key]
        request = CapacityRequest(state_code=base.state_code, status=RequestStatus.PROPOSED,
                                  title=f"Follow-up of {base.title}", need="n",
                                  window_start=base.window_start, window_end=base.window_end,
                                  weeks=4, experts_needed=0, budget=20_000, currency="USD",
                                  priority=2, created_by_id=base.created_by_id,
                                  submitted_at=base.submitted_at)
        db_session.add(request)
        db_session.flush()
        db_session.add_all([RequestRecommendation(request_id=request.id,
                                                  recommendation_id=world.recs[r].id) for r in recs])
    else:
        request = world.requests[request_key]
    proposal = MatchProposal(run_id=world.run.id, request_id=request.id,
                             offer_id=world.offers[offer_key].id, expert_ids=[], value=1, fit=0,
                             explanation="test", status=status)
    db_session.add(proposal)
    db_session.flush()
    return proposal


def _map(client, state: str) -> dict | None:
    return run(client, "SupportMap", stateCode=state)["supportMap"]


def _by_source_id(support_map: dict) -> dict[str, dict]:
    return {r["recommendation"]["sourceId"]: r for r in support_map["recommendations"]}


def test_the_support_map_lists_every_partner_on_each_recommendation(world, clients):
    support_map = _map(clients["undp"], "KEN")
    assert support_map["state"]["code"] == "KEN"
    recs = _by_source_id(support_map)
    assert sorted(recs) == ["W-KEN-1", "W-KEN-2"]
    [only] = recs["W-KEN-1"]["supports"]
    justice = world.engagements["ken_justice"]
    assert (only["partner"]["name"], only["source"], only["status"]) == ("Norad", "ENGAGEMENT", "SCHEDULED")
    assert (only["start"], only["end"]) == (justice.start.isoformat(), justice.end.isoformat())
    assert (only["budget"], only["currency"]) == (justice.budget, "USD")
    assert only["request"]["title"] == "Judicial training"
    assert recs["W-KEN-1"]["duplicated"] is False
    plan = recs["W-KEN-2"]
    assert plan["duplicated"] is True
    assert [(s["partner"]["name"], s["status"]) for s in plan["supports"]] == [
        ("Norad", "SCHEDULED"), ("OHCHR", "COMPLETED")]


def test_approved_proposals_count_as_support_but_open_or_refused_ones_do_not(world, clients, db_session):
    _proposal(world, db_session, "gha_nhri", "norad_pub", ProposalStatus.APPROVED, recs=["W-GHA-1"])
    for status in (ProposalStatus.PROPOSED, ProposalStatus.REJECTED, ProposalStatus.DECLINED):
        _proposal(world, db_session, "gha_nhri", "undp_closed", status, recs=["W-GHA-1"])
    [rec] = _map(clients["secretariat"], "GHA")["recommendations"]
    assert [(s["partner"]["name"], s["source"], s["status"]) for s in rec["supports"]] == [
        ("OHCHR", "ENGAGEMENT", "IN_PROGRESS"),
        ("Norad", "APPROVED_PROPOSAL", "APPROVED_PROPOSAL")]
    assert rec["supports"][1]["start"] is None and rec["supports"][1]["budget"] == 20_000
    assert rec["duplicated"] is True


def test_a_state_with_no_support_has_an_empty_map(clients):
    assert _map(clients["secretariat"], "FRA") == {"state": {"code": "FRA", "name": "France"},
                                                    "recommendations": []}


@pytest.mark.parametrize(("who", "state", "visible"), [
    ("KEN", "KEN", True), ("KEN", "ken", True), ("KEN", "GHA", False), ("GHA", "GHA", True),
    ("norad", "GHA", True), ("undp", "KEN", True), ("committee", "KEN", True),
    ("secretariat", "ARG", True), ("anonymous", "KEN", False), ("expert", "KEN", False),
    ("ex_committee", "KEN", False), ("secretariat", "XXX", False), ("secretariat", "", False),
])
def test_who_sees_a_support_map(world, clients, who, state, visible):
    assert (_map(clients[who], state) is not None) is visible


def test_a_new_proposal_warns_of_the_support_it_would_duplicate(world, clients, db_session):
    proposal = _proposal(world, db_session, "ken_justice", "undp_closed", ProposalStatus.PROPOSED,
                         recs=["W-KEN-1", "W-KEN-2"])
    pid = encode_id("MatchProposal", proposal.id)
    data = run(clients["committee"], "ProposalDuplicateSupport", id=pid)["proposal"]
    overlaps = [(d["support"]["partner"]["name"], d["support"]["request"]["title"],
                 [r["sourceId"] for r in d["recommendations"]]) for d in data["duplicateSupport"]]
    assert overlaps == [("Norad", "Judicial training", ["W-KEN-1", "W-KEN-2"]),
                        ("OHCHR", "National action plan drafting", ["W-KEN-2"])]
    # The State and the partner of the proposal see the same warning; nothing is blocked.
    for who in ("KEN", "undp"):
        seen = run(clients[who], "ProposalDuplicateSupport", id=pid)["proposal"]
        assert len(seen["duplicateSupport"]) == 2
    assert run(clients["GHA"], "ProposalDuplicateSupport", id=pid)["proposal"] is None
    assert run(clients["norad"], "ProposalDuplicateSupport", id=pid)["proposal"] is None


def test_a_proposal_does_not_duplicate_itself_or_its_own_engagement(world, clients):
    own = encode_id("MatchProposal", world.proposals["ken_justice"].id)
    data = run(clients["secretariat"], "ProposalDuplicateSupport", id=own)["proposal"]
    assert [(d["support"]["request"]["title"], [r["sourceId"] for r in d["recommendations"]])
            for d in data["duplicateSupport"]] == [("National action plan drafting", ["W-KEN-2"])]
    alone = encode_id("MatchProposal", world.proposals["arg_health"].id)
    assert run(clients["secretariat"], "ProposalDuplicateSupport", id=alone)["proposal"][
        "duplicateSupport"] == []


def test_support_from_another_state_is_never_a_duplicate(world, clients, db_session):
    # Ghana's request on its own recommendation: Kenya's support on Kenya's recommendations
    # does not concern it.
    proposal = _proposal(world, db_session, "gha_nhri", "norad_pub", ProposalStatus.PROPOSED,
                         recs=["W-GHA-1"])
    data = run(clients["secretariat"], "ProposalDuplicateSupport",
               id=encode_id("MatchProposal", proposal.id))["proposal"]
    assert [d["support"]["request"]["title"] for d in data["duplicateSupport"]] == [
        "NHRI accreditation support"]


def test_the_support_map_never_shows_drafts_or_experts(world, clients, db_session):
    text = clients["norad"].post(
        "query { supportMap(stateCode: \"KEN\") { recommendations { supports { request { title } } } } }"
    ).text
    assert "SECRET" not in text
    drafts = db_session.exec(select(CapacityRequest).where(
        CapacityRequest.status == RequestStatus.DRAFT)).all()
    assert drafts and all(d.title not in text for d in drafts)
