"""Public web pages (server-rendered): the facility's figures and its published offers."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import func
from sqlmodel import select

from facility.auth.models import Partner
from facility.offers import service as offers
from facility.offers.models import Offer
from facility.reference.models import Recommendation, RegionalGroup, State
from facility.requests.models import CapacityRequest, RequestStatus

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    with request.app.state.open_session() as session:
        recommendations = session.exec(select(func.count()).select_from(Recommendation)).one()
        states_with_recommendations = session.exec(
            select(func.count(func.distinct(Recommendation.state_code)))).one()
        # Public figures count only requests that left the State's hands (never drafts).
        by_group = session.exec(
            select(RegionalGroup.code, RegionalGroup.name, func.count(CapacityRequest.id))
            .select_from(RegionalGroup)
            .join(State, State.regional_group_code == RegionalGroup.code, isouter=True)
            .join(CapacityRequest, (CapacityRequest.state_code == State.code)
                  & CapacityRequest.submitted_at.is_not(None)  # type: ignore[union-attr]
                  & (CapacityRequest.status != RequestStatus.WITHDRAWN), isouter=True)
            .group_by(RegionalGroup.code, RegionalGroup.name).order_by(RegionalGroup.code)
        ).all()
        offers_page, offer_total = offers.list_offers(session, actor=None, limit=10, offset=0)
        partners = {p.id: p.name for p in session.exec(
            select(Partner).where(Partner.id.in_([o.partner_id for o in offers_page])))}  # type: ignore[union-attr]
        published_budget = session.exec(
            select(func.coalesce(func.sum(Offer.budget), 0))
            .where(Offer.status == "PUBLISHED")).one()
    max_count = max((row[2] for row in by_group), default=0) or 1
    return templates.TemplateResponse(request, "home.html", {
        "recommendations": recommendations,
        "states_with_recommendations": states_with_recommendations,
        "by_group": by_group, "max_count": max_count,
        "offers": offers_page, "offer_total": offer_total, "partners": partners,
        "published_budget": published_budget,
        "show_graphiql": not request.app.state.settings.is_production,
        "demo": request.app.state.demo,
    })


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    with request.app.state.open_session() as session:
        session.exec(select(1)).one()
    return JSONResponse({"status": "ok"})
