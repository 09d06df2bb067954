"""What every model module shares: UTC timestamps, and CHECK constraints built from the
domain vocabulary so the database refuses what the vocabulary does not know."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint, DateTime, TypeDecorator
from sqlalchemy.engine import Dialect

from app.domain.vocabulary import DatePrecision


def one_of(column: str, vocabulary: type[StrEnum]) -> str:
    # Callers guard NULL themselves where it matters: NULL IN (…) is NULL, which a CHECK passes.
    return f"{column} IN ({', '.join(repr(m.value) for m in vocabulary)})"


def dated(column: str) -> CheckConstraint:
    """A partial date: a date and its precision, both or neither."""
    return CheckConstraint(
        f"({column} IS NULL AND {column}_precision IS NULL) OR "
        f"({column} IS NOT NULL AND {column}_precision IS NOT NULL AND "
        f"{one_of(f'{column}_precision', DatePrecision)})",
        name=f"{column}_precision",
    )


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC on the way in and out; SQLite would otherwise hand back naive values."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> Any:
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given where UTC is required")
            value = value.astimezone(dt.UTC)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        stored: dt.datetime = value
        return stored.replace(tzinfo=dt.UTC) if stored.tzinfo is None else stored
