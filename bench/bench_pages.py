"""Measure response times and SQL query counts as the number of estimates grows.

Numbers are printed, never asserted: compare runs by eye or keep the output.
Usage: python bench/bench_pages.py [--sizes 10,1000,10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event

from app.cli import alembic_config
from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.logs import configure_logging
from app.main import create_app
from app.services import transfer

HEADER = ",".join(transfer.CSV_COLUMNS)
PATHS = ["/", "/topics/bench", "/topics/bench?recorded=2100-01-01", "/sources/source-1",
         "/embed/topics/bench/killed.svg", "/api/topics", "/api/topics/bench",
         "/api/estimates?topic=bench&per_page=50", "/api/sources/source-1", "/changes"]


def _dataset(n: int) -> str:
    rows = []
    for i in range(n):
        source = f"source-{i % 25}"
        measure = ("killed", "wounded", "deployed", "casualties")[i % 4]
        low = 300 + (i * 37) % 1_000_000
        month = 1 + i % 12
        rows.append(f"bench,{measure},{source},{low},{low * 2},,,2024-{month:02d},,"
                    f"https://example.org/{i},Paper {i % 7},,en,")
    return HEADER + "\n" + "\n".join(rows)


def run(size: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        from alembic import command

        command.upgrade(alembic_config(url), "head")  # type: ignore[arg-type]
        engine = make_engine(url)
        with make_sessionmaker(engine)() as session:
            transfer.apply(session, transfer.read_csv(_dataset(size)))
            session.commit()
        queries = 0

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_: object) -> None:
            nonlocal queries
            queries += 1

        app = create_app(Settings(environment="test", database_url=url, secret_key="b" * 32,
                                  log_level="WARNING"), engine=engine)
        with TestClient(app) as client:
            for path in PATHS:
                client.get(path)  # warm up
                queries = 0
                times = []
                for _ in range(repeat):
                    start = time.perf_counter()
                    response = client.get(path)
                    times.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, response.text
                per_request = queries // repeat
                print(f"{size:>7} estimates  {path:<45} median {statistics.median(times):7.1f} ms"
                      f"  p95 {sorted(times)[int(0.95 * (len(times) - 1))]:7.1f} ms"
                      f"  {per_request} queries")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="10,1000,5000")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    configure_logging("WARNING")  # the import's audit events are not the benchmark's output
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.repeat)


if __name__ == "__main__":
    main()
