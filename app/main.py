"""The application factory: `uvicorn --factory app.main:create_app`. Importing this module
builds nothing; calling create_app wires settings, database, routes, errors and middleware."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.middleware.gzip import GZipMiddleware

from app.config import PROJECT_DIR, Settings, ensure_development_secret, get_settings
from app.db import make_engine, make_sessionmaker, migration_head
from app.logs import configure_logging
from app.services.health import database_state
from app.web import api, editor, ops, pages, static_files
from app.web.caching import HeadAsGet
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
    # Hashed here, once per app: templates link each file under a name that carries its hash.
    app.state.static_assets = static_files.StaticAssets.scan(PROJECT_DIR / "static")
    app.include_router(static_files.router)
    # Outermost last: security headers on every answer, errors included. HEAD is routed as GET
    # outside GZip, so it reports the same Content-Length and Content-Encoding as GET; ETags
    # are weak, so the compressed and plain copies share one and both answer 304.
    app.add_middleware(CrossSiteGuard)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RequestContext)
    app.add_middleware(SecurityHeaders)
    return app
