"""Concurrency against a real server (uvicorn in a thread) on a database of its own, since the
usual rolled-back test transaction hides other connections: a write race has one winner and
conflicts for every other writer on SQLite and PostgreSQL; a saturated server sheds load at
once with 503 and Retry-After; a busy page's revalidations need no database round trip."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event, select
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.models import Estimate, Revision
from app.web.admission import Admission
from tests import factories
from tests.conftest import _migrate
from tests.web.live import seed_one_estimate, serve_app

T = TypeVar("T")


def _app(url: str, **settings: object) -> FastAPI:
    settings.setdefault("review", "off")  # edits publish at once, as these races assume
    return create_app(Settings(environment="test", database_url=url, secret_key="t" * 32,
                               **settings))  # type: ignore[arg-type]


def test_a_write_race_has_one_winner_and_a_conflict_for_every_other(live_url: str) -> None:
    estimate_id, token = seed_one_estimate(live_url)
    racers = 50
    start = threading.Barrier(racers)
    statuses: list[int] = []
    with serve_app(_app(live_url)) as base, httpx.Client(base_url=base, timeout=60) as client:
        def patch(n: int) -> None:
            start.wait()
            response = client.patch(f"/api/estimates/{estimate_id}",
                                    headers={"Authorization": f"Bearer {token}"},
                                    json={"version": 1, "notes": f"writer {n}"})
            statuses.append(response.status_code)

        threads = [threading.Thread(target=patch, args=(n,)) for n in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        loser = client.patch(f"/api/estimates/{estimate_id}",
                             headers={"Authorization": f"Bearer {token}"},
                             json={"version": 1, "notes": "late"})
    assert Counter(statuses) == {200: 1, 409: racers - 1}
    assert loser.status_code == 409 and loser.json()["detail"]
    engine = make_engine(live_url)
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(Estimate.version).where(Estimate.id == estimate_id)) == 2
        revisions = session.scalars(select(Revision.number)
                                    .where(Revision.estimate_id == estimate_id)).all()
    engine.dispose()
    assert sorted(revisions) == [1, 2]  # one change, one revision: no lost update


def test_revalidating_a_busy_page_needs_no_database_round_trip(live_url: str) -> None:
    _, token = seed_one_estimate(live_url)
    app = _app(live_url, stamp_ttl=60.0)
    engine: Engine = app.state.engine
    queries: list[str] = []
    event.listen(engine, "before_cursor_execute",
                 lambda *args: queries.append(str(args[2])))
    with serve_app(app) as base, httpx.Client(base_url=base) as client:
        first = client.get("/topics/t")
        assert first.status_code == 200
        queries.clear()
        again = client.get("/topics/t", headers={"If-None-Match": first.headers["etag"]})
        assert again.status_code == 304
        assert queries == []
        # A change made through this server is seen at once, however long the stamp may live.
        created = client.post("/api/estimates", headers={"Authorization": f"Bearer {token}"},
                              json={"topic": "t", "measure": "killed", "source": "s",
                                    "figure": "2,000", "as_of": "2025-03", "citations": [
                                        {"url": "https://example.org/b", "publication": "P"}]})
        assert created.status_code == 201, created.text
        changed = client.get("/topics/t", headers={"If-None-Match": first.headers["etag"]})
        assert changed.status_code == 200 and changed.headers["etag"] != first.headers["etag"]


# ---- load shedding, on the middleware itself ----------------------------------------------

def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """asyncio.run in a thread of its own: Playwright's tests leave this thread's loop set."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class _Held:
    """An app whose requests wait until released: a server with every slot taken."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.entered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.entered += 1
        await self.release.wait()
        await PlainTextResponse("done")(scope, receive, send)


async def _shed(queue_limit: int, queue_timeout: float, path: str,
                headers: dict[str, str] | None = None) -> tuple[httpx.Response, _Held, float]:
    """The whole app, with two slots both taken by requests to a route that waits."""
    held = _Held()
    app = create_app(Settings(environment="test", database_url="sqlite://",
                              secret_key="t" * 32, worker_threads=2,
                              queue_limit=queue_limit, queue_timeout=queue_timeout))

    async def wait_here() -> PlainTextResponse:
        held.entered += 1
        await held.release.wait()
        return PlainTextResponse("done")

    app.add_api_route("/held", wait_here)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        busy = [asyncio.create_task(client.get("/held")) for _ in range(2)]
        while held.entered < 2:
            await asyncio.sleep(0.01)
        started = time.monotonic()
        refused = await client.get(path, headers=headers or {})
        waited = time.monotonic() - started
        held.release.set()
        done = await asyncio.gather(*busy)
    assert [r.text for r in done] == ["done", "done"]  # the admitted ones were served
    return refused, held, waited


@pytest.mark.parametrize(("path", "kind"), [("/topics/t", "text/html"),
                                            ("/api/topics", "application/json")])
def test_a_full_queue_is_refused_at_once_with_retry_after(path: str, kind: str) -> None:
    refused, held, waited = _run(_shed(queue_limit=0, queue_timeout=30, path=path,
                                              headers={"Accept": kind}))
    assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
    assert refused.headers["content-type"].startswith(kind)
    assert "busy" in refused.text
    # Answered inside the app's own layers: security headers and a request id.
    assert "default-src" in refused.headers["content-security-policy"]
    assert refused.headers["x-request-id"]
    assert waited < 5 and held.entered == 2  # never reached the app


def test_a_request_that_waited_too_long_is_refused() -> None:
    refused, held, waited = _run(_shed(queue_limit=10, queue_timeout=0.3,
                                              path="/api/topics"))
    assert refused.status_code == 503 and 0.3 <= waited < 5
    assert held.entered == 2


def test_the_health_check_and_static_files_are_never_queued() -> None:
    async def probe() -> list[int]:
        held = _Held()
        app = Admission(held, capacity=1, queue_limit=0, queue_timeout=30)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            tasks = [asyncio.create_task(client.get(p))
                     for p in ("/", "/healthz", "/static/reckon.css")]
            while held.entered < 3:  # all three reached the app: none was held at the gate
                await asyncio.sleep(0.01)
            held.release.set()
            return [r.status_code for r in await asyncio.gather(*tasks)]

    assert _run(probe()) == [200, 200, 200]


def test_a_reading_request_is_not_held_up_by_a_writer_on_sqlite(tmp_path: Path) -> None:
    """A token's last use is bookkeeping: while another connection holds SQLite's write lock,
    an API read with that token is answered at once, without it, rather than after a wait."""
    live_url = f"sqlite:///{tmp_path / 'live.db'}"
    _migrate(live_url)
    engine = make_engine(live_url)
    with make_sessionmaker(engine)() as session:
        token = factories.api_token(session, role="admin")
    engine.dispose()
    blocker = sqlite3.connect(live_url.removeprefix("sqlite:///"), isolation_level=None)
    with serve_app(_app(live_url)) as base, httpx.Client(base_url=base, timeout=30) as client:
        blocker.execute("BEGIN IMMEDIATE")
        try:
            started = time.monotonic()
            response = client.get("/api/users", headers={"Authorization": f"Bearer {token}"})
            waited = time.monotonic() - started
        finally:
            blocker.execute("ROLLBACK")
        assert response.status_code == 200 and waited < 3
        # Once the lock is free, the next read records the use.
        assert client.get("/api/users",
                          headers={"Authorization": f"Bearer {token}"}).status_code == 200
    last_used = blocker.execute("SELECT last_used_at FROM api_tokens").fetchone()[0]
    blocker.close()
    assert last_used is not None
