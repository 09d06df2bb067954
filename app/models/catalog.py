"""The catalog: topics and their measures, sources, and a source's party status per topic."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.domain.vocabulary import SourceKind
from app.models.base import UTCDateTime, one_of, utcnow


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
    __table_args__ = (CheckConstraint(one_of("kind", SourceKind), name="kind"),)

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
