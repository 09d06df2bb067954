"""SQLAlchemy models: the domain vocabulary of PRODUCT.md, and the rules the database enforces."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    case,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from app.db import Base
from app.domain.captures import CaptureState
from app.domain.vocabulary import (
    CatalogEntity,
    Confidence,
    DatePrecision,
    ProposalKind,
    ProposalState,
    Qualifier,
    Review,
    RevisionAction,
    Role,
    Scope,
    SourceKind,
    Status,
)


def _one_of(column: str, vocabulary: type[StrEnum]) -> str:
    # Callers guard NULL themselves where it matters: NULL IN (…) is NULL, which a CHECK passes.
    return f"{column} IN ({', '.join(repr(m.value) for m in vocabulary)})"


def _dated(column: str) -> CheckConstraint:
    """A partial date: a date and its precision, both or neither."""
    return CheckConstraint(
        f"({column} IS NULL AND {column}_precision IS NULL) OR "
        f"({column} IS NOT NULL AND {column}_precision IS NOT NULL AND "
        f"{_one_of(f'{column}_precision', DatePrecision)})",
        name=f"{column}_precision",
    )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC on the way in and out; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given where UTC is required")
            value = value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stored: dt.datetime = value
        return stored.replace(tzinfo=dt.UTC) if stored.tzinfo is None else stored


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    # Collections never load implicitly (an N+1 fails loudly); a many-to-one may come from
    # the identity map but never from a hidden query.
    measures: Mapped[list[Measure]] = relationship(
        back_populates="topic", lazy="raise", order_by="Measure.position, Measure.id"
    )


class Measure(Base):
    __tablename__ = "measures"
    __table_args__ = (UniqueConstraint("topic_id", "slug", name="uq_measures_topic_slug"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), index=True)
    slug: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(50), default="people")
    description: Mapped[str] = mapped_column(Text, default="")
    # Display order within the topic (deployed before killed before casualties…).
    position: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    topic: Mapped[Topic] = relationship(back_populates="measures", lazy="raise_on_sql")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Source(Base):
    __tablename__ = "sources"
    __table_args__ = (CheckConstraint(_one_of("kind", SourceKind), name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # "NIS" for "South Korea's National Intelligence Service": for charts where space is short.
    short_name: Mapped[str] = mapped_column(String(60), default="")
    kind: Mapped[str] = mapped_column(String(20), default=SourceKind.OTHER.value)
    country: Mapped[str] = mapped_column(String(100), default="")
    # The default for every topic; TopicSource overrides it for one topic.
    party_to_conflict: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str] = mapped_column(String(2000), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TopicSource(Base):
    """A source's party status within one topic, where it differs from the source's default:
    Ukraine's president is a party in one conflict and not in another."""

    __tablename__ = "topic_sources"

    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id"), primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"), primary_key=True)
    party_to_conflict: Mapped[bool] = mapped_column(Boolean)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_one_of("role", Role), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(500))
    role: Mapped[str] = mapped_column(String(20), default=Role.EDITOR.value)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # NULL for users created before it was recorded.
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A named bearer token for the API; only its SHA-256 is stored. Revoking deletes the
    row; an expired token no longer authenticates and is purged."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="", server_default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User] = relationship(lazy="raise_on_sql")


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
        CheckConstraint(_one_of("qualifier", Qualifier), name="qualifier"),
        CheckConstraint(_one_of("status", Status), name="status"),
        CheckConstraint(_one_of("scope", Scope), name="scope"),
        CheckConstraint(_one_of("confidence", Confidence), name="confidence"),
        CheckConstraint(_one_of("review", Review), name="review"),
        _dated("as_of"),
        _dated("stated_on"),
        _dated("period_start"),
        _dated("period_end"),
        CheckConstraint("version >= 1", name="version_positive"),
        Index("ix_estimates_measure_source_as_of", "measure_id", "source_id", "as_of"),
        Index("ix_estimates_source_as_of", "source_id", "as_of"),
        Index("ix_estimates_as_of", "as_of"),
        # Each source's latest figure of each scope, and a measure's newest figures, read from
        # the index alone, however many figures a topic holds.
        # (Readers see approved figures only: `review` is in both.)
        Index("ix_estimates_latest", "measure_id", "source_id", "scope", "status", "review",
              "placed_on", "id"),
        Index("ix_estimates_newest", "measure_id", "status", "review", "placed_on", "id"),
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
        CheckConstraint(_one_of("action", RevisionAction), name="action"),
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


class Proposal(Base):
    """A new estimate, or a change to a published one, waiting for a second editor to approve
    it or send it back (app/services/review.py). At most one per estimate is pending. A
    change's proposed values are kept here, in the shape of a revision snapshot, while the
    estimate's row keeps what readers see."""

    __tablename__ = "proposals"
    __table_args__ = (
        CheckConstraint(_one_of("kind", ProposalKind), name="kind"),
        CheckConstraint(_one_of("state", ProposalState), name="state"),
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


class CatalogRevision(Base):
    """One change to a topic, measure, source or a source's party status within a topic."""

    __tablename__ = "catalog_revisions"
    __table_args__ = (
        CheckConstraint(_one_of("entity", CatalogEntity), name="entity"),
        CheckConstraint(_one_of("action", RevisionAction), name="action"),
        Index("ix_catalog_revisions_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entity: Mapped[str] = mapped_column(String(20))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id"), index=True)
    measure_id: Mapped[int | None] = mapped_column(ForeignKey("measures.id"))
    source_id: Mapped[int | None] = mapped_column(ForeignKey("sources.id"), index=True)
    action: Mapped[str] = mapped_column(String(20))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    comment: Mapped[str] = mapped_column(Text, default="")
    # In the same chain as Revision (one sequence over both tables).
    sequence: Mapped[int] = mapped_column(BigInteger, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    user: Mapped[User | None] = relationship(lazy="raise_on_sql")


class ChainHead(Base):
    """The end of the history's hash chain, in its one row (id 1): how many revisions it holds
    and the last one's hash. Appending locks this row, so writers join the chain one at a time;
    the database refuses to delete it or to move it back."""

    __tablename__ = "chain_head"
    __table_args__ = (
        CheckConstraint("id = 1", name="one_row"),
        CheckConstraint("length >= 0", name="length_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    length: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class LoginSession(Base):
    """A signed-in browser. The cookie holds a random id; only its SHA-256 is stored, so a
    database leak does not hand out sessions. Deleting the row ends the session at once."""

    __tablename__ = "login_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User] = relationship(lazy="raise_on_sql")


class LoginThrottle(Base):
    """Failed sign-ins, counted per (account, client) pair, per client and per account, for
    capped, growing delays (app/services/accounts.py says which of them block). `account` is
    the SHA-256 of the e-mail typed, so an admin can unlock an account's rows at once."""

    __tablename__ = "login_throttles"

    key: Mapped[str] = mapped_column(String(400), primary_key=True)
    account: Mapped[str | None] = mapped_column(String(64), index=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


# ---- captures of cited pages (app/services/capture.py) --------------------------------------

class CitedPage(Base):
    """A URL that a citation cites or cited. Its captures hang off it rather than off a
    citation row (an edit replaces those), so they survive edits and are shared by every
    citation of the URL. Keyed by the URL's SHA-256: a long URL fits no btree index."""

    __tablename__ = "cited_pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    url_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class PageCapture(Base):
    """One snapshot of a cited page, or the attempt at one: a re-capture adds a row and never
    changes a captured one. Pending and failed rows form the queue (state, next_attempt_at);
    a worker claims a row by setting claimed_until before it fetches."""

    __tablename__ = "page_captures"
    __table_args__ = (
        CheckConstraint(_one_of("state", CaptureState), name="state"),
        CheckConstraint("attempts >= 0", name="attempts_non_negative"),
        Index("ix_page_captures_due", "state", "next_attempt_at"),
        Index("ix_page_captures_page", "page_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("cited_pages.id"))
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text, default="")
    http_status: Mapped[int | None] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(10), default=CaptureState.PENDING.value)
    failure: Mapped[str] = mapped_column(String(500), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    claimed_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # When the last fetch ran (for a failed row: the failed attempt).
    fetched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    content_type: Mapped[str] = mapped_column(String(200), default="")
    size: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(Text, default="")
    published_on: Mapped[dt.date | None] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text, default="")
    raw_sha256: Mapped[str | None] = mapped_column(String(64))
    text_sha256: Mapped[str | None] = mapped_column(String(64))

    page: Mapped[CitedPage] = relationship(lazy="raise_on_sql")


class QuoteCheck(Base):
    """Whether a citation's quote is in a capture's text, worked out once (when either is
    saved) so that the editors' list of quotes not found is one query. Goes with its
    citation: an edit that replaces the citation drops the check."""

    __tablename__ = "quote_checks"
    __table_args__ = (UniqueConstraint("citation_id", "capture_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citation_id: Mapped[int] = mapped_column(ForeignKey("citations.id", ondelete="CASCADE"))
    capture_id: Mapped[int] = mapped_column(ForeignKey("page_captures.id", ondelete="CASCADE"),
                                            index=True)
    found: Mapped[bool] = mapped_column(Boolean)
    checked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


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
