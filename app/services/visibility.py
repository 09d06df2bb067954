"""What readers may see, in one place: published (approved) estimates, and the revisions that
left a published state. Every query a reader's page, feed, chart, embed, download, index or
JSON read makes of estimates or their revisions applies one of these; editors see the rest
through the review queue and the estimate page (app/services/review.py)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func

from app.domain.review import UNPUBLISHED_ACTIONS, is_published, revision_is_published
from app.domain.vocabulary import Review
from app.models import Estimate, Revision

__all__ = ["is_published", "published", "published_revision", "revision_is_published"]


def published() -> ColumnElement[bool]:
    """Estimates readers see: those approved (domain.review.is_published in SQL)."""
    return Estimate.review == Review.APPROVED.value


def published_revision() -> ColumnElement[bool]:
    """Revisions readers see (domain.review.revision_is_published in SQL): not a proposal or
    a verdict on one, and leaving a published state — a snapshot without the "review" key
    was written before review existed, and was published."""
    return and_(Revision.action.not_in(sorted(UNPUBLISHED_ACTIONS)),
                func.coalesce(Revision.after["review"].as_string(),
                              Review.APPROVED.value) == Review.APPROVED.value)
