"""Fixtures for the pages: a browser-like client (cookies kept, redirects not followed) and people."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from facility.auth.models import Account, Role
from facility.auth.service import create_account

PASSWORD = "correct horse battery"
TENANTS: dict[Role, dict] = {
    Role.STATE: {"state_code": "KEN"},
    Role.COMMITTEE: {"state_code": "KEN", "group_code": "AFRICAN"},
    Role.PARTNER: {"partner_name": "Test partner"},
    Role.EXPERT: {"partner_name": "Test partner"},
    Role.SECRETARIAT: {},
}
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    found = CSRF_RE.search(html)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Browser:
    http: TestClient

    def get(self, path: str, **kw):
        return self.http.get(path, **kw)

    def submit(self, form_page: str, action: str, data: dict, **kw):
        """Open `form_page`, then post `data` to `action` with the page's CSRF token."""
        page = self.http.get(form_page)
        assert page.status_code == 200, page.text
        return self.http.post(action, data={"csrf_token": csrf_of(page.text), **data}, **kw)

    def sign_in(self, email: str, password: str = PASSWORD, **kw):
        return self.submit("/account/sign-in", "/account/sign-in",
                           {"email": email, "password": password, **kw})


@pytest.fixture
def browser(app) -> Iterator[Browser]:
    with TestClient(app, follow_redirects=False) as http:
        yield Browser(http)


@pytest.fixture
def new_browser(app):
    """Another browser on the same app (its own cookies)."""
    clients: list[TestClient] = []

    def make() -> Browser:
        client = TestClient(app, follow_redirects=False)
        client.__enter__()
        clients.append(client)
        return Browser(client)

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def person(db_session: Session):
    """Create a signed-up person of a role, with the test password."""
    counter = iter(range(1, 1000))

    def make(role: Role = Role.STATE, **kw) -> Account:
        n = next(counter)
        defaults = TENANTS[role]
        account = create_account(db_session, role=role, name=f"Person {n}", password=PASSWORD,
                                 email=f"person{n}-{role.value.lower()}@example.org",
                                 **{**defaults, **kw})
        db_session.flush()
        return account

    return make


@pytest.fixture
def offers_of(db_session: Session, person):
    """Publish `n` offers of one partner (fields varied by index) and return them."""
    from datetime import date

    from sqlmodel import select

    from facility.offers.models import Offer, OfferKind, OfferStatus, OfferTheme
    from facility.reference.models import Theme

    themes = list(db_session.exec(select(Theme).order_by(Theme.name).limit(3)))
    kinds = list(OfferKind)

    def make(n: int, *, partner: str = "Test partner", **fields) -> list[Offer]:
        author = person(Role.PARTNER, partner_name=partner)
        made = []
        for i in range(n):
            offer = Offer(partner_id=author.partner_id, status=OfferStatus.PUBLISHED,
                          title=f"Offer {i} (demo)", kind=kinds[i % len(kinds)],
                          eligible_groups=None if i % 2 == 0 else ["AFRICAN", "GRULAC"],
                          budget=1_234_567 + i, currency="USD", max_requests=3,
                          window_start=date(2027, 1, 15), window_end=date(2027, 12, 31),
                          created_by_id=author.id, **fields)
            db_session.add(offer)
            db_session.flush()
            db_session.add(OfferTheme(offer_id=offer.id, theme_id=themes[i % len(themes)].id))
            made.append(offer)
        db_session.flush()
        return made

    make.themes = themes  # type: ignore[attr-defined]
    return make
