"""No lost updates, no duplicates, under real concurrency on PostgreSQL.

Each test fires the same GraphQL document from several threads at once (a barrier releases
them together), each request in its own session and connection, exactly as the server runs
them, against a committed database. Retries of a creating mutation with the same key must
create exactly one row and all get it back; the same key with other content must be refused
on `idempotencyKey`; stale writes must be a Conflict, never an overwrite; check-then-write
governance actions (start a run, open a screening) must happen once.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func
from sqlmodel import select

from facility.api.endpoint import execute
from facility.app import create_app
from facility.auth.models import Account, Role
from facility.auth.service import create_account
from facility.config import Settings
from facility.db import unit_of_work
from facility.experts.models import Expert
from facility.idempotency import IdempotencyRecord
from facility.offers.models import Offer
from facility.requests.models import CapacityRequest, RequestRecommendation
from governance.models import CommitteeSeat, Motion, OptimiserRun
from tests.api.helpers import YEAR, offer_input, operation, request_input
from tests.durability.conftest import Callers, seed_callers

THREADS = 8


@pytest.fixture
def api(pg_db):
    # No worker: only the queueing counts.
    app = create_app(Settings(database_url=pg_db.url), engine=pg_db.engine)
    callers = seed_callers(pg_db)

    def call(token: str, name: str, **variables: Any) -> dict:
        body, status = execute(app.state, token, operation(name), variables, None)
        assert status == 200 and "errors" not in body, body
        return body["data"]["result"]

    return pg_db, callers, call


def at_once(*calls) -> list[dict]:
    """Run the calls in threads released together; their results in order."""
    barrier = threading.Barrier(len(calls))

    def fire(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(fire, calls))


def count(db, model, *where) -> int:
    with unit_of_work(db.engine) as session:
        return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _expert_input(**overrides) -> dict:
    return {"name": "Amina Diallo", "email": "amina.diallo@durability.example",
            "nationality": "SEN", "themes": ["Justice"], "languages": ["fr"],
            "availability": [{"start": f"{YEAR}-01-01", "end": f"{YEAR}-06-30"}],
            "consentGiven": True, **overrides}


def _creations(callers: Callers) -> dict[str, tuple[str, str, type, dict, dict]]:
    """operation: (token, payload key, model, input, the same input with other content)."""
    request = request_input(callers.recommendations, idempotencyKey="ken-judicial-2027")
    offer = offer_input(idempotencyKey="norad-justice-2027")
    expert = _expert_input(idempotencyKey="norad-amina")
    return {
        "CreateRequest": (callers.state, "request", CapacityRequest, request,
                          {**request, "title": "Another title"}),
        "CreateOffer": (callers.partner, "offer", Offer, offer, {**offer, "budget": 1}),
        "NominateExpert": (callers.partner, "expert", Expert, expert,
                           {**expert, "name": "Someone Else"}),
    }


@pytest.mark.parametrize("name", ["CreateRequest", "CreateOffer", "NominateExpert"])
def test_concurrent_retries_with_one_key_create_exactly_one_row(api, name):
    db, callers, call = api
    token, key, model, payload, _ = _creations(callers)[name]
    results = at_once(*[lambda: call(token, name, input=payload)] * THREADS)
    assert {r["__typename"] for r in results} == {f"{key.title()}Payload"}, results
    ids = {r[key]["id"] for r in results}
    assert len(ids) == 1, f"{len(ids)} different objects for one key"
    assert count(db, model) == 1
    assert count(db, IdempotencyRecord) == 1
    if model is CapacityRequest:  # and no half-created request: its links exist once
        assert count(db, RequestRecommendation) == len(callers.recommendations)
    # A later retry still answers with the first object, and writes nothing.
    assert call(token, name, input=payload)[key]["id"] in ids
    assert count(db, model) == 1


@pytest.mark.parametrize("name", ["CreateRequest", "CreateOffer", "NominateExpert"])
def test_one_key_with_two_contents_at_once_keeps_the_first_and_names_the_key(api, name):
    db, callers, call = api
    token, key, model, payload, other = _creations(callers)[name]
    results = at_once(*[lambda: call(token, name, input=payload),
                        lambda: call(token, name, input=other)] * (THREADS // 2))
    created = [r for r in results if r["__typename"].endswith("Payload")]
    refused = [r for r in results if not r["__typename"].endswith("Payload")]
    assert len({r[key]["id"] for r in created}) == 1
    assert len(refused) == THREADS // 2, results  # all the calls with the losing content
    for r in refused:
        assert r["__typename"] == "ValidationError", r
        assert (r["field"], r["rule"]) == ("idempotencyKey", "reused_with_other_input")
        assert "idempotencyKey" in r["message"]
    assert count(db, model) == 1


def test_stale_concurrent_edits_are_conflicts_never_overwrites(api):
    db, callers, call = api
    request = call(callers.state, "CreateRequest",
                   input=request_input(callers.recommendations))["request"]
    titles = [f"Edit number {i}" for i in range(THREADS)]
    results = at_once(*[
        (lambda t=t: call(callers.state, "UpdateRequest", id=request["id"],
                          input={"title": t, "expectedVersion": request["version"]}))
        for t in titles])
    winners = [r for r in results if r["__typename"] == "RequestPayload"]
    assert len(winners) == 1, results
    assert {r["__typename"] for r in results if r not in winners} == {"Conflict"}
    with unit_of_work(db.engine) as session:
        stored = session.exec(select(CapacityRequest)).one()
    assert stored.version == request["version"] + 1
    assert stored.title == winners[0]["request"]["title"]


def test_editing_without_a_version_queues_and_keeps_every_edit_counted(api):
    db, callers, call = api
    request = call(callers.state, "CreateRequest",
                   input=request_input(callers.recommendations))["request"]
    results = at_once(*[(lambda i=i: call(callers.state, "UpdateRequest", id=request["id"],
                                          input={"weeks": 2 + i})) for i in range(THREADS)])
    assert {r["__typename"] for r in results} == {"RequestPayload"}
    with unit_of_work(db.engine) as session:
        stored = session.exec(select(CapacityRequest)).one()
    # Each edit saw the one before it (row lock): versions 2..9, none lost.
    assert stored.version == request["version"] + THREADS
    assert sorted(r["request"]["version"] for r in results) == list(
        range(request["version"] + 1, request["version"] + THREADS + 1))


def test_two_optimiser_runs_started_at_once_queue_one(api):
    db, callers, call = api
    results = at_once(*[lambda: call(callers.secretariat, "StartOptimiserRun", timeLimit=5)] * 4)
    assert sorted(r["__typename"] for r in results) == ["Conflict"] * 3 + ["RunPayload"]
    assert count(db, OptimiserRun) == 1


def test_a_retried_run_start_with_a_key_returns_the_first_run(api):
    db, callers, call = api
    results = at_once(*[lambda: call(callers.secretariat, "StartOptimiserRun", timeLimit=5,
                                     idempotencyKey="monday-run")] * 4)
    assert {r["__typename"] for r in results} == {"RunPayload"}
    assert len({r["run"]["id"] for r in results}) == 1
    assert count(db, OptimiserRun) == 1


def test_one_screening_when_it_is_opened_twice_at_once(api):
    db, callers, call = api
    request = call(callers.state, "CreateRequest",
                   input=request_input(callers.recommendations))["request"]
    assert call(callers.state, "SubmitRequest", id=request["id"])["__typename"] == "RequestPayload"
    results = at_once(*[lambda: call(callers.secretariat, "OpenScreening",
                                     requestId=request["id"])] * 4)
    assert sorted(r["__typename"] for r in results) == ["Conflict"] * 3 + ["ScreeningPayload"]
    assert count(db, Motion) == 1


def test_one_seat_holder_when_a_seat_is_given_twice_at_once(api):
    db, callers, call = api
    with unit_of_work(db.engine) as session:
        for state in ("KEN", "GHA", "SEN", "NGA"):
            create_account(session, role=Role.COMMITTEE, email=f"member.{state.lower()}@durability.example",
                           name=f"Member for {state}", state_code=state, group_code="AFRICAN")
    results = at_once(*[(lambda s=s: call(callers.secretariat, "SeatCommitteeMember",
                                          regionalGroup="AFRICAN",
                                          memberEmail=f"member.{s.lower()}@durability.example"))
                        for s in ("KEN", "GHA", "SEN", "NGA")])
    assert {r["__typename"] for r in results} == {"SeatPayload"}, results
    assert count(db, CommitteeSeat, CommitteeSeat.group_code == "AFRICAN",
                 CommitteeSeat.ended_at.is_(None)) == 1
    # Seating the holder again (a retry) keeps the term: still one seat, no new term.
    with unit_of_work(db.engine) as session:
        holder = session.exec(select(CommitteeSeat).where(CommitteeSeat.ended_at.is_(None))).one()
        email = session.get(Account, holder.account_id).email
    again = call(callers.secretariat, "SeatCommitteeMember", regionalGroup="AFRICAN", memberEmail=email)
    assert again["__typename"] == "SeatPayload"
    assert count(db, CommitteeSeat) == 4
