"""Validators for public pages: ETag and Last-Modified from one cheap query, 304 answers, and
HEAD answered with exactly the headers of GET."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.domain.record_points import RecordPoint
from app.services import freshness
from app.web.visitor import Visitor

# How long a shared cache may keep a page recorded at a settled point (it never changes).
SETTLED_MAX_AGE = 86400


def settled(point: RecordPoint | None) -> bool:
    """Whether a page recorded at `point` can no longer change."""
    return point is not None and point.settled(dt.datetime.now(dt.UTC))


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def not_modified(request: Request, etag: str, last_modified: dt.datetime | None) -> bool:
    return client_is_current(request.headers.get("if-none-match"),
                             request.headers.get("if-modified-since"), etag, last_modified)


def client_is_current(match: str | None, since: str | None, etag: str,
                      last_modified: dt.datetime | None) -> bool:
    """Whether the client's copy is current. If-None-Match compares weakly (RFC 9110 13.1.2):
    a proxy that compresses may hand back our tag with or without W/."""
    if match is not None:
        return match.strip() == "*" or _opaque(etag) in [_opaque(m) for m in match.split(",")]
    if since and last_modified is not None:
        try:
            return last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def cached(request: Request, session: Session, render: Callable[[], Response],
           *parts: str, settled: bool = False) -> Response:
    """Answer 304 when the client's copy is current; otherwise render with validators. A
    `settled` page (recorded at a point that has passed) may be kept for a day without asking."""
    stamp, last_modified = freshness.data_stamp(session, request.app.state.settings.stamp_ttl)
    # The page cache (web/page_cache.py) keeps this answer for as long as the stamp holds.
    request.state.page_stamp = stamp
    visitor: Visitor | None = getattr(request.state, "visitor", None)
    actor = visitor.actor if visitor else None
    if visitor is not None and actor is not None:
        # Editors see their own controls and CSRF token: never share their copy.
        parts = (*parts, str(actor.id), actor.role, visitor.csrf_token)
    # One copy per language: the same address answers German or English (app/web/locale.py).
    locale = str(getattr(request.state, "locale", "en"))
    etag = freshness.etag_for(stamp, str(request.url.path), str(request.url.query), locale,
                              *parts)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(last_modified, usegmt=True),
        # An editor's copy holds their controls and CSRF token: no cache may keep it.
        "Cache-Control": "no-store" if actor else (
            f"public, max-age={SETTLED_MAX_AGE}" if settled
            else "public, max-age=0, must-revalidate"),
        "Vary": "Accept-Language, Cookie",
    }
    if not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=headers)
    response = render()
    response.headers.update(headers)
    return response


class HeadAsGet:
    """Answers HEAD as GET without the body: the same status and headers (ETag,
    Last-Modified, Content-Type, Content-Length, 304s), for every page, feed, embed, API read
    and static file, since FastAPI routes declare GET only. It sits outside GZip, so HEAD
    reports the length GET would send for the same Accept-Encoding."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] in ("http.response.body", "http.response.pathsend"):
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
