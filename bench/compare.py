"""Reckon against Datasette on the same synthetic data (issue 13): pages, revalidation, import.

Generates the seeded data set (bench/synthetic.py: 50 topics × 6 measures × 30 sources),
imports it with `reckon import` into a throw-away database and builds one SQLite table of the
same rows for Datasette 0.65.5 (installed into bench/.datasette-venv on first use). Each is
served by one uvicorn worker on 127.0.0.1, as is a bare ASGI app answering the same bytes from
memory (the ceiling). `wrk` (or a Python load generator when it is absent) measures every
target at 32 connections and at 1, in interleaved rounds; then the import of 10k and all rows
against a bare `executemany`, the render time of one topic at 2,000 and 20,000 estimates
(bench/bench_topic.py) and, for each page, the top functions of one profiled render.

Only the CLI, HTTP and the import file format are used, so the app may change underneath.
Numbers are printed (and written with --json), never asserted.

Usage: python bench/compare.py [--rows 100000] [--quick] [--duration 10] [--rounds 3]
                               [--database sqlite|postgres] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

BENCH = Path(__file__).resolve().parent
PROJECT = BENCH.parent
sys.path.insert(0, str(BENCH))

import synthetic  # noqa: E402

BIN = Path(sys.executable).parent
DATASETTE = "datasette==0.65.5"
DS_VENV = BENCH / ".datasette-venv"
DS_PACKAGES = (DATASETTE, "uvicorn==0.54.0", "httptools", "uvloop")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
SVG_MEASURE = "killed"  # every topic has it (bench/synthetic.py)
UVICORN = ("--workers", "1", "--no-access-log", "--log-level", "warning",
           "--host", "127.0.0.1")


# --- processes ------------------------------------------------------------------------------

SERVERS: list[int] = []  # pids of the running servers


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


SETTLE = [180.0]  # --settle


def settle() -> None:
    """Wait until every server is idle: requests whose clients left when a run ended are still
    rendered, and must not be charged to the next run."""
    deadline = time.monotonic() + SETTLE[0]
    before = sum(_cpu_seconds(pid) for pid in SERVERS)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = sum(_cpu_seconds(pid) for pid in SERVERS)
        if now - before < 0.03:
            return
        before = now


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_datasette() -> Path:
    python = DS_VENV / "bin" / "python"
    marker = DS_VENV / ".installed"
    if not marker.exists() or marker.read_text() != " ".join(DS_PACKAGES):
        print(f"Installing {DATASETTE} into {DS_VENV} …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(DS_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        *DS_PACKAGES], check=True)
        marker.write_text(" ".join(DS_PACKAGES))
    return DS_VENV / "bin" / "uvicorn"


@contextmanager
def server(argv: list[str], env: dict[str, str], port: int, log: Path,
           ready: str = "/") -> Iterator[str]:
    """A uvicorn subprocess on 127.0.0.1:port, stopped (by its pid) on exit."""
    with log.open("w") as out:
        proc = subprocess.Popen([*argv, "--port", str(port)], env={**os.environ, **env},
                                cwd=PROJECT, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    SERVERS.append(proc.pid)
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited: {log.read_text()[-2000:]}")
            try:
                httpx.get(base + ready, timeout=60)
                break
            except httpx.TransportError as exc:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{argv[0]} did not start: "
                                       f"{log.read_text()[-2000:]}") from exc
                time.sleep(0.2)
        yield base
    finally:
        SERVERS.remove(proc.pid)
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def reckon_database(kind: str, admin_url: str, workdir: Path, name: str) -> Iterator[str]:
    """SQLite in the work folder (kept with --workdir), or a throw-away PostgreSQL database."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / (name + '.db')}"
        return
    import bench_topic

    with bench_topic.database(admin_url) as url:
        yield url


def reckon_env(url: str, page_cache_mb: int | None = None) -> dict[str, str]:
    """The settings Reckon is served with; `page_cache_mb=0` renders every request."""
    cache = {} if page_cache_mb is None else {"RECKON_PAGE_CACHE_MB": str(page_cache_mb)}
    return {**cache, "RECKON_DATABASE_URL": url, "RECKON_ENVIRONMENT": "development",
            "RECKON_ALLOWED_HOSTS": "127.0.0.1,localhost", "RECKON_REVIEW": "off",
            "RECKON_CAPTURE": "false", "RECKON_SECRET_KEY": secrets.token_urlsafe(48)}


# --- import ---------------------------------------------------------------------------------

@dataclass
class ImportRun:
    rows: int
    seconds: float
    peak_mb: float
    summary: str
    floor_s: float | None = None  # the database's share alone (import_floor), SQLite only


def reckon_import(url: str, path: Path, rows: int, log: Path) -> ImportRun:
    env = {**os.environ, **reckon_env(url)}
    subprocess.run([str(BIN / "reckon"), "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    start = time.perf_counter()
    out = log.with_suffix(".out")
    with log.open("w") as err, out.open("w") as stdout:
        proc = subprocess.Popen([str(BIN / "reckon"), "import", str(path)], env=env,
                                stdout=stdout, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    summary = [line for line in out.read_text().splitlines() if "created" in line]
    if proc.returncode != 0 or not summary:
        raise RuntimeError(f"reckon import failed ({proc.returncode}): "
                           f"{out.read_text()[-2000:]}\n{log.read_text()[-3000:]}")
    return ImportRun(rows, seconds, usage.ru_maxrss / 1024, summary[-1].split(";")[0].strip())


def import_floor(path: Path, workdir: Path) -> float:
    """Seconds the database alone takes for `reckon import` of `path` on SQLite: its
    statements recorded, then replayed with nothing between them (bench/import_floor.py)."""
    recorded, replayed = workdir / "floor-recorded.db", workdir / "floor-replayed.db"
    for db in (recorded, replayed):
        db.unlink(missing_ok=True)
    env = {**os.environ, **reckon_env(f"sqlite:///{recorded}"),
           "PYTHONPATH": str(BENCH.parent)}
    subprocess.run([str(BIN / "reckon"), "db", "upgrade"], env=env, check=True,
                   capture_output=True)
    done = subprocess.run([str(BIN / "python"), str(BENCH / "import_floor.py"), str(path),
                           str(replayed)], env=env, check=True, capture_output=True, text=True)
    seconds = float(json.loads(done.stdout.strip().splitlines()[-1])["replay_s"])
    for db in (recorded, replayed):
        db.unlink(missing_ok=True)
    return seconds


def executemany(rows: list[list[str]], path: Path, index: bool = False) -> float:
    """The same rows into one SQLite table with one executemany in one transaction."""
    path.unlink(missing_ok=True)
    conn = sqlite3.connect(path)
    typed = {"low": "INTEGER", "high": "INTEGER", "best": "INTEGER"}
    columns = ", ".join(f"[{c}] {typed.get(c, 'TEXT')}" for c in synthetic.COLUMNS)
    conn.execute(f"CREATE TABLE estimates (id INTEGER PRIMARY KEY, {columns})")
    marks = ", ".join("?" for _ in synthetic.COLUMNS)
    names = ", ".join(f"[{c}]" for c in synthetic.COLUMNS)
    values = [[v.replace(",", "") if c in typed else v
               for c, v in zip(synthetic.COLUMNS, row, strict=True)] for row in rows]
    start = time.perf_counter()  # only the database's work is timed
    with conn:
        conn.executemany(f"INSERT INTO estimates ({names}) VALUES ({marks})", values)
    seconds = time.perf_counter() - start
    if index:
        conn.execute("CREATE INDEX estimates_topic ON estimates (topic)")
        conn.execute("CREATE INDEX estimates_source ON estimates (source)")
        conn.execute("ANALYZE")
        conn.commit()
    conn.close()
    return seconds


# --- load -----------------------------------------------------------------------------------

@dataclass
class Target:
    name: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    status: int = 200
    size: int = 0
    runs: dict[int, list[dict[str, float]]] = field(default_factory=dict)


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 6e4}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def run_wrk(target: Target, connections: int, duration: float) -> dict[str, float]:
    argv = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{duration:g}s",
            "--timeout", "30s", "--latency"]
    for name, value in target.headers.items():
        argv += ["-H", f"{name}: {value}"]
    out = subprocess.run([*argv, target.url], capture_output=True, text=True,
                         check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+([\d.]+[a-z]+)\s*$", out, re.MULTILINE)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       out)
    done = re.search(r"(\d+) requests in", out)
    if done and int(done.group(1)) == 0:
        p50 = None  # nothing completed within the run: no latency to speak of
    return {"rps": rps, "p50_ms": _ms(p50.group(1)) if p50 else float("nan"),
            "bad": float(bad.group(1)) if bad else 0.0,
            "errors": float(sum(int(g) for g in errors.groups())) if errors else 0.0}


def run_python(target: Target, connections: int, duration: float) -> dict[str, float]:
    """What wrk measures, with httpx, for machines without wrk."""
    latencies: list[float] = []
    bad = 0

    async def worker(client: httpx.AsyncClient, deadline: float) -> None:
        nonlocal bad
        while time.perf_counter() < deadline:
            start = time.perf_counter()
            response = await client.get(target.url, headers=target.headers)
            latencies.append((time.perf_counter() - start) * 1000)
            bad += response.status_code >= 400

    async def main() -> float:
        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(limits=limits, timeout=30) as client:
            start = time.perf_counter()
            await asyncio.gather(*(worker(client, start + duration) for _ in range(connections)))
            return time.perf_counter() - start

    elapsed = asyncio.run(main())
    return {"rps": len(latencies) / elapsed, "p50_ms": statistics.median(latencies),
            "bad": float(bad), "errors": 0.0}


def measure(targets: list[Target], connections: list[int], duration: float,
            rounds: int) -> str:
    tool = "wrk" if shutil.which("wrk") else "python"
    run = run_wrk if tool == "wrk" else run_python
    for r in range(rounds):
        for target in targets:
            for c in connections:
                settle()
                result = run(target, c, duration)
                target.runs.setdefault(c, []).append(result)
                print(f"  round {r + 1}/{rounds}  {target.name:<34} c={c:<3}"
                      f" {result['rps']:9.1f} req/s  p50 {result['p50_ms']:9.1f} ms"
                      + (f"  {result['bad']:.0f} bad" if result["bad"] else "")
                      + (f"  {result['errors']:.0f} socket errors" if result["errors"] else ""),
                      flush=True)
    return tool


def median_rps(target: Target, c: int) -> float:
    return statistics.median(r["rps"] for r in target.runs[c])


# --- in-process: render growth and profiles -------------------------------------------------

def render_growth(sizes: list[int], repeat: int) -> dict[int, float]:
    """Median in-process render of one topic page per size (bench_topic's seeded topic)."""
    import bench_topic
    from alembic import command
    from fastapi.testclient import TestClient

    from app.config import Settings
    from app.db import alembic_config, make_engine
    from app.main import create_app

    result = {}
    for size in sizes:
        with bench_topic.database(None) as url:
            command.upgrade(alembic_config(url), "head")  # type: ignore[arg-type]
            engine = make_engine(url)
            bench_topic.seed(engine, size)
            # The collector tuned as a served app tunes it (RECKON_GC_TUNING's default outside
            # tests): what a render costs where it runs.
            app = create_app(Settings(environment="test", database_url=url,
                                      secret_key="b" * 32, gc_tuning=True), engine=engine)
            with TestClient(app) as client:
                def get() -> tuple[int, bytes]:
                    response = client.get(f"/topics/{bench_topic.TOPIC}")
                    return response.status_code, response.content

                times, _ = bench_topic._timed(get, repeat)
            engine.dispose()
        result[size] = statistics.median(times)
        print(f"  topic page at {size:,} estimates: median {result[size]:.1f} ms", flush=True)
    return result


NOISE = ("/starlette/", "/fastapi/", "/anyio/", "/asyncio/", "/threading.py", "/concurrent/",
         "/httpx/", "/h11/", "/selectors.py", "/queue.py", "/contextlib.py", "/socket.py",
         "/ssl.py", "/logging/", "/structlog/", "/cProfile.py", "/pstats.py")


def profiles(url: str, paths: dict[str, str],
             top: int = 5) -> tuple[dict[str, list[str]], dict[str, float]]:
    """For each page, the functions with the largest cumulative time in one render, in every
    thread (a profiler is started in each thread the app uses), without the framework's
    plumbing and the wrappers that enclose the whole request; and the milliseconds of one
    render without the profiler (median of five, page cache off: every request renders)."""
    import cProfile
    import pstats
    import threading

    saved = dict(os.environ)
    os.environ.update(reckon_env(url, page_cache_mb=0))
    from fastapi.testclient import TestClient

    from app.main import create_app

    profilers: list[cProfile.Profile] = []

    def start(*_: object) -> None:
        sys.setprofile(None)
        profiler = cProfile.Profile()
        profilers.append(profiler)
        profiler.enable()

    out: dict[str, list[str]] = {}
    render_ms: dict[str, float] = {}
    try:
        with TestClient(create_app(), base_url="http://127.0.0.1") as client:
            # Timed first, with no profiler anywhere (a thread's profiler can only be
            # stopped from that thread).
            for name, path in paths.items():
                client.get(path)  # warm up
                times = []
                for _ in range(5):
                    began = time.perf_counter()
                    client.get(path)
                    times.append((time.perf_counter() - began) * 1000)
                render_ms[name] = statistics.median(times)
        threading.setprofile(start)  # type: ignore[arg-type]
        with TestClient(create_app(), base_url="http://127.0.0.1") as client:
            for name, path in paths.items():
                client.get(path)  # warm up
                for profiler in profilers:
                    profiler.clear()
                began = time.perf_counter()
                client.get(path)
                total = time.perf_counter() - began
                stats = pstats.Stats(*profilers) if profilers else None
                out[name] = _top(stats, total, top) if stats else []
                print(f"  profiled {name} ({total * 1000:.0f} ms; unprofiled "
                      f"{render_ms[name]:.0f} ms)", flush=True)
    finally:
        threading.setprofile(None)  # type: ignore[arg-type]
        for profiler in profilers:
            profiler.disable()
        os.environ.clear()
        os.environ.update(saved)
    return out, render_ms


WAITING = ("poll", "acquire", "Context", "send", "recv", "sleep", "join", "wait", "select")


def _top(stats: Any, total: float, top: int) -> list[str]:
    """The largest cumulative times, one per level of a chain of wrappers (a function within
    3 % of one already listed is taken for its caller or callee and skipped)."""
    rows = []
    for (filename, line, function), (_, _, _, cumulative, _) in stats.stats.items():
        if any(n in filename for n in NOISE) or cumulative > 0.9 * total:
            continue
        if filename == "~":
            if any(w in function for w in WAITING):
                continue
            where = "built-in"
        elif filename.startswith(str(PROJECT)):
            where = f"{Path(filename).relative_to(PROJECT)}:{line}"
        else:
            where = re.sub(r".*/site-packages/", "", filename) + f":{line}"
        rows.append((cumulative, f"`{function}` ({where})"))
    rows.sort(reverse=True)
    chosen: list[tuple[float, str]] = []
    for seconds, name in rows:
        if all(abs(seconds - other) > 0.03 * total for other, _ in chosen):
            chosen.append((seconds, name))
        if len(chosen) == top:
            break
    return [f"{name} {seconds * 1000:,.0f} ms ({seconds / total:.0%})"
            for seconds, name in chosen]


# --- report ---------------------------------------------------------------------------------

def _fmt(target: Target, c: int) -> str:
    rps = [r["rps"] for r in target.runs.get(c, [])]
    if not rps:
        return "—"
    med = statistics.median(rps)
    digits = 0 if med >= 100 else 1
    return f"{med:,.{digits}f} ({min(rps):,.{digits}f}–{max(rps):,.{digits}f})"


def _p50(target: Target, c: int) -> str:
    values = [r["p50_ms"] for r in target.runs.get(c, []) if r["p50_ms"] == r["p50_ms"]]
    return f"{statistics.median(values):,.1f} ms" if values else "— (none done)"


def _size(n: int) -> str:
    return f"{n / 1024:,.0f} KB" if n >= 10_240 else f"{n:,} B"


def table(targets: list[Target], connections: list[int]) -> str:
    head = ["target", *(f"req/s at {c} (min–max)" for c in connections),
            *(f"p50 at {c}" for c in connections), "size"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for t in targets:
        cells = [f"{t.name} `{re.sub(r'^http://[^/]+', '', t.url)}`",
                 *(_fmt(t, c) for c in connections), *(_p50(t, c) for c in connections),
                 _size(t.size) + (" (304)" if t.status == 304 else "")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def ratio_line(name: str, value: float | None, goal: str, ok: bool | None) -> str:
    shown = "—" if value is None else f"{value:,.2f}"
    verdict = "n/a" if ok is None else ("PASS" if ok else "MISS")
    return f"| {name} | {shown} | {goal} | {verdict} |"


# --- main -----------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000, help="estimates to generate")
    parser.add_argument("--quick", action="store_true",
                        help="10,000 estimates, 5-second runs, 2 rounds, fewer renders")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", default="32,1")
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres", default=POSTGRES, metavar="ADMIN_URL")
    parser.add_argument("--render-sizes", default="2000,20000")
    parser.add_argument("--render-repeat", type=int, default=15)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--settle", type=float, default=180.0,
                        help="at most this many seconds to wait for idle servers between runs")
    parser.add_argument("--json", metavar="FILE", help="write the raw numbers there")
    parser.add_argument("--workdir", help="keep the files there (default: a temporary one)")
    args = parser.parse_args()
    # Stopped with SIGTERM, the servers and throw-away databases are still cleaned up.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.quick:
        args.rows, args.duration, args.rounds, args.render_repeat = 10_000, 5.0, 2, 5
    connections = [int(c) for c in args.connections.split(",")]
    SETTLE[0] = args.settle
    started = dt.datetime.now(dt.UTC)

    with ExitStack() as stack:
        workdir = Path(args.workdir or stack.enter_context(tempfile.TemporaryDirectory()))
        workdir.mkdir(parents=True, exist_ok=True)
        ds_uvicorn = ensure_datasette()

        print(f"Generating {args.rows:,} estimates (seed {args.seed}) …", flush=True)
        data = synthetic.generate(args.rows, args.seed)
        rows = len(data.rows)
        full_csv = workdir / "estimates.csv"
        full_csv.write_text(data.csv_text(), encoding="utf-8")
        sizes = sorted({min(10_000, rows), rows})
        files = {rows: full_csv}
        for n in sizes:
            if n != rows:
                files[n] = workdir / f"estimates-{n}.csv"
                part = synthetic.Dataset(data.rows[:n], "", 0, "", 0, "")
                files[n].write_text(part.csv_text(), encoding="utf-8")
        print(f"  {rows:,} rows (one a citation); busiest topic {data.busiest_topic} "
              f"({data.busiest_topic_rows:,} estimates), busiest source {data.busiest_source} "
              f"({data.busiest_source_rows:,})", flush=True)

        print("Bare executemany into one SQLite table (and Datasette's database) …", flush=True)
        bare = {n: statistics.median(executemany(data.rows[:n], workdir / "bare.db")
                                     for _ in range(3)) for n in sizes}
        ds_db = workdir / "bench.db"
        executemany(data.rows, ds_db, index=True)
        for n, seconds in bare.items():
            print(f"  {n:,} rows: {seconds:.2f} s", flush=True)
        topic, source, word = data.busiest_topic, data.busiest_source, data.search_word
        del data
        gc.collect()

        print(f"Importing with `reckon import` ({args.database}) …", flush=True)
        imports: dict[int, ImportRun] = {}
        url = ""
        for n in sizes:
            db_url = stack.enter_context(
                reckon_database(args.database, args.postgres, workdir, f"reckon{n}"))
            imports[n] = reckon_import(db_url, files[n], n, workdir / f"import-{n}.log")
            print(f"  {n:,} rows: {imports[n].seconds:.1f} s, peak {imports[n].peak_mb:.0f} MB"
                  f" — {imports[n].summary}", flush=True)
            url = db_url  # the largest is served
        if args.database == "sqlite":
            print("The database's share of the import: its statements replayed …", flush=True)
            for n in sizes:
                imports[n].floor_s = import_floor(files[n], workdir)
                print(f"  {n:,} rows: {imports[n].floor_s:.1f} s", flush=True)

        servers = stack.enter_context(ExitStack())
        reckon = servers.enter_context(server(
            [str(BIN / "uvicorn"), "--factory", "app.main:create_app", *UVICORN],
            reckon_env(url), free_port(), workdir / "reckon.log"))
        # The same app with its page cache off: what rendering each request costs.
        rendering = servers.enter_context(server(
            [str(BIN / "uvicorn"), "--factory", "app.main:create_app", *UVICORN],
            reckon_env(url, page_cache_mb=0), free_port(), workdir / "reckon-rendering.log"))
        datasette = servers.enter_context(server(
            [str(ds_uvicorn), "--app-dir", str(BENCH / "servers"), "datasette_app:app",
             *UVICORN], {"BENCH_DB": str(ds_db)}, free_port(), workdir / "datasette.log"))
        page = httpx.get(f"{reckon}/topics/{topic}", timeout=120)
        page.raise_for_status()
        etag = page.headers.get("etag", "")
        (workdir / "page.html").write_bytes(page.content)
        ceiling = servers.enter_context(server(
            [str(BIN / "uvicorn"), "--app-dir", str(BENCH / "servers"), "ceiling:app",
             *UVICORN], {"BENCH_BODY": str(workdir / "page.html"), "BENCH_ETAG": etag,
                         "BENCH_TYPE": page.headers.get("content-type", "text/html")},
            free_port(), workdir / "ceiling.log"))
        revalidate = {"If-None-Match": etag}
        targets = [
            Target("Reckon topic page", f"{reckon}/topics/{topic}"),
            Target("Reckon topic page, 304", f"{reckon}/topics/{topic}", revalidate, 304),
            Target("Reckon topic page, page cache off", f"{rendering}/topics/{topic}"),
            Target("Ceiling: same bytes from memory", f"{ceiling}/"),
            Target("Ceiling: 304 from memory", f"{ceiling}/", revalidate, 304),
            Target("Datasette table page", f"{datasette}/bench/estimates?topic={topic}"),
            Target("Datasette table JSON", f"{datasette}/bench/estimates.json?topic={topic}"),
            Target("Reckon topic JSON", f"{reckon}/api/topics/{topic}"),
            Target("Reckon embed SVG", f"{reckon}/embed/topics/{topic}/{SVG_MEASURE}.svg"),
            Target("Reckon home page", f"{reckon}/"),
            Target("Reckon source page", f"{reckon}/sources/{source}"),
            Target("Reckon search page", f"{reckon}/?q={word}"),
            Target("Reckon search API", f"{reckon}/api/search?q={word}"),
        ]
        for t in targets:
            response = httpx.get(t.url, headers=t.headers, timeout=120)
            if response.status_code != t.status:
                raise RuntimeError(f"{t.name}: {response.status_code}, not {t.status}: "
                                   f"{response.text[:300]}")
            t.size = len(response.content)
        if not etag:
            print("  (the topic page sent no ETag: the 304 rows measure full pages)")
        print(f"Load: {args.rounds} rounds × {len(targets)} targets × {connections} "
              f"connections × {args.duration:g} s …", flush=True)
        tool = measure(targets, connections, args.duration, args.rounds)
        servers.close()

        print("Profiles (one render each, in-process, on the same database) …", flush=True)
        paths = {t.name: re.sub(r"^http://[^/]+", "", t.url) for t in targets
                 if t.name.startswith("Reckon") and t.status == 200 and "cache off" not in t.name}
        try:
            profiled, render_ms = profiles(url, paths)
        except Exception as exc:  # the table is worth printing without them
            print(f"  profiling failed: {exc!r}", flush=True)
            profiled, render_ms = {}, {}

    print("Render growth of one topic (bench_topic.py's seeded topic) …", flush=True)
    try:
        growth = render_growth([int(s) for s in args.render_sizes.split(",")],
                               args.render_repeat)
    except Exception as exc:  # bench_topic uses the models
        print(f"  render growth failed: {exc!r}", flush=True)
        growth = {}
    return report(args, started, tool, targets, connections, bare, imports, growth, profiled,
                  render_ms, topic, rows)


def report(args: argparse.Namespace, started: dt.datetime, tool: str, targets: list[Target],
           connections: list[int], bare: dict[int, float], imports: dict[int, ImportRun],
           growth: dict[int, float], profiled: dict[str, list[str]],
           render_ms: dict[str, float], topic: str, rows: int) -> int:
    by = {t.name: t for t in targets}
    c_hi, c_lo = max(connections), min(connections)

    def ratio(a: str, b: str, c: int) -> float:
        # A target none of whose requests finished within a run has no rate: infinite ratio.
        below = median_rps(by[b], c)
        return median_rps(by[a], c) / below if below else float("inf")

    lines = [f"Reckon against Datasette: {rows:,} rows ({args.rows:,} estimates), "
             f"{args.database}, {tool}, {args.rounds} rounds × {args.duration:g} s, "
             f"{os.cpu_count()} CPUs, Python {platform.python_version()}, "
             f"{started:%Y-%m-%d %H:%M} UTC", "", table(targets, connections), "",
             "| ratio | value | goal | |", "|---|---:|---|---|"]
    topic_ds = ratio("Reckon topic page", "Datasette table page", c_hi)
    lines.append(ratio_line(f"topic page ÷ Datasette table page, {c_hi} connections",
                            topic_ds, "≥ 10", topic_ds >= 10))
    lines.append(ratio_line(f"topic page ÷ Datasette table page, {c_lo} connection",
                            ratio("Reckon topic page", "Datasette table page", c_lo), "", None))
    lines.append(ratio_line(f"topic page ÷ Datasette JSON, {c_hi} connections",
                            ratio("Reckon topic page", "Datasette table JSON", c_hi), "", None))
    for c in (c_hi, c_lo):
        lines.append(ratio_line(
            f"topic page rendered every time (page cache off) ÷ Datasette table page, {c} "
            f"connection{'s' if c > 1 else ''}",
            ratio("Reckon topic page, page cache off", "Datasette table page", c), "", None))
    # The ceiling: the same page's bytes served from memory by the same server.
    for c in (c_hi, c_lo):
        r = ratio("Reckon topic page, 304", "Ceiling: same bytes from memory", c)
        lines.append(ratio_line(f"304 ÷ ceiling (the page's bytes from memory), {c} "
                                f"connection{'s' if c > 1 else ''}", r, "≥ 0.8",
                                r >= 0.8 if c == c_hi else None))
    r = ratio("Reckon topic page, 304", "Ceiling: 304 from memory", c_hi)
    lines.append(ratio_line(f"304 ÷ a bare 304 from memory, {c_hi} connections", r, "", None))
    sizes = sorted(growth)
    if len(sizes) >= 2:
        g = growth[sizes[-1]] / growth[sizes[0]]
        lines.append(ratio_line(f"render {sizes[-1]:,} ÷ {sizes[0]:,} estimates "
                                f"({growth[sizes[-1]]:.0f} / {growth[sizes[0]]:.0f} ms)",
                                g, "≤ 2", g <= 2))
    for n, run in imports.items():
        r = run.seconds / bare[n]
        lines.append(ratio_line(f"import ÷ executemany, {n:,} rows ({run.seconds:.1f} s / "
                                f"{bare[n]:.2f} s, peak {run.peak_mb:.0f} MB)", r, "≤ 10",
                                r <= 10))
        if run.floor_s:
            lines.append(ratio_line(f"floor: the import's statements replayed with no Python "
                                    f"÷ executemany, {n:,} rows ({run.floor_s:.1f} s)",
                                    run.floor_s / bare[n], "", None))
            lines.append(ratio_line(f"import ÷ its floor, {n:,} rows",
                                    run.seconds / run.floor_s, "", None))
    pages = [t for t in targets if t.name.startswith("Reckon") and t.status == 200]
    biggest = max(pages, key=lambda t: t.size)
    lines.append(ratio_line(f"largest Reckon page, KB ({biggest.name})", biggest.size / 1024,
                            "≤ 300", biggest.size <= 300 * 1024))
    def p50_at(t: Target) -> float:
        values = [r["p50_ms"] for r in t.runs[c_lo] if r["p50_ms"] == r["p50_ms"]]
        return statistics.median(values) if values else float("inf")

    slowest = max(pages, key=p50_at)
    p50 = p50_at(slowest)
    lines.append(ratio_line(f"slowest Reckon page, p50 ms at {c_lo} ({slowest.name})", p50,
                            "≤ 100", p50 <= 100))
    if render_ms:
        name, ms = max(render_ms.items(), key=lambda item: item[1])
        lines.append(ratio_line(f"slowest Reckon page rendered in-process, page cache off, "
                                f"ms ({name})", ms, "≤ 100", ms <= 100))
    if profiled:
        lines += ["", "Top functions of one in-process render (cumulative time):", ""]
        for name, top in profiled.items():
            took = f" — {render_ms[name]:,.0f} ms a render" if name in render_ms else ""
            lines.append(f"- **{name}**{took}: " + "; ".join(top))
    text = "\n".join(lines)
    print("\n" + text)
    if args.json:
        Path(args.json).write_text(json.dumps({
            "started": started.isoformat(), "tool": tool, "rows": rows, "topic": topic,
            "args": vars(args),
            "targets": [{"name": t.name, "url": t.url, "status": t.status, "size": t.size,
                         "runs": {str(c): r for c, r in t.runs.items()}} for t in targets],
            "executemany_s": bare, "imports": {n: vars(r) for n, r in imports.items()},
            "render_ms": growth, "page_render_ms": render_ms, "profiles": profiled,
            "table": text}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
