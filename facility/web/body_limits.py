"""Request bodies are bounded before the application reads them (an ASGI middleware).

Without this, a 400 MB anonymous POST /graphql or a 300 MB sign-in form is read whole into
memory (the CSRF check parses every unsafe request's form) before any check refuses it.
Here a body is refused with 413 at once when its Content-Length is over the limit, and a
body sent without one (chunked) is counted while it arrives and refused as soon as it passes
the limit. The application receives the body only once it is complete, so no route and no
database transaction waits on a slow client.

Limits: GraphQL documents 256 KB (facility.api.endpoint), forms 1 MB, the secretariat's
import upload `MAX_UPLOAD_BYTES` (a 20 MB file plus the form around it), and the library's
uploads `MAX_LIBRARY_BYTES` (a 10 MB document plus its form).
"""

from __future__ import annotations

import re

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from facility.api.endpoint import MAX_BODY_BYTES as MAX_GRAPHQL_BYTES
from facility.library.files import MAX_FILE_BYTES
from facility.numbers import whole_number
from facility.web.secretariat import MAX_IMPORT_BYTES

MAX_FORM_BYTES = 1024 * 1024
MAX_UPLOAD_BYTES = MAX_IMPORT_BYTES + MAX_FORM_BYTES
UPLOAD_PATHS = frozenset({"/secretariat/imports"})
MAX_LIBRARY_BYTES = MAX_FILE_BYTES + MAX_FORM_BYTES
LIBRARY_UPLOAD = re.compile(r"/library/(new|\d{1,11}/edit)")
BODILESS_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "DELETE"})


def limit_for(path: str) -> int:
    """The largest body accepted at `path`, in bytes."""
    if path == "/graphql":
        return MAX_GRAPHQL_BYTES
    if path in UPLOAD_PATHS:
        return MAX_UPLOAD_BYTES
    if LIBRARY_UPLOAD.fullmatch(path):
        return MAX_LIBRARY_BYTES
    return MAX_FORM_BYTES


class BodyLimit:
    """Refuse bodies over `limit_for(path)`; hand the application a complete, bounded body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in BODILESS_METHODS:
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["path"])
        declared = Request(scope).headers.get("content-length")
        if declared is not None:
            length = whole_number(declared)
            if length is None:
                await _refusal(scope, 400, "Content-Length: not a number of bytes")(scope, receive, send)
                return
            if length > limit:
                await _too_large(scope, limit)(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return  # the client left: nothing to answer
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _too_large(scope, limit)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()  # after the body: only the disconnect is left to wait for

        await self.app(scope, replay, send)


def _too_large(scope: Scope, limit: int) -> Response:
    return _refusal(scope, 413, f"request body larger than {limit} bytes")


def _refusal(scope: Scope, status: int, message: str) -> Response:
    """JSON for the API; a plain page for the forms (the connection closes after it)."""
    headers = {"Connection": "close"}
    if scope["path"] == "/graphql":
        return JSONResponse({"errors": [{"message": message}]}, status_code=status, headers=headers)
    from facility.web.i18n import gettext_for
    from facility.web.templating import render

    request = Request(scope)
    _ = gettext_for(request)
    text = (_("The form or file sent is larger than this page accepts (%(limit)s MB at most).")
            % {"limit": max(1, round(limit_for(scope["path"]) / 1024 / 1024))}
            if status == 413 else message)
    response = render(request, "errors/page.html", {
        "title": _("The request could not be handled"), "message": text}, status_code=status)
    response.headers.update(headers)
    return response
