"""Fixtures for follow-up tests: a real engagement between Kenya and Norad, and a settable clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlmodel import select

from facility.auth.models import Account, Role
from facility.engagements.models import CareItem, Engagement, EngagementCareItem
from facility.ids import encode_id
from facility.requests.models import CapacityRequest, RequestStatus
from facility.timeutil import today_is
from governance.models import CommitteeSeat, MatchProposal, OptimiserRun, ProposalStatus
from tests.api.conftest import recs  # noqa: F401  (re-exported fixture)
from tests.api.helpers import offer_input, request_input, run

START, END = date(2027, 3, 1), date(2027, 4, 30)
DUE_12, DUE_24 = date(2028, 4, 30), date(2029, 4, 30)


@dataclass
class Loop:
    """Everyone around one engagement, and the contract operations the tests ran."""

    anonymous: object
    kenya: object
    ghana: object
    norad: object
    sida: object
    committee: object
    secretariat: object
    expert_ids: list[str]
    recs: dict[str, str]
    engagement: Engagement
    request_id: str
    ran: set[str] = field(default_factory=set)

    @property
    def engagement_id(self) -> str:
        return encode_id("Engagement", self.engagement.id)  # type: ignore[arg-type]

    def op(self, client, name: str, **variables) -> dict:
        """Run a contract operation and remember that the tests ran it."""
        self.ran.add(name)
        return run(client, name, **variables)

    def result(self, client, name: str, **variables) -> dict:
        return self.op(client, name, **variables)["result"]

    def complete(self) -> list[dict]:
        """Take the engagement to COMPLETED; returns its reports, 12 months first."""
        # Each step on its date; the expert has not answered, so the secretariat completes it
        # with a reason (lifecycle.check_step).
        for status, day, reason in (("IN_PROGRESS", START, None),
                                    ("COMPLETED", END, "The expert accepted by e-mail (test)")):
            with today_is(day):
                done = self.result(self.secretariat, "RecordEngagementProgress",
                                   id=self.engagement_id, status=status, reason=reason)
            assert done["__typename"] == "EngagementPayload", done
        page = self.op(self.kenya, "FollowUpReports", engagementId=self.engagement_id)
        return [e["node"] for e in page["followUpReports"]["edges"]]


def filled_report(loop: Loop, **overrides) -> dict:
    """A complete SaveFollowUpReportInput for Kenya's two linked recommendations."""
    base = {
        "recommendations": [
            {"recommendationId": loop.recs["TEST-KEN-1"], "status": "PARTIALLY_IMPLEMENTED",
             "evidence": "120 judges trained; curriculum adopted by the judicial academy.",
             "links": ["https://judiciary.example.org/training-report"]},
            {"recommendationId": loop.recs["TEST-KEN-2"], "status": "NOT_STARTED"},
        ],
        "indicators": [
            {"type": "STRUCTURAL", "name": "National action plan adopted", "unit": "yes/no",
             "baseline": "no", "target": "yes", "current": "no"},
            {"type": "PROCESS", "name": "Judges trained", "unit": "persons", "baseline": "0",
             "target": "120", "current": "120"},
            {"type": "OUTCOME", "name": "Cases decided within a year", "unit": "%",
             "baseline": "41", "target": "60", "current": "47"},
        ],
        "narrative": "The training programme ran as planned in three regions.",
        "furtherNeeds": "Support to draft the national action plan on violence against women.",
    }
    base.update(overrides)
    return base


@pytest.fixture
def clock() -> Iterator[object]:
    """`clock(day)` makes facility.timeutil.today() answer `day` until the test ends."""
    stack = []

    def set_today(day: date) -> None:
        manager = today_is(day)
        manager.__enter__()
        stack.append(manager)

    yield set_today
    for manager in reversed(stack):
        manager.__exit__(None, None, None)


@pytest.fixture
def loop(gql, make_token, db_session, recs) -> Loop:  # noqa: F811
    kenya = gql.as_(make_token("STATE", state="KEN"))
    norad = gql.as_(make_token("PARTNER", partner="Norad"))
    secretariat = gql.as_(make_token("SECRETARIAT"))
    request = run(kenya, "CreateRequest", input=request_input(
        [recs["TEST-KEN-1"], recs["TEST-KEN-2"]]))["result"]["request"]
    offer = run(norad, "CreateOffer", input=offer_input())["result"]["offer"]
    run(norad, "PublishOffer", id=offer["id"])
    experts = []
    for n in range(2):
        result = run(norad, "NominateExpert", input={
            "name": f"Expert {n}", "email": f"expert{n}@example.org", "nationality": "GHA",
            "themes": ["Justice"], "languages": ["en"], "consentGiven": True,
            "availability": [{"start": "2027-01-01", "end": "2027-12-31"}]})["result"]
        experts.append(result["expert"]["id"])

    from facility.ids import decode_id

    request_pk, offer_pk = decode_id("CapacityRequest", request["id"]), decode_id("Offer", offer["id"])
    expert_pks = [decode_id("Expert", e) for e in experts]
    staff = db_session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).first()
    row = db_session.get(CapacityRequest, request_pk)
    row.status, row.submitted_at = RequestStatus.ACTIVE, row.created_at
    opt_run = OptimiserRun(criteria_version=1, time_limit=1, started_by_id=staff.id)
    db_session.add_all([row, opt_run])
    db_session.flush()
    proposal = MatchProposal(run_id=opt_run.id, request_id=request_pk, offer_id=offer_pk,
                             expert_ids=expert_pks[:1], value=1, fit=1, explanation="test",
                             status=ProposalStatus.CONFIRMED)
    db_session.add(proposal)
    db_session.flush()
    engagement = Engagement(proposal_id=proposal.id, request_id=request_pk, offer_id=offer_pk,
                            expert_ids=expert_pks[:1], start=START, end=END, budget=80000,
                            currency="USD")
    db_session.add(engagement)
    db_session.flush()
    # Norad completed the duty-of-care checklist (test_follow_up_story walks it).
    db_session.add_all([EngagementCareItem(engagement_id=engagement.id, item=item,
                                           done_by_id=staff.id) for item in CareItem])
    db_session.flush()
    committee = gql.as_(make_token("COMMITTEE", state="IND", group="APG"))
    member = db_session.exec(select(Account).where(Account.role == Role.COMMITTEE)).one()
    db_session.add(CommitteeSeat(group_code="APG", account_id=member.id, state_code="IND"))
    db_session.flush()  # committee rights come with a seat
    return Loop(
        anonymous=gql, kenya=kenya, ghana=gql.as_(make_token("STATE", state="GHA")),
        norad=norad, sida=gql.as_(make_token("PARTNER", partner="Sida")),
        committee=committee,
        secretariat=secretariat, expert_ids=experts, recs=recs, engagement=engagement,
        request_id=request["id"],
    )
