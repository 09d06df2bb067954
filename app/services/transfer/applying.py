"""Writing a checked import document: unknown topics, measures and sources are created; a
record that matches an existing estimate changes nothing (or only adds what is new), so
importing the same file twice creates no duplicates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.domain.actor import Actor
from app.domain.dates import partial_iso
from app.domain.vocabulary import Status
from app.models import Estimate, Measure
from app.schemas.estimates import CitationIn, EstimateDraft, EstimatePatch
from app.services import catalog, estimates
from app.services.revisions import citation_dict
from app.services.transfer.reading import Document, Record

Progress = Callable[[int, int], None]


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
            partial_iso(e.as_of, e.as_of_precision),
            partial_iso(e.stated_on, e.stated_on_precision))


def apply(session: Session, document: Document, actor: Actor | None = None, *,
          comment: str = "import", progress: Progress | None = None) -> Report:
    """Write the document; the caller commits (or rolls back for a dry run)."""
    resolver = catalog.Resolver(session)
    source_meta = {s["slug"]: s for s in document.sources if s}
    for meta in document.topics:
        if meta:
            topic = resolver.topic(meta["slug"], meta)
            for m in meta.get("measures", []):
                if m:
                    resolver.measure(topic, m["slug"], m)
    for meta in document.sources:
        if meta:
            resolver.source(meta["slug"], meta)
    resolved = []
    for record in document.records:
        topic = resolver.topic(record.topic)
        measure = resolver.measure(topic, record.measure)
        source = resolver.source(record.source, source_meta.get(record.source))
        resolved.append((record, measure, source))
    report = Report(created_topics=resolver.created_topics,
                    created_measures=resolver.created_measures,
                    created_sources=resolver.created_sources)
    existing = _existing(session, {m.id for _, m, _ in resolved})
    total = len(resolved)
    for done, (record, measure, source) in enumerate(resolved, start=1):
        key = (measure.id, source.id, record.low, record.high, record.best, record.qualifier,
               record.as_of, record.stated_on)
        found = existing.get(key)
        if found is None:
            draft = EstimateDraft(
                low=record.low, high=record.high, best=record.best,
                qualifier=record.qualifier,  # type: ignore[arg-type]  # checked when read
                as_of=record.as_of, stated_on=record.stated_on, claimant=record.claimant,
                notes=record.notes, citations=[CitationIn(**c) for c in record.citations],
            )
            estimates.insert_estimate(session, measure, source, draft, actor,
                                      status=record.status, comment=comment)
            report.created += 1
        elif _update(session, found, record, actor, comment):
            report.updated += 1
        else:
            report.unchanged += 1
        if progress:
            progress(done, total)
    return report


def _update(session: Session, found: Estimate, record: Record, actor: Actor | None,
            comment: str) -> bool:
    known = [citation_dict(c) for c in found.citations]
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
        estimates.update_estimate(session, found.id, patch, actor)
    if record.status != found.status:
        estimates.set_status(session, found.id, Status(record.status), comment, actor,
                             version=found.version)
        changed = True
    return bool(changed)
