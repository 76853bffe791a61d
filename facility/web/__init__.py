"""The web pages: server-rendered Jinja2, one router per audience, sessions, CSRF, languages.

Layout (docs/pages.md explains how to add a page for a role):
  deps.py       unit of work, the viewer (same Actor as GraphQL), require_role, CSRF check
  security.py   cookies, CSRF tokens, safe redirects
  i18n.py       language choice, catalogues, locale-aware formatting
  templating.py the Jinja2 environment and render()
  figures.py    the public figures
  public.py     public pages; account.py sign-in, sign-out, password; tokens.py API tokens
  stories.py    success stories: the secretariat proposes and publishes, the State answers
  referrals.py  referrals: the secretariat records, the committee reads, the State answers
  dialogue.py   progress updates, the State pages (/states/{code}), a partner's reports back
  funds.py      the funds OHCHR administers (/funds), their donors' figures (the secretariat)
  library.py    the good-practice library: contributions, the secretariat's review, files
  programmes.py the programmes directory, and those suggested next to a State's request
  todo.py       /todo: what awaits the signed-in account (where it lands after sign-in)
Templates live in facility/templates/<audience>/, the stylesheet in facility/static/.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from facility.db import RETRY_AFTER_SECONDS, is_lock_timeout
from facility.web import (
    account,
    committee,
    dialogue,
    expert,
    funds,
    library,
    partner,
    programmes,
    public,
    readiness,
    referrals,
    secretariat,
    state,
    stories,
    todo,
    tokens,
)
from facility.web.deps import PageError, SignInRequired
from facility.web.i18n import gettext_for
from facility.web.templating import render

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"
AUDIENCE_ROUTERS = [public.router, account.router, tokens.router, state.router, partner.router,
                    committee.router, secretariat.router, expert.router, stories.router,
                    todo.router, referrals.router, dialogue.router, funds.router,
                    library.router, programmes.router, readiness.router]


# The handlers are plain functions: Starlette runs them in the thread pool, so rendering a
# refusal page never holds the event loop (fifty 409 pages at once would).
def _error_page(request: Request, status_code: int, title: str, message: str) -> Response:
    return render(request, "errors/page.html", {"title": title, "message": message},
                  status_code=status_code)


def _page_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, PageError)
    return _error_page(request, error.status_code, error.title, error.message)


async def _sign_in_required(request: Request, error: Exception) -> Response:
    assert isinstance(error, SignInRequired)
    return RedirectResponse(f"/account/sign-in?next={quote(error.next_path)}", status_code=303)


def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    if request.url.path.startswith(("/graphql", "/static/")):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code,
                            headers=getattr(error, "headers", None))
    _ = gettext_for(request)
    if error.status_code == 404:
        return _error_page(request, 404, _("Page not found"),
                           _("There is no page at this address. It may have moved; start again "
                             "from the home page."))
    return _error_page(request, error.status_code, _("The request could not be handled"),
                       str(error.detail))


def _database_busy(request: Request, error: Exception) -> Response:
    """Waiting too long for the database (another write held it): 503, try again, nothing lost."""
    if not is_lock_timeout(error):
        raise error
    _ = gettext_for(request)
    response = _error_page(request, 503, _("The site is busy"),
                           _("Too many changes arrived at the same moment, and yours was not "
                             "saved. Wait a few seconds, then send the form again."))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def install(app: FastAPI) -> None:
    """Mount the stylesheet and every audience's pages on the app."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(public.health_router)
    for router in AUDIENCE_ROUTERS:
        app.include_router(router)
    app.add_exception_handler(PageError, _page_error)
    app.add_exception_handler(SignInRequired, _sign_in_required)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(sa_exc.OperationalError, _database_busy)
    app.add_exception_handler(sa_exc.TimeoutError, _database_busy)
