"""What page routes depend on: the unit of work, who is viewing, role checks, CSRF, the form.

Every audience router is made with `page_router()`, which reads the submitted form, loads the
viewer and checks the CSRF token of every unsafe request before the route runs, so no form
can forget it.

    router = page_router()

    @router.get("/state/requests")
    def my_requests(request: Request, db: SessionDep,
                    actor: Annotated[Actor, Depends(require_role(Role.STATE))]) -> Response: ...

Routes are plain `def`: FastAPI runs them in its thread pool, so their database work never
runs on the event loop. A route that reads the form takes `form: FormDep`, read (on the event
loop, where waiting for the client costs no thread) before any database work begins, so no
transaction waits on a client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from python_multipart.multipart import parse_options_header
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, Headers
from starlette.formparsers import MultiPartException, MultiPartParser

from facility.auth import web_sessions
from facility.auth.actor import Actor
from facility.auth.models import Account, Role, WebSession
from facility.db import reading_only
from facility.web import security
from facility.web.i18n import gettext_for
from governance.committee import holds_seat

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


MAX_FORM_FIELDS = 1000  # the criteria form has a few hundred; a body over 1 MB is refused first


async def submitted_form(request: Request) -> FormData:
    """The submitted form (empty for a GET), parsed once (FastAPI keeps it for the request).

    A multipart body (the secretariat's import: up to 20 MB) is parsed in a pool thread: the
    body is already whole (facility.web.body_limits), so Starlette's parser would otherwise
    search the whole of it for part boundaries on the event loop without once letting
    another request in (a 19 MB import held /healthz for 2.6 s). Small urlencoded forms are
    parsed here, on the loop, where that costs less than a thread."""
    if request.method in SAFE_METHODS:
        return FormData()
    content_type, _options = parse_options_header(request.headers.get("Content-Type", ""))
    if content_type != b"multipart/form-data":
        return await request.form(max_fields=MAX_FORM_FIELDS, max_files=1)
    body = await request.body()
    try:
        return await run_in_threadpool(_parse_multipart, request.headers, body)
    except MultiPartException as refusal:
        raise HTTPException(status_code=400, detail=refusal.message) from None


def _parse_multipart(headers: Headers, body: bytes) -> FormData:
    """Starlette's own multipart parser (its limits and its spooled files), run to completion
    on an event loop of this thread's own."""

    async def whole_body() -> AsyncGenerator[bytes, None]:
        yield body

    parser = MultiPartParser(headers, whole_body(), max_files=1, max_fields=MAX_FORM_FIELDS)
    return asyncio.run(parser.parse())


FormDep = Annotated[FormData, Depends(submitted_form)]


def get_db(request: Request, _form: FormDep) -> Iterator[Session]:
    """One session per page request (opened once the form is in); POST routes commit at their
    end, nothing else does. It starts reading only (on SQLite: without waiting for writers,
    see facility.db.reading_only); for an unsafe request `load_viewer` ends that reading
    transaction, so the route's own work begins a writing one in the route's thread."""
    with request.app.state.open_session() as session:
        reading_only(session)
        yield session


SessionDep = Annotated[Session, Depends(get_db)]


@dataclass(frozen=True)
class Viewer:
    """The signed-in person: the same Actor the GraphQL API builds, and the browser session."""

    actor: Actor
    account: Account
    web_session: WebSession


class SignInRequired(Exception):
    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class PageError(Exception):
    """A refusal shown as a page: status, title and an explanation (already translated)."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code, self.title, self.message = status_code, title, message


def load_viewer(request: Request, db: SessionDep) -> Viewer | None:
    """The signed-in viewer from the session cookie (2 statements), or None."""
    if hasattr(request.state, "viewer"):
        return request.state.viewer
    viewer = None
    cookie = security.session_cookie(request)
    if cookie:
        found = web_sessions.resolve(db, cookie)
        if found is not None:
            web_session, account = found
            # Detached with their loaded values, so a page can still be rendered after its
            # write was rolled back (a rollback expires what the session holds).
            db.expunge(web_session)
            db.expunge(account)
            seated = account.role == Role.COMMITTEE and holds_seat(db, account.id)
            viewer = Viewer(actor=Actor.from_account(account, seated=seated), account=account,
                            web_session=web_session)
    request.state.viewer = viewer
    if request.method not in SAFE_METHODS:
        # A POST writes in the route, which runs in another thread than this dependency: the
        # write lock (SQLite) must be taken there, not here and held while the route waits for
        # a thread (threads waiting for that lock would hold every thread the route needs).
        db.commit()
    return viewer


ViewerDep = Annotated[Viewer | None, Depends(load_viewer)]


def current_actor(viewer: ViewerDep) -> Actor | None:
    """The Actor the services receive (None for the public)."""
    return viewer.actor if viewer else None


ActorDep = Annotated[Actor | None, Depends(current_actor)]


def require_role(*roles: Role, seated: bool = True) -> Callable[..., Actor]:
    """A dependency giving the Actor of a signed-in account with one of `roles`.

    Not signed in: redirected to the sign-in page (and back afterwards). Another role: a 403
    page. A committee account counts only while it holds a seat, unless `seated=False`.
    """
    allowed = frozenset(roles)

    def dependency(request: Request, viewer: ViewerDep) -> Actor:
        _ = gettext_for(request)
        if viewer is None:
            path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise SignInRequired(path)
        actor = viewer.actor
        if actor.role not in allowed or (seated and actor.role == Role.COMMITTEE and not actor.seated):
            raise PageError(403, _("Not available to your account"),
                            _("This page is for other accounts than yours. If you think you "
                              "should see it, ask the secretariat."))
        return actor

    return dependency


async def csrf_protect(request: Request, form: FormDep, viewer: ViewerDep) -> None:
    """Refuse an unsafe request whose form does not carry this browser's CSRF token."""
    if request.method in SAFE_METHODS:
        return
    submitted = form.get(security.CSRF_FIELD)
    if not security.csrf_valid(request, submitted if isinstance(submitted, str) else None):
        _ = gettext_for(request)
        raise PageError(403, _("This form has expired"),
                        _("The form was not sent from a page of this site in this browser, or "
                          "it is too old. Go back, reload the page and send the form again."))


async def write_slot(request: Request) -> AsyncIterator[None]:
    """An unsafe request waits for a write slot (app.state.write_slots, taken in the app's
    lifespan) before any database work, and keeps it until its session is closed. It waits
    on the event loop: fifty simultaneous form posts hold no thread while they queue, so
    readers are served meanwhile (on SQLite, they would otherwise hold every thread of the
    pool while waiting for the one write lock)."""
    slots = getattr(request.app.state, "write_slots", None)
    if request.method in SAFE_METHODS or slots is None:  # None: an app run without lifespan
        yield
        return
    async with slots:
        yield


def page_router() -> APIRouter:
    """The router of an audience's pages: a write slot for unsafe requests, viewer loaded,
    CSRF checked on every unsafe request."""
    return APIRouter(dependencies=[Depends(write_slot), Depends(csrf_protect)])
