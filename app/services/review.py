"""Review before publication: a new estimate, or a change to what readers compare (the
figure, its dates, scope or source: domain.review.REVIEWED_FIELDS), waits as a proposal until
a second editor approves it or sends it back with a reason. While a change waits, the row
keeps the published values. Putting forward, approving, sending back and withdrawing are each
a revision, and each raises the estimate's version (version n is what revision n left).

services.estimates calls in here to save an edit (`save` splits it into what applies at once
and what waits); the verdicts (approve, send back, withdraw) are services.review_verdicts; the
queue is services.review_queue; what readers see, services.visibility."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from app.domain.actor import Actor
from app.domain.dates import parse_optional_date
from app.domain.errors import Conflict, PermissionDenied
from app.domain.review import (
    ReviewPending,
    is_published,
    reviewed_changes,
    with_reviewed,
)
from app.domain.vocabulary import ProposalKind, ProposalState, Review, RevisionAction
from app.i18n import gettext as _
from app.models import Estimate, Proposal, utcnow
from app.services import audit_trail
from app.services.revisions import add_revision, snapshot

_DATES = ("as_of", "stated_on", "period_start", "period_end")


def owns(proposal: Proposal, actor: Actor | None) -> bool:
    """Whether `actor` may amend the proposal: its author. One imported without a user has
    none: another import without a user may amend it, and the first editor to amend it
    becomes its author."""
    if actor is None:
        return proposal.author_id is None
    return proposal.author_id in (None, actor.id)


# ---- reading -------------------------------------------------------------------------------

def pending_proposal(session: Session, estimate_id: int) -> Proposal | None:
    return session.scalars(
        select(Proposal).where(Proposal.estimate_id == estimate_id,
                               Proposal.state == ProposalState.PENDING.value)
        .options(joinedload(Proposal.author))
    ).one_or_none()


def latest_proposal(session: Session, estimate_id: int) -> Proposal | None:
    """The estimate's latest proposal, whatever became of it (an editor sees why the last one
    was sent back)."""
    return session.scalars(
        select(Proposal).where(Proposal.estimate_id == estimate_id)
        .options(joinedload(Proposal.author), joinedload(Proposal.reviewer))
        .order_by(Proposal.id.desc()).limit(1)
    ).one_or_none()


# ---- putting forward -----------------------------------------------------------------------

def race_lost(estimate_id: int) -> Conflict:
    return Conflict(_("Estimate %(id)s was changed by someone else while you were saving.",
                      id=estimate_id))


def bump_version(session: Session, estimate: Estimate) -> None:
    """One more version, for a revision that leaves the row's values as they are (a proposal,
    a verdict on one): UPDATE … WHERE version = n, so a concurrent writer still loses."""
    session.flush()
    result = cast(CursorResult[Any], session.execute(
        update(Estimate).where(Estimate.id == estimate.id,
                               Estimate.version == estimate.version)
        .values(version=estimate.version + 1)
        .execution_options(synchronize_session=False)))
    if result.rowcount != 1:
        raise race_lost(estimate.id)
    set_committed_value(estimate, "version", estimate.version + 1)


def submit_new(session: Session, estimate: Estimate, actor: Actor | None,
               comment: str) -> Proposal:
    """A new estimate put forward: its row is saved as pending, with its first revision."""
    proposal = Proposal(estimate_id=estimate.id, kind=ProposalKind.NEW.value,
                        base_version=estimate.version, proposed=snapshot(estimate),
                        comment=comment, author_id=actor.id if actor else None)
    session.add(proposal)
    session.flush()
    audit_trail.note(session, "review_requested", estimate_id=estimate.id,
                     proposal_id=proposal.id, kind=proposal.kind)
    return proposal


def resubmitted(session: Session, estimate: Estimate, pending: Proposal | None,
                actor: Actor | None, comment: str) -> Proposal:
    """A new (unpublished) estimate saved again by its author: the proposal waiting for it
    now holds this version, or, sent back before, it waits again."""
    if pending is None:
        return submit_new(session, estimate, actor, comment)
    pending.base_version, pending.proposed = estimate.version, snapshot(estimate)
    if pending.author_id is None and actor is not None:
        pending.author_id = actor.id
    session.flush()
    return pending


def propose_change(session: Session, estimate: Estimate, published: dict[str, Any],
                   proposed: dict[str, Any], actor: Actor | None, comment: str,
                   pending: Proposal | None) -> Proposal:
    """A change to a published estimate put forward — or its author's waiting one amended —
    while the row keeps `published`. Its revision records the state it proposes."""
    proposed = {**proposed, "review": Review.PENDING.value}
    bump_version(session, estimate)
    add_revision(session, estimate, RevisionAction.PROPOSED, published, actor, comment,
                 after=proposed)
    if pending is None:
        pending = Proposal(estimate_id=estimate.id, kind=ProposalKind.EDIT.value,
                           author_id=actor.id if actor else None)
        session.add(pending)
    elif pending.author_id is None and actor is not None:
        pending.author_id = actor.id
    pending.base_version, pending.proposed, pending.comment = (
        estimate.version, proposed, comment)
    session.flush()
    audit_trail.note(session, "review_requested", estimate_id=estimate.id,
                     proposal_id=pending.id, kind=pending.kind)
    return pending


def withdrawn(session: Session, estimate: Estimate, pending: Proposal, actor: Actor | None,
              comment: str) -> None:
    """The author's waiting change dropped (their edit went back to the published values,
    or they withdrew it): a revision from what it proposed back to what readers see."""
    bump_version(session, estimate)
    add_revision(session, estimate, RevisionAction.WITHDRAWN, pending.proposed, actor,
                 comment or "Withdrawn by its author.")
    close_proposal(pending, ProposalState.WITHDRAWN, actor)
    session.flush()
    audit_trail.note(session, "review_withdrawn", estimate_id=estimate.id,
                     proposal_id=pending.id)


def close_proposal(proposal: Proposal, state: ProposalState, actor: Actor | None,
           reason: str = "") -> None:
    proposal.state = state.value
    proposal.reviewer_id = actor.id if actor else None
    proposal.reviewed_at = utcnow()
    proposal.reason = reason


# ---- saving an edit ------------------------------------------------------------------------

def _waiting_by_other(estimate: Estimate, pending: Proposal) -> ReviewPending:
    author = pending.author.display_name if pending.author else "an import"
    what = ("This new estimate" if pending.kind == ProposalKind.NEW
            else "A change to its figure, dates, scope or source")
    return ReviewPending(
        f"{what} by {author} awaits review (estimate {estimate.id}): approve it or send it "
        "back with a reason before changing "
        f"{'it' if pending.kind == ProposalKind.NEW else 'those'}.",
        current_version=estimate.version)


def pending_for(session: Session, estimate: Estimate, actor: Actor | None) -> Proposal | None:
    """What waits for review on this estimate. Only its author may change a new estimate
    that waits (or was sent back): nobody approves what they changed themselves."""
    pending = pending_proposal(session, estimate.id)
    if is_published(estimate.review):
        return pending
    if pending is not None and not owns(pending, actor):
        raise _waiting_by_other(estimate, pending)
    if pending is None and estimate.review == Review.REJECTED:
        sent_back = latest_proposal(session, estimate.id)
        if sent_back is not None and not owns(sent_back, actor):
            author = sent_back.author.display_name if sent_back.author else "an import"
            raise PermissionDenied(f"Estimate {estimate.id} was sent back to {author}: only "
                                   "they may change it and put it forward again.")
    return pending


def save(session: Session, estimate: Estimate, published: dict[str, Any],
         pending: Proposal | None, actor: Actor | None, comment: str, action: str, *,
         review_required: bool) -> bool:
    """Write what was set on the row (inside the caller's savepoint): at once, or — for a
    published estimate whose reviewed fields changed, when review is required or its author
    amends a change that waits — the rest at once and those as a proposal, the row keeping
    the published values. Returns whether anything was written."""
    after = snapshot(estimate)
    if not is_published(estimate.review):
        # Unpublished, so readers see none of it: saved as it is, and what waits is this.
        resubmit = estimate.review == Review.REJECTED
        if after == published and not resubmit:
            return False
        if resubmit:
            estimate.review = Review.PENDING.value
        _commit(session, estimate, RevisionAction.PROPOSED if resubmit else action,
                published, actor, comment)
        resubmitted(session, estimate, pending, actor, comment)
        return True
    changed = reviewed_changes(published, after)
    own = pending is not None and owns(pending, actor)
    if pending is not None and not own and changed:
        raise _waiting_by_other(estimate, pending)
    if not own and (not changed or not review_required):
        if after == published:
            return False
        _commit(session, estimate, action, published, actor, comment)
        return True
    # What may change at once does; the reviewed fields go back to what readers see.
    apply_reviewed(estimate, published)
    direct = snapshot(estimate) != published
    if direct:
        _commit(session, estimate, action, published, actor, comment)
    current = snapshot(estimate)
    proposed = {**with_reviewed(current, after), "review": Review.PENDING.value}
    if pending is not None and changed and not direct and proposed == pending.proposed:
        return False  # the same change, already waiting
    if changed:
        propose_change(session, estimate, current, proposed, actor, comment, pending)
    elif pending is not None:  # the author's change, set back to what readers see
        withdrawn(session, estimate, pending, actor, comment)
    return True


def _commit(session: Session, estimate: Estimate, action: str, before: dict[str, Any],
            actor: Actor | None, comment: str) -> None:
    """As services.estimates writes a change: the row (UPDATE … WHERE version = n), then
    its revision."""
    estimate.updated_at = utcnow()
    estimate.updated_by_id = actor.id if actor else None
    session.flush()
    add_revision(session, estimate, action, before, actor, comment)


# ---- applying what was reviewed ------------------------------------------------------------

def apply_reviewed(estimate: Estimate, values: dict[str, Any]) -> None:
    """Set the row's reviewed fields from a snapshot (a proposal being approved). Where an
    estimate is (topic, measure, source) never changes once it exists."""
    where = (estimate.measure.topic.slug, estimate.measure.slug, estimate.source.slug)
    if (values.get("topic"), values.get("measure"), values.get("source")) != where:
        raise Conflict(f"Estimate {estimate.id} cannot move to another topic, measure or "
                       "source.", current_version=estimate.version)
    estimate.low, estimate.high, estimate.best = values["low"], values["high"], values["best"]
    estimate.qualifier = values["qualifier"]
    estimate.scope = values.get("scope") or "total"
    estimate.scope_note = values.get("scope_note") or ""
    for name in _DATES:
        known = parse_optional_date(values.get(name))
        setattr(estimate, name, known.value if known else None)
        setattr(estimate, f"{name}_precision", known.precision if known else None)
