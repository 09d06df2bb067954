"""The database's share of `reckon import` on SQLite: every statement the import writes with,
recorded as it runs, then replayed into a fresh database of the same schema (migrated to head:
its indexes, CHECKs, foreign keys and triggers) in one transaction with nothing between them.
The replay's time is what the import would take if Reckon's own Python cost nothing — the
floor its tables set, which no change to the importer's code can go below.

Run by compare.py in a child process with Reckon's settings in the environment:
    python bench/import_floor.py FILE.csv REPLAY.db   → prints {"replay_s": …, "statements": …}
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from alembic import command
from sqlalchemy import Engine, event

from app import cli
from app.db import alembic_config, make_engine

# What changes the database (and the page cache size the import sets while it writes).
_WRITES = ("INSERT", "UPDATE", "DELETE", "PRAGMA cache_size=")


def record(path: Path) -> list[tuple[str, Any, bool]]:
    """Import `path` with `reckon import` in this process; answers its writing statements
    with their parameters, in order."""
    seen: list[tuple[str, Any, bool]] = []

    def listen(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
               executemany: bool) -> None:
        if statement.lstrip().upper().startswith(_WRITES):
            seen.append((statement, parameters, executemany))

    event.listen(Engine, "before_cursor_execute", listen)
    try:
        if cli.main(["import", str(path)]) != 0:
            raise RuntimeError("reckon import failed")
    finally:
        event.remove(Engine, "before_cursor_execute", listen)
    return seen


def replay(statements: list[tuple[str, Any, bool]], target: Path) -> float:
    """Seconds to run `statements` in one transaction on a fresh database at `target`,
    committed, on a connection set up as the app's are."""
    url = f"sqlite:///{target}"
    command.upgrade(alembic_config(url), "head")  # type: ignore[arg-type]
    engine = make_engine(url)
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        start = time.perf_counter()
        cursor.execute("BEGIN IMMEDIATE")
        for statement, parameters, many in statements:
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
        cursor.execute("COMMIT")
        return time.perf_counter() - start
    finally:
        raw.close()
        engine.dispose()


def main() -> int:
    source, target = Path(sys.argv[1]), Path(sys.argv[2])
    statements = record(source)
    seconds = replay(statements, target)
    print(json.dumps({"replay_s": seconds, "statements": len(statements)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
