"""The range chart's model: what a row, a band and a whole chart hold once laid out
(app/charts/range.py lays them out), and the text a chart says of itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.charts.key import KeyItem, key_items
from app.charts.palette import color_index
from app.charts.scale import Scale, Tick, midpoint, rounded
from app.charts.text import text_width
from app.domain.comparison import LeftOut
from app.domain.dates import PartialDate
from app.domain.vocabulary import Confidence, SourceKind
from app.i18n import gettext as _

NAME_SIZE, SMALL_SIZE = 12.0, 11.0
_KINDS = {k.value: k for k in SourceKind}


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

    # What a chart's key asks of each mark (key.Mark), known before the mark is laid out.
    @property
    def is_point(self) -> bool:
        return self.low == self.high

    @property
    def open_low(self) -> bool:
        return self.low is None

    @property
    def open_high(self) -> bool:
        return self.high is None

    @property
    def uncertain(self) -> bool:
        return self.confidence == Confidence.UNCERTAIN

    @property
    def color_key(self) -> str:
        # Sources without a slug still need a stable colour; the shown name is the next best id.
        return self.key or self.label

    @property
    def kind_label(self) -> str:
        return _KINDS.get(self.kind, SourceKind.OTHER).label


@dataclass(frozen=True)
class Text:
    """One line of text as drawn: where it starts (or ends, or centres) and how wide it is."""

    text: str
    x: float
    y: float
    size: float = SMALL_SIZE
    bold: bool = False
    anchor: str = "start"

    @property
    def width(self) -> float:
        return text_width(self.text, self.size, bold=self.bold)


@dataclass(frozen=True)
class Band:
    """Overlap of all compared ranges, or the gap between them; high None: unbounded above."""

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
    y: float  # centre of the bar
    x_low: float  # where the bar is solid: from the known low (or the plot's start) …
    x_high: float  # … to the known high (or the plot's end)
    x_best: float | None
    color: str
    bar_y: float  # top edge of the bar; its height is RangeChart.bar_height
    name: tuple[Text, ...]  # one or two lines
    kind_line: Text | None
    value: Text
    date: Text
    note: Text | None  # why a figure shown beside the comparison is not compared
    # Triangles outside the plot for open ends (so never inside the bar); () when closed.
    arrow_low: tuple[tuple[float, float], ...] = ()
    arrow_high: tuple[tuple[float, float], ...] = ()

    @property
    def label(self) -> str:
        return self.input.label

    @property
    def key(self) -> str:
        return self.input.key

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
        return self.input.kind_label

    @property
    def party_to_conflict(self) -> bool:
        return self.input.party_to_conflict

    @property
    def derived(self) -> bool:
        return self.input.derived

    @property
    def uncertain(self) -> bool:
        return self.input.confidence == Confidence.UNCERTAIN

    @property
    def compared(self) -> bool:
        return self.input.compared

    @property
    def left_out_because(self) -> str:
        return self.input.left_out.text if self.input.left_out else ""

    @property
    def open_low(self) -> bool:
        return self.input.low is None

    @property
    def open_high(self) -> bool:
        return self.input.high is None

    @property
    def is_point(self) -> bool:
        return self.input.low == self.input.high

    @property
    def color_index(self) -> int:
        return color_index(self.color)

    @property
    def midpoint(self) -> float:
        return midpoint(self.input.low, self.input.high)

    @property
    def label_x(self) -> float:
        return self.name[0].x

    @property
    def value_x(self) -> float:
        return self.value.x

    # Where the template draws a row's shapes, rounded as every coordinate is.
    @property
    def bar_width(self) -> float:
        return rounded(max(self.x_high - self.x_low, 1))

    @property
    def bound_x(self) -> float:
        """The solid end of an open bar."""
        return rounded(self.x_high - 2) if self.open_low else self.x_low

    @property
    def best_x(self) -> float:
        assert self.x_best is not None
        return rounded(self.x_best - 4)

    @property
    def best_y(self) -> float:
        return rounded(self.y - 4)

    @property
    def texts(self) -> tuple[Text, ...]:
        return tuple(t for t in (*self.name, self.kind_line, self.value, self.date, self.note)
                     if t is not None)


@dataclass(frozen=True)
class RangeChart:
    width: int
    height: int
    title: str
    layout: str  # "wide" or "narrow"
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
    tick_label_y: float
    axis_label: Text
    overlap: Band | None
    gap: Band | None
    sentence: str
    value_scale: Scale
    group_heading: Text | None = None  # above the figures shown beside the comparison
    key: tuple[KeyItem, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def glyphs(self) -> frozenset[str]:
        """The kinds of mark this chart draws (what its key must explain)."""
        return frozenset(item.glyph for item in key_items(self.rows, self.overlap, self.gap))

    def x(self, value: float) -> float:
        return self.value_scale(value)

    @property
    def description(self) -> str:
        """The chart in words, row by row: its text alternative."""
        parts = [self.sentence]
        for row in self.rows:
            notes = [row.date_label]
            if row.derived:
                notes.append(_("derived"))
            if row.party_to_conflict:
                notes.append(_("party to the conflict"))
            if row.input.confidence != "reported":
                notes.append(Confidence(row.input.confidence).label)
            text = ", ".join(notes)
            if row.left_out_because:
                text = _("%(notes)s; not compared: %(reason)s", notes=text,
                         reason=row.left_out_because)
            parts.append(_("%(source)s: %(figure)s (%(notes)s).", source=row.label,
                           figure=row.value_label, notes=text))
        return " ".join(parts)
