"""Many rows into one table at driver speed: one executemany of plain tuples, the columns'
own bind processing (dates as SQLite stores them, UTC times, JSON text) applied here, so the
rows are stored exactly as a Core insert() would store them, without its per-parameter
bookkeeping (which costs more than the database's own work at 100,000 rows)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import JSON, Table
from sqlalchemy.orm import Session

_Processor = Callable[[Any], Any]


def insert_rows(session: Session, table: Table, columns: Sequence[str],
                rows: Iterable[Sequence[Any]], *,
                skip_conflicts_on: Sequence[str] = ()) -> None:
    """INSERT each of `rows` (values in the order of `columns`) into `table` inside the
    session's transaction: one executemany (the engine's events see one statement), or on
    PostgreSQL one COPY (which the events do not see). With
    `skip_conflicts_on` (the columns of a unique index), a row that would repeat one already
    there is left out (ON CONFLICT DO NOTHING, on SQLite and PostgreSQL alike)."""
    connection = session.connection()
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
                 f"VALUES ({', '.join(mark for _ in columns)})")
    if skip_conflicts_on:
        statement += (f" ON CONFLICT ({', '.join(quote(c) for c in skip_conflicts_on)}) "
                      "DO NOTHING")
    processors: list[tuple[int, _Processor, dict[Any, Any] | None]] = []
    for i, name in enumerate(columns):
        kind = table.c[name].type
        process = kind.dialect_impl(dialect).bind_processor(dialect)
        if process is not None:
            # A batch repeats its dates and its time of writing: each is processed once.
            # JSON values are not hashable (and seldom repeat).
            processors.append((i, process, None if isinstance(kind, JSON) else {}))
    values = [_processed(row, processors) for row in rows] if processors else [
        tuple(row) for row in rows]
    if not values:
        return
    if dialect.name == "postgresql" and not skip_conflicts_on:
        # COPY: PostgreSQL's own bulk load, several times faster than an executemany.
        copy = (f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
                "FROM STDIN")
        driver = connection.connection.driver_connection  # psycopg's own connection
        assert driver is not None  # a live transaction's connection
        with driver.cursor() as cursor, cursor.copy(copy) as load:
            for value in values:
                load.write_row(value)
        return
    connection.exec_driver_sql(statement, values)


def _processed(row: Sequence[Any],
               processors: Sequence[tuple[int, _Processor, dict[Any, Any] | None]]
               ) -> tuple[Any, ...]:
    values = list(row)
    for i, process, seen in processors:  # None too: JSON writes it as 'null', as Core does
        value = values[i]
        if seen is None:
            values[i] = process(value)
            continue
        try:
            values[i] = seen[value]
        except KeyError:
            values[i] = seen[value] = process(value)
    return tuple(values)
