"""What a reader compares: per measure, the figures compared and those shown beside them (by
the rules of domain.comparison), derived sums, and every figure for the timeline and table —
now, or as the records stood on a past date."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, joinedload

from app.domain.comparison import (
    Choices,
    LeftOut,
    Span,
    dated_by,
    left_out_because,
    overlap_or_gap,
    select_claims,
    spread_sentence,
)
from app.domain.dates import PartialDate, parse_optional_date, partial_date
from app.domain.figures import format_figure
from app.domain.vocabulary import Confidence, Scope, Status
from app.models import Estimate, Measure, Revision, Source, Topic, TopicSource
from app.services import catalog, listing
from app.services.revisions import complete

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
    party: bool = False  # a party to the conflict in this topic
    scope: str = Scope.TOTAL.value
    scope_note: str = ""
    period_start: PartialDate | None = None
    period_end: PartialDate | None = None
    confidence: str = Confidence.REPORTED.value
    confidence_note: str = ""
    published_on: dt.date | None = None  # the earliest of its citations
    estimate_id: int | None = None
    claimant: str = ""
    notes: str = ""
    citations: tuple[Any, ...] = ()
    derived_from: tuple[Entry, ...] = ()
    derived_label: str = ""

    @property
    def source_key(self) -> str:
        return self.source.slug

    @property
    def label(self) -> str:
        return self.source.name

    @property
    def value_label(self) -> str:
        return self.figure

    @property
    def when(self) -> PartialDate | None:
        return dated_by(self.as_of, self.stated_on, self.published_on)

    @property
    def recorded(self) -> int:
        return self.estimate_id or 0

    @property
    def derived(self) -> bool:
        return bool(self.derived_from)

    @property
    def figure(self) -> str:
        return format_figure(self.low, self.high, self.qualifier, self.best)

    @property
    def date_label(self) -> str:
        if self.as_of:
            return self.as_of.label()
        when = self.when
        return f"stated {when.label()}" if when else "undated"

    def sort_key(self) -> tuple[Any, ...]:
        when = self.when
        return (when is not None, when.value if when else dt.date.min, self.recorded)


@dataclass
class MeasureView:
    measure: Measure
    compared: list[Entry] = field(default_factory=list)
    beside: list[tuple[Entry, LeftOut]] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)  # every figure in view, newest first

    @property
    def latest(self) -> list[Entry]:
        """Each source's latest figure of each scope: compared first, then those beside."""
        return [*self.compared, *(entry for entry, _ in self.beside)]

    @property
    def bands(self) -> tuple[Span | None, Span | None]:
        """Where the compared figures overlap, or the gap between them."""
        return overlap_or_gap(self.compared)

    @property
    def sentence(self) -> str:
        return spread_sentence(self.compared, *self.bands, beside=len(self.beside))


@dataclass
class TopicView:
    topic: Topic
    as_of: dt.date | None
    measures: list[MeasureView]
    choices: Choices = field(default_factory=Choices)

    @property
    def source_keys(self) -> list[str]:
        return sorted({e.source.slug for m in self.measures for e in [*m.entries, *m.latest]})


def _earliest(dates: list[dt.date | None]) -> dt.date | None:
    return min((d for d in dates if d is not None), default=None)


def _entry(e: Estimate, party: bool) -> Entry:
    return Entry(
        source=e.source, measure_id=e.measure_id, low=e.low, high=e.high, best=e.best,
        qualifier=e.qualifier, as_of=partial_date(e.as_of, e.as_of_precision),
        stated_on=partial_date(e.stated_on, e.stated_on_precision), party=party,
        scope=e.scope, scope_note=e.scope_note,
        period_start=partial_date(e.period_start, e.period_start_precision),
        period_end=partial_date(e.period_end, e.period_end_precision),
        confidence=e.confidence, confidence_note=e.confidence_note,
        published_on=_earliest([c.published_on for c in e.citations]), estimate_id=e.id,
        claimant=e.claimant, notes=e.notes, citations=tuple(e.citations),
    )


def _entry_from_snapshot(snap: dict[str, Any], estimate_id: int, measure_id: int,
                         source: Source, party: bool) -> Entry:
    snap = complete(snap)
    citations = snap.get("citations", [])
    return Entry(
        source=source, measure_id=measure_id, low=snap["low"], high=snap["high"],
        best=snap["best"], qualifier=snap["qualifier"], as_of=parse_optional_date(snap["as_of"]),
        stated_on=parse_optional_date(snap["stated_on"]), party=party, scope=snap["scope"],
        scope_note=snap["scope_note"], period_start=parse_optional_date(snap["period_start"]),
        period_end=parse_optional_date(snap["period_end"]), confidence=snap["confidence"],
        confidence_note=snap["confidence_note"],
        published_on=_earliest([dt.date.fromisoformat(c["published_on"]) for c in citations
                                if c.get("published_on")]),
        estimate_id=estimate_id, claimant=snap.get("claimant", ""),
        notes=snap.get("notes", ""), citations=tuple(citations),
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
    uncertain = any(p.confidence == Confidence.UNCERTAIN for p in parts)
    return Entry(
        source=first.source, measure_id=-1, low=low, high=high, best=None, qualifier=qualifier,
        as_of=first.as_of, stated_on=max((p.stated_on for p in parts if p.stated_on),
                                         default=None),
        party=first.party,
        confidence=Confidence.UNCERTAIN.value if uncertain else Confidence.REPORTED.value,
        confidence_note="a part is uncertain" if uncertain else "",
        derived_from=tuple(parts), derived_label=f"derived: {' + '.join(DERIVED_SUMS[total])}",
    )


def _latest_totals(view: MeasureView) -> dict[str, Entry]:
    """Each source's latest total in view that is not disputed."""
    found: dict[str, Entry] = {}
    for entry, reason in [*((e, None) for e in view.compared), *view.beside]:
        if entry.scope == Scope.TOTAL and entry.confidence != Confidence.DISPUTED and (
                reason is None or not reason.partial):
            found[entry.source.slug] = entry
    return found


def _add_derived(measures: list[MeasureView], choices: Choices) -> None:
    by_slug = {m.measure.slug: m for m in measures}
    for total, part_slugs in DERIVED_SUMS.items():
        target = by_slug.get(total)
        parts_views = [by_slug.get(slug) for slug in part_slugs]
        if target is None or any(v is None for v in parts_views):
            continue
        reporting_total = {e.source.slug for e in target.latest if e.scope == Scope.TOTAL}
        totals = [_latest_totals(v) for v in parts_views if v is not None]
        for slug in sorted(set.intersection(*(set(t) for t in totals)) - reporting_total):
            derived = derive_sum(total, [t[slug] for t in totals])
            if derived is None:
                continue
            derived = replace(derived, measure_id=target.measure.id)
            reason = left_out_because(derived, choices)
            if reason is None:
                target.compared.append(derived)
            else:
                target.beside.append((derived, reason))


def _fill(views: dict[int, MeasureView], entries: list[Entry], choices: Choices) -> None:
    for entry in entries:
        if choices.admits(entry):
            views[entry.measure_id].entries.append(entry)
    for view in views.values():
        view.entries.sort(key=Entry.sort_key, reverse=True)
        view.compared, view.beside = select_claims(view.entries, choices)


def _parties(session: Session, topic_ids: list[int]) -> dict[tuple[int, int], bool]:
    rows = session.execute(select(TopicSource.topic_id, TopicSource.source_id,
                                  TopicSource.party_to_conflict)
                           .where(TopicSource.topic_id.in_(topic_ids))).all()
    return {(t, s): party for t, s, party in rows}


def party_of(parties: dict[tuple[int, int], bool], topic_id: int, source: Source) -> bool:
    """A source's party status within a topic: the topic's own mark, else its default."""
    return parties.get((topic_id, source.id), source.party_to_conflict)


def topic_view(session: Session, slug: str, as_of: dt.date | None = None,
               choices: Choices = Choices()) -> TopicView:
    topic = catalog.get_topic(session, slug)
    views = {m.id: MeasureView(measure=m) for m in topic.measures}
    parties = _parties(session, [topic.id])
    if as_of is None:
        entries = [_entry(e, party_of(parties, topic.id, e.source))
                   for e in _topic_estimates(session, topic.id)]
    else:
        entries = _entries_as_of(session, topic.id, as_of, parties)
    _fill(views, entries, choices)
    measures = list(views.values())
    _add_derived(measures, choices)
    return TopicView(topic=topic, as_of=as_of, measures=measures, choices=choices)


def _topic_estimates(session: Session, topic_id: int) -> list[Estimate]:
    return list(session.scalars(
        select(Estimate)
        .join(Measure, Estimate.measure_id == Measure.id)
        .where(Measure.topic_id == topic_id, Estimate.status == Status.ACTIVE)
        .options(joinedload(Estimate.source), joinedload(Estimate.citations))
    ).unique())


def _entries_as_of(session: Session, topic_id: int, day: dt.date,
                   parties: dict[tuple[int, int], bool]) -> list[Entry]:
    """Each estimate as its last revision made by the end of `day` left it (or as first
    recorded, for figures entered later), keeping those active and dated on or before `day`
    (undated ones included)."""
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
        source = sources[source_id]
        entry = _entry_from_snapshot(snap, estimate_id, measure_id, source,
                                     party_of(parties, topic_id, source))
        when = entry.when
        if snap["status"] == Status.ACTIVE and (when is None or when.value <= day):
            entries.append(entry)
    return entries


def home_view(session: Session) -> list[TopicView]:
    """Every topic with each source's latest figures, in a constant number of queries."""
    topics = catalog.list_topics(session)
    latest = listing.latest_estimates(session)
    parties = _parties(session, [t.id for t in topics])
    views = []
    for topic in topics:
        measure_views = {m.id: MeasureView(measure=m) for m in topic.measures}
        entries = [_entry(e, party_of(parties, topic.id, e.source)) for e in latest
                   if e.measure_id in measure_views]
        _fill(measure_views, entries, Choices())
        measures = list(measure_views.values())
        _add_derived(measures, Choices())
        views.append(TopicView(topic=topic, as_of=None, measures=measures))
    return views
