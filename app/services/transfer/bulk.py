"""An import's new estimates written in bulk: Core executemany batches inside the import's
transaction, each estimate with what the one-by-one path (services.estimates.insert_estimate)
gives it — its version, its first revision ('create', in the history's hash chain), its
placed_on date, its proposal when review is required, its audit events, and a pending capture
of every URL it cites that has none (with the quote checks of URLs captured before)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from app.db import Base
from app.domain.actor import Actor
from app.domain.citations import CITATION_FIELDS, blank_citation
from app.domain.dates import PartialDate, parse_partial_date, partial_iso
from app.domain.vocabulary import ProposalKind, Review, RevisionAction
from app.models import Citation, Estimate, Proposal, Revision, utcnow
from app.services import audit_trail, capture, chain
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


def write(session: Session, rows: Sequence[New], actor: Actor | None, comment: str, *,
          review_required: bool = False,
          progress: Callable[[int], None] | None = None) -> None:
    """Insert the estimates of `rows` (checked already), BATCH at a time; `progress` is told
    how many are written after each batch."""
    if not rows:
        return
    ids = _estimate_ids(session, rows)
    for start in range(0, len(rows), BATCH):
        _batch(session, rows[start:start + BATCH], ids[start:start + BATCH], actor, comment,
               review_required)
        if progress:
            progress(min(start + BATCH, len(rows)))


def _batch(session: Session, rows: Sequence[New], ids: Sequence[int], actor: Actor | None,
           comment: str, review_required: bool) -> None:
    now = utcnow()
    user = actor.id if actor else None
    review = (Review.PENDING if review_required else Review.APPROVED).value
    citation_ids = iter(_new_ids(session, Citation,
                                 sum(len(r.record.citations) for r in rows)))
    estimates: list[dict[str, Any]] = []
    citations: list[dict[str, Any]] = []
    revisions: list[dict[str, Any]] = []
    proposals: list[dict[str, Any]] = []
    quoted: dict[int, tuple[str, str]] = {}
    for row, estimate_id in zip(rows, ids, strict=True):
        values = row.record.values
        dates = {name: parse_partial_date(values[name]) if values[name] else None
                 for name in _DATES}
        cited = [_citation(c, i, next(citation_ids), estimate_id)
                 for i, c in enumerate(row.record.citations)]
        version = row.record.version or 1
        placed = _placed_on(dates, cited)
        estimate = {
            "id": estimate_id, "measure_id": row.measure_id, "source_id": row.source_id,
            "low": values["low"], "high": values["high"], "best": values["best"],
            "qualifier": values["qualifier"],
            **{f: values[f] or "" for f in ("scope", "scope_note", "confidence",
                                             "confidence_note", "claimant", "notes")},
            "status": values["status"], "review": review, "version": version,
            "placed_on": placed[0], "placed_precision": placed[1],
            "created_at": now, "updated_at": now, "created_by_id": user,
            "updated_by_id": user,
        }
        for name, known in dates.items():
            estimate[name] = known.value if known else None
            estimate[f"{name}_precision"] = known.precision if known else None
        estimates.append(estimate)
        citations.extend(cited)
        quoted |= {c["id"]: (c["url"], c["quote"]) for c in cited if c["url"]}
        after = _snapshot(row, estimate, cited)
        revisions.append({"estimate_id": estimate_id, "number": version,
                          "action": RevisionAction.CREATE.value, "before": None,
                          "after": after, "user_id": user, "comment": comment,
                          "created_at": now})
        if review_required:
            proposals.append({"estimate_id": estimate_id, "kind": ProposalKind.NEW.value,
                              "base_version": version, "proposed": after, "comment": comment,
                              "author_id": user, "created_at": now})
    session.execute(insert(_ESTIMATES), estimates)
    if citations:
        session.execute(insert(_CITATIONS), citations)
    chain.append(session, Revision, revisions)
    for revision in revisions:
        audit_trail.note(session, "estimate_changed", estimate_id=revision["estimate_id"],
                         revision=revision["number"], action=revision["action"])
    if proposals:
        proposal_ids = _new_ids(session, Proposal, len(proposals))
        for proposal, proposal_id in zip(proposals, proposal_ids, strict=True):
            proposal["id"] = proposal_id
        session.execute(insert(_PROPOSALS), proposals)
        for proposal in proposals:
            audit_trail.note(session, "review_requested", estimate_id=proposal["estimate_id"],
                             proposal_id=proposal["id"], kind=proposal["kind"])
    capture.citations_saved(session, quoted)


def _citation(given: dict[str, Any], position: int, citation_id: int,
              estimate_id: int) -> dict[str, Any]:
    # As services.estimates.new_citation stores it.
    values: dict[str, Any] = blank_citation() | {k: v for k, v in given.items() if v}
    for name in _CITATION_DATES:
        if isinstance(values[name], str):
            values[name] = dt.date.fromisoformat(values[name])
    return {"id": citation_id, "estimate_id": estimate_id, "position": position, **values}


def _placed_on(dates: dict[str, PartialDate | None],
               citations: list[dict[str, Any]]) -> tuple[dt.date | None, str | None]:
    """What models.place stores: as_of, else stated_on, else the earliest publication."""
    for name in ("as_of", "stated_on"):
        known = dates[name]
        if known is not None:
            return known.value, known.precision
    published = [c["published_on"] for c in citations if c["published_on"] is not None]
    return (min(published), "day") if published else (None, None)


def _snapshot(row: New, estimate: dict[str, Any],
              citations: list[dict[str, Any]]) -> dict[str, Any]:
    """services.revisions.snapshot of the estimate as inserted."""
    return {
        "topic": row.topic, "measure": row.measure, "source": row.source,
        **{k: estimate[k] for k in ("low", "high", "best", "qualifier")},
        "as_of": partial_iso(estimate["as_of"], estimate["as_of_precision"]),
        "stated_on": partial_iso(estimate["stated_on"], estimate["stated_on_precision"]),
        "scope": estimate["scope"], "scope_note": estimate["scope_note"],
        "period_start": partial_iso(estimate["period_start"],
                                    estimate["period_start_precision"]),
        "period_end": partial_iso(estimate["period_end"], estimate["period_end_precision"]),
        **{k: estimate[k] for k in ("confidence", "confidence_note", "claimant", "notes",
                                    "status")},
        "citations": [{f.name: c[f.name].isoformat() if f.is_date and c[f.name] is not None
                       else c[f.name] for f in CITATION_FIELDS} for c in citations],
        "review": estimate["review"],
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
        # As services.estimates does after an explicit id: nextval() never goes back.
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
