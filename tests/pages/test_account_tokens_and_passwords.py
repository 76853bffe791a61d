"""A changed password ends what the old one opened (other sessions and every API token); the
account page lists its own tokens, never their secret, revokes them and issues a new one shown
once; a new password is refused when it is common, repetitive, sequential or the account's
own e-mail address or name (NIST SP 800-63B), with a message naming the rule."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from facility.audit import AuditEntry
from facility.auth.models import ApiToken, Role
from facility.auth.service import create_account, create_token
from facility.errors import ValidationFailed
from tests.pages.conftest import PASSWORD

NEW_PASSWORD = "a new long passphrase"
TOKEN_RE = re.compile(r"fac_[A-Za-z0-9_-]{20,}")


def _me(browser, token: str) -> int:
    return browser.http.post("/graphql", json={"query": "{ me { role } }"},
                             headers={"Authorization": f"Bearer {token}"}).status_code


def _change(browser, new: str, current: str = PASSWORD):
    return browser.submit("/account/password", "/account/password", {
        "current_password": current, "new_password": new, "confirmation": new})


def _actions(db_session, action: str) -> list[AuditEntry]:
    return list(db_session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_changing_the_password_revokes_every_api_token_of_the_account(browser, person, db_session):
    account, other = person(), person()
    tokens = [create_token(db_session, account=account, label=f"script {n}") for n in (1, 2)]
    theirs = create_token(db_session, account=other, label="their script")
    assert [_me(browser, t) for t in (*tokens, theirs)] == [200, 200, 200]
    browser.sign_in(account.email)
    assert _change(browser, NEW_PASSWORD).status_code == 303
    assert [_me(browser, t) for t in tokens] == [401, 401]
    assert _me(browser, theirs) == 200  # another account's token is not touched
    assert len(_actions(db_session, "token.revoked")) == 2
    [changed] = _actions(db_session, "account.password_changed")
    assert changed.payload == {"sessions_ended": 0, "tokens_revoked": 2}
    assert "your API tokens revoked" in browser.get("/account?changed=password").text


def test_the_tokens_page_lists_the_accounts_own_tokens_without_their_secret(browser, person,
                                                                            db_session):
    account, other = person(), person()
    mine = create_token(db_session, account=account, label="Reporting script")
    theirs = create_token(db_session, account=other, label="Their script")
    browser.sign_in(account.email)
    page = browser.get("/account/tokens")
    assert page.status_code == 200
    assert "Reporting script" in page.text and mine[:10] in page.text
    assert mine not in page.text and "Their script" not in page.text and theirs[:10] not in page.text
    assert 'href="/account/tokens"' in browser.get("/account").text


def test_a_token_issued_on_the_page_is_shown_once_works_and_can_be_revoked(browser, person,
                                                                           db_session):
    account = person(Role.PARTNER)
    browser.sign_in(account.email)
    refused = browser.submit("/account/tokens", "/account/tokens", {"label": "  "})
    assert refused.status_code == 422 and "What the token is for: say which program" in refused.text
    issued = browser.submit("/account/tokens", "/account/tokens", {"label": "Offer sync"})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    [token] = TOKEN_RE.findall(issued.text)
    assert _me(browser, token) == 200
    listing = browser.get("/account/tokens").text
    assert token not in listing and "Offer sync" in listing  # never shown again
    row = db_session.exec(select(ApiToken).where(ApiToken.account_id == account.id)).one()
    assert row.token_hash != token and token.startswith(row.prefix)
    revoked = browser.submit("/account/tokens", f"/account/tokens/{row.id}/revoke", {})
    assert revoked.status_code == 303
    assert _me(browser, token) == 401
    assert "Offer sync" not in browser.get("/account/tokens").text
    assert [e.actor_account_id for e in _actions(db_session, "token.revoked")] == [account.id]


def test_another_accounts_token_cannot_be_revoked_from_the_page(browser, person, db_session):
    account, other = person(), person()
    theirs = create_token(db_session, account=other)
    their_id = db_session.exec(select(ApiToken.id).where(ApiToken.account_id == other.id)).one()
    browser.sign_in(account.email)
    refused = browser.submit("/account/tokens", f"/account/tokens/{their_id}/revoke", {})
    assert refused.status_code == 404 and "no such token for your account" in refused.text
    assert _me(browser, theirs) == 200


def test_the_tokens_page_needs_a_signed_in_account(browser):
    assert browser.get("/account/tokens").status_code == 303


@pytest.mark.parametrize("password, message", [
    ("aaaaaaaaaaaa", "New password: must not be one character or a short group of characters repeated."),
    ("abcabcabcabcabc", "New password: must not be one character or a short group of characters repeated."),
    ("qwerty123456", "New password: is one of the most common passwords; choose one nobody would guess."),
    ("abcdefghijklmn", "New password: must not be a run of consecutive characters such as abcdef or 123456."),
    ("987654321098", "New password: must not be a run of consecutive characters such as abcdef or 123456."),
    ("{email}", "New password: must not contain your e-mail address or your name."),
    ("my {local} password", "New password: must not contain your e-mail address or your name."),
    ("Amina Nandi 2027", "New password: must not contain your e-mail address or your name."),
])
def test_a_guessable_new_password_is_refused_naming_the_rule(browser, person, db_session,
                                                             password, message):
    account = person()
    account.name = "Amina Nandi"
    db_session.add(account)
    db_session.flush()
    browser.sign_in(account.email)
    response = _change(browser, password.format(email=account.email,
                                                local=account.email.partition("@")[0]))
    assert response.status_code == 422
    assert message in response.text
    assert browser.sign_in(account.email).status_code == 303  # the old password still works


def test_an_account_is_never_created_with_a_guessable_password(db_session):
    for password, rule in (("aaaaaaaaaaaa", "repetitive"), ("mission.ken@example.org", "personal"),
                           ("123456789012", "sequential"), ("1q2w3e4r5t6y", "common")):
        with pytest.raises(ValidationFailed) as refused:
            create_account(db_session, role=Role.STATE, email="mission.ken@example.org",
                           name="Mission of Kenya", state_code="KEN", password=password)
        assert [(p.field, p.rule) for p in refused.value.problems] == [("password", rule)]
    create_account(db_session, role=Role.STATE, email="mission.ken@example.org",
                   name="Mission of Kenya", state_code="KEN", password="nairobi rains in april")
