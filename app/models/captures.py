"""Captures of cited pages (app/services/capture.py): the pages, their snapshots, and whether
each citation's quote was found in them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.domain.captures import CaptureState
from app.models.base import UTCDateTime, one_of, utcnow


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
        CheckConstraint(one_of("state", CaptureState), name="state"),
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
