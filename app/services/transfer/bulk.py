"""An import's new estimates written in bulk: Core executemany batches inside the import's
transaction, each estimate with what the one-by-one path (services.new_estimates.insert_estimate)
gives it — its version, its first revision ('create', in the history's hash chain), its
placed_on date, its proposal when review is required, its audit events, and a pending capture
of every URL it cites that has none (with the quote checks of URLs captured before)."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.orm import Session

from app.db import Base
from app.domain.actor import Actor
from app.domain.citations import CITATION_FIELDS, blank_citation
from app.domain.dates import PartialDate, parse_partial_date
from app.domain.vocabulary import ProposalKind, ProposalState, Review, RevisionAction
from app.models import Citation, Estimate, Proposal, Revision, utcnow
from app.services import capture, chain
from app.services.many_rows import insert_rows
from app.services.transfer.records import Record

BATCH = 5_000  # estimates per executemany: bounded memory; the statements grow only per batch
_DATES = ("as_of", "stated_on", "period_start", "period_end")
# The tables, not the classes: an ORM bulk insert would write version 1 whatever is given
# (Estimate's version_id_col), and Core is the faster path.
_ESTIMATES: Table = Base.metadata.tables["estimates"]
_CITATIONS: Table = Base.metadata.tables["citations"]
_PROPOSALS: Table = Base.metadata.tables["proposals"]
_CITATION_DATES = frozenset(f.name for f in CITATION_FIELDS if f.is_date)


@dataclass(frozen=True, slots=True)
class New:
    """A row to create, placed: its record and the ids and slugs it was resolved to."""

    record: Record
    measure_id: int
    source_id: int
    topic: str
    measure: str
    source: str


@dataclass(slots=True)
class Written:
    """What write() made, for the import's one audit event: counts and id ranges (an audit
    line per estimate cost more than writing the estimates)."""

    estimates: int = 0
    first_estimate_id: int | None = None
    last_estimate_id: int | None = None
    first_revision_id: int | None = None
    last_revision_id: int | None = None
    proposals: int = 0

    def add(self, estimate_ids: Sequence[int], revision_ids: Sequence[int],
            proposals: int) -> None:
        self.estimates += len(estimate_ids)
        self.proposals += proposals
        self.first_estimate_id = min(estimate_ids[0] if self.first_estimate_id is None
                                     else self.first_estimate_id, min(estimate_ids))
        self.last_estimate_id = max(self.last_estimate_id or 0, max(estimate_ids))
        if revision_ids:
            if self.first_revision_id is None:
                self.first_revision_id = revision_ids[0]
            self.last_revision_id = revision_ids[-1]

    def audit_fields(self) -> dict[str, int | None]:
        return {"estimates_created": self.estimates,
                "first_estimate_id": self.first_estimate_id,
                "last_estimate_id": self.last_estimate_id,
                "first_revision_id": self.first_revision_id,
                "last_revision_id": self.last_revision_id,
                "reviews_requested": self.proposals}


def write(session: Session, rows: Sequence[New], actor: Actor | None, comment: str, *,
          review_required: bool = False,
          progress: Callable[[int], None] | None = None) -> Written:
    """Insert the estimates of `rows` (checked already), BATCH at a time; `progress` is told
    how many are written after each batch."""
    written = Written()
    if not rows:
        return written
    ids = _estimate_ids(session, rows)
    with _page_cache(session, len(rows)):
        for start in range(0, len(rows), BATCH):
            _batch(session, rows[start:start + BATCH], ids[start:start + BATCH], actor,
                   comment, review_required, written)
            if progress:
                progress(min(start + BATCH, len(rows)))
    return written


_CACHE_FROM = 20_000  # estimates: below this the indexes fit SQLite's usual cache
_CACHE_KIB = 65_536


@contextmanager
def _page_cache(session: Session, count: int) -> Iterator[None]:
    """On SQLite, a larger page cache while many rows go in: the five indexes of estimates
    outgrow the usual 2 MB, and each insert would read their pages again (a sixth of the
    writing at 100,000 rows). The connection's own size is restored after."""
    connection = session.connection()
    if connection.dialect.name != "sqlite" or count < _CACHE_FROM:
        yield
        return
    usual = int(connection.exec_driver_sql("PRAGMA cache_size").scalar() or -2_000)
    connection.exec_driver_sql(f"PRAGMA cache_size=-{_CACHE_KIB}")
    try:
        yield
    finally:
        connection.exec_driver_sql(f"PRAGMA cache_size={usual}")


_ESTIMATE_COLUMNS = (
    "id", "measure_id", "source_id", "low", "high", "best", "qualifier", "scope",
    "scope_note", "confidence", "confidence_note", "claimant", "notes", "status", "review",
    "version", "placed_on", "placed_precision", "created_at", "updated_at", "created_by_id",
    "updated_by_id", *(f"{name}{suffix}" for name in _DATES for suffix in ("", "_precision")),
)
_CITATION_COLUMNS = ("id", "estimate_id", "position", *(f.name for f in CITATION_FIELDS))
# Every column, defaults included: a driver insert fills none of them in.
_PROPOSAL_COLUMNS = ("id", "estimate_id", "kind", "base_version", "proposed", "comment",
                     "author_id", "created_at", "state", "reason")
_TEXTS = ("scope", "scope_note", "confidence", "confidence_note", "claimant", "notes")


def _batch(session: Session, rows: Sequence[New], ids: Sequence[int], actor: Actor | None,
           comment: str, review_required: bool, written: Written) -> None:
    now = utcnow()
    user = actor.id if actor else None
    review = (Review.PENDING if review_required else Review.APPROVED).value
    citation_ids = iter(_new_ids(session, Citation,
                                 sum(len(r.record.citations) for r in rows)))
    estimates: list[tuple[Any, ...]] = []
    citations: list[tuple[Any, ...]] = []
    revisions: list[dict[str, Any]] = []
    proposals: list[tuple[Any, ...]] = []
    quoted: dict[int, tuple[str, str]] = {}
    create = RevisionAction.CREATE.value
    for row, estimate_id in zip(rows, ids, strict=True):
        values = row.record.values
        dates = [_partial_date(values[name]) if values[name] else None for name in _DATES]
        cited = [_citation(c, i, next(citation_ids), estimate_id)
                 for i, c in enumerate(row.record.citations)]
        version = row.record.version or 1
        placed_on, placed_precision = _placed_on(dates, cited)
        texts = [values[f] or "" for f in _TEXTS]
        estimates.append((
            estimate_id, row.measure_id, row.source_id, values["low"], values["high"],
            values["best"], values["qualifier"], *texts, values["status"], review, version,
            placed_on, placed_precision, now, now, user, user,
            *(part for known in dates
              for part in ((known.value, known.precision) if known else (None, None)))))
        for c in cited:
            citations.append(tuple(c[name] for name in _CITATION_COLUMNS))
            if c["url"]:
                quoted[c["id"]] = (c["url"], c["quote"])
        after = _snapshot(row, values, texts, review, cited)
        revisions.append({"estimate_id": estimate_id, "number": version, "action": create,
                          "before": None, "after": after, "user_id": user,
                          "comment": comment, "created_at": now})
        if review_required:
            proposals.append((estimate_id, ProposalKind.NEW.value, version, after, comment,
                              user, now, ProposalState.PENDING.value, ""))
    insert_rows(session, _ESTIMATES, _ESTIMATE_COLUMNS, estimates)
    insert_rows(session, _CITATIONS, _CITATION_COLUMNS, citations)
    revision_ids = chain.append(session, Revision, revisions)
    if proposals:
        proposal_ids = _new_ids(session, Proposal, len(proposals))
        insert_rows(session, _PROPOSALS, _PROPOSAL_COLUMNS,
                    [(i, *p) for i, p in zip(proposal_ids, proposals, strict=True)])
    written.add(ids, revision_ids, len(proposals))
    capture.citations_saved(session, quoted)


def _citation(given: dict[str, Any], position: int, citation_id: int,
              estimate_id: int) -> dict[str, Any]:
    # As services.estimates.new_citation stores it.
    values: dict[str, Any] = blank_citation() | {k: v for k, v in given.items() if v}
    for name in _CITATION_DATES:
        if isinstance(values[name], str):
            values[name] = _iso_date(values[name])
    return {"id": citation_id, "estimate_id": estimate_id, "position": position, **values}


# A file repeats its dates: each is read once.
_partial_date = functools.lru_cache(maxsize=65_536)(parse_partial_date)
_iso_date = functools.lru_cache(maxsize=65_536)(dt.date.fromisoformat)


def _placed_on(dates: list[PartialDate | None],
               citations: list[dict[str, Any]]) -> tuple[dt.date | None, str | None]:
    """What models.place stores: as_of, else stated_on, else the earliest publication."""
    for known in dates[:2]:  # as_of, stated_on
        if known is not None:
            return known.value, known.precision
    published = [c["published_on"] for c in citations if c["published_on"] is not None]
    return (min(published), "day") if published else (None, None)


def _snapshot(row: New, values: dict[str, Any], texts: list[str], review: str,
              citations: list[dict[str, Any]]) -> dict[str, Any]:
    """services.revisions.snapshot of the estimate as inserted (its dates are the file's,
    already in their ISO form)."""
    scope, scope_note, confidence, confidence_note, claimant, notes = texts
    return {
        "topic": row.topic, "measure": row.measure, "source": row.source,
        "low": values["low"], "high": values["high"], "best": values["best"],
        "qualifier": values["qualifier"], "as_of": values["as_of"] or None,
        "stated_on": values["stated_on"] or None, "scope": scope, "scope_note": scope_note,
        "period_start": values["period_start"] or None,
        "period_end": values["period_end"] or None, "confidence": confidence,
        "confidence_note": confidence_note, "claimant": claimant, "notes": notes,
        "status": values["status"],
        "citations": [{f.name: c[f.name].isoformat() if f.is_date and c[f.name] is not None
                       else c[f.name] for f in CITATION_FIELDS} for c in citations],
        "review": review,
    }


def _estimate_ids(session: Session, rows: Sequence[New]) -> list[int]:
    """The file's ids where it gives them (an export read back keeps its ids), new ones for
    the others, past every id in the database and in the file."""
    given = [r.record.id for r in rows if r.record.id is not None]
    if given:
        _sequence_past(session, Estimate, max(given))
    fresh = iter(_new_ids(session, Estimate,
                          sum(1 for r in rows if r.record.id is None),
                          past=max(given, default=0)))
    return [r.record.id if r.record.id is not None else next(fresh) for r in rows]


_Model = type[Estimate] | type[Citation] | type[Proposal]


def _sequence_past(session: Session, model: _Model, largest: int) -> None:
    if session.get_bind().dialect.name == "postgresql":
        table = model.__tablename__
        # As services.new_estimates does after an explicit id: nextval() never goes back.
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"GREATEST(:id, nextval(pg_get_serial_sequence('{table}', 'id'))))"),
            {"id": largest})


def _new_ids(session: Session, model: _Model, count: int, past: int = 0) -> list[int]:
    """Ids for `count` new rows, known before they are inserted (their citations and
    revisions point at them). PostgreSQL: from the id sequence; SQLite: after the largest,
    under the write lock the import's transaction holds."""
    if count == 0:
        return []
    if session.get_bind().dialect.name == "postgresql":
        ids = session.scalars(
            select(func.nextval(func.pg_get_serial_sequence(model.__tablename__, "id")))
            .select_from(func.generate_series(1, count))).all()
        return sorted(int(i) for i in ids)
    largest = max(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0, past)
    return list(range(largest + 1, largest + 1 + count))
