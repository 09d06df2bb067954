"""Whether the database can serve: reachable, and at the schema the code expects."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from app.db import schema_revision


@dataclass(frozen=True)
class DatabaseState:
    reachable: bool
    revision: str | None
    head: str | None
    cause: str = ""

    @property
    def ok(self) -> bool:
        return self.reachable and self.revision == self.head

    @property
    def problem(self) -> str:
        if not self.reachable:
            return "database unavailable"
        return "" if self.ok else "database not migrated"


def database_state(engine: Engine, head: str | None) -> DatabaseState:
    try:
        revision = schema_revision(engine)
    except SQLAlchemyError as exc:
        return DatabaseState(False, None, head, cause=first_line(exc))
    cause = "" if revision == head else (
        f"schema at {revision or 'no revision'}, the code expects {head}"
    )
    return DatabaseState(True, revision, head, cause=cause)


def first_line(exc: Exception) -> str:
    """The database's own words for what went wrong, on one line, for the log."""
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0][:300]
