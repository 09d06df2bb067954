"""The timeline: each source's figures over time, so a revision up or down is visible."""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.charts.palette import resolve_colors
from app.charts.scale import (
    LINEAR,
    TEXT_PAD,
    Scale,
    arrow,
    axis_label_text,
    check_bounds,
    fit_horizontal,
    midpoint,
    rounded,
    tick_label,
    value_domain,
)

# --- timeline layout (px) ---
TIMELINE_LEFT = 64  # y tick labels
TIMELINE_RIGHT = 24
TIMELINE_TOP = 28  # axis label above the plot
TIMELINE_BOTTOM = 30  # date tick labels
TIMELINE_MIN_PLOT_WIDTH = 120
# Short spans get widened to this many days so there is always at least one month boundary to
# label and a lone date ends up in the middle.
TIMELINE_MIN_SPAN_DAYS = 90
TIMELINE_PAD_FRACTION = 0.05
# Roughly the width a "Sep 2025" label needs without colliding with its neighbour.
DATE_TICK_SPACING = 90
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True)
class TimelinePoint:
    when: datetime.date
    low: int | None
    high: int | None
    value_label: str
    date_label: str


@dataclass(frozen=True)
class TimelineSeries:
    label: str
    key: str
    points: Sequence[TimelinePoint]


@dataclass(frozen=True)
class YTick:
    value: int
    y: float
    label: str


@dataclass(frozen=True)
class DateTick:
    value: datetime.date
    x: float
    label: str


@dataclass(frozen=True)
class TimelineMark:
    """One dated figure drawn as a vertical range; y_low >= y_high because y grows downwards."""

    point: TimelinePoint
    x: float
    y_low: float
    y_high: float
    y_mid: float  # where the series line passes through
    is_point: bool
    open_low: bool
    open_high: bool
    arrow_low: tuple[tuple[float, float], ...]  # pointing down at plot_bottom, or ()
    arrow_high: tuple[tuple[float, float], ...]  # pointing up at plot_top, or ()

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


@dataclass(frozen=True)
class PlottedSeries:
    label: str
    key: str
    color: str
    marks: tuple[TimelineMark, ...]  # in date order
    path_points: tuple[tuple[float, float], ...]  # (x, y_mid) of each mark; polyline if >= 2


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

    def x(self, when: datetime.date) -> float:
        return self.time_scale(when.toordinal())

    def y(self, value: float) -> float:
        return self.value_scale(value)


def _month_ticks(start: datetime.date, end: datetime.date, step: int) -> list[datetime.date]:
    ticks: list[datetime.date] = []
    year, month = start.year, start.month
    while True:
        day = datetime.date(year, month, 1)
        if day > end:
            return ticks
        if day >= start and (month - 1) % step == 0:
            ticks.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _year_ticks(start: datetime.date, end: datetime.date, step: int) -> list[datetime.date]:
    first = start.year if start == datetime.date(start.year, 1, 1) else start.year + 1
    first = -(-first // step) * step
    return [datetime.date(year, 1, 1) for year in range(first, end.year + 1, step)]


def _date_ticks(
    start: datetime.date, end: datetime.date, max_ticks: int
) -> list[tuple[datetime.date, str]]:
    for step in (1, 2, 3, 6):
        months = _month_ticks(start, end, step)
        if len(months) <= max_ticks:
            return [(day, f"{_MONTHS[day.month - 1]} {day.year}") for day in months]
    step = 1
    while True:
        for mult in (1, 2, 5):
            years = _year_ticks(start, end, step * mult)
            if len(years) <= max_ticks:
                return [(day, str(day.year)) for day in years]
        step *= 10


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
    if height <= TIMELINE_TOP + TIMELINE_BOTTOM:
        raise ValueError(f"height must exceed {TIMELINE_TOP + TIMELINE_BOTTOM}")

    drawn = [line for line in series if line.points]
    plot_left, plot_right = fit_horizontal(
        width, TIMELINE_LEFT, TIMELINE_RIGHT, TIMELINE_MIN_PLOT_WIDTH
    )
    plot_top = float(TIMELINE_TOP)
    plot_bottom = float(height - TIMELINE_BOTTOM)
    points = [point for line in drawn for point in line.points]

    finite = [v for p in points for v in (p.low, p.high) if v is not None]
    open_top_lows = [p.low for p in points if p.high is None and p.low is not None]
    kind, domain_min, domain_max, y_values = value_domain(finite, open_top_lows, log=log)
    value_scale = Scale(kind, domain_min, domain_max, plot_bottom, plot_top)

    date_start: datetime.date | None = None
    date_end: datetime.date | None = None
    x_ticks: tuple[DateTick, ...] = ()
    if points:
        first = min(p.when for p in points)
        last = max(p.when for p in points)
        span = (last - first).days
        pad = max(
            math.ceil(span * TIMELINE_PAD_FRACTION),
            math.ceil((TIMELINE_MIN_SPAN_DAYS - span) / 2),
        )
        date_start = first - datetime.timedelta(days=pad)
        date_end = last + datetime.timedelta(days=pad)
        time_scale = Scale(
            LINEAR, date_start.toordinal(), date_end.toordinal(), plot_left, plot_right
        )
        max_ticks = max(2, int((plot_right - plot_left) // DATE_TICK_SPACING))
        x_ticks = tuple(
            DateTick(day, time_scale(day.toordinal()), text)
            for day, text in _date_ticks(date_start, date_end, max_ticks)
        )
    else:
        time_scale = Scale(LINEAR, 0, 1, plot_left, plot_right)

    palette = resolve_colors([line.key or line.label for line in drawn], colors)
    plotted: list[PlottedSeries] = []
    for line in drawn:
        marks: list[TimelineMark] = []
        for point in sorted(line.points, key=lambda p: (p.when, midpoint(p.low, p.high))):
            x = time_scale(point.when.toordinal())
            marks.append(
                TimelineMark(
                    point=point,
                    x=x,
                    y_low=value_scale(point.low) if point.low is not None else plot_bottom,
                    y_high=value_scale(point.high) if point.high is not None else plot_top,
                    y_mid=value_scale(midpoint(point.low, point.high)),
                    is_point=point.low == point.high,
                    open_low=point.low is None,
                    open_high=point.high is None,
                    arrow_low=arrow(x, plot_bottom, 0, -1) if point.low is None else (),
                    arrow_high=arrow(x, plot_top, 0, 1) if point.high is None else (),
                )
            )
        plotted.append(
            PlottedSeries(
                label=line.label,
                key=line.key,
                color=palette[line.key or line.label],
                marks=tuple(marks),
                path_points=tuple((mark.x, mark.y_mid) for mark in marks),
            )
        )

    return TimelineChart(
        width=width,
        height=height,
        title="Estimates over time",
        scale=kind,
        empty=not points,
        date_start=date_start,
        date_end=date_end,
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        series=tuple(plotted),
        x_ticks=x_ticks,
        y_ticks=(
            tuple(YTick(v, value_scale(v), tick_label(v)) for v in y_values) if points else ()
        ),
        x_tick_label_y=rounded(plot_bottom + TIMELINE_BOTTOM * 0.6),
        y_tick_label_x=rounded(max(plot_left - TEXT_PAD / 2, 0)),
        axis_label=axis_label_text(unit, kind),
        axis_label_x=plot_left,
        axis_label_y=rounded(TIMELINE_TOP * 0.5),
        time_scale=time_scale,
        value_scale=value_scale,
    )
