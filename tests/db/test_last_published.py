"""Each estimate's last_published_at, on SQLite and PostgreSQL: the time of its latest
revision readers see, moved by every published revision (form and API path, review verdicts,
retraction, bulk import) and by none that readers do not see; filled in by the migration for
history recorded before it. A topic's validators read it instead of every revision."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import MetaData, create_engine, func, select, text
from sqlalchemy.orm import Session

from app.db import alembic_config
from app.domain.actor import Actor
from app.domain.vocabulary import Status
from app.models import Estimate, Revision, Topic
from app.schemas.estimates import EstimateCreate, EstimatePatch
from app.services import estimates, new_estimates, recorded, review_verdicts, transfer, users
from app.services.visibility import published_revision
from tests import factories
from tests.conftest import empty_database
from tests.db.test_placement import _row


def _actor(session: Session, name: str) -> Actor:
    user = users.create_user(session, f"{name}-{uuid.uuid4().hex[:6]}@example.org",
                             factories.PASSWORD, role="editor", display_name=name)
    return users.actor_of(user)


def _stored(session: Session, estimate_id: int) -> dt.datetime | None:
    session.flush()
    return session.scalar(select(Estimate.last_published_at)
                          .where(Estimate.id == estimate_id)
                          .execution_options(populate_existing=True))


def _from_revisions(session: Session, estimate_id: int) -> dt.datetime | None:
    """The definition: the newest revision readers see, read from every revision."""
    newest = session.scalars(select(Revision.created_at).where(
        Revision.estimate_id == estimate_id, published_revision())
        .order_by(Revision.sequence.desc()).limit(1)).first()
    return newest


def _check(session: Session, estimate_id: int) -> dt.datetime | None:
    stored = _stored(session, estimate_id)
    assert stored == _from_revisions(session, estimate_id)
    return stored


def test_only_revisions_readers_see_move_it(session: Session) -> None:
    factories.topic_with_measure(session)
    factories.source(session, "s", "Генштаб ЗСУ")
    alice, bob = _actor(session, "Alice"), _actor(session, "Bob")
    e = new_estimates.create_estimate(session, EstimateCreate(
        topic="t", measure="killed", source="s", figure="ungefähr 2.500",
        as_of="2025-03", citations=[{"publication": "Der Spiegel"}]), alice,
        review_required=True)
    assert _check(session, e.id) is None  # waiting for review: readers never saw it
    review_verdicts.approve(session, e.id, bob, version=e.version)
    approved = _check(session, e.id)
    assert approved is not None
    estimates.update_estimate(session, e.id, EstimatePatch(version=e.version, figure="2.800"),
                              alice, review_required=True)
    assert _check(session, e.id) == approved  # a proposal: readers still see the old figure
    review_verdicts.reject(session, e.id, bob, version=e.version, reason="Quelle fehlt")
    assert _check(session, e.id) == approved
    estimates.update_estimate(session, e.id, EstimatePatch(version=e.version, figure="2.900"),
                              alice, review_required=True)
    review_verdicts.approve(session, e.id, bob, version=e.version)
    second = _check(session, e.id)
    assert second is not None and second > approved
    estimates.set_status(session, e.id, Status.RETRACTED, "duplicate", bob, version=e.version)
    retracted = _check(session, e.id)
    assert retracted is not None and retracted > second
    # The version stays the latest revision's number: the column moves outside the ORM.
    session.commit()
    assert e.version == session.scalar(select(func.max(Revision.number))
                                       .where(Revision.estimate_id == e.id))
    # And the topic's last change is that retraction.
    topic_id = session.scalar(select(Topic.id).where(Topic.slug == "t"))
    assert recorded.last_change(session, topic_id) == retracted


def test_a_bulk_import_sets_it_for_published_figures_only(session: Session) -> None:
    factories.topic_with_measure(session)
    alice = _actor(session, "Alice")
    rows = ("topic,measure,source,low,high,qualifier,citation_url\n"
            "t,killed,reuters,1200,1200,about,https://example.org/a\n"
            "t,killed,ap,6000,,more_than,https://example.org/b\n")
    transfer.apply(session, transfer.read_file("a.csv", rows), alice, comment="import")
    review = ("topic,measure,source,low,high,qualifier,citation_url\n"
              "t,killed,afp,10000,12000,between,https://example.org/c\n")
    transfer.apply(session, transfer.read_file("b.csv", review), alice, comment="import",
                   review_required=True)
    session.commit()
    stored = dict(session.execute(select(Estimate.low, Estimate.last_published_at)).all())
    created = session.scalar(select(func.min(Revision.created_at)))
    assert stored == {1200: created, 6000: created, 10000: None}
    for estimate_id in session.scalars(select(Estimate.id)):
        _check(session, estimate_id)


def test_the_migration_fills_it_in_from_the_history(db_url: str, tmp_path: Path) -> None:
    with empty_database(db_url, tmp_path) as url:
        config = alembic_config(url)
        command.upgrade(config, "0009")  # type: ignore[arg-type]
        engine = create_engine(url)
        tables = MetaData()
        tables.reflect(engine)
        day = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
        hours = [day + dt.timedelta(hours=h) for h in range(6)]
        revisions: list[dict[str, Any]] = [
            # 1: created, then a change proposed and rejected (readers saw the creation).
            {"estimate_id": 1, "number": 1, "action": "create", "after": {"low": 5}},
            {"estimate_id": 1, "number": 2, "action": "proposed",
             "after": {"low": 6, "review": "approved"}},
            {"estimate_id": 1, "number": 3, "action": "rejected",
             "after": {"low": 5, "review": "approved"}},
            # 2: waiting for review, never published.
            {"estimate_id": 2, "number": 1, "action": "create",
             "after": {"low": 7, "review": "pending"}},
            # 3: created, then retracted.
            {"estimate_id": 3, "number": 1, "action": "create",
             "after": {"low": 8, "review": "approved"}},
            {"estimate_id": 3, "number": 2, "action": "retract",
             "after": {"low": 8, "review": "approved"}}]
        with engine.begin() as conn:
            for name, rows in (
                    ("topics", [{"id": 1, "slug": "t"}]),
                    ("measures", [{"id": 1, "topic_id": 1, "slug": "killed"}]),
                    ("sources", [{"id": 1, "slug": "s", "kind": "media"}]),
                    ("estimates", [{"id": 1}, {"id": 2, "review": "pending"}, {"id": 3}]),
                    ("revisions", [{**r, "id": i + 1, "sequence": i + 1, "created_at": hours[i],
                                    "prev_hash": "", "hash": ""}
                                   for i, r in enumerate(revisions)])):
                defaults = {"measure_id": 1, "source_id": 1, "low": 1, "high": 1,
                            "qualifier": "exact", "scope": "total", "confidence": "reported",
                            "status": "active", "review": "approved", "version": 1,
                            "created_at": day, "updated_at": day}
                for r in rows:
                    conn.execute(tables.tables[name].insert(),
                                 _row(tables.tables[name], {**defaults, **r}))
        command.upgrade(config, "head")  # type: ignore[arg-type]
        with engine.connect() as conn:
            filled = dict(conn.execute(text(
                "SELECT id, last_published_at FROM estimates ORDER BY id")).all())
        engine.dispose()
        # (as recorded.last_change reads an aggregate: SQLite hands back naive ISO text)
        assert {k: v and recorded._when(v) for k, v in filled.items()} == {
            1: hours[0], 2: None, 3: hours[5]}

