"""Validators for public pages: ETag and Last-Modified from one cheap query, and 304 answers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from email.utils import format_datetime, parsedate_to_datetime

from fastapi import Request, Response
from sqlalchemy.orm import Session

from app.services import freshness
from app.web.visitor import Visitor


def _not_modified(request: Request, etag: str, last_modified: dt.datetime) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        return etag in [m.strip() for m in match.split(",")] or match.strip() == "*"
    since = request.headers.get("if-modified-since")
    if since:
        try:
            return last_modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def cached(request: Request, session: Session, render: Callable[[], Response],
           *parts: str) -> Response:
    """Answer 304 when the client's copy is current; otherwise render with validators."""
    stamp, last_modified = freshness.data_stamp(session)
    visitor: Visitor | None = getattr(request.state, "visitor", None)
    actor = visitor.actor if visitor else None
    if visitor is not None and actor is not None:
        # Editors see their own controls and CSRF token: never share their copy.
        parts = (*parts, str(actor.id), actor.role, visitor.csrf_token)
    etag = freshness.etag_for(stamp, str(request.url.path), str(request.url.query), *parts)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(last_modified, usegmt=True),
        "Cache-Control": "private, no-cache" if actor else "public, max-age=0, must-revalidate",
        "Vary": "Cookie",
    }
    if _not_modified(request, etag, last_modified):
        return Response(status_code=304, headers=headers)
    response = render()
    response.headers.update(headers)
    return response
