"""The application factory: `uvicorn --factory app.main:create_app`. Importing this module
builds nothing; calling create_app wires settings, database, routes, errors and middleware."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from anyio import to_thread
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.middleware.gzip import GZipMiddleware
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from app.config import PROJECT_DIR, Settings, ensure_development_secret, get_settings
from app.db import make_engine, make_sessionmaker, migration_head, writing
from app.logs import configure_logging
from app.services.capture_runs import CaptureWorker
from app.services.health import database_state
from app.web import api, docs, editor, ops, pages, static_files
from app.web.admission import Admission
from app.web.caching import HeadAsGet
from app.web.cookies import HostOnlyCookies
from app.web.errors import register_error_handlers
from app.web.hosts import BaseUrl, TrustedHosts
from app.web.limits import BodyLimit, JsonBodies
from app.web.locale import LocaleMiddleware
from app.web.locale import router as locale_router
from app.web.observability import RequestContext
from app.web.page_cache import PageCache
from app.web.security import CrossSiteGuard, SecurityHeaders
from app.web.templating import templates
from app.web.visitor import COOKIE_NAMES

# Collect the youngest generation after this many net new objects (Python's default: 700).
GC_THRESHOLDS = (50_000, 20, 20)


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    settings = ensure_development_secret(settings or get_settings())
    configure_logging(settings.log_level)
    owns_engine = engine is None
    engine = engine or make_engine(settings.database_url, echo=settings.sql_echo,
                                   pool_size=settings.worker_threads,
                                   busy_timeout=settings.sqlite_busy_timeout)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # As many worker threads as requests admitted at once (web/admission.py).
        to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        # A page allocates tens of thousands of short-lived objects; with the default
        # threshold (700) the collector runs many times per request and rescans everything
        # start-up built. Freezing that and collecting less often cut the topic page's time
        # (bench/README.md); the thresholds come back at shutdown.
        tune_gc = (settings.gc_tuning if settings.gc_tuning is not None
                   else settings.environment != "test")
        thresholds = gc.get_threshold()
        if tune_gc:
            gc.collect()
            gc.freeze()
            gc.set_threshold(*GC_THRESHOLDS)
        # RECKON_CAPTURE=on: cited pages are fetched by a thread of this process, never by a
        # request (app/services/capture_runs.py).
        worker = CaptureWorker(engine, settings) if settings.capture else None
        app.state.capture_worker = worker
        if worker is not None:
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            if owns_engine:
                engine.dispose()
            if tune_gc:
                gc.set_threshold(*thresholds)
                gc.unfreeze()

    app = FastAPI(
        title="Reckon",
        summary="Conflicting estimates, recorded per source and shown side by side.",
        version="0.1.0",
        lifespan=lifespan,
        # Self-hosted Swagger UI (web/docs.py) instead of FastAPI's, which loads a CDN.
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    # Templates are re-read when changed only in development: elsewhere that check costs a
    # stat of each template a page includes, on every request.
    templates.env.auto_reload = settings.environment == "development"
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.writing_sessionmaker = make_sessionmaker(writing(engine))
    app.state.database_state = partial(database_state, engine, migration_head())
    register_error_handlers(app, app.state.database_state)
    app.include_router(api.router)
    # Before the reader pages: /estimates/new must not be read as /estimates/{id}.
    app.include_router(editor.router)
    app.include_router(pages.router)
    app.include_router(ops.router)
    app.include_router(locale_router)
    if settings.docs_enabled:
        app.include_router(docs.router)
    # Hashed here, once per app: templates link each file under a name that carries its hash.
    app.state.static_assets = static_files.StaticAssets.scan(PROJECT_DIR / "static")
    app.include_router(static_files.router)
    # Added innermost first, so read from the bottom up for the order a request meets them:
    # security headers on every answer, errors included; the client's address from a trusted
    # proxy's X-Forwarded-For before anything reads or logs it; the request id (and 500s);
    # unknown hosts refused, then the base URL applied, cookie names mapped, oversized and
    # non-JSON API bodies refused — all before the request queues for a worker.
    # HEAD is routed as GET outside GZip, so it reports the same Content-Length and
    # Content-Encoding as GET; ETags are weak, so the compressed and plain copies share one
    # and both answer 304. The cross-site check compares the Origin with the public host.
    app.add_middleware(CrossSiteGuard)
    # zlib's own default level: a third faster than Starlette's 9 on a large page, for
    # answers 2 % larger.
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=6)
    app.add_middleware(HeadAsGet)
    app.add_middleware(Admission, capacity=settings.worker_threads,
                       queue_limit=settings.queue_limit, queue_timeout=settings.queue_timeout)
    app.add_middleware(JsonBodies)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(HostOnlyCookies, names=COOKIE_NAMES, enabled=settings.secure_cookies)
    app.add_middleware(BaseUrl, base_url=settings.base_url)
    app.add_middleware(TrustedHosts, allowed_hosts=settings.allowed_hosts,
                       base_url=settings.base_url)
    app.add_middleware(RequestContext)
    # The language (app/web/locale.py) is chosen outside the request id's 500 page: it too
    # is written in the reader's language.
    app.add_middleware(LocaleMiddleware)
    app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=settings.forwarded_allow_ips)
    app.add_middleware(SecurityHeaders, hsts=settings.secure_cookies)
    # Outermost: a public page kept from an earlier answer (every header above included) is
    # sent again while the data stamp holds, at the cost of no other layer (web/page_cache.py).
    app.add_middleware(PageCache, max_bytes=settings.page_cache_bytes)
    return app
