"""The history's hash chain in the database: appending revisions to it (one writer at a time),
reading its head, and walking it to verify every link (`reckon verify`). The hash itself is
defined in app/domain/chain.py; the triggers that refuse UPDATE and DELETE on the history are
created by migration 0009."""

from __future__ import annotations

import datetime as dt
from collections.abc import Generator, Iterable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Integer,
    Select,
    String,
    cast,
    func,
    literal,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from app.db import Base
from app.domain import chain
from app.domain.review import revision_is_published
from app.models import CatalogRevision, ChainHead, Revision, utcnow
from app.services.many_rows import insert_rows

History = Revision | CatalogRevision
_TABLES: dict[type[History], str] = {Revision: chain.REVISIONS,
                                     CatalogRevision: chain.CATALOG_REVISIONS}
HEAD_ID = 1
# The triggers migration 0009 creates, as (table, trigger).
SQLITE_TRIGGERS = (
    ("revisions", "revisions_no_update"), ("revisions", "revisions_no_delete"),
    ("catalog_revisions", "catalog_revisions_no_update"),
    ("catalog_revisions", "catalog_revisions_no_delete"),
    ("chain_head", "chain_head_no_delete"), ("chain_head", "chain_head_forward_only"),
)
POSTGRESQL_TRIGGERS = (
    ("revisions", "revisions_append_only"), ("revisions", "revisions_no_truncate"),
    ("catalog_revisions", "catalog_revisions_append_only"),
    ("catalog_revisions", "catalog_revisions_no_truncate"),
    ("chain_head", "chain_head_guard"), ("chain_head", "chain_head_no_truncate"),
)
_STREAM_BATCH = 500


@dataclass(frozen=True)
class Head:
    length: int
    hash: str

    @property
    def short(self) -> str:
        return chain.short(self.hash)


def head(session: Session) -> Head:
    """The chain's head as committed (no lock): for readers."""
    length, hash_ = session.execute(
        select(ChainHead.length, ChainHead.hash).where(ChainHead.id == HEAD_ID)).one()
    return Head(int(length), str(hash_))


def _take_head(session: Session) -> Head:
    """The head, locked until the transaction ends: the next writer waits here. On SQLite
    a writing transaction holds the database's write lock already (db.writing), and one that
    began reading cannot write after another writer committed, so no two can fork it."""
    length, hash_ = session.execute(
        select(ChainHead.length, ChainHead.hash).where(ChainHead.id == HEAD_ID)
        .with_for_update()).one()
    return Head(int(length), str(hash_))


def _new_ids(session: Session, model: type[History], count: int) -> list[int]:
    """Ids for `count` new rows of `model`, known before they are inserted (the hash covers
    the id). PostgreSQL: from the id sequence; SQLite: after the largest, under the write
    lock that _take_head's transaction holds."""
    if count == 0:
        return []
    table = model.__tablename__
    if session.get_bind().dialect.name == "postgresql":
        ids = session.scalars(
            select(func.nextval(func.pg_get_serial_sequence(table, "id")))
            .select_from(func.generate_series(1, count))).all()
        return sorted(int(i) for i in ids)
    largest = session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0
    return list(range(largest + 1, largest + 1 + count))


def _link_rows(session: Session, table: str, rows: Sequence[dict[str, Any]],
               start: Head) -> Head:
    """Give each row (a dict of its columns, id included) its place after `start`."""
    length, prev = start.length, start.hash
    for row in rows:
        length += 1
        if row.get("created_at") is None:
            row["created_at"] = utcnow()
        row.update(sequence=length, prev_hash=prev)
        row["hash"] = prev = chain.link_hash(table, row, prev)
    return Head(length, prev)


def _move_head(session: Session, to: Head) -> None:
    session.execute(update(ChainHead).where(ChainHead.id == HEAD_ID)
                    .values(length=to.length, hash=to.hash)
                    .execution_options(synchronize_session=False))


def _mark_published(session: Session,
                    revisions: Iterable[tuple[int, str, Mapping[str, Any], dt.datetime]]
                    ) -> None:
    """Move each estimate's last_published_at to its newest revision readers see, given
    new revisions as (estimate_id, action, after, created_at): every revision reaches the
    history through link() or append(), so the column cannot fall behind."""
    newest: dict[int, dt.datetime] = {}
    for estimate_id, action, after, at in revisions:
        if revision_is_published(action, after):
            newest[estimate_id] = max(at, newest.get(estimate_id, at))
    by_time: dict[dt.datetime, list[int]] = {}
    for estimate_id, at in newest.items():
        by_time.setdefault(at, []).append(estimate_id)
    # The table, not the class: an ORM update of an Estimate would bump its version.
    table = Base.metadata.tables["estimates"]
    for at, ids in by_time.items():
        for start in range(0, len(ids), 5_000):
            session.execute(update(table).where(table.c.id.in_(ids[start:start + 5_000]))
                            .values(last_published_at=at))


def _values(revision: History) -> dict[str, Any]:
    """The chained columns of a new row, with the defaults the flush would give (the hash
    must cover what is stored)."""
    table = revision.__table__
    values = {}
    for name in chain.CHAINED_FIELDS[_TABLES[type(revision)]]:
        value = getattr(revision, name)
        default = table.c[name].default
        if value is None and default is not None and default.is_scalar:
            value = default.arg
            setattr(revision, name, value)
        values[name] = value
    return values


def link(session: Session, *revisions: History) -> None:
    """Place new, not yet added revisions at the end of the chain, in the order given: each
    gets its id, sequence, created_at (now, unless set), prev_hash and hash, and the head
    moves to the last. Call it right before adding them to the session."""
    if not revisions:
        return
    at = _take_head(session)
    columns: list[dict[str, Any]] = []
    for model in _TABLES:
        mine = [r for r in revisions if type(r) is model]
        for revision, new_id in zip(mine, _new_ids(session, model, len(mine)), strict=True):
            revision.id = new_id
    for revision in revisions:
        if type(revision) not in _TABLES:
            raise TypeError(f"{type(revision).__name__} is not a history row")
        values = _values(revision)
        at = _link_rows(session, _TABLES[type(revision)], [values], at)
        columns.append(values)
    for revision, values in zip(revisions, columns, strict=True):
        revision.created_at = values["created_at"]
        revision.sequence, revision.prev_hash, revision.hash = (
            values["sequence"], values["prev_hash"], values["hash"])
    _move_head(session, at)
    _mark_published(session, ((r.estimate_id, r.action, r.after, r.created_at)
                              for r in revisions if isinstance(r, Revision)))


def append(session: Session, model: type[History], rows: Sequence[Mapping[str, Any]]
           ) -> list[int]:
    """Insert many history rows of one table at once (a bulk load), chained in the order given;
    answers their ids."""
    table = _TABLES[model]
    at = _take_head(session)
    filled = [{"before": None, "user_id": None, "comment": "", **row}
              for row in rows]
    if table == chain.CATALOG_REVISIONS:
        filled = [{"topic_id": None, "measure_id": None, "source_id": None, **row}
                  for row in filled]
    for row, new_id in zip(filled, _new_ids(session, model, len(filled)), strict=True):
        row["id"] = new_id
    at = _link_rows(session, table, filled, at)
    columns = tuple(filled[0]) if filled else ()
    for start in range(0, len(filled), 5_000):
        # The table, not the class: a driver executemany, no ORM bulk bookkeeping.
        insert_rows(session, model.metadata.tables[model.__tablename__], columns,
                    [tuple(row[c] for c in columns) for row in filled[start:start + 5_000]])
    _move_head(session, at)
    if model is Revision:
        _mark_published(session, ((row["estimate_id"], row["action"], row["after"],
                                   row["created_at"]) for row in filled))
    return [row["id"] for row in filled]


# ---- verifying ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Verdict:
    length: int  # revisions checked
    head: str
    broken: chain.Break | None = None
    missing_triggers: tuple[str, ...] = ()

    @property
    def intact(self) -> bool:
        return self.broken is None


def _walk_query(upto: int) -> Select[Any]:
    def nothing(kind: Any) -> Any:
        return cast(null(), kind)

    r, c = Revision, CatalogRevision
    merged = union_all(
        select(literal(chain.REVISIONS, String(20)).label("table"), r.id, r.sequence,
               r.prev_hash, r.hash, r.estimate_id, r.number,
               nothing(String(20)).label("entity"), nothing(Integer).label("topic_id"),
               nothing(Integer).label("measure_id"), nothing(Integer).label("source_id"),
               r.action, r.before, r.after, r.user_id, r.created_at, r.comment)
        .where(r.sequence <= upto),
        select(literal(chain.CATALOG_REVISIONS, String(20)).label("table"), c.id, c.sequence,
               c.prev_hash, c.hash, nothing(Integer).label("estimate_id"),
               nothing(Integer).label("number"), c.entity, c.topic_id, c.measure_id,
               c.source_id, c.action, c.before, c.after, c.user_id, c.created_at, c.comment)
        .where(c.sequence <= upto),
    ).subquery("history")
    return select(merged).order_by(merged.c.sequence, merged.c["table"])


def walk(session: Session, upto: int) -> Generator[tuple[str, dict[str, Any]]]:
    """Every revision of both tables up to sequence `upto`, in chain order, a batch at a
    time: (table, its columns)."""
    result = session.execute(_walk_query(upto).execution_options(yield_per=_STREAM_BATCH))
    try:
        for row in result.mappings():
            yield row["table"], dict(row)
    finally:
        result.close()  # also when the walk stops early: no server-side cursor left open


def verify(session: Session) -> Verdict:
    """Walk the chain as committed when the walk began, recompute every hash, check every
    link and the head, and say which of the triggers are missing."""
    start = head(session)
    walk_ = chain.Walk()
    broken = None
    with closing(walk(session, start.length)) as rows:
        for table, row in rows:
            broken = walk_.step(table, row)
            if broken is not None:
                break
        else:
            broken = walk_.finish(start.length, start.hash)
    return Verdict(walk_.length, start.hash, broken, missing_triggers(session))


def missing_triggers(session: Session) -> tuple[str, ...]:
    """The append-only triggers that are not in place (dropped or disabled)."""
    if session.get_bind().dialect.name == "postgresql":
        expected = POSTGRESQL_TRIGGERS
        found = {(table, name) for table, name in session.execute(text(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE NOT t.tgisinternal AND t.tgenabled <> 'D' "
            "AND c.relnamespace = current_schema()::regnamespace"))}
    else:
        expected = SQLITE_TRIGGERS
        found = {(table, name) for name, table in session.execute(text(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"))}
    return tuple(f"{name} on {table}" for table, name in expected if (table, name) not in found)
