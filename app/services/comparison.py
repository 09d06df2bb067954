"""What a reader compares: per measure, each source's latest figure (plus derived sums), all
estimates for the timeline and table — now, or as the comparison stood on a past date."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from app.domain.dates import PartialDate, parse_optional_date, partial_date
from app.domain.figures import format_figure
from app.domain.vocabulary import Status
from app.models import Estimate, Measure, Revision, Source, Topic
from app.services import catalog, listing

# A source that reports parts but no total is compared on the total through their sum.
DERIVED_SUMS = {"casualties": ("killed", "wounded")}


@dataclass(frozen=True)
class Entry:
    """One figure as a reader sees it: a stored estimate (possibly as it stood on a past date)
    or a sum Reckon derived from a source's parts."""

    source: Source
    measure_id: int
    low: int | None
    high: int | None
    best: int | None
    qualifier: str
    as_of: PartialDate | None
    stated_on: PartialDate | None
    estimate_id: int | None = None
    claimant: str = ""
    notes: str = ""
    citations: tuple[Any, ...] = ()
    derived_from: tuple[Entry, ...] = ()
    derived_label: str = ""

    @property
    def derived(self) -> bool:
        return bool(self.derived_from)

    @property
    def figure(self) -> str:
        return format_figure(self.low, self.high, self.qualifier, self.best)

    @property
    def date_label(self) -> str:
        return self.as_of.label() if self.as_of else "undated"

    def sort_key(self) -> tuple[Any, ...]:
        return (self.as_of is not None, self.as_of.value if self.as_of else dt.date.min,
                self.stated_on.value if self.stated_on else dt.date.min, self.estimate_id or 0)


@dataclass
class MeasureView:
    measure: Measure
    latest: list[Entry] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)  # every estimate, newest first


@dataclass
class TopicView:
    topic: Topic
    as_of: dt.date | None
    measures: list[MeasureView]

    @property
    def source_keys(self) -> list[str]:
        return sorted({e.source.slug for m in self.measures for e in m.entries})


def _entry(e: Estimate) -> Entry:
    return Entry(
        source=e.source, measure_id=e.measure_id, low=e.low, high=e.high, best=e.best,
        qualifier=e.qualifier, as_of=partial_date(e.as_of, e.as_of_precision),
        stated_on=partial_date(e.stated_on, e.stated_on_precision), estimate_id=e.id,
        claimant=e.claimant, notes=e.notes, citations=tuple(e.citations),
    )


def _entry_from_snapshot(
    snap: dict[str, Any], estimate_id: int, measure_id: int, source: Source
) -> Entry:
    return Entry(
        source=source, measure_id=measure_id, low=snap["low"], high=snap["high"],
        best=snap["best"], qualifier=snap["qualifier"], as_of=parse_optional_date(snap["as_of"]),
        stated_on=parse_optional_date(snap["stated_on"]), estimate_id=estimate_id,
        claimant=snap.get("claimant", ""), notes=snap.get("notes", ""),
        citations=tuple(snap.get("citations", [])),
    )


def derive_sum(total: str, parts: list[Entry]) -> Entry | None:
    """low+low and high+high of parts given by one source for the same date."""
    dates = {p.as_of.iso() if p.as_of else None for p in parts}
    if len(dates) != 1 or None in dates:
        return None
    lows = [p.low for p in parts]
    highs = [p.high for p in parts]
    low = None if None in lows else sum(x for x in lows if x is not None)
    high = None if None in highs else sum(x for x in highs if x is not None)
    if low is None and high is None:
        return None
    if low is None:
        qualifier = "up_to"
    elif high is None:
        qualifier = "at_least"
    elif low == high:
        qualifier = "exact" if all(p.qualifier == "exact" for p in parts) else "about"
    else:
        qualifier = "between"
    first = parts[0]
    return Entry(
        source=first.source, measure_id=-1, low=low, high=high, best=None, qualifier=qualifier,
        as_of=first.as_of, stated_on=max((p.stated_on for p in parts if p.stated_on),
                                         default=None),
        derived_from=tuple(parts), derived_label=f"derived: {' + '.join(DERIVED_SUMS[total])}",
    )


def _add_derived(measures: list[MeasureView]) -> None:
    by_slug = {m.measure.slug: m for m in measures}
    for total, part_slugs in DERIVED_SUMS.items():
        target = by_slug.get(total)
        parts_views = [by_slug.get(slug) for slug in part_slugs]
        if target is None or any(v is None for v in parts_views):
            continue
        reporting_total = {e.source.slug for e in target.latest}
        per_source: dict[str, list[Entry]] = defaultdict(list)
        for view in parts_views:
            assert view is not None
            for entry in view.latest:
                per_source[entry.source.slug].append(entry)
        for slug, parts in sorted(per_source.items()):
            if slug in reporting_total or len(parts) != len(part_slugs):
                continue
            derived = derive_sum(total, parts)
            if derived is not None:
                target.latest.append(
                    Entry(**{**derived.__dict__, "measure_id": target.measure.id})
                )


def _latest_by_source(entries: list[Entry]) -> list[Entry]:
    best: dict[str, Entry] = {}
    for entry in entries:
        known = best.get(entry.source.slug)
        if known is None or entry.sort_key() > known.sort_key():
            best[entry.source.slug] = entry
    return list(best.values())


def topic_view(session: Session, slug: str, as_of: dt.date | None = None) -> TopicView:
    topic = catalog.get_topic(session, slug)
    views = {m.id: MeasureView(measure=m) for m in topic.measures}
    if as_of is None:
        latest = listing.latest_estimate_ids(session, topic.id)
        for e in _topic_estimates(session, topic.id):
            entry = _entry(e)
            views[e.measure_id].entries.append(entry)
            if e.id in latest:
                views[e.measure_id].latest.append(entry)
    else:
        entries = _entries_as_of(session, topic.id, as_of)
        for entry in entries:
            views[entry.measure_id].entries.append(entry)
        for view in views.values():
            view.latest = _latest_by_source(view.entries)
    for view in views.values():
        view.entries.sort(key=Entry.sort_key, reverse=True)
    measures = list(views.values())
    _add_derived(measures)
    return TopicView(topic=topic, as_of=as_of, measures=measures)


def _topic_estimates(session: Session, topic_id: int) -> list[Estimate]:
    return list(session.scalars(
        select(Estimate)
        .join(Measure, Estimate.measure_id == Measure.id)
        .where(Measure.topic_id == topic_id, Estimate.status == Status.ACTIVE)
        .options(joinedload(Estimate.source), joinedload(Estimate.citations))
    ).unique())


def _entries_as_of(session: Session, topic_id: int, day: dt.date) -> list[Entry]:
    """Each estimate as its last revision made by the end of `day` left it (or as first
    recorded, for figures entered later), keeping those active and dated on or before `day`."""
    cutoff = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    pick = func.row_number().over(
        partition_by=Revision.estimate_id,
        order_by=case((Revision.created_at < cutoff, Revision.number),
                      else_=-Revision.number).desc(),
    ).label("pick")
    ranked = (
        select(Revision.id, pick)
        .join(Estimate, Revision.estimate_id == Estimate.id)
        .join(Measure, Estimate.measure_id == Measure.id)
        .where(Measure.topic_id == topic_id)
        .subquery()
    )
    rows = session.execute(
        select(Revision.estimate_id, Revision.after, Estimate.measure_id, Estimate.source_id)
        .join(Estimate, Revision.estimate_id == Estimate.id)
        .where(Revision.id.in_(select(ranked.c.id).where(ranked.c.pick == 1)))
    ).all()
    sources = {s.id: s for s in session.scalars(
        select(Source).where(Source.id.in_({r.source_id for r in rows}))
    )} if rows else {}
    entries = []
    for estimate_id, snap, measure_id, source_id in rows:
        entry = _entry_from_snapshot(snap, estimate_id, measure_id, sources[source_id])
        if snap["status"] == Status.ACTIVE and entry.as_of is not None and entry.as_of.value <= day:
            entries.append(entry)
    return entries


def home_view(session: Session) -> list[TopicView]:
    """Every topic with each source's latest figures, in a constant number of queries."""
    topics = catalog.list_topics(session)
    latest = listing.latest_estimates(session)
    views = []
    for topic in topics:
        measure_views = {m.id: MeasureView(measure=m) for m in topic.measures}
        for e in latest:
            if e.measure_id in measure_views:
                measure_views[e.measure_id].latest.append(_entry(e))
        measures = list(measure_views.values())
        _add_derived(measures)
        views.append(TopicView(topic=topic, as_of=None, measures=measures))
    return views
