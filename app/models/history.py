"""The catalog's revisions and the head of the one hash chain over both history tables
(app/domain/chain.py). An estimate's revisions are in estimates.py, beside the Estimate they
point back to."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.domain.vocabulary import CatalogEntity, RevisionAction
from app.models.base import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from app.models.accounts import User


class CatalogRevision(Base):
    """One change to a topic, measure, source or a source's party status within a topic."""

    __tablename__ = "catalog_revisions"
    __table_args__ = (
        CheckConstraint(one_of("entity", CatalogEntity), name="entity"),
        CheckConstraint(one_of("action", RevisionAction), name="action"),
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
