"""A measure's timeline, bounded: each source's dated totals (placed by the date of
domain.comparison.dated_by) are drawn one by one when it gave few; else, per calendar period (a
month, a quarter, a half year…), only the latest of them, at its own date and saying how many
there were and their spread — so a chart grows with its sources and its span of time, never
with the number of figures, and a source's revisions up or down still show. Counted per month
in SQL for a topic page, or from figures in memory (a past date); both go through the same
plan, so they draw the same marks."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    case,
    cast,
    extract,
    false,
    func,
    literal,
    or_,
    select,
    tuple_,
)
from sqlalchemy.orm import Session

from app.domain.dates import PartialDate, partial_date
from app.domain.vocabulary import Scope, Status
from app.i18n import format_month, gettext, month_name
from app.models import Estimate, Measure, Source
from app.services import listing
from app.services.entries import Entry, Period, PeriodSummary
from app.services.visibility import published

# A chart's marks are shared among its sources, each getting at least the minimum: a chart of
# 20 sources over three years draws each by the half year (6 marks, 120 in all), one of 3
# sources each by the month. A mark weighs some 100 bytes of a timeline image.
MARKS_PER_CHART = 120
MARKS_PER_SOURCE = 60
MIN_MARKS_PER_SOURCE = 4
# Months per mark, the smallest that fits; each divides a year or is whole years, so periods
# follow the calendar.
PERIOD_MONTHS = (1, 2, 3, 6, 12, 24, 60, 120, 600)

Series = tuple[int, int]  # (measure id, source id)


@dataclass(frozen=True)
class Month:
    """A source's dated totals of one calendar month — or of one year, for figures known only
    to the year: how many there are, the least and the most any of them says, and which is the
    latest (by the date it is placed by, then the later-recorded)."""

    measure_id: int
    source_id: int
    year: int
    month: int  # 1–12; 0 for figures known only to the year
    count: int
    least: int
    most: int
    latest: tuple[int, int]  # (the latest's placing date as an ordinal, its estimate id)

    @property
    def start(self) -> int:
        """Months since the start of year 0."""
        return self.year * 12 + max(self.month, 1) - 1


def limit_per_source(sources: int) -> int:
    return max(MIN_MARKS_PER_SOURCE, min(MARKS_PER_SOURCE, MARKS_PER_CHART // max(sources, 1)))


def _periods(months: list[Month], span: int) -> dict[tuple[int, int], list[Month]]:
    """The months grouped by calendar periods of `span` months, keyed (first month, span).
    Figures known only to a year count with its first period, where the rule of the latest
    figure places them too (each mark is drawn at its own figure's date)."""
    grouped: dict[tuple[int, int], list[Month]] = {}
    for m in months:
        grouped.setdefault((m.start // span * span, span), []).append(m)
    return grouped


def plan(months: Iterable[Month]) -> tuple[set[Series], dict[Series, dict[tuple[int, int],
                                                                           list[Month]]]]:
    """Which series are drawn figure by figure, and the periods of the others."""
    series: dict[Series, list[Month]] = {}
    for m in months:
        series.setdefault((m.measure_id, m.source_id), []).append(m)
    per_measure: dict[int, int] = {}
    for measure_id, _ in series:
        per_measure[measure_id] = per_measure.get(measure_id, 0) + 1
    each: set[Series] = set()
    summarised: dict[Series, dict[tuple[int, int], list[Month]]] = {}
    for key, found in series.items():
        limit = limit_per_source(per_measure[key[0]])
        if sum(m.count for m in found) <= limit:
            each.add(key)
            continue
        starts = {m.start for m in found}
        for span in PERIOD_MONTHS:
            if len({start // span for start in starts}) <= limit:
                break
        summarised[key] = _periods(found, span)
    return each, summarised


def _period(first: int, span: int) -> Period:
    year, month = divmod(first, 12)
    last_year, last_month = divmod(first + span - 1, 12)
    last = calendar.monthrange(last_year, last_month + 1)[1]
    if span == 1:
        text = format_month(dt.date(year, month + 1, 1))
    elif span < 12:
        text = gettext("%(first)s–%(last)s %(year)s", first=month_name(month + 1),
                       last=month_name(last_month + 1), year=year)
    else:
        text = str(year) if span == 12 else f"{year}–{last_year}"
    return Period(dt.date(year, month + 1, 1), dt.date(last_year, last_month + 1, last), text)


_ENTRY_FIELDS = tuple(f.name for f in fields(Entry))


def summary(latest: Entry, period: tuple[int, int], months: list[Month]) -> PeriodSummary:
    """One mark for a source's figures of a period: the latest of them, where it belongs (the
    source's last word then, so revisions up or down still show), saying how many there were
    and the least and the most any of them said."""
    return PeriodSummary(
        **{name: getattr(latest, name) for name in _ENTRY_FIELDS},
        count=sum(m.count for m in months), least=min(m.least for m in months),
        most=max(m.most for m in months), period=_period(*period))


def _latest(months: list[Month]) -> int:
    """The estimate id of the latest figure of these months."""
    return max(m.latest for m in months)[1]


def _drawn(entry: Entry) -> PartialDate | None:
    """Where a figure is placed on the timeline; None: not drawn (undated, or not a total)."""
    return entry.when if entry.scope == Scope.TOTAL else None


def months_of(entries: Iterable[Entry]) -> list[Month]:
    """The months of figures in memory, as the SQL of tally counts them."""
    grouped: dict[tuple[int, int, int, int], list[Entry]] = {}
    for e in entries:
        when = _drawn(e)
        if when is not None:
            month = 0 if when.precision == "year" else when.value.month
            grouped.setdefault((e.measure_id, e.source.id, when.value.year, month),
                               []).append(e)
    months = []
    for (measure_id, source_id, year, month), found in grouped.items():
        bounds = [x for e in found for x in (e.low, e.high) if x is not None]
        months.append(Month(
            measure_id=measure_id, source_id=source_id, year=year, month=month,
            count=len(found), least=min(bounds), most=max(bounds),
            latest=max((_placed(e).toordinal(), e.recorded) for e in found)))
    return months


def _placed(entry: Entry) -> dt.date:
    when = entry.when
    assert when is not None
    return when.value


def timeline_of(entries: list[Entry]) -> list[Entry]:
    """One measure's timeline from every figure in view, held in memory."""
    each, summarised = plan(months_of(entries))
    by_id = {e.recorded: e for e in entries}
    drawn: list[Entry] = [e for e in entries
                          if _drawn(e) is not None and (e.measure_id, e.source.id) in each]
    drawn.extend(summary(by_id[_latest(found)], period, found)
                 for periods in summarised.values() for period, found in periods.items())
    return sorted(drawn, key=Entry.sort_key)


# ---- in SQL, for a whole topic -------------------------------------------------------------

def _drawn_in_topic(topic_id: int, where: tuple[ColumnElement[bool], ...]
                    ) -> list[ColumnElement[bool]]:
    return [Measure.topic_id == topic_id, Estimate.status == Status.ACTIVE, published(),
            Estimate.scope == Scope.TOTAL.value, listing.dated().is_not(None), *where]


@dataclass
class Counts:
    """Per measure: its stored figures in view, those with no date at all, those not totals."""

    figures: int = 0
    undated: int = 0
    partial: int = 0


# A figure's place (in days since 1970) and its id packed in one number whose max() is the
# latest figure of a group: no window function (a sort of every figure) is needed to find it.
_ID_SPAN = 2**31


def tally(session: Session, topic_id: int, *where: ColumnElement[bool]
          ) -> tuple[list[Month], dict[int, Counts]]:
    """In one scan of the topic's figures in view: each source's dated totals per month (or
    year) and measure, with the latest of each, and each measure's counts."""
    placed = listing.dated()
    year = cast(extract("year", placed), Integer).label("year")  # NULL when undated
    month = case((listing.dated_precision() == "year", 0),
                 else_=cast(extract("month", placed), Integer)).label("month")
    total = case((Estimate.scope == Scope.TOTAL.value, 1), else_=0).label("total")
    # Days, not seconds: seconds of dates as early as 1800 times the id span would overflow.
    days = cast(extract("epoch", placed), BigInteger) // 86_400
    latest = (days * literal(_ID_SPAN, BigInteger) + Estimate.id).label("latest")
    # The topic's measures as a list, not a join: each measure's figures are then read from
    # the index that holds every column used here (ix_estimates_latest), not from their rows.
    measures = select(Measure.id).where(Measure.topic_id == topic_id)
    # Grouped by the columns of a subquery: PostgreSQL would not match the bound parameters
    # of an expression in GROUP BY with those in the select list.
    figures = (select(Estimate.id, Estimate.measure_id, Estimate.source_id, Estimate.low,
                      Estimate.high, total, year, month, latest)
               .where(Estimate.measure_id.in_(measures), Estimate.status == Status.ACTIVE,
                      published(), *where)
               .subquery())
    c = figures.c
    rows = session.execute(
        select(c.measure_id, c.source_id, c.total, c.year, c.month, func.count(),
               func.min(c.low), func.min(c.high), func.max(c.low), func.max(c.high),
               func.max(c.latest))
        .group_by(c.measure_id, c.source_id, c.total, c.year, c.month)
    ).all()
    months: list[Month] = []
    counts: dict[int, Counts] = {}
    # A topic page reads a row per source, measure and month: unpacked once, not indexed.
    for (measure_id, source_id, is_total, year, month_, n, min_low, min_high, max_low,
         max_high, last) in rows:
        found = counts.setdefault(measure_id, Counts())
        found.figures += n
        if year is None:
            found.undated += n
        if not is_total:
            found.partial += n
        elif year is not None:
            days_since, estimate_id = divmod(int(last), _ID_SPAN)
            months.append(Month(
                measure_id=measure_id, source_id=source_id, year=int(year), month=int(month_),
                count=n,
                least=min_low if min_high is None else min_high if min_low is None
                else min(min_low, min_high),
                most=max_low if max_high is None else max_high if max_low is None
                else max(max_low, max_high),
                latest=(_EPOCH_ORDINAL + days_since, estimate_id)))
    return months, counts


_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()


def counts_in_topic(session: Session, topic_id: int, where: tuple[ColumnElement[bool], ...]
                    ) -> dict[int, Counts]:
    """Each measure's counts alone, in one query: for a view that draws no timeline."""
    undated = case((listing.dated().is_(None), 1), else_=0)
    partial = case((Estimate.scope == Scope.TOTAL.value, 0), else_=1)
    rows = session.execute(
        select(Estimate.measure_id, func.count(), func.sum(undated), func.sum(partial))
        .join(Measure, Estimate.measure_id == Measure.id)
        .where(Measure.topic_id == topic_id, Estimate.status == Status.ACTIVE, published(),
               *where)
        .group_by(Estimate.measure_id)).all()
    return {r[0]: Counts(figures=r[1], undated=int(r[2] or 0), partial=int(r[3] or 0))
            for r in rows}


def timelines_in_topic(session: Session, topic_id: int, where: tuple[ColumnElement[bool], ...],
                       sources: dict[int, Source], party: Callable[[Source], bool],
                       ) -> tuple[dict[int, list[Entry]], dict[int, Counts]]:
    """Every measure's timeline and counts in two queries: the tally, then the figures drawn
    (with what the timeline shows of them, not their citations) — every figure of the sources
    drawn one by one, and the latest of each period of the others. `sources` has every source
    with a dated total in view: each has a latest total."""
    timelines, counts, _marks = _in_topic(session, topic_id, where, sources, party,
                                          ends_only=False)
    return timelines, counts


def outlines_in_topic(session: Session, topic_id: int, where: tuple[ColumnElement[bool], ...],
                      sources: dict[int, Source], party: Callable[[Source], bool],
                      ) -> tuple[dict[int, list[Entry]], dict[int, Counts], dict[Series, int]]:
    """What a page says of timelines it shows as images, in the same two queries: of each
    source summarised by periods only the marks of its first and last period (all of them
    when it has at most three) — what a description names — and how many marks each source
    draws. The timelines hold each source's first mark, so their sources come in the order
    of the drawing."""
    return _in_topic(session, topic_id, where, sources, party, ends_only=True)


def _in_topic(session: Session, topic_id: int, where: tuple[ColumnElement[bool], ...],
              sources: dict[int, Source], party: Callable[[Source], bool], *, ends_only: bool
              ) -> tuple[dict[int, list[Entry]], dict[int, Counts], dict[Series, int]]:
    months, counts = tally(session, topic_id, *where)
    each, summarised = plan(months)
    drawn = {key: sum(m.count for m in found) for key, found in _by_series(months).items()
             if key in each}
    periods: dict[int, tuple[tuple[int, int], list[Month]]] = {}
    for key, by_period in summarised.items():
        drawn[key] = len(by_period)
        named = sorted(by_period)
        if ends_only and len(named) > 3:
            named = [named[0], named[-1]]
        for period in named:
            periods[_latest(by_period[period])] = (period, by_period[period])
    pairs = sorted(each)
    # Always run, even with nothing to fetch, so that a page's number of queries never changes.
    chosen = or_(tuple_(Estimate.measure_id, Estimate.source_id).in_(pairs) if pairs
                 else false(), Estimate.id.in_(sorted(periods)) if periods else false())
    rows = session.execute(
        select(Estimate.id, Estimate.measure_id, Estimate.source_id, Estimate.low,
               Estimate.high, Estimate.best, Estimate.qualifier, Estimate.as_of,
               Estimate.as_of_precision, Estimate.stated_on, Estimate.stated_on_precision,
               Estimate.confidence, Estimate.confidence_note, listing.dated().label("placed"))
        .join(Measure, Estimate.measure_id == Measure.id)
        .where(*_drawn_in_topic(topic_id, where), chosen)
    ).all()
    timelines: dict[int, list[Entry]] = {}
    for r in rows:
        source = sources.get(r.source_id)
        if source is None:
            continue
        entry = Entry(
            source=source, measure_id=r.measure_id, low=r.low, high=r.high, best=r.best,
            qualifier=r.qualifier, as_of=partial_date(r.as_of, r.as_of_precision),
            stated_on=partial_date(r.stated_on, r.stated_on_precision), party=party(source),
            confidence=r.confidence, confidence_note=r.confidence_note, estimate_id=r.id,
            # Only what places it: the earliest publication, when it has no other date.
            published_on=_date(r.placed) if r.as_of is None and r.stated_on is None else None)
        if r.id in periods:
            entry = summary(entry, *periods[r.id])
        timelines.setdefault(r.measure_id, []).append(entry)
    return ({m: sorted(found, key=Entry.sort_key) for m, found in timelines.items()}, counts,
            drawn)


def _by_series(months: Iterable[Month]) -> dict[Series, list[Month]]:
    series: dict[Series, list[Month]] = {}
    for m in months:
        series.setdefault((m.measure_id, m.source_id), []).append(m)
    return series


def _date(value: Any) -> Any:
    # SQLite hands back a coalesce() of dates, typed by nothing, as ISO text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value
