"""Signing in and out in a real browser, also with the keyboard only."""

from __future__ import annotations

from tests.browser.conftest import assert_accessible, screenshot, sign_in


def test_sign_in_and_sign_out(page, live_server):
    sign_in(page, live_server.people.state, live_server.password)
    assert page.url.endswith("/todo")  # every role lands on what awaits it
    assert page.get_by_role("heading", level=1).inner_text() == "What awaits you"
    assert_accessible(page)
    page.goto("/account")
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"
    assert page.get_by_text(live_server.people.state).is_visible()
    assert_accessible(page)
    screenshot(page, "account")
    page.get_by_role("button", name="Sign out").click()
    assert page.url == live_server.url + "/"
    page.goto("/account")
    assert "/account/sign-in" in page.url  # the session is gone


def test_wrong_password_shows_the_error_summary(page, live_server):
    sign_in(page, live_server.people.partner, "not the password")
    summary = page.get_by_role("alert")
    assert "The e-mail address or the password is not correct." in summary.inner_text()
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    summary.get_by_role("link").click()
    assert page.evaluate("document.activeElement.id") == "password"
    assert page.get_by_label("Password").get_attribute("aria-invalid") == "true"
    assert_accessible(page)
    screenshot(page, "sign-in-error")


def test_repeated_failures_make_the_next_attempt_wait(page, live_server):
    for _ in range(3):  # web_sessions.FREE_FAILURES_PER_ACCOUNT: no wait yet
        sign_in(page, live_server.people.locked, "wrong password here")
        assert "is not correct" in page.get_by_role("alert").inner_text()
    # From then on each failure doubles the wait (2, 4, 8 s...): failing on, the browser soon
    # meets one, however slowly it types; and then even the right password waits.
    for _ in range(4):
        sign_in(page, live_server.people.locked, "wrong password here")
        if "Too many failed sign-in attempts" in page.get_by_role("alert").inner_text():
            break
    sign_in(page, live_server.people.locked, live_server.password)
    alert = page.get_by_role("alert").inner_text()
    assert "Too many failed sign-in attempts" in alert and "seconds" in alert
    assert page.url.endswith("/account/sign-in")


def test_a_form_without_its_token_is_refused(page, live_server):
    sign_in(page, live_server.people.state, live_server.password)
    page.goto("/account")
    page.locator("input[name=csrf_token]").first.evaluate("input => input.value = 'tampered'")
    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_role("heading", level=1).inner_text() == "This form has expired"
    assert_accessible(page)
    page.goto("/account")
    assert page.get_by_role("heading", level=1).inner_text() == "Your account"  # still signed in


def test_password_change(page, live_server):
    email, old, new = live_server.people.changer, live_server.password, "a brand new passphrase"
    sign_in(page, email, old)
    page.goto("/account/password")
    page.get_by_label("Current password").fill(old)
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Confirm the new password").fill("short")
    page.get_by_role("button", name="Change the password").click()
    assert "New password: at least 12 characters." in page.get_by_role("alert").inner_text()
    assert_accessible(page)
    screenshot(page, "password-error")
    page.get_by_label("Current password").fill(old)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("Confirm the new password").fill(new)
    page.get_by_role("button", name="Change the password").click()
    assert "Your password has been changed" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, email, old)
    assert "is not correct" in page.get_by_role("alert").inner_text()
    sign_in(page, email, new)
    assert page.url.endswith("/todo")


def test_keyboard_only_sign_in(page, live_server):
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    for _ in range(12):  # walk the header with Tab until the sign-in link has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Sign in":
            break
    else:
        raise AssertionError("the sign-in link cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url("**/account/sign-in")
    # first form fields come in order: e-mail, password, then the button
    page.keyboard.press("Tab")
    order = []
    for _ in range(30):
        if page.evaluate("document.activeElement.id") == "email":
            break
        page.keyboard.press("Tab")
    page.keyboard.type(live_server.people.state)
    order.append(page.evaluate("document.activeElement.id"))
    page.keyboard.press("Tab")
    order.append(page.evaluate("document.activeElement.id"))
    page.keyboard.type(live_server.password)
    page.keyboard.press("Tab")
    order.append(page.evaluate("document.activeElement.tagName"))
    assert order == ["email", "password", "BUTTON"]
    page.keyboard.press("Enter")
    page.wait_for_url("**/todo")
    assert page.get_by_role("heading", level=1).inner_text() == "What awaits you"
