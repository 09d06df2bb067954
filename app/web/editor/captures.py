"""Captures for editors: re-capture a citation's page from the estimate page, and the lists
of quotes not found in their captured page and of pages that could not be captured."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.services import capture, capture_reports
from app.web.deps import EditorVisitor, FormDep, SessionDep
from app.web.editor.common import redirect
from app.web.forms.fields import field, whole_number
from app.web.templating import render_page
from app.web.visitor import check_csrf

router = APIRouter()
PER_PAGE = 50
PageNumber = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/editor/captures", response_class=HTMLResponse, name="editor_captures")
def quotes_not_found(request: Request, session: SessionDep, visitor: EditorVisitor,
                     page: PageNumber = 1) -> Response:
    items, total = capture_reports.quotes_not_found(session, page=page, per_page=PER_PAGE)
    return render_page(request, "captures.html", tab="quotes", items=items, total=total,
                       page=page, pages=max(1, -(-total // PER_PAGE)))


@router.get("/editor/captures/failed", response_class=HTMLResponse, name="failed_captures")
def failed_captures(request: Request, session: SessionDep, visitor: EditorVisitor,
                    page: PageNumber = 1) -> Response:
    items, total = capture_reports.failed_captures(session, page=page, per_page=PER_PAGE)
    return render_page(request, "captures.html", tab="failed", items=items, total=total,
                       page=page, pages=max(1, -(-total // PER_PAGE)))


@router.post("/estimates/{estimate_id}/recapture", response_class=HTMLResponse,
             name="recapture_citation")
def recapture_citation(request: Request, estimate_id: int, session: SessionDep,
                       visitor: EditorVisitor, form: FormDep) -> Response:
    """A new capture of one citation's page (`citation`: its place, from 1), or of all the
    estimate's cited pages; back to the estimate."""
    check_csrf(visitor, field(form, "csrf_token"))
    capture.recapture_estimate(session, estimate_id, visitor.actor,
                               whole_number(field(form, "citation")))
    return redirect(str(request.url_for("estimate_page", estimate_id=estimate_id))
                    + "#citations")


@router.post("/editor/captures/{capture_id}/recapture", response_class=HTMLResponse,
             name="recapture_page")
def recapture_page(request: Request, capture_id: int, session: SessionDep,
                   visitor: EditorVisitor, form: FormDep) -> Response:
    """A new capture of the page a failed capture was of; back to the list."""
    check_csrf(visitor, field(form, "csrf_token"))
    capture.recapture(session, [capture.url_of(session, capture_id)], visitor.actor)
    return redirect(request.url_for("failed_captures"))
