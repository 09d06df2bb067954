"""Load and write races against a real server: many concurrent readers and a few writers, for a
bounded time, on SQLite or PostgreSQL. Prints requests per second, latency percentiles and the
count of each status; exits 1 when any answer was a 5xx, a request failed outright, a write
was answered with anything but 200/201/409, or the server logged "database is locked".

The server is uvicorn in a subprocess on 127.0.0.1 (as `make run` serves), on a throw-away
database holding the demo data, one editor and their API token. Readers ask for the public
pages, feeds, embeds and API reads, a third of the time revalidating with the ETag they got
(as browsers do); writers PATCH one shared estimate with the version they read (all but one
of a racing group must get 409) and create new estimates.

Usage: python bench/load.py [--database sqlite|postgres] [--seconds 60] [--readers 200]
                            [--writers 5] [--postgres postgresql+psycopg://postgres@127.0.0.1/postgres]
                            [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from app.cli import DEMO_FILE  # noqa: E402
from app.db import alembic_config, make_engine, make_sessionmaker  # noqa: E402
from app.services import transfer, users  # noqa: E402

TOPIC = "north-korean-troops-in-russia"
READS = [
    ("/", 3), (f"/topics/{TOPIC}", 6), (f"/topics/{TOPIC}?exclude_parties=1", 1),
    (f"/topics/{TOPIC}?recorded=2100-01-01&as_of_to=2025-01-15", 1),
    ("/sources/south-korea-nis", 2),
    ("/topics", 1), ("/sources", 1), ("/changes", 1), ("/changes.atom", 1),
    (f"/embed/topics/{TOPIC}/killed.svg", 2), (f"/embed/topics/{TOPIC}/killed", 1),
    (f"/topics/{TOPIC}/measures/killed/timeline.svg", 1),
    (f"/topics/{TOPIC}/measures/killed.csv", 1),
    ("/api/topics", 1), (f"/api/topics/{TOPIC}", 2), ("/api/estimates?measure=killed", 1),
    ("/api/sources/south-korea-nis", 1),
]
PASSWORD_WORDS = ("lantern", "orchard", "granite", "violet", "harbour", "copper", "meadow")


@dataclass
class Tally:
    statuses: Counter[str] = field(default_factory=Counter)
    writes: Counter[str] = field(default_factory=Counter)
    read_ms: list[float] = field(default_factory=list)
    write_ms: list[float] = field(default_factory=list)
    failures: Counter[str] = field(default_factory=Counter)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def database(kind: str, admin_url: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{Path(tmp) / 'load.db'}"
        return
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"reckon_load_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def prepare(url: str) -> tuple[str, int]:
    """Migrate, load the demo data, and make an editor with a token; the estimate id raced."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        document = transfer.read_file(DEMO_FILE.name, DEMO_FILE.read_text(encoding="utf-8"))
        transfer.apply(session, document, comment="demo data")
        password = " ".join(random.sample(PASSWORD_WORDS, 5)) + secrets.token_hex(4)
        editor = users.create_user(session, "load@example.org", password, role="editor")
        token = users.create_api_token(session, editor)
        session.commit()
        raced = int(session.execute(text(
            "SELECT min(e.id) FROM estimates e JOIN measures m ON e.measure_id = m.id "
            "WHERE m.slug = 'killed'")).scalar_one())
    engine.dispose()
    return token, raced


@contextmanager
def server(url: str, log_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "RECKON_DATABASE_URL": url, "RECKON_SECRET_KEY": secrets.token_hex(32),
           "RECKON_ENVIRONMENT": "development", "RECKON_LOG_LEVEL": "WARNING"}
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "app.main:create_app",
             "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
             # A reader's connection stays open between its requests however slowly the
             # machine runs them, so a closed idle connection never counts as a failure.
             "--timeout-keep-alive", "120", "--log-level", "warning"],
            cwd=PROJECT, env=env, stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"the server did not start:\n{log_path.read_text()}")
                time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()


async def reader(client: httpx.AsyncClient, until: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    paths, weights = zip(*READS, strict=True)
    etags: dict[str, str] = {}
    while time.monotonic() < until:
        path = rng.choices(paths, weights)[0]
        headers = {"If-None-Match": etags[path]} if path in etags and rng.random() < 1 / 3 \
            else {}
        started = time.monotonic()
        try:
            response = await client.get(path, headers=headers)
        except httpx.HTTPError as exc:
            tally.failures[type(exc).__name__] += 1
            continue
        tally.read_ms.append((time.monotonic() - started) * 1000)
        tally.statuses[str(response.status_code)] += 1
        if "etag" in response.headers:
            etags[path] = response.headers["etag"]


async def writer(client: httpx.AsyncClient, until: float, tally: Tally, token: str,
                 raced: int, seed: int) -> None:
    rng = random.Random(seed)
    auth = {"Authorization": f"Bearer {token}"}
    while time.monotonic() < until:
        started = time.monotonic()
        try:
            if rng.random() < 0.8:
                current = await client.get(f"/api/estimates/{raced}")
                tally.statuses[str(current.status_code)] += 1
                version = current.json()["version"]
                response = await client.patch(
                    f"/api/estimates/{raced}", headers=auth,
                    json={"version": version, "notes": f"load {seed} {rng.random():.6f}"})
            else:
                response = await client.post("/api/estimates", headers=auth, json={
                    "topic": TOPIC, "measure": "killed", "source": "us-officials",
                    "figure": f"about {rng.randint(300, 5000):,}", "as_of": "2025-03",
                    "citations": [{"url": "https://example.org/load", "publication": "Load"}]})
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            tally.failures[type(exc).__name__] += 1
            continue
        tally.write_ms.append((time.monotonic() - started) * 1000)
        tally.statuses[str(response.status_code)] += 1
        tally.writes[str(response.status_code)] += 1


async def run_load(base: str, seconds: float, readers: int, writers: int, token: str,
                   raced: int) -> tuple[Tally, float]:
    tally = Tally()
    limits = httpx.Limits(max_connections=readers + writers,
                          max_keepalive_connections=readers + writers)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(
            *(reader(client, until, tally, i) for i in range(readers)),
            *(writer(client, until, tally, token, raced, 1000 + i) for i in range(writers)))
        return tally, time.monotonic() - started


def _percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summarise(kind: str, tally: Tally, elapsed: float, log_text: str, args: Any
              ) -> dict[str, Any]:
    total = sum(tally.statuses.values())
    locked = log_text.count("database is locked")
    server_errors = sum(n for status, n in tally.statuses.items() if status.startswith("5"))
    bad_writes = {s: n for s, n in tally.writes.items() if s not in ("200", "201", "409")}
    return {
        "database": kind, "seconds": round(elapsed, 1), "readers": args.readers,
        "writers": args.writers, "requests": total,
        "requests_per_second": round(total / elapsed, 1),
        "read_ms": {f"p{p}": round(_percentile(tally.read_ms, p), 1) for p in (50, 95, 99)},
        "write_ms": {f"p{p}": round(_percentile(tally.write_ms, p), 1) for p in (50, 95, 99)},
        "statuses": dict(sorted(tally.statuses.items())),
        "writes": dict(sorted(tally.writes.items())),
        "failures": dict(tally.failures), "server_errors": server_errors,
        "database_locked": locked, "bad_writes": bad_writes,
        "ok": not server_errors and not locked and not bad_writes and not tally.failures,
        "mean_read_ms": round(statistics.fmean(tally.read_ms), 1) if tally.read_ms else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/"
                                              "postgres", help="an admin URL for PostgreSQL")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--readers", type=int, default=200)
    parser.add_argument("--writers", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    args = parser.parse_args()
    with database(args.database, args.postgres) as url, tempfile.TemporaryDirectory() as tmp:
        token, raced = prepare(url)
        log_path = Path(tmp) / "server.log"
        with server(url, log_path) as base:
            tally, elapsed = asyncio.run(run_load(base, args.seconds, args.readers,
                                                  args.writers, token, raced))
        summary = summarise(args.database, tally, elapsed, log_path.read_text(), args)
    if args.json:
        print(json.dumps(summary))
    else:
        print(f"{summary['database']}: {args.readers} readers + {args.writers} writers for "
              f"{summary['seconds']} s: {summary['requests']} requests, "
              f"{summary['requests_per_second']} per second")
        print(f"  reads  p50 {summary['read_ms']['p50']} ms  p95 {summary['read_ms']['p95']} ms"
              f"  p99 {summary['read_ms']['p99']} ms")
        print(f"  writes p50 {summary['write_ms']['p50']} ms  p95 "
              f"{summary['write_ms']['p95']} ms  p99 {summary['write_ms']['p99']} ms")
        print(f"  statuses {summary['statuses']}  writes {summary['writes']}")
        print(f"  failed requests {summary['failures']}  5xx {summary['server_errors']}  "
              f"'database is locked' {summary['database_locked']}  "
              f"{'OK' if summary['ok'] else 'NOT OK'}")
    sys.exit(0 if summary["ok"] else 1)


if __name__ == "__main__":
    main()
