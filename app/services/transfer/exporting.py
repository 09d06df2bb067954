"""Writing every estimate out as CSV (one row per citation) or JSON (with the catalogue). Both
carry ids, versions, slugs and names, so an export reads back into an empty database as the
same file, and an edited export updates exactly what was edited."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.domain.citations import blank_citation
from app.domain.figures import fitting_qualifier
from app.models import Estimate, Measure, Source, Topic, TopicSource
from app.services import catalog
from app.services.revisions import snapshot
from app.services.transfer.cells import protect
from app.services.transfer.columns import (
    CITATION_COLUMNS,
    EXPORT_COLUMNS,
    JSON_ESTIMATE_KEYS,
    VALUE_FIELDS,
)
from app.services.visibility import published

FORMAT = "reckon/2"  # reckon/1 had no ids, versions, names or party marks; both read back


def _all_estimates(session: Session) -> list[Estimate]:
    # Slugs, dates and ids survive a round trip, so the order does too.
    return list(session.scalars(
        select(Estimate)
        .join(Estimate.measure).join(Measure.topic).join(Estimate.source)
        .where(published())  # what readers see: nothing waiting for review
        .options(joinedload(Estimate.measure).joinedload(Measure.topic),
                 joinedload(Estimate.source), selectinload(Estimate.citations))
        .order_by(Topic.slug, Measure.position, Measure.slug, Source.slug, Estimate.as_of,
                  Estimate.id)
    ).unique())


def _own_marks(session: Session) -> dict[tuple[int, int], bool]:
    return {(m.topic_id, m.source_id): m.party_to_conflict
            for m in session.scalars(select(TopicSource))}


def _fields(e: Estimate, marks: dict[tuple[int, int], bool]) -> dict[str, Any]:
    """One estimate as the columns name it (citations aside)."""
    topic, measure, source = e.measure.topic, e.measure, e.source
    snap = snapshot(e)
    return {
        "id": e.id, "topic": topic.slug, "topic_title": topic.title,
        "measure": measure.slug, "measure_label": measure.label, "measure_unit": measure.unit,
        "source": source.slug, "source_name": source.name,
        "source_short_name": source.short_name, "source_kind": source.kind,
        "source_country": source.country,
        # Within this topic: the topic's own mark, else the source's usual status.
        "source_party": marks.get((topic.id, source.id), source.party_to_conflict),
        **{name: snap[name] for name in VALUE_FIELDS},
        # As the importer reads it back: a 'between' of one number is exact.
        "qualifier": fitting_qualifier(snap["low"], snap["high"], snap["qualifier"]),
        "citations": snap["citations"],
        "version": e.version,
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    # Text is made safe for spreadsheets; numbers stay numbers.
    return protect(value) if isinstance(value, str) else str(value)


def export_csv(session: Session) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    marks = _own_marks(session)
    for e in _all_estimates(session):
        fields = _fields(e, marks)
        # An estimate without citations still gets its row, rather than silently vanishing.
        for c in fields["citations"] or [blank_citation()]:
            row = {**fields, **{column: c[name] for column, name in CITATION_COLUMNS.items()}}
            writer.writerow([_cell(row[column]) for column in EXPORT_COLUMNS])
    return out.getvalue()


def export_json(session: Session) -> str:
    marks = _own_marks(session)
    sources = catalog.list_sources(session)
    slugs = {s.id: s.slug for s in sources}
    data = {
        "format": FORMAT,
        "exported_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "topics": [
            {"slug": t.slug, "title": t.title, "summary": t.summary,
             "measures": [{"slug": m.slug, "label": m.label, "unit": m.unit,
                           "description": m.description, "position": m.position}
                          # The relationship's order, even when a position changed
                          # after the collection was loaded.
                          for m in sorted(t.measures, key=lambda m: (m.position, m.id))],
             "party_marks": [{"source": slug, "party_to_conflict": party}
                             for slug, party in sorted(
                                 (slugs[source_id], party)
                                 for (topic_id, source_id), party in marks.items()
                                 if topic_id == t.id)]}
            for t in catalog.list_topics(session)
        ],
        "sources": [
            {k: getattr(s, k) for k in ("slug", "name", "short_name", "kind", "country",
                                        "party_to_conflict", "url", "description")}
            for s in sources
        ],
        "estimates": [{k: fields[k] for k in JSON_ESTIMATE_KEYS}
                      for fields in (_fields(e, marks) for e in _all_estimates(session))],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def export_file(session: Session, name: str) -> str:
    return export_json(session) if name.lower().endswith(".json") else export_csv(session)
