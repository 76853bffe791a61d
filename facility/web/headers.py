"""Security headers on every response: no framing, no sniffing, a Content-Security-Policy.

The pages need no JavaScript and load only the facility's own stylesheet, so their policy allows
nothing else: no script at all, styles from the site itself (and in `style` attributes, which
the bar charts use to size their bars), forms posted only to the site. A response that brings
its own policy keeps it: the development GraphiQL page (facility/api/endpoint.py) allows its
scripts from unpkg.com by their hashes, and FastAPI's /docs page (development only) gets
`DOCS_POLICY` here.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = ("default-src 'none'; style-src 'self'; style-src-attr 'unsafe-inline'; "
               "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
# Swagger UI from jsDelivr with an inline start-up script; served only in development.
DOCS_POLICY = ("default-src 'none'; script-src https://cdn.jsdelivr.net 'unsafe-inline'; "
               "style-src https://cdn.jsdelivr.net 'unsafe-inline'; img-src 'self' data: "
               "https://fastapi.tiangolo.com; connect-src 'self'; frame-ancestors 'none'; "
               "base-uri 'none'")

HEADERS = {
    b"x-frame-options": b"DENY",
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"same-origin",
}


class SecurityHeaders:
    """ASGI middleware adding the headers (a plain ASGI wrapper: bodies stream through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = (DOCS_POLICY if scope["path"] == "/docs" else PAGE_POLICY).encode()

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                added = [(name, value) for name, value in
                         [*HEADERS.items(), (b"content-security-policy", policy)]
                         if name not in present]
                message["headers"] = [*message.get("headers", []), *added]
            await send(message)

        await self.app(scope, receive, send_with_headers)
