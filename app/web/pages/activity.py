"""Recent changes — to estimates and to the catalogue — as a page and as an Atom feed."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.services import activity
from app.web.deps import SessionDep, VisitorDep
from app.web.templating import render_page, templates

router = APIRouter()
PER_PAGE = 50


@router.get("/changes", response_class=HTMLResponse, name="changes")
def changes(request: Request, session: SessionDep, visitor: VisitorDep,
            page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> Response:
    items, total = activity.recent_changes(session, page=page, per_page=PER_PAGE)
    pages = max(1, -(-total // PER_PAGE))
    return render_page(request, "changes.html", changes=items, page=page, pages=pages,
                       total=total, json_url=request.url_for("list_changes"))


@router.get("/changes.atom", name="changes_feed")
def changes_feed(request: Request, session: SessionDep) -> Response:
    items, _ = activity.recent_changes(session, page=1, per_page=PER_PAGE)
    updated = items[0].created_at if items else dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    return templates.TemplateResponse(
        request, "changes.atom.j2", {"changes": items, "updated": updated},
        media_type="application/atom+xml",
    )
