"""Reading import files (CSV or JSON) into checked records. Every row is checked before
anything is written; a file with bad rows is refused whole, each problem named by line and
column."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from app.domain.citations import blank_citation
from app.schemas.catalog import MeasureCreate, SourceCreate, TopicCreate
from app.services.transfer.cells import restore
from app.services.transfer.columns import (
    CITATION_COLUMNS,
    EXPORT_COLUMNS,
    JSON_ESTIMATE_KEYS,
    column_name,
    flag_of,
    unknown_column_message,
)
from app.services.transfer.records import ImportRejected, Record, RowError, check_row

__all__ = ["CITATION_COLUMNS", "Document", "read_csv", "read_file", "read_json"]


@dataclass
class Document:
    topics: list[dict[str, Any]] = field(default_factory=list)
    sources: list[dict[str, Any]] = field(default_factory=list)
    records: list[Record] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def _known(names: Iterable[str], known: tuple[str, ...], line: int, ignore: bool,
           errors: list[RowError]) -> list[str]:
    """The unknown names among `names` (an error each unless they are to be ignored)."""
    unknown = [n for n in names if n not in known]
    if not ignore:
        errors.extend(RowError(line, n, unknown_column_message(n, known)) for n in unknown)
    return unknown


# ---- CSV ---------------------------------------------------------------------------------

Progress = Callable[[int, int], None]  # (done, total): lines or estimates read so far
_STEP = 1_000  # rows between two progress reports


def _lines(text: str) -> Iterator[str]:
    """The lines of `text` with their endings, as io.StringIO(text) gives them, after any
    byte order mark, without a copy of the whole text (a large file's text is held once)."""
    start, end = 0, len(text)
    while start < end and text[start] == "\ufeff":
        start += 1
    while start < end:
        stop = text.find("\n", start)
        stop = end if stop < 0 else stop + 1
        yield text[start:stop]
        start = stop


def read_csv(text: str, *, ignore_unknown_columns: bool = False,
             progress: Progress | None = None) -> Document:
    reader = csv.reader(_lines(text))
    lines = text.count("\n") + (not text.endswith("\n"))  # a quoted newline counts too
    header = [column_name(h) for h in next(reader, [])]
    errors: list[RowError] = []
    for name in sorted({h for h in header if h and header.count(h) > 1}):
        errors.append(RowError(1, name, "This column appears twice in the header."))
    unknown = _known(dict.fromkeys(h for h in header if h), EXPORT_COLUMNS, 1,
                     ignore_unknown_columns, errors)
    for column, title in (("topic", "topic_title"), ("measure", "measure_label"),
                          ("source", "source_name")):
        if column not in header and title not in header:
            errors.append(RowError(1, column, "This column is missing from the header."))
    if errors:
        raise ImportRejected(errors)
    given = frozenset(header)
    wanted = [(i, h) for i, h in enumerate(header) if h and h not in unknown]
    records = []
    for cells in reader:
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(header):
            errors.append(RowError(line, "-", f"This row has {len(cells)} values but the "
                                              f"header names {len(header)} columns."))
            continue
        # (restore() only changes a cell that starts with an apostrophe)
        row = {h: restore(cells[i]) if cells[i][:1] == "'" else cells[i]
               for i, h in wanted if i < len(cells)}
        citation = blank_citation() | {
            name: row[column].strip() for column, name in CITATION_COLUMNS.items()
            if row.get(column, "").strip()
        }
        record = check_row(row, given, [citation], line, errors)
        if record:
            records.append(record)
        if progress and line % _STEP == 0:
            progress(min(line, lines), lines)
    if progress:
        progress(lines, lines)
    return Document(records=_merge(records, errors), ignored_columns=unknown)


# ---- JSON --------------------------------------------------------------------------------

def read_json(text: str, *, ignore_unknown_columns: bool = False,
              progress: Progress | None = None) -> Document:
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise ImportRejected([RowError(1, "-", f"Not valid JSON: {exc}")]) from None
    if isinstance(data, list):
        data = {"estimates": data}
    if not isinstance(data, dict) or not isinstance(data.get("estimates", []), list) or not all(
            isinstance(data.get(k, []), list) for k in ("topics", "sources")):
        raise ImportRejected([RowError(1, "-", "Expected an object with an 'estimates' list.")])
    errors: list[RowError] = []
    document = Document(topics=[_topic(t, i, errors) for i, t in
                                enumerate(data.get("topics", []), start=1)])
    for i, source in enumerate(data.get("sources", []), start=1):
        document.sources.append(_checked(SourceCreate, source, f"sources[{i}]", errors))
    ignored: dict[str, None] = {}
    items = data.get("estimates", [])
    for i, item in enumerate(items, start=1):
        if progress and i % _STEP == 0:
            progress(i, len(items))
        if not isinstance(item, dict):
            errors.append(RowError(i, "-", "Each estimate must be an object."))
            continue
        ignored |= dict.fromkeys(_known(item, JSON_ESTIMATE_KEYS, i, ignore_unknown_columns,
                                        errors))
        citations = item.get("citations") or []
        if not isinstance(citations, list) or not all(isinstance(c, dict) for c in citations):
            errors.append(RowError(i, "citations", "Citations must be a list of objects."))
            continue
        record = check_row(item, frozenset(item), citations, i, errors)
        if record:
            document.records.append(record)
    if progress:
        progress(len(items), len(items))
    document.records = _merge(document.records, errors)
    document.ignored_columns = list(ignored)
    return document


def _topic(value: Any, i: int, errors: list[RowError]) -> dict[str, Any]:
    """A topic with its measures (and their order) and its own party marks."""
    where = f"topics[{i}]"
    topic = _checked(TopicCreate, value, where, errors, "measures", "party_marks")
    if not topic:
        return {}
    measures = value.get("measures", [])
    marks = value.get("party_marks", [])
    if not isinstance(measures, list) or not isinstance(marks, list):
        errors.append(RowError(0, where, "measures and party_marks must be lists."))
        return {}
    topic["measures"] = []
    for m in measures:
        measure = _checked(MeasureCreate, m, f"{where}.measures", errors, "position")
        position = m.get("position") if isinstance(m, dict) else None
        if isinstance(position, int) and not isinstance(position, bool) and position >= 0:
            measure["position"] = position
        topic["measures"].append(measure)
    topic["party_marks"] = []
    for mark in marks:
        party = mark.get("party_to_conflict") if isinstance(mark, dict) else None
        if isinstance(party, str):
            party = flag_of(party)
        if not isinstance(party, bool) or not isinstance(mark.get("source"), str):
            errors.append(RowError(0, f"{where}.party_marks", "Each mark needs a source and "
                                   "party_to_conflict true or false."))
            continue
        topic["party_marks"].append({"source": mark["source"], "party_to_conflict": party})
    return topic


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


# ---- rows of one estimate ----------------------------------------------------------------

def _merge(records: Iterable[Record], errors: list[RowError]) -> list[Record]:
    """The file's estimates, or ImportRejected with `errors` and those found here. Rows that
    describe the same estimate each add a citation to it: rows with an id are that estimate's
    (and must agree on everything else); rows without one are the same estimate when they
    give the same figure, source and dates."""
    merged: dict[Any, Record] = {}
    for record in records:
        key = ("id", record.id) if record.id is not None else record.key()
        known = merged.get(key)
        if known is None:
            merged[key] = record
        elif record.id is not None:
            _add_rows_of(known, record, errors)
        else:
            known.citations.extend(c for c in record.citations if c not in known.citations)
            for name in ("notes", "claimant"):
                known.values[name] = known.values[name] or record.values[name]
    if errors:  # every problem of the file at once, in the order of its lines
        raise ImportRejected(sorted(errors, key=lambda e: e.line))
    return list(merged.values())


def _add_rows_of(known: Record, record: Record, errors: list[RowError]) -> None:
    # Every citation row is kept as it is (even a repeated one), so an export reads back
    # exactly; a row that differs elsewhere would silently win or lose, so it is refused.
    theirs = record.estimate_fields()
    for column, value in known.estimate_fields().items():
        if theirs.get(column) != value:
            errors.append(RowError(
                record.line, column, f"Estimate {record.id} is also on line {known.line} "
                f"with another {column}; the rows of one estimate must agree."))
            return
    known.citations.extend(record.citations)


def read_file(name: str, text: str, *, ignore_unknown_columns: bool = False,
              progress: Progress | None = None) -> Document:
    if name.lower().endswith(".json"):
        return read_json(text, ignore_unknown_columns=ignore_unknown_columns,
                         progress=progress)
    if name.lower().endswith(".csv"):
        return read_csv(text, ignore_unknown_columns=ignore_unknown_columns,
                        progress=progress)
    raise ImportRejected([RowError(0, "-", "Give a .csv or .json file.")])
