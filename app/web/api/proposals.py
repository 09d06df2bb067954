"""What waits for review, as the API shows it: in the queue and on an editor's read of an
estimate."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.schemas.estimates import EstimateDetail
from app.schemas.review import ChangeOut, ProposalOut
from app.services import estimates, review_queue
from app.services.review_queue import Waiting


def proposal_out(w: Waiting) -> ProposalOut:
    p, e = w.proposal, w.estimate
    return ProposalOut(
        estimate_id=e.id, kind="new" if w.is_new else "edit",
        author=p.author.display_name if p.author else None, created_at=p.created_at,
        comment=p.comment, version=p.base_version, current_version=e.version, stale=w.stale,
        topic=e.measure.topic.slug, measure=e.measure.slug, source=e.source.slug,
        proposed=p.proposed,
        changes=[ChangeOut(field=c.field, label=c.label, before=c.before, after=c.after)
                 for c in w.changes])


def editor_detail(session: Session, estimate_id: int) -> EstimateDetail:
    """The estimate as an editor sees it: whatever its review state, every revision, and
    what waits for review."""
    estimate = estimates.get_estimate(session, estimate_id, unpublished=True)
    waiting = review_queue.waiting_for(session, estimate)
    return EstimateDetail.of(estimate, proposal_out(waiting) if waiting else None)
