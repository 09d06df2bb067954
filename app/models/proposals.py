"""Proposals: a new estimate, or a change to a published one, waiting for a second editor."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.domain.vocabulary import ProposalKind, ProposalState
from app.models.base import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.estimates import Estimate


class Proposal(Base):
    """A new estimate, or a change to a published one, waiting for a second editor to approve
    it or send it back (app/services/review.py). At most one per estimate is pending. A
    change's proposed values are kept here, in the shape of a revision snapshot, while the
    estimate's row keeps what readers see."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(one_of("kind", ProposalKind), name="kind"),
        CheckConstraint(one_of("state", ProposalState), name="state"),
        # The review queue: what waits, oldest first.
        Index("ix_proposals_state_created_at", "state", "created_at", "id"),
        Index("uq_proposals_pending_estimate", "estimate_id", unique=True,
              sqlite_where=text("state = 'pending'"),
              postgresql_where=text("state = 'pending'")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    estimate_id: Mapped[int] = mapped_column(ForeignKey("estimates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(4))
    # The estimate's version when it was put forward (its revision's number): approving it
    # once the estimate has changed since would approve what nobody reviewed.
    base_version: Mapped[int] = mapped_column(Integer)
    proposed: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    state: Mapped[str] = mapped_column(String(10), default=ProposalState.PENDING.value)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was sent back

    estimate: Mapped[Estimate] = relationship(lazy="raise_on_sql")
    author: Mapped[User | None] = relationship(foreign_keys=[author_id], lazy="raise_on_sql")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id],
                                                 lazy="raise_on_sql")
