"""Captures of cited pages in the API: each citation's latest capture on a read of an
estimate, and a new capture asked for by an editor (the twin of the estimate page's
"Re-capture" button)."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from sqlalchemy.orm import Session

from app.schemas.captures import CaptureOut, QueuedOut, RecaptureIn, RecaptureOut
from app.schemas.estimates import EstimateDetail
from app.services import capture
from app.web.api.params import Id
from app.web.deps import CurrentEditor, SessionDep

router = APIRouter()


def with_captures(request: Request, session: Session, detail: EstimateDetail) -> EstimateDetail:
    """`detail` with each citation's latest capture (the citations are in the stored order)."""
    found = capture.estimate_captures(session, detail.id)
    if len(found) != len(detail.citations):  # pragma: no cover - not the stored citations
        return detail
    citations = [
        c.model_copy(update={"capture": CaptureOut.of(f, str(request.url_for(
            "capture_text", capture_id=f.capture.id))) if f else None})
        for c, f in zip(detail.citations, found, strict=True)]
    return detail.model_copy(update={"citations": citations})


@router.post("/estimates/{estimate_id}/captures", response_model=RecaptureOut,
             status_code=status.HTTP_202_ACCEPTED)
def recapture_estimate(estimate_id: Id, session: SessionDep, editor: CurrentEditor,
                       body: RecaptureIn | None = None) -> RecaptureOut:
    """Queue a new capture of the pages the estimate cites (or of one citation's page). The
    capture worker fetches them; earlier captures are kept. Answers at once (202)."""
    queued = capture.recapture_estimate(session, estimate_id, editor,
                                        body.citation if body else None)
    return RecaptureOut(queued=[QueuedOut(id=q.id, url=q.url) for q in queued])
