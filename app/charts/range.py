"""The side-by-side range chart: one row per compared figure on a shared value axis, with the
band where they all overlap or the gap where they cannot; below them, in a labelled group, the
figures shown beside the comparison, each with the reason it is not compared.

Two layouts from one model: *wide* (name column | plot | value column) and, where the plot
would be too narrow, *narrow* (each name above its bar, the value at the bar's end). Every
label is measured with the font's real widths, so nothing overlaps or leaves the chart."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.charts.key import key_items, lay_out_key
from app.charts.palette import PALETTE, apart, resolve_colors
from app.charts.range_model import (
    NAME_SIZE,
    SMALL_SIZE,
    Band,
    RangeChart,
    RangeInput,
    RangeRow,
    Text,
)
from app.charts.scale import (
    Scale,
    Tick,
    arrow,
    axis_label_text,
    check_bounds,
    fitted_axis,
    midpoint,
    rounded,
)
from app.charts.text import fit, text_width, widest, wrap
from app.domain.comparison import Span, overlap_or_gap, spread_sentence
from app.domain.vocabulary import Confidence
from app.i18n import gettext as _

MARGIN = 8
ARROW_ZONE = 14.0  # beyond each end of the plot: room for an open end's arrowhead
TOP = 30  # tick labels above the plot
BOTTOM = 40  # axis label below the plot
ROW_HEIGHT = 40
LINE = 14.0  # distance between two lines of text in a row
BAR_HEIGHT = 10
NOTE_HEIGHT = 16
GROUP_HEADING_HEIGHT = 30
MIN_PLOT_WIDTH = 180  # narrower than this, each name goes above its bar
NARROW_ROW = 48
PARTY_MARK = "⚑"
# ---- labels ----------------------------------------------------------------------------------

def _name_lines(item: RangeInput, width: float) -> list[str]:
    """The full name on one or two lines; else the short name; else the name cut to fit."""
    if text_width(item.label, NAME_SIZE, bold=True) <= width:
        return [item.label]
    lines = wrap(item.label, NAME_SIZE, width, bold=True)
    if lines is not None:
        return lines
    if item.short_label and text_width(item.short_label, NAME_SIZE, bold=True) <= width:
        return [item.short_label]
    return [fit(item.label, NAME_SIZE, width, bold=True)]


def _kind_text(item: RangeInput) -> str:
    parts = [item.kind_label]
    if item.party_to_conflict:
        parts.append(_("%(mark)s party to the conflict", mark=PARTY_MARK))
    if item.derived:
        parts.append(_("derived"))
    return " · ".join(parts)


def _date_text(item: RangeInput) -> str:
    if item.confidence != Confidence.REPORTED and item.compared:
        return f"{item.date_label} · {Confidence(item.confidence).label}"
    return item.date_label


def _value_text(item: RangeInput) -> str:
    return item.value_label


# ---- layout ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Columns:
    layout: str
    name_width: float  # what a name may take
    plot_left: float
    plot_right: float
    value_x: float


def _columns(inputs: Sequence[RangeInput], width: int) -> _Columns:
    value_width = max(widest([_value_text(i) for i in inputs], NAME_SIZE, bold=True),
                      widest([_date_text(i) for i in inputs], SMALL_SIZE), 40.0)
    value_width = min(value_width, width * 0.34) + 2  # rounding never cuts a label
    names = [min(text_width(i.label, NAME_SIZE, bold=True), width * 0.3) for i in inputs]
    kinds = [text_width(_kind_text(i), SMALL_SIZE) for i in inputs]
    name_width = min(max([*names, *kinds, 90.0]), width * 0.3)
    plot_left = MARGIN + name_width + ARROW_ZONE
    plot_right = width - MARGIN - value_width - ARROW_ZONE - 4
    if plot_right - plot_left >= MIN_PLOT_WIDTH:
        # The value column starts on a whole pixel: its x is written on every row.
        return _Columns("wide", name_width, rounded(plot_left), rounded(plot_right),
                        round(plot_right + ARROW_ZONE + 4))
    return _Columns("narrow", width - 2 * MARGIN, MARGIN + ARROW_ZONE,
                    width - MARGIN - ARROW_ZONE, 0.0)


def _wide_height(lines: int) -> float:
    return max(ROW_HEIGHT, LINE * (lines + 1) + 12)


def _wide_row(item: RangeInput, top: float, cols: _Columns, scale: Scale, color: str,
              width: int) -> tuple[RangeRow, float]:
    names = _name_lines(item, cols.name_width)
    lines = len(names)
    height = _wide_height(lines)
    y = top + height / 2
    first = y - LINE * (lines + 1) / 2 + 10
    name = tuple(Text(line, MARGIN, rounded(first + LINE * i), NAME_SIZE, bold=True)
                 for i, line in enumerate(names))
    kind = Text(fit(_kind_text(item), SMALL_SIZE, cols.name_width), MARGIN,
                rounded(first + LINE * lines))
    room = width - MARGIN - cols.value_x
    value = Text(fit(_value_text(item), NAME_SIZE, room, bold=True), cols.value_x,
                 rounded(y - 3), NAME_SIZE, bold=True)
    date = Text(fit(_date_text(item), SMALL_SIZE, room), cols.value_x, rounded(y + 12))
    row = _row(item, y, scale, color, cols, name=name, kind=kind, value=value, date=date)
    return row, height


@dataclass(frozen=True)
class _NarrowPlace:
    """Where a narrow row's value goes (after or before its bar, or ending the name's first
    line) and so its name's lines: all its height depends on."""

    place: str
    names: list[str]
    value_w: float
    after: float
    before: float

    @property
    def height(self) -> float:
        return NARROW_ROW + LINE * (len(self.names) - 1)


def _narrow_place(item: RangeInput, cols: _Columns, scale: Scale, width: int) -> _NarrowPlace:
    value_w = text_width(_value_text(item), NAME_SIZE, bold=True)
    x_low = scale(item.low) if item.low is not None else cols.plot_left
    x_high = scale(item.high) if item.high is not None else cols.plot_right
    # Clear of a dot's radius, or of an open end's arrowhead.
    after = x_high + (ARROW_ZONE if item.high is None else 0) + 10
    before = x_low - (ARROW_ZONE if item.low is None else 0) - 10
    place = ("after" if value_w <= width - MARGIN - after
             else "before" if value_w <= before - MARGIN else "name line")
    name_room: float = width - 2 * MARGIN
    if place == "name line":  # no room beside the bar: the value ends the name's first line
        name_room -= min(value_w, name_room) + 10
    return _NarrowPlace(place, _name_lines(item, max(name_room, 30.0)), value_w, after, before)


def _narrow_row(item: RangeInput, top: float, cols: _Columns, scale: Scale, color: str,
                width: int) -> tuple[RangeRow, float]:
    name_y = top + 14
    value_text = _value_text(item)
    placed = _narrow_place(item, cols, scale, width)
    place, names, after, before = placed.place, placed.names, placed.after, placed.before
    extra = LINE * (len(names) - 1)  # a name on two lines pushes its bar down
    y = name_y + 13 + extra
    if place == "after":
        value = Text(value_text, rounded(after), rounded(y + 4), NAME_SIZE, bold=True)
    elif place == "before":
        value = Text(value_text, rounded(before), rounded(y + 4), NAME_SIZE, bold=True,
                     anchor="end")
    else:
        value = Text(fit(value_text, NAME_SIZE, width - 2 * MARGIN, bold=True),
                     width - MARGIN, rounded(name_y), NAME_SIZE, bold=True, anchor="end")
    name = tuple(Text(line, MARGIN, rounded(name_y + LINE * i), NAME_SIZE, bold=True)
                 for i, line in enumerate(names))
    date_text = _date_text(item)
    date_x = width - MARGIN - text_width(date_text, SMALL_SIZE)
    kind = Text(fit(_kind_text(item), SMALL_SIZE, max(date_x - MARGIN - 10, 30.0)), MARGIN,
                rounded(y + 17))
    date = Text(date_text, width - MARGIN, rounded(y + 17), anchor="end")
    row = _row(item, y, scale, color, cols, name=name, kind=kind, value=value, date=date)
    return row, placed.height


def _row(item: RangeInput, y: float, scale: Scale, color: str, cols: _Columns, *,
         name: tuple[Text, ...], kind: Text | None, value: Text, date: Text) -> RangeRow:
    return RangeRow(
        input=item, y=rounded(y),
        x_low=rounded(scale(item.low)) if item.low is not None else cols.plot_left,
        x_high=rounded(scale(item.high)) if item.high is not None else cols.plot_right,
        x_best=rounded(scale(item.best)) if item.best is not None else None,
        color=color, bar_y=rounded(y - BAR_HEIGHT / 2), name=name, kind_line=kind,
        value=value, date=date, note=None,
        arrow_low=arrow(cols.plot_left - ARROW_ZONE + 2, y, 1, 0) if item.low is None else (),
        arrow_high=(arrow(cols.plot_right + ARROW_ZONE - 2, y, -1, 0)
                    if item.high is None else ()),
    )


def _with_note(row: RangeRow, top: float, width: int) -> RangeRow:
    assert row.input.left_out is not None
    note = Text(fit(row.input.left_out.text, SMALL_SIZE, width - 2 * MARGIN), MARGIN,
                rounded(top + 11))
    return RangeRow(**{**row.__dict__, "note": note})


def _frame(inputs: Sequence[RangeInput], width: int, log: bool | None
           ) -> tuple[list[RangeInput], list[RangeInput], _Columns, Scale, list[Tick]]:
    """What a chart's layout starts from: the compared figures sorted by midpoint, those
    shown beside them, the columns and the value axis."""
    if width <= 0:
        raise ValueError("width must be positive")
    for item in inputs:
        check_bounds(item.low, item.high, repr(item.label))
        if item.best is not None and item.best < 0:
            raise ValueError(f"{item.label!r}: negative best guess {item.best}")

    def order(item: RangeInput) -> tuple[float, str, str]:
        return (midpoint(item.low, item.high), item.label, item.key)

    compared = sorted((i for i in inputs if i.compared), key=order)
    beside = sorted((i for i in inputs if not i.compared), key=order)
    cols = _columns(inputs, width)
    finite = [v for i in inputs for v in (i.low, i.high, i.best) if v is not None]
    open_top_lows = [i.low for i in inputs if i.high is None and i.low is not None]
    scale, ticks = fitted_axis(finite, open_top_lows, log=log, plot_left=cols.plot_left,
                               plot_right=cols.plot_right, left=0.0, right=float(width))
    return compared, beside, cols, scale, list(ticks)


def range_chart_size(inputs: Sequence[RangeInput], *, width: int = 720,
                     log: bool | None = None) -> tuple[int, int]:
    """The width and height range_chart draws these figures at, from the height of each row
    alone: no label, bar or tick is laid out. What a page needs for the <img> of a chart
    drawn on its own."""
    compared, beside, cols, scale, _ticks = _frame(inputs, width, log)
    y = float(TOP) + (GROUP_HEADING_HEIGHT if beside else 0)
    for item in [*compared, *beside]:
        if cols.layout == "wide":
            y += _wide_height(len(_name_lines(item, cols.name_width)))
        else:
            y += _narrow_place(item, cols, scale, width).height
        if not item.compared:
            y += NOTE_HEIGHT
    height = int(y) + BOTTOM
    if not inputs:
        return width, height
    overlap, gap = overlap_or_gap(compared)
    _key, key_height = lay_out_key(key_items([*compared, *beside], overlap, gap), width=width,
                                   top=height - 8.0, margin=MARGIN)
    return width, int(height + key_height)


def range_chart(
    inputs: Sequence[RangeInput],
    *,
    width: int = 720,
    log: bool | None = None,
    unit: str = "people",
    colors: Mapping[str, str] | None = None,
) -> RangeChart:
    """Lay out one horizontal bar per figure on a shared value axis: the compared figures sorted
    by midpoint, then those shown beside the comparison, each with its reason; a key of the
    marks used goes below."""
    compared, beside, cols, scale, ticks = _frame(inputs, width, log)
    palette = resolve_colors([i.color_key for i in [*compared, *beside]], colors)
    shades = apart([palette[i.color_key] for i in [*compared, *beside]])

    rows: list[RangeRow] = []
    y = float(TOP)
    heading: Text | None = None
    for index, item in enumerate([*compared, *beside]):
        if item is (beside[0] if beside else None):
            heading = Text(_("Not comparable with totals") if all(
                i.left_out is not None and i.left_out.partial for i in beside)
                else _("Not in the comparison"), MARGIN, rounded(y + GROUP_HEADING_HEIGHT * 0.7),
                NAME_SIZE, bold=True)
            y += GROUP_HEADING_HEIGHT
        if cols.layout == "wide":
            row, height = _wide_row(item, y, cols, scale, shades[index], width)
        else:
            row, height = _narrow_row(item, y, cols, scale, shades[index], width)
        if not item.compared:
            row = _with_note(row, y + height, width)
            height += NOTE_HEIGHT
        rows.append(row)
        y += height
        if index == len(compared) - 1:
            compared_bottom = y
    if not compared:
        compared_bottom = float(TOP)
    plot_bottom = y

    overlap_span, gap_span = overlap_or_gap(compared)
    overlap = _band(overlap_span, scale, cols.plot_right, TOP, compared_bottom)
    gap = _band(gap_span, scale, cols.plot_right, TOP, compared_bottom)
    axis = Text(axis_label_text(unit, scale.kind), rounded((cols.plot_left + cols.plot_right) / 2),
                rounded(plot_bottom + BOTTOM * 0.7), SMALL_SIZE, anchor="middle")
    chart = RangeChart(
        width=width, height=int(plot_bottom) + BOTTOM, title=_("Range of estimates"),
        layout=cols.layout, scale=scale.kind, domain_min=int(scale.domain_min),
        domain_max=int(scale.domain_max), plot_left=cols.plot_left, plot_right=cols.plot_right,
        plot_top=TOP, plot_bottom=plot_bottom, bar_height=BAR_HEIGHT,
        rows=tuple(rows), ticks=tuple(ticks), tick_label_y=TOP - 10, axis_label=axis,
        overlap=overlap, gap=gap,
        sentence=spread_sentence(compared, overlap_span, gap_span, beside=len(beside)),
        value_scale=scale, group_heading=heading,
    )
    if chart.empty:
        return chart
    key, key_height = lay_out_key(key_items(chart.rows, chart.overlap, chart.gap),
                                  width=width, top=chart.height - 8.0, margin=MARGIN)
    return RangeChart(**{**chart.__dict__, "key": key, "height": int(chart.height + key_height)})


def _band(span: Span | None, scale: Scale, plot_right: float, y1: float,
          y2: float) -> Band | None:
    if span is None:
        return None
    return Band(low=span.low, high=span.high, x1=scale(span.low),
                x2=scale(span.high) if span.high is not None else plot_right, y1=y1, y2=y2)


__all__ = ["BOTTOM", "PALETTE", "ROW_HEIGHT", "TOP", "Band", "RangeChart", "RangeInput",
           "RangeRow", "Text", "range_chart", "range_chart_size"]
