"""Render one large topic's pages and print their size, time and SQL queries per size.

A seeded, realistic topic: ~30 sources (a few publishing often), four measures, figures over
three years known to a day, a month or a year (some only by the day they were stated), some
partial scopes, one or two citations each, and a revision per figure (for ?recorded=). Pages
are rendered in-process (Starlette's TestClient) and, with --http, through uvicorn over a socket.
Numbers are printed, never asserted: compare runs on the same machine.

Usage: python bench/bench_topic.py [--sizes 2000,20000] [--repeat 15] [--http]
                                   [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import random
import socket
import statistics
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, event, insert, text

from app.config import Settings
from app.db import alembic_config, make_engine, make_sessionmaker
from app.main import create_app
from app.models import Citation, Estimate, Measure, Revision, Source, Topic, place
from app.services import chain

TOPIC = "bench"
MEASURES = (("deployed", "Deployed", 12_000), ("killed", "Killed", 1_500),
            ("wounded", "Wounded", 4_000), ("casualties", "Casualties", 5_500))
SOURCES = 30
START = dt.date(2023, 1, 1)
DAYS = 3 * 365
PAGES = {
    "topic": f"/topics/{TOPIC}",
    "topic as recorded": f"/topics/{TOPIC}?recorded=2100-01-01&as_of_to=2025-06-30",
    "topic, chosen": f"/topics/{TOPIC}?exclude_parties=1&as_of_from=2024-01-01",
    "all figures p.2": f"/topics/{TOPIC}/measures/killed/figures?page=2",
    "embed svg": f"/embed/topics/{TOPIC}/casualties.svg",
    "timeline image": f"/topics/{TOPIC}/measures/killed/timeline.svg",
    "narrow chart": f"/topics/{TOPIC}/measures/killed/range.svg?layout=narrow",
}
SCOPES = ("increment", "period", "area", "plan", "broader")


def _figure(rng: random.Random, scale: int, day: int) -> dict[str, Any]:
    """A figure growing over time around the measure's scale, in the shapes sources use."""
    centre = int(scale * (0.3 + day / DAYS) * rng.uniform(0.6, 1.4))
    shape = rng.random()
    if shape < 0.45:
        return {"low": centre, "high": centre, "qualifier": "about"}
    if shape < 0.75:
        return {"low": int(centre * 0.8), "high": int(centre * 1.2), "qualifier": "between"}
    if shape < 0.88:
        return {"low": centre, "high": None, "qualifier": "at_least"}
    if shape < 0.95:
        return {"low": None, "high": centre, "qualifier": "up_to"}
    return {"low": centre, "high": centre, "qualifier": "exact"}


def _dates(rng: random.Random, day: dt.date) -> dict[str, Any]:
    kind = rng.random()
    if kind < 0.6:
        return {"as_of": day, "as_of_precision": "day"}
    if kind < 0.9:
        return {"as_of": day.replace(day=1), "as_of_precision": "month"}
    if kind < 0.95:
        return {"as_of": day.replace(month=1, day=1), "as_of_precision": "year"}
    return {"stated_on": day, "stated_on_precision": "day"}  # placed by the day it was said


def seed(engine: Engine, size: int, seed_value: int = 7) -> None:
    """`size` estimates in one topic, inserted in bulk (the import code would take minutes)."""
    rng = random.Random(seed_value)
    now = dt.datetime.now(dt.UTC)
    with make_sessionmaker(engine)() as session:
        topic = Topic(slug=TOPIC, title="Bench topic", summary="Seeded figures.")
        session.add(topic)
        session.flush()
        measures = [Measure(topic_id=topic.id, slug=slug, label=label, position=i)
                    for i, (slug, label, _) in enumerate(MEASURES)]
        sources = [Source(slug=f"source-{i}", name=f"Source number {i} of the bench",
                          short_name=f"S{i}", kind=("government", "media", "ngo")[i % 3],
                          party_to_conflict=i % 7 == 0) for i in range(SOURCES)]
        session.add_all([*measures, *sources])
        session.flush()
        # A few sources publish often, most now and then; each covers one to three measures,
        # and a third of them also give partial figures of one or two kinds.
        weights = [8.0 if i < 3 else rng.uniform(0.5, 2.0) for i in range(SOURCES)]
        covers = {i: rng.sample(range(len(MEASURES)), rng.randint(1, 3)) for i in range(SOURCES)}
        partials = {i: rng.sample(SCOPES, rng.randint(1, 2)) if i % 3 == 0 else []
                    for i in range(SOURCES)}
        estimates, citations, revisions = [], [], []
        for n in range(1, size + 1):
            s = rng.choices(range(SOURCES), weights)[0]
            m = rng.choice(covers[s])
            day = START + dt.timedelta(days=rng.randrange(DAYS))
            partial = bool(partials[s]) and rng.random() < 0.2
            row: dict[str, Any] = {
                "id": n, "measure_id": measures[m].id, "source_id": sources[s].id,
                **_figure(rng, MEASURES[m][2], (day - START).days), "best": None,
                "as_of": None, "as_of_precision": None, "stated_on": None,
                "stated_on_precision": None, **_dates(rng, day),
                "scope": rng.choice(partials[s]) if partial else "total",
                "scope_note": "one region only" if partial else "",
                "confidence": "uncertain" if rng.random() < 0.05 else "reported",
                "confidence_note": "", "claimant": "", "notes": "", "status": "active",
                "version": 1, "created_at": now, "updated_at": now,
            }
            if row["confidence"] == "uncertain":
                row["confidence_note"] = "the date is inferred"
            estimates.append(row)
            for c in range(1 + (n % 3 == 0)):
                citations.append({
                    "estimate_id": n, "position": c, "url": f"https://example.org/{n}/{c}",
                    "publication": f"Paper {n % 11}", "title": f"Report {n}",
                    "published_on": day + dt.timedelta(days=rng.randrange(5)),
                    "quote": "About so many were counted, according to officials.",
                    "language": "en"})
            revisions.append({
                "estimate_id": n, "number": 1, "action": "create", "before": None,
                "created_at": now, "comment": "bench",
                "after": {k: (v.isoformat() if isinstance(v, dt.date) else v)
                          for k, v in row.items() if k in (
                              "low", "high", "best", "qualifier", "scope", "scope_note",
                              "confidence", "confidence_note", "claimant", "notes", "status")}
                | {"as_of": _iso(row, "as_of"), "stated_on": _iso(row, "stated_on"),
                   "citations": []}})
        for table, rows in ((Estimate, estimates), (Citation, citations)):
            for start in range(0, len(rows), 5_000):
                session.execute(insert(table), rows[start:start + 5_000])
        chain.append(session, Revision, revisions)  # each in its place in the history's chain
        place(session)  # what the ORM does after a flush, done once for the bulk insert
        session.commit()
    if engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of a bulk load: the planner's statistics.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


def _iso(row: dict[str, Any], name: str) -> str | None:
    value, precision = row[name], row[f"{name}_precision"]
    if value is None:
        return None
    return {"day": value.isoformat(), "month": value.isoformat()[:7],
            "year": value.isoformat()[:4]}[precision]


@contextmanager
def database(postgres: str | None) -> Iterator[str]:
    """A throw-away database: SQLite in a temporary directory, or one on PostgreSQL."""
    if postgres is None:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    name = f"reckon_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _timed(get: Callable[[], tuple[int, bytes]], repeat: int) -> tuple[list[float], bytes]:
    get()  # warm up (templates compiled, caches filled)
    times, body = [], b""
    for _ in range(repeat):
        start = time.perf_counter()
        status, body = get()
        times.append((time.perf_counter() - start) * 1000)
        assert status == 200, body[:500]
    return times, body


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(size: int, repeat: int, http: bool, postgres: str | None) -> None:
    from alembic import command

    with database(postgres) as url:
        command.upgrade(alembic_config(url), "head")  # type: ignore[arg-type]
        engine = make_engine(url)
        seed(engine, size)
        queries = 0

        @event.listens_for(engine, "before_cursor_execute")
        def _count(*_: object) -> None:
            nonlocal queries
            queries += 1

        app = create_app(Settings(environment="test", database_url=url, secret_key="b" * 32),
                         engine=engine)
        kind = "postgresql" if postgres else "sqlite"
        with TestClient(app) as client:
            for name, path in PAGES.items():
                def get(path: str = path) -> tuple[int, bytes]:
                    response = client.get(path)
                    return response.status_code, response.content

                queries = 0
                times, body = _timed(get, repeat)
                _print(size, kind, "in-process", name, times, body, queries // (repeat + 1))
        if http:
            import uvicorn

            port = _free_port()
            server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                                   log_level="warning"))
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                time.sleep(0.05)
            for name, path in PAGES.items():
                def fetch(path: str = path) -> tuple[int, bytes]:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as response:
                        return int(response.status), bytes(response.read())

                queries = 0
                times, body = _timed(fetch, repeat)
                _print(size, kind, "http", name, times, body, queries // (repeat + 1))
            server.should_exit = True
            thread.join()
        engine.dispose()


def _print(size: int, kind: str, how: str, name: str, times: list[float], body: bytes,
           queries: int) -> None:
    nbytes, zipped = len(body), len(gzip.compress(body, 6))
    p95 = sorted(times)[round(0.95 * (len(times) - 1))]
    print(f"{size:>7} estimates  {kind:<10} {how:<10} {name:<16} {nbytes / 1024:7.1f} KB"
          f" ({zipped / 1024:5.1f} KB gzipped)  median {statistics.median(times):6.1f} ms"
          f"  p95 {p95:6.1f} ms  {queries:>3} queries", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--http", action="store_true", help="also over HTTP through uvicorn")
    parser.add_argument("--postgres", metavar="ADMIN_URL",
                        help="use a throw-away database on this PostgreSQL server")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        run(size, args.repeat, args.http, args.postgres)


if __name__ == "__main__":
    main()
