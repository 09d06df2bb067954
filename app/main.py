"""The application factory: `uvicorn --factory app.main:create_app`. Importing this module
builds nothing; calling create_app wires settings, database, routes, errors and middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from app.config import PROJECT_DIR, Settings, ensure_development_secret, get_settings
from app.db import make_engine, make_sessionmaker, migration_head
from app.logs import configure_logging
from app.services.health import database_state
from app.web import api, editor, ops, pages
from app.web.errors import register_error_handlers
from app.web.observability import RequestContext
from app.web.security import CrossSiteGuard, SecurityHeaders


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = ensure_development_secret(settings or get_settings())
    configure_logging(settings.log_level)
    owns_engine = engine is None
    engine = engine or make_engine(settings.database_url, echo=settings.sql_echo)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_engine:
            engine.dispose()

    app = FastAPI(
        title="Reckon",
        summary="Conflicting estimates, recorded per source and shown side by side.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.database_state = partial(database_state, engine, migration_head())
    register_error_handlers(app, app.state.database_state)
    app.include_router(api.router)
    # Before the reader pages: /estimates/new must not be read as /estimates/{id}.
    app.include_router(editor.router)
    app.include_router(pages.router)
    app.include_router(ops.router)
    app.mount("/static", StaticFiles(directory=PROJECT_DIR / "static"), name="static")
    # Outermost last: security headers on every answer, errors included.
    app.add_middleware(CrossSiteGuard)
    app.add_middleware(RequestContext)
    app.add_middleware(SecurityHeaders)
    return app
