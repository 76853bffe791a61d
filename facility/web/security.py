"""Cookies and CSRF protection of the pages.

CSRF: a synchronizer token. A signed-in browser's token is stored with its session row
(`web_session.csrf_token`), so it changes on every sign-in and dies with the session. Before
sign-in (the sign-in form itself) the token is an HMAC of a random pre-session cookie, so a
page of another site can neither read nor forge it. Every unsafe request to a page router is
checked (see deps.csrf_protect); SameSite=Lax cookies are a second line, not the defence.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from starlette.requests import Request
from starlette.responses import Response

from facility.web import i18n

SESSION_COOKIE = "facility_session"
PRESESSION_COOKIE = "facility_presession"
CSRF_FIELD = "csrf_token"
LANG_COOKIE_AGE = 365 * 24 * 3600


def _secure(request: Request) -> bool:
    return request.app.state.settings.is_production


def session_cookie(request: Request) -> str | None:
    return request.cookies.get(SESSION_COOKIE) or None


def _presession(request: Request) -> str:
    value = getattr(request.state, "presession", None) or request.cookies.get(PRESESSION_COOKIE)
    if not value or len(value) > 64:
        value = secrets.token_urlsafe(32)
        request.state.new_presession = value
    request.state.presession = value
    return value


def csrf_token_for(request: Request) -> str:
    """The token the forms of this page carry."""
    viewer = getattr(request.state, "viewer", None)
    if viewer is not None and viewer.web_session is not None:
        return viewer.web_session.csrf_token
    secret = request.app.state.settings.secret_key
    return hmac.new(secret.encode(), f"csrf:{_presession(request)}".encode(),
                    hashlib.sha256).hexdigest()


def csrf_valid(request: Request, submitted: str | None) -> bool:
    if not submitted:
        return False
    viewer = getattr(request.state, "viewer", None)
    if (viewer is None or viewer.web_session is None) and not request.cookies.get(PRESESSION_COOKIE):
        return False  # no pre-session cookie: this form was not served to this browser
    return hmac.compare_digest(submitted.encode(), csrf_token_for(request).encode())


def attach_cookies(request: Request, response: Response) -> None:
    """Cookies decided while handling the request: the pre-session and a chosen language."""
    new_presession = getattr(request.state, "new_presession", None)
    if new_presession:
        response.set_cookie(PRESESSION_COOKIE, new_presession, httponly=True, samesite="lax",
                            secure=_secure(request), path="/")
    asked = request.query_params.get("lang")
    if asked in i18n.LANGUAGES and request.cookies.get(i18n.LANG_COOKIE) != asked:
        response.set_cookie(i18n.LANG_COOKIE, asked, max_age=LANG_COOKIE_AGE, samesite="lax",
                            secure=_secure(request), path="/")


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    # No max-age: the cookie ends with the browser; the server ends the session after 8 hours.
    response.set_cookie(SESSION_COOKIE, session_id, httponly=True, samesite="lax",
                        secure=_secure(request), path="/")
    response.delete_cookie(PRESESSION_COOKIE, path="/")


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax",
                           secure=_secure(request))


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: a path on this site only (never //host or a scheme); by
    default the account's to-do page, what awaits it."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/todo"
