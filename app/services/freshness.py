"""Validators for public pages: one cheap query tells whether anything shown may have changed."""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import CatalogRevision, Measure, Revision, Source, Topic

EPOCH = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def data_stamp(session: Session) -> tuple[str, dt.datetime]:
    """A fingerprint of all published data and when it last changed.

    Every change to an estimate writes a revision, and every change to the catalogue (topics,
    measures, sources, party marks) a catalogue revision, so the newest of each stands for them
    all; topics and sources also carry updated_at, and measures are counted.
    """
    row = session.execute(
        select(
            select(func.max(Revision.id)).scalar_subquery(),
            select(func.max(Revision.created_at)).scalar_subquery(),
            select(func.max(Topic.updated_at)).scalar_subquery(),
            select(func.max(Source.updated_at)).scalar_subquery(),
            select(func.count(Measure.id)).scalar_subquery(),
            select(func.max(CatalogRevision.id)).scalar_subquery(),
        )
    ).one()
    times = [_aware(t) for t in row[1:4] if t is not None]
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
