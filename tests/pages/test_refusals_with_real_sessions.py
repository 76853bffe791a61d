"""Refusals of page writes as the server really runs them: each request in its own session,
closed when the request ends (the other page tests share one open session, which hides what
happens after a rollback). A refusal is its 403/404/409 page, never a bare 500; a conflicted
member's refused vote keeps its recusal; waiting too long for SQLite's lock is a 503 with
Retry-After, and readers do not wait for a writer at all."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from facility.app import create_app
from facility.audit import AuditEntry
from facility.auth.actor import Actor
from facility.auth.models import Account, Role
from facility.auth.service import create_account, create_token
from facility.config import Settings
from facility.db import make_engine, unit_of_work
from facility.ids import encode_id
from facility.notifications.models import Notification, NotificationKind
from facility.offers.models import Offer, OfferKind, OfferStatus
from facility.requests.models import CapacityRequest, RequestStatus
from facility.timeutil import utcnow
from governance import committee, screening
from governance.models import CommitteeSeat, Motion, Recusal, VoteChoice
from governance.motions import cast_vote
from tests.api.helpers import operation
from tests.conftest import BACKENDS
from tests.governance.conftest import FreshDatabase, fresh_database
from tests.pages.conftest import PASSWORD, Browser, csrf_of

MEMBERS = {"AFRICAN": "KEN", "APG": "IND", "EEG": "POL", "GRULAC": "BRA"}


@dataclass
class Seeded:
    db: FreshDatabase
    app: object
    ids: dict[str, int]
    token: str  # the mission's API token

    def get(self, model, pk):
        with Session(self.db.engine) as session:
            return session.get(model, pk)


def _account(session, role: Role, email: str, **kw) -> Account:
    return create_account(session, role=role, email=email, name=email.split("@")[0],
                          password=PASSWORD, **kw)


def _request(session, author: Account, status: RequestStatus) -> CapacityRequest:
    request = CapacityRequest(state_code="KEN", status=status, title=f"{status} request (test)",
                              need="(test)", window_start=date(2027, 2, 1),
                              window_end=date(2027, 6, 30), weeks=4, experts_needed=1,
                              budget=40_000, currency="USD", priority=2, created_by_id=author.id,
                              languages=["en"], support_kinds=["TRAINING"],
                              submitted_at=None if status == RequestStatus.DRAFT else utcnow())
    session.add(request)
    session.flush()
    return request


@pytest.fixture(params=BACKENDS)
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Seeded]:
    with fresh_database(request.param, tmp_path) as db:
        ids: dict[str, int] = {}
        with unit_of_work(db.engine) as session:
            staff = _account(session, Role.SECRETARIAT, "staff@real.example")
            mission = _account(session, Role.STATE, "mission@real.example", state_code="KEN")
            partner = _account(session, Role.PARTNER, "partner@real.example",
                               partner_name="Real partner")
            members = {g: _account(session, Role.COMMITTEE, f"{g.lower()}@real.example",
                                   state_code=s, group_code=g) for g, s in MEMBERS.items()}
            newcomer = _account(session, Role.COMMITTEE, "newcomer@real.example",
                                state_code="KEN", group_code="AFRICAN")
            token = create_token(session, account=mission)
            staff_actor = Actor.from_account(staff)
            for group, member in members.items():
                committee.seat_member(session, actor=staff_actor, group_code=group,
                                      member_email=member.email)
            screened = _request(session, mission, RequestStatus.SUBMITTED)
            opened = screening.open_screening(session, actor=staff_actor, request_id=screened.id)
            # The seat changes hands after the motion opened: the newcomer is from Kenya too.
            committee.seat_member(session, actor=staff_actor, group_code="AFRICAN",
                                  member_email=newcomer.email)
            for group in ("APG", "EEG", "GRULAC"):
                cast_vote(session, actor=Actor.from_account(members[group], seated=True),
                          motion_id=opened.motion_id, choice=VoteChoice.APPROVE)
            offer = Offer(partner_id=partner.partner_id, status=OfferStatus.PUBLISHED,
                          title="Published offer (test)", kind=OfferKind.FUNDING,
                          budget=100_000, currency="USD", max_requests=2, languages=["en"],
                          window_start=date(2027, 1, 1), window_end=date(2027, 12, 31),
                          created_by_id=partner.id)
            session.add(offer)
            session.flush()
            notice = Notification(account_id=partner.id, kind=NotificationKind.EXPERT_DECLINED,
                                  offset_days=0, due_date=date(2027, 1, 1),
                                  subject="An expert declined (test)", body="(test)")
            session.add(notice)
            session.flush()
            ids.update(motion=opened.motion_id, notice=notice.id, newcomer=newcomer.id, offer=offer.id,
                       submitted=_request(session, mission, RequestStatus.SUBMITTED).id,
                       draft=_request(session, mission, RequestStatus.DRAFT).id)
        engine = make_engine(db.url, lock_timeout=0.3)  # a short wait, for the 503 test
        app = create_app(Settings(database_url=db.url, env="development"), engine=engine)
        yield Seeded(db=db, app=app, ids=ids, token=token)
        engine.dispose()


@pytest.fixture
def browser(seeded: Seeded) -> Iterator[Browser]:
    with TestClient(seeded.app, follow_redirects=False) as http:  # server faults raise here
        yield Browser(http)


def test_refused_state_and_partner_writes_are_their_pages(seeded: Seeded, browser: Browser):
    ids = seeded.ids
    browser.sign_in("mission@real.example")
    path = f"/state/requests/{ids['submitted']}"
    assert browser.submit(path, f"{path}/submit", {}).status_code == 409  # already submitted
    path = f"/state/requests/{ids['draft']}"
    assert browser.submit(path, f"{path}/withdraw", {"reason": "No longer needed"}).status_code == 303
    again = browser.submit(path, f"{path}/withdraw", {"reason": "Twice"})  # already withdrawn
    assert again.status_code == 409 and "This cannot be done now" in again.text
    assert "mission" in again.text  # the page still knows who is signed in

    page = browser.get("/account/notifications")
    theirs = browser.http.post(f"/account/notifications/{ids['notice']}/read",
                               data={"csrf_token": csrf_of(page.text)})
    assert theirs.status_code == 404  # another account's notice
    assert seeded.get(Notification, ids["notice"]).read_at is None

    other = Browser(TestClient(seeded.app, follow_redirects=False))
    other.sign_in("partner@real.example")
    refused = other.submit("/partner/offers", f"/partner/offers/{ids['offer']}/publish", {})
    assert refused.status_code == 409
    missing = other.submit("/partner/offers", "/partner/offers/99999/publish", {})
    assert missing.status_code == 404


def test_a_member_seated_after_the_motion_opened_cannot_vote_or_decide(seeded: Seeded,
                                                                       browser: Browser):
    ids = seeded.ids
    browser.sign_in("newcomer@real.example")
    path = f"/committee/motions/{ids['motion']}"
    refused = browser.submit(path, f"{path}/vote", {"choice": "APPROVE"})
    assert refused.status_code == 403
    assert "the member&#39;s State (KEN) is the requesting State" in refused.text
    with Session(seeded.db.engine) as session:  # committed, not rolled back with the refusal
        seat = session.exec(select(CommitteeSeat).where(
            CommitteeSeat.account_id == ids["newcomer"])).one()
        assert session.exec(select(Recusal).where(Recusal.motion_id == ids["motion"],
                                                  Recusal.seat_id == seat.id)).one().automatic
        audits = [e for e in session.exec(select(AuditEntry).where(
            AuditEntry.action == "recusal.recorded", AuditEntry.subject_id == ids["motion"]))
            if e.payload["seat"] == seat.id]
        assert len(audits) == 1
    refused = browser.submit(path, f"{path}/decide", {"reasons": ""})
    assert refused.status_code == 403
    assert seeded.get(Motion, ids["motion"]).status == "OPEN"


def test_a_lock_held_too_long_is_a_503_and_readers_do_not_wait(seeded: Seeded, browser: Browser):
    if seeded.db.backend != "sqlite":
        pytest.skip("SQLite's single write lock; PostgreSQL locks rows")
    ids = seeded.ids
    browser.sign_in("mission@real.example")
    path = f"/state/requests/{ids['draft']}"
    page = browser.get(path)
    holder = sqlite3.connect(seeded.db.url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than the wait
    try:
        assert browser.get("/state/requests").status_code == 200  # a reader does not wait
        busy = browser.http.post(f"{path}/withdraw", data={"csrf_token": csrf_of(page.text),
                                                           "reason": "Busy"})
        assert busy.status_code == 503 and busy.headers["Retry-After"] == "2"
        assert "send the form again" in busy.text
        bearer = {"Authorization": f"Bearer {seeded.token}"}
        query = browser.http.post("/graphql", json={"query": "{ me { role } }"}, headers=bearer)
        assert query.status_code == 200 and query.json()["data"]["me"]["role"] == "STATE"
        api = browser.http.post("/graphql", headers=bearer, json={
            "query": operation("WithdrawRequest"),
            "variables": {"id": encode_id("CapacityRequest", ids["draft"]), "reason": "Busy"}})
        assert api.status_code == 503 and api.headers["Retry-After"] == "2"
        assert api.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert seeded.get(CapacityRequest, ids["draft"]).status == RequestStatus.DRAFT
    done = browser.http.post(f"{path}/withdraw", data={"csrf_token": csrf_of(page.text),
                                                       "reason": "Now"})
    assert done.status_code == 303
