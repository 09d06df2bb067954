"""Reading import files (CSV or JSON) into checked records. Every row is checked before
anything is written; a file with bad rows is refused whole, each problem named by line and
column."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.domain.citations import CITATION_FIELDS, blank_citation, has_reference
from app.domain.dates import parse_partial_date
from app.domain.errors import FigureError
from app.domain.figures import resolve_figure
from app.domain.numbers import parse_number
from app.domain.vocabulary import Qualifier, Status
from app.schemas.catalog import MeasureCreate, SourceCreate, TopicCreate
from app.schemas.estimates import CitationIn

CSV_COLUMNS = (
    "topic", "measure", "source", "low", "high", "best", "qualifier", "as_of", "stated_on",
    "citation_url", "publication", "quote", "language", "notes",
)
# Written after the required columns so a round trip keeps everything; optional on import.
CSV_EXTRA_COLUMNS = (
    "claimant", "status", "citation_title", "published_on", "quote_translation", "retrieved_on",
)
CITATION_COLUMNS = {f.column: f.name for f in CITATION_FIELDS}
_QUALIFIERS = tuple(q.value for q in Qualifier)
_STATUSES = tuple(s.value for s in Status)


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


class ImportRejected(Exception):
    """The file has bad rows; nothing was written."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = errors


@dataclass
class Record:
    """One estimate read from a file (several CSV rows may add citations to it)."""

    line: int
    topic: str
    measure: str
    source: str
    low: int | None
    high: int | None
    best: int | None
    qualifier: str
    as_of: str | None
    stated_on: str | None
    claimant: str
    notes: str
    status: str
    citations: list[dict[str, Any]]

    def key(self) -> tuple[Any, ...]:
        return (self.topic, self.measure, self.source, self.low, self.high, self.best,
                self.qualifier, self.as_of, self.stated_on)


@dataclass
class Document:
    topics: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)


# ---- reading -----------------------------------------------------------------------------

def _count(value: Any, line: int, column: str, errors: list[RowError]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.append(RowError(line, column, f"'{value}' is not a whole number."))
        return None
    try:
        number = value if isinstance(value, int) else parse_number(value)
        if number < 0:
            raise FigureError(f"'{value}' is negative; figures cannot be below zero.")
        return number
    except FigureError as exc:
        errors.append(RowError(line, column, str(exc)))
        return None


def _date(value: Any, line: int, column: str, errors: list[RowError]) -> str | None:
    if value is None or not str(value).strip():
        return None
    try:
        return parse_partial_date(str(value)).iso()
    except FigureError as exc:
        errors.append(RowError(line, column, str(exc)))
        return None


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _record(row: dict[str, Any], citations: list[dict[str, Any]], line: int,
            errors: list[RowError]) -> Record | None:
    before = len(errors)
    names = {}
    for column in ("topic", "measure", "source"):
        names[column] = _text(row.get(column))
        if not names[column]:
            errors.append(RowError(line, column, f"The {column} is missing."))
    low = _count(row.get("low"), line, "low", errors)
    high = _count(row.get("high"), line, "high", errors)
    best = _count(row.get("best"), line, "best", errors)
    qualifier = _text(row.get("qualifier")).lower().replace(" ", "_")
    if qualifier and qualifier not in _QUALIFIERS:
        errors.append(RowError(
            line, "qualifier",
            f"Unknown qualifier '{row.get('qualifier')}': use one of {', '.join(_QUALIFIERS)}."))
    status = _text(row.get("status")) or Status.ACTIVE
    if status not in _STATUSES:
        errors.append(RowError(line, "status", "The status must be active or retracted."))
    as_of = _date(row.get("as_of"), line, "as_of", errors)
    stated_on = _date(row.get("stated_on"), line, "stated_on", errors)
    checked_citations = []
    for citation in citations:
        try:
            checked_citations.append(CitationIn.model_validate(citation).model_dump(mode="json"))
        except ValidationError as exc:
            for err in exc.errors():
                column = next((k for k, v in CITATION_COLUMNS.items() if v == err["loc"][0]),
                              str(err["loc"][0]))
                errors.append(RowError(line, column, err["msg"]))
    if not any(has_reference(c) for c in citations):
        errors.append(RowError(line, "citation_url",
                               "Every estimate needs a citation: give a URL or a publication."))
    if len(errors) > before:
        return None
    fig, problems = resolve_figure(
        figure=None, low=low, high=high, best=best, qualifier=qualifier or None
    )
    if fig is None:
        errors.extend(RowError(line, col, msg) for col, msg in problems.items())
        return None
    return Record(
        line=line, low=fig.low, high=fig.high, best=fig.best, qualifier=fig.qualifier,
        as_of=as_of, stated_on=stated_on, claimant=_text(row.get("claimant")),
        notes=_text(row.get("notes")), status=status, citations=checked_citations, **names,
    )


def read_csv(text: str) -> Document:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    missing = [c for c in ("topic", "measure", "source") if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportRejected([RowError(1, c, "This column is missing from the header.")
                              for c in missing])
    errors: list[RowError] = []
    records = []
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        citation = blank_citation() | {
            name: _text(row.get(column)) for column, name in CITATION_COLUMNS.items()
            if _text(row.get(column))
        }
        record = _record(row, [citation], line, errors)
        if record:
            records.append(record)
    if errors:
        raise ImportRejected(errors)
    return Document(records=_merge(records))


def read_json(text: str) -> Document:
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ImportRejected([RowError(1, "-", f"Not valid JSON: {exc}")]) from None
    if isinstance(data, list):
        data = {"estimates": data}
    if not isinstance(data, dict) or not isinstance(data.get("estimates", []), list):
        raise ImportRejected([RowError(1, "-", "Expected an object with an 'estimates' list.")])
    errors: list[RowError] = []
    document = Document()
    for i, topic in enumerate(data.get("topics", []), start=1):
        document.topics.append(_checked(TopicCreate, topic, f"topics[{i}]", errors, "measures"))
        measures = topic.get("measures", []) if isinstance(topic, dict) else []
        document.topics[-1]["measures"] = [
            _checked(MeasureCreate, m, f"topics[{i}].measures", errors) for m in measures
        ]
    for i, source in enumerate(data.get("sources", []), start=1):
        document.sources.append(_checked(SourceCreate, source, f"sources[{i}]", errors))
    for i, item in enumerate(data["estimates"], start=1):
        if not isinstance(item, dict):
            errors.append(RowError(i, "-", "Each estimate must be an object."))
            continue
        citations = item.get("citations") or []
        if not isinstance(citations, list) or not all(isinstance(c, dict) for c in citations):
            errors.append(RowError(i, "citations", "Citations must be a list of objects."))
            continue
        record = _record(item, citations, i, errors)
        if record:
            document.records.append(record)
    if errors:
        raise ImportRejected(errors)
    document.records = _merge(document.records)
    return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _checked(model: Any, value: Any, where: str, errors: list[RowError],
             *ignore: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors.append(RowError(0, where, "Expected an object."))
        return {}
    try:
        return model.model_validate(  # type: ignore[no-any-return]
            {k: v for k, v in value.items() if k not in ignore}
        ).model_dump()
    except ValidationError as exc:
        for err in exc.errors():
            errors.append(RowError(0, f"{where}.{'.'.join(map(str, err['loc']))}", err["msg"]))
        return {}


def _merge(records: Iterable[Record]) -> list[Record]:
    """Rows that describe the same estimate each add a citation to it."""
    merged: dict[tuple[Any, ...], Record] = {}
    for record in records:
        known = merged.get(record.key())
        if known is None:
            merged[record.key()] = record
            continue
        for citation in record.citations:
            if citation not in known.citations:
                known.citations.append(citation)
        known.notes = known.notes or record.notes
        known.claimant = known.claimant or record.claimant
    return list(merged.values())


def read_file(name: str, text: str) -> Document:
    if name.lower().endswith(".json"):
        return read_json(text)
    if name.lower().endswith(".csv"):
        return read_csv(text)
    raise ImportRejected([RowError(0, "-", "Give a .csv or .json file.")])


