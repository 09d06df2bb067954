"""An estimate's history, field by field (public; editors also see the revert buttons)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.domain.citations import removed_citations
from app.services import estimates, revisions, visibility
from app.web.deps import SessionDep, VisitorDep
from app.web.templating import render_page

router = APIRouter()


@router.get("/estimates/{estimate_id}/history", response_class=HTMLResponse,
            name="estimate_history")
def history(request: Request, estimate_id: int, session: SessionDep,
            visitor: VisitorDep) -> Response:
    # Readers see the revisions that left a published state; editors every one.
    estimate = estimates.get_estimate(session, estimate_id, unpublished=visitor.actor is not None)
    entries = [(r, revisions.diff_snapshots(r.before, r.after))
               for r in reversed(estimate.revisions)]
    # A published estimate goes back only to what readers saw, never to a proposal.
    revertable = {r.number for r in estimate.revisions
                  if not visibility.is_published(estimate.review)
                  or visibility.revision_is_published(r.action, r.after)}
    return render_page(request, "history.html", estimate=estimate, entries=entries,
                       revertable=revertable,
                       removed={r.number: removed_citations(r.before, r.after)
                                for r in estimate.revisions},
                       json_url=request.url_for("get_estimate", estimate_id=estimate_id))
