"""The side-by-side range chart: one row per compared figure on a shared value axis, with the
band where they all overlap or the gap where they cannot; below them, in a labelled group, the
figures shown beside the comparison, each with the reason it is not compared."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.charts.palette import resolve_colors
from app.charts.scale import (
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
from app.domain.comparison import LeftOut, Span, overlap_or_gap, spread_sentence
from app.domain.dates import PartialDate
from app.domain.vocabulary import Confidence, SourceKind

# --- range chart layout (px) ---
LABEL_WIDTH = 200  # source name + kind column
RIGHT_PAD = 170  # value label + date column ("about 10,000–12,000" fits)
ROW_HEIGHT = 40
TOP = 30  # tick labels above the plot
BOTTOM = 40  # axis label below the plot
# Below this the label columns give up space proportionally so the plot never vanishes.
MIN_PLOT_WIDTH = 160
BAR_HEIGHT = 10
# Offsets of the two text lines in a row relative to its centre (name above, kind below).
LINE1_DY = -3
LINE2_DY = 12
TICK_LABEL_DY = -10
# A figure shown beside the comparison gets a third line for the reason, across the chart.
NOTE_HEIGHT = 16
GROUP_HEADING_HEIGHT = 30
# A full name longer than this gives way to the source's short name, if it has one.
NAME_CHARS = 24


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
    short_label: str = ""
    when: PartialDate | None = None
    confidence: str = Confidence.REPORTED.value
    # Why the figure is not compared; None for a compared figure.
    left_out: LeftOut | None = None

    @property
    def compared(self) -> bool:
        return self.left_out is None

    @property
    def shown_label(self) -> str:
        """The name drawn on the row: the full name, or the short name when it is too long."""
        if len(self.label) > NAME_CHARS and self.short_label:
            return self.short_label
        return self.label

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
    note_y: float | None = None  # the reason a figure is not compared, across the chart

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
        kinds = {k.value: k for k in SourceKind}
        return kinds.get(self.input.kind, SourceKind.OTHER).label

    @property
    def party_to_conflict(self) -> bool:
        return self.input.party_to_conflict

    @property
    def shown_label(self) -> str:
        return self.input.shown_label

    @property
    def confidence(self) -> str:
        return self.input.confidence

    @property
    def uncertain(self) -> bool:
        return self.input.confidence == Confidence.UNCERTAIN

    @property
    def left_out_because(self) -> str:
        return self.input.left_out.text if self.input.left_out else ""

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
    group_heading: str = ""  # above the figures shown beside the comparison
    group_heading_y: float = 0.0

    @property
    def empty(self) -> bool:
        return not self.rows

    def x(self, value: float) -> float:
        return self.value_scale(value)


def _row(item: RangeInput, y: float, scale: Scale, color: str, *, label_x: float,
         value_x: float, plot_left: float, plot_right: float) -> RangeRow:
    return RangeRow(
        input=item,
        y=rounded(y),
        x_low=scale(item.low) if item.low is not None else plot_left,
        x_high=scale(item.high) if item.high is not None else plot_right,
        x_best=scale(item.best) if item.best is not None else None,
        is_point=item.low == item.high,
        open_low=item.low is None,
        open_high=item.high is None,
        color=color,
        bar_y=rounded(y - BAR_HEIGHT / 2),
        label_x=label_x,
        label_y=rounded(y + LINE1_DY),
        kind_y=rounded(y + LINE2_DY),
        value_x=value_x,
        value_y=rounded(y + LINE1_DY),
        date_y=rounded(y + LINE2_DY),
        arrow_low=arrow(plot_left, y, 1, 0) if item.low is None else (),
        arrow_high=arrow(plot_right, y, -1, 0) if item.high is None else (),
        note_y=None if item.compared else rounded(y + ROW_HEIGHT / 2 + NOTE_HEIGHT / 2),
    )


def _band(span: Span | None, scale: Scale, plot_right: float, y1: float,
          y2: float) -> Band | None:
    if span is None:
        return None
    return Band(low=span.low, high=span.high, x1=scale(span.low),
                x2=scale(span.high) if span.high is not None else plot_right, y1=y1, y2=y2)


def _heading(beside: Sequence[RangeInput]) -> str:
    if all(i.left_out is not None and i.left_out.partial for i in beside):
        return "Not comparable with totals"
    return "Not in the comparison"


def range_chart(
    inputs: Sequence[RangeInput],
    *,
    width: int = 720,
    log: bool | None = None,
    unit: str = "people",
    colors: Mapping[str, str] | None = None,
) -> RangeChart:
    """Lay out one horizontal bar per figure on a shared value axis: the compared figures sorted
    by midpoint, then those shown beside the comparison, each with its reason."""
    for item in inputs:
        check_bounds(item.low, item.high, repr(item.label))
        if item.best is not None and item.best < 0:
            raise ValueError(f"{item.label!r}: negative best guess {item.best}")

    def order(item: RangeInput) -> tuple[float, str, str]:
        return (midpoint(item.low, item.high), item.label, item.key)

    compared = sorted((i for i in inputs if i.compared), key=order)
    beside = sorted((i for i in inputs if not i.compared), key=order)
    finite = [value for item in inputs for value in (item.low, item.high, item.best)
              if value is not None]
    open_top_lows = [item.low for item in inputs if item.high is None and item.low is not None]
    kind, domain_min, domain_max, tick_values = value_domain(finite, open_top_lows, log=log)

    plot_left, plot_right = fit_horizontal(width, LABEL_WIDTH, RIGHT_PAD, MIN_PLOT_WIDTH)
    label_x = rounded(min(float(TEXT_PAD), plot_left))
    value_x = rounded(plot_right + min(TEXT_PAD, width - plot_right))
    plot_top = float(TOP)
    compared_bottom = float(TOP + ROW_HEIGHT * len(compared))
    scale = Scale(kind, domain_min, domain_max, plot_left, plot_right)
    palette = resolve_colors([item.color_key for item in [*compared, *beside]], colors)
    place = {"label_x": label_x, "value_x": value_x, "plot_left": plot_left,
             "plot_right": plot_right}

    rows = [_row(item, TOP + ROW_HEIGHT * index + ROW_HEIGHT / 2, scale,
                 palette[item.color_key], **place) for index, item in enumerate(compared)]
    heading_y = 0.0
    plot_bottom = compared_bottom
    if beside:
        heading_y = compared_bottom + GROUP_HEADING_HEIGHT * 0.7
        y = compared_bottom + GROUP_HEADING_HEIGHT
        for item in beside:
            rows.append(_row(item, y + ROW_HEIGHT / 2, scale, palette[item.color_key], **place))
            y += ROW_HEIGHT + NOTE_HEIGHT
        plot_bottom = y

    overlap_span, gap_span = overlap_or_gap(compared)
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
        tick_label_y=rounded(TOP + TICK_LABEL_DY),
        axis_label=axis_label_text(unit, kind),
        axis_label_x=rounded((plot_left + plot_right) / 2),
        axis_label_y=rounded(plot_bottom + BOTTOM * 0.7),
        overlap=_band(overlap_span, scale, plot_right, plot_top, compared_bottom),
        gap=_band(gap_span, scale, plot_right, plot_top, compared_bottom),
        sentence=spread_sentence(compared, overlap_span, gap_span, beside=len(beside)),
        value_scale=scale,
        group_heading=_heading(beside) if beside else "",
        group_heading_y=rounded(heading_y),
    )
