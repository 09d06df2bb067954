"""Per-request context: a request id in every log event and in the X-Request-ID header, and
the one place where an unexpected exception is logged (once, with its traceback) and answered
with a 500 page or JSON — or, for a database outage met outside a route (in a middleware),
with the same 503 the routes give."""

from __future__ import annotations

import re
import uuid

from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import get_logger, request_scope
from app.web.errors import database_trouble, error_response

log = get_logger("web")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
INTERNAL = "Something went wrong on our side. It has been logged; please try again later."


def request_id_of(scope: Scope) -> str:
    """The request's id: the one the client (or a proxy) sent if it looks like one, else new."""
    given = Headers(scope=scope).get("x-request-id", "")
    return given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex



class RequestContext:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(scope)
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"],
                                      (b"x-request-id", request_id.encode())]
            await send(message)

        client = scope.get("client")
        with request_scope(request_id=request_id, method=scope["method"], path=scope["path"],
                           client=client[0] if client else None):
            try:
                await self.app(scope, receive, send_with_id)
            except Exception as exc:
                response = None if started else await _outage_answer(scope, exc)
                if response is None:
                    log.exception("unexpected_error", method=scope["method"], path=scope["path"])
                    if started:
                        return
                    response = error_response(Request(scope), 500, INTERNAL)
                await response(scope, receive, send_with_id)


async def _outage_answer(scope: Scope, exc: Exception) -> Response | None:
    """A database outage met outside a route (in a middleware) is the routes' 503, too."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return None
    return await run_in_threadpool(database_trouble, Request(scope), exc,
                                   scope["app"].state.database_state)
