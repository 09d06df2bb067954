"""Chart models for a topic's measures, built from comparison entries: one colour per source
across every chart of a topic."""

from __future__ import annotations

from dataclasses import dataclass

from app.charts.palette import assign_colors
from app.charts.range import RangeChart, RangeInput, range_chart
from app.charts.timeline import TimelineChart, TimelinePoint, TimelineSeries, timeline_chart
from app.domain.comparison import LeftOut
from app.domain.vocabulary import Scope
from app.services.comparison import Entry, MeasureView, TopicView


@dataclass(frozen=True)
class Panel:
    view: MeasureView
    chart: RangeChart
    timeline: TimelineChart
    undated: int  # figures without an as_of, left off the timeline
    partial: int  # figures that are not totals, left off the timeline
    left_out: dict[int, LeftOut]  # id of an entry shown beside the comparison: why

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


def measure_range_chart(view: MeasureView, colors: dict[str, str],
                        width: int = 720) -> RangeChart:
    inputs = [*(_range_input(e) for e in view.compared),
              *(_range_input(e, reason) for e, reason in view.beside)]
    return range_chart(inputs, width=width, unit=view.measure.unit, colors=colors)


def measure_timeline(view: MeasureView, colors: dict[str, str]) -> TimelineChart:
    series: dict[str, list[TimelinePoint]] = {}
    names: dict[str, str] = {}
    for entry in sorted(view.entries, key=Entry.sort_key):
        if entry.as_of is None or entry.scope != Scope.TOTAL:
            continue
        names[entry.source.slug] = entry.source.name
        series.setdefault(entry.source.slug, []).append(TimelinePoint(
            when=entry.as_of.value, low=entry.low, high=entry.high,
            value_label=entry.figure, date_label=entry.date_label,
        ))
    return timeline_chart(
        [TimelineSeries(label=names[k], key=k, points=v) for k, v in series.items()],
        unit=view.measure.unit, colors=colors,
    )


def measure_panels(view: TopicView) -> list[Panel]:
    colors = assign_colors(view.source_keys)
    return [
        Panel(view=m, chart=measure_range_chart(m, colors), timeline=measure_timeline(m, colors),
              undated=sum(1 for e in m.entries if e.as_of is None),
              partial=sum(1 for e in m.entries if e.scope != Scope.TOTAL),
              left_out={id(e): reason for e, reason in m.beside})
        for m in view.measures
    ]
