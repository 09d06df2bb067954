"""Estimates, their citations and their revisions, and the date each estimate is placed by
(kept after every flush).

Revision lives here rather than with the catalog's revisions (history.py) because it and
Estimate point at each other, and sibling modules may not import each other in a cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    case,
    event,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.db import Base
from app.domain.vocabulary import Confidence, Qualifier, Review, RevisionAction, Scope, Status
from app.models.base import UTCDateTime, dated, one_of, utcnow

if TYPE_CHECKING:
    from app.models.accounts import User
    from app.models.catalog import Measure, Source


class Estimate(Base):
    __tablename__ = "estimates"
    __table_args__ = (
        CheckConstraint("low IS NOT NULL OR high IS NOT NULL", name="has_bound"),
        CheckConstraint("low IS NULL OR low >= 0", name="low_non_negative"),
        CheckConstraint("high IS NULL OR high >= 0", name="high_non_negative"),
        CheckConstraint("best IS NULL OR best >= 0", name="best_non_negative"),
        CheckConstraint("low IS NULL OR high IS NULL OR low <= high", name="low_le_high"),
        CheckConstraint("best IS NULL OR low IS NULL OR low <= best", name="low_le_best"),
        CheckConstraint("best IS NULL OR high IS NULL OR best <= high", name="best_le_high"),
        CheckConstraint(one_of("qualifier", Qualifier), name="qualifier"),
        CheckConstraint(one_of("status", Status), name="status"),
        CheckConstraint(one_of("scope", Scope), name="scope"),
        CheckConstraint(one_of("confidence", Confidence), name="confidence"),
        CheckConstraint(one_of("review", Review), name="review"),
        dated("as_of"),
        dated("stated_on"),
        dated("period_start"),
        dated("period_end"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_estimates_measure_source_as_of", "measure_id", "source_id", "as_of"),
        Index("ix_estimates_source_as_of", "source_id", "as_of"),
        Index("ix_estimates_as_of", "as_of"),
        # Each source's latest figure of each scope, and a measure's newest figures, read from
        # the index alone, however many figures a topic holds; so are the timelines' monthly
        # tally (services.marks: the columns after `id` in the first) and the first and last
        # dates of a topic (services.linked_data: `placed_precision` in the second).
        # (Readers see approved figures only: `review` is in both.)
        Index("ix_estimates_latest", "measure_id", "source_id", "scope", "status", "review",
              "placed_on", "id", "placed_precision", "low", "high"),
        Index("ix_estimates_newest", "measure_id", "status", "review", "placed_on", "id",
              "placed_precision"),
        # A topic's last change readers saw: one index probe per measure.
        Index("ix_estimates_last_published", "measure_id", "last_published_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    measure_id: Mapped[int] = mapped_column(ForeignKey("measures.id"))
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
    low: Mapped[int | None] = mapped_column(BigInteger)
    high: Mapped[int | None] = mapped_column(BigInteger)
    best: Mapped[int | None] = mapped_column(BigInteger)
    qualifier: Mapped[str] = mapped_column(String(20))
    # Dates are kept with their precision: "2025-01" is stored as 2025-01-01 + "month".
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    as_of_precision: Mapped[str | None] = mapped_column(String(5))
    stated_on: Mapped[dt.date | None] = mapped_column(Date)
    stated_on_precision: Mapped[str | None] = mapped_column(String(5))
    # The date it is placed by (domain.comparison.dated_by: as_of, else stated_on, else its
    # citations' earliest publication), kept by `place` after every flush so that ordering
    # and ranking by it can use an index. Never set by hand.
    placed_on: Mapped[dt.date | None] = mapped_column(Date)
    placed_precision: Mapped[str | None] = mapped_column(String(5))
    # What the figure covers; anything but a total is shown beside the comparison, not in it.
    scope: Mapped[str] = mapped_column(String(10), default=Scope.TOTAL.value)
    scope_note: Mapped[str] = mapped_column(Text, default="")
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_start_precision: Mapped[str | None] = mapped_column(String(5))
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    period_end_precision: Mapped[str | None] = mapped_column(String(5))
    confidence: Mapped[str] = mapped_column(String(12), default=Confidence.REPORTED.value)
    confidence_note: Mapped[str] = mapped_column(Text, default="")
    claimant: Mapped[str] = mapped_column(String(300), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default=Status.ACTIVE.value)
    # Readers see only approved estimates (app/services/visibility.py). The row always holds
    # the published values of an approved estimate: a change waiting for review is a
    # Proposal until a second editor approves it.
    review: Mapped[str] = mapped_column(String(10), default=Review.APPROVED.value,
                                        server_default=Review.APPROVED.value)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The time of its latest revision readers see (services.chain keeps it): what a page's
    # validators need, without reading every revision's snapshot. None until published.
    last_published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    measure: Mapped[Measure] = relationship(lazy="raise_on_sql")
    source: Mapped[Source] = relationship(lazy="raise_on_sql")
    citations: Mapped[list[Citation]] = relationship(
        back_populates="estimate",
        lazy="raise",
        order_by="Citation.position, Citation.id",
        cascade="all, delete-orphan",
    )
    revisions: Mapped[list[Revision]] = relationship(
        back_populates="estimate", lazy="raise", order_by="Revision.number"
    )
    created_by: Mapped[User | None] = relationship(
        foreign_keys=[created_by_id], lazy="raise_on_sql"
    )
    updated_by: Mapped[User | None] = relationship(
        foreign_keys=[updated_by_id], lazy="raise_on_sql"
    )

    # UPDATE … WHERE version = :old, so two writers racing past the service check still
    # cannot both win.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Citation(Base):
    __tablename__ = "citations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    estimate_id: Mapped[int] = mapped_column(ForeignKey("estimates.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    url: Mapped[str] = mapped_column(String(2000), default="")
    publication: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(String(500), default="")
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    quote: Mapped[str] = mapped_column(Text, default="")
    quote_translation: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(20), default="")
    retrieved_on: Mapped[dt.date | None] = mapped_column(Date)

    estimate: Mapped[Estimate] = relationship(back_populates="citations", lazy="raise_on_sql")


class Revision(Base):
    """One change to an estimate, with full snapshots so any state can be shown or restored."""

    __tablename__ = "revisions"
    __table_args__ = (
        UniqueConstraint("estimate_id", "number", name="uq_revisions_estimate_number"),
        CheckConstraint(one_of("action", RevisionAction), name="action"),
        Index("ix_revisions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    estimate_id: Mapped[int] = mapped_column(ForeignKey("estimates.id"))
    number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    # Its place in the one hash chain over both history tables (app/domain/chain.py), set by
    # app/services/chain.py when it is added. The database refuses UPDATE and DELETE here.
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    estimate: Mapped[Estimate] = relationship(back_populates="revisions", lazy="raise_on_sql")
    user: Mapped[User | None] = relationship(lazy="raise_on_sql")


def place(session: Session, estimate_ids: Iterable[int] | None = None) -> None:
    """Store the date each estimate (or the given ones) is placed by, from its dates and its
    citations as they are in the database. Runs after every flush (below); code that writes
    estimates or citations without the ORM (bulk inserts) calls it itself."""
    published = (select(func.min(Citation.published_on))
                 .where(Citation.estimate_id == Estimate.id).scalar_subquery())
    stmt = update(Estimate).values(
        placed_on=func.coalesce(Estimate.as_of, Estimate.stated_on, published),
        placed_precision=case((Estimate.as_of.is_not(None), Estimate.as_of_precision),
                              (Estimate.stated_on.is_not(None), Estimate.stated_on_precision),
                              (published.is_not(None), "day"), else_=None))
    if estimate_ids is not None:
        stmt = stmt.where(Estimate.id.in_(sorted(estimate_ids)))
    session.execute(stmt.execution_options(synchronize_session=False))


_TO_PLACE = "reckon.estimates_to_place"


@event.listens_for(Session, "after_flush")
def _note_estimates_to_place(session: Session, _context: object) -> None:
    # Still the flush's objects here; their ids are known. A citation's estimate is placed
    # anew when the citation is added, changed or removed.
    ids: set[int] = session.info.setdefault(_TO_PLACE, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Estimate) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, Citation) and obj.estimate_id is not None:
            ids.add(obj.estimate_id)


@event.listens_for(Session, "after_flush_postexec")
def _place_noted_estimates(session: Session, _context: object) -> None:
    ids = session.info.pop(_TO_PLACE, None)
    if ids:
        place(session, ids)
        for obj in session.identity_map.values():
            if isinstance(obj, Estimate) and obj.id in ids:
                session.expire(obj, ["placed_on", "placed_precision"])
