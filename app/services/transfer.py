"""Import and export of estimates as CSV or JSON — one format round-trips through the other.

Import checks every row before writing anything; rows that name an unknown topic, measure or
source create it; a row that matches an existing estimate changes nothing (or only adds what
is new), so importing the same file twice creates no duplicates.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app import figures
from app.errors import ValidationFailed
from app.models import SOURCE_KINDS, Estimate, Measure, Source, Topic, User
from app.schemas import (
    CitationIn,
    EstimateCreate,
    EstimatePatch,
    MeasureCreate,
    SourceCreate,
    TopicCreate,
)
from app.services import catalog, estimates

CSV_COLUMNS = (
    "topic", "measure", "source", "low", "high", "best", "qualifier", "as_of", "stated_on",
    "citation_url", "publication", "quote", "language", "notes",
)
# Written after the required columns so a round trip keeps everything; optional on import.
CSV_EXTRA_COLUMNS = (
    "claimant", "status", "citation_title", "published_on", "quote_translation", "retrieved_on",
)
CITATION_COLUMNS = {
    "citation_url": "url", "publication": "publication", "quote": "quote",
    "language": "language", "citation_title": "title", "published_on": "published_on",
    "quote_translation": "quote_translation", "retrieved_on": "retrieved_on",
}
Progress = Callable[[int, int], None]


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


@dataclass
class Report:
    created_topics: list[str] = field(default_factory=list)
    created_measures: list[str] = field(default_factory=list)
    created_sources: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def changes(self) -> int:
        return (len(self.created_topics) + len(self.created_measures)
                + len(self.created_sources) + self.created + self.updated)

    def summary(self) -> str:
        if not self.changes:
            return f"Nothing to change ({self.unchanged} estimates already up to date)."
        parts = [f"{self.created} estimates created", f"{self.updated} updated",
                 f"{self.unchanged} unchanged"]
        for label, names in (("topics", self.created_topics),
                             ("measures", self.created_measures),
                             ("sources", self.created_sources)):
            if names:
                parts.append(f"new {label}: {', '.join(names)}")
        return "; ".join(parts) + "."


# ---- reading -----------------------------------------------------------------------------

def _count(value: Any, line: int, column: str, errors: list[RowError]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        errors.append(RowError(line, column, f"'{value}' is not a whole number."))
        return None
    try:
        number = value if isinstance(value, int) else figures.parse_number(value)
        if number < 0:
            raise figures.FigureError(f"'{value}' is negative; figures cannot be below zero.")
        return number
    except figures.FigureError as exc:
        errors.append(RowError(line, column, str(exc)))
        return None


def _date(value: Any, line: int, column: str, errors: list[RowError]) -> str | None:
    if value is None or not str(value).strip():
        return None
    try:
        return figures.parse_partial_date(str(value)).iso()
    except figures.FigureError as exc:
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
    if qualifier and qualifier not in figures.QUALIFIERS:
        errors.append(RowError(
            line, "qualifier",
            f"Unknown qualifier '{row.get('qualifier')}': use one of "
            f"{', '.join(figures.QUALIFIERS)}."))
    status = _text(row.get("status")) or "active"
    if status not in ("active", "retracted"):
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
    if not any(c.get("url") or c.get("publication") for c in citations):
        errors.append(RowError(line, "citation_url",
                               "Every estimate needs a citation: give a URL or a publication."))
    if len(errors) > before:
        return None
    try:
        fig = estimates.resolve_figure(
            figure=None, low=low, high=high, best=best, qualifier=qualifier or None
        )
    except ValidationFailed as exc:
        errors.extend(RowError(line, col, msg) for col, msg in exc.fields.items())
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
        citation = {CITATION_COLUMNS[c]: _text(row.get(c)) or None for c in CITATION_COLUMNS}
        for key in ("url", "publication", "quote", "language", "title", "quote_translation"):
            citation[key] = citation[key] or ""
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


# ---- applying ----------------------------------------------------------------------------

class _Refs:
    """Topics, measures and sources by slug and name, loaded once for the whole import."""

    def __init__(self, session: Session, report: Report) -> None:
        self.session = session
        self.report = report
        self.topics = {t.slug: t for t in session.scalars(
            select(Topic).options(selectinload(Topic.measures)))}
        self.sources = {s.slug: s for s in session.scalars(select(Source))}

    def topic(self, name: str, meta: dict[str, Any] | None = None) -> Topic:
        found = self.topics.get(name) or next(
            (t for t in self.topics.values() if t.title.lower() == name.lower()), None)
        slug = catalog.slugify(name)
        if found is None:
            found = self.topics.get(slug)
        if found is None:
            title = (meta or {}).get("title") or (name if not catalog.is_slug(name)
                                                  else name.replace("-", " ").capitalize())
            found = catalog.create_topic(self.session, TopicCreate(
                slug=slug, title=title, summary=(meta or {}).get("summary", "")))
            self.topics[found.slug] = found
            self.report.created_topics.append(found.slug)
        return found

    def measure(self, topic: Topic, name: str, meta: dict[str, Any] | None = None) -> Measure:
        slug = catalog.slugify(name)
        found = next((m for m in topic.measures if m.slug == slug or m.label == name), None)
        if found is None:
            found = catalog.create_measure(self.session, topic, MeasureCreate(
                slug=slug,
                label=(meta or {}).get("label") or catalog.measure_label(name),
                unit=(meta or {}).get("unit") or "people",
                description=(meta or {}).get("description", ""),
            ))
            self.report.created_measures.append(f"{topic.slug}/{found.slug}")
        return found

    def source(self, name: str, meta: dict[str, Any] | None = None) -> Source:
        found = self.sources.get(name) or next(
            (s for s in self.sources.values() if s.name.lower() == name.lower()), None)
        slug = catalog.slugify(name)
        if found is None:
            found = self.sources.get(slug)
        if found is None:
            values = dict(meta or {})
            values.setdefault("slug", slug)
            values.setdefault("name", name)
            if values.get("kind") not in SOURCE_KINDS:
                values["kind"] = "other"
            found = catalog.create_source(self.session, SourceCreate(**values))
            self.sources[found.slug] = found
            self.report.created_sources.append(found.slug)
        return found


def _existing(session: Session, measure_ids: set[int]) -> dict[tuple[Any, ...], Estimate]:
    rows = session.scalars(
        select(Estimate)
        .where(Estimate.measure_id.in_(measure_ids))
        .options(joinedload(Estimate.measure).joinedload(Measure.topic),
                 joinedload(Estimate.source), selectinload(Estimate.citations))
        .order_by(Estimate.id)
    ).unique()
    found: dict[tuple[Any, ...], Estimate] = {}
    for e in rows:
        found.setdefault(_db_key(e), e)
    return found


def _db_key(e: Estimate) -> tuple[Any, ...]:
    return (e.measure_id, e.source_id, e.low, e.high, e.best, e.qualifier,
            estimates.partial_iso(e.as_of, e.as_of_precision),
            estimates.partial_iso(e.stated_on, e.stated_on_precision))


def apply(session: Session, document: Document, user: User | None = None, *,
          comment: str = "import", progress: Progress | None = None) -> Report:
    """Write the document; the caller commits (or rolls back for a dry run)."""
    report = Report()
    refs = _Refs(session, report)
    source_meta = {s["slug"]: s for s in document.sources if s}
    for meta in document.topics:
        if meta:
            topic = refs.topic(meta["slug"], meta)
            for m in meta.get("measures", []):
                if m:
                    refs.measure(topic, m["slug"], m)
    for meta in document.sources:
        if meta:
            refs.source(meta["slug"], meta)
    resolved = []
    for record in document.records:
        topic = refs.topic(record.topic)
        measure = refs.measure(topic, record.measure)
        source = refs.source(record.source, source_meta.get(record.source))
        resolved.append((record, measure, source))
    existing = _existing(session, {m.id for _, m, _ in resolved})
    total = len(resolved)
    for done, (record, measure, source) in enumerate(resolved, start=1):
        key = (measure.id, source.id, record.low, record.high, record.best, record.qualifier,
               record.as_of, record.stated_on)
        found = existing.get(key)
        if found is None:
            estimates.create_estimate(
                session,
                EstimateCreate(
                    topic=measure.topic.slug, measure=measure.slug, source=source.slug,
                    low=record.low, high=record.high, best=record.best,
                    qualifier=record.qualifier,  # type: ignore[arg-type]
                    as_of=record.as_of, stated_on=record.stated_on, claimant=record.claimant,
                    notes=record.notes, citations=[CitationIn(**c) for c in record.citations],
                ),
                user, status=record.status, comment=comment, refs=(measure, source),
            )
            report.created += 1
        elif _update(session, found, record, user, comment):
            report.updated += 1
        else:
            report.unchanged += 1
        if progress:
            progress(done, total)
    return report


def _update(session: Session, found: Estimate, record: Record, user: User | None,
            comment: str) -> bool:
    known = [estimates.citation_dict(c) for c in found.citations]
    new_citations = [c for c in record.citations if c not in known]
    changed = bool(new_citations) or (record.notes and record.notes != found.notes) or (
        record.claimant and record.claimant != found.claimant)
    if changed:
        patch = EstimatePatch(
            version=found.version,
            notes=record.notes or None,
            claimant=record.claimant or None,
            citations=[CitationIn(**c) for c in known + new_citations],
            comment=comment,
        )
        estimates.update_estimate(session, found.id, patch, user)
    if record.status != found.status:
        estimates.set_status(session, found.id, record.status, comment, user,
                             version=found.version)
        changed = True
    return bool(changed)


# ---- export ------------------------------------------------------------------------------

def _all_estimates(session: Session) -> list[Estimate]:
    return list(session.scalars(
        select(Estimate)
        .join(Estimate.measure).join(Measure.topic).join(Estimate.source)
        .options(joinedload(Estimate.measure).joinedload(Measure.topic),
                 joinedload(Estimate.source), selectinload(Estimate.citations))
        .order_by(Topic.slug, Measure.position, Source.slug, Estimate.as_of, Estimate.id)
    ).unique())


def export_csv(session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS + CSV_EXTRA_COLUMNS)
    for e in _all_estimates(session):
        snap = estimates.snapshot(e)
        for c in snap["citations"]:
            row = {**snap, **{col: c[attr] for col, attr in CITATION_COLUMNS.items()}}
            writer.writerow(["" if row.get(col) is None else row[col]
                             for col in CSV_COLUMNS + CSV_EXTRA_COLUMNS])
    return out.getvalue()


def export_json(session: Session) -> str:
    topics = catalog.list_topics(session)
    data = {
        "format": "reckon/1",
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "topics": [
            {"slug": t.slug, "title": t.title, "summary": t.summary,
             "measures": [{"slug": m.slug, "label": m.label, "unit": m.unit,
                           "description": m.description} for m in t.measures]}
            for t in topics
        ],
        "sources": [
            {k: getattr(s, k) for k in ("slug", "name", "kind", "country",
                                        "party_to_conflict", "url", "description")}
            for s in catalog.list_sources(session)
        ],
        "estimates": [estimates.snapshot(e) for e in _all_estimates(session)],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def export_file(session: Session, name: str) -> str:
    return export_json(session) if name.lower().endswith(".json") else export_csv(session)
