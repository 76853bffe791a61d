"""Browser tests: the real app (uvicorn on a free port in 8601-8619) on a seeded SQLite database,
driven by Playwright through Debian's Chromium, with axe-core injected into every page tested.

They skip, with the reason, when Playwright or /usr/bin/chromium is missing; `.ci/run` installs
both. Screenshots of the main pages are written to a temporary folder (a test run writes nothing
tracked); `FACILITY_SCREENSHOTS=docs/screenshots pytest tests/browser` refreshes the committed
ones in docs/screenshots/ (docs/pages.md).
"""

from __future__ import annotations

import json
import os
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
# Each engineer's machine slot has its own ports: FACILITY_BROWSER_PORTS=8901-8919 overrides.
_FIRST, _LAST = (int(p) for p in os.environ.get("FACILITY_BROWSER_PORTS", "8601-8619").split("-"))
PORTS = range(_FIRST, _LAST + 1)
ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("FACILITY_SCREENSHOTS")
                   or Path(tempfile.gettempdir()) / "facility-screenshots")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PASSWORD = "browser-test-password"
THEMES = ["Justice", "NHRI", "Torture and other CID", "Women's rights", "Right to education",
          "Detention conditions", "Treaty bodies", "Freedom of opinion and expression"]

try:
    from playwright.sync_api import Page, sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None  # type: ignore[assignment]

if sync_playwright is None:
    pytestmark = pytest.mark.skip(reason="the playwright package is not installed")


def pytest_collection_modifyitems(config, items):
    reason = None
    if sync_playwright is None:
        reason = "the playwright package is not installed (pip install -e '.[test]')"
    elif not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing (apt-get install chromium; .ci/run does)"
    if reason:
        for item in items:
            if Path(str(item.fspath)).parent == Path(__file__).parent:
                item.add_marker(pytest.mark.skip(reason=reason))


def _free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


@dataclass(frozen=True)
class People:
    state: str
    partner: str
    secretariat: str
    locked: str  # for the rate-limiting test: no other test signs in with it
    changer: str  # for the password-change test


def _seed(url: str) -> People:
    """Reference data, a few accounts with a password, and labelled demo offers and requests."""
    from sqlmodel import Session, select

    from facility.auth.models import PartnerKind, Role
    from facility.auth.service import create_account
    from facility.bootstrap import upgrade
    from facility.db import make_engine
    from facility.offers.models import Offer, OfferKind, OfferStatus, OfferTheme
    from facility.reference.models import Theme
    from facility.requests.models import CapacityRequest, RequestStatus
    from facility.timeutil import utcnow

    engine = make_engine(url)
    upgrade(engine)
    with Session(engine, expire_on_commit=False) as session:
        def account(role, email, **kw):
            return create_account(session, role=role, email=email, name=f"{email.split('@')[0]} (demo)",
                                  password=PASSWORD, **kw)

        mission = account(Role.STATE, "mission.ken@demo.example.org", state_code="KEN")
        partner = account(Role.PARTNER, "partner@demo.example.org", partner_name="Nordic Fund [Demo]",
                          partner_kind=PartnerKind.DONOR_AGENCY, partner_state="NOR")
        account(Role.SECRETARIAT, "secretariat@demo.example.org")
        account(Role.STATE, "locked@demo.example.org", state_code="GHA")
        account(Role.STATE, "changer@demo.example.org", state_code="BRA")
        kinds = list(OfferKind)
        themes = list(session.exec(select(Theme).where(Theme.name.in_(THEMES)).order_by(Theme.name)))
        titles = ["Support to national human rights institutions", "Treaty reporting workshop",
                  "Legal aid reform: expert mission", "Peer exchange on prison monitoring"]
        for i, title in enumerate(titles):
            session.add(Offer(partner_id=partner.partner_id, status=OfferStatus.PUBLISHED,
                              title=f"{title} (demo)", kind=kinds[i], budget=50_000 * (i + 1), currency="USD",
                              max_requests=3, window_start=date(2027, 1, 1), window_end=date(2027, 12, 31),
                              eligible_groups=None if i % 2 == 0 else ["AFRICAN", "APG"],
                              created_by_id=partner.id))
            session.flush()
            offer_id = session.exec(select(Offer.id).order_by(Offer.id.desc())).first()
            for theme in themes[i::4][:2]:
                session.add(OfferTheme(offer_id=offer_id, theme_id=theme.id))
        for state, n in (("KEN", 3), ("IND", 2), ("POL", 1), ("BRA", 2), ("NOR", 1)):
            for i in range(n):
                session.add(CapacityRequest(
                    state_code=state, status=RequestStatus.SUBMITTED, title=f"Request {state}-{i} (demo)",
                    need="(demo)", window_start=date(2027, 2, 1), window_end=date(2027, 6, 30), weeks=4,
                    experts_needed=1, budget=40_000, currency="USD", priority=2, created_by_id=mission.id,
                    submitted_at=utcnow() - timedelta(days=i)))
        session.commit()
    engine.dispose()
    return People(state=mission.email, partner=partner.email, secretariat="secretariat@demo.example.org",
                  locked="locked@demo.example.org", changer="changer@demo.example.org")


@dataclass(frozen=True)
class LiveServer:
    url: str
    people: People
    password: str = PASSWORD
    database_url: str = ""  # for set-up a test writes straight to the database (members, experts)


@contextmanager
def serve_seeded_app(directory: Path) -> Iterator[LiveServer]:
    """The app under uvicorn on a free port, on a freshly seeded SQLite database in `directory`."""
    import uvicorn

    from facility.app import create_app
    from facility.config import Settings
    from facility.worker import Worker, sessions

    url = f"sqlite:///{directory / 'facility.db'}"
    people = _seed(url)
    port = _free_port()
    app = create_app(Settings(database_url=url, env="development", secret_key="browser-tests-" + "k" * 32,
                              storage_dir=str(directory / "files")),
                     demo=True)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    # A worker beside the server, as `facility demo` runs one: it does the runs the pages start.
    background = Worker(sessions(app.state.engine), app.state.settings)
    threading.Thread(target=background.run_forever, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", people=people, database_url=url)
    finally:
        server.should_exit = True
        background.stop.set()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    with serve_seeded_app(tmp_path_factory.mktemp("browser")) as server:
        yield server


@pytest.fixture(scope="session")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_server) -> Iterator[Page]:
    """A fresh browser context (no cookies) per test, in English unless the test switches."""
    # bypass_csp: axe-core is injected as a script, which the pages' policy (no script at all)
    # refuses; the policy itself is asserted over HTTP in tests/security/test_headers.py.
    context = chromium.new_context(base_url=live_server.url, locale="en-GB",
                                   viewport={"width": 1280, "height": 900}, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on the current page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
        resultTypes: ['violations']})""")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, json.dumps(violations, indent=2)


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def sign_in(page: Page, email: str, password: str) -> None:
    page.goto("/account/sign-in")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def tab_to(page, selector: str, limit: int = 100) -> None:
    """Press Tab until the element `selector` matches has the focus; fail if it never does."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("selector => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"{selector} is not reached with Tab in {limit} presses")
