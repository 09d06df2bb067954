"""The verdicts on what waits for review: a second editor approves it (published) or sends it
back with a reason; its author (or an admin) may withdraw a change instead. Each is a revision
and a new version of the estimate; a proposal made against an older version than the
estimate's is never approved as it stands. Putting forward is services.review."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.domain.actor import Actor
from app.domain.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.domain.review import StaleProposal, may_review
from app.domain.vocabulary import ProposalKind, ProposalState, Review, RevisionAction
from app.i18n import gettext as _
from app.models import Estimate, Measure, Proposal, Revision, utcnow
from app.schemas.common import MAX_ID
from app.services import audit_trail, review
from app.services.revisions import add_revision, diff_snapshots, snapshot


def _load(session: Session, estimate_id: int) -> Estimate:
    if not 1 <= estimate_id <= MAX_ID:
        raise NotFound(_("No estimate %(id)s.", id=estimate_id))
    estimate = session.scalars(
        select(Estimate).where(Estimate.id == estimate_id)
        .options(joinedload(Estimate.measure).joinedload(Measure.topic),
                 joinedload(Estimate.source), selectinload(Estimate.citations))
        .execution_options(populate_existing=True)
    ).one_or_none()
    if estimate is None:
        raise NotFound(_("No estimate %(id)s.", id=estimate_id))
    return estimate


def _check_version(estimate: Estimate, version: int | None) -> None:
    if version is None:
        raise ValidationFailed({"version": "Give the version you reviewed (a 'version' field "
                                           "or an If-Match header)."})
    if version != estimate.version:
        raise Conflict(_("Estimate %(id)s was changed since version %(version)s; it is now at "
                         "version %(current)s. Reload it and review it again.", id=estimate.id,
                         version=version, current=estimate.version),
                       current_version=estimate.version)


def _pending(session: Session, estimate: Estimate) -> Proposal:
    proposal = review.pending_proposal(session, estimate.id)
    if proposal is None:
        raise Conflict(f"Nothing of estimate {estimate.id} awaits review.",
                       current_version=estimate.version)
    return proposal


def _second_editor(proposal: Proposal, actor: Actor, verb: str) -> None:
    if not may_review(proposal.author_id, actor.id):
        raise PermissionDenied(
            f"You put this forward yourself, so you cannot {verb} it: a second editor must "
            "review it." + (" You may withdraw it instead." if verb == "send back" else ""))


def _state_at_base(session: Session, proposal: Proposal) -> dict[str, Any] | None:
    """What the estimate was when the proposal was made: what its revision left (a new
    estimate), or what readers saw then (the revision of a change records it as `before`)."""
    revision = session.scalars(select(Revision).where(
        Revision.estimate_id == proposal.estimate_id,
        Revision.number == proposal.base_version)).one_or_none()
    if revision is None:
        return None
    return revision.after if proposal.kind == ProposalKind.NEW else revision.before


def stale_conflict(session: Session, estimate: Estimate, proposal: Proposal) -> StaleProposal:
    then = _state_at_base(session, proposal)
    changed = diff_snapshots(then, snapshot(estimate)) if then is not None else []
    return StaleProposal(
        _("Estimate %(id)s changed after this was put forward (at version %(base)s; it is now "
          "at version %(current)s), so it cannot be approved as it stands: nobody reviewed it "
          "together with those changes. Send it back, or its author saves it again on top of "
          "the current version.", id=estimate.id, base=proposal.base_version,
          current=estimate.version),
        current_version=estimate.version, proposal_version=proposal.base_version,
        changed=[{"field": c.field, "label": c.label, "then": c.before, "now": c.after}
                 for c in changed])


def approve(session: Session, estimate_id: int, actor: Actor, *, version: int | None,
            comment: str = "") -> Estimate:
    """Publish what waits: a new estimate, or a change applied to the row."""
    estimate = _load(session, estimate_id)
    _check_version(estimate, version)
    proposal = _pending(session, estimate)
    _second_editor(proposal, actor, "approve")
    if proposal.base_version != estimate.version:
        raise stale_conflict(session, estimate, proposal)
    author = proposal.author.display_name if proposal.author else "an import"
    try:
        with session.begin_nested():
            before, at = snapshot(estimate), estimate.version
            if proposal.kind == ProposalKind.NEW:
                estimate.review = Review.APPROVED.value
            else:
                review.apply_reviewed(estimate, proposal.proposed)
            estimate.updated_at, estimate.updated_by_id = utcnow(), actor.id
            session.flush()
            if estimate.version == at:  # nothing in the row changed: still a new version
                review.bump_version(session, estimate)
            add_revision(session, estimate, RevisionAction.APPROVED, before, actor,
                         comment or f"Approved revision {proposal.base_version} by {author}.")
            review.close_proposal(proposal, ProposalState.APPROVED, actor)
            session.flush()
    except StaleDataError:
        raise review.race_lost(estimate_id) from None
    audit_trail.note(session, "review_approved", estimate_id=estimate.id,
                     proposal_id=proposal.id, kind=proposal.kind)
    return estimate


def reject(session: Session, estimate_id: int, actor: Actor, *, version: int | None,
           reason: str) -> Estimate:
    """Send what waits back to its author, saying why: a new estimate stays unpublished
    (rejected) until its author saves it again; a change is dropped, the row unchanged."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": _("Say why you send it back: its author reads it.")})
    estimate = _load(session, estimate_id)
    _check_version(estimate, version)
    proposal = _pending(session, estimate)
    _second_editor(proposal, actor, "send back")
    try:
        with session.begin_nested():
            if proposal.kind == ProposalKind.NEW:
                before = snapshot(estimate)
                estimate.review = Review.REJECTED.value
                estimate.updated_at, estimate.updated_by_id = utcnow(), actor.id
                session.flush()
            else:
                before = proposal.proposed
                review.bump_version(session, estimate)
            add_revision(session, estimate, RevisionAction.REJECTED, before, actor, reason)
            review.close_proposal(proposal, ProposalState.REJECTED, actor, reason)
            session.flush()
    except StaleDataError:
        raise review.race_lost(estimate_id) from None
    audit_trail.note(session, "review_rejected", estimate_id=estimate.id,
                     proposal_id=proposal.id, kind=proposal.kind)
    return estimate


def withdraw(session: Session, estimate_id: int, actor: Actor, *, version: int | None,
             comment: str = "") -> Estimate:
    """The author (or an admin) drops a change that waits; readers never saw it."""
    estimate = _load(session, estimate_id)
    _check_version(estimate, version)
    proposal = _pending(session, estimate)
    if proposal.kind == ProposalKind.NEW:
        raise Conflict(f"Estimate {estimate.id} is new and unpublished: retract it instead of "
                       "withdrawing it.", current_version=estimate.version)
    if not (review.owns(proposal, actor) or actor.is_admin):
        raise PermissionDenied("Only its author or an admin may withdraw a proposed change; "
                               "send it back with a reason instead.")
    with session.begin_nested():
        review.withdrawn(session, estimate, proposal, actor, comment)
    return estimate
