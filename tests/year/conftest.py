"""Drivers for the simulated year: a fresh database, the app as its users reach it, the clock.

Everything the people of the story do goes through the doors they have: the `facility`
command (the secretariat's first account, partners' accounts, API tokens, reminders, the
audit check), GraphQL documents from graphql/operations/ posted with a bearer token, and page
forms posted with their CSRF token by a browser that signed in. The records are read directly
only to check the invariants (tests/year/invariants.py), never to act.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlmodel import Session
from typer.testing import CliRunner

from facility import timeutil
from facility.app import create_app
from facility.auth import service as auth_service
from facility.cli import app as cli_app
from facility.config import Settings, get_settings
from facility.db import make_engine
from facility.ids import decode_id
from facility.timeutil import today_is
from tests.api.helpers import operation
from tests.conftest import BACKENDS, _create_postgres_database
from tests.pages.conftest import csrf_of

PASSWORD = "a year of implementation"
RECOMMENDATIONS = Path(__file__).resolve().parents[1] / "data" / "recommendations"


@dataclass
class Person:
    email: str
    token: str | None = None
    http: TestClient | None = None  # their browser, once signed in


@dataclass
class Year:
    """The platform of the story and the people who use it, by the names the story gives them."""

    url: str
    folder: Path  # where the secretariat writes its documents
    app: object
    api: TestClient  # the client programs' connection (GraphQL, downloads)
    cli_runner: CliRunner
    clock: ExitStack
    people: dict[str, Person] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # the story's names -> opaque ids
    runs: list[str] = field(default_factory=list)
    day: date | None = None
    first_day: date | None = None

    # The clock ------------------------------------------------------------------------------

    def on(self, day: date) -> None:
        """The story moves on to `day`: facility.timeutil.today answers it, and every instant
        the platform records falls on it (SimulatedDatetime)."""
        assert self.day is None or day >= self.day, f"the story goes back in time to {day}"
        if self.day is not None and day > self.day:
            self.sign_everyone_out()  # a web session lasts hours: on a later day, sign in again
        self.first_day = self.first_day or day
        self.clock.close()
        self.clock.enter_context(today_is(day))
        self.day = day

    # The command line -----------------------------------------------------------------------

    def cli(self, *args: str, input: str | None = None, exit_code: int = 0) -> str:
        result = self.cli_runner.invoke(cli_app, list(args), input=input)
        assert result.exit_code == exit_code, (args, result.output)
        return result.output

    def token_for(self, who: str) -> str:
        """The person's API token, issued by the secretariat with `facility tokens create`."""
        person = self.people[who]
        if person.token is None:
            person.token = self.cli("tokens", "create", "--email", person.email).strip().splitlines()[-1]
        return person.token

    # GraphQL --------------------------------------------------------------------------------

    def gql(self, who: str | None, name: str, **variables) -> dict:
        """Post graphql/operations/<name>.graphql as `who` (None: anonymous); its `data`."""
        headers = {"Authorization": f"Bearer {self.token_for(who)}"} if who else {}
        response = self.api.post("/graphql", headers=headers,
                                 json={"query": operation(name), "variables": variables})
        body = response.json()
        assert response.status_code == 200 and "errors" not in body, (name, body)
        return body["data"]

    def ok(self, who: str | None, name: str, **variables) -> dict:
        """A mutation that must succeed: its payload."""
        result = self.gql(who, name, **variables)["result"]
        assert result["__typename"].endswith("Payload"), (name, result)
        return result

    # Pages ----------------------------------------------------------------------------------

    def browser(self, who: str) -> TestClient:
        """The person's browser, signed in with their password on /account/sign-in."""
        person = self.people[who]
        if person.http is None:
            http = TestClient(self.app, follow_redirects=False)
            http.__enter__()
            page = http.get("/account/sign-in")
            signed = http.post("/account/sign-in", data={
                "csrf_token": csrf_of(page.text), "email": person.email, "password": PASSWORD})
            assert signed.status_code == 303, signed.text
            person.http = http
        return person.http

    def page(self, who: str, path: str) -> str:
        response = self.browser(who).get(path)
        assert response.status_code == 200, (path, response.status_code, response.text[:2000])
        return response.text

    def todo(self, who: str) -> set[str]:
        """The links of the person's to-do page (/todo, where they land after signing in)."""
        html = self.page(who, "/todo")
        return set(re.findall(r'<a href="([^"]+)">', "".join(
            re.findall(r'<ul class="todo">(.*?)</ul>', html, re.S))))

    def post_form(self, who: str, form_page: str, action: str, data: dict, *,
                  files: dict | None = None, expect: int = 303):
        """Open `form_page`, then post its form to `action` with the page's CSRF token."""
        token = csrf_of(self.page(who, form_page))
        response = self.browser(who).post(action, data={"csrf_token": token, **data}, files=files)
        assert response.status_code == expect, (action, response.status_code, response.text[:3000])
        return response

    def sign_everyone_out(self) -> None:
        for person in self.people.values():
            if person.http is not None:
                person.http.__exit__(None, None, None)
                person.http = None

    def close(self) -> None:
        self.sign_everyone_out()
        self.api.__exit__(None, None, None)
        self.clock.close()

    # Reading the records, for the invariants only ---------------------------------------------

    def records(self) -> Session:
        return Session(self.app.state.engine)  # type: ignore[attr-defined]

    def pk(self, kind: str, name: str) -> int:
        """The database id inside an opaque id: the number in the page's address."""
        pk = decode_id(kind, self.ids[name])
        assert pk is not None, (kind, name)
        return pk


def deployment_forms(html: str) -> dict[int, str]:
    """The expert's deployments page: engagement id -> the answer version its forms carry."""
    found = {}
    for match in re.finditer(r'<form[^>]*action="/expert/deployments/(\d+)"[^>]*>(.*?)</form>',
                             html, re.S):
        version = re.search(r'name="version" value="(\d+)"', match.group(2))
        found[int(match.group(1))] = version.group(1) if version else "0"
    return found


class SimulatedDatetime(datetime):
    """`datetime` for facility.timeutil whose `now` falls on the story's day (the time of day is
    the real one, so instants still follow each other): with `today_is` alone, dates would move
    but every recorded instant (a request's submission, an engagement's agreement, a report's
    filing) would stay in the real year, and the figures of each simulated year would be empty."""

    @classmethod
    def now(cls, tz=None):  # type: ignore[no-untyped-def, override]
        real = datetime.now(tz)
        day = timeutil._fixed_today
        return real if day is None else datetime.combine(day, real.timetz())


@pytest.fixture(params=BACKENDS)
def year(request, tmp_path, monkeypatch) -> Iterator[Year]:
    """An empty database of the backend, migrated by `facility db upgrade`, and the app on it."""
    if request.param == "sqlite":
        url, drop = f"sqlite:///{tmp_path / 'year.db'}", (lambda: None)
    else:
        url, drop = _create_postgres_database()
    monkeypatch.setenv("FACILITY_DATABASE_URL", url)
    # Twenty people sign up and in: the production cost of argon2 would spend most of the
    # test hashing. Cheaper parameters hash and verify the same way.
    monkeypatch.setattr(auth_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                                parallelism=1))
    monkeypatch.setattr(timeutil, "datetime", SimulatedDatetime)
    get_settings.cache_clear()
    runner = CliRunner()
    result = runner.invoke(cli_app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = make_engine(url)
    # Runs execute when started, as the one background worker would, so the story is in order.
    app = create_app(Settings(database_url=url, env="development"), engine=engine,
                     run_jobs_inline=True)
    api = TestClient(app)
    api.__enter__()
    world = Year(url=url, folder=tmp_path, app=app, api=api, cli_runner=runner, clock=ExitStack())
    try:
        yield world
    finally:
        world.close()
        engine.dispose()
        get_settings.cache_clear()
        drop()
