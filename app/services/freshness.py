"""Validators for public pages: one cheap query tells whether anything shown may have changed."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
import time
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import ORMExecuteState, Session
from sqlalchemy.pool import Pool

from app.models import CatalogRevision, Measure, PageCapture, Revision, Source, Topic

EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


Stamp = tuple[str, dt.datetime]
# Per database (connection pool, which an engine shares with its writing variant): the last
# stamp read and until when it may be reused.
_recent: WeakKeyDictionary[Pool, tuple[Stamp, float]] = WeakKeyDictionary()
_lock = threading.Lock()
_WROTE = "reckon.wrote"


def data_stamp(session: Session, reuse_for: float = 0.0) -> Stamp:
    """The data stamp, read from the database at most once every `reuse_for` seconds: a busy
    page answers its readers' revalidations (304) without a query. A change committed through
    this process is seen at once; one made by another process within `reuse_for`."""
    pool = _pool(session)
    if reuse_for > 0 and pool is not None:
        with _lock:
            found = _recent.get(pool)
        if found is not None and found[1] > time.monotonic():
            return found[0]
        stamp = read_data_stamp(session)
        with _lock:
            _recent[pool] = (stamp, time.monotonic() + reuse_for)
        return stamp
    return read_data_stamp(session)


def recent_stamp(engine: Engine) -> Stamp | None:
    """The stamp last read through `engine`'s pool if it may still be reused, without a query."""
    with _lock:
        found = _recent.get(engine.pool)
    return found[0] if found is not None and found[1] > time.monotonic() else None


def _pool(session: Session) -> Pool | None:
    bind = session.get_bind()
    return bind.pool if isinstance(bind, Engine) else None


@event.listens_for(Session, "after_flush")
def _note_write(session: Session, _context: Any) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_commit")
def _forget_stamp(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: not committed yet
        return
    if session.info.pop(_WROTE, False) and (pool := _pool(session)) is not None:
        with _lock:
            _recent.pop(pool, None)


def read_data_stamp(session: Session) -> Stamp:
    """A fingerprint of all published data and when it last changed.

    Every change to an estimate writes a revision, and every change to the catalogue (topics,
    measures, sources, party marks) a catalogue revision, so the newest of each stands for them
    all; topics and sources also carry updated_at, and measures are counted; a capture of a
    cited page changes its updated_at when it is claimed, stored or re-queued.
    """
    row = session.execute(
        select(
            select(func.max(Revision.id)).scalar_subquery(),
            select(func.max(Revision.created_at)).scalar_subquery(),
            select(func.max(Topic.updated_at)).scalar_subquery(),
            select(func.max(Source.updated_at)).scalar_subquery(),
            select(func.count(Measure.id)).scalar_subquery(),
            select(func.max(CatalogRevision.id)).scalar_subquery(),
            # A capture finishing changes what an estimate page says of its citations.
            select(func.max(PageCapture.updated_at)).scalar_subquery(),
        )
    ).one()
    times = [_aware(t) for t in (*row[1:4], row[6]) if t is not None]
    last_modified = max(times, default=EPOCH).replace(microsecond=0)
    return "|".join(str(v) for v in row), last_modified


def _aware(value: dt.datetime | str) -> dt.datetime:
    # Aggregates bypass the column type, so SQLite hands back text and naive values.
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.astimezone(dt.UTC) if value.tzinfo else value.replace(tzinfo=dt.UTC)


def etag_for(stamp: str, *parts: str) -> str:
    digest = hashlib.sha256("\x1f".join((stamp, *parts)).encode()).hexdigest()[:20]
    return f'W/"{digest}"'
