"""The history's hash chain on SQLite and PostgreSQL: every revision of an estimate and of the
catalogue takes the next place in one chain, the database refuses to change or remove history,
`reckon verify` names the first revision that does not hold, concurrent writers queue for the
head, and migration 0009 chains the history recorded before it."""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from sqlalchemy import MetaData, Table, create_engine, func, inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import cli
from app.config import get_settings
from app.db import alembic_config, make_engine, make_sessionmaker, writing
from app.domain import chain as rules
from app.models import CatalogRevision, ChainHead, Estimate, Revision
from app.schemas.catalog import SourcePatch
from app.schemas.estimates import CitationIn, EstimatePatch
from app.services import catalog_edits, catalog_history, chain, estimates
from tests import factories
from tests.conftest import PG_ADMIN_URL

HEX64 = re.compile(r"[0-9a-f]{64}")
NewDatabase = Callable[..., str]


def _history(session: Session) -> list[Revision | CatalogRevision]:
    rows: list[Revision | CatalogRevision] = [*session.scalars(select(Revision)),
                                              *session.scalars(select(CatalogRevision))]
    return sorted(rows, key=lambda r: r.sequence)


def _first_estimate(session: Session) -> Estimate:
    found = session.scalars(select(Estimate).order_by(Estimate.id)).first()
    assert found is not None
    return found


def _edit_demo(session: Session) -> None:
    """Edits of an estimate (one dropping a citation) and of a source, with messy text."""
    e = _first_estimate(session)
    estimates.update_estimate(session, e.id, EstimatePatch(
        version=e.version, notes="Zählung „laut NIS“ </script> <b>&amp;", comment="noted"), None)
    catalog_edits.update_source(session, "south-korea-nis", SourcePatch(
        version=1, name="South Korea’s National Intelligence Service (국가정보원)"), None)
    session.commit()


def test_every_revision_takes_the_next_place_in_one_chain(session: Session) -> None:
    factories.load_demo(session)
    _edit_demo(session)
    session.expire_all()  # what follows is read back from the database
    history = _history(session)
    assert {type(r) for r in history} == {Revision, CatalogRevision}
    assert [r.sequence for r in history] == list(range(1, len(history) + 1))
    prev = rules.GENESIS
    for r in history:
        assert r.prev_hash == prev and HEX64.fullmatch(r.hash)
        values = {name: getattr(r, name) for name in rules.CHAINED_FIELDS[r.__tablename__]}
        assert rules.link_hash(r.__tablename__, values, prev) == r.hash
        prev = r.hash
    # Times are stored to the microsecond on both databases (the hash covers them).
    assert any(r.created_at.microsecond for r in history)
    verdict = chain.verify(session)
    assert verdict.intact and verdict.missing_triggers == ()
    assert (verdict.length, verdict.head) == (len(history), history[-1].hash)
    assert chain.head(session) == chain.Head(len(history), history[-1].hash)


def test_a_revision_keeps_the_time_it_was_hashed_with(session: Session) -> None:
    factories.load_demo(session)
    e = _first_estimate(session)
    estimates.update_estimate(session, e.id, EstimatePatch(version=e.version, notes="x"), None)
    latest = session.scalars(select(Revision).order_by(Revision.sequence.desc())).first()
    assert latest is not None
    hashed_at = latest.created_at
    assert hashed_at.tzinfo is not None
    session.commit()
    session.expire_all()
    assert session.get(Revision, latest.id).created_at == hashed_at  # type: ignore[union-attr]


def _refused(session: Session, statement: str, message: str) -> None:
    with pytest.raises(IntegrityError, match=message), session.begin_nested():
        session.execute(text(statement))


def test_the_database_refuses_to_change_or_remove_history(session: Session) -> None:
    factories.load_demo(session)
    _edit_demo(session)
    before = chain.verify(session)
    for table in ("revisions", "catalog_revisions"):
        _refused(session, f"UPDATE {table} SET comment = 'rewritten'",
                 f"{table} is append-only: UPDATE is refused")
        _refused(session, f"UPDATE {table} SET after = after WHERE id = (SELECT max(id) FROM "
                          f"{table})", f"{table} is append-only: UPDATE")
        _refused(session, f"DELETE FROM {table} WHERE id = (SELECT max(id) FROM {table})",
                 f"{table} is append-only: DELETE is refused")
        if session.get_bind().dialect.name == "postgresql":
            _refused(session, f"TRUNCATE {table} CASCADE", f"{table} is append-only: TRUNCATE")
    _refused(session, "DELETE FROM chain_head", "chain_head cannot be deleted")
    _refused(session, "UPDATE chain_head SET length = length - 1", "only moves forward")
    _refused(session, f"UPDATE chain_head SET hash = '{'0' * 64}'", "only moves forward")
    _refused(session, "UPDATE chain_head SET id = 2", "only moves forward")
    # Nothing changed; the head still moves forward with the next revision.
    assert chain.verify(session) == before
    e = _first_estimate(session)
    estimates.update_estimate(session, e.id, EstimatePatch(version=e.version, notes="y"), None)
    assert chain.verify(session).length == before.length + 1


def _drop_triggers(session: Session, table: str) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
    else:
        session.execute(text(f"DROP TRIGGER {table}_no_update"))
        session.execute(text(f"DROP TRIGGER {table}_no_delete"))


def test_verify_names_the_revision_changed_behind_the_triggers(session: Session) -> None:
    """Rolled back with the test: the triggers come back (DDL is transactional on both)."""
    factories.load_demo(session)
    _edit_demo(session)
    length = chain.verify(session).length
    target = session.scalars(select(Revision).order_by(Revision.sequence)).all()[2]
    _drop_triggers(session, "revisions")
    session.execute(text("UPDATE revisions SET after = :after WHERE id = :id"),
                    {"after": '{"low": 1, "high": 1}', "id": target.id})
    verdict = chain.verify(session)
    assert verdict.broken is not None
    assert verdict.broken.describe() == (
        f"chain broken at revision revisions {target.id} (sequence {target.sequence}): its "
        f"content does not match its hash (stored {target.hash}, computed "
        f"{verdict.broken.reason.rsplit(' ', 1)[1][:-1]})")
    assert verdict.length == target.sequence - 1
    assert len(verdict.missing_triggers) == (
        1 if session.get_bind().dialect.name == "postgresql" else 2)
    assert all(m.endswith(" on revisions") for m in verdict.missing_triggers)
    assert length > target.sequence


def test_verify_finds_a_revision_removed_and_a_head_cut_back(session: Session) -> None:
    factories.load_demo(session)
    _edit_demo(session)
    history = _history(session)
    last, middle = history[-1], history[len(history) // 2]
    assert isinstance(last, CatalogRevision)  # the source's edit
    _drop_triggers(session, "catalog_revisions")
    _drop_triggers(session, "revisions")
    # The last revision removed: only the head can tell.
    session.execute(text("DELETE FROM catalog_revisions WHERE id = :id"), {"id": last.id})
    broken = chain.verify(session).broken
    assert broken is not None and broken.table is None
    assert broken.describe() == (
        f"chain broken at the head: the head records {len(history)} revisions ending in "
        f"{last.hash}, the chain holds {len(history) - 1} ending in {history[-2].hash}")
    # One from the middle: the next one names the gap.
    session.execute(text(f"DELETE FROM {middle.__tablename__} WHERE id = :id"),
                    {"id": middle.id})
    broken = chain.verify(session).broken
    after = history[len(history) // 2 + 1]
    assert broken is not None
    assert (broken.table, broken.id, broken.sequence) == (after.__tablename__, after.id,
                                                          middle.sequence + 1)
    assert broken.reason == f"the chain lacks revision {middle.sequence} before it"


# ---- on databases of their own (committed, as `reckon` sees them) ----------------------------

@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[NewDatabase]:
    """Makes an empty database, migrated unless told otherwise, and points `reckon` at it."""
    monkeypatch.setenv("RECKON_SECRET_KEY", "s" * 40)
    created: list[str] = []
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")  # skips (or fails under CI) without a server
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")

    def make(*, migrate: bool = True) -> str:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'chain-{len(created)}.db'}"
        else:
            name = f"reckon_chain_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(
                hide_password=False)
        created.append(url)
        monkeypatch.setenv("RECKON_DATABASE_URL", url)
        get_settings.cache_clear()
        if migrate:
            assert cli.main(["db", "upgrade"]) == 0
        return url

    try:
        yield make
    finally:
        get_settings.cache_clear()
        if request.param == "postgresql":
            with admin.connect() as conn:
                for url in created:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" '
                                      "WITH (FORCE)"))
        admin.dispose()


def test_reckon_verify_and_a_hand_made_update(
    new_database: NewDatabase, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database()
    capsys.readouterr()
    assert cli.main(["verify"]) == 0
    assert capsys.readouterr().out == f"chain intact: 0 revisions, head {rules.GENESIS}\n"
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            factories.load_demo(s)
            _edit_demo(s)
            count = (s.scalar(select(func.count()).select_from(Revision)) or 0) + (
                s.scalar(select(func.count()).select_from(CatalogRevision)) or 0)
            head = s.scalars(select(ChainHead.hash)).one()
            target = s.scalars(select(Revision).where(Revision.action == "edit")).one()
        capsys.readouterr()
        assert cli.main(["verify"]) == 0
        out, err = capsys.readouterr()
        assert out == f"chain intact: {count} revisions, head {head}\n" and err == ""

        # By hand, with the triggers in place: refused, on both databases.
        with pytest.raises(IntegrityError, match="revisions is append-only: UPDATE"), \
                engine.begin() as conn:
            conn.execute(text("UPDATE revisions SET after = '{}' WHERE id = :id"),
                         {"id": target.id})
        # Through a dropped trigger: verify names the revision, and the missing trigger.
        with engine.begin() as conn:
            name = ("revisions_append_only ON revisions" if engine.dialect.name == "postgresql"
                    else "revisions_no_update")
            conn.execute(text(f"DROP TRIGGER {name}"))
            conn.execute(text("UPDATE revisions SET after = :after WHERE id = :id"),
                         {"after": '{"low": 1, "high": 1, "citations": []}', "id": target.id})
        assert cli.main(["verify"]) == 1
        out, err = capsys.readouterr()
        assert out.startswith(f"chain broken at revision revisions {target.id} (sequence "
                              f"{target.sequence}): its content does not match its hash")
        assert len(out.splitlines()) == 1
        assert err.startswith("reckon: the history is not protected from changes: missing "
                              "trigger(s) revisions_")
    finally:
        engine.dispose()


def test_concurrent_writers_on_postgresql_queue_for_the_head(
    new_database: NewDatabase,
) -> None:
    url = new_database()
    if not url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time by design (BEGIN IMMEDIATE)")
    engine = make_engine(url, pool_size=4)
    sessions = make_sessionmaker(writing(engine))
    try:
        with sessions() as s:
            factories.load_demo(s)
            estimate_id = _first_estimate(s).id

        # One writer holds the head; another, on its own connection, waits for it.
        holding, second_done = sessions(), threading.Event()
        catalog_history.record(holding, "topic", "edit", None, {"first": True}, None)
        failures: list[BaseException] = []

        def second() -> None:
            try:
                with sessions() as s:
                    catalog_history.record(s, "topic", "edit", None, {"second": True}, None)
                    s.commit()
            except BaseException as exc:  # pragma: no cover - reported below
                failures.append(exc)
            finally:
                second_done.set()

        waiter = threading.Thread(target=second)
        waiter.start()
        assert not second_done.wait(0.5), "the second writer did not wait for the head"
        holding.commit()
        holding.close()
        assert second_done.wait(10)
        waiter.join()
        assert failures == []

        # A burst from two threads, estimate edits and catalogue records interleaved.
        def edits() -> None:
            for n in range(12):
                with sessions() as s:
                    version = s.get(Estimate, estimate_id).version  # type: ignore[union-attr]
                    estimates.update_estimate(s, estimate_id, EstimatePatch(
                        version=version, notes=f"edit {n}"), None)
                    s.commit()

        def records() -> None:
            for n in range(12):
                with sessions() as s:
                    catalog_history.record(s, "source", "edit", None, {"n": n}, None)
                    s.commit()

        threads = [threading.Thread(target=edits), threading.Thread(target=records)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        with sessions() as s:
            verdict = chain.verify(s)
            total = (s.scalar(select(func.count()).select_from(Revision)) or 0) + (
                s.scalar(select(func.count()).select_from(CatalogRevision)) or 0)
            second_seq = s.scalars(select(CatalogRevision.sequence).where(
                CatalogRevision.after["second"].as_boolean().is_(True))).one()
            first_seq = s.scalars(select(CatalogRevision.sequence).where(
                CatalogRevision.after["first"].as_boolean().is_(True))).one()
        assert verdict.intact and verdict.length == total
        assert second_seq == first_seq + 1
        assert total >= 6 + 2 + 24
    finally:
        engine.dispose()


def _row(table: Table, given: dict[str, Any]) -> dict[str, Any]:
    """`given`, and a plain value for every other column that needs one."""
    row = {k: v for k, v in given.items() if k in table.c}
    for column in table.c:
        if column.name in row or column.nullable or column.primary_key \
                or column.server_default is not None:
            continue
        python = column.type.python_type
        row[column.name] = {str: "", int: 0, bool: False,
                            dt.datetime: dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
                            dt.date: dt.date(2025, 1, 1)}.get(python, "")
    return row


def test_the_migration_chains_the_history_recorded_before_it(
    new_database: NewDatabase,
) -> None:
    url = new_database(migrate=False)
    config = alembic_config(url)
    command.upgrade(config, "0008")
    t0 = dt.datetime(2025, 3, 1, 12, 0, 0, 250_001, tzinfo=dt.UTC)
    engine = make_engine(url)
    try:
        tables = MetaData()
        tables.reflect(engine)
        with engine.begin() as conn:
            def add(table_name: str, **values: Any) -> None:
                table = tables.tables[table_name]
                conn.execute(table.insert(), _row(table, values))

            add("topics", id=1, slug="t", title="T")
            add("measures", id=1, topic_id=1, slug="killed", label="Killed")
            add("sources", id=1, slug="s", name="S", kind="media")
            add("estimates", id=1, measure_id=1, source_id=1, low=1, high=2,
                qualifier="between", scope="total", confidence="reported", status="active",
                version=3)
            # Made out of id order; one revision and one catalogue change at the same moment.
            add("revisions", id=1, estimate_id=1, number=1, action="create", before=None,
                after={"low": 1, "notes": "Zählung"}, created_at=t0 + dt.timedelta(hours=2))
            add("revisions", id=2, estimate_id=1, number=2, action="edit",
                before={"low": 1}, after={"low": 2}, created_at=t0, comment="früher")
            add("revisions", id=3, estimate_id=1, number=3, action="edit",
                before={"low": 2}, after={"low": 3}, created_at=t0 + dt.timedelta(hours=3))
            add("catalog_revisions", id=1, entity="topic", topic_id=1, action="create",
                after={"slug": "t"}, created_at=t0)
            add("catalog_revisions", id=2, entity="source", source_id=1, action="edit",
                before={"name": "s"}, after={"name": "S"}, created_at=t0 - dt.timedelta(days=1))
        command.upgrade(config, "head")
        with make_sessionmaker(engine)() as s:
            order = [(r.__tablename__, r.id) for r in _history(s)]
            assert order == [("catalog_revisions", 2), ("catalog_revisions", 1),
                             ("revisions", 2), ("revisions", 1), ("revisions", 3)]
            verdict = chain.verify(s)
            assert verdict.intact and verdict.length == 5 and verdict.missing_triggers == ()
            assert chain.head(s) == chain.Head(5, verdict.head)
            # The next revision continues the chain.
            catalog_history.record(s, "topic", "edit", {"slug": "t"}, {"slug": "t2"}, None,
                                   topic_id=1)
            s.commit()
            assert chain.verify(s).length == 6

        # Down: the columns, the head and the triggers go; up again: chained again.
        command.downgrade(config, "0008")
        with engine.begin() as conn:
            conn.execute(text("UPDATE revisions SET comment = 'allowed below 0009'"))
            assert "chain_head" not in inspect(conn).get_table_names()
        command.upgrade(config, "head")
        with make_sessionmaker(engine)() as s:
            verdict = chain.verify(s)
            assert verdict.intact and verdict.length == 6 and verdict.missing_triggers == ()
    finally:
        engine.dispose()


def test_a_bulk_load_is_chained_like_single_revisions(session: Session) -> None:
    factories.load_demo(session)
    e = _first_estimate(session)
    start = chain.head(session)
    ids = chain.append(session, Revision, [
        {"estimate_id": e.id, "number": 100 + n, "action": "edit", "after": {"n": n}}
        for n in range(3)])
    assert len(ids) == 3 and ids == sorted(ids)
    rows = [session.get(Revision, i) for i in ids]
    assert [r.sequence for r in rows if r] == [start.length + 1, start.length + 2,
                                               start.length + 3]
    assert chain.verify(session).intact
    with pytest.raises(TypeError, match="not a history row"):
        chain.link(session, e)  # type: ignore[arg-type]


def test_an_edit_that_drops_a_citation_keeps_it_in_the_history(session: Session) -> None:
    factories.topic_with_measure(session)
    factories.source(session, "s")
    e = factories.estimate(session, low=10, high=20, qualifier="between", citations=[
        {"publication": "Der Spiegel", "url": "https://example.org/spiegel", "title": "Bericht"},
        {"publication": "Kyiv Independent", "url": "https://example.org/kyiv"}])
    estimates.update_estimate(session, e.id, EstimatePatch(
        version=e.version, citations=[CitationIn(publication="Kyiv Independent",
                                                 url="https://example.org/kyiv")],
        comment="one source is enough"), None)
    last = session.scalars(select(Revision).where(Revision.estimate_id == e.id)
                           .order_by(Revision.number.desc())).first()
    assert last is not None and last.before is not None
    assert [c["url"] for c in last.before["citations"]] == ["https://example.org/spiegel",
                                                            "https://example.org/kyiv"]
    assert [c["url"] for c in last.after["citations"]] == ["https://example.org/kyiv"]
    assert chain.verify(session).intact
