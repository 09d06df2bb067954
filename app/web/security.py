"""Middleware that makes injected markup inert and refuses cross-site writes: a strict CSP
without inline script or style (the API docs included), no opener shared with other sites,
HTTPS remembered when cookies are secure, nothing a signed-in visitor saw left in a cache,
and no state change from another site."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import audit
from app.web.errors import error_response

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
# Embeds exist to be framed by other sites; everything else refuses framing.
EMBED_CSP = CSP.replace("frame-ancestors 'none'", "frame-ancestors *")
# The interactive API docs (app/web/docs.py) run Swagger UI from static/swagger-ui/: its
# stylesheet draws icons as data: images, and it fetches the schema and the tried requests.
DOCS_CSP = CSP.replace("img-src 'self'", "img-src 'self' data:") + "; connect-src 'self'"
DOCS_PATH = "/docs"
HSTS = "max-age=31536000; includeSubDomains"
CROSS_SITE = "Cross-site requests may not change anything."


def _signed_in(scope: Scope) -> bool:
    # The page's visitor, as the handler resolved it (request.state lives in scope["state"]).
    visitor: Any = scope.get("state", {}).get("visitor")
    return getattr(visitor, "actor", None) is not None


class SecurityHeaders:
    """The headers of every answer, errors included. With `hsts` (secure cookies, i.e. the
    site is served over HTTPS) browsers are told to use HTTPS only, for a year."""

    def __init__(self, app: ASGIApp, *, hsts: bool = False) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Shared with every copy of the scope further in, so the visitor set there is seen here.
        scope.setdefault("state", {})
        path: str = scope["path"]
        embed = path.startswith("/embed/")
        csp = DOCS_CSP if path == DOCS_PATH else EMBED_CSP if embed else CSP

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Security-Policy", csp)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
                headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
                if not embed:
                    headers.setdefault("X-Frame-Options", "DENY")
                if self.hsts:
                    headers.setdefault("Strict-Transport-Security", HSTS)
                if _signed_in(scope):
                    # An editor's page carries their controls and CSRF token: keep no copy.
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CrossSiteGuard:
    """Refuses state-changing requests a browser marks as coming from another site."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = Headers(scope=scope)
            fetch_site = headers.get("sec-fetch-site")
            origin = headers.get("origin")
            host = headers.get("host", "")
            same_origin = origin is None or origin.split("://", 1)[-1] == host
            if fetch_site in ("cross-site", "same-site") or not same_origin:
                audit("cross_site_refused", level="warning", method=scope["method"],
                      fetch_site=fetch_site, origin=origin)
                response = error_response(Request(scope), 403, CROSS_SITE)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
