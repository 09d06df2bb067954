"""A timeline's date axis: month ticks, then years, as many as fit with labels that never
touch or leave the chart, measured in the chart's font."""

from __future__ import annotations

import datetime
import math
from collections.abc import Sequence
from dataclasses import dataclass

from app.charts.scale import TICK_LABEL_SIZE, Scale
from app.charts.text import text_width
from app.i18n import format_short_month

DATE_TICK_SPACING = 90


@dataclass(frozen=True)
class DateTick:
    value: datetime.date
    x: float
    label: str


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


def date_ticks(start: datetime.date, end: datetime.date, scale: Scale, left: float,
                right: float) -> list[DateTick]:
    """As many month (then year) ticks as fit with labels that never touch or leave the
    chart, measured in the chart's font."""
    candidates: list[list[tuple[datetime.date, str]]] = [
        [(d, format_short_month(d)) for d in _month_ticks(start, end, step)]
        for step in (1, 2, 3, 6)
    ]
    step = 1
    while step <= 1000:
        for mult in (1, 2, 5):
            candidates.append([(d, str(d.year)) for d in _year_ticks(start, end, step * mult)])
        step *= 10
    # No more ticks than one per ~90 px: enough to read dates off, few enough to scan.
    most = max(2, int((scale.range_end - scale.range_start) // DATE_TICK_SPACING))
    for ticks in candidates:
        placed = [DateTick(d, scale(d.toordinal()), label) for d, label in ticks]
        if placed and len(placed) <= most and _fits(placed, left, right):
            return placed
    return []


def _fits(ticks: Sequence[DateTick], left: float, right: float) -> bool:
    end = -math.inf
    for tick in ticks:
        width = text_width(tick.label, TICK_LABEL_SIZE)
        start = tick.x - width / 2
        if start < max(end + 8, left) or start + width > right:
            return False
        end = start + width
    return True
