"""What every `reckon` command shares: its failure, its database session, its audit log."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import make_engine, make_sessionmaker, writing
from app.logs import configure_logging


class CliError(Exception):
    """A failure reported as one line on stderr with exit code 1."""


@contextmanager
def session_scope(*, commit: bool = True) -> Iterator[Session]:
    engine = make_engine(get_settings().database_url)
    try:
        # A command that commits writes: on SQLite its transaction takes the write lock first.
        with make_sessionmaker(writing(engine) if commit else engine)() as session:
            try:
                yield session
                if commit:
                    session.commit()
                else:
                    session.rollback()
            except BaseException:
                session.rollback()
                raise
    finally:
        engine.dispose()


def log_audit() -> None:
    """The commands' audit events (never a password or token), as JSON lines on stderr."""
    configure_logging(get_settings().log_level)
