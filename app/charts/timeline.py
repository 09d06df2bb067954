"""The timeline: each source's figures over time, so a revision up or down is visible.

A figure known to a month or a year is drawn across that month or year, not on its first day;
a figure placed by the day it was stated (it has no "as of") is drawn hollow; open ends fade
towards the plot's edge with an arrowhead outside it; each line ends in its source's name."""

from __future__ import annotations

import datetime
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from app.charts.palette import PALETTE, color_index, resolve_colors
from app.charts.scale import (
    LINEAR,
    TICK_LABEL_SIZE,
    Scale,
    Tick,
    arrow,
    axis_label_text,
    check_bounds,
    midpoint,
    rounded,
    tick_label,
    value_domain,
)
from app.charts.text import fit, text_width, widest
from app.charts.timeline_ticks import DateTick, date_ticks
from app.i18n import gettext as _
from app.i18n import ngettext

MARGIN = 8.0
TIMELINE_TOP = 30  # axis label and room for an open top's arrowhead
TIMELINE_BOTTOM = 34  # date tick labels, below an open bottom's arrowhead
ARROW_ROOM = 12.0  # between the plot and its labels: open ends' arrowheads go here
TIMELINE_MIN_SPAN_DAYS = 90  # short spans are widened so a lone date sits in the middle
TIMELINE_PAD_FRACTION = 0.05
LABEL_SIZE = 11.0
LABEL_LINE = 13.0
MAX_LABEL_SHARE = 0.3  # of the width, for the line-end names
DASHES = ("", "6 3", "2 3")  # lines sharing a colour differ by their dash


@dataclass(frozen=True)
class TimelinePoint:
    when: datetime.date  # the first day it refers to
    low: int | None
    high: int | None
    value_label: str
    date_label: str
    until: datetime.date | None = None  # the last day, for a month or a year; None: one day
    stated: bool = False  # placed by the day it was stated: it has no "as of"

    @property
    def last_day(self) -> datetime.date:
        return self.until or self.when


@dataclass(frozen=True)
class TimelineSeries:
    label: str
    key: str
    points: Sequence[TimelinePoint]
    short_label: str = ""


@dataclass(frozen=True)
class YTick:
    value: int
    y: float
    label: str


@dataclass(frozen=True)
class TimelineMark:
    """One figure: across its span in time, and its range of values; y_low >= y_high because
    y grows downwards."""

    point: TimelinePoint
    x: float  # the middle of its span; where the series line passes
    x_start: float
    x_end: float
    y_low: float
    y_high: float
    y_mid: float  # where the series line passes through
    is_point: bool
    open_low: bool
    open_high: bool
    arrow_low: tuple[tuple[float, float], ...]  # below plot_bottom, pointing down, or ()
    arrow_high: tuple[tuple[float, float], ...]  # above plot_top, pointing up, or ()

    @property
    def when(self) -> datetime.date:
        return self.point.when

    @property
    def low(self) -> int | None:
        return self.point.low

    @property
    def high(self) -> int | None:
        return self.point.high

    @property
    def value_label(self) -> str:
        return self.point.value_label

    @property
    def date_label(self) -> str:
        return self.point.date_label

    @property
    def stated(self) -> bool:
        return self.point.stated

    @property
    def width(self) -> float:
        return max(self.x_end - self.x_start, 6.0)


@dataclass(frozen=True)
class PlottedSeries:
    label: str
    key: str
    color: str
    marks: tuple[TimelineMark, ...]  # in date order
    path_points: tuple[tuple[float, float], ...]  # (x, y_mid) of each mark; polyline if >= 2
    name: str = ""  # the line-end label, fitted to the space
    name_x: float = 0.0
    name_y: float = 0.0
    dash: str = ""

    @property
    def leader(self) -> tuple[float, float, float, float] | None:
        """A thin line from the line's end to its name, when the name had to move away."""
        x, y = self.path_points[-1]
        if abs(self.name_y - 4 - y) < 3:
            return None
        return (x + 4, y, self.name_x - 3, rounded(self.name_y - 4))

    @property
    def color_index(self) -> int:
        return color_index(self.color)


@dataclass(frozen=True)
class TimelineChart:
    width: int
    height: int
    title: str
    scale: str  # of the value (y) axis
    empty: bool
    date_start: datetime.date | None  # x domain after padding; None when empty
    date_end: datetime.date | None
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    series: tuple[PlottedSeries, ...]
    x_ticks: tuple[DateTick, ...]  # vertical grid lines plot_top..plot_bottom
    y_ticks: tuple[YTick, ...]  # horizontal grid lines plot_left..plot_right
    x_tick_label_y: float  # text-anchor middle at tick.x
    y_tick_label_x: float  # text-anchor end at tick.y
    axis_label: str
    axis_label_x: float  # text-anchor start
    axis_label_y: float
    time_scale: Scale  # over date ordinals
    value_scale: Scale

    @property
    def description(self) -> str:
        """The chart in words, line by line: each source's few figures, or its first and last
        mark of many (the table and the all-figures page list every figure)."""
        return " ".join(describe_series(s.label, len(s.marks), s.marks) for s in self.series)

    def x(self, when: datetime.date) -> float:
        return self.time_scale(when.toordinal())

    def y(self, value: float) -> float:
        return self.value_scale(value)


class Said(Protocol):
    """What the description says of a mark."""

    @property
    def value_label(self) -> str: ...
    @property
    def date_label(self) -> str: ...
    @property
    def stated(self) -> bool: ...


def describe_series(label: str, count: int, marks: Sequence[Said]) -> str:
    """One source's line of a timeline's description: its marks when it has at most three,
    else how many and the first and the last (`marks` needs only those two then)."""
    if count <= 3:
        said = ", ".join(
            _("%(figure)s (%(date)s, placed by the day it was stated)",
              figure=m.value_label, date=m.date_label) if m.stated
            else _("%(figure)s (%(date)s)", figure=m.value_label, date=m.date_label)
            for m in marks)
    else:
        first, last = marks[0], marks[-1]
        said = ngettext("%(count)s mark, from %(first)s (%(first_date)s) to %(last)s "
                        "(%(last_date)s)",
                        "%(count)s marks, from %(first)s (%(first_date)s) to %(last)s "
                        "(%(last_date)s)", count, count=count,
                        first=first.value_label, first_date=first.date_label,
                        last=last.value_label, last_date=last.date_label)
    return _("%(source)s: %(said)s.", source=label, said=said)


def timeline_height(lines: int, height: int = 280) -> int:
    """The height a timeline of `lines` sources is drawn at: tall enough for the names that
    end its lines to stack."""
    return max(height, int(lines * LABEL_LINE + TIMELINE_TOP + TIMELINE_BOTTOM
                           + 2 * ARROW_ROOM + 8))


@dataclass(frozen=True)
class OutlinedSeries:
    label: str
    key: str
    color: str

    @property
    def color_index(self) -> int:
        return color_index(self.color)


@dataclass(frozen=True)
class TimelineOutline:
    """What a page says about a timeline it shows as an image: its size, its legend and its
    description — without laying out a mark."""

    width: int
    height: int
    empty: bool
    series: tuple[OutlinedSeries, ...]
    description: str


def outline_of(chart: TimelineChart) -> TimelineOutline:
    """The outline of a drawn chart (a page's outline is built without one: it must equal)."""
    return TimelineOutline(
        width=chart.width, height=chart.height, empty=chart.empty,
        series=tuple(OutlinedSeries(s.label, s.key, s.color) for s in chart.series),
        description=chart.description)


def mark_order(when: datetime.date, low: int | None, high: int | None) -> tuple[datetime.date,
                                                                                  float]:
    """The order of a series' marks (and of the description's first and last)."""
    return when, midpoint(low, high)


def _value_ticks(values: Sequence[int], scale: Scale, top: float, bottom: float) -> list[int]:
    """Every tick whose label keeps a line of space from the next (thinned when crowded)."""
    for every in range(1, len(values) + 1):
        kept = list(dict.fromkeys([*values[::every], values[-1]]))
        ys = [scale(v) for v in kept]
        if all(abs(a - b) >= LABEL_LINE for a, b in itertools.pairwise(ys)):
            return kept
    return [values[0], values[-1]]


def _end_labels(series: list[PlottedSeries], top: float, bottom: float) -> list[float]:
    """y of each series' line-end name: at its last mark, pushed apart to not overlap."""
    wanted = sorted((s.path_points[-1][1] + 4, i) for i, s in enumerate(series))
    placed: dict[int, float] = {}
    previous = top - LABEL_LINE
    for y, i in wanted:
        y = max(y, previous + LABEL_LINE)
        placed[i] = y
        previous = y
    overflow = previous - (bottom + 4)
    if overflow > 0:  # shift the whole stack up, keeping the spacing
        placed = {i: y - overflow for i, y in placed.items()}
    return [rounded(max(placed[i], top + 4)) for i in range(len(series))]


def timeline_chart(
    series: Sequence[TimelineSeries],
    *,
    width: int = 720,
    height: int = 280,
    log: bool | None = None,
    unit: str = "people",
    colors: Mapping[str, str] | None = None,
) -> TimelineChart:
    """Lay out dated figures per source: x is time, y is the value (larger values higher)."""
    for line in series:
        for point in line.points:
            check_bounds(point.low, point.high, f"{line.label!r} on {point.when.isoformat()}")
    if height <= TIMELINE_TOP + TIMELINE_BOTTOM + 2 * ARROW_ROOM:
        raise ValueError(f"height must exceed {TIMELINE_TOP + TIMELINE_BOTTOM + 2 * ARROW_ROOM}")
    if width <= 0:
        raise ValueError("width must be positive")

    drawn = [line for line in series if line.points]
    # Every line ends in its name: the plot is made tall enough for the names to stack.
    height = timeline_height(len(drawn), height)
    points = [point for line in drawn for point in line.points]
    finite = [v for p in points for v in (p.low, p.high) if v is not None]
    open_top_lows = [p.low for p in points if p.high is None and p.low is not None]
    kind, domain_min, domain_max, y_values = value_domain(finite, open_top_lows, log=log)

    label_width = min(widest([line.label for line in drawn], LABEL_SIZE),
                      width * MAX_LABEL_SHARE)
    tick_width = widest([tick_label(v) for v in y_values], TICK_LABEL_SIZE)
    plot_left = rounded(MARGIN + tick_width + 6)
    plot_right = rounded(width - MARGIN - (label_width + 8 if drawn else 0))
    plot_top = float(TIMELINE_TOP + ARROW_ROOM)
    plot_bottom = float(height - TIMELINE_BOTTOM - ARROW_ROOM)
    value_scale = Scale(kind, domain_min, domain_max, plot_bottom, plot_top)

    date_start: datetime.date | None = None
    date_end: datetime.date | None = None
    x_ticks: tuple[DateTick, ...] = ()
    if points:
        first = min(p.when for p in points)
        last = max(p.last_day for p in points)
        span = (last - first).days
        pad = max(math.ceil(span * TIMELINE_PAD_FRACTION),
                  math.ceil((TIMELINE_MIN_SPAN_DAYS - span) / 2))
        date_start = first - datetime.timedelta(days=pad)
        date_end = last + datetime.timedelta(days=pad)
        time_scale = Scale(LINEAR, date_start.toordinal(), date_end.toordinal(), plot_left,
                           plot_right)
        x_ticks = tuple(date_ticks(date_start, date_end, time_scale, 0.0, float(width)))
    else:
        time_scale = Scale(LINEAR, 0, 1, plot_left, plot_right)

    palette = resolve_colors([line.key or line.label for line in drawn], colors)
    used: dict[str, int] = {}
    plotted: list[PlottedSeries] = []
    for line in drawn:
        color = palette[line.key or line.label]
        dash = DASHES[used.get(color, 0) % len(DASHES)]
        used[color] = used.get(color, 0) + 1
        marks = tuple(_mark(point, time_scale, value_scale, plot_top, plot_bottom)
                      for point in sorted(line.points,
                                          key=lambda p: mark_order(p.when, p.low, p.high)))
        plotted.append(PlottedSeries(
            label=line.label, key=line.key, color=color, marks=marks,
            path_points=tuple((mark.x, mark.y_mid) for mark in marks),
            name=_end_name(line, label_width), name_x=rounded(plot_right + 6), dash=dash))
    label_ys = _end_labels(plotted, plot_top, plot_bottom) if plotted else []
    plotted = [PlottedSeries(**{**s.__dict__, "name_y": y})
               for s, y in zip(plotted, label_ys, strict=True)]

    return TimelineChart(
        width=width, height=height, title=_("Estimates over time"), scale=kind, empty=not points,
        date_start=date_start, date_end=date_end, plot_left=plot_left, plot_right=plot_right,
        plot_top=plot_top, plot_bottom=plot_bottom, series=tuple(plotted), x_ticks=x_ticks,
        y_ticks=(tuple(YTick(v, value_scale(v), tick_label(v))
                       for v in _value_ticks(y_values, value_scale, plot_top, plot_bottom))
                 if points else ()),
        x_tick_label_y=rounded(plot_bottom + ARROW_ROOM + TIMELINE_BOTTOM * 0.6),
        y_tick_label_x=rounded(plot_left - 6), axis_label=axis_label_text(unit, kind),
        axis_label_x=MARGIN, axis_label_y=rounded(TIMELINE_TOP * 0.45),
        time_scale=time_scale, value_scale=value_scale,
    )


def _end_name(line: TimelineSeries, width: float) -> str:
    if text_width(line.label, LABEL_SIZE) <= width:
        return line.label
    if line.short_label and text_width(line.short_label, LABEL_SIZE) <= width:
        return line.short_label
    return fit(line.label, LABEL_SIZE, width)


def _mark(point: TimelinePoint, time_scale: Scale, value_scale: Scale, plot_top: float,
          plot_bottom: float) -> TimelineMark:
    x_start = time_scale(point.when.toordinal())
    x_end = time_scale(point.last_day.toordinal() + 1) if point.until else x_start
    x = rounded((x_start + x_end) / 2)
    return TimelineMark(
        point=point, x=x, x_start=x_start, x_end=x_end,
        y_low=value_scale(point.low) if point.low is not None else plot_bottom,
        y_high=value_scale(point.high) if point.high is not None else plot_top,
        y_mid=value_scale(midpoint(point.low, point.high)),
        is_point=point.low == point.high, open_low=point.low is None,
        open_high=point.high is None,
        arrow_low=arrow(x, plot_bottom + ARROW_ROOM, 0, -1) if point.low is None else (),
        arrow_high=arrow(x, plot_top - ARROW_ROOM, 0, 1) if point.high is None else (),
    )


__all__ = ["PALETTE", "TIMELINE_BOTTOM", "TIMELINE_TOP", "DateTick", "OutlinedSeries",
           "PlottedSeries", "Said", "Tick", "TimelineChart", "TimelineMark", "TimelineOutline",
           "TimelinePoint", "TimelineSeries", "YTick", "describe_series", "mark_order",
           "outline_of", "timeline_chart", "timeline_height"]
