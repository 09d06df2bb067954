"""Where the site is: the Host header is believed only for the host names in
RECKON_ALLOWED_HOSTS (Starlette's TrustedHostMiddleware decides; anything else is a 400 page
or JSON, logged as `host_refused`), and with RECKON_BASE_URL every absolute URL the app builds
— stylesheet, feed, embed, permalink, canonical and Open Graph links, redirects — comes from
that address, never from the request. Which client is asking (X-Forwarded-For) is decided
before this, by uvicorn's ProxyHeadersMiddleware, from RECKON_FORWARDED_ALLOW_IPS only."""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import audit
from app.web.errors import error_response

REFUSED = "This site is not served under that host name."
# Probes (a container's health check, a load balancer) ask by address: /healthz builds no URL.
UNCHECKED = frozenset({"/healthz"})
_ADMITTED = "reckon.host_admitted"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class PublicAddress:
    """The scheme, host (with any port) and path prefix of a base URL."""

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.netloc = parts.netloc
        self.server = (parts.hostname or "", parts.port or _DEFAULT_PORTS[parts.scheme])
        self.root_path = parts.path.rstrip("/")

    def apply(self, scope: Scope) -> None:
        """Makes the request look as if it came to this address (in place, so the request
        middleware's own answers use it too). The path is left as the proxy sent it: without
        the prefix, which reaches url_for through root_path."""
        scope["scheme"] = self.scheme
        scope["server"] = self.server
        scope["root_path"] = self.root_path
        scope["headers"] = [(b"host", self.netloc.encode("latin-1")),
                            *((k, v) for k, v in scope["headers"] if k != b"host")]


class TrustedHosts:
    """Requests whose Host header names none of `allowed_hosts` ("*.example.org" for every
    subdomain) are answered 400 and logged; the page refusing them links to the site's own
    address (the base URL, or the first allowed host), never to the host that was asked for."""

    def __init__(self, app: ASGIApp, *, allowed_hosts: Sequence[str],
                 base_url: str = "") -> None:
        self.app = app
        self.check = TrustedHostMiddleware(self._admit, allowed_hosts=allowed_hosts,
                                           www_redirect=False)
        own = next((h for h in allowed_hosts if "*" not in h), "localhost")
        self.own_address = PublicAddress(base_url or f"http://{own}")

    async def _admit(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[_ADMITTED] = True
        await self.app(scope, receive, send)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNCHECKED:
            await self.app(scope, receive, send)
            return

        async def send_if_admitted(message: Message) -> None:
            # The middleware's own plain-text refusal is replaced by the page below.
            if scope.get(_ADMITTED):
                await send(message)

        await self.check(scope, receive, send_if_admitted)
        if scope.get(_ADMITTED):
            return
        audit("host_refused", level="warning", host=Headers(scope=scope).get("host", "")[:200])
        self.own_address.apply(scope)
        await error_response(Request(scope), 400, REFUSED)(scope, receive, send)


class BaseUrl:
    """With a base URL, every request is seen as addressed to it: url_for, redirects and
    the CSRF origin check use the public scheme, host and path prefix."""

    def __init__(self, app: ASGIApp, *, base_url: str) -> None:
        self.app = app
        self.address = PublicAddress(base_url) if base_url else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.address is not None and scope["type"] == "http":
            self.address.apply(scope)
        await self.app(scope, receive, send)
