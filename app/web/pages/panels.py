"""Chart models for a topic's measures, built from comparison entries: one colour per source
across every chart of a topic."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from app.charts.palette import assign_colors, resolve_colors
from app.charts.range import range_chart, range_chart_size
from app.charts.range_model import RangeChart, RangeInput
from app.charts.timeline import (
    OutlinedSeries,
    TimelineChart,
    TimelineOutline,
    TimelinePoint,
    TimelineSeries,
    describe_series,
    mark_order,
    timeline_chart,
    timeline_height,
)
from app.domain.comparison import LeftOut
from app.domain.vocabulary import Scope
from app.services.comparison import Entry, MeasureView, TopicView

# Each chart is drawn for a wide and a narrow screen; the page's stylesheet shows one.
WIDE, NARROW = 720, 360
NARROW_TIMELINE_HEIGHT = 260


@dataclass(frozen=True)
class Panel:
    view: MeasureView
    chart: RangeChart
    # The narrow chart is an image on a topic page, which needs only its size; an embed
    # draws it inline (measure_panels(..., draw_narrow=True)).
    narrow_size: tuple[int, int]
    # The timelines are images (chart_images): the page needs only their size, legend and
    # description, never their marks laid out.
    timeline: TimelineOutline
    timeline_narrow: TimelineOutline
    undated: int  # figures with no date at all, left off the timeline
    partial: int  # figures that are not totals, left off the timeline
    left_out: dict[int, LeftOut]  # id of an entry shown beside the comparison: why
    chart_narrow: RangeChart | None = None

    def left_out_because(self, entry: Entry) -> LeftOut | None:
        return self.left_out.get(id(entry))


def _range_input(entry: Entry, left_out: LeftOut | None = None) -> RangeInput:
    return RangeInput(
        label=entry.source.name,
        short_label=entry.source.short_name,
        low=entry.low,
        high=entry.high,
        best=entry.best,
        qualifier=entry.qualifier,
        value_label=entry.figure,
        date_label=entry.date_label,
        when=entry.when,
        kind=entry.source.kind,
        party_to_conflict=entry.party,
        derived=entry.derived,
        key=entry.source.slug,
        confidence=entry.confidence,
        left_out=left_out,
    )


def _range_inputs(view: MeasureView) -> list[RangeInput]:
    return [*(_range_input(e) for e in view.compared),
            *(_range_input(e, reason) for e, reason in view.beside)]


def measure_range_chart(view: MeasureView, colors: dict[str, str],
                        width: int = 720) -> RangeChart:
    return range_chart(_range_inputs(view), width=width, unit=view.measure.unit, colors=colors)


def _timeline_entries(view: MeasureView) -> dict[str, list[Entry]]:
    """Each source's totals on the timeline, by source, in the order timeline_series gives."""
    series: dict[str, list[Entry]] = {}
    for entry in sorted(view.timeline, key=Entry.sort_key):
        if entry.when is not None and entry.scope == Scope.TOTAL:
            series.setdefault(entry.source.slug, []).append(entry)
    return series


@dataclass(frozen=True)
class _Said:
    value_label: str
    date_label: str
    stated: bool


def timeline_outline(view: MeasureView, colors: dict[str, str], width: int,
                     height: int = 280) -> TimelineOutline:
    """What timeline_drawing would draw, without drawing it: its size, legend and
    description; only the figures the description names are written out."""
    series = _timeline_entries(view)
    palette = resolve_colors(list(series), colors)
    described = []
    for entries in series.values():
        marks = sorted(entries, key=lambda e: mark_order(e.when.value if e.when else
                                                         dt.date.min, e.low, e.high))
        # A page's view may hold only the marks the description names, and how many there are.
        count = (view.mark_counts.get(entries[-1].source.slug, len(marks))
                 if view.mark_counts is not None else len(marks))
        named = marks if count <= 3 else [marks[0], marks[-1]]
        described.append(describe_series(
            entries[-1].source.name, count,
            [_Said(e.figure, e.date_label, e.as_of is None) for e in named]))
    return TimelineOutline(
        width=width, height=timeline_height(len(series), height), empty=not series,
        series=tuple(OutlinedSeries(entries[-1].source.name, key, palette[key])
                     for key, entries in series.items()),
        description=" ".join(described))


def timeline_series(view: MeasureView) -> list[TimelineSeries]:
    """Each source's totals over time, placed by the date they refer to — or, without one,
    by the day they were stated (drawn hollow) — across the month or year known."""
    series: dict[str, list[TimelinePoint]] = {}
    sources: dict[str, Entry] = {}
    for entry in sorted(view.timeline, key=Entry.sort_key):
        when = entry.when
        if when is None or entry.scope != Scope.TOTAL:
            continue
        sources[entry.source.slug] = entry
        series.setdefault(entry.source.slug, []).append(TimelinePoint(
            when=when.value, until=None if when.precision == "day" else when.end(),
            stated=entry.as_of is None, low=entry.low, high=entry.high,
            value_label=entry.figure, date_label=entry.date_label,
        ))
    return [TimelineSeries(label=sources[k].source.name, key=k, points=v,
                           short_label=sources[k].source.short_name)
            for k, v in series.items()]


def range_drawing(view: TopicView, layout: str) -> RangeChart:
    """The one measure of `view` as a range chart for a wide or a narrow screen."""
    (m,) = view.measures
    return measure_range_chart(m, assign_colors(view.source_keys),
                               WIDE if layout == "wide" else NARROW)


def timeline_drawing(view: TopicView, layout: str) -> TimelineChart:
    """The one measure of `view` as a timeline for a wide or a narrow screen."""
    (m,) = view.measures
    colors = assign_colors(view.source_keys)
    if layout == "wide":
        return timeline_chart(timeline_series(m), unit=m.measure.unit, colors=colors,
                              width=WIDE)
    return timeline_chart(timeline_series(m), unit=m.measure.unit, colors=colors,
                          width=NARROW, height=NARROW_TIMELINE_HEIGHT)


def measure_panels(view: TopicView, *, draw_narrow: bool = False) -> list[Panel]:
    colors = assign_colors(view.source_keys)
    panels = []
    for m in view.measures:
        timeline = timeline_outline(m, colors, WIDE)
        narrow = measure_range_chart(m, colors, NARROW) if draw_narrow else None
        panels.append(Panel(
            view=m, chart=measure_range_chart(m, colors, WIDE), chart_narrow=narrow,
            narrow_size=(narrow.width, narrow.height) if narrow
            else range_chart_size(_range_inputs(m), width=NARROW),
            timeline=timeline, timeline_narrow=replace(
                timeline, width=NARROW,
                height=timeline_height(len(timeline.series), NARROW_TIMELINE_HEIGHT)),
            undated=m.undated, partial=m.partial,
            left_out={id(e): reason for e, reason in m.beside}))
    return panels
