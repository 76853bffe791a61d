"""A fresh demo lets the secretariat start a run that ends DONE and proposes or explains
every eligible request (issue: every new run failed on the demo's earlier engagements)."""

from __future__ import annotations

from sqlmodel import select

from facility.auth.models import Account, Role
from facility.auth.service import create_token
from facility.demo.seed import seed_demo
from facility.ids import encode_id
from facility.requests.models import CapacityRequest, RequestStatus
from tests.api.helpers import run


def test_a_run_started_on_the_fresh_demo_ends_done_and_accounts_for_every_request(
        gql, db_session):
    seed_demo(db_session)
    eligible = {encode_id("CapacityRequest", r.id) for r in db_session.exec(
        select(CapacityRequest).where(CapacityRequest.status == RequestStatus.ELIGIBLE))}
    assert eligible
    account = db_session.exec(select(Account).where(Account.role == Role.SECRETARIAT)).one()
    secretariat = gql.as_(create_token(db_session, account=account))

    started = run(secretariat, "StartOptimiserRun", timeLimit=5)["result"]
    assert started["__typename"] == "RunPayload", started
    found = run(secretariat, "OptimiserRun", id=started["run"]["id"])["optimiserRun"]
    assert found["status"] == "DONE", found["error"]
    proposed = {p["request"]["id"] for p in found["proposals"]}
    explained = {u["request"]["id"]: u["reasons"] for u in found["unmatched"] if u["request"]}
    assert all(explained.values()), explained
    # Every eligible request is either proposed or explained, none both.
    assert proposed | set(explained) >= eligible and not proposed & set(explained)
