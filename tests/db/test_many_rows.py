"""services.many_rows: rows written by the driver's executemany (or COPY on PostgreSQL) are
stored as a Core insert() stores them, and a conflict on a unique index can be skipped."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.db import Base
from app.models import CitedPage, PageCapture
from app.services.many_rows import insert_rows

_PAGES = Base.metadata.tables["cited_pages"]
_CAPTURES = Base.metadata.tables["page_captures"]


def test_rows_are_stored_as_a_core_insert_stores_them(session: Session) -> None:
    now = dt.datetime(2025, 3, 4, 5, 6, 7, 890_123, tzinfo=dt.UTC)
    session.execute(insert(_PAGES), [{"url": "https://a.example/", "url_sha256": "a" * 64,
                                      "created_at": now}])
    insert_rows(session, _PAGES, ("url", "url_sha256", "created_at"),
                [("https://b.example/", "b" * 64, now)])
    core, mine = session.scalars(select(CitedPage).order_by(CitedPage.url)).all()
    assert core.created_at == mine.created_at == now
    columns = ("page_id", "requested_url", "final_url", "state", "failure", "attempts",
               "next_attempt_at", "created_at", "updated_at", "content_type", "title",
               "author", "text", "requested_by_id", "published_on")
    insert_rows(session, _CAPTURES, columns, [
        (mine.id, mine.url, "", "pending", "", 0, now, now, now, "", "", "", "", None,
         dt.date(2024, 2, 29))])
    capture = session.scalars(select(PageCapture)).one()
    assert (capture.published_on, capture.next_attempt_at, capture.state) == (
        dt.date(2024, 2, 29), now, "pending")


def test_a_conflict_on_the_unique_index_is_skipped(session: Session) -> None:
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    rows = [("https://a.example/", "a" * 64, now), ("https://b.example/", "b" * 64, now)]
    insert_rows(session, _PAGES, ("url", "url_sha256", "created_at"), rows[:1])
    insert_rows(session, _PAGES, ("url", "url_sha256", "created_at"), rows,
                skip_conflicts_on=("url_sha256",))
    assert session.scalar(select(func.count()).select_from(CitedPage)) == 2
    insert_rows(session, _PAGES, ("url", "url_sha256", "created_at"), [])  # nothing to do
