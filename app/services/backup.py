"""Backups of the whole database, and restores from them (README, "Backup and restore").

SQLite: `VACUUM INTO` a new file next to the target (a consistent snapshot, even while the
app writes), `PRAGMA integrity_check` on the copy, then an atomic rename. A restore checks the
backup first and copies it into the database file with SQLite's backup API, under SQLite's own
locks, in one step: connections that are open see the old database or the new one, never a
mixture, and no stale `-wal` file can be replayed over it.

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --no-owner
--no-privileges --single-transaction` (a failed restore changes nothing), then the serving
role's grants are made again. The URL's password travels in the PGPASSWORD environment variable
of the child process, never on its command line.

Both refuse to overwrite: an existing backup file, or a database that holds data, unless
forced. Every failure is a BackupError with a one-line message."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path
from urllib.request import pathname2url

from sqlalchemy import URL, Engine, inspect, select, table, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.config import ConfigError
from app.db import grant_serving_role, make_engine, schema_revision
from app.logs import audit

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"  # Debian's and the Docker images' layout
# Tables that say nothing about whether a database holds data.
# Rows a migrated database holds before any data (the history's empty chain head).
BOOKKEEPING_TABLES = frozenset({"alembic_version", "chain_head"})


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why, in one line."""


@dataclass(frozen=True)
class Outcome:
    path: Path                  # the backup file written or read
    size: int                   # its size in bytes
    backend: str                # "sqlite" or "postgresql"
    database: str               # where: a file, or host/name (never a password)
    revision: str | None = None  # the schema revision of the database restored
    warnings: list[str] = field(default_factory=list)


def backup(url: str, target: Path, *, overwrite: bool = False) -> Outcome:
    """Write a backup of the database at `url` to `target`."""
    parsed = make_url(url)
    if target.exists() and not overwrite:
        raise BackupError(f"{target} exists: give another file name, or --force to replace it")
    if target.is_dir():
        raise BackupError(f"{target} is a folder: give a file name")
    if not target.parent.is_dir():
        raise BackupError(f"the folder {target.parent} does not exist")
    try:
        with _new_file_beside(target) as temporary:
            if _backend(parsed) == "sqlite":
                _sqlite_backup(_sqlite_path(parsed), temporary)
            else:
                _pg_dump(parsed, temporary)
            os.replace(temporary, target)
    except BackupError as exc:
        audit("backup_failed", level="warning", path=str(target), database=_where(parsed),
              error=str(exc))
        raise
    except OSError as exc:
        audit("backup_failed", level="warning", path=str(target), database=_where(parsed),
              error=str(exc))
        raise BackupError(f"cannot write {target}: {exc.strerror or exc}") from None
    outcome = Outcome(target, target.stat().st_size, _backend(parsed), _where(parsed))
    audit("backup_written", path=str(target), bytes=outcome.size, backend=outcome.backend,
          database=outcome.database)
    return outcome


def restore(url: str, source: Path, *, force: bool = False,
            serving_role: str | None = None) -> Outcome:
    """Replace the contents of the database at `url` with the backup in `source`; on
    PostgreSQL, grant `serving_role` (if any) its privileges on what was restored."""
    parsed = make_url(url)
    try:
        outcome = _restore(parsed, source, force=force, serving_role=serving_role)
    except BackupError as exc:
        audit("restore_failed", level="warning", path=str(source), database=_where(parsed),
              error=str(exc))
        raise
    audit("database_restored", path=str(source), bytes=outcome.size, backend=outcome.backend,
          database=outcome.database, revision=outcome.revision, forced=force)
    return outcome


def _restore(parsed: URL, source: Path, *, force: bool, serving_role: str | None) -> Outcome:
    backend = _backend(parsed)
    try:
        with source.open("rb") as file:
            head = file.read(len(SQLITE_MAGIC))
        size = source.stat().st_size
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror or exc}") from None
    kind = ("sqlite" if head.startswith(SQLITE_MAGIC)
            else "postgresql" if head.startswith(PGDUMP_MAGIC) else None)
    if kind is None:
        raise BackupError(f"{source} is not a Reckon backup (neither a SQLite database nor a "
                          "pg_dump custom-format archive)")
    if kind != backend:
        raise BackupError(f"{source} is a {_NAMES[kind]} backup and the database is "
                          f"{_NAMES[backend]}: restore it into a {_NAMES[kind]} database (or "
                          "move the data with `reckon export` and `reckon import`)")
    warnings: list[str] = []
    if backend == "sqlite":
        revision = _sqlite_restore(_sqlite_path(parsed), source, force=force)
    else:
        revision, warnings = _pg_restore(parsed, source, force=force, serving_role=serving_role)
    return Outcome(source, size, backend, _where(parsed), revision, warnings)


_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def _backend(parsed: URL) -> str:
    name = parsed.get_backend_name()
    if name not in _NAMES:
        raise BackupError(f"backups of {name} databases are not supported (SQLite and "
                          "PostgreSQL are)")
    return name


def _where(parsed: URL) -> str:
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ""
    return f"{parsed.host or 'localhost'}/{parsed.database or ''}"


@contextlib.contextmanager
def _new_file_beside(target: Path) -> Iterator[Path]:
    """An empty file readable by its owner only, in the target's folder (so that renaming it
    over the target is atomic); removed unless it was renamed."""
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        yield temporary
    finally:
        temporary.unlink(missing_ok=True)


# ---- SQLite ------------------------------------------------------------------------------

def _sqlite_path(parsed: URL) -> Path:
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        raise BackupError("the SQLite database must be a file (sqlite:///path/to/file.db)")
    return Path(database)


def _sqlite_connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    if read_only:
        return sqlite3.connect(f"file:{pathname2url(str(path.resolve()))}?mode=ro", uri=True,
                               timeout=30, isolation_level=None)
    return sqlite3.connect(path, timeout=30, isolation_level=None)


def _sqlite_backup(database: Path, temporary: Path) -> None:
    if not database.is_file():
        raise BackupError(f"there is no database at {database}")
    try:
        with contextlib.closing(_sqlite_connect(database)) as connection:
            connection.execute("VACUUM INTO ?", (str(temporary),))
    except sqlite3.Error as exc:
        raise BackupError(f"cannot back up {database}: {exc}") from None
    _sqlite_check(temporary, what="the backup")


def _sqlite_check(path: Path, *, what: str) -> str | None:
    """The schema revision of a sound Reckon database; BackupError for anything else."""
    try:
        with contextlib.closing(_sqlite_connect(path, read_only=True)) as connection:
            problems = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError(f"{what} ({path}) failed the integrity check: "
                                  + "; ".join(problems[:3]))
            if connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                  "AND name = 'alembic_version'").fetchone() is None:
                raise BackupError(f"{what} ({path}) is not a Reckon database "
                                  "(no alembic_version table)")
            row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error as exc:
        raise BackupError(f"{what} ({path}) cannot be read as SQLite: {exc}") from None
    return str(row[0]) if row else None


def _sqlite_has_data(database: Path) -> bool:
    with contextlib.closing(_sqlite_connect(database, read_only=True)) as connection:
        names = [row[0] for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'")]
        return any(
            connection.execute(f'SELECT 1 FROM "{name.replace(chr(34), chr(34) * 2)}" LIMIT 1'
                               ).fetchone()
            for name in names if name not in BOOKKEEPING_TABLES)


def _sqlite_restore(database: Path, source: Path, *, force: bool) -> str | None:
    _sqlite_check(source, what="the backup")
    try:
        if database.is_file() and database.stat().st_size and not force \
                and _sqlite_has_data(database):
            raise BackupError(f"the database {database} holds data: restoring would replace "
                              "all of it; add --force to do so (make a backup first)")
        database.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(_sqlite_connect(source, read_only=True)) as reader, \
                contextlib.closing(_sqlite_connect(database)) as writer:
            # pages=-1: every page in one step, one transaction on the database.
            reader.backup(writer, pages=-1)
    except sqlite3.Error as exc:
        raise BackupError(f"cannot restore into {database}: {exc}") from None
    except OSError as exc:
        raise BackupError(f"cannot restore into {database}: {exc.strerror or exc}") from None
    return _sqlite_check(database, what="the restored database")


# ---- PostgreSQL ----------------------------------------------------------------------------

def pg_tool(name: str) -> str:
    """The path of a PostgreSQL client program: from PATH, else the newest of Debian's
    versioned folders."""
    found = shutil.which(name)
    if found:
        return found

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", Path(path).parent.parent.name))

    candidates = sorted((p for p in glob(f"{PG_BIN_GLOB}/{name}") if os.access(p, os.X_OK)),
                        key=version, reverse=True)
    if not candidates:
        raise BackupError(f"{name} was not found on PATH nor in {PG_BIN_GLOB}: install the "
                          "PostgreSQL client programs (Debian: apt-get install postgresql-client)")
    return candidates[0]


def libpq_connection(parsed: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment for a child
    process: the password, if the URL has one, goes in PGPASSWORD (not visible in `ps`)."""
    from psycopg.conninfo import make_conninfo

    params: dict[str, str] = {}
    for key, value in (("host", parsed.host), ("port", parsed.port),
                       ("user", parsed.username), ("dbname", parsed.database)):
        if value:
            params[key] = str(value)
    for key, values in parsed.query.items():
        params[key] = values if isinstance(values, str) else values[-1]
    password = params.pop("password", None) or parsed.password
    env = dict(os.environ)
    if password:
        env["PGPASSWORD"] = str(password)
    return make_conninfo("", **params), env


def _run(program: str, *arguments: str, env: dict[str, str]) -> str:
    try:
        done = subprocess.run([pg_tool(program), *arguments], env=env, capture_output=True,
                              text=True, check=False)
    except OSError as exc:
        raise BackupError(f"cannot run {program}: {exc.strerror or exc}") from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        raise BackupError(f"{program} failed: " + (" ".join(lines[-3:]) or
                                                   f"exit status {done.returncode}"))
    return done.stdout


def _pg_dump(parsed: URL, temporary: Path) -> None:
    conninfo, env = libpq_connection(parsed)
    _run("pg_dump", "--format=custom", "--no-password", f"--file={temporary}",
         f"--dbname={conninfo}", env=env)
    _pg_check(temporary, env=env, what="the backup")


def _pg_check(path: Path, *, env: dict[str, str], what: str) -> None:
    try:
        listing = _run("pg_restore", "--list", str(path), env=env)
    except BackupError as exc:
        raise BackupError(f"{what} ({path}) cannot be read: {exc}") from None
    if not re.search(r"^\d+; \d+ \d+ TABLE \S+ alembic_version\b", listing, re.MULTILINE):
        raise BackupError(f"{what} ({path}) is not a Reckon database "
                          "(no alembic_version table)")


def _pg_restore(parsed: URL, source: Path, *, force: bool,
                serving_role: str | None) -> tuple[str | None, list[str]]:
    conninfo, env = libpq_connection(parsed)
    _pg_check(source, env=env, what="the backup")
    engine = make_engine(parsed.render_as_string(hide_password=False))
    try:
        if not force and _pg_has_data(engine):
            raise BackupError(f"the database {_where(parsed)} holds data: restoring would "
                              "replace it; add --force to do so (make a backup first)")
        _run("pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges",
             "--single-transaction", "--no-password", f"--dbname={conninfo}", str(source),
             env=env)
        warnings: list[str] = []
        if serving_role:
            with engine.begin() as connection:
                warnings = grant_serving_role(connection, serving_role)
        return schema_revision(engine), warnings
    except ConfigError as exc:
        raise BackupError(f"restored, but the serving role's grants failed: {exc}") from None
    except SQLAlchemyError as exc:
        raise BackupError(f"cannot reach the database {_where(parsed)}: "
                          f"{getattr(exc, 'orig', None) or exc}") from None
    finally:
        engine.dispose()


def _pg_has_data(engine: Engine) -> bool:
    with engine.connect() as connection:
        names = inspect(connection).get_table_names()
        return any(
            connection.execute(select(text("1")).select_from(table(name)).limit(1)).first()
            for name in names if name not in BOOKKEEPING_TABLES)
