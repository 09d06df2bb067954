"""Lists of estimates: filtered and paginated, each source's latest, what a topic page shows,
a source's record — with the rules of domain.comparison (dated, newest first, in view) in SQL."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Select,
    case,
    cast,
    extract,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, joinedload

from app.domain.comparison import Choices
from app.domain.vocabulary import Status
from app.models import Estimate, Measure, Source, Topic
from app.services.visibility import published


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
    # The reader's choices on a topic page: any of these sources, dated (by the rule of
    # domain.comparison) within these days.
    sources: frozenset[str] = frozenset()
    dated_from: dt.date | None = None
    dated_to: dt.date | None = None


def dated() -> InstrumentedAttribute[dt.date | None]:
    """The date a figure is placed by (domain.comparison.dated_by): as_of, else stated_on,
    else its citations' earliest publication — stored with the figure (models.place)."""
    return Estimate.placed_on


def dated_precision() -> InstrumentedAttribute[str | None]:
    """The precision of dated(): that of the date it takes ("day" for a publication)."""
    return Estimate.placed_precision


def newest_first() -> tuple[ColumnElement[Any], ...]:
    """The order of Entry.sort_key, newest first: later date first, undated last, then the
    later-recorded. Within one scope this is also the rule for a source's latest figure."""
    return dated().desc().nulls_last(), Estimate.id.desc()


def in_view(choices: Choices) -> list[ColumnElement[bool]]:
    """Choices.admits in SQL: the chosen sources, and figures dated within the chosen days (a
    month or a year is within when any of its days is)."""
    clauses: list[ColumnElement[bool]] = []
    if choices.sources:
        clauses.append(Estimate.source_id.in_(
            # Never correlated: the enclosing query may join sources itself.
            select(Source.id).where(Source.slug.in_(sorted(choices.sources))).correlate(None)))
    if choices.dated_from is not None:
        start = choices.dated_from
        precision = dated_precision()
        # A period reaches the chosen first day when it begins in that day's month or year.
        clauses.append(dated() >= case((precision == "year", start.replace(month=1, day=1)),
                                       (precision == "month", start.replace(day=1)),
                                       else_=start))
    if choices.dated_to is not None:
        clauses.append(dated() <= choices.dated_to)
    return clauses


def list_estimates(
    session: Session, filters: EstimateFilter, *, page: int = 1, per_page: int = 50
) -> tuple[list[Estimate], int]:
    """A page of published estimates, by topic and measure, newest first within a measure."""
    stmt = (
        select(Estimate.id)
        .join(Measure, Estimate.measure_id == Measure.id)
        .join(Topic, Measure.topic_id == Topic.id)
        .join(Source, Estimate.source_id == Source.id)
        .where(published())
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
    stmt = stmt.where(*in_view(Choices(sources=filters.sources, dated_from=filters.dated_from,
                                       dated_to=filters.dated_to)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    ids = stmt.order_by(
        Topic.slug, Measure.position, Measure.id, *newest_first()
    ).limit(per_page).offset((page - 1) * per_page)
    items = session.scalars(
        with_context(select(Estimate).where(Estimate.id.in_(ids.scalar_subquery())))
    ).unique().all()
    order = {eid: i for i, eid in enumerate(session.scalars(ids))} if items else {}
    return sorted(items, key=lambda e: order.get(e.id, 0)), total


def _in_topic(topic_id: int | None, where: tuple[ColumnElement[bool], ...],
              *columns: Any) -> Select[Any]:
    stmt = select(*columns).where(Estimate.status == Status.ACTIVE, published(), *where)
    if topic_id is None:
        return stmt
    return stmt.where(Estimate.measure_id.in_(select(Measure.id)
                                              .where(Measure.topic_id == topic_id)))


# A figure's place (days, shifted to stay positive for any date after the year -700; 0 when
# undated) and its id packed in one number whose max() is a group's latest figure by the rule
# of domain.comparison (latest_key): read from an index, with no sort of every figure.
_ID_SPAN = 2**31
_DAY_OFFSET = 1_000_000


def _latest_key() -> ColumnElement[int]:
    days = cast(extract("epoch", Estimate.placed_on), BigInteger) // 86_400
    return (func.coalesce(days + _DAY_OFFSET, 0) * literal(_ID_SPAN, BigInteger)
            + Estimate.id)


def _latest(topic_id: int | None, where: tuple[ColumnElement[bool], ...]) -> Select[Any]:
    """(measure id, id) of each source's latest active estimate of each scope per measure
    among those matching `where`."""
    return (_in_topic(topic_id, where, Estimate.measure_id,
                      (func.max(_latest_key()) % _ID_SPAN).label("id"))
            .group_by(Estimate.measure_id, Estimate.source_id, Estimate.scope))


def _latest_ids(topic_id: int | None, *where: ColumnElement[bool]) -> Select[Any]:
    latest = _latest(topic_id, where).subquery()
    return select(latest.c.id)


def _recent_ids(session: Session, topic_id: int, recent: int,
                where: tuple[ColumnElement[bool], ...]) -> list[int]:
    """Each source's latest estimate of each scope per measure, and each measure's `recent`
    newest others: two queries, each read from an index."""
    latest: dict[int, set[int]] = {}
    for measure_id, estimate_id in session.execute(_latest(topic_id, where)):
        latest.setdefault(measure_id, set()).add(int(estimate_id))
    if not latest:
        return []
    # Per measure, the newest figures, as many as its latest ones and `recent` more: the
    # others among them are its newest others.
    newest = [
        _in_topic(topic_id, where, Estimate.measure_id, Estimate.id)
        .where(Estimate.measure_id == measure_id)
        .order_by(*newest_first()).limit(len(ids) + recent).subquery()
        for measure_id, ids in sorted(latest.items())]
    others: dict[int, list[int]] = {}
    for measure_id, estimate_id in session.execute(
            union_all(*(select(q.c.measure_id, q.c.id) for q in newest))):
        if estimate_id not in latest[measure_id]:
            others.setdefault(measure_id, []).append(estimate_id)
    return sorted({*(i for ids in latest.values() for i in ids),
                   *(i for ids in others.values() for i in ids[:recent])})


def shown_estimates(session: Session, topic_id: int, recent: int,
                    *where: ColumnElement[bool]) -> list[Estimate]:
    """What a topic page shows of each measure: each source's latest estimate of each scope,
    and the `recent` newest others (with their sources and citations)."""
    ids: Any = (_recent_ids(session, topic_id, recent, where) if recent > 0
                else _latest_ids(topic_id, *where))
    return list(session.scalars(
        select(Estimate).where(Estimate.id.in_(ids))
        .options(joinedload(Estimate.source), joinedload(Estimate.citations))
    ).unique())


def latest_estimates(session: Session, measure_ids: list[int] | None = None) -> list[Estimate]:
    """Each source's latest active estimate of each scope for every measure (of those
    given)."""
    where = () if measure_ids is None else (Estimate.measure_id.in_(measure_ids),)
    return list(
        session.scalars(
            with_context(select(Estimate).where(Estimate.id.in_(_latest_ids(None, *where))))
        ).unique()
    )


# What a figure is, without its citations: enough for a comparison and its sentence.
FIGURE_COLUMNS = (Estimate.id, Estimate.measure_id, Estimate.source_id, Estimate.low,
                  Estimate.high, Estimate.best, Estimate.qualifier, Estimate.as_of,
                  Estimate.as_of_precision, Estimate.stated_on, Estimate.stated_on_precision,
                  Estimate.scope, Estimate.scope_note, Estimate.period_start,
                  Estimate.period_start_precision, Estimate.period_end,
                  Estimate.period_end_precision, Estimate.confidence, Estimate.confidence_note,
                  Estimate.claimant, Estimate.notes)


def latest_figures(session: Session, measure_ids: list[int]) -> tuple[list[Any],
                                                                      dict[int, Source]]:
    """Each source's latest active figure of each scope for the measures given, as columns
    (no ORM objects, no citations: `placed` stands for the earliest publication, which is
    what places a figure with no other date), and their sources: two queries, whatever the
    number of figures."""
    rows: list[Any] = list(session.execute(
        select(*FIGURE_COLUMNS, dated().label("placed"))
        .where(Estimate.id.in_(_latest_ids(None, Estimate.measure_id.in_(measure_ids))))
    ).all())
    sources = {s.id: s for s in session.scalars(
        select(Source).where(Source.id.in_(sorted({r.source_id for r in rows}))))}
    return rows, sources


def source_estimates(session: Session, source_id: int, *, page: int = 1,
                     per_page: int = 100) -> tuple[list[Estimate], int]:
    """A page of a source's published estimates, newest first, and how many it has: three
    queries, whatever the number."""
    where = (Estimate.source_id == source_id, published())
    total = session.scalar(select(func.count(Estimate.id)).where(*where)) or 0
    ids = list(session.scalars(
        select(Estimate.id).where(*where)
        .order_by(Estimate.as_of.desc().nulls_last(), Estimate.id.desc())
        .limit(per_page).offset((page - 1) * per_page)))
    order = {estimate_id: i for i, estimate_id in enumerate(ids)}
    items = session.scalars(with_context(select(Estimate).where(Estimate.id.in_(ids)))).unique()
    return sorted(items, key=lambda e: order[e.id]), total
