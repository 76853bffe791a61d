"""create_app(): the web application (GraphQL API and pages)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractContextManager, asynccontextmanager, contextmanager

from fastapi import FastAPI
from sqlalchemy import Engine
from sqlmodel import Session

from facility.api.endpoint import router as graphql_router
from facility.config import Settings, get_settings
from facility.db import concurrent_writers, make_engine
from facility.exports.pages import router as exports_router
from facility.library.storage import storage_for
from facility.web import install as install_pages
from facility.web.body_limits import BodyLimit
from facility.web.headers import SecurityHeaders


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    open_session: Callable[[], AbstractContextManager[Session]] | None = None,
    demo: bool = False,
    run_jobs_inline: bool = False,
) -> FastAPI:
    """The app. Background work is done by `facility worker` (facility/worker.py): the app only
    enqueues it. Tests pass `open_session` to keep work in their transaction, and
    `run_jobs_inline` to run the jobs a request enqueued right after it commits, in-process."""
    settings = settings or get_settings()
    settings.check_production_ready()
    storage_for(settings)  # a storage folder inside the web root is refused before serving
    logging.basicConfig(level=logging.INFO)
    engine = engine or make_engine(settings.database_url)

    @contextmanager
    def default_open_session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as session:
            yield session

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Writing requests queue here, on the event loop, not in threads: however many
        # arrive at once, readers (and /readyz) always find a thread (see web.deps.write_slot).
        app.state.write_slots = asyncio.Semaphore(concurrent_writers(engine))
        yield

    app = FastAPI(
        lifespan=lifespan,
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
    app.state.run_jobs_inline = run_jobs_inline
    app.include_router(graphql_router)
    app.include_router(exports_router)
    install_pages(app)
    app.add_middleware(BodyLimit)  # bodies bounded before any route or form parser reads them
    app.add_middleware(SecurityHeaders)  # outermost: on every answer, a 413 included
    return app
