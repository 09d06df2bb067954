"""Least privilege on PostgreSQL: `reckon db upgrade` runs as the owner role
(RECKON_MIGRATION_DATABASE_URL) and grants the serving role (the user of RECKON_DATABASE_URL)
what the app needs: it writes estimates, adds to the history, and can neither rewrite the
history nor change the schema. Roles and a database of their own, dropped afterwards."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg.errors
import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, ProgrammingError

from app import cli
from app.config import Settings, get_settings
from app.db import (
    alembic_config,
    make_engine,
    make_sessionmaker,
    migration_head,
    serving_role_of,
)
from app.models import Estimate, Revision
from app.schemas.estimates import EstimatePatch
from app.services import estimates, transfer
from app.services.health import database_state
from tests import factories
from tests.conftest import PG_ADMIN_URL

PASSWORD = "not-on-any-command-line"  # trust auth ignores it; it must never be printed


@dataclass(frozen=True)
class Roles:
    owner: str
    serving: str
    owner_url: str
    serving_url: str


def _url(role: str, database: str) -> str:
    server = PG_ADMIN_URL.split("@", 1)[1].rsplit("/", 1)[0]
    return f"postgresql+psycopg://{role}:{PASSWORD}@{server}/{database}"


def _create_role(admin: Engine, role: str) -> None:
    with admin.connect() as conn:
        conn.exec_driver_sql(
            f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN "
            f"CREATE ROLE \"{role}\" LOGIN PASSWORD '{PASSWORD}'; END IF; END $$")


@pytest.fixture
def roles(postgres_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Roles]:
    """An owner role, a serving role and a database owned by the owner, named for this run;
    `reckon` pointed at them (migrations as the owner, serving as the other)."""
    # postgres_url: skips without a server, and fails instead under CI=true.
    run = uuid.uuid4().hex[:10]
    owner, serving, database = f"reckon_owner_{run}", f"reckon_app_{run}", f"reckon_roles_{run}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        _create_role(admin, owner)
        _create_role(admin, serving)
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{database}" OWNER "{owner}"')
        found = Roles(owner, serving, _url(owner, database), _url(serving, database))
        monkeypatch.setenv("RECKON_MIGRATION_DATABASE_URL", found.owner_url)
        monkeypatch.setenv("RECKON_DATABASE_URL", found.serving_url)
        monkeypatch.setenv("RECKON_SECRET_KEY", "s" * 40)
        get_settings.cache_clear()
        yield found
    finally:
        get_settings.cache_clear()
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{serving}"')
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{owner}"')
        admin.dispose()


@pytest.fixture
def serving_engine(roles: Roles) -> Iterator[Engine]:
    engine = make_engine(roles.serving_url)
    yield engine
    engine.dispose()


def _denied(engine: Engine, statement: str) -> str:
    """Run `statement` as the engine's role; it must be refused for lack of privilege."""
    with pytest.raises(ProgrammingError) as refused, engine.begin() as conn:
        conn.exec_driver_sql(statement)
    assert isinstance(refused.value.orig, psycopg.errors.InsufficientPrivilege), refused.value
    return str(refused.value.orig)


def test_the_serving_role_writes_estimates_adds_history_and_cannot_rewrite_it(
    roles: Roles, serving_engine: Engine, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert cli.main(["db", "upgrade"]) == 0
    out, err = capsys.readouterr()
    assert f'serves as "{roles.serving}"' in out and err == ""
    assert PASSWORD not in out + err

    # The app's own work, through the services, as the serving role.
    with make_sessionmaker(serving_engine)() as session:
        factories.load_demo(session)  # INSERTs: catalog, estimates, citations, revisions
        killed = session.scalars(select(Estimate.id).order_by(Estimate.id)).first()
        assert killed is not None
        estimates.update_estimate(session, killed, EstimatePatch(version=1, notes="Checked."),
                                  None)  # UPDATE estimates, INSERT revisions
        session.commit()
        # An import that keeps an exported id moves the id sequence (setval) as well.
        exported = json.loads(transfer.export_json(session))
        exported["estimates"] = [{**exported["estimates"][0], "id": 5000, "version": 1,
                                  "low": 1, "high": 2, "best": None, "qualifier": "between"}]
        report = transfer.apply(session, transfer.read_json(json.dumps(exported)),
                                comment="kept id")
        session.commit()
        assert report.created == 1 and session.get(Estimate, 5000) is not None
        revisions = session.scalar(select(func.count()).select_from(Revision))
        assert revisions is not None and revisions >= 8  # 6 created, 1 edit, 1 import
        assert session.scalar(select(Estimate.notes).where(Estimate.id == killed)) == "Checked."

    # The health check reads the schema revision as the serving role, and so does an upgrade
    # run with the serving URL alone (a container that starts with `reckon db upgrade`).
    assert database_state(serving_engine, migration_head()).ok
    monkeypatch.setenv("RECKON_MIGRATION_DATABASE_URL", "")
    get_settings.cache_clear()
    assert cli.main(["db", "upgrade"]) == 0

    # History: read and add, never change or remove.
    for history in ("revisions", "catalog_revisions"):
        assert "permission denied" in _denied(serving_engine, f"UPDATE {history} SET comment = ''")
        _denied(serving_engine, f"DELETE FROM {history}")
        _denied(serving_engine, f"TRUNCATE {history}")
    # The chain's head moves forward with each revision; it is never added or removed.
    _denied(serving_engine, "DELETE FROM chain_head")
    _denied(serving_engine, "INSERT INTO chain_head (id, length, hash) VALUES (2, 0, '')")
    # No DDL, no hand on the migrations' bookkeeping.
    _denied(serving_engine, "CREATE TABLE sneaky (x integer)")
    _denied(serving_engine, "ALTER TABLE estimates ADD COLUMN sneaky integer")
    _denied(serving_engine, "DROP TABLE citations")
    _denied(serving_engine, "UPDATE alembic_version SET version_num = 'x'")
    with serving_engine.connect() as conn:  # nothing above changed a row
        assert conn.scalar(text("SELECT count(*) FROM revisions")) == revisions

    # The owner keeps its privileges (they were taken from the serving role only), but the
    # append-only triggers (migration 0009) refuse the change to the owner too.
    owner = make_engine(roles.owner_url)
    try:
        with owner.connect() as conn:
            assert conn.scalar(text("SELECT has_table_privilege('revisions', 'UPDATE')"))
            with pytest.raises(IntegrityError, match="revisions is append-only: UPDATE"):
                conn.execute(text("UPDATE revisions SET comment = comment"))
        with owner.begin() as conn:
            # A table a later migration creates is covered by the default privileges.
            conn.execute(text("CREATE TABLE later_table (id serial PRIMARY KEY, x integer)"))
    finally:
        owner.dispose()
    with serving_engine.begin() as conn:
        conn.execute(text("INSERT INTO later_table (x) VALUES (1)"))
        conn.execute(text("UPDATE later_table SET x = 2"))
        assert conn.scalar(text("SELECT x FROM later_table")) == 2


def test_upgrading_again_keeps_history_read_and_insert_only(
    roles: Roles, serving_engine: Engine
) -> None:
    assert cli.main(["db", "upgrade"]) == 0
    # As if a later migration had rebuilt a history table (which the default privileges give
    # UPDATE and DELETE) or granted them: the next upgrade takes them away again.
    owner = make_engine(roles.owner_url)
    try:
        with owner.begin() as conn:
            conn.execute(text("DELETE FROM revisions"))
            conn.exec_driver_sql(f'GRANT ALL ON revisions TO "{roles.serving}"')
        with owner.connect() as conn:
            assert conn.scalar(text(
                "SELECT has_table_privilege(:r, 'revisions', 'UPDATE')"), {"r": roles.serving})
    finally:
        owner.dispose()
    assert cli.main(["db", "upgrade"]) == 0
    _denied(serving_engine, "UPDATE revisions SET comment = ''")
    _denied(serving_engine, "DELETE FROM revisions")
    with serving_engine.begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM revisions")) == 0


def test_warnings_for_a_serving_role_that_owns_tables_and_a_downgrade_that_revokes(
    roles: Roles, serving_engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    from alembic import command

    assert cli.main(["db", "upgrade"]) == 0
    # Left over from a setup with one role: the serving role owns a table.
    database = make_url(roles.owner_url).database
    admin = create_engine(make_url(PG_ADMIN_URL).set(database=database),
                          isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER TABLE login_throttles OWNER TO "{roles.serving}"')
        capsys.readouterr()
        assert cli.main(["db", "upgrade"]) == 0
        err = capsys.readouterr().err
        assert err.startswith("reckon: warning: not granted") and len(err.splitlines()) == 1
        assert f"login_throttles (owned by {roles.serving})" in err
        _denied(serving_engine, "DELETE FROM revisions")  # the others were granted as before
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER TABLE login_throttles OWNER TO "{roles.owner}"')
    finally:
        admin.dispose()

    # Below 0005 the serving role has nothing; back at the head it has its grants again.
    config = alembic_config(roles.owner_url)
    config.attributes["serving_role"] = roles.serving
    command.downgrade(config, "0004")
    _denied(serving_engine, "SELECT count(*) FROM estimates")
    assert cli.main(["db", "upgrade"]) == 0
    with serving_engine.begin() as conn:
        assert conn.scalar(text("SELECT count(*) FROM estimates")) == 0
    _denied(serving_engine, "DELETE FROM revisions")


def test_a_missing_serving_role_stops_the_upgrade_with_one_line(
    roles: Roles, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ghost = roles.serving.replace("reckon_app_", "reckon_ghost_")
    monkeypatch.setenv("RECKON_DATABASE_URL", roles.serving_url.replace(roles.serving, ghost))
    get_settings.cache_clear()
    assert cli.main(["db", "upgrade"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("reckon: ") and len(err.splitlines()) == 1
    assert f'"{ghost}"' in err and "does not exist" in err and PASSWORD not in err
    # One transaction: nothing was migrated.
    owner = make_engine(roles.owner_url)
    try:
        with owner.connect() as conn:
            assert conn.scalar(text("SELECT to_regclass('alembic_version')")) is None
    finally:
        owner.dispose()


def test_one_role_or_sqlite_means_no_serving_role() -> None:
    pg = "postgresql+psycopg://{}:pw@db/reckon"
    assert serving_role_of(pg.format("app"), pg.format("owner")) == "app"
    assert serving_role_of(pg.format("app"), pg.format("app")) is None
    assert serving_role_of("sqlite:///data/x.db", "sqlite:///data/x.db") is None
    assert serving_role_of("postgresql+psycopg:///reckon", pg.format("owner")) is None
    # Unset, the migration URL is the serving URL.
    settings = Settings(environment="test", database_url=pg.format("app"), secret_key="t" * 32)
    assert settings.migration_database_url == pg.format("app")



def test_a_restore_gives_the_serving_role_its_grants_again(
    roles: Roles, serving_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main(["db", "upgrade"]) == 0
    with make_sessionmaker(serving_engine)() as session:
        factories.load_demo(session)
    file = tmp_path / "roles.backup"
    assert cli.main(["backup", str(file)]) == 0  # as the owner

    # A fresh database of the same owner; the dump carries no privileges, the restore grants.
    database = make_url(roles.owner_url).database + "_restored"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{database}" OWNER "{roles.owner}"')
        owner_url = _url(roles.owner, database)
        serving_url = _url(roles.serving, database)
        monkeypatch.setenv("RECKON_MIGRATION_DATABASE_URL", owner_url)
        monkeypatch.setenv("RECKON_DATABASE_URL", serving_url)
        get_settings.cache_clear()
        capsys.readouterr()
        assert cli.main(["restore", str(file)]) == 0
        out, err = capsys.readouterr()
        assert "Restored" in out and "reckon: warning" not in err and PASSWORD not in out + err
        restored = make_engine(serving_url)
        try:
            with make_sessionmaker(restored)() as session:
                first = session.scalars(select(Estimate).order_by(Estimate.id)).first()
                assert first is not None
                estimates.update_estimate(session, first.id, EstimatePatch(
                    version=first.version, notes="after the restore"), None)
                session.commit()
            _denied(restored, "UPDATE revisions SET comment = ''")
            _denied(restored, "DELETE FROM catalog_revisions")
            _denied(restored, "CREATE TABLE sneaky (x integer)")
            with restored.connect() as conn:
                owners = set(conn.scalars(text(
                    "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'")))
            assert owners == {roles.owner}  # --no-owner: the restoring role owns them
        finally:
            restored.dispose()
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        admin.dispose()
