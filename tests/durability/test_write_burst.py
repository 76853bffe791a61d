"""Fifty simultaneous writes of each kind against the real server, on SQLite and PostgreSQL.

`facility serve` (uvicorn on 127.0.0.1) runs on a fresh committed database. For each kind of
write (page forms and GraphQL mutations, valid and invalid, distinct and repeated) 50
requests are released together by a barrier. Checked for every kind: no answer is a 5xx;
each answer is the one that write deserves (a redirect, a 422 form with its errors, a 409
page, a payload or an error member); the database holds exactly the rows that should exist
(one per distinct form token or idempotency key, none for an invalid one, one transition for
the same submission sent 50 times).

Meanwhile a probe asks /healthz every 50 ms, and no answer may take 2 s. /healthz is answered
from the event loop alone (facility.web.public: no database, no thread), so a slow one means a
blocked event loop: before page routes ran in the thread pool, a burst of 12 form posts held
the loop and /healthz answered after 30 s; before the import's multipart body was parsed in a
thread, a 19 MB upload held it for 2.6 s.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from facility.auth.models import PartnerKind, Role
from facility.auth.service import create_account
from facility.db import unit_of_work
from facility.experts.models import Expert
from facility.ids import decode_id
from facility.offers.models import Offer
from facility.requests.models import CapacityRequest
from tests.api.helpers import YEAR, operation, request_input
from tests.conftest import BACKENDS
from tests.durability.conftest import Callers, seed_callers
from tests.governance.conftest import FreshDatabase, fresh_database

pytestmark = pytest.mark.slow

FACILITY = Path(sys.executable).with_name("facility")
AT_ONCE = 50
HEALTHZ_BOUND = 2.0  # seconds, on both databases, however busy the machine; see the docstring
PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Served:
    db: FreshDatabase
    url: str
    callers: Callers
    state: dict[str, str]  # the signed-in State browser's cookies
    partner: dict[str, str]
    csrf: dict[str, str]  # each browser's CSRF token
    rec_ids: list[int] = field(default_factory=list)

    def count(self, model, *where) -> int:
        with Session(self.db.engine) as session:
            return session.exec(select(func.count()).select_from(model).where(*where)).one()


def _sign_in(url: str, email: str) -> tuple[dict[str, str], str]:
    with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as client:
        page = client.get("/account/sign-in")
        token = CSRF_RE.search(page.text).group(1)
        done = client.post("/account/sign-in", data={"csrf_token": token, "email": email,
                                                      "password": PASSWORD})
        assert done.status_code == 303, done.text
        home = client.get("/account")
        return dict(client.cookies), CSRF_RE.search(home.text).group(1)


def _start(url: str, port: int, log: Path) -> subprocess.Popen:
    env = {**os.environ, "FACILITY_DATABASE_URL": url, "FACILITY_ENV": "development"}
    with open(log, "ab") as out:
        process = subprocess.Popen([str(FACILITY), "serve", "--host", "127.0.0.1", "--port", str(port)],
                                   env=env, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60  # a bound for a loaded CI machine, not a timing
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text()
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.2)
    process.terminate()
    raise AssertionError(f"the server did not come up:\n{log.read_text()}")


@pytest.fixture(params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path: Path, free_tcp_port: int) -> Iterator[Served]:
    with fresh_database(request.param, tmp_path) as db:
        callers = seed_callers(db)
        with unit_of_work(db.engine) as session:
            create_account(session, role=Role.STATE, email="pages.ken@burst.example",
                           name="Kenya (pages)", state_code="KEN", password=PASSWORD)
            create_account(session, role=Role.PARTNER, email="pages.partner@burst.example",
                           name="Partner (pages)", partner_name="Burst partner",
                           partner_kind=PartnerKind.DONOR_AGENCY, password=PASSWORD)
            create_account(session, role=Role.SECRETARIAT, email="pages.staff@burst.example",
                           name="Secretariat (pages)", password=PASSWORD)
        url = f"http://127.0.0.1:{free_tcp_port}"
        process = _start(db.url, free_tcp_port, tmp_path / "server.log")
        try:
            state, state_csrf = _sign_in(url, "pages.ken@burst.example")
            partner, partner_csrf = _sign_in(url, "pages.partner@burst.example")
            yield Served(db=db, url=url, callers=callers, state=state, partner=partner,
                         csrf={"state": state_csrf, "partner": partner_csrf},
                         rec_ids=[decode_id("Recommendation", r) for r in callers.recommendations])
        finally:
            process.terminate()
            process.wait(10)


class Probe:
    """/healthz asked every 50 ms while the burst runs; the slowest answer is kept."""

    def __init__(self, url: str) -> None:
        self.url, self.latencies, self._stop = url, [], threading.Event()
        self.samples: list[tuple[float, float]] = []  # (when it was asked, how long it took)
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                assert client.get("/healthz").status_code == 200
                self.latencies.append(time.monotonic() - started)
                self.samples.append((started, self.latencies[-1]))
                time.sleep(0.05)

    def __enter__(self) -> Probe:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def at_once(calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(calls))

    def fire(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        answers = list(pool.map(fire, calls))
    server_errors = [(a.status_code, a.text[:300]) for a in answers if a.status_code >= 500]
    assert not server_errors, server_errors
    return answers


def _page_post(s: Served, who: str, path: str, data: dict) -> Callable[[], httpx.Response]:
    cookies = s.state if who == "state" else s.partner
    return lambda: httpx.post(f"{s.url}{path}", data={"csrf_token": s.csrf[who], **data},
                              cookies=cookies, follow_redirects=False, timeout=60)


def _mutation(s: Served, token: str, name: str, **variables) -> Callable[[], httpx.Response]:
    return lambda: httpx.post(f"{s.url}/graphql", json={"query": operation(name), "variables": variables},
                              headers={"Authorization": f"Bearer {token}"}, timeout=60)


def _request_form(s: Served, **overrides) -> dict:
    start = date.today() + timedelta(days=60)
    return {"title": "Training of prison staff (burst)", "need": "Train 200 officers (burst)",
            "recommendationIds": [str(i) for i in s.rec_ids], "themes": ["Justice"],
            "languages": ["en"], "supportKinds": ["TRAINING"], "windowStart": start.isoformat(),
            "windowEnd": (start + timedelta(days=120)).isoformat(), "weeks": "4",
            "expertsNeeded": "2", "budget": "45000", "currency": "USD", "priority": "2",
            **overrides}


def _offer_form(**overrides) -> dict:
    return {"title": "Prison reform training (burst)", "kind": "TRAINING_PROGRAMME",
            "themes": ["Justice"], "languages": ["en", "fr"], "budget": "250000", "currency": "USD",
            "maxRequests": "3", "windowStart": f"{YEAR}-01-01", "windowEnd": f"{YEAR}-12-31",
            "description": "Two-week course", "conditions": "", **overrides}


def _kinds(answers: list[httpx.Response]) -> Counter:
    return Counter(a.status_code for a in answers)


def _typenames(answers: list[httpx.Response]) -> Counter:
    return Counter(a.json()["data"]["result"]["__typename"] for a in answers)


def test_fifty_simultaneous_writes_of_each_kind(served: Served):
    s = served
    n = AT_ONCE
    drafts = lambda: s.count(CapacityRequest)  # noqa: E731
    with Probe(s.url) as probe:
        # Reads too: fifty of two pages at once.
        answers = at_once([lambda: httpx.get(f"{s.url}/offers", timeout=60) for _ in range(n)]
                          + [lambda: httpx.get(f"{s.url}/state/requests", cookies=s.state,
                                               timeout=60) for _ in range(n)])
        assert _kinds(answers) == {200: 2 * n}
        # Page forms: a valid request per form token, the same form 50 times, invalid ones.
        before = drafts()
        answers = at_once([_page_post(s, "state", "/state/requests", {
            **_request_form(s, title=f"Burst page request {i}"), "form_token": f"page-{i}"})
            for i in range(n)])
        assert _kinds(answers) == {303: n} and drafts() == before + n
        answers = at_once([_page_post(s, "state", "/state/requests",
                                      {**_request_form(s, title="Sent fifty times"),
                                       "form_token": "the-same-form"}) for _ in range(n)])
        assert _kinds(answers) == {303: n} and drafts() == before + n + 1
        [location] = {a.headers["location"] for a in answers}  # all sent to the one draft
        draft_id = int(re.search(r"/state/requests/(\d+)", location).group(1))
        answers = at_once([_page_post(s, "state", "/state/requests", {
            **_request_form(s, themes=[]), "form_token": f"invalid-{i}"}) for i in range(n)])
        assert _kinds(answers) == {422: n} and drafts() == before + n + 1
        # The one draft submitted 50 times at once: one submission, 49 pages saying why not.
        answers = at_once([_page_post(s, "state", f"/state/requests/{draft_id}/submit", {})
                           for _ in range(n)])
        assert _kinds(answers) == {303: 1, 409: n - 1}
        assert "This cannot be done now" in next(a.text for a in answers if a.status_code == 409)

        # Partner pages: offers per form token, invalid ones, one offer published 50 times.
        offers_before = s.count(Offer)
        answers = at_once([_page_post(s, "partner", "/partner/offers", {
            **_offer_form(title=f"Burst offer {i}"), "form_token": f"offer-{i}"}) for i in range(n)])
        assert _kinds(answers) == {303: n} and s.count(Offer) == offers_before + n
        answers = at_once([_page_post(s, "partner", "/partner/offers", {
            **_offer_form(budget="-5"), "form_token": f"bad-offer-{i}"}) for i in range(n)])
        assert _kinds(answers) == {422: n} and s.count(Offer) == offers_before + n
        with Session(s.db.engine) as session:
            offer_id = session.exec(select(Offer.id).where(Offer.title == "Burst offer 0")).one()
        answers = at_once([_page_post(s, "partner", f"/partner/offers/{offer_id}/publish", {})
                           for _ in range(n)])
        assert _kinds(answers) == {303: 1, 409: n - 1}

        # GraphQL mutations: keys distinct and repeated, invalid input, one submission 50 times.
        api_before = drafts()
        rec = s.callers.recommendations
        answers = at_once([_mutation(s, s.callers.state, "CreateRequest", input={
            **request_input(rec, title=f"Burst API request {i}"), "idempotencyKey": f"api-{i}"})
            for i in range(n)])
        assert _typenames(answers) == {"RequestPayload": n} and drafts() == api_before + n
        answers = at_once([_mutation(s, s.callers.state, "CreateRequest", input={
            **request_input(rec, title="API sent fifty times"), "idempotencyKey": "api-same"})
            for _ in range(n)])
        assert _typenames(answers) == {"RequestPayload": n} and drafts() == api_before + n + 1
        [api_id] = {a.json()["data"]["result"]["request"]["id"] for a in answers}
        answers = at_once([_mutation(s, s.callers.state, "CreateRequest", input={
            **request_input(rec, weeks=0), "idempotencyKey": f"api-bad-{i}"}) for i in range(n)])
        assert _typenames(answers) == {"ValidationError": n} and drafts() == api_before + n + 1
        answers = at_once([_mutation(s, s.callers.state, "SubmitRequest", id=api_id)
                           for _ in range(n)])
        assert _typenames(answers) == {"RequestPayload": 1, "Conflict": n - 1}
        experts_before = s.count(Expert)
        answers = at_once([_mutation(s, s.callers.partner, "NominateExpert", input={
            "name": f"Burst Expert {i}", "email": f"burst.{i}@experts.example",
            "nationality": "SEN", "themes": ["Justice"], "languages": ["fr"],
            "availability": [{"start": f"{YEAR}-01-01", "end": f"{YEAR}-06-30"}],
            "consentGiven": True, "idempotencyKey": f"expert-{i}"}) for i in range(n)])
        assert _typenames(answers) == {"ExpertPayload": n}
        assert s.count(Expert) == experts_before + n
    assert probe.latencies, "the probe never answered"
    assert max(probe.latencies) < HEALTHZ_BOUND, sorted(probe.latencies)[-5:]


def test_a_large_import_does_not_hold_the_event_loop(served: Served):
    """Three 19 MB uploads at once: their multipart bodies are parsed in pool threads, so
    /healthz keeps answering meanwhile (parsed on the event loop, one held it for 2.6 s)."""
    s = served
    staff, staff_csrf = _sign_in(s.url, "pages.staff@burst.example")
    # Refused once parsed and read (a UHRI import is .xlsx or .json), so that the test measures
    # the upload and not the import of 19 MB of rows.
    body = b"Recommendation,Country\n" + b"x" * (19 * 1024 * 1024)
    upload = lambda: httpx.post(  # noqa: E731
        f"{s.url}/secretariat/imports", data={"csrf_token": staff_csrf, "format": "uhri"},
        files={"file": ("export.txt", body, "text/plain")}, cookies=staff, timeout=120)
    with Probe(s.url) as probe:
        answers = at_once([upload for _ in range(3)])
    assert [a.status_code for a in answers] == [422] * 3
    assert "a UHRI export is a .xlsx or a .json file" in answers[0].text
    assert max(probe.latencies) < HEALTHZ_BOUND, sorted(probe.latencies)[-5:]


def _raw(url: str, head: str, body_chunks: list[bytes] = ()) -> bytes:
    """Send a request byte by byte as a client would; the server's answer (until it closes)."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as conn:
        conn.sendall(head.encode())
        try:
            for chunk in body_chunks:
                conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before the body ended: what we want
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = conn.recv(65536)
            if not data:
                break
            answer += data
        return answer


def test_bodies_over_the_limit_are_refused_before_they_are_read(served: Served):
    s = served
    # A Content-Length over the limit: 413 at once, though not one byte of the body was sent.
    for path, extra in (("/graphql", "Content-Type: application/json\r\n"),
                        ("/account/sign-in", "Content-Type: application/x-www-form-urlencoded\r\n")):
        answer = _raw(s.url, f"POST {path} HTTP/1.1\r\nHost: x\r\n{extra}"
                             f"Content-Length: {400 * 1024 * 1024}\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # A chunked body (no Content-Length) is counted while it arrives: refused past 1 MB.
    head = ("POST /account/sign-in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n\r\n")
    answer = _raw(s.url, head, [b"email=" + b"a" * 65536] + [b"a" * 65536] * 40)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    answer = _raw(s.url, head.replace("/account/sign-in", "/graphql"),
                  [b'{"query": "' + b" " * 65536] * 8)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    # Under the limits, everything still works (the server is still there).
    assert httpx.get(f"{s.url}/healthz", timeout=30).status_code == 200
