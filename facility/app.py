"""create_app(): the web application (GraphQL API and pages)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from facility.api.endpoint import router as graphql_router
from facility.config import Settings, get_settings
from facility.db import make_engine
from facility.pages import router as pages_router


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    open_session: Callable[[], AbstractContextManager[Session]] | None = None,
    demo: bool = False,
) -> FastAPI:
    """The app; tests pass `open_session` to run requests inside their own transaction."""
    settings = settings or get_settings()
    settings.check_production_ready()
    logging.basicConfig(level=logging.INFO)
    engine = engine or make_engine(settings.database_url)

    @contextmanager
    def default_open_session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield session

    app = FastAPI(
        title="Implementation Facility",
        description="Human-rights recommendations implementation facility (A/HRC/43/37)",
        docs_url=None if settings.is_production else "/docs",
        redoc_url=None,
        openapi_url=None if settings.is_production else "/openapi.json",
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.open_session = open_session or default_open_session
    app.state.demo = demo  # pages then say that the data set is fictitious
    app.include_router(graphql_router)
    app.include_router(pages_router)
    return app
