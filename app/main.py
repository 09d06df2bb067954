"""The application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app import api, editing, pages
from app.auth import CrossSiteGuard
from app.config import PROJECT_DIR, Settings, get_settings
from app.db import make_engine, make_sessionmaker
from app.errors import register_error_handlers
from app.security import SecurityHeaders


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
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
    register_error_handlers(app)
    app.include_router(api.router)
    # Before the reader pages: /estimates/new must not be read as /estimates/{id}.
    app.include_router(editing.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=PROJECT_DIR / "static"), name="static")
    app.add_middleware(CrossSiteGuard)
    app.add_middleware(SecurityHeaders)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        # Browsers ask for it on pages without a <link rel="icon">, such as the embed SVG.
        return FileResponse(PROJECT_DIR / "static" / "favicon.svg", media_type="image/svg+xml")

    @app.get("/healthz", tags=["ops"], responses={503: {"description": "Database down"}})
    def healthz() -> JSONResponse:
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except SQLAlchemyError:
            return JSONResponse({"status": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return app


app = create_app()
