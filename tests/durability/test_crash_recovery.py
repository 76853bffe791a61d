"""Crash safety: SIGKILL the server in the middle of a burst of writes, restart it, check.

The real server (`facility serve`, uvicorn) runs on a fresh PostgreSQL database; another
process (tests/durability/burst.py) fires requests, submissions, screenings and
nominations at it and journals what it sent and what was acknowledged. Once enough writes
are acknowledged the server is killed with SIGKILL (no shutdown, no flush), then restarted.
Every acknowledged write must be there exactly once; nothing half-written may be there (a
request without its recommendation links, a screening without its motion or audit entry, an
audit entry without what it records); retrying the writes that were never acknowledged must
work, once; and `facility audit verify` must pass.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from facility.audit import AuditEntry
from facility.experts.models import Expert, ExpertAvailability, ExpertTheme
from facility.idempotency import IdempotencyRecord
from facility.ids import decode_id
from facility.requests.models import CapacityRequest, RequestRecommendation, RequestTheme
from governance.models import Motion, Screening
from tests.api.helpers import YEAR, operation, request_input
from tests.durability.conftest import seed_callers

pytestmark = pytest.mark.slow

PORT = int(os.environ.get("FACILITY_TEST_SERVER_PORT", "8401"))
BURST = Path(__file__).with_name("burst.py")
FACILITY = Path(sys.executable).with_name("facility")
ACKS_BEFORE_KILL = 40


class Server:
    """`facility serve` on the test database, its output kept for the log scan."""

    def __init__(self, url: str, log: Path) -> None:
        self.url, self.log = url, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**os.environ, "FACILITY_DATABASE_URL": self.url, "FACILITY_ENV": "development"}
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [str(FACILITY), "serve", "--host", "127.0.0.1", "--port", str(PORT)],
                env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60  # a bound for a loaded CI machine, not a timing
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.post(f"http://127.0.0.1:{PORT}/graphql", json={"query": "{ me { role } }"},
                              timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"the server did not come up:\n{self.log.read_text()}")

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


def _journal(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _acks(journal: list[dict], op: str) -> list[dict]:
    return [e for e in journal if e["event"] == "ack" and e["op"] == op]


def test_sigkill_mid_burst_loses_no_acknowledged_write_and_leaves_nothing_half_written(
        pg_db, tmp_path, audit_verify_cli):
    callers = seed_callers(pg_db)
    server = Server(pg_db.url, tmp_path / "server.log")
    config = {
        "url": f"http://127.0.0.1:{PORT}", "workers": 4, "per_worker": 60,
        "state": callers.state, "partner": callers.partner, "secretariat": callers.secretariat,
        "request": request_input(callers.recommendations),
        "expert": {"nationality": "SEN", "themes": ["Justice"], "languages": ["fr"],
                   "phone": "+221 77 000 0000",
                   "availability": [{"start": f"{YEAR}-01-01", "end": f"{YEAR}-06-30"}],
                   "consentGiven": True},
    }
    (tmp_path / "burst.json").write_text(json.dumps(config))
    journal_path = tmp_path / "journal.jsonl"
    journal_path.touch()
    server.start()
    try:
        burst = subprocess.Popen([sys.executable, str(BURST), str(tmp_path / "burst.json"),
                                  str(journal_path)], stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while sum(1 for e in _journal(journal_path) if e["event"] == "ack") < ACKS_BEFORE_KILL:
            assert burst.poll() is None, f"the burst ended before the kill: {burst.stderr.read()}"
            assert time.monotonic() < deadline, "the burst is too slow"
            time.sleep(0.05)
        server.kill()
        _, burst_errors = burst.communicate(timeout=30)
        assert burst.returncode == 0, burst_errors.decode()
        journal = _journal(journal_path)
        assert not [e for e in journal if e["event"] == "refused"], journal
        in_flight = [e for e in journal if e["event"] == "sent"
                     and not any(a["event"] == "ack" and a["op"] == e["op"] and a["key"] == e["key"]
                                 for a in journal)]
        assert in_flight, "the kill came after the burst, not in the middle of it"

        with Session(pg_db.engine) as session:
            _check_acknowledged(session, journal)
            _check_nothing_half_written(session)

        server.start()
        retried = _retry_what_was_not_acknowledged(config, in_flight, journal)
        with Session(pg_db.engine) as session:
            _check_acknowledged(session, journal)  # still once each, after the retries
            _check_nothing_half_written(session)
            stored = set(session.exec(select(CapacityRequest.title))) | set(
                session.exec(select(Expert.name)))
            assert set(retried) <= stored
            screened = Counter(session.exec(select(Screening.request_id)))
            assert max(screened.values(), default=1) == 1, "a request was screened twice"
        verified = audit_verify_cli(pg_db)
        assert verified.exit_code == 0, verified.output
        assert "audit log intact" in verified.output
    finally:
        server.stop()
    # The server's own log names no expert: not their e-mail addresses, not their phone.
    log = server.log.read_text()
    assert "@experts.example" not in log and "+221" not in log


def _check_acknowledged(session: Session, journal: list[dict]) -> None:
    requests = {r.id: r for r in session.exec(select(CapacityRequest))}
    for ack in _acks(journal, "CreateRequest"):
        pk = decode_id("CapacityRequest", ack["result"]["request"]["id"])
        assert pk in requests, f"acknowledged request {ack['key']} is missing"
    titles = Counter(r.title for r in requests.values())
    assert max(titles.values()) == 1, "a request was stored twice"
    for ack in _acks(journal, "SubmitRequest"):
        assert requests[decode_id("CapacityRequest", ack["key"])].submitted_at is not None
    screened = set(session.exec(select(Screening.request_id)))
    for ack in _acks(journal, "OpenScreening"):
        assert decode_id("CapacityRequest", ack["key"]) in screened
    experts = {e.id for e in session.exec(select(Expert))}
    for ack in _acks(journal, "NominateExpert"):
        assert decode_id("Expert", ack["result"]["expert"]["id"]) in experts
    names = Counter(session.exec(select(Expert.name)))
    assert max(names.values()) == 1, "an expert was stored twice"


def _check_nothing_half_written(session: Session) -> None:
    """Whatever is stored is whole: no object without its parts, records or audit entry."""
    n_recs = 2
    links = Counter(session.exec(select(RequestRecommendation.request_id)))
    themes = set(session.exec(select(RequestTheme.request_id)))
    keys = {(r.operation, r.object_id) for r in session.exec(select(IdempotencyRecord))}
    for request in session.exec(select(CapacityRequest)):
        assert links[request.id] == n_recs and request.id in themes, f"request {request.id} is partial"
        assert ("createRequest", request.id) in keys, f"request {request.id} has no key record"
    audited = Counter((e.action, e.subject_type, e.subject_id)
                      for e in session.exec(select(AuditEntry)))
    motions = {m.id: m for m in session.exec(select(Motion))}
    for screening in session.exec(select(Screening)):
        assert screening.motion_id in motions
        assert audited[("screening.opened", "capacity_request", screening.request_id)] == 1
        assert audited[("motion.opened", "motion", screening.motion_id)] == 1
    n_screenings = session.exec(select(func.count()).select_from(Screening)).one()
    assert sum(n for (action, _, _), n in audited.items() if action == "screening.opened") == n_screenings
    expert_themes = set(session.exec(select(ExpertTheme.expert_id)))
    windows = set(session.exec(select(ExpertAvailability.expert_id)))
    experts = list(session.exec(select(Expert.id)))
    for expert_id in experts:
        assert expert_id in expert_themes and expert_id in windows, f"expert {expert_id} is partial"
        assert ("nominateExpert", expert_id) in keys
        assert audited[("expert.consent", "expert", expert_id)] == 1
    assert sum(n for (action, _, _), n in audited.items() if action == "expert.consent") == len(experts)


def _retry_what_was_not_acknowledged(config: dict, in_flight: list[dict],
                                     journal: list[dict]) -> list[str]:
    """A client retries what it got no answer for. A creation (same key, same input) must
    work and give the same object twice; a submission or screening either works now or was
    done before the kill (Conflict), and is then in place once."""
    url = f"http://127.0.0.1:{PORT}/graphql"

    def post(op: str, who: str, variables: dict) -> dict:
        body = httpx.post(url, json={"query": operation(op), "variables": variables},
                          headers={"Authorization": f"Bearer {config[who]}"}, timeout=10).json()
        return body["data"]["result"]

    created = []
    for entry in in_flight:
        op, key = entry["op"], entry["key"]
        if op in ("CreateRequest", "NominateExpert"):
            if op == "CreateRequest":
                who, field, fields = "state", "request", {**config["request"],
                                                           "title": f"Burst request {key}"}
            else:
                who, field, fields = "partner", "expert", {
                    **config["expert"], "name": f"Burst Expert {key}",
                    "email": f"burst.{key}@experts.example"}
            answers = [post(op, who, {"input": {**fields, "idempotencyKey": key}})
                       for _ in range(2)]
            assert all(a["__typename"].endswith("Payload") for a in answers), answers
            assert answers[0][field]["id"] == answers[1][field]["id"]
            created.append(fields.get("title") or fields["name"])
        elif op == "SubmitRequest":
            answer = post(op, "state", {"id": key})
            assert answer["__typename"] in ("RequestPayload", "Conflict"), answer
        else:
            answer = post(op, "secretariat", {"requestId": key})
            assert answer["__typename"] in ("ScreeningPayload", "Conflict"), answer
    # Acknowledged creations retried give their first object back too.
    for ack in _acks(journal, "CreateRequest")[:3]:
        answer = post("CreateRequest", "state", {"input": {
            **config["request"], "title": f"Burst request {ack['key']}",
            "idempotencyKey": ack["key"]}})
        assert answer["request"]["id"] == ack["result"]["request"]["id"]
    return created
