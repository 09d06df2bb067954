"""Writing a checked import document. Unknown topics, measures and sources are created; a row
with the id of an estimate updates it through the estimate services (a revision, checked
against the version the file was exported at); a row without an id that matches an existing
figure changes nothing or only adds what is new, so importing the same file twice creates no
duplicates. A row the database refuses refuses the whole import: nothing is written."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.domain.actor import Actor
from app.domain.dates import partial_iso
from app.domain.errors import ValidationFailed
from app.domain.review import ReviewPending
from app.domain.vocabulary import Status
from app.models import Estimate, Measure, Source, Topic
from app.schemas.catalog import MeasurePatch
from app.schemas.estimates import CitationIn, EstimateDraft, EstimatePatch
from app.services import audit_trail, catalog, catalog_edits, estimates, review_queue
from app.services.revisions import snapshot
from app.services.transfer import bulk
from app.services.transfer.party_marks import PartyMarks
from app.services.transfer.reading import Document
from app.services.transfer.records import ImportRejected, Record, RowError
from app.services.transfer.report import Report, StaleRow

Progress = Callable[[int, int], None]
_BATCH = 500  # ids per query, well under SQLite's limit on bound parameters
_MAX_CITATIONS: int = next(m.max_length for m in EstimateDraft.model_fields["citations"].metadata
                           if hasattr(m, "max_length"))  # as the estimate form allows
# What a row without an id may add to the figure it matches (its figure and dates are the
# match itself); an empty cell never clears what the estimate has.
_MATCH_UPDATES = ("scope", "scope_note", "period_start", "period_end", "confidence",
                  "confidence_note", "claimant", "notes")


_SOURCE_COLUMNS = ("source_name", "source_short_name", "source_kind", "source_country")
_SOURCE_KEYS = ("name", "short_name", "kind", "country")


@dataclass(slots=True)
class _Placed:
    record: Record
    topic: Topic
    measure: Measure
    source: Source


def apply(session: Session, document: Document, actor: Actor | None = None, *,
          comment: str = "import", progress: Progress | None = None,
          review_required: bool = False) -> Report:
    """Write the document; the caller commits (or rolls back for a dry run). A savepoint
    undoes everything already written when a row turns out to be refused. With review
    required, new estimates and changes to what readers compare wait for a second editor
    (services.review), as they do from the form."""
    waiting = review_queue.waiting_total(session) if review_required else 0
    importer = _Import(session, actor, comment, review_required)
    with session.begin_nested():
        report = importer.run(document, progress)
    if review_required:
        report.awaiting_review = review_queue.waiting_total(session) - waiting
    # The estimates created in bulk are on the trail here, as counts and id ranges (their
    # revisions are in the history); an update names its estimate in an event of its own.
    audit_trail.note(session, "import_applied", created=report.created,
                     updated=report.updated, unchanged=report.unchanged,
                     rows=len(document.records), **importer.written.audit_fields())
    return report


class _Import:
    def __init__(self, session: Session, actor: Actor | None, comment: str,
                 review_required: bool = False) -> None:
        self.session, self.actor, self.comment = session, actor, comment
        self.review_required = review_required
        self.resolver = catalog.Resolver(session, actor)
        self.parties = PartyMarks(session, actor, comment)
        self.report = Report(created_topics=self.resolver.created_topics,
                             created_measures=self.resolver.created_measures,
                             created_sources=self.resolver.created_sources,
                             party_marks=self.parties.changed)
        self.errors: list[RowError] = []
        self.written = bulk.Written()
        # What the rows name, looked up once each (a file names the same few again and again).
        self._topics: dict[tuple[str, str | None], Topic] = {}
        self._measures: dict[tuple[str, str, str | None, str | None], Measure] = {}
        self._sources: dict[tuple[Any, ...], Source] = {}

    def run(self, document: Document, progress: Progress | None) -> Report:
        self._catalogue(document)
        placed = [self._place(r) for r in document.records]
        by_id = self._by_id(placed)
        self.parties.apply_rows(_marks(placed), self.errors)
        if self.errors:
            raise ImportRejected(self.errors)
        existing = _existing(self.session, {p.measure.id for p in placed}, set(by_id))
        total, done = len(placed), 0
        new: list[bulk.New] = []  # written in batches once every row is known to be good
        for p in placed:
            record = p.record
            try:
                if record.id is not None and record.id in by_id:
                    self._by_id_row(by_id[record.id], record)
                else:
                    found = existing.get(_key(p.measure.id, p.source.id, record.values))
                    if found is None:
                        new.append(self._new(p))
                        continue
                    self._count_since(found, self._update_match(found, record))
            except ValidationFailed as exc:
                self.errors.extend(RowError(record.line, name, message)
                                   for name, message in exc.fields.items())
            except ReviewPending as exc:
                self.errors.append(RowError(record.line, "id", exc.message))
            done += 1
            if progress:
                progress(done, total)
        if self.errors:
            raise ImportRejected(sorted(self.errors, key=lambda e: e.line))
        self.written = bulk.write(self.session, new, self.actor, self.comment,
                   review_required=self.review_required,
                   progress=(lambda written: progress(done + written, total)) if progress
                   else None)
        self.report.created += len(new)
        return self.report

    # ---- the catalogue -------------------------------------------------------------------

    def _catalogue(self, document: Document) -> None:
        """What a JSON file says about its topics, measures and sources, before its rows."""
        marks: list[tuple[Topic, dict[str, Any]]] = []
        for meta in document.topics:
            if not meta:
                continue
            topic = self._topic(meta["slug"], meta["title"], meta)
            for m in meta.get("measures", []):
                if m:
                    self._new_measure_in_order(topic, m)
            marks.extend((topic, mark) for mark in meta.get("party_marks", []))
        for meta in document.sources:
            if meta:
                self._source(meta["slug"] or meta["name"], meta["name"], meta)
        for topic, mark in marks:
            self.parties.set_own(topic, self._source(mark["source"], None, None),
                                 mark["party_to_conflict"])

    def _new_measure_in_order(self, topic: Topic, meta: dict[str, Any]) -> None:
        created = len(self.resolver.created_measures)
        measure = self._measure(topic, meta["slug"], meta["label"], meta)
        position = meta.get("position")
        if len(self.resolver.created_measures) > created and position is not None \
                and position != measure.position:
            # Only a new measure takes the file's order: an import never reorders a topic.
            catalog_edits.update_measure(self.session, topic.slug, measure.slug,
                                         MeasurePatch(position=position), self.actor,
                                         version=measure.version)

    # By slug or name first, then by the other name the file gives (a topic's title, a
    # measure's label, a source's name), and only then created: the same source under
    # another slug in this database is still the same source.

    def _topic(self, name: str, title: str | None, meta: dict[str, Any] | None) -> Topic:
        found = self.resolver.find_topic(name) or (
            self.resolver.find_topic(title) if title else None)
        return found or self.resolver.topic(name, meta)

    def _measure(self, topic: Topic, name: str, label: str | None,
                 meta: dict[str, Any] | None) -> Measure:
        if not _has_measure(topic, name) and label and _has_measure(topic, label):
            name = label
        return self.resolver.measure(topic, name, meta)

    def _source(self, name: str, full_name: str | None, meta: dict[str, Any] | None) -> Source:
        found = self.resolver.find_source(name) or (
            self.resolver.find_source(full_name) if full_name else None)
        return found or self.resolver.source(name, meta)

    def _place(self, record: Record) -> _Placed:
        """The row's topic, measure and source: by slug or by name, else created; each
        looked up once for all the rows that name it alike."""
        names = record.catalog
        title, label = names.get("topic_title"), names.get("measure_label")
        topic = self._topics.get((record.topic, title))
        if topic is None:
            topic = self._topics[record.topic, title] = self._topic(
                record.topic, title, {"title": title} if title else None)
        unit = names.get("measure_unit")
        measure = self._measures.get((topic.slug, record.measure, label, unit))
        if measure is None:
            measure = self._measures[topic.slug, record.measure, label, unit] = self._measure(
                topic, record.measure, label,
                {k: v for k, v in (("label", label), ("unit", unit)) if v})
        source_key = (record.source, record.source_party,
                      *(names.get(c) for c in _SOURCE_COLUMNS))  # what _source_meta reads
        source = self._sources.get(source_key)
        if source is None:
            source = self._sources[source_key] = self._source(
                record.source, names.get("source_name"), self._source_meta(record))
        return _Placed(record, topic, measure, source)

    @staticmethod
    def _source_meta(record: Record) -> dict[str, Any]:
        names = record.catalog
        meta: dict[str, Any] = {
            key: names[column] for column, key in zip(_SOURCE_COLUMNS, _SOURCE_KEYS, strict=True)
            if names.get(column)}
        if record.source_party is not None:
            # A new source's usual status is what its first row says; other topics where
            # the file says otherwise get a mark of their own.
            meta["party_to_conflict"] = record.source_party
        return meta

    # ---- estimates by id -----------------------------------------------------------------

    def _by_id(self, placed: list[_Placed]) -> dict[int, Estimate]:
        ids = sorted({p.record.id for p in placed if p.record.id is not None})
        found: dict[int, Estimate] = {}
        for start in range(0, len(ids), _BATCH):
            found |= {e.id: e for e in self.session.scalars(
                select(Estimate).where(Estimate.id.in_(ids[start:start + _BATCH]))
                .options(joinedload(Estimate.measure).joinedload(Measure.topic),
                         joinedload(Estimate.source), selectinload(Estimate.citations))
            ).unique()}
        for p in placed:
            e = found.get(p.record.id) if p.record.id is not None else None
            if e is not None and (e.measure_id, e.source_id) != (p.measure.id, p.source.id):
                self.errors.append(RowError(
                    p.record.line, "id",
                    f"Estimate {e.id} is {e.source.slug}'s figure for {e.measure.topic.slug}/"
                    f"{e.measure.slug}, not for this row's topic, measure and source; leave "
                    "the id empty to add a new figure."))
        return found

    def _by_id_row(self, e: Estimate, record: Record) -> None:
        """The file's values for the estimate it names; only what the file has columns for
        is compared and changed, and only when the estimate is still at the file's version."""
        current = snapshot(e)
        wanted = {k: record.values[k] for k in record.given}
        if all(current[k] == v for k, v in wanted.items()) \
                and current["citations"] == record.citations:
            self.report.unchanged += 1
            return
        assert record.version is not None  # an id always comes with its version
        if record.version != e.version:
            self.report.stale.append(StaleRow(record.line, e.id, record.version, e.version))
            return
        before = e.version
        estimates.update_estimate(self.session, e.id, EstimatePatch(
            version=e.version, comment=self.comment,
            citations=[CitationIn(**c) for c in record.citations],
            **{k: v for k, v in wanted.items() if k != "status"}), self.actor,
            review_required=self.review_required)
        self._set_status(e, wanted.get("status"))
        self._count_since(e, before)

    # ---- estimates without an id (or with one this database does not have) ----------------

    def _new(self, p: _Placed) -> bulk.New:
        """A row to create (checked as a new estimate's draft is: its figure, dates and
        claim when it was read, the number of its citations here)."""
        if len(p.record.citations) > _MAX_CITATIONS:
            self.errors.append(RowError(
                p.record.line, "citation_url", f"An estimate has at most {_MAX_CITATIONS} "
                f"citations; this one has {len(p.record.citations)}."))
        return bulk.New(p.record, p.measure.id, p.source.id, p.topic.slug, p.measure.slug,
                        p.source.slug)

    def _update_match(self, found: Estimate, record: Record) -> int:
        """Adds new citations and the values the row fills in; the version it started at."""
        before = found.version
        current = snapshot(found)
        known = current["citations"]
        new_citations = [c for c in record.citations if c not in known]
        changes = {k: record.values[k] for k in _MATCH_UPDATES
                   if k in record.filled and record.values[k] != current[k]}
        if new_citations or changes:
            estimates.update_estimate(self.session, found.id, EstimatePatch(
                version=found.version, comment=self.comment,
                citations=[CitationIn(**c) for c in known + new_citations], **changes),
                self.actor, review_required=self.review_required)
        if "status" in record.filled:
            self._set_status(found, record.values["status"])
        return before

    def _set_status(self, e: Estimate, status: str | None) -> None:
        if status is not None and status != e.status:
            estimates.set_status(self.session, e.id, Status(status), self.comment, self.actor,
                                 version=e.version)

    def _count_since(self, e: Estimate, before: int) -> None:
        # A patch that changes nothing writes nothing: the version says whether it did.
        if e.version != before:
            self.report.updated += 1
        else:
            self.report.unchanged += 1


def _marks(placed: Iterable[_Placed]) -> list[tuple[int, Topic, Source, bool]]:
    return [(p.record.line, p.topic, p.source, p.record.source_party) for p in placed
            if p.record.source_party is not None]


def _has_measure(topic: Topic, name: str) -> bool:
    return any(m.slug == name or m.label.casefold() == name.casefold() for m in topic.measures)


def _key(measure_id: int, source_id: int, values: dict[str, Any]) -> tuple[Any, ...]:
    return (measure_id, source_id, values["low"], values["high"], values["best"],
            values["qualifier"], values["as_of"], values["stated_on"])


def _existing(session: Session, measure_ids: set[int],
              named: set[int]) -> dict[tuple[Any, ...], Estimate]:
    """The figures already recorded for these measures, by what makes two the same; those
    the file names by id are matched by id only."""
    rows = session.scalars(
        select(Estimate)
        .where(Estimate.measure_id.in_(measure_ids))
        .options(joinedload(Estimate.measure).joinedload(Measure.topic),
                 joinedload(Estimate.source), selectinload(Estimate.citations))
        .order_by(Estimate.id)
    ).unique()
    found: dict[tuple[Any, ...], Estimate] = {}
    for e in rows:
        if e.id not in named:
            found.setdefault(_key(e.measure_id, e.source_id, {
                "low": e.low, "high": e.high, "best": e.best, "qualifier": e.qualifier,
                "as_of": partial_iso(e.as_of, e.as_of_precision),
                "stated_on": partial_iso(e.stated_on, e.stated_on_precision)}), e)
    return found
