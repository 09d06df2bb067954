"""A figure as a reader sees it (Entry): built from a stored estimate, from a revision's
snapshot (the records as they stood at a record point: services.recorded), or standing for
a source's figures of one period on a timeline (PeriodSummary); and a source's party status
within a topic."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.comparison import dated_by
from app.domain.dates import PartialDate, parse_optional_date, partial_date
from app.domain.figures import format_figure
from app.domain.numbers import format_number
from app.domain.vocabulary import Confidence, Scope
from app.i18n import get_locale, ngettext
from app.i18n import gettext as _
from app.models import Estimate, Source, TopicSource
from app.services.revisions import complete


@functools.lru_cache(maxsize=16_384)
def _figure(low: int | None, high: int | None, qualifier: str, best: int | None,
            locale: str) -> str:
    # A page writes each figure in its table, its charts and their descriptions: each is
    # formatted (and its shape checked) once per language. `locale` is the key; format_figure
    # writes in the current one.
    return format_figure(low, high, qualifier, best)


@dataclass(frozen=True)
class Entry:
    """One figure as a reader sees it: a stored estimate (possibly as it stood at a point)
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
        return _figure(self.low, self.high, self.qualifier, self.best, get_locale())

    @property
    def date_label(self) -> str:
        if self.as_of:
            return self.as_of.label()
        when = self.when
        return _("stated %(date)s", date=when.label()) if when else _("undated")

    def sort_key(self) -> tuple[Any, ...]:
        when = self.when
        return (when is not None, when.value if when else dt.date.min, self.recorded)


@dataclass(frozen=True)
class Period:
    """A calendar period of a timeline (a month, a quarter, a year…), first and last days."""

    first: dt.date
    last: dt.date
    text: str  # "January–June 2025"


@dataclass(frozen=True)
class PeriodSummary(Entry):
    """The latest of a source's dated totals of one period, drawn on a timeline for all of them
    when the source gave too many to draw each: its own figure and date, saying how many
    there were in the period and the least and the most any of them said."""

    count: int = 1
    least: int = 0
    most: int = 0
    period: Period | None = None

    @property
    def figure(self) -> str:
        own = super().figure
        if self.count == 1 or self.period is None:
            return own
        return ngettext("%(figure)s, the latest of %(count)s figure from %(least)s to %(most)s "
                        "in %(period)s",
                        "%(figure)s, the latest of %(count)s figures from %(least)s to %(most)s "
                        "in %(period)s", self.count, figure=own,
                        count=format_number(self.count), least=format_number(self.least),
                        most=format_number(self.most), period=self.period.text)


def earliest(dates: list[dt.date | None]) -> dt.date | None:
    return min((d for d in dates if d is not None), default=None)


def entry_of(e: Estimate, party: bool) -> Entry:
    """A stored estimate, its source and citations loaded."""
    return _entry(e, e.source, party,
                  published_on=earliest([c.published_on for c in e.citations]),
                  citations=tuple(e.citations))


def entry_of_row(r: Any, source: Source, party: bool) -> Entry:
    """A figure read as columns (listing.latest_figures), without its citations."""
    # Only what places it: the earliest publication, when it has no other date.
    placed = _day(r.placed) if r.as_of is None and r.stated_on is None else None
    return _entry(r, source, party, published_on=placed, citations=())


def _entry(e: Any, source: Source, party: bool, *, published_on: dt.date | None,
           citations: tuple[Any, ...]) -> Entry:
    """An estimate's columns (an ORM row or a column projection: the same names) as an entry."""
    return Entry(
        source=source, measure_id=e.measure_id, low=e.low, high=e.high, best=e.best,
        qualifier=e.qualifier, as_of=partial_date(e.as_of, e.as_of_precision),
        stated_on=partial_date(e.stated_on, e.stated_on_precision), party=party,
        scope=e.scope, scope_note=e.scope_note,
        period_start=partial_date(e.period_start, e.period_start_precision),
        period_end=partial_date(e.period_end, e.period_end_precision),
        confidence=e.confidence, confidence_note=e.confidence_note,
        published_on=published_on, estimate_id=e.id, claimant=e.claimant, notes=e.notes,
        citations=citations,
    )


def _day(value: Any) -> dt.date | None:
    # SQLite may hand back a date, typed by nothing, as ISO text.
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def entry_from_snapshot(snap: dict[str, Any], estimate_id: int, measure_id: int,
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
        published_on=earliest([dt.date.fromisoformat(c["published_on"]) for c in citations
                               if c.get("published_on")]),
        estimate_id=estimate_id, claimant=snap.get("claimant", ""),
        notes=snap.get("notes", ""), citations=tuple(citations),
    )


def topic_parties(session: Session, topic_ids: list[int]) -> dict[tuple[int, int], bool]:
    """The topics' own party marks, by (topic id, source id)."""
    rows = session.execute(select(TopicSource.topic_id, TopicSource.source_id,
                                  TopicSource.party_to_conflict)
                           .where(TopicSource.topic_id.in_(topic_ids))).all()
    return {(t, s): party for t, s, party in rows}


def party_of(parties: dict[tuple[int, int], bool], topic_id: int, source: Source) -> bool:
    """A source's party status within a topic: the topic's own mark, else its default."""
    return parties.get((topic_id, source.id), source.party_to_conflict)
