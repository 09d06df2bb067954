"""The review queue: what waits for a second editor, oldest first, with what approving each
would change for readers; and the counts in the editors' navigation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, joinedload

from app.domain.actor import Actor
from app.domain.review import may_review, with_reviewed
from app.domain.vocabulary import ProposalKind, ProposalState
from app.models import Estimate, Measure, Proposal
from app.services.review import pending_proposal
from app.services.revisions import Change, diff_snapshots, snapshot


@dataclass(frozen=True)
class Waiting:
    """A proposal as the review queue and the estimate page show it."""

    proposal: Proposal
    estimate: Estimate
    # What approving it changes for readers (a change), or every reviewed value (a new one).
    changes: list[Change]
    stale: bool  # the estimate changed since it was put forward: it cannot be approved

    @property
    def is_new(self) -> bool:
        return self.proposal.kind == ProposalKind.NEW

    @property
    def author(self) -> str:
        author = self.proposal.author
        return author.display_name if author else "an import"

    def may_review(self, actor: Actor | None) -> bool:
        return actor is not None and may_review(self.proposal.author_id, actor.id)

    def is_author(self, actor: Actor | None) -> bool:
        return actor is not None and self.proposal.author_id == actor.id


def _waiting(proposal: Proposal, estimate: Estimate) -> Waiting:
    published = snapshot(estimate)
    if proposal.kind == ProposalKind.NEW:
        changes = diff_snapshots(None, with_reviewed({}, published))
    else:
        changes = diff_snapshots(published, with_reviewed(published, proposal.proposed))
    return Waiting(proposal, estimate, changes, stale=proposal.base_version != estimate.version)


def waiting_for(session: Session, estimate: Estimate) -> Waiting | None:
    """What waits for review on this estimate (loaded with its citations), if anything."""
    proposal = pending_proposal(session, estimate.id)
    return _waiting(proposal, estimate) if proposal is not None else None


def waiting_total(session: Session) -> int:
    """How many proposals wait for review."""
    return session.scalar(select(func.count()).select_from(Proposal).where(
        Proposal.state == ProposalState.PENDING.value)) or 0


def queue(session: Session, *, page: int = 1, per_page: int = 50) -> tuple[list[Waiting], int]:
    """A page of what waits for review, oldest first, and how many wait in all."""
    pending = Proposal.state == ProposalState.PENDING.value
    total = waiting_total(session)
    proposals = session.scalars(
        select(Proposal).where(pending)
        .options(joinedload(Proposal.author),
                 joinedload(Proposal.estimate).joinedload(Estimate.measure)
                 .joinedload(Measure.topic),
                 joinedload(Proposal.estimate).joinedload(Estimate.source),
                 joinedload(Proposal.estimate).selectinload(Estimate.citations))
        .order_by(Proposal.created_at, Proposal.id)
        .limit(per_page).offset((page - 1) * per_page)
    ).unique().all()
    return [_waiting(p, p.estimate) for p in proposals], total


@dataclass(frozen=True)
class Counts:
    waiting: int  # everything that waits
    for_you: int  # of those, what this editor may review (not their own)


def counts(session: Session, actor: Actor) -> Counts:
    """For the editors' navigation: one query."""
    theirs = or_(Proposal.author_id.is_(None), Proposal.author_id != actor.id)
    waiting, for_you = session.execute(
        select(func.count(), func.coalesce(func.sum(case((theirs, 1), else_=0)), 0))
        .where(Proposal.state == ProposalState.PENDING.value)
    ).one()
    return Counts(int(waiting), int(for_you))
