"""The date each estimate is placed by is stored with it (so a topic's latest and newest
figures come from an index) and follows every change to its dates and citations, on SQLite
and PostgreSQL; the migration fills it in for figures recorded before it existed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import MetaData, Table, create_engine, insert, select, text
from sqlalchemy.orm import Session

from app.db import alembic_config
from app.models import Estimate, place
from app.schemas.estimates import EstimatePatch
from app.services import estimates, users
from tests import factories
from tests.conftest import empty_database


def _placed(session: Session, estimate_id: int) -> tuple[dt.date | None, str | None]:
    row = session.execute(select(Estimate.placed_on, Estimate.placed_precision)
                          .where(Estimate.id == estimate_id)).one()
    return row[0], row[1]


def _patch(session: Session, estimate_id: int, **values: object) -> None:
    version = session.scalar(select(Estimate.version).where(Estimate.id == estimate_id))
    estimates.update_estimate(session, estimate_id,
                              EstimatePatch.model_validate({**values, "version": version}), None)
    session.commit()


CITED = {"publication": "Gazette", "url": "https://example.org/a", "published_on": "2025-04-09"}


def test_placed_by_as_of_else_stated_else_publication_after_every_change(
        session: Session) -> None:
    factories.topic_with_measure(session)
    factories.source(session, "s")
    e = factories.estimate(session, figure="about 1,200", citations=[CITED])
    session.commit()
    assert _placed(session, e.id) == (dt.date(2025, 4, 9), "day")
    _patch(session, e.id, stated_on="2025-03")
    assert _placed(session, e.id) == (dt.date(2025, 3, 1), "month")
    _patch(session, e.id, as_of="2024")
    assert _placed(session, e.id) == (dt.date(2024, 1, 1), "year")
    _patch(session, e.id, as_of=None, stated_on=None)
    assert _placed(session, e.id) == (dt.date(2025, 4, 9), "day")
    # The earliest publication places it; a citation without a date does not.
    _patch(session, e.id, citations=[{**CITED, "published_on": "2025-05-01"},
                                     {**CITED, "url": "https://example.org/b",
                                      "published_on": "2025-02-03"},
                                     {**CITED, "url": "https://example.org/c",
                                      "published_on": None}])
    assert _placed(session, e.id) == (dt.date(2025, 2, 3), "day")
    _patch(session, e.id, citations=[{**CITED, "published_on": None}])
    assert _placed(session, e.id) == (None, None)
    # Reverting to the first revision places it as it was then.
    actor = users.actor_of(factories.user(session, role="admin"))
    version = session.scalar(select(Estimate.version).where(Estimate.id == e.id))
    estimates.revert_estimate(session, e.id, 1, actor, version=version)
    session.commit()
    assert _placed(session, e.id) == (dt.date(2025, 4, 9), "day")


def test_bulk_inserts_are_placed_on_request(session: Session) -> None:
    factories.topic_with_measure(session)
    factories.source(session, "s")
    e = factories.estimate(session, figure="10", as_of="2025-01-02")
    session.commit()
    now = dt.datetime.now(dt.UTC)
    (bulk,) = session.scalars(insert(Estimate).returning(Estimate.id), [{
        "measure_id": e.measure_id, "source_id": e.source_id, "low": 5, "high": 5,
        "qualifier": "exact", "as_of": dt.date(2025, 6, 1), "as_of_precision": "month",
        "created_at": now, "updated_at": now}]).all()
    assert _placed(session, bulk) == (None, None)  # no flush, no placing
    place(session)
    assert _placed(session, bulk) == (dt.date(2025, 6, 1), "month")
    assert _placed(session, e.id) == (dt.date(2025, 1, 2), "day")


def _row(table: Table, given: dict[str, Any]) -> dict[str, Any]:
    """`given`, and a plain value for every other column that needs one."""
    row = {k: v for k, v in given.items() if k in table.c}
    for column in table.c:
        if column.name in row or column.nullable or column.primary_key:
            continue
        python = column.type.python_type
        row[column.name] = {str: "", int: 0, bool: False, dt.datetime: dt.datetime(2025, 1, 1),
                            dt.date: dt.date(2025, 1, 1)}.get(python, "")
    return row


def test_the_migration_places_figures_recorded_before_it(db_url: str, tmp_path: Path) -> None:
    """Upgrading a database holding figures from before the column fills it in by the rule."""
    with empty_database(db_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "0003")  # type: ignore[arg-type]
        engine = create_engine(url)
        tables = MetaData()
        tables.reflect(engine)
        with engine.begin() as conn:
            for name, rows in (
                    ("topics", [{"id": 1, "slug": "t"}]),
                    ("measures", [{"id": 1, "topic_id": 1, "slug": "killed"}]),
                    ("sources", [{"id": 1, "slug": "s", "kind": "media"}]),
                    ("estimates", [
                        {"id": 1, "as_of": dt.date(2024, 1, 1), "as_of_precision": "year"},
                        {"id": 2, "stated_on": dt.date(2025, 3, 1),
                         "stated_on_precision": "month"},
                        {"id": 3}, {"id": 4}]),
                    ("citations", [{"estimate_id": 3, "published_on": dt.date(2025, 7, 8)}])):
                defaults = {"measure_id": 1, "source_id": 1, "low": 1, "high": 1,
                            "qualifier": "exact", "scope": "total", "confidence": "reported",
                            "status": "active", "version": 1}
                for r in rows:
                    conn.execute(tables.tables[name].insert(),
                                 _row(tables.tables[name], {**defaults, **r}))
        command.upgrade(config, "head")  # type: ignore[arg-type]
        with engine.connect() as conn:
            placed = dict(conn.execute(text(
                "SELECT id, placed_on FROM estimates ORDER BY id")).all())
            precision = dict(conn.execute(text(
                "SELECT id, placed_precision FROM estimates ORDER BY id")).all())
        engine.dispose()
        assert {k: v and dt.date.fromisoformat(str(v)) for k, v in placed.items()} == {
            1: dt.date(2024, 1, 1), 2: dt.date(2025, 3, 1), 3: dt.date(2025, 7, 8), 4: None}
        assert precision == {1: "year", 2: "month", 3: "day", 4: None}
