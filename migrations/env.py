"""Alembic environment: the URL comes from Settings (RECKON_MIGRATION_DATABASE_URL) unless the
caller hands over a connection or sets sqlalchemy.url.

The serving role (README, "PostgreSQL roles") comes from `config.attributes["serving_role"]`
(set by `reckon db upgrade`), from `-x serving_role=NAME`, or, when the URL comes from Settings,
from the user of RECKON_DATABASE_URL if it differs from the migrating one. Its grants are
made by migration 0005 and applied again at the end of every upgrade that ran a step (with
`reckon db upgrade`, which sets `config.attributes["apply_grants"]`, every time), so tables
created by later migrations are covered and the history tables never keep UPDATE or DELETE.
What still gives the role too much is logged, or with `reckon` listed in
`config.attributes["serving_role_warnings"]` for it to print."""

from __future__ import annotations

import logging
from logging.config import fileConfig

from alembic import context

from app import models  # noqa: F401  (registers the tables on Base.metadata)
from app.config import get_settings
from app.db import Base, grant_serving_role, make_engine, serving_role_of

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _serving_role() -> str | None:
    role = (config.attributes.get("serving_role")
            or context.get_x_argument(as_dictionary=True).get("serving_role"))
    if not role and not config.get_main_option("sqlalchemy.url"):
        settings = get_settings()
        role = serving_role_of(settings.database_url, settings.migration_database_url)
    return str(role) if role else None


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url") or get_settings().migration_database_url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().migration_database_url
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            _run(conn)
    finally:
        engine.dispose()  # also when a migration fails: no connection left to the collector


def _run(connection: object) -> None:
    serving_role = _serving_role()
    config.attributes["serving_role"] = serving_role  # read by migration 0005
    upgrades: list[bool] = []  # per step run: was it an upgrade?
    context.configure(
        on_version_apply=lambda *, step, **_: upgrades.append(step.is_upgrade),
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        compare_type=True,
        # SQLite cannot ALTER most things; batch mode rebuilds tables instead.
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
        from_reckon = bool(config.attributes.get("apply_grants"))
        if serving_role and (from_reckon or (upgrades and all(upgrades))):
            problems = grant_serving_role(connection, serving_role)  # type: ignore[arg-type]
            config.attributes["serving_role_warnings"] = problems
            for problem in [] if from_reckon else problems:
                logging.getLogger("alembic.env").warning("serving role: %s", problem)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
