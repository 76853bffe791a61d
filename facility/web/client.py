"""Who is on the other end of a request: the client address sign-in limits count on."""

from __future__ import annotations

from ipaddress import ip_address

from fastapi import Request


def _trusted(address: str, request: Request) -> bool:
    try:
        parsed = ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in request.app.state.settings.trusted_proxies)


def client_address(request: Request) -> str:
    """The connection's address; behind a proxy listed in FACILITY_TRUSTED_PROXIES, the address
    that proxy put last in X-Forwarded-For (read from the right, skipping trusted proxies:
    what lies left of them was written by the client and proves nothing)."""
    peer = request.client.host if request.client else "unknown"
    if not _trusted(peer, request):
        return peer
    forwarded = [part.strip() for header in request.headers.getlist("x-forwarded-for")
                 for part in header.split(",") if part.strip()]
    for hop in reversed(forwarded):
        if not _trusted(hop, request):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # a trusted proxy passed on garbage: count on the proxy itself
    return peer
