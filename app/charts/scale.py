"""Value and time scales shared by every chart: nice ticks, linear or logarithmic axes, and
the geometry helpers (rounding, arrows, margins) both chart kinds use."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.charts.text import text_width
from app.domain.numbers import format_number
from app.i18n import format_one_decimal, unit_label
from app.i18n import gettext as _

LINEAR = "linear"
LOG = "log"

# Spread (max / min of positive values) above which a linear axis would squash the small
# figures into the first pixel, so the chart switches to a logarithmic axis.
LOG_RATIO_THRESHOLD = 100
# An open-topped range ("at least 300") needs some axis beyond its low end, or its bar would
# shrink to nothing under the arrow when it holds the largest figure.
OPEN_TOP_HEADROOM = 1.5
MAX_LOG_TICKS = 7
ARROW_SIZE = 8
TEXT_PAD = 12  # clears a point marker (r=6) sitting on the plot edge


def rounded(value: float) -> float:
    """Round to 0.1 px: finer is invisible and only bloats the SVG and breaks test equality.
    A whole number comes back as an int, which a template writes without its ".0"."""
    value = round(float(value), 1)
    return int(value) if value.is_integer() else value


def tick_label(value: int) -> str:
    """Axis label: "1,000,000" stays exact; from ten million, "12.5 million" reads better.

    Only round multiples of 100,000 are abbreviated so the label never hides digits.
    """
    if value >= 10_000_000 and value % 100_000 == 0:
        millions = value / 1_000_000
        text = (format_number(round(millions)) if millions == round(millions)
                else format_one_decimal(millions))
        return _("%(number)s million", number=text)
    return format_number(value)


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


def check_bounds(low: int | None, high: int | None, what: str) -> None:
    if low is None and high is None:
        raise ValueError(f"{what}: low and high cannot both be open")
    for bound in (low, high):
        if bound is not None and bound < 0:
            raise ValueError(f"{what}: negative value {bound}")
    if low is not None and high is not None and low > high:
        raise ValueError(f"{what}: low {low} is above high {high}")


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
            return rounded(self.range_start)
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
        return rounded(min(max(position, low_edge), high_edge))


def value_domain(
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


def fit_horizontal(width: int, left: int, right: int, min_plot: int) -> tuple[float, float]:
    """Plot x extent; narrow charts shrink both margins in proportion instead of the plot."""
    if width <= 0:
        raise ValueError("width must be positive")
    if width - left - right >= min_plot:
        return float(left), float(width - right)
    factor = max(width - min_plot, 0) / (left + right)
    return rounded(left * factor), rounded(width - right * factor)


def axis_label_text(unit: str, kind: str) -> str:
    if kind == LOG:
        return _("Number of %(unit)s (logarithmic scale)", unit=unit_label(unit))
    return _("Number of %(unit)s", unit=unit_label(unit))


def arrow(tip_x: float, tip_y: float, dx: float, dy: float) -> tuple[tuple[float, float], ...]:
    """Triangle with its tip at (tip_x, tip_y); (dx, dy) is the unit step from tip to base."""
    half = ARROW_SIZE / 2
    base_x, base_y = tip_x + dx * ARROW_SIZE, tip_y + dy * ARROW_SIZE
    return (
        (rounded(tip_x), rounded(tip_y)),
        (rounded(base_x - dy * half), rounded(base_y - dx * half)),
        (rounded(base_x + dy * half), rounded(base_y + dx * half)),
    )


@dataclass(frozen=True)
class Tick:
    """An axis tick: its value, where it sits, its label and how the label is anchored there
    (labels at the ends of an axis are pulled inside so they never leave the chart)."""

    value: int
    x: float  # where the value sits on the axis
    label: str
    anchor: str = "middle"  # "start", "middle" or "end", at text_x
    width: float = 0.0  # of the label, as drawn
    text_x: float | None = None  # None: at x

    @property
    def label_x(self) -> float:
        return self.x if self.text_x is None else self.text_x


TICK_LABEL_SIZE = 11.0
TICK_GAP = 8.0  # between neighbouring tick labels


def _placed(values: Sequence[int], scale: Scale, left: float, right: float) -> list[Tick] | None:
    """The ticks with anchored labels, or None when two labels would touch or one would not
    fit between `left` and `right` (what the chart allows its axis labels)."""
    ticks: list[Tick] = []
    for value in values:
        label = tick_label(value)
        x = scale(value)
        width = text_width(label, TICK_LABEL_SIZE)
        anchor, start = "middle", x - width / 2
        if start < left:
            anchor, start = "start", max(x - 2.0, left)
        elif start + width > right:
            anchor, start = "end", min(x + 2.0, right) - width
        if start < left - 0.5 or start + width > right + 0.5:
            return None
        if ticks:
            before = ticks[-1]
            before_end = _label_start(before) + before.width
            if start < before_end + TICK_GAP:
                return None
        text_x = {"start": start, "middle": x, "end": start + width}[anchor]
        ticks.append(Tick(value, x, label, anchor, width, rounded(text_x)))
    return ticks


def _label_start(tick: Tick) -> float:
    if tick.anchor == "start":
        return tick.label_x
    if tick.anchor == "end":
        return tick.label_x - tick.width
    return tick.label_x - tick.width / 2


def fitted_axis(finite: Sequence[int], open_top_lows: Sequence[int], *, log: bool | None,
                plot_left: float, plot_right: float, left: float,
                right: float) -> tuple[Scale, list[Tick]]:
    """A value axis whose tick labels never touch or leave the chart: as many ticks as the
    space and the labels' real widths allow (from five down to the two ends)."""
    for target in (5, 4, 3, 2):
        kind, low, high, values = value_domain(finite, open_top_lows, log=log, target=target)
        scale = Scale(kind, low, high, plot_left, plot_right)
        if kind == LOG:
            for every in range(1, len(values)):
                thinned = [*values[:-1:every], values[-1]] if every > 1 else values
                thinned = list(dict.fromkeys(thinned))
                placed = _placed(thinned, scale, left, right)
                if placed is not None:
                    return scale, placed
            continue
        placed = _placed(values, scale, left, right)
        if placed is not None:
            return scale, placed
    kind, low, high, values = value_domain(finite, open_top_lows, log=log, target=2)
    scale = Scale(kind, low, high, plot_left, plot_right)
    ends = [values[0], values[-1]]
    return scale, _placed(ends, scale, left, right) or [Tick(
        values[-1], scale(values[-1]), tick_label(values[-1]), "end", 0.0, right)]
