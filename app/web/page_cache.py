"""Rendered public pages kept in memory while the data stamp holds.

Most requests are readers asking for the same few pages, and a page only changes when the data
stamp does (app/services/freshness.py). So the first anonymous GET of an address renders it;
later ones — and their revalidations — are answered from memory until a change is committed,
without a worker thread, a database connection or a template. What is kept is exactly what the
app answered (its validators and the edge's headers included), so a hit and a render are
indistinguishable but for the request id.

It sits outermost, so a hit costs no other middleware: the key holds the Host header as sent,
and a copy is only ever kept from an answer that passed the host check, so a refused host
never finds one; the language is chosen here exactly as app/web/locale.py chooses it.

Only answers the app marks as shareable are kept: 200, `Cache-Control: public`, an ETag, no
cookie set. Requests that carry a session cookie or an Authorization header (editors, API
tokens) always reach the app. The key is what a public page varies by: scheme, host (and a
proxy's X-Forwarded-Proto), path, query, the reader's language and whether the answer is
gzipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.services import freshness
from app.web.caching import client_is_current
from app.web.locale import choose
from app.web.observability import request_id_of
from app.web.visitor import SESSION_COOKIE

# A page larger than this share of the cache is served but not kept.
ENTRY_SHARE = 16
# How long a reader waits for another's rendering of the same page before rendering it too.
FOLLOW_TIMEOUT = 30.0
# What a 304 leaves out of the full answer's headers: those describing the body.
BODY_HEADERS = frozenset({b"content-length", b"content-type", b"content-encoding"})
_REQUEST_ID = b"x-request-id"
_SESSION = SESSION_COOKIE.encode() + b"="

Key = tuple[str, bytes, str, bytes, str, bool]


@dataclass(frozen=True)
class Entry:
    stamp: str
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: str
    last_modified: dt.datetime | None

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


class PageCache:
    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.entries: OrderedDict[Key, Entry] = OrderedDict()
        self.size = 0
        self.rendering: dict[Key, asyncio.Event] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = self._key(scope) if self.max_bytes and scope["type"] == "http" else None
        if key is None:
            await self.app(scope, receive, send)
            return
        # Shared with every copy of the scope further in: the page's stamp comes back in it.
        scope.setdefault("state", {})
        if await self._answered(scope, send, key):
            return
        rendering = self.rendering.get(key)
        if rendering is not None:
            # The same page is being rendered for another reader: wait for it rather than
            # render it again (a busy page just after a change).
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(rendering.wait(), FOLLOW_TIMEOUT)
            if await self._answered(scope, send, key):
                return
        done = self.rendering.setdefault(key, asyncio.Event())
        try:
            await self._render(scope, receive, send, key)
        finally:
            done.set()
            if self.rendering.get(key) is done:
                del self.rendering[key]

    async def _answered(self, scope: Scope, send: Send, key: Key) -> bool:
        """Answer from the kept copy if it is still current."""
        entry = self.entries.get(key)
        if entry is None:
            return False
        if entry.stamp != await _current_stamp(scope):
            if self.entries.get(key) is entry:
                self._drop(key)
            return False
        if self.entries.get(key) is entry:
            self.entries.move_to_end(key)
        await _answer(scope, send, entry)
        return True

    async def _render(self, scope: Scope, receive: Receive, send: Send, key: Key) -> None:
        if scope["method"] == "GET" and _validators(scope):
            # Render the whole page once, keep it, then answer the client's validators from
            # it: later revalidations never reach the app either.
            unconditional = {**scope, "headers": [
                (k, v) for k, v in scope["headers"]
                if k not in (b"if-none-match", b"if-modified-since")]}
            await self.app(unconditional, receive,
                           self._keeping(scope, send, key, answer=True))
            return
        await self.app(scope, receive, self._keeping(scope, send, key, answer=False))

    def _key(self, scope: Scope) -> Key | None:
        if scope["method"] not in ("GET", "HEAD") or scope["path"].startswith("/static/"):
            return None  # static files have validators of their own
        gzip = False
        host = proto = b""
        for name, value in scope["headers"]:
            if name == b"authorization" or (name == b"cookie" and _SESSION in value):
                return None
            if name == b"accept-encoding":
                gzip = b"gzip" in value
            elif name == b"host":
                host = value
            elif name == b"x-forwarded-proto":
                proto = value
        # Without RECKON_BASE_URL absolute links follow the (allowed) Host the page was asked
        # for, so one host's copy is never another's.
        return (scope.get("scheme", "http"), host + b"|" + proto, scope["path"],
                scope.get("query_string", b""), choose(scope)[0], gzip)

    def _keeping(self, scope: Scope, send: Send, key: Key, *, answer: bool) -> Send:
        """`send`, keeping the answer if it may be shared. With `answer` the app's answer is
        held back until it is kept, then the client is answered from the kept copy (`scope`
        holds the client's validators); an answer too large to keep is answered from its
        validators alone, and one that may not be shared is passed on as it came."""
        return _Recorder(self, scope, send, key, hold=answer).send

    def _keep(self, key: Key, entry: Entry) -> None:
        self._drop(key)
        self.entries[key] = entry
        self.size += entry.size
        while self.size > self.max_bytes and self.entries:
            self._drop(next(iter(self.entries)))

    def _drop(self, key: Key) -> None:
        entry = self.entries.pop(key, None)
        if entry is not None:
            self.size -= entry.size


class _Recorder:
    """The `send` of one request whose answer the cache would keep."""

    def __init__(self, cache: PageCache, scope: Scope, send: Send, key: Key, *,
                 hold: bool) -> None:
        self.cache, self.scope, self.downstream, self.key = cache, scope, send, key
        self.held: list[Message] = []  # the start message, then body chunks
        self.size = 0
        self.mode = "hold" if hold else "keep" if scope["method"] == "GET" else "pass"

    async def send(self, message: Message) -> None:
        if self.mode == "pass":
            await self.downstream(message)
            return
        if self.mode == "done":  # the client was answered from the validators: drop the rest
            return
        self.held.append(message)
        if message["type"] == "http.response.start":
            if not _shareable(message):
                await self._let_go()
            elif self.mode == "keep":
                await self.downstream(message)
            return
        self.size += len(message.get("body", b""))
        if self.size > self.cache.max_bytes // ENTRY_SHARE or \
                message["type"] != "http.response.body":
            await self._give_up()
            return
        if self.mode == "keep":
            await self.downstream(message)
        if message.get("more_body", False):
            return
        stamp = self.scope.get("state", {}).get("page_stamp")
        if not isinstance(stamp, str):
            await self._let_go()
            return
        entry = _entry(stamp, self.held[0]["headers"],
                       b"".join(m.get("body", b"") for m in self.held[1:]))
        self.cache._keep(self.key, entry)
        if self.mode == "hold":
            await _answer(self.scope, self.downstream, entry, self._request_id())
        self.mode = "done"

    async def _give_up(self) -> None:
        """Too large to keep (or not a plain body): pass the rest on."""
        if self.mode == "keep":
            await self.downstream(self.held[-1])
            self.mode = "pass"
            return
        start = _entry("", self.held[0]["headers"], b"")
        if _client_is_current(self.scope, start):
            await _not_modified(self.scope, self.downstream, start, self._request_id())
            self.mode = "done"
            return
        await self._let_go()

    def _request_id(self) -> bytes | None:
        """The id this request was logged under further in."""
        return dict(self.held[0]["headers"]).get(_REQUEST_ID) if self.held else None

    async def _let_go(self) -> None:
        held, self.held = self.held, []
        if self.mode == "keep":  # all but the last were sent already
            held = held[-1:]
        self.mode = "pass"
        for message in held:
            await self.downstream(message)


def _shareable(start: Message) -> bool:
    if start["status"] != 200:
        return False
    headers: dict[bytes, bytes] = {}
    for name, value in start.get("headers", []):
        if name == b"set-cookie":
            return False
        headers[name.lower()] = value
    return b"etag" in headers and headers.get(b"cache-control", b"").startswith(b"public")


def _entry(stamp: str, raw: list[tuple[bytes, bytes]], body: bytes) -> Entry:
    headers = [(name.lower(), value) for name, value in raw if name.lower() != _REQUEST_ID]
    found = dict(headers)
    try:
        last_modified = parsedate_to_datetime(found[b"last-modified"].decode("latin-1"))
    except (KeyError, TypeError, ValueError):
        last_modified = None
    return Entry(stamp, headers, body, found[b"etag"].decode("latin-1"), last_modified)


async def _current_stamp(scope: Scope) -> str | None:
    """The data stamp now: from memory while it may be reused, else one query on a worker
    thread. None if the database cannot say (the app then answers as it would)."""
    state: Any = scope["app"].state
    found = freshness.recent_stamp(state.engine)
    if found is not None:
        return found[0]
    try:
        return await run_in_threadpool(_read_stamp, state)
    except Exception:  # an outage: let the app answer it, with its error page
        return None


def _read_stamp(state: Any) -> str:
    with state.sessionmaker() as session:
        return freshness.data_stamp(session, state.settings.stamp_ttl)[0]


def _validators(scope: Scope) -> bool:
    return any(k in (b"if-none-match", b"if-modified-since") for k, _ in scope["headers"])


def _client_is_current(scope: Scope, entry: Entry) -> bool:
    match = since = None
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            match = value.decode("latin-1")
        elif name == b"if-modified-since":
            since = value.decode("latin-1")
    return client_is_current(match, since, entry.etag, entry.last_modified)


async def _not_modified(scope: Scope, send: Send, entry: Entry,
                        request_id: bytes | None = None) -> None:
    headers = [(k, v) for k, v in entry.headers if k not in BODY_HEADERS]
    headers.append((_REQUEST_ID, request_id or request_id_of(scope).encode()))
    await send({"type": "http.response.start", "status": 304, "headers": headers})
    await send({"type": "http.response.body", "body": b""})


async def _answer(scope: Scope, send: Send, entry: Entry,
                  request_id: bytes | None = None) -> None:
    if _client_is_current(scope, entry):
        await _not_modified(scope, send, entry, request_id)
        return
    headers = [*entry.headers, (_REQUEST_ID, request_id or request_id_of(scope).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    body = b"" if scope["method"] == "HEAD" else entry.body
    await send({"type": "http.response.body", "body": body})
