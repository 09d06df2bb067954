"""An estimate's history, field by field (public; editors also see the revert buttons)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.services import estimates, revisions
from app.web.deps import SessionDep, VisitorDep
from app.web.templating import render_page

router = APIRouter()


@router.get("/estimates/{estimate_id}/history", response_class=HTMLResponse,
            name="estimate_history")
def history(request: Request, estimate_id: int, session: SessionDep,
            visitor: VisitorDep) -> Response:
    estimate = estimates.get_estimate(session, estimate_id)
    entries = [(r, revisions.diff_snapshots(r.before, r.after))
               for r in reversed(estimate.revisions)]
    return render_page(request, "history.html", estimate=estimate, entries=entries,
                       json_url=request.url_for("get_estimate", estimate_id=estimate_id))
