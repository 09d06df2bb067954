"""Writing every estimate out as CSV (one row per citation) or JSON (with the catalogue)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.models import Estimate, Measure, Source, Topic
from app.services import catalog
from app.services.revisions import snapshot
from app.services.transfer.reading import CITATION_COLUMNS, CSV_COLUMNS, CSV_EXTRA_COLUMNS


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
        snap = snapshot(e)
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
        "estimates": [snapshot(e) for e in _all_estimates(session)],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def export_file(session: Session, name: str) -> str:
    return export_json(session) if name.lower().endswith(".json") else export_csv(session)
