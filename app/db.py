"""Engine, sessions, the declarative base, and where the schema stands against the migrations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app.config import PROJECT_DIR

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy.engine import Connection

# Named constraints so Alembic can alter them and both databases report the same names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# A spare connection or two beyond one per worker thread: the health check and the CLI.
POOL_SPARE = 2
# Written on a connection's BEGIN: a writer takes SQLite's write lock at once (waiting its
# turn), instead of reading first and failing on the upgrade to writing when another writer
# got there in between (which the busy timeout cannot help).
IMMEDIATE = "reckon_immediate"


def make_engine(url: str, *, echo: bool = False, pool_size: int | None = None,
                busy_timeout: float = 10.0, **kwargs: Any) -> Engine:
    """An engine whose pool has a connection for each of `pool_size` worker threads (and a
    spare); waiting for one longer than a few seconds is an error, never a queue."""
    parsed = make_url(url)
    if pool_size is not None:
        kwargs.setdefault("pool_size", pool_size)
        kwargs.setdefault("max_overflow", POOL_SPARE)
        kwargs.setdefault("pool_timeout", 5)
    if parsed.get_backend_name() == "sqlite":
        memory = parsed.database in (None, "", ":memory:")
        if parsed.database and not memory:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        else:  # one shared connection: pool sizes do not apply
            for key in ("pool_size", "max_overflow", "pool_timeout"):
                kwargs.pop(key, None)
        # Sessions may cross threads (a threadpool serves sync routes); SQLite must allow it.
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, echo=echo, **kwargs)
        _configure_sqlite(engine, busy_timeout, wal=not memory)
        return engine
    return create_engine(url, echo=echo, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine, busy_timeout: float, *, wal: bool) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and ignores foreign keys;
    # take over BEGIN ourselves (SQLAlchemy's documented recipe) and turn the keys on.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        if wal:
            # Readers never wait for the writer, nor the writer for readers.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def writing(engine: Engine) -> Engine:
    """The same engine for transactions that will write: on SQLite they begin IMMEDIATE."""
    return engine.execution_options(**{IMMEDIATE: True})


def best_effort(session: Session, change: Callable[[], None]) -> None:
    """Make a bookkeeping change (a last-seen time) from a request that only reads. On
    SQLite its transaction began as a reader: taking the write lock can fail at once when
    another writer holds it or wrote since, and waiting for it would hold up a page. Then the
    change is dropped, in its savepoint, and the page is served all the same."""
    if session.get_bind().dialect.name != "sqlite":
        change()
        return
    connection = session.connection()
    waited = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    connection.exec_driver_sql("PRAGMA busy_timeout=0")
    try:
        with session.begin_nested():
            change()
            session.flush()
    except OperationalError:
        pass
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(waited or 0)}")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


# ---- the schema and the migrations -------------------------------------------------------

def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config(str(PROJECT_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_DIR / "migrations"))
    # ConfigParser interpolates %, which URL-encoded passwords contain.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def migration_head() -> str | None:
    """The revision the code expects (read from the migration scripts)."""
    from alembic.script import ScriptDirectory

    config = alembic_config("sqlite://")
    return ScriptDirectory.from_config(config).get_current_head()


def schema_revision(engine: Engine) -> str | None:
    """The revision the database is at; None when it was never migrated.
    Raises SQLAlchemyError when the database cannot be reached."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


# ---- least privilege on PostgreSQL (README, "PostgreSQL roles") ----------------------------

# History the serving role may read and add to, never change: after every grant it keeps only
# SELECT and INSERT on these. A new history table is added here.
HISTORY_TABLES = ("revisions", "catalog_revisions")
# Written by migrations only; the serving role reads it (the health check).
MIGRATION_TABLES = ("alembic_version",)
# The end of the history's hash chain: read, locked and moved forward, never added or removed.
CHAIN_TABLES = ("chain_head",)


def serving_role_of(serving_url: str, migration_url: str) -> str | None:
    """The role the app serves as (the user of `serving_url`) when it is not the role that
    migrates; None on SQLite or when one role does both."""
    serving, migrating = make_url(serving_url), make_url(migration_url)
    if {serving.get_backend_name(), migrating.get_backend_name()} != {"postgresql"}:
        return None
    if not serving.username or serving.username == migrating.username:
        return None
    return serving.username


def grant_serving_role(connection: Connection, role: str) -> list[str]:
    """Give `role` what the app needs in the current schema and nothing more: SELECT, INSERT,
    UPDATE, DELETE on the tables (also those created later by the connected role, through
    default privileges); USAGE, SELECT and UPDATE on the sequences (UPDATE for setval(), which
    an import that keeps the exported ids needs); no DDL; only SELECT and INSERT on the history
    tables, only SELECT on alembic_version, SELECT and UPDATE on chain_head. Each table's
    privileges are set exactly (what was granted before is revoked first). Safe to repeat;
    does nothing on SQLite or when `role` is the connected role. Answers what still gives
    `role` more (or other) than that. Raises ConfigError when the role does not exist."""
    from sqlalchemy import text

    from app.config import ConfigError

    if connection.dialect.name != "postgresql":
        return []
    me, schema, owns_schema = connection.execute(text(
        "SELECT current_user, current_schema(), pg_has_role(current_user, n.nspowner, "
        "'MEMBER') FROM pg_namespace n WHERE n.nspname = current_schema()")).one()
    if role == me:
        return []
    superuser = connection.scalar(text("SELECT rolsuper FROM pg_roles WHERE rolname = :r"),
                                  {"r": role})
    if superuser is None:
        raise ConfigError(
            f'the serving role "{role}" (the user of RECKON_DATABASE_URL) does not exist: '
            "create it first (README, PostgreSQL roles)")
    quote = connection.dialect.identifier_preparer.quote_identifier
    r, s = quote(role), quote(schema)
    statements = [
        f"GRANT USAGE ON SCHEMA {s} TO {r}",
        f"REVOKE CREATE ON SCHEMA {s} FROM {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} "
        f"GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {r}",
    ]
    if owns_schema:
        # PostgreSQL before 15 lets every role create tables in `public`.
        statements.append(f"REVOKE CREATE ON SCHEMA {s} FROM PUBLIC")
    relations = connection.execute(text(
        "SELECT c.relname, c.relkind, pg_get_userbyid(c.relowner), "
        "pg_has_role(current_user, c.relowner, 'MEMBER') FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p', 'S') "
        "ORDER BY c.relname")).all()
    foreign: list[str] = []
    for name, kind, owner, mine in relations:
        if not mine:  # only its owner may grant on it
            foreign.append(f"{name} (owned by {owner})")
            continue
        target = f"{s}.{quote(name)}"
        kept = ("USAGE, SELECT, UPDATE" if kind == "S"
                else "SELECT, INSERT" if name in HISTORY_TABLES
                else "SELECT" if name in MIGRATION_TABLES
                else "SELECT, UPDATE" if name in CHAIN_TABLES
                else "SELECT, INSERT, UPDATE, DELETE")
        # Revoked first: neither a default privilege nor an old grant survives.
        statements += [f"REVOKE ALL ON {'SEQUENCE ' if kind == 'S' else ''}{target} FROM {r}",
                       f"GRANT {kept} ON {'SEQUENCE ' if kind == 'S' else ''}{target} TO {r}"]
    for statement in statements:
        connection.exec_driver_sql(statement)
    problems = []
    if superuser:
        problems.append(f'"{role}" is a superuser: no grant can restrict it')
    if foreign:
        problems.append(f"not granted, as the migrating role does not own them: "
                        f"{', '.join(foreign)} (REASSIGN OWNED BY … TO the migrating role)")
    if connection.scalar(text("SELECT has_schema_privilege(:r, current_schema(), 'CREATE')"),
                         {"r": role}):
        problems.append(f'"{role}" may still create tables in schema {schema} '
                        f"(REVOKE CREATE ON SCHEMA {s} FROM PUBLIC, as its owner)")
    return problems


def revoke_serving_role(connection: Connection, role: str) -> None:
    """Undo grant_serving_role (the downgrade of migration 0005)."""
    from sqlalchemy import text

    if connection.dialect.name != "postgresql" or role == connection.scalar(
            text("SELECT current_user")):
        return
    quote = connection.dialect.identifier_preparer.quote_identifier
    r = quote(role)
    s = quote(str(connection.scalar(text("SELECT current_schema()"))))
    for statement in (
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE ALL ON TABLES FROM {r}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} REVOKE ALL ON SEQUENCES FROM {r}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {s} FROM {r}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {s} FROM {r}",
        f"REVOKE USAGE ON SCHEMA {s} FROM {r}",
    ):
        connection.exec_driver_sql(statement)
