"""What a reader takes away: the figures of one measure's chart, or of a whole topic, as rows
of text in fixed columns. The rows come from the view the page draws (comparison.topic_view),
so a download never disagrees with the chart beside its link."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from app.charts.scale import midpoint
from app.domain.citations import CITATION_FIELDS
from app.domain.comparison import LeftOut
from app.domain.dates import PartialDate
from app.domain.errors import NotFound
from app.i18n import gettext as _
from app.services.comparison import Entry, MeasureView, TopicView

FIGURE_COLUMNS = (
    "topic", "measure", "measure_label", "measure_unit", "id", "source", "source_name",
    "source_kind", "source_country", "source_party", "figure", "low", "high", "best",
    "qualifier", "as_of", "stated_on", "dated", "scope", "scope_note", "period_start",
    "period_end", "confidence", "confidence_note", "claimant", "notes", "derived",
    "derived_from", "in_chart", "compared", "left_out_because",
)
# One row per figure: a figure's citations share each citation cell, one line per citation,
# in the same order in every citation column.
COLUMNS = (*FIGURE_COLUMNS, *(f.column for f in CITATION_FIELDS))
NOT_LATEST = "not the source's latest figure of this scope"
# A cell a spreadsheet would read as a formula (OWASP's list: = + - @, tab, carriage return).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def measure_of(view: TopicView, slug: str) -> MeasureView:
    found = next((m for m in view.measures if m.measure.slug == slug), None)
    if found is None:
        raise NotFound(_("Topic “%(topic)s” has no measure “%(measure)s”.",
                         topic=view.topic.slug, measure=slug))
    return found


def _chart_order(entry: Entry) -> tuple[float, str, str]:
    # The range chart's order: by midpoint, then name.
    return (midpoint(entry.low, entry.high), entry.source.name, entry.source.slug)


def _iso(date: PartialDate | None) -> str:
    return date.iso() if date else ""


def _number(value: int | None) -> str:
    return "" if value is None else str(value)


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _citation_value(citation: Any, name: str) -> str:
    # An estimate's citations are ORM rows; as it stood on a past date, revision snapshots.
    value = citation.get(name) if isinstance(citation, Mapping) else getattr(citation, name)
    return "" if value is None else str(value)


def _row(view: TopicView, m: MeasureView, entry: Entry, *, in_chart: bool,
         left_out: LeftOut | None) -> dict[str, str]:
    source, measure = entry.source, m.measure
    row = {
        "topic": view.topic.slug, "measure": measure.slug, "measure_label": measure.label,
        "measure_unit": measure.unit, "id": _number(entry.estimate_id),
        "source": source.slug, "source_name": source.name, "source_kind": source.kind,
        "source_country": source.country, "source_party": _flag(entry.party),
        "figure": entry.figure, "low": _number(entry.low), "high": _number(entry.high),
        "best": _number(entry.best), "qualifier": entry.qualifier,
        "as_of": _iso(entry.as_of), "stated_on": _iso(entry.stated_on),
        "dated": _iso(entry.when), "scope": entry.scope, "scope_note": entry.scope_note,
        "period_start": _iso(entry.period_start), "period_end": _iso(entry.period_end),
        "confidence": entry.confidence, "confidence_note": entry.confidence_note,
        "claimant": entry.claimant, "notes": entry.notes, "derived": entry.derived_label,
        "derived_from": " ".join(str(p.estimate_id) for p in entry.derived_from
                                 if p.estimate_id is not None),
        "in_chart": _flag(in_chart),
        "compared": _flag(in_chart and left_out is None),
        "left_out_because": left_out.text if left_out else "" if in_chart else NOT_LATEST,
    }
    for f in CITATION_FIELDS:
        row[f.column] = "\n".join(_citation_value(c, f.name) for c in entry.citations)
    return row


def chart_rows(view: TopicView, m: MeasureView) -> list[dict[str, str]]:
    """The rows of a measure's range chart: each source's latest figure of each scope, the
    compared ones first, then those shown beside the comparison, each with why."""
    return [
        *(_row(view, m, e, in_chart=True, left_out=None)
          for e in sorted(m.compared, key=_chart_order)),
        *(_row(view, m, e, in_chart=True, left_out=reason)
          for e, reason in sorted(m.beside, key=lambda pair: _chart_order(pair[0]))),
    ]


def topic_rows(view: TopicView) -> list[dict[str, str]]:
    """Every figure of a topic in view, measure by measure: the chart's rows, then the older
    figures newest first (derived sums appear once, among the chart's rows)."""
    rows = []
    for m in view.measures:
        rows.extend(chart_rows(view, m))
        in_chart = {id(e) for e in m.latest}
        rows.extend(_row(view, m, e, in_chart=False, left_out=None)
                    for e in m.entries if id(e) not in in_chart)
    return rows


def neutralise(cell: str) -> str:
    """A cell that a spreadsheet would run as a formula, made plain text with a leading '."""
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def to_csv(rows: Iterable[Mapping[str, str]]) -> str:
    out = io.StringIO()
    # The byte order mark lets spreadsheets read the file as UTF-8 (names in Cyrillic, Hangul).
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([neutralise(row[column]) for column in COLUMNS])
    return out.getvalue()
