"""A chart's key: each kind of mark the chart draws, shown with the chart's own glyph and
named in words — only the kinds this chart uses."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from app.charts.scale import rounded
from app.charts.text import text_width
from app.i18n import N_, gettext

GLYPH_WIDTH = 26.0
ITEM_GAP = 16.0
LINE_HEIGHT = 18.0
SIZE = 11.0

LABELS: dict[str, str] = {
    "range": N_("range, low to high"),
    "point": N_("a single figure"),
    "open": N_("open end (at least… / up to…)"),
    "best": N_("best estimate"),
    "derived": N_("derived by Reckon"),
    "uncertain": N_("uncertain"),
    "not-compared": N_("not compared"),
    "party": N_("party to the conflict"),
    "overlap": N_("where all compared figures agree"),
    "gap": N_("gap: no figure fits every source"),
}


class Mark(Protocol):
    @property
    def is_point(self) -> bool: ...
    @property
    def open_low(self) -> bool: ...
    @property
    def open_high(self) -> bool: ...
    @property
    def best(self) -> int | None: ...
    @property
    def derived(self) -> bool: ...
    @property
    def uncertain(self) -> bool: ...
    @property
    def compared(self) -> bool: ...
    @property
    def party_to_conflict(self) -> bool: ...


@dataclass(frozen=True)
class KeyItem:
    glyph: str  # one of LABELS
    label: str
    x: float = 0.0  # left of the glyph
    y: float = 0.0  # baseline of the label; the glyph is centred on y - 4

    @property
    def text_x(self) -> float:
        return self.x + GLYPH_WIDTH + 4

    @property
    def glyph_y(self) -> float:
        return self.y - 4


def key_items(rows: Sequence[Mark], overlap: object | None,
              gap: object | None) -> list[KeyItem]:
    """The kinds of mark drawn, in a fixed order."""
    used = set()
    for row in rows:
        closed = not (row.open_low or row.open_high)
        used.add("point" if row.is_point and closed else "range" if closed else "open")
        for glyph, present in (("best", row.best is not None and not row.is_point),
                               ("derived", row.derived), ("uncertain", row.uncertain),
                               ("not-compared", not row.compared),
                               ("party", row.party_to_conflict)):
            if present:
                used.add(glyph)
    if overlap is not None:
        used.add("overlap")
    if gap is not None:
        used.add("gap")
    return [KeyItem(glyph, gettext(label)) for glyph, label in LABELS.items() if glyph in used]


def lay_out_key(items: Sequence[KeyItem], *, width: int, top: float,
                margin: float) -> tuple[tuple[KeyItem, ...], float]:
    """Items placed left to right, wrapping before the edge; returns them and the height."""
    placed: list[KeyItem] = []
    x, y = margin, top + LINE_HEIGHT
    for item in items:
        label = item.label
        need = GLYPH_WIDTH + 4 + text_width(label, SIZE)
        if placed and x + need > width - margin:
            x, y = margin, y + LINE_HEIGHT
        placed.append(KeyItem(item.glyph, label, rounded(x), rounded(y)))
        x += need + ITEM_GAP
    return tuple(placed), (y - top + 6 if placed else 0.0)
