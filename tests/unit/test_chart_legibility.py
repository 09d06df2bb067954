"""Charts that can be read: labels measured with the font never overlap or leave the chart,
the key names exactly the marks drawn, colours keep their contrast and neighbours differ,
and timelines draw dates as precisely as they are known."""

from __future__ import annotations

import datetime
import itertools

import pytest

from app.charts.key import LABELS
from app.charts.palette import (
    DARK_BACKGROUND,
    DARK_PALETTE,
    LIGHT_BACKGROUND,
    PALETTE,
    apart,
    contrast,
)
from app.charts.range import range_chart
from app.charts.range_model import RangeChart, RangeInput, Text
from app.charts.text import fit, text_width, wrap
from app.charts.timeline import TimelinePoint, TimelineSeries, timeline_chart
from app.domain.comparison import LeftOut

NAMES = [
    "South Korea's National Intelligence Service (NIS)", "Mediazona / BBC Russian",
    "Mediazona / BBC Russian (extrapolation)", "Міністерство оборони України",
    "가상 국방정보본부", "US officials", "Volodymyr Zelensky", "UN Office for the Coordination of "
    "Humanitarian Affairs", "Institute for the Study of War", "Oryx", "Ostravan MoD",
    "Kestrel Monitor", "The Meridian Post", "Harbor Institute for Conflict Data", "Red Lantern",
    "Corvia Health Ministry",
]
FIGURES = [(300, 300), (1_000, None), (None, 8_000), (11_000, 15_000), (1_000_000, 1_000_000),
           (45_000, 45_000), (2_000, 3_000), (None, 80_000), (120_000, 150_000), (6_000, None)]


def messy_inputs() -> list[RangeInput]:
    inputs = []
    for i, name in enumerate(NAMES):
        low, high = FIGURES[i % len(FIGURES)]
        qualifier = ("exact" if low == high else "between" if low and high
                     else "more_than" if low else "up_to")
        best = 12_000 if (low, high) == (11_000, 15_000) else None
        value = (f"{low:,}–{high:,} (best 12,000)" if best else f"about {low:,}" if low == high
                 else f"more than {low:,}" if high is None else f"up to {high:,}" if low is None
                 else f"{low:,}–{high:,}")
        inputs.append(RangeInput(
            label=name, short_label=name.split()[0], low=low, high=high, qualifier=qualifier,
            value_label=value, date_label="January 2025", best=best, key=f"s{i}",
            party_to_conflict=i % 5 == 0, confidence="uncertain" if i == 3 else "reported",
            left_out=LeftOut("one area only: the Lirnia region, according to the ministry's "
                             "own briefing", partial=True) if i in (6, 9) else None))
    return inputs


def boxes(chart: RangeChart) -> list[tuple[float, float, float, float, Text]]:
    """(left, top, right, bottom) of every text in the chart, from the font's widths."""
    texts: list[Text] = [t for row in chart.rows for t in row.texts]
    texts.append(chart.axis_label)
    if chart.group_heading:
        texts.append(chart.group_heading)
    result = []
    for t in texts:
        left = t.x - {"start": 0.0, "middle": t.width / 2, "end": t.width}[t.anchor]
        result.append((left, t.y - t.size * 0.8, left + t.width, t.y + t.size * 0.25, t))
    for tick in chart.ticks:
        left = {"start": tick.label_x, "middle": tick.label_x - tick.width / 2,
                "end": tick.label_x - tick.width}[tick.anchor]
        result.append((left, chart.tick_label_y - 9, left + tick.width, chart.tick_label_y + 3,
                       Text(tick.label, left, chart.tick_label_y)))
    return result


@pytest.mark.parametrize("width", [360, 390, 540, 720, 1000])
def test_no_label_overlaps_another_or_leaves_the_chart(width: int) -> None:
    chart = range_chart(messy_inputs(), width=width)
    found = boxes(chart)
    for left, top, right, bottom, text in found:
        assert left >= 0 and right <= width and top >= 0 and bottom <= chart.height, text
    for a, b in itertools.combinations(found, 2):
        overlap = (min(a[2], b[2]) - max(a[0], b[0]) > 0.5
                   and min(a[3], b[3]) - max(a[1], b[1]) > 0.5)
        assert not overlap, (a[4], b[4])


def test_names_wrap_or_give_way_to_the_short_name_and_never_lose_the_full_one() -> None:
    chart = range_chart(messy_inputs(), width=720)
    nis = next(r for r in chart.rows if r.key == "s0")
    assert [t.text for t in nis.name] == ["South Korea's National", "Intelligence Service (NIS)"]
    alike = {r.key: " ".join(t.text for t in r.name) for r in chart.rows if r.key in ("s1", "s2")}
    assert alike["s1"] != alike["s2"]  # never cut to the same prefix
    assert nis.label == "South Korea's National Intelligence Service (NIS)"


def test_the_best_value_label_is_whole() -> None:
    for width in (360, 720):
        chart = range_chart(messy_inputs(), width=width)
        row = next(r for r in chart.rows if r.best is not None)
        assert row.value.text == "11,000–15,000 (best 12,000)"


def test_a_narrow_chart_puts_each_name_above_its_bar() -> None:
    chart = range_chart(messy_inputs(), width=360)
    assert chart.layout == "narrow"
    for row in chart.rows:
        assert row.name[-1].y < row.bar_y
        assert row.name[0].x <= chart.plot_left


@pytest.mark.parametrize("width", [320, 360])
def test_a_narrow_chart_wraps_a_long_name_before_shortening_it(width: int) -> None:
    chart = range_chart(messy_inputs(), width=width)
    names = {r.key: [t.text for t in r.name] for r in chart.rows}
    # Too long for one line on a phone, whole on two.
    assert len(names["s0"]) == 2
    assert " ".join(names["s0"]) == "South Korea's National Intelligence Service (NIS)"
    assert " ".join(names["s2"]) == "Mediazona / BBC Russian (extrapolation)"
    two = next(r for r in chart.rows if r.key == "s0")
    one = next(r for r in chart.rows if len(r.name) == 1)
    # The second line pushes the bar down, keeping the bar clear of the name.
    assert two.bar_y - two.name[0].y > one.bar_y - one.name[0].y


def test_the_key_names_exactly_the_marks_drawn() -> None:
    chart = range_chart(messy_inputs(), width=720)
    assert {item.glyph for item in chart.key} == {
        "range", "point", "open", "best", "uncertain", "not-compared", "party", "gap"}
    plain = range_chart([RangeInput("A", 1, 1, "exact", "1", "2025"),
                         RangeInput("B", 1, 2, "between", "1–2", "2025")])
    assert [item.glyph for item in plain.key] == ["range", "point", "overlap"]
    assert all(item.label == LABELS[item.glyph] for item in plain.key)


def test_tick_labels_never_touch_however_wide_the_numbers() -> None:
    for width in (360, 720):
        chart = range_chart([RangeInput("A", 300, 300, "exact", "300", "2025"),
                             RangeInput("B", 400_000, 400_000, "exact", "400,000", "2025")],
                            width=width, log=False)
        spans = sorted((t.label_x - {"start": 0, "middle": t.width / 2, "end": t.width}[t.anchor],
                        t.label_x + {"start": t.width, "middle": t.width / 2, "end": 0}[t.anchor])
                       for t in chart.ticks)
        assert all(a[1] + 6 <= b[0] for a, b in itertools.pairwise(spans)), spans


def test_every_colour_keeps_three_to_one_against_its_background() -> None:
    assert len(PALETTE) == len(DARK_PALETTE) == len(set(PALETTE))
    assert all(contrast(c, LIGHT_BACKGROUND) >= 3 for c in PALETTE)
    assert all(contrast(c, DARK_BACKGROUND) >= 3 for c in DARK_PALETTE)


def test_neighbouring_rows_never_share_a_colour() -> None:
    chart = range_chart(messy_inputs(), width=720)
    assert len(chart.rows) > len(PALETTE)
    assert all(a.color != b.color for a, b in itertools.pairwise(chart.rows))
    assert apart(["#0072B2", "#0072B2", "#0072B2"]) == ["#0072B2", PALETTE[1], "#0072B2"]


def test_text_is_measured_from_the_font() -> None:
    assert text_width("iiii", 12) < text_width("WWWW", 12)
    assert text_width("NIS", 12, bold=True) > text_width("NIS", 12)
    assert text_width("국가", 12) == pytest.approx(2 * 12 * 1.04)
    assert fit("a long source name", 12, 60).endswith("…")
    assert wrap("one two three", 12, 10_000) == ["one two three"]
    assert wrap("supercalifragilistic", 12, 20) is None


# ---- timelines ----------------------------------------------------------------------------

JAN, DEC = datetime.date(2024, 1, 1), datetime.date(2024, 12, 31)


def test_a_year_figure_spans_its_year_and_a_stated_one_is_hollow() -> None:
    year = TimelinePoint(JAN, 100, 100, "100", "2024", until=DEC)
    stated = TimelinePoint(datetime.date(2025, 3, 10), 200, 200, "200", "stated 10 March 2025",
                           stated=True)
    chart = timeline_chart([TimelineSeries("A", "a", [year, stated])])
    first, second = chart.series[0].marks
    assert first.x_start == chart.x(JAN)
    assert first.x_end == chart.x(datetime.date(2025, 1, 1))
    assert first.x == pytest.approx((first.x_start + first.x_end) / 2, abs=0.1)
    assert second.stated and not first.stated
    assert second.x_start == second.x_end == second.x


def test_line_end_names_stay_apart_and_inside() -> None:
    series = [TimelineSeries(name, f"k{i}", [TimelinePoint(JAN, 100 + i, 100 + i, "v", "d")])
              for i, name in enumerate(NAMES[:6])]
    chart = timeline_chart(series, width=720)
    ys = sorted(s.name_y for s in chart.series)
    assert all(b - a >= 13 - 0.01 for a, b in itertools.pairwise(ys))
    for s in chart.series:
        assert s.name_x > chart.plot_right
        assert s.name_x + text_width(s.name, 11) <= chart.width
        assert chart.plot_top <= s.name_y <= chart.height


def test_lines_sharing_a_colour_differ_by_dash() -> None:
    series = [TimelineSeries(f"S{i}", f"k{i:02d}", [TimelinePoint(JAN, i + 1, i + 1, "v", "d")])
              for i in range(len(PALETTE) + 1)]
    chart = timeline_chart(series)
    same = [s for s in chart.series if s.color == chart.series[0].color]
    assert len(same) == 2 and same[0].dash != same[1].dash
