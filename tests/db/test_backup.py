"""`reckon backup` and `reckon restore` on SQLite and PostgreSQL: a database with history and
accounts, backed up, restored into a fresh database, exports the same files and holds the same
rows; what is refused is refused in one line, and the audit trail has both runs."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import stat
import uuid
from collections.abc import Callable, Iterator
from glob import glob
from pathlib import Path
from typing import Any

# Imported now: alembic's Config binds the sys.stdout of its first import, and a first
# `reckon db upgrade` under capsys would hand it a stream that is closed after the test.
import alembic.config  # noqa: F401
import pytest
import structlog
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app import cli
from app.config import get_settings
from app.db import Base, make_engine, make_sessionmaker
from app.domain.vocabulary import Status
from app.logs import LOGGER_NAME
from app.models import Estimate, Measure, Source, Topic
from app.schemas.estimates import EstimatePatch
from app.services import backup, estimates, parties
from tests import factories
from tests.conftest import PG_ADMIN_URL

TOPIC = "north-korean-troops-in-russia"
PASSWORD = "pw-never-printed"  # PostgreSQL's trust auth ignores it; it must never be shown

NewDatabase = Callable[[], str]


@pytest.fixture(autouse=True)
def _as_it_was() -> Iterator[None]:
    """`reckon backup` and `restore` send the audit events to the stderr of the moment (here
    pytest's capture, closed after the test): put the logging back for the tests after, and
    forget the settings read from this test's environment."""
    logger = logging.getLogger(LOGGER_NAME)
    handlers, level = list(logger.handlers), logger.level
    config = structlog.get_config() if structlog.is_configured() else None
    yield
    get_settings.cache_clear()
    logger.handlers, logger.level = handlers, level
    if config is None:
        structlog.reset_defaults()
    else:
        structlog.configure(**config)


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path,
                 monkeypatch: pytest.MonkeyPatch) -> Iterator[NewDatabase]:
    """Makes an empty, migrated database and points `reckon` at it (each call a new one)."""
    monkeypatch.setenv("RECKON_SECRET_KEY", "s" * 40)
    created: list[str] = []
    if request.param == "postgresql":
        request.getfixturevalue("postgres_url")  # skips (or fails under CI) without a server
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    admin_url = make_url(PG_ADMIN_URL)

    def make() -> str:
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'backup-{len(created)}.db'}"
        else:
            name = f"reckon_backup_{uuid.uuid4().hex[:12]}"
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            url = admin_url.set(database=name, password=PASSWORD).render_as_string(
                hide_password=False)
        created.append(url)
        monkeypatch.setenv("RECKON_DATABASE_URL", url)
        get_settings.cache_clear()
        assert cli.main(["db", "upgrade"]) == 0
        return url

    try:
        yield make
    finally:
        get_settings.cache_clear()
        if request.param == "postgresql":
            with admin.connect() as conn:
                for url in created:
                    name = make_url(url).database
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _fill(url: str) -> None:
    """The demo, then edits (so that revisions exist), an account, a token, a party mark."""
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            factories.load_demo(s)
            killed, wounded = (s.scalars(
                select(Estimate.id).join(Measure).join(Topic).join(Source).where(
                    Topic.slug == TOPIC, Measure.slug == slug,
                    Source.slug == "south-korea-nis")).one() for slug in ("killed", "wounded"))
            editor = factories.user(s, email="editor@example.org")
            estimates.update_estimate(s, killed, EstimatePatch(version=1, low=250, high=350,
                                                               comment="corrected"), None)
            estimates.update_estimate(s, killed, EstimatePatch(version=2, notes="Ranges now."),
                                      None)
            estimates.set_status(s, wounded, Status.RETRACTED, "wrong unit", None, version=1)
            parties.set_party(s, TOPIC, "volodymyr-zelensky", False, None, "not in this one")
            factories.api_token(s)
            s.commit()
            assert editor.id is not None
    finally:
        engine.dispose()


def _rows(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {
                table.name: [tuple(row) for row in conn.execute(
                    table.select().order_by(*table.primary_key.columns))]
                for table in Base.metadata.sorted_tables
            }
    finally:
        engine.dispose()


def _exports(tmp_path: Path, label: str) -> dict[str, bytes]:
    found = {}
    for suffix in ("csv", "json"):
        path = tmp_path / f"{label}.{suffix}"
        assert cli.main(["export", str(path)]) == 0
        # The one thing allowed to differ: when the file was written.
        found[suffix] = re.sub(rb'"exported_at": "[^"]*"', b'"exported_at": ""',
                               path.read_bytes())
    return found


def _events(err: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in err.splitlines() if line.startswith("{")]


def test_backup_then_restore_into_a_fresh_database_gives_the_same_export(
    new_database: NewDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = new_database()
    _fill(first)
    before = _exports(tmp_path, "before")
    rows = _rows(first)
    assert len(rows["revisions"]) >= 9 and rows["catalog_revisions"]  # 6 + 2 edits + retract
    assert rows["users"] and rows["api_tokens"]
    capsys.readouterr()

    file = tmp_path / "reckon.backup"
    assert cli.main(["backup", str(file)]) == 0
    out, err = capsys.readouterr()
    size = file.stat().st_size
    assert f"{file} ({size:,} bytes)" in out and size > 10_000
    assert stat.S_IMODE(file.stat().st_mode) == 0o600  # it holds password hashes
    written = [e for e in _events(err) if e["event"] == "backup_written"]
    assert written and written[0]["bytes"] == size and written[0]["path"] == str(file)
    assert not list(tmp_path.glob(".*.tmp"))  # the temporary file was renamed or removed

    second = new_database()
    capsys.readouterr()
    assert cli.main(["restore", str(file)]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"Restored {file} ({size:,} bytes)")
    restored = [e for e in _events(err) if e["event"] == "database_restored"]
    assert restored and restored[0]["bytes"] == size and restored[0]["forced"] is False
    assert PASSWORD not in out + err

    # Byte for byte the same exports, and every row of every table: revisions, users, tokens.
    assert _exports(tmp_path, "after") == before
    assert _rows(second) == rows
    # ... and the restored database works on: the id sequences moved past the restored rows.
    engine = make_engine(second)
    try:
        with make_sessionmaker(engine)() as s:
            factories.topic_with_measure(s, slug="after-restore")
            factories.source(s, "s")
            created = factories.estimate(s, topic="after-restore", figure="12")
            s.commit()
            assert created.id > max(row[0] for row in rows["estimates"])
    finally:
        engine.dispose()


def test_restore_refuses_a_database_with_data_unless_forced(
    new_database: NewDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = new_database()
    _fill(first)
    file = tmp_path / "one.backup"
    assert cli.main(["backup", str(file)]) == 0
    assert cli.main(["backup", str(file)]) == 1  # an existing file is not replaced...
    assert cli.main(["backup", str(file), "--force"]) == 0  # ...unless asked
    rows = _rows(first)

    # The database changes after the backup; restoring over it needs --force.
    engine = make_engine(first)
    try:
        with make_sessionmaker(engine)() as s:
            changed = s.scalars(select(Estimate).order_by(Estimate.id)).first()
            assert changed is not None
            estimates.update_estimate(s, changed.id, EstimatePatch(
                version=changed.version, notes="after the backup"), None)
            s.commit()
    finally:
        engine.dispose()
    capsys.readouterr()
    assert cli.main(["restore", str(file)]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1].startswith("reckon: ") and "holds data" in err
    assert "Traceback" not in err
    assert _rows(first) != rows
    assert cli.main(["restore", str(file), "--force"]) == 0
    assert _rows(first) == rows


def test_bad_backup_files_are_refused_in_one_line(
    new_database: NewDatabase, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = new_database()
    other_kind = tmp_path / "other.backup"
    if url.startswith("sqlite"):
        other_kind.write_bytes(b"PGDMP" + b"\0" * 100)
    else:
        other_kind.write_bytes(b"SQLite format 3\x00" + b"\0" * 100)
    not_reckon = tmp_path / "not-reckon.db"
    with sqlite3.connect(not_reckon) as conn:
        conn.execute("CREATE TABLE t (x)")
    garbage = tmp_path / "garbage.backup"
    garbage.write_text("not a backup")
    capsys.readouterr()
    cases = {
        garbage: "is not a Reckon backup",
        tmp_path / "missing.backup": "cannot read",
        other_kind: "backup and the database is",
    }
    if url.startswith("sqlite"):
        cases[not_reckon] = "no alembic_version table"
    for path, message in cases.items():
        assert cli.main(["restore", str(path)]) == 1, path
        err = capsys.readouterr().err
        last = err.splitlines()[-1]
        assert last.startswith("reckon: ") and message in last, err
        assert "Traceback" not in err and PASSWORD not in err
    assert cli.main(["backup", str(tmp_path / "no" / "such" / "folder.backup")]) == 1
    assert "does not exist" in capsys.readouterr().err


def test_a_damaged_sqlite_backup_is_refused_and_nothing_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    url = f"sqlite:///{tmp_path / 'whole.db'}"
    monkeypatch.setenv("RECKON_DATABASE_URL", url)
    monkeypatch.setenv("RECKON_SECRET_KEY", "s" * 40)
    get_settings.cache_clear()
    assert cli.main(["db", "upgrade"]) == 0
    _fill(url)
    file = tmp_path / "damaged.backup"
    assert cli.main(["backup", str(file)]) == 0
    rows = _rows(url)
    data = bytearray(file.read_bytes())
    page = 4096
    data[3 * page:len(data) - page] = b"\xff" * (len(data) - 4 * page)  # keep the header
    file.write_bytes(bytes(data))
    capsys.readouterr()
    assert cli.main(["restore", str(file), "--force"]) == 1
    last = capsys.readouterr().err.splitlines()[-1]
    assert last.startswith("reckon: the backup") and str(file) in last
    assert _rows(url) == rows

    monkeypatch.setenv("RECKON_DATABASE_URL", f"sqlite:///{tmp_path / 'absent.db'}")
    get_settings.cache_clear()
    assert cli.main(["backup", str(tmp_path / "x.backup")]) == 1
    assert "there is no database at" in capsys.readouterr().err
    assert not (tmp_path / "absent.db").exists() and not (tmp_path / "x.backup").exists()


def test_a_backup_of_an_unreachable_postgresql_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    postgres_url: str,
) -> None:
    url = make_url(postgres_url).set(database=f"reckon_absent_{uuid.uuid4().hex[:8]}",
                                     password=PASSWORD)
    monkeypatch.setenv("RECKON_DATABASE_URL", url.render_as_string(hide_password=False))
    get_settings.cache_clear()
    try:
        assert cli.main(["backup", str(tmp_path / "x.backup")]) == 1
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    last = err.splitlines()[-1]
    assert last.startswith("reckon: pg_dump failed:") and "does not exist" in last
    assert PASSWORD not in err and not list(tmp_path.iterdir())


def test_the_password_goes_to_the_environment_not_the_command_line() -> None:
    url = make_url("postgresql+psycopg://owner:s3cr%40t@db.example:5433/reckon?sslmode=require")
    conninfo, env = backup.libpq_connection(url)
    assert "s3cr" not in conninfo and env["PGPASSWORD"] == "s3cr@t"
    assert {"host=db.example", "port=5433", "user=owner", "dbname=reckon",
            "sslmode=require"} == set(conninfo.split())
    assert backup.pg_tool("pg_dump").endswith("pg_dump")


def test_the_pg_programs_are_found_off_path_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    installed = glob(f"{backup.PG_BIN_GLOB}/pg_restore")
    if installed:  # Debian's layout, as in CI: the newest version
        assert backup.pg_tool("pg_restore") == max(
            installed, key=lambda p: int(Path(p).parent.parent.name.split(".")[0]))
    else:
        with pytest.raises(backup.BackupError, match="install the PostgreSQL client"):
            backup.pg_tool("pg_restore")
    with pytest.raises(backup.BackupError, match="pg_nonesuch was not found"):
        backup.pg_tool("pg_nonesuch")
