"""Chart geometry for Reckon: estimates in, coordinates out.

Templates draw the range chart and the timeline as inline SVG. Keeping all arithmetic here (and
none of the markup) means every position can be unit-tested and the templates stay dumb: they
only place shapes at coordinates this module already computed and rounded to 0.1 px.

Labels are passed through untouched; escaping is the template engine's job, and escaping here
as well would double-escape.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "ARROW_SIZE",
    "BAR_HEIGHT",
    "BOTTOM",
    "KIND_LABELS",
    "LABEL_WIDTH",
    "LINEAR",
    "LOG",
    "LOG_RATIO_THRESHOLD",
    "PALETTE",
    "RIGHT_PAD",
    "ROW_HEIGHT",
    "TOP",
    "Band",
    "DateTick",
    "PlottedSeries",
    "RangeChart",
    "RangeInput",
    "RangeRow",
    "Scale",
    "Tick",
    "TimelineChart",
    "TimelineMark",
    "TimelinePoint",
    "TimelineSeries",
    "YTick",
    "assign_colors",
    "format_count",
    "midpoint",
    "nice_ticks",
    "range_chart",
    "tick_label",
    "timeline_chart",
]

LINEAR = "linear"
LOG = "log"

# Okabe–Ito: distinguishable under the common colour-vision deficiencies. Yellow is kept but
# placed late because it is weak on white; black last so it only appears with many sources.
PALETTE: tuple[str, ...] = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#F0E442",
    "#000000",
)

KIND_LABELS: dict[str, str] = {
    "person": "Person",
    "government": "Government",
    "military": "Military",
    "intelligence": "Intelligence",
    "media": "Media",
    "ngo": "NGO",
    "researcher": "Researcher",
    "other": "Other",
}

# --- range chart layout (px) ---
LABEL_WIDTH = 200  # source name + kind column
RIGHT_PAD = 170  # value label + date column ("about 10,000–12,000" fits)
ROW_HEIGHT = 40
TOP = 30  # tick labels above the plot
BOTTOM = 40  # axis label below the plot
# Below this the label columns give up space proportionally so the plot never vanishes.
MIN_PLOT_WIDTH = 160
TEXT_PAD = 12  # clears a point marker (r=6) sitting on the plot edge
BAR_HEIGHT = 10
ARROW_SIZE = 8
# Offsets of the two text lines in a row relative to its centre (name above, kind below).
LINE1_DY = -3
LINE2_DY = 12
TICK_LABEL_DY = -10

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

# Spread (max / min of positive values) above which a linear axis would squash the small
# figures into the first pixel, so the chart switches to a logarithmic axis.
LOG_RATIO_THRESHOLD = 100
# An open-topped range ("at least 300") needs some axis beyond its low end, or its bar would
# shrink to nothing under the arrow when it holds the largest figure.
OPEN_TOP_HEADROOM = 1.5
MAX_LOG_TICKS = 7

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _r(value: float) -> float:
    """Round to 0.1 px: finer is invisible and only bloats the SVG and breaks test equality."""
    return round(value, 1)


# ---------------------------------------------------------------------------------------------
# Numbers, ticks, colours
# ---------------------------------------------------------------------------------------------


def format_count(value: int) -> str:
    """Thousands separators, never abbreviated: casualty figures must not lose precision."""
    return f"{value:,}"


def tick_label(value: int) -> str:
    """Axis label: "1,000,000" stays exact; from ten million, "12.5 million" reads better.

    Only round multiples of 100,000 are abbreviated so the label never hides digits.
    """
    if value >= 10_000_000 and value % 100_000 == 0:
        text = f"{value / 1_000_000:,.1f}".removesuffix(".0")
        return f"{text} million"
    return format_count(value)


def nice_ticks(max_value: float, target: int = 5) -> list[int]:
    """Evenly spaced ticks from 0 up to (and covering) max_value at a 1, 2 or 5 × 10^n step.

    The step is the one whose tick count is closest to ``target``; ties go to the step that
    overshoots max_value least, so the data fills as much of the axis as possible. Steps are
    whole numbers because people are counted in whole numbers. For max_value > 2 and the
    default target this always yields 4–7 ticks.
    """
    if target < 2:
        raise ValueError("target must be at least 2")
    if not math.isfinite(max_value) or max_value < 0:
        raise ValueError(f"max_value must be a finite non-negative number, got {max_value!r}")
    if max_value == 0:
        return [0, 1]
    best: tuple[int, float, int] | None = None
    base = 1
    while True:
        for mult in (1, 2, 5):
            step = mult * base
            intervals = math.ceil(max_value / step)
            score = (abs(intervals + 1 - target), intervals * step - max_value, step)
            if best is None or score < best:
                best = score
        if base > max_value:
            break
        base *= 10
    assert best is not None
    step = best[2]
    intervals = math.ceil(max_value / step)
    return [i * step for i in range(intervals + 1)]


def _floor_pow10(value: float) -> int:
    # Integer loop instead of log10 so exact powers of ten never land one decade off.
    power = 1
    while power * 10 <= value:
        power *= 10
    return power


def _ceil_pow10(value: float) -> int:
    power = 1
    while power < value:
        power *= 10
    return power


def _log_ticks(low: int, high: int) -> list[int]:
    powers: list[int] = []
    power = low
    while power <= high:
        powers.append(power)
        power *= 10
    if len(powers) <= 3:
        # One or two decades have too few powers to read values off, so add 2× and 5×.
        ticks = [p * m for p in powers[:-1] for m in (1, 2, 5)]
        ticks.append(powers[-1])
        return ticks
    if len(powers) > MAX_LOG_TICKS:
        every = math.ceil((len(powers) - 1) / (MAX_LOG_TICKS - 1))
        powers = powers[::every]
    return powers


def assign_colors(keys: Sequence[str]) -> dict[str, str]:
    """Map each distinct key to a palette colour.

    Keys are sorted first so the colour of a source depends only on which sources are shown,
    not on the order rows happen to be drawn in (which changes with the data).
    """
    return {key: PALETTE[i % len(PALETTE)] for i, key in enumerate(sorted(set(keys)))}


def _resolve_colors(keys: Sequence[str], colors: Mapping[str, str] | None) -> dict[str, str]:
    resolved = dict(colors) if colors else {}
    missing = sorted({key for key in keys if key not in resolved})
    if not missing:
        return resolved
    # Keys the caller did not map get colours the caller did not use, to avoid false matches.
    used = {color.upper() for color in resolved.values()}
    free = [color for color in PALETTE if color.upper() not in used] or list(PALETTE)
    for i, key in enumerate(missing):
        resolved[key] = free[i % len(free)]
    return resolved


def midpoint(low: int | None, high: int | None) -> float:
    """Representative value of a range, used for ordering rows and for timeline lines.

    An open top has no centre, so its known bound stands in; an open bottom counts from zero.
    """
    if low is None and high is None:
        raise ValueError("a range needs at least one bound")
    if low is None:
        assert high is not None
        return high / 2
    if high is None:
        return float(low)
    return (low + high) / 2


def _check_bounds(low: int | None, high: int | None, what: str) -> None:
    if low is None and high is None:
        raise ValueError(f"{what}: low and high cannot both be open")
    for bound in (low, high):
        if bound is not None and bound < 0:
            raise ValueError(f"{what}: negative value {bound}")
    if low is not None and high is not None and low > high:
        raise ValueError(f"{what}: low {low} is above high {high}")


# ---------------------------------------------------------------------------------------------
# Scales
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scale:
    """Maps a domain value to a pixel position; range_end may be smaller than range_start."""

    kind: str
    domain_min: float
    domain_max: float
    range_start: float
    range_end: float

    def __call__(self, value: float) -> float:
        if self.kind == LOG and value <= 0:
            # Zero has no logarithm; the baseline is the honest place for "none".
            return _r(self.range_start)
        if math.isinf(value):
            fraction = 1.0 if value > 0 else 0.0
        elif self.domain_max == self.domain_min:
            fraction = 0.5
        elif self.kind == LOG:
            lo, hi = math.log10(self.domain_min), math.log10(self.domain_max)
            fraction = (math.log10(value) - lo) / (hi - lo)
        else:
            fraction = (value - self.domain_min) / (self.domain_max - self.domain_min)
        position = self.range_start + fraction * (self.range_end - self.range_start)
        # Out-of-domain values (e.g. a best guess outside its own range) stay inside the plot.
        low_edge, high_edge = sorted((self.range_start, self.range_end))
        return _r(min(max(position, low_edge), high_edge))


def _value_domain(
    finite: Sequence[int], open_top_lows: Sequence[int], *, log: bool | None, target: int = 5
) -> tuple[str, int, int, list[int]]:
    """Pick scale kind, domain and tick values for a set of counts.

    ``finite`` holds every known bound/best guess; ``open_top_lows`` the low ends of ranges
    without an upper bound, which get headroom.
    """
    positives = [v for v in finite if v > 0]
    if log is None:
        log = bool(positives) and max(positives) / min(positives) > LOG_RATIO_THRESHOLD
    top = max([*finite, *(low * OPEN_TOP_HEADROOM for low in open_top_lows)], default=0)
    if log:
        if not positives:
            return LOG, 1, 10, _log_ticks(1, 10)
        low = _floor_pow10(min(positives))
        high = _ceil_pow10(top)
        if high <= low:
            high = low * 10
        return LOG, low, high, _log_ticks(low, high)
    ticks = nice_ticks(top, target)
    return LINEAR, 0, ticks[-1], ticks


def _fit_horizontal(width: int, left: int, right: int, min_plot: int) -> tuple[float, float]:
    """Plot x extent; narrow charts shrink both margins in proportion instead of the plot."""
    if width <= 0:
        raise ValueError("width must be positive")
    if width - left - right >= min_plot:
        return float(left), float(width - right)
    factor = max(width - min_plot, 0) / (left + right)
    return _r(left * factor), _r(width - right * factor)


def _axis_label(unit: str, kind: str) -> str:
    label = f"Number of {unit}"
    return f"{label} (logarithmic scale)" if kind == LOG else label


# ---------------------------------------------------------------------------------------------
# Range chart
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RangeInput:
    label: str
    low: int | None
    high: int | None
    qualifier: str
    value_label: str
    date_label: str
    best: int | None = None
    kind: str = "other"
    party_to_conflict: bool = False
    derived: bool = False
    key: str = ""

    @property
    def color_key(self) -> str:
        # Sources without a slug still need a stable colour; the shown name is the next best id.
        return self.key or self.label


@dataclass(frozen=True)
class Tick:
    value: int
    x: float
    label: str


@dataclass(frozen=True)
class Band:
    """Overlap of all ranges, or the gap between them; high None means unbounded above."""

    low: int
    high: int | None
    x1: float
    x2: float
    y1: float
    y2: float

    @property
    def is_point(self) -> bool:
        return self.high == self.low


@dataclass(frozen=True)
class RangeRow:
    input: RangeInput
    y: float  # row centre
    x_low: float
    x_high: float
    x_best: float | None
    is_point: bool
    open_low: bool
    open_high: bool
    color: str
    bar_y: float  # top edge of the bar; its height is RangeChart.bar_height
    label_x: float  # text-anchor start: source name on label_y, kind on kind_y
    label_y: float
    kind_y: float
    value_x: float  # text-anchor start: value_label on value_y, date_label on date_y
    value_y: float
    date_y: float
    # Triangles (3 points each) at the plot edge for open ends; empty when the end is closed.
    arrow_low: tuple[tuple[float, float], ...]
    arrow_high: tuple[tuple[float, float], ...]

    # Pass-throughs so templates can write row.label instead of row.input.label.
    @property
    def label(self) -> str:
        return self.input.label

    @property
    def low(self) -> int | None:
        return self.input.low

    @property
    def high(self) -> int | None:
        return self.input.high

    @property
    def best(self) -> int | None:
        return self.input.best

    @property
    def qualifier(self) -> str:
        return self.input.qualifier

    @property
    def value_label(self) -> str:
        return self.input.value_label

    @property
    def date_label(self) -> str:
        return self.input.date_label

    @property
    def kind(self) -> str:
        return self.input.kind

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.input.kind, KIND_LABELS["other"])

    @property
    def party_to_conflict(self) -> bool:
        return self.input.party_to_conflict

    @property
    def derived(self) -> bool:
        return self.input.derived

    @property
    def key(self) -> str:
        return self.input.key

    @property
    def midpoint(self) -> float:
        return midpoint(self.input.low, self.input.high)


@dataclass(frozen=True)
class RangeChart:
    width: int
    height: int
    title: str
    scale: str  # LINEAR or LOG
    domain_min: int
    domain_max: int
    plot_left: float
    plot_right: float
    plot_top: float
    plot_bottom: float
    bar_height: float
    rows: tuple[RangeRow, ...]
    ticks: tuple[Tick, ...]  # grid lines run from plot_top to plot_bottom
    tick_label_y: float  # text-anchor middle at tick.x
    axis_label: str
    axis_label_x: float  # text-anchor middle
    axis_label_y: float
    overlap: Band | None
    gap: Band | None
    sentence: str
    value_scale: Scale

    @property
    def empty(self) -> bool:
        return not self.rows

    def x(self, value: float) -> float:
        return self.value_scale(value)


def _arrow(tip_x: float, tip_y: float, dx: float, dy: float) -> tuple[tuple[float, float], ...]:
    """Triangle with its tip at (tip_x, tip_y); (dx, dy) is the unit step from tip to base."""
    half = ARROW_SIZE / 2
    base_x, base_y = tip_x + dx * ARROW_SIZE, tip_y + dy * ARROW_SIZE
    return (
        (_r(tip_x), _r(tip_y)),
        (_r(base_x - dy * half), _r(base_y - dx * half)),
        (_r(base_x + dy * half), _r(base_y + dx * half)),
    )


def _join_names(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _ratio_text(ratio: float) -> str:
    one_decimal = f"{ratio:.1f}"
    # 9.96 would print as "10.0"; from ten on whole numbers are precise enough.
    if ratio < 10 and one_decimal != "10.0":
        return one_decimal
    return format_count(round(ratio))


def _sentence(rows: Sequence[RangeRow], overlap: Band | None, gap: Band | None) -> str:
    if not rows:
        return "No estimates yet."
    if len(rows) == 1:
        only = rows[0]
        return f"Only one source so far: {only.label}, {only.value_label}."

    def bottom(row: RangeRow) -> int:
        value = row.low if row.low is not None else row.high
        assert value is not None
        return value

    def top(row: RangeRow) -> int:
        value = row.high if row.high is not None else row.low
        assert value is not None
        return value

    lowest = min(bottom(row) for row in rows)
    highest = max(top(row) for row in rows)
    if lowest == highest:
        # Everyone says the same number, so the overlap suffix would only repeat it.
        who = "Both sources" if len(rows) == 2 else f"All {len(rows)} sources"
        return f"{who} agree: {format_count(lowest)}."
    low_names = list(dict.fromkeys(row.label for row in rows if bottom(row) == lowest))
    high_names = list(dict.fromkeys(row.label for row in rows if top(row) == highest))
    text = (
        f"Estimates range from {format_count(lowest)} ({_join_names(low_names)}) "
        f"to {format_count(highest)} ({_join_names(high_names)})"
    )
    if lowest > 0:
        text += f"; the highest is {_ratio_text(highest / lowest)} times the lowest."
    else:
        text += "."
    if gap is not None:
        text += " No single figure is consistent with every source."
    elif overlap is not None:
        if overlap.high is None:
            common = f"at least {format_count(overlap.low)}"
        elif overlap.is_point:
            common = format_count(overlap.low)
        elif overlap.low == 0:
            common = f"up to {format_count(overlap.high)}"
        else:
            common = f"{format_count(overlap.low)}–{format_count(overlap.high)}"
        text += f" All sources are consistent with {common}."
    return text


def range_chart(
    inputs: Sequence[RangeInput],
    *,
    width: int = 720,
    log: bool | None = None,
    unit: str = "people",
    colors: Mapping[str, str] | None = None,
) -> RangeChart:
    """Lay out one horizontal bar per source, sorted by midpoint, on a shared value axis."""
    for item in inputs:
        _check_bounds(item.low, item.high, repr(item.label))
        if item.best is not None and item.best < 0:
            raise ValueError(f"{item.label!r}: negative best guess {item.best}")

    ordered = sorted(inputs, key=lambda item: (midpoint(item.low, item.high), item.label, item.key))
    finite = [
        value for item in ordered for value in (item.low, item.high, item.best) if value is not None
    ]
    open_top_lows = [item.low for item in ordered if item.high is None and item.low is not None]
    kind, domain_min, domain_max, tick_values = _value_domain(finite, open_top_lows, log=log)

    plot_left, plot_right = _fit_horizontal(width, LABEL_WIDTH, RIGHT_PAD, MIN_PLOT_WIDTH)
    label_x = _r(min(float(TEXT_PAD), plot_left))
    value_x = _r(plot_right + min(TEXT_PAD, width - plot_right))
    plot_top = float(TOP)
    plot_bottom = float(TOP + ROW_HEIGHT * len(ordered))
    scale = Scale(kind, domain_min, domain_max, plot_left, plot_right)
    palette = _resolve_colors([item.color_key for item in ordered], colors)

    rows: list[RangeRow] = []
    for index, item in enumerate(ordered):
        y = TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2
        x_low = scale(item.low) if item.low is not None else plot_left
        x_high = scale(item.high) if item.high is not None else plot_right
        rows.append(
            RangeRow(
                input=item,
                y=_r(y),
                x_low=x_low,
                x_high=x_high,
                x_best=scale(item.best) if item.best is not None else None,
                is_point=item.low == item.high,
                open_low=item.low is None,
                open_high=item.high is None,
                color=palette[item.color_key],
                bar_y=_r(y - BAR_HEIGHT / 2),
                label_x=label_x,
                label_y=_r(y + LINE1_DY),
                kind_y=_r(y + LINE2_DY),
                value_x=value_x,
                value_y=_r(y + LINE1_DY),
                date_y=_r(y + LINE2_DY),
                arrow_low=_arrow(plot_left, y, 1, 0) if item.low is None else (),
                arrow_high=_arrow(plot_right, y, -1, 0) if item.high is None else (),
            )
        )

    overlap: Band | None = None
    gap: Band | None = None
    if len(ordered) >= 2:
        # Open bottoms reach down to zero and open tops go on forever.
        lo = max(item.low if item.low is not None else 0 for item in ordered)
        highs = [item.high for item in ordered if item.high is not None]
        hi = min(highs) if highs else None
        if hi is None or lo <= hi:
            overlap = Band(
                low=lo,
                high=hi,
                x1=scale(lo),
                x2=scale(hi) if hi is not None else plot_right,
                y1=plot_top,
                y2=plot_bottom,
            )
        else:
            gap = Band(low=hi, high=lo, x1=scale(hi), x2=scale(lo), y1=plot_top, y2=plot_bottom)

    return RangeChart(
        width=width,
        height=int(plot_bottom) + BOTTOM,
        title="Range of estimates",
        scale=kind,
        domain_min=domain_min,
        domain_max=domain_max,
        plot_left=plot_left,
        plot_right=plot_right,
        plot_top=plot_top,
        plot_bottom=plot_bottom,
        bar_height=float(BAR_HEIGHT),
        rows=tuple(rows),
        ticks=tuple(Tick(value, scale(value), tick_label(value)) for value in tick_values),
        tick_label_y=_r(TOP + TICK_LABEL_DY),
        axis_label=_axis_label(unit, kind),
        axis_label_x=_r((plot_left + plot_right) / 2),
        axis_label_y=_r(plot_bottom + BOTTOM * 0.7),
        overlap=overlap,
        gap=gap,
        sentence=_sentence(rows, overlap, gap),
        value_scale=scale,
    )


# ---------------------------------------------------------------------------------------------
# Timeline chart
# ---------------------------------------------------------------------------------------------


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
            _check_bounds(point.low, point.high, f"{line.label!r} on {point.when.isoformat()}")
    if height <= TIMELINE_TOP + TIMELINE_BOTTOM:
        raise ValueError(f"height must exceed {TIMELINE_TOP + TIMELINE_BOTTOM}")

    drawn = [line for line in series if line.points]
    plot_left, plot_right = _fit_horizontal(
        width, TIMELINE_LEFT, TIMELINE_RIGHT, TIMELINE_MIN_PLOT_WIDTH
    )
    plot_top = float(TIMELINE_TOP)
    plot_bottom = float(height - TIMELINE_BOTTOM)
    points = [point for line in drawn for point in line.points]

    finite = [v for p in points for v in (p.low, p.high) if v is not None]
    open_top_lows = [p.low for p in points if p.high is None and p.low is not None]
    kind, domain_min, domain_max, y_values = _value_domain(finite, open_top_lows, log=log)
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

    palette = _resolve_colors([line.key or line.label for line in drawn], colors)
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
                    arrow_low=_arrow(x, plot_bottom, 0, -1) if point.low is None else (),
                    arrow_high=_arrow(x, plot_top, 0, 1) if point.high is None else (),
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
        x_tick_label_y=_r(plot_bottom + TIMELINE_BOTTOM * 0.6),
        y_tick_label_x=_r(max(plot_left - TEXT_PAD / 2, 0)),
        axis_label=_axis_label(unit, kind),
        axis_label_x=plot_left,
        axis_label_y=_r(TIMELINE_TOP * 0.5),
        time_scale=time_scale,
        value_scale=value_scale,
    )
