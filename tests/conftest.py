"""Fixtures: real databases (SQLite and PostgreSQL), migrated once, a rolled-back transaction
per test, and the app wired to that transaction."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import alembic_config, make_engine
from app.main import create_app
from app.web.deps import get_session
from tests import factories

PG_ADMIN_URL = os.environ.get(
    "RECKON_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _migrate(url: str) -> None:
    from alembic import command

    command.upgrade(alembic_config(url), "head")  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    _migrate(url)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database of our own for this run, created and dropped here."""
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"reckon_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        message = f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc.orig}"
        if IN_CI:
            pytest.fail(message + " (CI=true: PostgreSQL tests must run)", pytrace=False)
        pytest.skip(message)
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(fixture))


@contextmanager
def empty_database(db_url: str, folder: Path) -> Iterator[str]:
    """A database of its own, of the kind of `db_url`, never migrated (migration tests take
    it from there); dropped afterwards."""
    if db_url.startswith("sqlite"):
        yield f"sqlite:///{folder / f'scratch-{uuid.uuid4().hex[:8]}.db'}"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"reckon_scratch_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def live_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database of the kind under test, committed to for real (for a real
    server in a thread, whose connections the rolled-back test transaction would hide)."""
    with empty_database(db_url, tmp_path) as url:
        _migrate(url)
        yield url


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """Everything a test writes is rolled back; commits inside only release a savepoint."""
    connection = engine.connect()
    transaction = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint",
                      expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        transaction.rollback()
        connection.close()


@pytest.fixture
def settings(db_url: str) -> Settings:
    # Review before publication off, so an estimate an editor saves is published at once, as
    # the tests were written for; tests/web/test_review.py switches it on.
    return Settings(environment="test", database_url=db_url, secret_key="t" * 32,
                    review="off")


@pytest.fixture
def app(settings: Settings, engine: Engine, session: Session) -> FastAPI:
    app = create_app(settings, engine=engine)

    def _test_session() -> Iterator[Session]:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise

    app.dependency_overrides[get_session] = _test_session
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as client:
        yield client


@pytest.fixture
def demo(session: Session) -> None:
    factories.load_demo(session)


@pytest.fixture
def editor_token(session: Session) -> str:
    return factories.api_token(session)


@pytest.fixture
def auth(editor_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {editor_token}"}
