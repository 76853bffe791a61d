"""The load benchmark's baseline: the offers page and a State's requests page as plain FastAPI
JSON endpoints over SQLAlchemy Core, no GraphQL, no services. Benchmark code, never served by
the product.

It reads the same tables and returns the same fields as the contract's Offers and Requests
documents (20 rows, total count, themes, partner, linked recommendation ids), checks the bearer
token the same way (SHA-256 lookup, revoked tokens and inactive accounts refused) and runs on
the same engine settings, so the difference measured is what the product's GraphQL layer,
services and permission checks cost.

    uvicorn --factory bench.load.baseline_app:create_app   (FACILITY_DATABASE_URL as for the product)
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

from fastapi import FastAPI, Header, HTTPException, Query
from sqlalchemy import func, select

from facility.auth.models import Account, ApiToken, Partner
from facility.config import get_settings
from facility.db import make_engine
from facility.ids import encode_id
from facility.offers.models import Offer, OfferTheme
from facility.reference.models import Theme
from facility.requests.models import CapacityRequest, RequestRecommendation, RequestTheme

offer_t, partner_t, theme_t = Offer.__table__, Partner.__table__, Theme.__table__
offer_theme_t, request_t = OfferTheme.__table__, CapacityRequest.__table__
request_theme_t, request_rec_t = RequestTheme.__table__, RequestRecommendation.__table__
token_t, account_t = ApiToken.__table__, Account.__table__


def _names_by(connection, link, key: str, ids: list[int]) -> dict[int, list[str]]:  # type: ignore[no-untyped-def]
    found: dict[int, list[str]] = defaultdict(list)
    for owner, name in connection.execute(
            select(link.c[key], theme_t.c.name).join(theme_t, theme_t.c.id == link.c.theme_id)
            .where(link.c[key].in_(ids)).order_by(link.c[key], theme_t.c.name)):
        found[owner].append(name)
    return found


def create_app() -> FastAPI:
    engine = make_engine(get_settings().database_url)
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/api/offers")
    def offers(status: str = "PUBLISHED", first: int = Query(20, ge=1, le=100)) -> dict:
        with engine.connect() as connection:
            condition = offer_t.c.status == status
            total = connection.execute(select(func.count()).select_from(offer_t).where(condition)).scalar()
            rows = connection.execute(
                select(offer_t, partner_t.c.name.label("partner_name"),
                       partner_t.c.kind.label("partner_kind"))
                .join(partner_t, partner_t.c.id == offer_t.c.partner_id)
                .where(condition).order_by(offer_t.c.id.desc()).limit(first)).mappings().all()
            themes = _names_by(connection, offer_theme_t, "offer_id", [r["id"] for r in rows])
        return {"offers": {"totalCount": total, "edges": [{"node": {
            "id": encode_id("Offer", r["id"]), "title": r["title"], "kind": r["kind"],
            "status": r["status"], "partner": {"name": r["partner_name"], "kind": r["partner_kind"]},
            "themes": themes[r["id"]], "eligibleGroups": r["eligible_groups"],
            "eligibleStates": r["eligible_states"], "languages": r["languages"],
            "budget": r["budget"], "currency": r["currency"], "maxRequests": r["max_requests"],
            "windowStart": r["window_start"].isoformat(), "windowEnd": r["window_end"].isoformat(),
            "conditions": r["conditions"]}} for r in rows]}}

    @app.get("/api/requests")
    def requests(authorization: str = Header(""), first: int = Query(20, ge=1, le=100)) -> dict:
        token = authorization.removeprefix("Bearer ").strip()
        with engine.connect() as connection:
            state = connection.execute(
                select(account_t.c.state_code).join(token_t, token_t.c.account_id == account_t.c.id)
                .where(token_t.c.token_hash == hashlib.sha256(token.encode()).hexdigest(),
                       token_t.c.revoked_at.is_(None), account_t.c.active.is_(True))).scalar()
            if state is None:
                raise HTTPException(401, "invalid or revoked API token")
            condition = request_t.c.state_code == state
            total = connection.execute(
                select(func.count()).select_from(request_t).where(condition)).scalar()
            rows = connection.execute(select(request_t).where(condition)
                                      .order_by(request_t.c.id.desc()).limit(first)).mappings().all()
            ids = [r["id"] for r in rows]
            themes = _names_by(connection, request_theme_t, "request_id", ids)
            linked: dict[int, list[str]] = defaultdict(list)
            for request_id, rec_id in connection.execute(
                    select(request_rec_t.c.request_id, request_rec_t.c.recommendation_id)
                    .where(request_rec_t.c.request_id.in_(ids))
                    .order_by(request_rec_t.c.request_id, request_rec_t.c.recommendation_id)):
                linked[request_id].append(encode_id("Recommendation", rec_id))
        return {"requests": {"totalCount": total, "edges": [{"node": {
            "id": encode_id("CapacityRequest", r["id"]), "title": r["title"], "status": r["status"],
            "state": {"code": r["state_code"]}, "recommendations": [{"id": i} for i in linked[r["id"]]],
            "themes": themes[r["id"]], "languages": r["languages"], "budget": r["budget"],
            "experts": r["experts_needed"], "weeks": r["weeks"],
            "windowStart": r["window_start"].isoformat(), "windowEnd": r["window_end"].isoformat(),
            "priority": r["priority"]}} for r in rows]}}

    return app
