"""Limits on what a request may send: a body larger than RECKON_MAX_BODY_BYTES is refused with
413 before it is read — at once when its Content-Length says so, and as soon as the count of
the bytes received passes the limit when it comes in chunks — and the JSON API reads JSON
only: another body is refused with 415."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import audit
from app.web.errors import error_response

TOO_LARGE = "The request is too large: send at most {limit:,} bytes."
NOT_JSON = "Send the body as JSON, with Content-Type: application/json."
API_PREFIX = "/api/"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BodyTooLarge(HTTPException):
    """Raised from `receive` once the body passes the limit. FastAPI lets an HTTPException
    from reading the body through, so the handler never runs and the error handlers answer;
    one raised elsewhere is answered by the middleware."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, TOO_LARGE.format(limit=limit))


def _content_length(headers: Headers) -> int | None:
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() else None


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _content_length(Headers(scope=scope))
        if declared is not None and declared > self.max_bytes:
            audit("body_too_large", level="warning", content_length=declared,
                  limit=self.max_bytes)
            await self._refuse(scope, receive, send)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    audit("body_too_large", level="warning", received=received,
                          limit=self.max_bytes)
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, send_tracking)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(Request(scope), 413, TOO_LARGE.format(limit=self.max_bytes),
                                  headers={"Connection": "close"})
        await response(scope, receive, send)


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json"))


class JsonBodies:
    """A write to the JSON API with a body that is not JSON (text/plain, a form, none named)
    is refused with 415 before any handler reads it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (scope["type"] == "http" and scope["method"] in _WRITES
                and scope["path"].startswith(API_PREFIX)):
            headers = Headers(scope=scope)
            has_body = (_content_length(headers) or 0) > 0 or "transfer-encoding" in headers
            if has_body and not _is_json(headers.get("content-type")):
                response = error_response(Request(scope), 415, NOT_JSON)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
