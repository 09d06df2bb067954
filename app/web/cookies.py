"""With secure cookies, Reckon's cookies carry the `__Host-` prefix: a browser keeps such a
cookie only if it came over HTTPS, for this host alone (no Domain) and every path, so neither
plain HTTP nor a sibling subdomain can plant a session or a CSRF binding. Handlers keep using
the plain names (app/web/visitor.py); the names are changed here, at the edge, both ways —
and a plain-named cookie that arrives anyway is ignored."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.web.visitor import HOST_PREFIX


class HostOnlyCookies:
    def __init__(self, app: ASGIApp, *, names: Iterable[str], enabled: bool) -> None:
        self.app = app
        self.names = frozenset(names)
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self.enabled or scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope["headers"] = [(k, self._incoming(v) if k == b"cookie" else v)
                            for k, v in scope["headers"]]

        async def send_renamed(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [(k, self._outgoing(v) if k == b"set-cookie" else v)
                                      for k, v in message.get("headers", [])]
            await send(message)

        await self.app(scope, receive, send_renamed)

    def _incoming(self, header: bytes) -> bytes:
        kept = []
        for pair in header.decode("latin-1").split(";"):
            name, sep, value = pair.strip().partition("=")
            if name in self.names:
                continue  # not set by us: over plain HTTP, or by another subdomain
            if name.startswith(HOST_PREFIX) and name[len(HOST_PREFIX):] in self.names:
                name = name[len(HOST_PREFIX):]
            if name:
                kept.append(f"{name}{sep}{value}")
        return "; ".join(kept).encode("latin-1")

    def _outgoing(self, header: bytes) -> bytes:
        cookie = header.decode("latin-1")
        name, _, rest = cookie.partition("=")
        if name.strip() not in self.names:
            return header
        attributes = [a.strip() for a in rest.split(";")]
        value, attributes = attributes[0], attributes[1:]
        # What the prefix requires: Secure, Path=/ and no Domain (deletions included).
        kept = [a for a in attributes if a.split("=", 1)[0].strip().lower()
                not in ("secure", "path", "domain")]
        return "; ".join([f"{HOST_PREFIX}{name.strip()}={value}", *kept, "Path=/", "Secure"]
                         ).encode("latin-1")
