"""Admission: at most as many requests are served at once as there are worker threads (and
pooled database connections), so a request never holds a connection while it waits for a
thread, which is how a busy server used to lock up. The others wait their turn, holding
nothing; when too many wait, or one has waited too long, it is answered at once with a 503
and Retry-After — never a minute's wait or a bare 500."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.logs import get_logger
from app.web.errors import error_response

log = get_logger("web")
BUSY = "Reckon is busy right now; please try again in a few seconds."
# Served without the database: never queued behind pages that need it.
UNQUEUED = ("/static/", "/healthz", "/favicon.ico", "/robots.txt")


class Admission:
    def __init__(self, app: ASGIApp, *, capacity: int, queue_limit: int,
                 queue_timeout: float, retry_after: int = 5) -> None:
        self.app = app
        self.capacity = capacity
        self.queue_limit = queue_limit
        self.queue_timeout = queue_timeout
        self.retry_after = retry_after
        self.waiting = 0
        self._slots: asyncio.Semaphore | None = None  # made in the server's event loop

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(UNQUEUED):
            await self.app(scope, receive, send)
            return
        if self._slots is None:
            self._slots = asyncio.Semaphore(self.capacity)
        slots = self._slots
        if slots.locked():
            if self.waiting >= self.queue_limit:
                await self._shed(scope, receive, send, "queue_full")
                return
            self.waiting += 1
            try:
                await asyncio.wait_for(slots.acquire(), self.queue_timeout)
            except TimeoutError:
                await self._shed(scope, receive, send, "queue_timeout")
                return
            finally:
                self.waiting -= 1
        else:
            await slots.acquire()
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _shed(self, scope: Scope, receive: Receive, send: Send, why: str) -> None:
        log.warning("load_shed", reason=why, waiting=self.waiting, capacity=self.capacity)
        response = error_response(Request(scope), 503, BUSY,
                                  headers={"Retry-After": str(self.retry_after)})
        await response(scope, receive, send)
