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
from governance.committee import current_seats
from governance.criteria import body_in_force
from governance.publication import published_decisions

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


PAGE_SIZE = 50


@router.get("/decisions", response_class=HTMLResponse)
def decisions(request: Request, page: int = 1) -> HTMLResponse:
    """The committee's published decisions (never the votes), newest first."""
    page = max(1, page)
    with request.app.state.open_session() as session:
        rows, total = published_decisions(session, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        states = {s.code: s.name for s in session.exec(select(State))}
        seats = current_seats(session)
        version, criteria = body_in_force(session)
    return templates.TemplateResponse(request, "decisions.html", {
        "decisions": rows, "total": total, "page": page,
        "has_next": page * PAGE_SIZE < total, "states": states, "seats": seats,
        "criteria_version": version, "criteria": criteria, "demo": request.app.state.demo,
    })


@router.get("/healthz")
def healthz(request: Request) -> JSONResponse:
    with request.app.state.open_session() as session:
        session.exec(select(1)).one()
    return JSONResponse({"status": "ok"})
