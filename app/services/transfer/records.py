"""One row (CSV) or one object (JSON) checked into a Record: every problem is collected with
its line and column, so a bad file is refused whole with all its problems at once."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter, ValidationError

from app.domain.citations import has_reference
from app.domain.claims import claim_errors
from app.domain.dates import PartialDate, parse_partial_date
from app.domain.errors import FigureError
from app.domain.figures import fitting_qualifier, resolve_figure
from app.domain.numbers import MAX_VALUE, parse_number
from app.domain.vocabulary import Confidence, Qualifier, Scope, SourceKind, Status
from app.schemas.catalog import ShortName, Unit
from app.schemas.common import MAX_ID, Name, Short, StrictModel
from app.schemas.estimates import CitationIn, EstimateValues
from app.services.transfer.columns import CITATION_COLUMNS, VALUE_FIELDS, flag_of, word_of

_WORDS: dict[str, type[Qualifier | Scope | Confidence | Status]] = {
    "qualifier": Qualifier, "scope": Scope, "confidence": Confidence, "status": Status,
}
_DEFAULTS = {"scope": Scope.TOTAL.value, "confidence": Confidence.REPORTED.value,
             "status": Status.ACTIVE.value}
_DATES = ("as_of", "stated_on", "period_start", "period_end")
_TEXTS = ("scope_note", "confidence_note", "claimant", "notes")


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


@dataclass(slots=True)  # a large file holds many: no __dict__ each
class Record:
    """One estimate read from a file (several CSV rows may add citations to it)."""

    line: int
    topic: str  # a slug or a title
    measure: str  # a slug or a label
    source: str  # a slug, a name or a short name
    values: dict[str, Any]  # VALUE_FIELDS as a revision snapshot has them
    given: frozenset[str]  # the VALUE_FIELDS the file has; an update keeps the others
    filled: frozenset[str]  # the VALUE_FIELDS the row has a value for (not left empty)
    citations: list[dict[str, Any]]
    id: int | None = None
    version: int | None = None
    # The catalogue columns the file gave (topic_title, source_kind…), to create what is
    # missing; source_kind already in the vocabulary's words.
    catalog: dict[str, str] = field(default_factory=dict)
    source_party: bool | None = None  # within this topic; None: not said

    def key(self) -> tuple[Any, ...]:
        """What makes two rows without an id the same figure."""
        v = self.values
        return (self.topic, self.measure, self.source, v["low"], v["high"], v["best"],
                v["qualifier"], v["as_of"], v["stated_on"])

    def estimate_fields(self) -> dict[str, Any]:
        """Everything two rows of one estimate must agree on (all but the citations), by
        column."""
        return {**self.catalog, "version": self.version, "source_party": self.source_party,
                **{k: self.values[k] for k in self.given}}


class _Names(StrictModel):
    """The catalogue columns, checked as the catalogue's own schemas check them."""

    topic: Name | None = None
    topic_title: Name | None = None
    measure: Name | None = None
    measure_label: Name | None = None
    measure_unit: Unit | None = None
    source: Name | None = None
    source_name: Name | None = None
    source_short_name: ShortName | None = None
    source_country: Short | None = None


# A large file repeats its numbers and dates: each is read once (a refused one is not kept).
_number = functools.lru_cache(maxsize=65_536)(parse_number)
_partial_date = functools.lru_cache(maxsize=65_536)(parse_partial_date)


def _count(text: str) -> int:
    # Plain digits (most cells of a large file) are what parse_number reads them as; its
    # grammar is for the rest (10.000, 1,2 Mio., nearly 600,000) and for the messages.
    if text.isascii() and text.isdigit() and text[0] != "0" and len(text) < 16:
        return int(text)
    return _number(text)


_VALUE_FIELDS = frozenset(VALUE_FIELDS)
_SETS: dict[frozenset[str], frozenset[str]] = {}


def _shared(columns: frozenset[str]) -> frozenset[str]:
    """One object for each set of columns: a file's rows mostly fill the same ones."""
    return _SETS.setdefault(columns, columns)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _whole(value: Any, line: int, column: str, errors: list[RowError], *,
           upper: int | None = None) -> int | None:
    """A count (figures as sources write them: 10.000, 10,000, 1.2 million) or an id."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.append(RowError(line, column, f"'{value}' is not a whole number."))
        return None
    try:
        number = value if isinstance(value, int) else _count(value)
    except FigureError as exc:
        errors.append(RowError(line, column, str(exc)))
        return None
    if upper is None and number < 0:
        errors.append(RowError(line, column,
                               f"'{value}' is negative; figures cannot be below zero."))
        return None
    if upper is not None and not 1 <= number <= upper:
        errors.append(RowError(line, column, f"'{value}' is not a valid {column}."))
        return None
    return number


def _date(value: Any, line: int, column: str, errors: list[RowError]) -> PartialDate | None:
    if value is None or not str(value).strip():
        return None
    try:
        return _partial_date(str(value))
    except FigureError as exc:
        errors.append(RowError(line, column, str(exc)))
        return None


@functools.lru_cache(maxsize=4_096)
def _word_of(text: str, column: str) -> str | None:
    return word_of(text, _WORDS[column])


def _word(value: Any, column: str, line: int, errors: list[RowError]) -> str | None:
    text = _text(value)
    if not text:
        return None
    vocabulary = _WORDS[column]
    found = _word_of(text, column)
    if found is None:
        errors.append(RowError(line, column, f"Unknown {column} '{text}': use one of "
                               f"{', '.join(m.value.replace('_', ' ') for m in vocabulary)}."))
    return found


def _pydantic_errors(exc: ValidationError, line: int, errors: list[RowError],
                     columns: Mapping[str, str] | None = None) -> None:
    for err in exc.errors():
        name = str(err["loc"][0]) if err["loc"] else "-"
        errors.append(RowError(line, (columns or {}).get(name, name), err["msg"]))


_CATALOG_CELLS = (*_Names.model_fields, "source_kind", "source_party")
_Catalog = tuple[dict[str, str], bool | None]
_CATALOGS: dict[tuple[Any, ...], _Catalog] = {}  # cells -> names, for cells without problems
_CATALOGS_KEPT = 4_096


def _catalog(row: Mapping[str, Any], line: int, errors: list[RowError]) -> _Catalog | None:
    """The row's catalogue columns checked once for all the rows that write them alike (a
    file names the same few topics, measures and sources again and again); the rows share
    the names they give (nothing changes them)."""
    try:
        key: tuple[Any, ...] | None = tuple(row.get(k) for k in _CATALOG_CELLS)
        known = _CATALOGS.get(key)  # type: ignore[arg-type]
    except TypeError:  # a JSON object or list where a name belongs: checked, not kept
        key = known = None
    if known is not None:
        return known
    before = len(errors)
    checked = _catalog_checked(row, line, errors)
    if checked is not None and key is not None and len(errors) == before:
        if len(_CATALOGS) >= _CATALOGS_KEPT:
            _CATALOGS.clear()
        _CATALOGS[key] = checked
    return checked


def _catalog_checked(row: Mapping[str, Any], line: int,
                     errors: list[RowError]) -> _Catalog | None:
    names = {k: _text(row.get(k)) for k in _Names.model_fields if _text(row.get(k))}
    try:
        _Names.model_validate(names)
    except ValidationError as exc:
        _pydantic_errors(exc, line, errors)
        return None
    kind = _text(row.get("source_kind"))
    if kind:
        known = word_of(kind, SourceKind)
        if known is None:
            errors.append(RowError(line, "source_kind", f"Unknown source kind '{kind}': use "
                                   f"one of {', '.join(SourceKind)}."))
        else:
            names["source_kind"] = known
    party_text = row.get("source_party")
    party = party_text if isinstance(party_text, bool) else flag_of(_text(party_text))
    if party is None and _text(party_text):
        errors.append(RowError(line, "source_party", "Write true or false (or leave it empty "
                                                     "for the source's usual status)."))
    for column, title in (("topic", "topic_title"), ("measure", "measure_label"),
                          ("source", "source_name")):
        # A file may name only the title, label or name; that is then what is looked up.
        names.setdefault(column, names.get(title, ""))
        if not names[column]:
            errors.append(RowError(line, column, f"The {column} is missing: give its slug or "
                                                 "its name."))
    return names, party


def _values(row: Mapping[str, Any], line: int, errors: list[RowError]) -> dict[str, Any]:
    before = len(errors)
    values: dict[str, Any] = {name: _whole(row.get(name), line, name, errors)
                              for name in ("low", "high", "best")}
    for name in _WORDS:
        values[name] = _word(row.get(name), name, line, errors)
    dates = {name: _date(row.get(name), line, name, errors) for name in _DATES}
    values |= {name: d.iso() if d else None for name, d in dates.items()}
    values |= {name: _text(row.get(name)) for name in _TEXTS}
    # Lengths, control characters, largest figure: the rules every estimate obeys, checked
    # field by field as EstimateValues checks them (the same messages), each value once.
    refused = False
    for name in _CHECKED:
        value = values[name]
        if value is None or value == "" or (name in _COUNTS and 0 <= value <= MAX_VALUE):
            continue  # (a count read from the file is a whole number already)
        checked, problems = _field("estimate", name, value)
        if problems:
            refused = True
            errors.extend(RowError(line, name, msg) for msg in problems)
        elif name in _TEXTS:
            # As they will be stored (newlines normalised), so an unchanged row compares equal.
            values[name] = checked
    if refused:
        return values
    if len(errors) == before:  # the rules on scope and confidence need readable values
        claim = (values["scope"] or _DEFAULTS["scope"], values["scope_note"],
                 dates["period_start"], dates["period_end"],
                 values["confidence"] or _DEFAULTS["confidence"], values["confidence_note"])
        if claim not in _CLAIMS_KEPT:
            broken = claim_errors(
                scope=claim[0], scope_note=claim[1], period_start=claim[2],
                period_end=claim[3], confidence=claim[4], confidence_note=claim[5])
            errors.extend(RowError(line, col, msg) for col, msg in broken.items())
            if not broken:
                if len(_CLAIMS_KEPT) >= _CATALOGS_KEPT:
                    _CLAIMS_KEPT.clear()
                _CLAIMS_KEPT.add(claim)
    return values


# The fields of EstimateValues a row gives, in the model's order (its errors' order).
_CHECKED = tuple(n for n in EstimateValues.model_fields if n in VALUE_FIELDS and n != "status")
_COUNTS = frozenset({"low", "high", "best"})
_CLAIMS_KEPT: set[tuple[Any, ...]] = set()  # scopes and confidences known to pass the rules


def _field(model: str, name: str, value: Any) -> tuple[Any, tuple[str, ...]]:
    """`value` as the schema checks its field `name` (the same rules and messages, one field
    at a time): (the value as stored, no problems) or (None, the problems). Each value is
    checked once: a file repeats most of them."""
    try:
        return _cached_field(model, name, value)
    except TypeError:  # not hashable (a JSON list or object): checked, not kept
        return _cached_field.__wrapped__(model, name, value)


@functools.lru_cache(maxsize=65_536, typed=True)  # typed: True is not the count 1
def _cached_field(model: str, name: str, value: Any) -> tuple[Any, tuple[str, ...]]:
    try:
        checked = _FIELDS[model][name].validate_python(value)
    except ValidationError as exc:
        return None, tuple(err["msg"] for err in exc.errors())
    # Citations are kept as model_dump(mode="json") gives them: dates in ISO form.
    return checked.isoformat() if isinstance(checked, dt.date) else checked, ()


_FIELDS: dict[str, dict[str, TypeAdapter[Any]]] = {
    "estimate": {name: TypeAdapter(EstimateValues.model_fields[name].rebuild_annotation())
                 for name in _CHECKED},
    "citation": {name: TypeAdapter(info.rebuild_annotation())
                 for name, info in CitationIn.model_fields.items()},
}
_CITATION_DEFAULTS = {name: info.default for name, info in CitationIn.model_fields.items()}


def _citations(citations: list[dict[str, Any]], line: int,
               errors: list[RowError]) -> list[dict[str, Any]]:
    checked = []
    for citation in citations:
        # What CitationIn.model_validate(...).model_dump(mode="json") gives, field by field.
        kept: dict[str, Any] = {}
        refused = False
        for name, default in _CITATION_DEFAULTS.items():
            given = citation.get(name, default)
            if given is default or (type(given) is type(default) and given == default):
                kept[name] = default  # (the default: what validating it gives)
                continue
            value, problems = _field("citation", name, given)
            kept[name] = value
            if problems:
                refused = True
                errors.extend(RowError(line, _CITATION_NAMES.get(name, name), msg)
                              for msg in problems)
        for name in citation.keys() - _CITATION_DEFAULTS.keys():
            refused = True
            errors.append(RowError(line, _CITATION_NAMES.get(name, name),
                                   "Extra inputs are not permitted"))
        if not refused:
            checked.append(kept)
    if not any(has_reference(c) for c in citations):
        errors.append(RowError(line, "citation_url",
                               "Every estimate needs a citation: give a URL or a publication."))
    return checked


_CITATION_NAMES = {name: column for column, name in CITATION_COLUMNS.items()}


def check_row(row: Mapping[str, Any], given: frozenset[str], citations: list[dict[str, Any]],
              line: int, errors: list[RowError]) -> Record | None:
    """The row as a Record, or None with its problems added to `errors`."""
    before = len(errors)
    catalog = _catalog(row, line, errors)
    estimate_id = _whole(row.get("id"), line, "id", errors, upper=MAX_ID)
    version = _whole(row.get("version"), line, "version", errors, upper=MAX_ID)
    if estimate_id is not None and version is None and not _text(row.get("version")):
        errors.append(RowError(line, "version", f"Estimate {estimate_id} needs the version "
                               "it was exported at, so a newer change is never overwritten."))
    values = _values(row, line, errors)
    checked_citations = _citations(citations, line, errors)
    if len(errors) > before or catalog is None:
        return None
    if values["qualifier"]:  # a 'between' of one number (as exported) is read as exact
        values["qualifier"] = fitting_qualifier(values["low"], values["high"],
                                                values["qualifier"])
    fig, problems = resolve_figure(figure=None, low=values["low"], high=values["high"],
                                   best=values["best"], qualifier=values["qualifier"])
    if fig is None:
        errors.extend(RowError(line, col, msg) for col, msg in problems.items())
        return None
    filled = frozenset(k for k in VALUE_FIELDS if (v := row.get(k)) is not None
                       and (v.strip() if isinstance(v, str) else str(v).strip()))
    values |= {"low": fig.low, "high": fig.high, "best": fig.best, "qualifier": fig.qualifier}
    values |= {k: values[k] or default for k, default in _DEFAULTS.items()}
    names, party = catalog
    return Record(
        line=line, topic=names["topic"], measure=names["measure"], source=names["source"],
        values=values, given=_shared(frozenset(given) & _VALUE_FIELDS), filled=_shared(filled),
        citations=checked_citations, id=estimate_id,
        version=version if estimate_id is not None else None,
        catalog=names, source_party=party,
    )
