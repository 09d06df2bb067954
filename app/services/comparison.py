"""What a reader compares: per measure, the figures compared and those shown beside them (by
the rules of domain.comparison), derived sums, the table's newest figures and the timeline's
marks — now, or as the records stood at a record point (services.recorded). A topic page and
an embed load only what they show (topic_overview, measure_view); the JSON twin every figure
(topic_view)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.domain.comparison import (
    Choices,
    LeftOut,
    Span,
    left_out_because,
    overlap_or_gap,
    select_claims,
    spread_sentence,
)
from app.domain.errors import NotFound
from app.domain.record_points import RecordPoint
from app.domain.vocabulary import Confidence, Scope, Status
from app.i18n import gettext as _
from app.models import Estimate, Measure, Source, Topic
from app.services import catalog, listing, marks, recorded
from app.services.entries import Entry as Entry
from app.services.entries import entry_of, entry_of_row, party_of, topic_parties
from app.services.parties import PartyStatus
from app.services.visibility import published

# A source that reports parts but no total is compared on the total through their sum.
DERIVED_SUMS = {"casualties": ("killed", "wounded")}
# A topic page's table shows each source's latest figures and this many of the newest others;
# the rest are a link away, on pages of their own.
RECENT = 10


@dataclass
class MeasureView:
    measure: Measure
    compared: list[Entry] = field(default_factory=list)
    beside: list[tuple[Entry, LeftOut]] = field(default_factory=list)
    # Every figure in view, newest first — but in a bounded view (the topic page, an embed)
    # only the timeline's marks: see `complete`.
    entries: list[Entry] = field(default_factory=list)
    # The table: each source's latest stored figure of each scope (the same objects as in
    # compared and beside) and the RECENT newest others, newest first.
    recent: list[Entry] = field(default_factory=list)
    # The timeline's marks: each dated total, or PeriodSummary marks for a source with many.
    timeline: list[Entry] = field(default_factory=list)
    total_figures: int = 0  # stored figures in view
    undated: int = 0  # of those, with no date at all (never on the timeline)
    partial: int = 0  # of those, not totals (never on the timeline)
    complete: bool = True  # whether `entries` holds every figure in view
    # Of each source on the timeline (by slug), how many marks it draws — where `timeline`
    # holds only those a description names (topic_overview(..., outlines=True)); else None.
    mark_counts: dict[str, int] | None = None

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

    @property
    def hidden_figures(self) -> int:
        """Stored figures in view that the table (recent) leaves to the pages of all figures."""
        return self.total_figures - len(self.recent)


@dataclass
class TopicView:
    topic: Topic
    recorded: RecordPoint | None  # None: the records as they are now
    measures: list[MeasureView]
    choices: Choices = field(default_factory=Choices)
    # Sources of measures left out of this view (an embed shows one), so that each source
    # keeps the colour it has on the topic page.
    other_source_keys: frozenset[str] = frozenset()
    # The time of the latest change the view includes (None where not needed: a chart): a
    # view recorded at that time is this view, so "Cite this comparison" freezes it.
    last_change: dt.datetime | None = None
    # As a view is recorded: the sources in the topic then, with their party status.
    sources: list[PartyStatus] | None = None

    @property
    def as_of(self) -> dt.date | None:
        """The UTC day of the record point."""
        return self.recorded.day if self.recorded else None

    @property
    def cite_point(self) -> RecordPoint | None:
        """The exact record point that reproduces this view."""
        return RecordPoint.at_time(self.last_change) if self.last_change else None

    @property
    def source_keys(self) -> list[str]:
        return sorted({e.source.slug for m in self.measures for e in [*m.entries, *m.latest]}
                      | self.other_source_keys)


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
        derived_from=tuple(parts), derived_label=_("derived: %(parts)s",
                                                   parts=" + ".join(DERIVED_SUMS[total])),
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


def _summarise(view: MeasureView, recent: int) -> None:
    """The table's and the timeline's figures, from every figure in view (held in memory)."""
    latest = [e for e in view.latest if not e.derived]
    shown = {id(e) for e in latest}
    others = [e for e in view.entries if id(e) not in shown][:recent]
    view.recent = sorted([*latest, *others], key=Entry.sort_key, reverse=True)
    view.timeline = marks.timeline_of(view.entries)
    view.total_figures = len(view.entries)
    view.undated = sum(1 for e in view.entries if e.when is None)
    view.partial = sum(1 for e in view.entries if e.scope != Scope.TOTAL)


def topic_view(session: Session, slug: str, at: RecordPoint | None = None,
               choices: Choices = Choices(), recent: int = RECENT) -> TopicView:
    """Every figure of the topic in view (for the JSON twin), and the table's and the
    timeline's share of them; now, or as recorded at a point."""
    sources = None
    if at is None:
        topic = catalog.get_topic(session, slug)
        parties = topic_parties(session, [topic.id])
        entries = [entry_of(e, party_of(parties, topic.id, e.source))
                   for e in _topic_estimates(session, topic.id)]
        last_change = recorded.last_change(session, topic.id)
    else:
        then = recorded.topic_at(session, slug, at)
        topic, entries, sources, last_change = (then.topic, then.entries, then.sources,
                                                then.last_change)
    views = {m.id: MeasureView(measure=m) for m in topic.measures}
    _fill(views, entries, choices)
    for view in views.values():
        _summarise(view, recent)
    measures = list(views.values())
    _add_derived(measures, choices)
    return TopicView(topic=topic, recorded=at, measures=measures, choices=choices,
                     last_change=last_change, sources=sources)


def topic_overview(session: Session, slug: str, at: RecordPoint | None = None,
                   choices: Choices = Choices(), recent: int = RECENT, *,
                   timelines: bool = True, outlines: bool = False) -> TopicView:
    """What a topic page shows, loading only that in a constant number of queries: per
    measure, each source's latest figures (compared or beside), the `recent` newest others,
    the timeline's marks, and counts. `entries` holds the timeline's marks only — none
    without `timelines` (the JSON twin lists no marks, and counting is cheaper than them).
    With `outlines` only the marks a timeline's description names, and how many each source
    draws (`mark_counts`): a page that shows its timelines as images needs no more.

    As recorded at a point the figures are rebuilt from revision snapshots in memory (what a
    figure said then is only there), so that path reads the whole topic; it shows as much."""
    if at is not None:
        past = topic_view(session, slug, at, choices, recent)
        for m in past.measures:
            m.entries, m.complete = m.timeline, False
        return past
    topic = catalog.get_topic(session, slug)
    views = {m.id: MeasureView(measure=m, complete=False) for m in topic.measures}
    parties = topic_parties(session, [topic.id])
    where = listing.in_view(choices)
    _fill(views, [entry_of(e, party_of(parties, topic.id, e.source))
                  for e in listing.shown_estimates(session, topic.id, recent, *where)], choices)
    sources = {e.source.id: e.source for v in views.values() for e in v.entries}
    drawn: dict[int, list[Entry]] = {}
    mark_counts: dict[int, dict[str, int]] | None = None

    def party(source: Source) -> bool:
        return party_of(parties, topic.id, source)

    if timelines and outlines:
        drawn, counts, per_series = marks.outlines_in_topic(session, topic.id, tuple(where),
                                                            sources, party)
        mark_counts = {m: {} for m in views}
        for (measure_id, source_id), count in per_series.items():
            if source_id in sources:
                mark_counts[measure_id][sources[source_id].slug] = count
    elif timelines:
        drawn, counts = marks.timelines_in_topic(session, topic.id, tuple(where), sources,
                                                 party)
    else:
        counts = marks.counts_in_topic(session, topic.id, tuple(where))
    for measure_id, view in views.items():
        # What was loaded is exactly each source's latest of each scope and the newest others.
        view.recent = view.entries
        found = counts.get(measure_id, marks.Counts())
        view.total_figures, view.undated, view.partial = (found.figures, found.undated,
                                                          found.partial)
        view.timeline = view.entries = drawn.get(measure_id, [])
        view.mark_counts = mark_counts.get(measure_id, {}) if mark_counts is not None else None
    measures = list(views.values())
    _add_derived(measures, choices)
    return TopicView(topic=topic, recorded=None, measures=measures, choices=choices,
                     last_change=recorded.last_change(session, topic.id))


def measure_view(session: Session, slug: str, measure: str, choices: Choices = Choices(),
                 at: RecordPoint | None = None, timeline: bool = False) -> TopicView:
    """One measure's comparison, for an embed or a chart drawn on its own: each source's
    latest figures, no table, and the timeline's marks only when asked. The other measures'
    latest figures are loaded too (one query, bounded by the number of sources): a derived sum
    needs its parts, and the colours need every source."""
    if at is not None:
        return _one_measure(topic_overview(session, slug, at, choices, recent=0), measure)
    topic = catalog.get_topic(session, slug)
    views = {m.id: MeasureView(measure=m, complete=False) for m in topic.measures}
    wanted = _wanted(views.values(), slug, measure)
    parties = topic_parties(session, [topic.id])
    where = listing.in_view(choices)
    _fill(views, [entry_of(e, party_of(parties, topic.id, e.source)) for e in
                  listing.shown_estimates(session, topic.id, 0, *where)], choices)
    sources = {e.source.id: e.source for v in views.values() for e in v.entries}
    measures = list(views.values())
    _add_derived(measures, choices)
    others = frozenset(e.source.slug for m in measures if m is not wanted for e in m.latest)
    wanted.entries = []
    if timeline:
        # The same marks as the topic page draws: the plan is made per measure.
        timelines, counts = marks.timelines_in_topic(
            session, topic.id, (*where, Estimate.measure_id == wanted.measure.id), sources,
            lambda source: party_of(parties, topic.id, source))
        found = counts.get(wanted.measure.id, marks.Counts())
        wanted.total_figures, wanted.undated, wanted.partial = (found.figures, found.undated,
                                                                found.partial)
        wanted.timeline = wanted.entries = timelines.get(wanted.measure.id, [])
    return TopicView(topic=topic, recorded=None, measures=[wanted], choices=choices,
                     other_source_keys=others)


def _wanted(views: Iterable[MeasureView], slug: str, measure: str) -> MeasureView:
    found = next((v for v in views if v.measure.slug == measure), None)
    if found is None:
        raise NotFound(_("Topic “%(topic)s” has no measure “%(measure)s”.", topic=slug,
                         measure=measure))
    return found


def _one_measure(view: TopicView, measure: str) -> TopicView:
    wanted = _wanted(view.measures, view.topic.slug, measure)
    others = frozenset(e.source.slug for m in view.measures if m is not wanted
                       for e in [*m.entries, *m.latest])
    return TopicView(topic=view.topic, recorded=view.recorded, measures=[wanted],
                     choices=view.choices, other_source_keys=others,
                     last_change=view.last_change, sources=view.sources)


def _topic_estimates(session: Session, topic_id: int) -> list[Estimate]:
    return list(session.scalars(
        select(Estimate)
        .join(Measure, Estimate.measure_id == Measure.id)
        .where(Measure.topic_id == topic_id, Estimate.status == Status.ACTIVE, published())
        .options(joinedload(Estimate.source), joinedload(Estimate.citations))
    ).unique())


def home_view(session: Session, limit: int) -> tuple[list[TopicView], bool]:
    """The first `limit` topics with each source's latest figures (without citations), in a
    constant number of queries; only theirs are loaded. And whether there are more topics."""
    every = catalog.list_topics(session)
    topics = every[:limit]
    rows, sources = listing.latest_figures(session, [m.id for t in topics for m in t.measures])
    parties = topic_parties(session, [t.id for t in topics])
    by_measure: dict[int, list[Any]] = {}
    for row in rows:
        by_measure.setdefault(row.measure_id, []).append(row)
    views = []
    for topic in topics:
        measure_views = {m.id: MeasureView(measure=m) for m in topic.measures}
        entries = [entry_of_row(r, sources[r.source_id],
                                party_of(parties, topic.id, sources[r.source_id]))
                   for m in topic.measures for r in by_measure.get(m.id, [])]
        _fill(measure_views, entries, Choices())
        measures = list(measure_views.values())
        _add_derived(measures, Choices())
        views.append(TopicView(topic=topic, recorded=None, measures=measures))
    return views, len(every) > limit
