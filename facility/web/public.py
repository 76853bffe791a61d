"""Public pages: the figures, the offers catalogue, decisions, the criteria in force, the mandate."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import col, select
from starlette.concurrency import run_in_threadpool

from facility.auth.models import Partner
from facility.db import reading_only
from facility.library.service import published_by_story
from facility.numbers import whole_number
from facility.offers import service as offers
from facility.offers.models import OfferKind, OfferStatus
from facility.reference.models import GROUP_CODES, RegionalGroup, State, Theme
from facility.stories import service as stories
from facility.stories.models import StoryStatus
from facility.web.deps import SessionDep, page_router
from facility.web.figures import home_figures
from facility.web.pagination import Pages, page_number
from facility.web.templating import render
from governance.committee import current_seats
from governance.criteria import body_in_force
from governance.publication import published_decisions

router = page_router()
log = logging.getLogger(__name__)

OFFERS_PAGE_SIZE = 20
DECISIONS_PAGE_SIZE = 50
STORIES_PAGE_SIZE = 10


@router.get("/")
def home(request: Request, db: SessionDep) -> Response:
    figures = home_figures(db)
    latest, _total = offers.list_offers(db, actor=None, status=OfferStatus.PUBLISHED, limit=5, offset=0)
    partners = _partner_names(db, [o.partner_id for o in latest])
    return render(request, "public/home.html", {"figures": figures, "latest": latest,
                                                "partners": partners})


def _partner_names(db, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {p.id: p.name for p in db.exec(select(Partner).where(col(Partner.id).in_(ids)))}


@router.get("/offers")
def offers_catalogue(request: Request, db: SessionDep, theme: str | None = None,
                     group: str | None = None, kind: str | None = None,
                     page: str | None = None) -> Response:
    """Published offers, filtered by theme, regional group and kind; 20 a page."""
    themes = list(db.exec(select(Theme).order_by(Theme.name)))
    groups = list(db.exec(select(RegionalGroup).order_by(RegionalGroup.code)))
    theme_id = whole_number(theme)
    theme_id = theme_id if any(t.id == theme_id for t in themes) else None
    group_code = group if group in GROUP_CODES else None
    offer_kind = OfferKind(kind) if kind in OfferKind.__members__ else None
    query = {k: v for k, v in (("theme", str(theme_id or "")), ("group", group_code or ""),
                               ("kind", offer_kind.value if offer_kind else "")) if v}
    number = page_number(page)
    rows, total = offers.list_offers(db, actor=None, status=OfferStatus.PUBLISHED,
                                     limit=OFFERS_PAGE_SIZE, offset=(number - 1) * OFFERS_PAGE_SIZE,
                                     theme_id=theme_id, group_code=group_code, kind=offer_kind)
    ids = [o.id for o in rows]
    return render(request, "public/offers.html", {
        "offers": rows, "themes": themes, "groups": groups, "kinds": list(OfferKind),
        "selected": {"theme": theme_id, "group": group_code, "kind": offer_kind},
        "offer_themes": offers.themes_by_offer(db, ids) if ids else {},  # type: ignore[arg-type]
        "partners": _partner_names(db, [o.partner_id for o in rows]),
        "group_names": {g.code: g.name for g in groups},
        "pages": Pages(number, OFFERS_PAGE_SIZE, total, query),
    })


@router.get("/decisions")
def decisions(request: Request, db: SessionDep, page: str | None = None) -> Response:
    """The committee's published decisions (never the votes), newest first."""
    number = page_number(page)
    rows, total = published_decisions(db, limit=DECISIONS_PAGE_SIZE,
                                      offset=(number - 1) * DECISIONS_PAGE_SIZE)
    return render(request, "public/decisions.html", {
        "decisions": rows, "states": {s.code: s.name for s in db.exec(select(State))},
        "seats": current_seats(db), "pages": Pages(number, DECISIONS_PAGE_SIZE, total, {}),
    })


@router.get("/criteria")
def criteria(request: Request, db: SessionDep) -> Response:
    """The criteria the committee adopted and applies now."""
    version, body = body_in_force(db)
    groups = {g.code: g.name for g in db.exec(select(RegionalGroup))}
    return render(request, "public/criteria.html", {"version": version, "criteria": body,
                                                    "group_names": groups})


@router.get("/stories")
def success_stories(request: Request, db: SessionDep, page: str | None = None) -> Response:
    """Published success stories, newest first: only what the State consented to show."""
    number = page_number(page)
    rows, total = stories.list_stories(db, actor=None, status=StoryStatus.PUBLISHED,
                                       limit=STORIES_PAGE_SIZE,
                                       offset=(number - 1) * STORIES_PAGE_SIZE)
    contents = stories.story_contents(db, rows)
    return render(request, "public/stories.html", {
        "stories": [contents[s.id] for s in rows],  # type: ignore[index]
        "pages": Pages(number, STORIES_PAGE_SIZE, total, {}),
        # The case studies the library made of them (published only, as the page is public).
        "in_library": published_by_story(db, [s.id for s in rows]),  # type: ignore[misc]
    })


@router.get("/about")
def about(request: Request) -> Response:
    return render(request, "public/about.html")


# Two probes without viewer, form or CSRF check. /healthz is liveness: it answers from the
# event loop itself, touching neither the database nor the thread pool, so a burst of page work
# (every pool thread busy, writers queued for the write slots or the database lock) never
# delays it; a slow /healthz means a blocked event loop, which is what it is there to reveal.
# /readyz is readiness: one reading session in a pool thread, so it also says that the
# database answers (503 when it does not: a balancer then sends no traffic here).
health_router = APIRouter()


@health_router.get("/healthz")
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


def _database_answers(request: Request) -> None:
    with request.app.state.open_session() as db:
        reading_only(db)
        db.exec(select(1)).one()


@health_router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    try:
        await run_in_threadpool(_database_answers, request)
    except SQLAlchemyError as error:
        log.warning("readiness: the database does not answer (%s)", type(error).__name__)
        return JSONResponse({"status": "database unavailable"}, status_code=503,
                            headers={"Retry-After": "5"})
    return JSONResponse({"status": "ok"})
