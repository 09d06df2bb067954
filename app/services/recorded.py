"""The records as they stood at a record point (domain.record_points), for a permalink that
never moves: each estimate as the latest revision made by then that readers could see left it
(services.visibility: its review 'approved', or a snapshot older than review; never a
proposal or a verdict on one), and the catalogue — the topic's
title and summary, its measures, the sources' names, kinds and default party status, and who
is a party in the topic — as its catalogue revisions left it. And the time of the latest
change to any of that: the exact point a "Cite this comparison" link freezes.

A catalogue entry's state at a point is the `after` of its latest revision made by then; with
none, the `before` of its first revision (what it was before anything was recorded about it),
or — with no revision at all, as for entries older than catalogue history — what it is now. An
entry whose first revision is its creation, after the point, did not exist then.

Everything here is read in a constant number of queries, however many figures and changes a
topic holds. The Topic, Measure and Source objects handed out are transient copies holding
their state at the point: they are never added to a session."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, func, or_, select
from sqlalchemy.orm import Session

from app.domain.errors import NotFound
from app.domain.record_points import RecordPoint
from app.domain.vocabulary import CatalogEntity, RevisionAction, Status
from app.i18n import gettext as _
from app.models import CatalogRevision, Estimate, Measure, Revision, Source, Topic, TopicSource
from app.services import catalog
from app.services.catalog_history import MEASURE_FIELDS, SOURCE_FIELDS, TOPIC_FIELDS
from app.services.entries import Entry, entry_from_snapshot
from app.services.parties import PartyStatus
from app.services.visibility import published, published_revision


@dataclass(frozen=True)
class Recorded:
    """A topic as the records held it at a point."""

    topic: Topic  # a transient copy, its measures (those that existed) in their order then
    entries: list[Entry]  # every figure readers could see then, active, of those measures
    sources: list[PartyStatus]  # the sources in the topic then, by name, as they were
    last_change: dt.datetime  # the latest change to any of it, at or before the point


def _when(value: dt.datetime | str) -> dt.datetime:
    # An aggregate bypasses the column type: SQLite hands back naive ISO text.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _latest(times: Iterable[dt.datetime | str | None]) -> dt.datetime | None:
    return max((_when(t) for t in times if t is not None), default=None)


# ---- the catalogue -----------------------------------------------------------------------

@dataclass(frozen=True)
class _History:
    """One catalogue entry's revisions, oldest first, split at the point."""

    done: Sequence[Row[Any]]  # made at or before the point
    later: Sequence[Row[Any]]  # made after it

    @classmethod
    def of(cls, rows: Iterable[Row[Any]], at: dt.datetime) -> _History:
        ordered = sorted(rows, key=lambda r: (_when(r.created_at), r.id))
        return cls([r for r in ordered if _when(r.created_at) <= at],
                   [r for r in ordered if _when(r.created_at) > at])

    def state(self, now: dict[str, Any]) -> dict[str, Any] | None:
        """Its fields at the point (fields a snapshot lacks read as they are now); None when it
        was created after the point."""
        if self.done:
            return {**now, **self.done[-1].after}
        if self.later:
            first = self.later[0]
            if first.action == RevisionAction.CREATE:
                return None
            return {**now, **(first.before or {})}
        return now

    def version(self, now: int) -> int:
        # Every change bumps the version and leaves a revision.
        return max(1, now - len(self.later))

    @property
    def last_change(self) -> dt.datetime | None:
        return _when(self.done[-1].created_at) if self.done else None


def _fields(thing: object, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(thing, name) for name in names}


def _histories(rows: Iterable[Row[Any]], entity: CatalogEntity, key: str,
               at: dt.datetime) -> dict[int, _History]:
    grouped: dict[int, list[Row[Any]]] = {}
    for row in rows:
        if row.entity == entity and getattr(row, key) is not None:
            grouped.setdefault(getattr(row, key), []).append(row)
    return {k: _History.of(found, at) for k, found in grouped.items()}


_NONE = _History((), ())
_REVISION_COLUMNS = (CatalogRevision.id, CatalogRevision.entity, CatalogRevision.action,
                     CatalogRevision.measure_id, CatalogRevision.source_id,
                     CatalogRevision.before, CatalogRevision.after, CatalogRevision.created_at)


def _topic_at(topic: Topic, rows: Sequence[Row[Any]], point: RecordPoint,
              ) -> tuple[Topic, list[dt.datetime | None]]:
    """A transient copy of the topic and its measures at the point, and when each last changed."""
    at = point.at
    history = _History.of([r for r in rows if r.entity == CatalogEntity.TOPIC], at)
    state = history.state(_fields(topic, TOPIC_FIELDS))
    if state is None or topic.created_at > at:
        raise NotFound(_("Topic “%(topic)s” was not yet recorded on %(date)s.", topic=topic.slug,
                         date=point.label()))
    then = Topic(id=topic.id, slug=topic.slug, title=state["title"], summary=state["summary"],
                 created_at=topic.created_at,
                 updated_at=history.last_change or topic.created_at,
                 version=history.version(topic.version))
    changes = [history.last_change]
    measures = []
    by_measure = _histories(rows, CatalogEntity.MEASURE, "measure_id", at)
    for m in topic.measures:
        found = by_measure.get(m.id, _NONE)
        was = found.state(_fields(m, MEASURE_FIELDS))
        if was is None:
            continue
        measures.append(Measure(id=m.id, topic_id=topic.id, slug=m.slug, label=was["label"],
                                unit=was["unit"], description=was["description"],
                                position=was["position"], version=found.version(m.version)))
        changes.append(found.last_change)
    # Both transient: the backref joins them to each other, never to the session.
    then.measures = sorted(measures, key=lambda m: (m.position, m.id))
    return then, changes


def _marks_at(rows: Sequence[Row[Any]], own_now: dict[int, bool], at: dt.datetime,
              ) -> tuple[dict[int, bool], list[dt.datetime | None]]:
    """The topic's own party marks at the point, by source id."""
    histories = _histories(rows, CatalogEntity.TOPIC_SOURCE, "source_id", at)
    marks: dict[int, bool] = {}
    for source_id in {*own_now, *histories}:
        history = histories.get(source_id, _NONE)
        now = {"party_to_conflict": own_now.get(source_id)}
        own = (history.state(now) or now)["party_to_conflict"]
        if own is not None:
            marks[source_id] = bool(own)
    return marks, [h.last_change for h in histories.values()]


def _source_at(source: Source, history: _History) -> Source | None:
    was = history.state(_fields(source, SOURCE_FIELDS))
    if was is None:
        return None
    return Source(id=source.id, slug=source.slug, name=was["name"],
                  short_name=was["short_name"], kind=was["kind"], country=was["country"],
                  party_to_conflict=bool(was["party_to_conflict"]), url=was["url"],
                  description=was["description"], created_at=source.created_at,
                  updated_at=history.last_change or source.created_at,
                  version=history.version(source.version))


# ---- the figures -------------------------------------------------------------------------

def _picked_revisions(session: Session, topic_id: int, at: dt.datetime,
                      measure: str | None) -> Sequence[Row[Any]]:
    """Per estimate of the topic, the latest revision made by `at` that readers could see."""
    pick = func.row_number().over(partition_by=Revision.estimate_id,
                                  order_by=Revision.number.desc()).label("pick")
    ranked = (select(Revision.id, pick)
              .join(Estimate, Revision.estimate_id == Estimate.id)
              .join(Measure, Estimate.measure_id == Measure.id)
              .where(Measure.topic_id == topic_id, Revision.created_at <= at,
                     published_revision()))
    if measure is not None:
        ranked = ranked.where(Measure.slug == measure)
    picked = ranked.subquery()
    return session.execute(
        select(Revision.estimate_id, Revision.after, Estimate.measure_id, Estimate.source_id)
        .join(Estimate, Revision.estimate_id == Estimate.id)
        .where(Revision.id.in_(select(picked.c.id).where(picked.c.pick == 1)))
        .order_by(Revision.estimate_id)
    ).all()


def by_name(statuses: Iterable[PartyStatus]) -> list[PartyStatus]:
    """Sources in the order a page lists them, the same on every database (whose collations
    differ) and at every record point."""
    return sorted(statuses, key=lambda s: (s.source.name.casefold(), s.source.name,
                                           s.source.slug))


def topic_at(session: Session, slug: str, point: RecordPoint,
             measure: str | None = None) -> Recorded:
    """The topic as the records held it at `point` (only one measure's figures, if given)."""
    topic = catalog.get_topic(session, slug)
    at = point.at
    rows = session.execute(select(*_REVISION_COLUMNS)
                           .where(CatalogRevision.topic_id == topic.id)).all()
    then, changes = _topic_at(topic, rows, point)
    own_now: dict[int, bool] = {
        source_id: own for source_id, own in session.execute(
            select(TopicSource.source_id, TopicSource.party_to_conflict)
            .where(TopicSource.topic_id == topic.id))}
    marks, mark_changes = _marks_at(rows, own_now, at)
    # The sources with a figure published in the topic by then, and when what readers saw
    # of their figures last changed.
    recorded_by: dict[int, Any] = {
        source_id: last for source_id, last in session.execute(
            select(Estimate.source_id, func.max(Revision.created_at))
            .join(Revision, Revision.estimate_id == Estimate.id)
            .join(Measure, Estimate.measure_id == Measure.id)
            .where(Measure.topic_id == topic.id, Revision.created_at <= at,
                   published_revision())
            .group_by(Estimate.source_id))}
    picked = _picked_revisions(session, topic.id, at, measure)
    wanted = {*recorded_by, *marks}
    slugs = {r.after.get("source") for r in picked} - {None}
    current = list(session.scalars(select(Source).where(or_(
        Source.id.in_(sorted(wanted)), Source.slug.in_(sorted(slugs))))))
    source_rows = session.execute(
        select(*_REVISION_COLUMNS).where(CatalogRevision.entity == CatalogEntity.SOURCE,
                                         CatalogRevision.source_id.in_(
                                             sorted(s.id for s in current)))).all()
    histories = _histories(source_rows, CatalogEntity.SOURCE, "source_id", at)
    sources = {s.id: was for s in current
               if (was := _source_at(s, histories.get(s.id, _NONE))) is not None}
    by_slug = {s.slug: s for s in sources.values()}

    def party(source: Source) -> bool:
        return marks.get(source.id, source.party_to_conflict)

    measures = {m.id for m in then.measures}
    entries = []
    for row in picked:
        snap = row.after
        source = by_slug.get(snap.get("source")) or sources.get(row.source_id)
        if snap["status"] != Status.ACTIVE or row.measure_id not in measures or source is None:
            continue
        entries.append(entry_from_snapshot(snap, row.estimate_id, row.measure_id, source,
                                           party(source)))
    shown = [s for s in sources.values() if s.id in wanted]
    listed = by_name([PartyStatus(s, marks.get(s.id)) for s in shown])
    last = _latest([*changes, *mark_changes, *recorded_by.values(),
                    *(histories.get(s.id, _NONE).last_change for s in shown),
                    topic.created_at if topic.created_at <= at else None])
    return Recorded(topic=then, entries=entries, sources=listed,
                    last_change=last if last is not None else at)


def last_change(session: Session, topic_id: int) -> dt.datetime:
    """The time of the latest change to anything a topic's comparison shows now — its
    published figures, the topic and its measures, who is a party in it, the sources in it —
    in one query that reads no more for a topic with 20,000 figures than for one with 20:
    the comparison recorded then (topic_at) is the comparison now."""
    measures = select(Measure.id).where(Measure.topic_id == topic_id)
    figures = (select(func.max(Estimate.last_published_at))
               .where(Estimate.measure_id == Measure.id).correlate(Measure).scalar_subquery())
    # A source is in the topic if it has a published figure in one of its measures: asked of
    # each source that has catalog history, one index probe per measure.
    in_topic = (select(Estimate.id).where(Estimate.source_id == CatalogRevision.source_id,
                                          Estimate.measure_id.in_(measures), published())
                .correlate(CatalogRevision).exists())
    marked = select(TopicSource.source_id).where(TopicSource.topic_id == topic_id)
    row = session.execute(select(
        select(func.max(figures)).where(Measure.topic_id == topic_id).scalar_subquery(),
        select(func.max(CatalogRevision.created_at))
        .where(CatalogRevision.topic_id == topic_id).scalar_subquery(),
        select(func.max(CatalogRevision.created_at))
        .where(CatalogRevision.entity == CatalogEntity.SOURCE,
               or_(in_topic, CatalogRevision.source_id.in_(marked))).scalar_subquery(),
        select(Topic.created_at).where(Topic.id == topic_id).scalar_subquery(),
    )).one()
    found = _latest(row)
    if found is None:
        raise NotFound(_("No such topic."))
    return found
