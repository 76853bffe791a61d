"""Signing in and out in the browser: sessions, rotation, cookies, rate limiting, audit, passwords."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta
from typing import Annotated

import pytest
from fastapi import Depends
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from facility.app import create_app
from facility.audit import AuditEntry
from facility.auth import web_sessions
from facility.auth.actor import Actor
from facility.auth.models import LoginAttempt, Role, WebSession
from facility.config import Settings
from facility.web.deps import page_router, require_role
from tests.pages.conftest import PASSWORD, Browser, csrf_of

SECRET_PAGE = "/account"


def _audit(db: Session, action: str) -> list[AuditEntry]:
    return list(db.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_sign_in_opens_a_session_and_returns_to_the_page_asked_for(browser, person, db_session):
    account = person(Role.STATE)
    assert browser.get(SECRET_PAGE).headers["location"] == "/account/sign-in?next=/account"
    response = browser.sign_in(account.email, next="/account")
    assert response.status_code == 303 and response.headers["location"] == "/account"
    page = browser.get(SECRET_PAGE)
    assert page.status_code == 200 and account.email in page.text and "State mission" in page.text
    assert [e.subject_id for e in _audit(db_session, "account.signed_in")] == [account.id]


def test_session_cookie_flags_and_only_a_hash_stored(browser, person, db_session):
    account = person()
    cookie = browser.sign_in(account.email).headers["set-cookie"]
    assert "facility_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # development: plain http on 127.0.0.1
    value = browser.http.cookies["facility_session"]
    stored = db_session.exec(select(WebSession).where(WebSession.account_id == account.id)).one()
    assert stored.session_hash != value and len(value) >= 40


def _app(db_session, **settings):
    @contextmanager
    def open_session():
        yield db_session

    return create_app(Settings(database_url="sqlite://", **settings), engine=db_session.get_bind(),
                      open_session=open_session)


def test_production_cookies_are_secure(db_session, person):
    app = _app(db_session, env="production", secret_key="x" * 40)
    account = person()
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as http:
        form = http.get("/account/sign-in")
        assert "Secure" in form.headers["set-cookie"]
        response = http.post("/account/sign-in", data={
            "csrf_token": csrf_of(form.text), "email": account.email, "password": PASSWORD})
        assert response.status_code == 303
        assert "Secure" in response.headers["set-cookie"]


def test_sign_in_rotates_the_session_id(browser, person, db_session):
    account = person()
    browser.sign_in(account.email)
    first = browser.http.cookies["facility_session"]
    browser.sign_in(account.email)  # signing in again (e.g. as someone else) never keeps the old id
    second = browser.http.cookies["facility_session"]
    assert first != second
    assert web_sessions.resolve(db_session, first) is None
    assert web_sessions.resolve(db_session, second) is not None


def test_wrong_password_is_refused_with_one_message_and_audited(browser, person, db_session):
    account = person()
    response = browser.sign_in(account.email, password="not the password")
    assert response.status_code == 401
    assert "The e-mail address or the password is not correct." in response.text
    assert 'href="#password"' in response.text  # the error summary links to the field
    unknown = browser.sign_in("nobody@example.org", password="whatever at all")
    assert unknown.status_code == 401 and "The e-mail address or the password is not correct." in unknown.text
    failures = _audit(db_session, "account.sign_in_failed")
    assert [(f.subject_id, f.payload) for f in failures] == [
        (account.id, {"reason": "wrong_password"}), (None, {"reason": "unknown_account"})]
    # nothing personal in the audit log or the attempts table
    stored = " ".join(str(f.payload) for f in failures) + " ".join(
        a.email_key + a.ip_key for a in db_session.exec(select(LoginAttempt)))
    assert account.email not in stored and "nobody" not in stored and "testclient" not in stored
    assert "facility_session" not in browser.http.cookies


def test_empty_fields_are_named(browser):
    response = browser.sign_in("", password="")
    assert response.status_code == 422
    assert "E-mail address: enter the address of your account." in response.text
    assert "Password: enter your password." in response.text


def test_a_deactivated_account_cannot_sign_in_and_its_sessions_end(browser, person, db_session):
    account = person()
    browser.sign_in(account.email)
    assert browser.get(SECRET_PAGE).status_code == 200
    account.active = False
    db_session.add(account)
    db_session.flush()
    assert browser.get(SECRET_PAGE).status_code == 303
    assert browser.sign_in(account.email).status_code == 401


def _age_attempts(db_session, by: timedelta) -> None:
    """Move every recorded sign-in attempt back in time (the limits are in the database)."""
    for attempt in db_session.exec(select(LoginAttempt)):
        attempt.attempted_at -= by
        db_session.add(attempt)
    db_session.flush()


def test_failures_slow_an_account_down_but_never_lock_its_owner_out(browser, new_browser, person,
                                                                      db_session):
    """Anyone who knows an e-mail address could lock its owner out for 15 minutes with five wrong
    passwords; now each failure beyond the first few only makes the next try wait longer."""
    account = person()
    for _ in range(web_sessions.FREE_FAILURES_PER_ACCOUNT):
        assert browser.sign_in(account.email, password="wrong password!").status_code == 401
    waiting = new_browser().sign_in(account.email)  # even the right password, from elsewhere
    assert waiting.status_code == 429
    assert "Too many failed sign-in attempts" in waiting.text and "seconds." in waiting.text
    _age_attempts(db_session, web_sessions.backoff(web_sessions.FREE_FAILURES_PER_ACCOUNT))
    assert new_browser().sign_in(account.email).status_code == 303  # the owner is in


def test_an_attacker_hammering_an_account_delays_its_owner_by_a_minute_at_most(
        new_browser, person, db_session):
    account = person()
    for _ in range(12):  # each failure after the wait its predecessors imposed (60 s from the 8th)
        assert new_browser().sign_in(account.email, password="wrong password!").status_code == 401
        _age_attempts(db_session, web_sessions.MAX_BACKOFF)
    _age_attempts(db_session, -web_sessions.MAX_BACKOFF)  # the last failure: just now
    refused = new_browser().sign_in(account.email)
    assert refused.status_code == 429 and "seconds." in refused.text  # not minutes
    _age_attempts(db_session, web_sessions.MAX_BACKOFF)
    assert new_browser().sign_in(account.email).status_code == 303


def test_the_wait_grows_with_each_failure():
    waits = [web_sessions.backoff(n).total_seconds() for n in range(12)]
    assert waits[:web_sessions.FREE_FAILURES_PER_ACCOUNT] == [0] * web_sessions.FREE_FAILURES_PER_ACCOUNT
    assert waits[3:8] == [2, 4, 8, 16, 32] and set(waits[8:]) == {60}


def test_a_success_clears_the_account_count(browser, person, db_session):
    account = person()
    for _ in range(web_sessions.FREE_FAILURES_PER_ACCOUNT):
        browser.sign_in(account.email, password="wrong password!")
    _age_attempts(db_session, web_sessions.MAX_BACKOFF)
    assert browser.sign_in(account.email).status_code == 303
    for _ in range(web_sessions.FREE_FAILURES_PER_ACCOUNT):
        assert browser.sign_in(account.email, password="wrong password!").status_code == 401
    _age_attempts(db_session, web_sessions.MAX_BACKOFF)
    assert browser.sign_in(account.email).status_code == 303


def test_many_failures_from_one_address_lock_that_address(browser, person):
    accounts = [person() for _ in range(7)]  # at most 3 failures each: no account waits
    own = person()
    for i in range(web_sessions.MAX_FAILURES_PER_ADDRESS - 1):
        assert browser.sign_in(accounts[i % 7].email, password="wrong password!").status_code == 401
    assert browser.sign_in(own.email).status_code == 303  # a success does not clear the address
    browser.sign_in(accounts[6].email, password="wrong password!")
    locked = browser.sign_in(person().email)
    assert locked.status_code == 429 and "minutes." in locked.text


def _failures_from(app, addresses: list[str], *, peer: str = "127.0.0.1") -> list[int]:
    """One wrong password per address claimed in X-Forwarded-For, from a client at `peer`."""
    with TestClient(app, follow_redirects=False, client=(peer, 40000)) as http:
        browser = Browser(http)
        return [browser.submit("/account/sign-in", "/account/sign-in", {
            "email": f"nobody{i}@example.org", "password": "wrong password!"},
            headers={"X-Forwarded-For": address}).status_code
            for i, address in enumerate(addresses)]


@pytest.fixture
def address_limit(monkeypatch) -> int:
    """A per-address limit of 3, so that reaching it takes four sign-ins, not twenty-one."""
    monkeypatch.setattr(web_sessions, "MAX_FAILURES_PER_ADDRESS", 3)
    return 3


def test_a_loopback_client_cannot_choose_the_address_its_failures_count_on(db_session,
                                                                           address_limit):
    """By default no proxy is trusted: X-Forwarded-For is ignored, whoever sends it."""
    app = _app(db_session)
    claimed = [f"203.0.113.{n}" for n in range(address_limit + 1)]
    assert _failures_from(app, claimed) == [401] * address_limit + [429]


def test_behind_a_trusted_proxy_the_forwarded_client_address_counts(db_session, address_limit):
    app = _app(db_session, trusted_proxies="127.0.0.1")
    clients = [f"203.0.113.{n}" for n in range(address_limit + 1)]
    assert set(_failures_from(app, clients)) == {401}  # each client has its own count
    # The proxy appends the address it saw; what the client wrote before it proves nothing.
    spoofed = [f"198.51.100.{n}, 203.0.113.200" for n in range(address_limit + 1)]
    assert _failures_from(app, spoofed)[-1] == 429
    # A proxy that is not listed is a client like any other.
    assert _failures_from(app, clients, peer="192.0.2.7")[-1] == 429


def test_trusted_proxies_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("FACILITY_TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8")
    assert [str(n) for n in Settings().trusted_proxies] == ["127.0.0.1/32", "10.0.0.0/8"]
    monkeypatch.setenv("FACILITY_TRUSTED_PROXIES", "not-an-address")
    with pytest.raises(ValueError, match="not an IP address or network"):
        Settings()
    monkeypatch.delenv("FACILITY_TRUSTED_PROXIES")
    assert Settings().trusted_proxies == []


def test_post_without_a_valid_csrf_token_is_refused(browser, person, db_session):
    account = person()
    browser.get("/account/sign-in")
    no_token = browser.http.post("/account/sign-in", data={"email": account.email, "password": PASSWORD})
    forged = browser.http.post("/account/sign-in", data={
        "email": account.email, "password": PASSWORD, "csrf_token": "forged"})
    for response in (no_token, forged):
        assert response.status_code == 403 and "This form has expired" in response.text
    assert db_session.exec(select(LoginAttempt)).first() is None  # refused before anything ran
    browser.sign_in(account.email)
    anonymous_token = "0" * 64
    sign_out = browser.http.post("/account/sign-out", data={"csrf_token": anonymous_token})
    assert sign_out.status_code == 403
    assert browser.get(SECRET_PAGE).status_code == 200  # still signed in


def test_a_signed_in_token_belongs_to_its_session(browser, new_browser, person):
    """A token taken from one person's page does not work in another person's browser."""
    alice, bob = person(), person()
    browser.sign_in(alice.email)
    alice_token = csrf_of(browser.get(SECRET_PAGE).text)
    other = new_browser()
    other.sign_in(bob.email)
    response = other.http.post("/account/sign-out", data={"csrf_token": alice_token})
    assert response.status_code == 403


def test_sign_out_ends_the_session_at_once(browser, person, db_session):
    account = person()
    browser.sign_in(account.email)
    cookie = browser.http.cookies["facility_session"]
    response = browser.submit(SECRET_PAGE, "/account/sign-out", {})
    assert response.status_code == 303 and response.headers["location"] == "/"
    assert web_sessions.resolve(db_session, cookie) is None
    browser.http.cookies.set("facility_session", cookie)  # a copied cookie is dead too
    assert browser.get(SECRET_PAGE).status_code == 303
    assert [e.subject_id for e in _audit(db_session, "account.signed_out")] == [account.id]


def test_password_change_names_each_rule(browser, person):
    account = person()
    browser.sign_in(account.email)
    response = browser.submit("/account/password", "/account/password", {
        "current_password": "wrong", "new_password": "short", "confirmation": "other"})
    assert response.status_code == 422
    for message in ("Current password: is not correct.", "New password: at least 12 characters.",
                    "Confirm the new password: must repeat it exactly."):
        assert message in response.text
    for field in ("current_password", "new_password", "confirmation"):
        assert f'href="#{field}"' in response.text and f'id="{field}-error"' in response.text
    same = browser.submit("/account/password", "/account/password", {
        "current_password": PASSWORD, "new_password": PASSWORD, "confirmation": PASSWORD})
    assert "New password: must differ from the current one." in same.text
    assert browser.sign_in(account.email).status_code == 303  # nothing was changed


def test_password_change_keeps_this_session_and_ends_the_others(browser, new_browser, person, db_session):
    account = person()
    browser.sign_in(account.email)
    elsewhere = new_browser()
    elsewhere.sign_in(account.email)
    new = "a new long passphrase"
    response = browser.submit("/account/password", "/account/password", {
        "current_password": PASSWORD, "new_password": new, "confirmation": new})
    assert response.status_code == 303
    assert "Your password has been changed" in browser.get(response.headers["location"]).text
    assert elsewhere.get(SECRET_PAGE).status_code == 303
    assert new_browser().sign_in(account.email).status_code == 401
    assert new_browser().sign_in(account.email, password=new).status_code == 303
    assert len(_audit(db_session, "account.password_changed")) == 1


def test_next_never_leaves_the_site(browser, person):
    account = person()
    for target in ("https://evil.example", "//evil.example/x", "/\\evil.example"):
        response = browser.sign_in(account.email, next=target)
        assert response.headers["location"] == "/todo"  # the account's to-do page


committee_router = page_router()


@committee_router.get("/_test/committee")
def committee_only(actor: Annotated[Actor, Depends(require_role(Role.COMMITTEE))]) -> dict:
    return {"account": actor.account_id}


def test_require_role_refuses_other_roles_and_unseated_members(app, browser, person):
    app.include_router(committee_router)
    member = person(Role.COMMITTEE)  # an account without a seat
    state = person(Role.STATE)
    assert browser.get("/_test/committee").status_code == 303
    browser.sign_in(state.email)
    refused = browser.get("/_test/committee")
    assert refused.status_code == 403 and "Not available to your account" in refused.text
    browser.sign_in(member.email)
    assert browser.get("/_test/committee").status_code == 403  # no seat, no committee rights


def test_no_transaction_is_held_while_the_password_is_hashed(browser, person, db_session,
                                                            monkeypatch):
    """On SQLite every transaction holds the write lock; a hash takes a second under load and
    waits its turn: 50 sign-ins at once locked every other writer out ("database is locked")."""
    account = person()
    open_during_hash = []
    verify = web_sessions.verify_password

    def watched(password_hash, password):
        open_during_hash.append(db_session.in_transaction())
        return verify(password_hash, password)

    monkeypatch.setattr(web_sessions, "verify_password", watched)
    assert browser.sign_in(account.email).status_code == 303
    assert browser.sign_in(account.email, password="wrong password!").status_code == 401
    assert open_during_hash == [False, False]
