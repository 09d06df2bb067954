"""Lists of estimates: filtered and paginated, each source's latest, a source's record."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from app.domain.vocabulary import Status
from app.models import Citation, Estimate, Measure, Source, Topic


def with_context(stmt: Select[Any]) -> Select[Any]:
    # Joined, not selectin: selectin loads in batches of 500 ids, so a page's query count would
    # grow with the number of estimates. Callers must apply .unique() to the result.
    return stmt.options(
        joinedload(Estimate.measure).joinedload(Measure.topic),
        joinedload(Estimate.source),
        joinedload(Estimate.citations),
    )


@dataclass(frozen=True)
class EstimateFilter:
    topic: str | None = None
    measure: str | None = None
    source: str | None = None
    as_of_from: dt.date | None = None
    as_of_to: dt.date | None = None
    status: str | None = None


def list_estimates(
    session: Session, filters: EstimateFilter, *, page: int = 1, per_page: int = 50
) -> tuple[list[Estimate], int]:
    stmt = (
        select(Estimate.id)
        .join(Measure, Estimate.measure_id == Measure.id)
        .join(Topic, Measure.topic_id == Topic.id)
        .join(Source, Estimate.source_id == Source.id)
    )
    if filters.topic:
        stmt = stmt.where(Topic.slug == filters.topic)
    if filters.measure:
        stmt = stmt.where(Measure.slug == filters.measure)
    if filters.source:
        stmt = stmt.where(Source.slug == filters.source)
    if filters.as_of_from:
        stmt = stmt.where(Estimate.as_of >= filters.as_of_from)
    if filters.as_of_to:
        stmt = stmt.where(Estimate.as_of <= filters.as_of_to)
    if filters.status:
        stmt = stmt.where(Estimate.status == filters.status)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ids = stmt.order_by(
        Topic.slug, Measure.position, Estimate.as_of.desc().nulls_last(), Estimate.id
    ).limit(per_page).offset((page - 1) * per_page)
    items = session.scalars(
        with_context(select(Estimate).where(Estimate.id.in_(ids.scalar_subquery())))
    ).unique().all()
    order = {eid: i for i, eid in enumerate(session.scalars(ids))} if items else {}
    return sorted(items, key=lambda e: order.get(e.id, 0)), total


def _latest_ids(topic_id: int | None) -> Select[Any]:
    """Ids of each source's latest active estimate of each scope per measure, ranked in SQL by
    the rule of domain.comparison (latest_key): dated by as_of, else stated_on, else the
    earliest citation; undated last; then the later-recorded."""
    published = (select(func.min(Citation.published_on))
                 .where(Citation.estimate_id == Estimate.id).scalar_subquery())
    dated = func.coalesce(Estimate.as_of, Estimate.stated_on, published)
    rank = (
        func.row_number()
        .over(
            partition_by=(Estimate.measure_id, Estimate.source_id, Estimate.scope),
            order_by=(dated.desc().nulls_last(), Estimate.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(Estimate.id, rank)
        .join(Measure, Estimate.measure_id == Measure.id)
        .where(Estimate.status == Status.ACTIVE)
    )
    if topic_id is not None:
        ranked = ranked.where(Measure.topic_id == topic_id)
    ranked_sq = ranked.subquery()
    return select(ranked_sq.c.id).where(ranked_sq.c.rank == 1)


def latest_estimates(session: Session) -> list[Estimate]:
    """Each source's latest active estimate for every measure of every topic."""
    return list(
        session.scalars(
            with_context(select(Estimate).where(Estimate.id.in_(_latest_ids(None))))
        ).unique()
    )


def source_estimates(session: Session, source_id: int) -> list[Estimate]:
    return list(
        session.scalars(
            with_context(
                select(Estimate)
                .where(Estimate.source_id == source_id)
                .order_by(Estimate.as_of.desc().nulls_last(), Estimate.id.desc())
            )
        ).unique()
    )
