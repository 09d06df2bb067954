"""Behavioural tests for the pure chart geometry in app.charts: scales, range charts, timelines."""

from __future__ import annotations

import dataclasses
import datetime
import itertools
import math

import pytest

from app.charts.palette import PALETTE, assign_colors
from app.charts.range import BOTTOM, ROW_HEIGHT, TOP, range_chart, range_chart_size
from app.charts.range_model import RangeInput
from app.charts.scale import midpoint, nice_ticks, tick_label
from app.charts.timeline import TimelinePoint, TimelineSeries, timeline_chart
from app.domain.comparison import LeftOut


def est(
    label: str,
    low: int | None,
    high: int | None,
    *,
    best: int | None = None,
    key: str = "",
    value_label: str = "",
    qualifier: str = "between",
) -> RangeInput:
    return RangeInput(
        label=label,
        low=low,
        high=high,
        qualifier=qualifier,
        value_label=value_label or f"{low}-{high}",
        date_label="January 2025",
        best=best,
        key=key or label.lower().replace(" ", "-"),
    )


US = est("US officials", 1200, 1200, value_label="about 1,200", qualifier="about")
ZELENSKY = est("Volodymyr Zelensky", 4000, 4000, value_label="4,000", qualifier="exact")


def point(when: datetime.date, low: int | None, high: int | None) -> TimelinePoint:
    return TimelinePoint(when=when, low=low, high=high, value_label="v", date_label="d")


def _is_125_step(step: int) -> bool:
    while step % 10 == 0:
        step //= 10
    return step in (1, 2, 5)


# --- nice_ticks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("max_value", "expected"),
    [
        (3000, [0, 1000, 2000, 3000]),
        (4000, [0, 1000, 2000, 3000, 4000]),
        (1200, [0, 500, 1000, 1500]),
        (99, [0, 20, 40, 60, 80, 100]),
        (3, [0, 1, 2, 3]),
        (0, [0, 1]),
    ],
)
def test_nice_ticks_examples(max_value: float, expected: list[int]) -> None:
    assert nice_ticks(max_value) == expected


@pytest.mark.parametrize(
    "max_value",
    [
        3,
        4,
        7,
        9,
        10,
        11,
        17,
        25,
        49,
        51,
        99,
        101,
        250,
        999,
        1001,
        1234,
        2999,
        3001,
        4500,
        7777,
        9999,
        12_000,
        33_333,
        123_456,
        999_999,
        1_000_001,
        4_321_000,
        87_654_321,
        6.5,
        1e9,
    ],
)
def test_nice_ticks_properties(max_value: float) -> None:
    ticks = nice_ticks(max_value)
    assert ticks[0] == 0
    assert ticks[-1] >= max_value
    assert 4 <= len(ticks) <= 7
    step = ticks[1] - ticks[0]
    assert all(b - a == step for a, b in itertools.pairwise(ticks))
    assert _is_125_step(step)
    # The last tick is the first one at or above the max: no wasted empty interval.
    assert ticks[-2] < max_value
    assert all(isinstance(t, int) for t in ticks)


@pytest.mark.parametrize("bad", [-1, math.inf, math.nan])
def test_nice_ticks_rejects_bad_input(bad: float) -> None:
    with pytest.raises(ValueError):
        nice_ticks(bad)


def test_tick_labels() -> None:
    assert tick_label(0) == "0"
    assert tick_label(1000) == "1,000"
    assert tick_label(1_000_000) == "1,000,000"
    assert tick_label(10_000_000) == "10 million"
    assert tick_label(12_500_000) == "12.5 million"
    # Not a round multiple: keep every digit rather than round it away.
    assert tick_label(12_345_678) == "12,345,678"


# --- layout and linear scale ---------------------------------------------------------------


def test_linear_positions_match_values() -> None:
    chart = range_chart([US, ZELENSKY])
    assert chart.scale == "linear"
    PLOT_LEFT, PLOT_RIGHT = chart.plot_left, chart.plot_right
    # The name column is as wide as the names need, the value column as the values need.
    assert max(t.x + t.width for row in chart.rows for t in row.name) < PLOT_LEFT
    assert min(row.value.x for row in chart.rows) > PLOT_RIGHT
    assert (chart.domain_min, chart.domain_max) == (0, 4000)
    assert chart.x(0) == PLOT_LEFT
    assert chart.x(4000) == PLOT_RIGHT
    assert chart.x(2000) == (PLOT_LEFT + PLOT_RIGHT) / 2
    us_row = chart.rows[0]
    expected = PLOT_LEFT + 1200 / 4000 * (PLOT_RIGHT - PLOT_LEFT)
    assert us_row.x_low == pytest.approx(expected, abs=0.06)  # both rounded to 0.1 px
    assert [t.value for t in chart.ticks] == [0, 1000, 2000, 3000, 4000]
    assert [t.label for t in chart.ticks] == ["0", "1,000", "2,000", "3,000", "4,000"]
    for tick in chart.ticks:
        assert tick.x == pytest.approx(
            PLOT_LEFT + tick.value / 4000 * (PLOT_RIGHT - PLOT_LEFT), abs=0.06
        )


def test_domain_max_is_nice_tick_above_largest_value() -> None:
    chart = range_chart([est("A", 100, 300), est("B", 900, 1100, best=1000)])
    assert chart.domain_max == 1500
    assert chart.ticks[-1].x == chart.plot_right
    assert chart.rows[1].x_high == chart.x(1100) < chart.plot_right


def test_coordinates_are_rounded_to_tenth_of_pixel() -> None:
    chart = range_chart([est("A", 1, 333), est("B", 7, 777, best=123)])
    numbers = [chart.plot_left, chart.plot_right, *(t.x for t in chart.ticks)]
    for row in chart.rows:
        numbers += [row.x_low, row.x_high, row.y, row.label_x, row.value_x, row.bar_y]
        if row.x_best is not None:
            numbers.append(row.x_best)
    for number in numbers:
        assert round(number, 1) == number


def test_rows_layout_and_height() -> None:
    chart = range_chart([est("A", 1, 2), est("B", 3, 4), est("C", 5, 6)])
    assert [row.y for row in chart.rows] == [
        TOP + ROW_HEIGHT / 2,
        TOP + ROW_HEIGHT * 1.5,
        TOP + ROW_HEIGHT * 2.5,
    ]
    assert chart.plot_top == TOP
    assert chart.plot_bottom == TOP + 3 * ROW_HEIGHT
    # The key goes below the axis label.
    assert chart.height > TOP + 3 * ROW_HEIGHT + BOTTOM
    assert chart.key and all(item.y > chart.axis_label.y for item in chart.key)
    assert max(item.y for item in chart.key) < chart.height
    assert chart.width == 720
    assert chart.title == "Range of estimates"
    for row in chart.rows:
        assert row.label_x < chart.plot_left
        assert row.value_x > chart.plot_right
        assert row.bar_y + chart.bar_height / 2 == row.y


SIZED = [
    [],
    [US, ZELENSKY],
    [est("A", 1, 2), est("B", 3, 4), est("C", 5, 6)],
    # Open ends, a best guess, long names that wrap or are cut, values with no room beside
    # their bars, figures beside the comparison (a note each, under a heading).
    [est("Ministry of Defence of a Very Long Country Name", None, 90_000,
         value_label="up to 90,000", qualifier="up_to"),
     est("Institute for the Study of Everything", 40_000, None, value_label="at least 40,000",
         qualifier="at_least"),
     est("B", 1, 250_000, best=120_000, value_label="1–250,000 (best 120,000)"),
     dataclasses.replace(est("Regional Observatory", 5_000, 5_000, value_label="about 5,000"),
                         left_out=LeftOut("one area only", partial=True)),
     dataclasses.replace(est("Another Source With A Name", 70_000, 80_000, key="other"),
                         left_out=LeftOut("disputed: contested", partial=False),
                         confidence="uncertain", party_to_conflict=True, derived=True)],
]


@pytest.mark.parametrize("inputs", SIZED)
@pytest.mark.parametrize("width", [720, 360, 300])
def test_the_size_alone_is_the_drawings(inputs: list[RangeInput], width: int) -> None:
    """A page gives an image of a chart its size without laying the chart out."""
    chart = range_chart(inputs, width=width)
    assert range_chart_size(inputs, width=width) == (chart.width, chart.height)


@pytest.mark.parametrize("width", [480, 400, 320, 200])
def test_narrow_width_still_has_a_plot(width: int) -> None:
    chart = range_chart([US, ZELENSKY], width=width)
    assert 0 <= chart.plot_left < chart.plot_right <= width
    assert chart.plot_right - chart.plot_left >= min(160, width - 60) - 0.1
    assert chart.rows[0].label_x <= chart.plot_left
    for row in chart.rows:
        for text in row.texts:
            left = text.x - {"start": 0, "middle": text.width / 2, "end": text.width}[text.anchor]
            assert left >= 0 and left + text.width <= width, (width, text)
    assert chart.x(2000) == pytest.approx((chart.plot_left + chart.plot_right) / 2, abs=0.1)


def test_rejects_invalid_ranges() -> None:
    with pytest.raises(ValueError):
        range_chart([est("A", None, None)])
    with pytest.raises(ValueError):
        range_chart([est("A", 500, 100)])
    with pytest.raises(ValueError):
        range_chart([est("A", -5, 100)])
    with pytest.raises(ValueError):
        range_chart([], width=0)


# --- log scale -----------------------------------------------------------------------------


def test_log_scale_auto_selected_for_wide_spread() -> None:
    chart = range_chart([est("A", 300, 300), est("B", 1_000_000, 1_000_000)])
    assert chart.scale == "log"
    assert "(logarithmic scale)" in chart.axis_label.text
    assert (chart.domain_min, chart.domain_max) == (100, 1_000_000)
    assert [t.value for t in chart.ticks] == [100, 1000, 10_000, 100_000, 1_000_000]
    assert [t.label for t in chart.ticks][-1] == "1,000,000"
    width = chart.plot_right - chart.plot_left
    # Four decades: each power of ten is a quarter of the way further right.
    for i, tick in enumerate(chart.ticks):
        assert tick.x == pytest.approx(chart.plot_left + width * i / 4, abs=0.05)
    assert chart.x(300) == pytest.approx(
        chart.plot_left + width * (math.log10(300) - 2) / 4, abs=0.05
    )
    assert chart.rows[0].x_low == chart.x(300)


def test_log_scale_not_selected_for_moderate_spread() -> None:
    chart = range_chart([est("A", 300, 300), est("B", 4000, 4000)])
    assert chart.scale == "linear"
    assert "logarithmic" not in chart.axis_label.text
    assert chart.axis_label.text == "Number of people"


def test_log_forced_and_suppressed() -> None:
    forced = range_chart([US, ZELENSKY], log=True)
    assert forced.scale == "log"
    assert (forced.domain_min, forced.domain_max) == (1000, 10_000)
    # A single decade gets 2× and 5× ticks so values can still be read off.
    assert [t.value for t in forced.ticks] == [1000, 2000, 5000, 10_000]
    suppressed = range_chart([est("A", 300, 300), est("B", 1_000_000, 1_000_000)], log=False)
    assert suppressed.scale == "linear"


def test_zero_on_log_scale_sits_at_plot_left() -> None:
    chart = range_chart([est("A", 0, 50), est("B", 100_000, 200_000)])
    assert chart.scale == "log"
    assert chart.rows[0].x_low == chart.plot_left
    assert chart.x(0) == chart.plot_left


def test_unit_in_axis_label() -> None:
    chart = range_chart([US], unit="troops")
    assert chart.axis_label.text == "Number of troops"


# --- rows ----------------------------------------------------------------------------------


def test_rows_ordered_by_midpoint_with_label_tiebreak() -> None:
    chart = range_chart(
        [
            est("High", 5000, 7000),  # 6000
            est("Open top", 2500, None),  # 2500
            est("Open bottom", None, 3000),  # 1500
            est("Zed", 1000, 3000),  # 2000
            est("Alpha", 2000, 2000),  # 2000, same as Zed: label decides
        ]
    )
    assert [row.label for row in chart.rows] == ["Open bottom", "Alpha", "Zed", "Open top", "High"]
    assert [row.midpoint for row in chart.rows] == [1500, 2000, 2000, 2500, 6000]


def test_midpoint_rule() -> None:
    assert midpoint(10, 20) == 15
    assert midpoint(10, None) == 10
    assert midpoint(None, 20) == 10
    with pytest.raises(ValueError):
        midpoint(None, None)


def test_open_ends_run_to_the_plot_edge_with_arrows_outside_the_bar() -> None:
    chart = range_chart([est("Up to", None, 3000), est("At least", 2000, None)])
    up_to, at_least = chart.rows
    assert up_to.open_low and not up_to.open_high
    assert up_to.x_low == chart.plot_left
    assert up_to.x_high == chart.x(3000)
    # The arrowhead lies beyond the plot, so it can never be read as the bar's own end.
    assert all(x < chart.plot_left for x, _ in up_to.arrow_low)
    assert up_to.arrow_low[0][0] == min(x for x, _ in up_to.arrow_low)
    assert up_to.arrow_high == ()

    assert at_least.open_high and not at_least.open_low
    assert at_least.x_high == chart.plot_right
    assert at_least.x_low == chart.x(2000)
    assert all(x > chart.plot_right for x, _ in at_least.arrow_high)
    assert at_least.arrow_high[0][0] == max(x for x, _ in at_least.arrow_high)
    assert all(x < at_least.value.x for x, _ in at_least.arrow_high)
    assert at_least.arrow_low == ()
    assert sorted(y for _, y in at_least.arrow_high) == [
        at_least.y - 4,
        at_least.y,
        at_least.y + 4,
    ]


def test_open_top_gets_headroom() -> None:
    only_open = range_chart([est("A", 300, None), est("B", 4000, None)])
    assert only_open.domain_max >= 6000
    assert only_open.rows[1].x_low < only_open.plot_right
    # Even with closed ranges around, the largest open-topped range must not collapse.
    mixed = range_chart([est("A", 100, 1000), est("B", 4000, None)])
    assert mixed.rows[1].x_low < mixed.plot_right


def test_point_range_and_best_dot() -> None:
    chart = range_chart([est("Point", 500, 500), est("Range", 800, 1600, best=1000)])
    point_row, range_row = chart.rows
    assert point_row.is_point
    assert point_row.x_low == point_row.x_high == chart.x(500)
    assert point_row.x_best is None
    assert not range_row.is_point
    assert range_row.x_best is not None
    assert range_row.x_low < range_row.x_best < range_row.x_high
    assert range_row.x_best == chart.x(1000)


def test_row_passes_input_through_unescaped() -> None:
    nasty = "<script>alert(1)</script>"
    item = dataclasses.replace(
        est(nasty, 10, 20, value_label="10–20 & more"), kind="ngo"
    )
    chart = range_chart([item])
    row = chart.rows[0]
    assert row.input is item
    assert row.label == nasty
    assert row.value_label == "10–20 & more"
    assert row.kind == "ngo"
    assert row.kind_label == "NGO"
    assert nasty in chart.sentence


# --- overlap and gap -----------------------------------------------------------------------


def test_overlap_band() -> None:
    chart = range_chart([est("A", 1000, 3200), est("B", 3000, 5000)])
    assert chart.gap is None
    band = chart.overlap
    assert band is not None
    assert (band.low, band.high) == (3000, 3200)
    assert (band.x1, band.x2) == (chart.x(3000), chart.x(3200))
    assert (band.y1, band.y2) == (chart.plot_top, chart.plot_bottom)
    assert chart.sentence.endswith(" All sources are consistent with 3,000–3,200.")


def test_gap_band() -> None:
    chart = range_chart([US, ZELENSKY])
    assert chart.overlap is None
    band = chart.gap
    assert band is not None
    assert (band.low, band.high) == (1200, 4000)
    assert (band.x1, band.x2) == (chart.x(1200), chart.x(4000))
    assert chart.sentence.endswith(" No single figure is consistent with every source.")


def test_overlap_with_open_top_runs_to_plot_right() -> None:
    chart = range_chart([est("A", 3000, None), est("B", 2000, None)])
    band = chart.overlap
    assert band is not None
    assert (band.low, band.high) == (3000, None)
    assert band.x2 == chart.plot_right
    assert chart.sentence.endswith(" All sources are consistent with at least 3,000.")


def test_overlap_with_open_bottom_counts_from_zero() -> None:
    chart = range_chart([est("A", None, 3000), est("B", None, 5000)])
    band = chart.overlap
    assert band is not None
    assert (band.low, band.high) == (0, 3000)
    assert band.x1 == chart.plot_left
    assert chart.sentence.endswith(" All sources are consistent with up to 3,000.")


def test_gap_between_open_bottom_and_open_top() -> None:
    chart = range_chart([est("Up to", None, 100), est("At least", 300, None)])
    assert chart.overlap is None
    assert chart.gap is not None
    assert (chart.gap.low, chart.gap.high) == (100, 300)


def test_overlap_point() -> None:
    chart = range_chart([est("A", 100, 300), est("B", 300, 900)])
    assert chart.overlap is not None and chart.overlap.is_point
    assert chart.overlap.x1 == chart.overlap.x2 == chart.x(300)
    assert chart.sentence.endswith(" All sources are consistent with 300.")


def test_no_band_for_single_row() -> None:
    chart = range_chart([est("A", 100, 300)])
    assert chart.overlap is None and chart.gap is None


# --- sentence ------------------------------------------------------------------------------


def test_sentence_no_rows() -> None:
    chart = range_chart([])
    assert chart.sentence == "No estimates yet."
    assert chart.empty and chart.rows == ()
    assert chart.height == TOP + BOTTOM


def test_sentence_one_row() -> None:
    assert range_chart([US]).sentence == "Only one source so far: US officials, about 1,200."


def test_sentence_range_example() -> None:
    sentence = range_chart([ZELENSKY, US]).sentence
    assert sentence.startswith(
        "Estimates range from 1,200 (US officials) to 4,000 (Volodymyr Zelensky); "
        "the highest is 3.3 times the lowest."
    )
    assert sentence == (
        "Estimates range from 1,200 (US officials) to 4,000 (Volodymyr Zelensky); "
        "the highest is 3.3 times the lowest. No single figure is consistent with every source."
    )


def test_sentence_ratio_rounds_to_whole_from_ten() -> None:
    sentence = range_chart([est("A", 100, 100), est("B", 1234, 1234)]).sentence
    assert "; the highest is 12 times the lowest." in sentence


def test_sentence_without_ratio_when_lowest_is_zero() -> None:
    sentence = range_chart([est("A", 0, 10), est("B", 20, 500)]).sentence
    assert sentence.startswith("Estimates range from 0 (A) to 500 (B).")
    assert "times" not in sentence


def test_sentence_uses_open_bounds() -> None:
    sentence = range_chart([est("At least", 300, None), est("Up to", None, 4000)]).sentence
    assert sentence.startswith("Estimates range from 300 (At least) to 4,000 (Up to);")


def test_sentence_all_agree() -> None:
    three = [est(name, 1200, 1200) for name in ("A", "B", "C")]
    assert range_chart(three).sentence == "All 3 sources agree: 1,200."
    assert range_chart(three[:2]).sentence == "Both sources agree: 1,200."


def test_sentence_names_all_sources_sharing_an_extreme() -> None:
    sentence = range_chart([est("A", 100, 100), est("B", 100, 200), est("C", 500, 500)]).sentence
    assert sentence.startswith("Estimates range from 100 (A and B) to 500 (C);")


# --- colours -------------------------------------------------------------------------------


def test_assign_colors_sorted_and_cycling() -> None:
    keys = [f"k{i:02d}" for i in range(len(PALETTE) + 2)]
    colors = assign_colors(list(reversed(keys)) + keys)
    assert [colors[k] for k in keys] == [*PALETTE, PALETTE[0], PALETTE[1]]


def test_row_colors_do_not_depend_on_order() -> None:
    a = est("A", 10, 20, key="zeta")
    b = est("B", 30, 40, key="alpha")
    forward = {row.key: row.color for row in range_chart([a, b]).rows}
    backward = {row.key: row.color for row in range_chart([b, a]).rows}
    assert forward == backward == {"alpha": PALETTE[0], "zeta": PALETTE[1]}


def test_explicit_colors_mapping_wins() -> None:
    chart = range_chart(
        [est("A", 10, 20, key="a"), est("B", 30, 40, key="b")], colors={"b": PALETTE[0]}
    )
    colors = {row.key: row.color for row in chart.rows}
    assert colors["b"] == PALETTE[0]
    # An unmapped key must not silently share the mapped colour.
    assert colors["a"] != PALETTE[0]


# --- timeline ------------------------------------------------------------------------------


JAN = datetime.date(2025, 1, 1)
JUN = datetime.date(2025, 6, 1)


def test_timeline_positions() -> None:
    chart = timeline_chart(
        [
            TimelineSeries("A", "a", [point(JUN, 300, 500), point(JAN, 100, 200)]),
            TimelineSeries("B", "b", [point(JAN, 400, 400)]),
        ]
    )
    assert not chart.empty
    series_a = chart.series[0]
    first, second = series_a.marks
    assert first.when == JAN and second.when == JUN
    assert first.x < second.x
    assert chart.plot_left < first.x < second.x < chart.plot_right
    assert first.y_high < first.y_low  # larger value higher up
    assert second.y_low < first.y_low
    assert first.y_low == chart.y(100) and first.y_high == chart.y(200)
    assert chart.y(0) == chart.plot_bottom
    assert chart.y(chart.value_scale.domain_max) == chart.plot_top
    assert series_a.path_points == ((first.x, chart.y(150)), (second.x, chart.y(400)))
    point_mark = chart.series[1].marks[0]
    assert point_mark.is_point and point_mark.y_low == point_mark.y_high == chart.y(400)
    assert point_mark.x == first.x


def test_timeline_y_ticks_and_x_ticks() -> None:
    chart = timeline_chart([TimelineSeries("A", "a", [point(JAN, 100, 200), point(JUN, 300, 500)])])
    values = [t.value for t in chart.y_ticks]
    assert values == nice_ticks(500)
    ys = [t.y for t in chart.y_ticks]
    assert ys == sorted(ys, reverse=True)
    assert chart.y_ticks[0].y == chart.plot_bottom and chart.y_ticks[-1].y == chart.plot_top
    labels = [t.label for t in chart.x_ticks]
    assert labels[0] == "Jan 2025" and "Jun 2025" in labels
    xs = [t.x for t in chart.x_ticks]
    assert xs == sorted(xs)
    assert all(chart.plot_left <= x <= chart.plot_right for x in xs)
    assert chart.x_ticks[0].x == chart.x(JAN)


def test_timeline_year_ticks_for_long_spans() -> None:
    chart = timeline_chart(
        [TimelineSeries("A", "a", [point(datetime.date(2010, 1, 1), 1, 2), point(JUN, 3, 4)])]
    )
    labels = [t.label for t in chart.x_ticks]
    assert labels and all(len(label) == 4 and label.isdigit() for label in labels)
    assert 2 <= len(labels) <= 8


def test_timeline_single_date_sits_in_middle() -> None:
    chart = timeline_chart([TimelineSeries("A", "a", [point(JAN, 100, 200)])])
    mark = chart.series[0].marks[0]
    assert mark.x == pytest.approx((chart.plot_left + chart.plot_right) / 2, abs=0.1)
    assert chart.x_ticks  # at least one month boundary to label
    assert chart.series[0].path_points == ((mark.x, mark.y_mid),)


def test_timeline_open_ends_capped_at_plot_edges() -> None:
    chart = timeline_chart(
        [TimelineSeries("A", "a", [point(JAN, 1000, None), point(JUN, None, 800)])]
    )
    open_top, open_bottom = chart.series[0].marks
    assert open_top.open_high and open_top.y_high == chart.plot_top
    assert open_top.y_low == chart.y(1000) > chart.plot_top
    # Arrowheads lie outside the plot, pointing away from it.
    assert open_top.arrow_high[0][0] == open_top.x
    assert all(y < chart.plot_top for _, y in open_top.arrow_high)
    assert open_bottom.open_low and open_bottom.y_low == chart.plot_bottom
    assert all(y > chart.plot_bottom for _, y in open_bottom.arrow_low)
    assert open_top.arrow_low == () and open_bottom.arrow_high == ()


def test_timeline_log_scale_rule() -> None:
    wide = [TimelineSeries("A", "a", [point(JAN, 300, 300), point(JUN, 1_000_000, 1_000_000)])]
    chart = timeline_chart(wide)
    assert chart.scale == "log"
    assert chart.y(1_000_000) == chart.plot_top
    assert chart.y(100) == chart.plot_bottom
    assert timeline_chart(wide, log=False).scale == "linear"
    narrow = [TimelineSeries("A", "a", [point(JAN, 300, 300), point(JUN, 4000, 4000)])]
    assert timeline_chart(narrow).scale == "linear"


def test_timeline_empty() -> None:
    chart = timeline_chart([])
    assert chart.empty and chart.series == () and chart.x_ticks == () and chart.y_ticks == ()
    no_points = timeline_chart([TimelineSeries("A", "a", [])])
    assert no_points.empty and no_points.series == ()


def test_timeline_colors_match_range_chart() -> None:
    inputs = [est("A", 10, 20, key="zeta"), est("B", 30, 40, key="alpha")]
    range_colors = {row.key: row.color for row in range_chart(inputs).rows}
    series = [
        TimelineSeries("B", "alpha", [point(JAN, 30, 40)]),
        TimelineSeries("A", "zeta", [point(JAN, 10, 20)]),
    ]
    timeline_colors = {s.key: s.color for s in timeline_chart(series).series}
    assert timeline_colors == range_colors

    # When the timeline shows fewer sources, one shared mapping keeps colours in step.
    shared = assign_colors(["zeta", "alpha", "mid"])
    ranged = range_chart([*inputs, est("M", 1, 2, key="mid")], colors=shared)
    timed = timeline_chart(series[1:], colors=shared)
    zeta_row = next(row for row in ranged.rows if row.key == "zeta")
    assert timed.series[0].color == zeta_row.color == shared["zeta"]


def test_timeline_label_passes_through() -> None:
    nasty = "<script>alert(1)</script>"
    chart = timeline_chart([TimelineSeries(nasty, "x", [point(JAN, 1, 2)])])
    assert chart.series[0].label == nasty


def test_timeline_rejects_bad_input() -> None:
    with pytest.raises(ValueError):
        timeline_chart([TimelineSeries("A", "a", [point(JAN, None, None)])])
    with pytest.raises(ValueError):
        timeline_chart([], height=20)
