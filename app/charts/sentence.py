"""The one plain sentence under a range chart: who says least, who says most, and whether
one figure fits every source."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from app.domain.numbers import format_number


class Row(Protocol):
    """One source's figure as the sentence needs it (a range chart row)."""

    @property
    def label(self) -> str: ...
    @property
    def low(self) -> int | None: ...
    @property
    def high(self) -> int | None: ...
    @property
    def value_label(self) -> str: ...


class Span(Protocol):
    """The overlap of all figures, or the gap between them."""

    @property
    def low(self) -> int: ...
    @property
    def high(self) -> int | None: ...
    @property
    def is_point(self) -> bool: ...


def _join_names(names: Sequence[str]) -> str:
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"


def _ratio_text(ratio: float) -> str:
    one_decimal = f"{ratio:.1f}"
    # 9.96 would print as "10.0"; from ten on whole numbers are precise enough.
    if ratio < 10 and one_decimal != "10.0":
        return one_decimal
    return format_number(round(ratio))


def spread_sentence(rows: Sequence[Row], overlap: Span | None, gap: Span | None) -> str:
    if not rows:
        return "No estimates yet."
    if len(rows) == 1:
        only = rows[0]
        return f"Only one source so far: {only.label}, {only.value_label}."

    def bottom(row: Row) -> int:
        value = row.low if row.low is not None else row.high
        assert value is not None
        return value

    def top(row: Row) -> int:
        value = row.high if row.high is not None else row.low
        assert value is not None
        return value

    lowest = min(bottom(row) for row in rows)
    highest = max(top(row) for row in rows)
    if lowest == highest:
        # Everyone says the same number, so the overlap suffix would only repeat it.
        who = "Both sources" if len(rows) == 2 else f"All {len(rows)} sources"
        return f"{who} agree: {format_number(lowest)}."
    low_names = list(dict.fromkeys(row.label for row in rows if bottom(row) == lowest))
    high_names = list(dict.fromkeys(row.label for row in rows if top(row) == highest))
    text = (
        f"Estimates range from {format_number(lowest)} ({_join_names(low_names)}) "
        f"to {format_number(highest)} ({_join_names(high_names)})"
    )
    if lowest > 0:
        text += f"; the highest is {_ratio_text(highest / lowest)} times the lowest."
    else:
        text += "."
    if gap is not None:
        text += " No single figure is consistent with every source."
    elif overlap is not None:
        if overlap.high is None:
            common = f"at least {format_number(overlap.low)}"
        elif overlap.is_point:
            common = format_number(overlap.low)
        elif overlap.low == 0:
            common = f"up to {format_number(overlap.high)}"
        else:
            common = f"{format_number(overlap.low)}–{format_number(overlap.high)}"
        text += f" All sources are consistent with {common}."
    return text
