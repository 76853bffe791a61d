"""Locust scenario of the load benchmark (run by bench/load/run.py, which seeds the data).

User classes (pick them on the command line):
  StateMission, Partner, Public   the mixed traffic against the product (weights 4 : 3 : 3);
  GraphQLReads                    an offers page and a State's requests page over GraphQL;
  BaselineReads                   the same two pages from bench/load/baseline_app.py;
  StateWriter, PartnerWriter      the write-heavy traffic (weights 1 : 1): signed in to the pages
                                  and holding a token, one request in five a write, half of them
                                  page forms (a draft request, a draft offer) and half GraphQL
                                  mutations (createRequest, createOffer).

GraphQL documents are the contract's own (graphql/operations/*.graphql), as clients send them.
Every answer is checked: an HTTP error, a GraphQL error or an unexpected union member counts as
a failure. Environment: FACILITY_LOAD_DATA (the JSON written by the seed: tokens and ids),
FACILITY_LOAD_THINK ("min,max" seconds between a user's requests; "0" for none),
FACILITY_LOAD_MAX_REQUESTS (stop the run after that many requests).
"""

from __future__ import annotations

import json
import os
import random
import re
import uuid
from itertools import count
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import between, constant, events, task
from locust.contrib.fasthttp import FastHttpUser

OPERATIONS = Path(__file__).resolve().parents[2] / "graphql" / "operations"
DATA = json.loads(Path(os.environ["FACILITY_LOAD_DATA"]).read_text())
MAX_REQUESTS = int(os.environ.get("FACILITY_LOAD_MAX_REQUESTS", "0"))
_think = [float(x) for x in os.environ.get("FACILITY_LOAD_THINK", "0.5,1.5").split(",")]
THINK = constant(0) if _think == [0] else between(*_think)

_sent = count(1)
_environment = None


@events.init.add_listener
def _keep_environment(environment, **_kw) -> None:  # type: ignore[no-untyped-def]
    global _environment
    _environment = environment


@events.request.add_listener
def _stop_after_budget(**_kw) -> None:  # type: ignore[no-untyped-def]
    """Bound the run in requests as well as in time (quit from outside the user's greenlet)."""
    if MAX_REQUESTS and next(_sent) == MAX_REQUESTS and _environment and _environment.runner:
        gevent.spawn(_environment.runner.quit)


# Response times of the write-heavy scenario once every user has signed in: the sign-ins (50
# Argon2 hashes, two at a time per worker) are its start-up, not its steady state.
STEADY_FILE = os.environ.get("FACILITY_LOAD_STEADY")
_steady: list[float] = []
_steady_failures = [0]


@events.request.add_listener
def _steady_state(name: str, response_time: float, exception=None, **_kw) -> None:  # type: ignore[no-untyped-def]
    if not name.startswith("writes: ") or "sign-in" in name or not _environment or not _environment.runner:
        return
    if PageWriter.signed_in < _environment.runner.target_user_count:
        return
    _steady.append(response_time)
    _steady_failures[0] += exception is not None


@events.quitting.add_listener
def _write_steady(**_kw) -> None:  # type: ignore[no-untyped-def]
    if STEADY_FILE and _steady:
        ordered = sorted(_steady)
        def at(share: float) -> float:
            return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))])
        Path(STEADY_FILE).write_text(json.dumps({
            "requests": len(ordered), "failures": _steady_failures[0], "p50_ms": at(0.5),
            "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": round(ordered[-1])}))


def operation(name: str) -> str:
    return (OPERATIONS / f"{name}.graphql").read_text()


REQUESTS, REQUEST, CREATE_REQUEST, UPDATE_REQUEST, OFFERS, CREATE_OFFER, RECOMMENDATIONS = (
    operation(n) for n in ("Requests", "Request", "CreateRequest", "UpdateRequest", "Offers",
                           "CreateOffer", "Recommendations"))
_state_accounts = count()
_partner_accounts = count()


class GraphQLUser(FastHttpUser):
    abstract = True
    wait_time = THINK
    token: str | None = None

    def graphql(self, name: str, query: str, variables: dict, *, result: str | None = None,
                expect: str | None = None) -> dict | None:
        """POST a document; the data, or None after recording a failure."""
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        with self.client.post("/graphql", json={"query": query, "variables": variables},
                              headers=headers, name=name, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")
                return None
            body = response.json()
            if body.get("errors"):
                response.failure(f"GraphQL errors: {body['errors']}"[:300])
                return None
            data = body["data"]
            if result is not None and data[result]["__typename"] != expect:
                response.failure(f"{name}: {data[result]}"[:300])
                return None
            return data

    def page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as response:
            if response.status_code != 200 or "</html>" not in response.text:
                response.failure(f"HTTP {response.status_code}")


def _request_input(rng: random.Random, recommendation_ids: list[str], key: str) -> dict:
    return {
        "title": f"[Demo] Load benchmark draft {key[:8]}",
        "need": "Fictitious need filed by the load benchmark (demo).",
        "recommendationIds": rng.sample(recommendation_ids, k=min(2, len(recommendation_ids))),
        "languages": ["en"], "supportKinds": ["TRAINING"],
        "windowStart": "2028-02-01", "windowEnd": "2028-06-30", "weeks": 4,
        "expertsNeeded": 1, "budget": 40_000, "currency": "USD", "priority": 3,
        "idempotencyKey": key,
    }


class StateMission(GraphQLUser):
    """A State mission's client: its requests, one request, a new draft then an edit."""

    weight = 4

    def on_start(self) -> None:
        account = DATA["states"][next(_state_accounts) % len(DATA["states"])]
        self.token = account["token"]
        self.recommendation_ids = account["recommendationIds"]
        self.request_ids: list[str] = []
        self.rng = random.Random()

    @task(4)
    def list_own_requests(self) -> None:
        data = self.graphql("state: requests", REQUESTS, {"first": 20})
        if data:
            self.request_ids = [e["node"]["id"] for e in data["requests"]["edges"]]

    @task(4)
    def read_request(self) -> None:
        if not self.request_ids:
            return self.list_own_requests()
        data = self.graphql("state: request", REQUEST, {"id": self.rng.choice(self.request_ids)})
        if data is not None and data["request"] is None:
            self.request_ids = []  # never expected: its own request must be visible

    @task(1)
    def create_and_update_draft(self) -> None:
        key = uuid.uuid4().hex
        payload = _request_input(self.rng, self.recommendation_ids, key)
        data = self.graphql("state: createRequest", CREATE_REQUEST, {"input": payload},
                            result="result", expect="RequestPayload")
        if data is None:
            return
        created = data["result"]["request"]
        if self.rng.random() < 0.25:  # a client retrying after a lost answer: the same draft
            again = self.graphql("state: createRequest (retry)", CREATE_REQUEST, {"input": payload},
                                 result="result", expect="RequestPayload")
            if again and again["result"]["request"]["id"] != created["id"]:
                raise AssertionError("an idempotent retry created a second request")
        self.graphql("state: updateRequest", UPDATE_REQUEST, {
            "id": created["id"],
            "input": {"title": f"[Demo] Load benchmark draft {key[:8]} (edited)",
                      "expectedVersion": created["version"]},
        }, result="result", expect="RequestPayload")


class Partner(GraphQLUser):
    """A partner's client: screened requests, offers, a new draft offer."""

    weight = 3

    def on_start(self) -> None:
        account = DATA["partners"][next(_partner_accounts) % len(DATA["partners"])]
        self.token = account["token"]
        self.themes = account["themes"]
        self.rng = random.Random()

    @task(3)
    def screened_requests(self) -> None:
        self.graphql("partner: requests ELIGIBLE", REQUESTS, {"status": "ELIGIBLE", "first": 20})

    @task(3)
    def offers(self) -> None:
        self.graphql("partner: offers", OFFERS, {"first": 20})

    @task(1)
    def create_draft_offer(self) -> None:
        key = uuid.uuid4().hex
        self.graphql("partner: createOffer", CREATE_OFFER, {"input": {
            "title": f"[Demo] Load benchmark offer {key[:8]}", "kind": "TRAINING_PROGRAMME",
            "themes": self.rng.sample(self.themes, k=2), "languages": ["en", "fr"],
            "budget": 150_000, "currency": "USD", "maxRequests": 3,
            "windowStart": "2028-01-01", "windowEnd": "2028-12-31", "idempotencyKey": key,
        }}, result="result", expect="OfferPayload")


class Public(GraphQLUser):
    """Anyone: the home page, the published decisions, offers and recommendations."""

    weight = 3

    def on_start(self) -> None:
        self.rng = random.Random()

    @task(2)
    def home(self) -> None:
        self.page("/", "public: GET /")

    @task(1)
    def decisions(self) -> None:
        self.page("/decisions", "public: GET /decisions")

    @task(2)
    def offers(self) -> None:
        self.graphql("public: offers", OFFERS, {"status": "PUBLISHED", "first": 20})

    @task(2)
    def search_recommendations(self) -> None:
        variables = {"search": self.rng.choice(DATA["searchTerms"]), "first": 20}
        if self.rng.random() < 0.5:
            variables["stateCode"] = self.rng.choice(DATA["recommendationStates"])
        self.graphql("public: recommendations search", RECOMMENDATIONS, variables)


class GraphQLReads(GraphQLUser):
    """The two pages the baseline also serves, through the product's GraphQL API."""

    def on_start(self) -> None:
        self.token = DATA["states"][next(_state_accounts) % len(DATA["states"])]["token"]

    @task
    def offers_page(self) -> None:
        token, self.token = self.token, None  # the offers page is public
        self.graphql("reads: offers page", OFFERS, {"status": "PUBLISHED", "first": 20})
        self.token = token

    @task
    def requests_page(self) -> None:
        self.graphql("reads: requests page", REQUESTS, {"first": 20})


class BaselineReads(FastHttpUser):
    """The same two pages from the plain FastAPI + SQLAlchemy baseline."""

    wait_time = THINK

    def on_start(self) -> None:
        self.token = DATA["states"][next(_state_accounts) % len(DATA["states"])]["token"]

    def _get(self, path: str, name: str, key: str, headers: dict | None = None) -> None:
        with self.client.get(path, name=name, headers=headers or {}, catch_response=True) as response:
            if response.status_code != 200 or not response.json()[key]["edges"]:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")

    @task
    def offers_page(self) -> None:
        self._get("/api/offers?status=PUBLISHED&first=20", "reads: offers page", "offers")

    @task
    def requests_page(self) -> None:
        self._get("/api/requests?first=20", "reads: requests page", "requests",
                  {"Authorization": f"Bearer {self.token}"})


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _form(fields: dict) -> str:
    """An HTML form's body (repeated names for lists, as a browser sends checkboxes)."""
    return urlencode(fields, doseq=True)


class PageWriter(GraphQLUser):
    """Signed in to the pages (a session cookie and its CSRF token) and holding an API token."""

    abstract = True
    signed_in = 0  # users of this run that finished signing in (see _steady_state)

    def cookies(self) -> dict:
        """The cookies as a browser on HTTPS sends them: the production app marks them Secure
        and the benchmark speaks plain HTTP on loopback, where the cookie jar would keep them."""
        return {"Cookie": "; ".join(f"{c.name}={c.value}" for c in self.client.cookiejar)}

    def page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, headers=self.cookies(), catch_response=True) as response:
            if response.status_code != 200 or "</html>" not in response.text:
                response.failure(f"HTTP {response.status_code}")

    def sign_in(self, account: dict) -> None:
        self.token = account["token"]
        form = self.client.get("/account/sign-in", name="writes: GET sign-in")
        with self.client.post("/account/sign-in", name="writes: POST sign-in", data=_form({
                "csrf_token": CSRF.search(form.text).group(1), "email": account["email"],
                "password": account["password"]}), headers={**FORM, **self.cookies()},
                allow_redirects=False, catch_response=True) as response:
            if response.status_code != 303:
                response.failure(f"sign-in: HTTP {response.status_code}")
        PageWriter.signed_in += 1
        self.csrf = ""

    def form_page(self, path: str, name: str) -> None:
        """A page of the signed-in user; keeps the session's CSRF token for the next form."""
        with self.client.get(path, name=name, headers=self.cookies(),
                             catch_response=True) as response:
            if response.status_code != 200 or "</html>" not in response.text:
                response.failure(f"HTTP {response.status_code}")
            elif found := CSRF.search(response.text):
                self.csrf = found.group(1)

    def post_form(self, path: str, name: str, data: dict) -> None:
        """A page form: a valid one answers 303 (the write is stored), anything else fails."""
        if not self.csrf:
            return
        with self.client.post(path, name=name, data=_form({"csrf_token": self.csrf, **data}),
                              headers={**FORM, **self.cookies()}, allow_redirects=False,
                              catch_response=True) as response:
            if response.status_code != 303:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")


class StateWriter(PageWriter):
    """A mission at work: its pages and API reads, and one write in five (a page form or a
    mutation, each filing a draft request)."""

    weight = 1

    def on_start(self) -> None:
        account = DATA["states"][next(_state_accounts) % len(DATA["states"])]
        self.account = account
        self.rng = random.Random()
        self.request_ids: list[str] = []
        self.sign_in(account)
        self.form_page("/state/requests", "writes: GET /state/requests")

    @task(3)
    def requests_page(self) -> None:
        self.form_page("/state/requests", "writes: GET /state/requests")

    @task(2)
    def list_requests(self) -> None:
        data = self.graphql("writes: state requests", REQUESTS, {"first": 20})
        if data:
            self.request_ids = [e["node"]["id"] for e in data["requests"]["edges"]]

    @task(1)
    def read_request(self) -> None:
        if self.request_ids:
            self.graphql("writes: state request", REQUEST, {"id": self.rng.choice(self.request_ids)})

    @task(1)
    def decisions(self) -> None:
        self.page("/decisions", "writes: GET /decisions")

    @task(1)
    def offers(self) -> None:
        self.graphql("writes: offers", OFFERS, {"status": "PUBLISHED", "first": 20})

    @task(1)
    def draft_by_form(self) -> None:
        numbers = self.rng.sample(self.account["recommendationNumbers"], k=2)
        self.post_form("/state/requests", "writes: POST /state/requests (form)", {
            "title": f"[Demo] Load benchmark form draft {uuid.uuid4().hex[:8]}",
            "need": "Fictitious need filed by the load benchmark (demo).",
            "recommendationIds": [str(n) for n in numbers], "languages": ["en"],
            "themes": self.rng.sample(DATA["partners"][0]["themes"], k=2),
            "supportKinds": ["TRAINING"], "windowStart": "2028-02-01", "windowEnd": "2028-06-30",
            "weeks": "4", "expertsNeeded": "1", "budget": "40000", "currency": "USD",
            "priority": "3"})

    @task(1)
    def draft_by_mutation(self) -> None:
        payload = _request_input(self.rng, self.account["recommendationIds"], uuid.uuid4().hex)
        self.graphql("writes: createRequest", CREATE_REQUEST, {"input": payload},
                     result="result", expect="RequestPayload")


class PartnerWriter(PageWriter):
    """A partner at work: its pages and API reads, and one write in five (a draft offer by the
    page form or by the mutation)."""

    weight = 1

    def on_start(self) -> None:
        account = DATA["partners"][next(_partner_accounts) % len(DATA["partners"])]
        self.themes = account["themes"]
        self.rng = random.Random()
        self.sign_in(account)
        self.form_page("/partner/offers/new", "writes: GET /partner/offers/new")

    @task(3)
    def offers_page(self) -> None:
        self.form_page("/partner/offers", "writes: GET /partner/offers")

    @task(2)
    def offers(self) -> None:
        self.graphql("writes: partner offers", OFFERS, {"first": 20})

    @task(2)
    def screened_requests(self) -> None:
        self.graphql("writes: partner requests ELIGIBLE", REQUESTS, {"status": "ELIGIBLE", "first": 20})

    @task(1)
    def requests_page(self) -> None:
        self.form_page("/partner/requests", "writes: GET /partner/requests")

    @task(1)
    def draft_by_form(self) -> None:
        self.post_form("/partner/offers", "writes: POST /partner/offers (form)", {
            "title": f"[Demo] Load benchmark form offer {uuid.uuid4().hex[:8]}",
            "kind": "TRAINING_PROGRAMME", "themes": self.rng.sample(self.themes, k=2),
            "languages": ["en", "fr"], "budget": "150000", "currency": "USD", "maxRequests": "3",
            "windowStart": "2028-01-01", "windowEnd": "2028-12-31",
            "description": "Fictitious offer (demo)", "conditions": ""})

    @task(1)
    def draft_by_mutation(self) -> None:
        key = uuid.uuid4().hex
        self.graphql("writes: createOffer", CREATE_OFFER, {"input": {
            "title": f"[Demo] Load benchmark offer {key[:8]}", "kind": "TRAINING_PROGRAMME",
            "themes": self.rng.sample(self.themes, k=2), "languages": ["en", "fr"],
            "budget": 150_000, "currency": "USD", "maxRequests": 3,
            "windowStart": "2028-01-01", "windowEnd": "2028-12-31", "idempotencyKey": key,
        }}, result="result", expect="OfferPayload")
