"""The capture worker of a real server (uvicorn in a thread, RECKON_CAPTURE on) on a database
of its own, SQLite and PostgreSQL: an estimate saved through the API is captured within a
cycle of the worker, no request waits for a page being fetched (the worker holds no
connection, nor SQLite's write lock, while it waits), and the worker stops with the server."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import html

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from tests import factories
from tests.capture_server import ENGLISH_QUOTE, NewsSite, news_site, wait_for
from tests.web.live import serve_app


@pytest.fixture
def site() -> Iterator[NewsSite]:
    with news_site() as running:
        yield running


def _token(url: str) -> str:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            factories.topic_with_measure(session)
            factories.source(session, "s")
            session.commit()
            return factories.api_token(session)
    finally:
        engine.dispose()


def _capture_of(client: httpx.Client, estimate_id: int) -> dict[str, Any]:
    capture: dict[str, Any] = client.get(f"/api/estimates/{estimate_id}").json()[
        "citations"][0]["capture"]
    return capture


def test_the_worker_captures_a_saved_citation_and_no_request_waits_for_it(
        live_url: str, site: NewsSite) -> None:
    token = _token(live_url)
    app = create_app(Settings(environment="test", database_url=live_url, secret_key="w" * 32,
                              review="off", capture=True, capture_interval=0.2,
                              capture_allow_private=True, capture_read_timeout=20))
    auth = {"Authorization": f"Bearer {token}"}
    with serve_app(app) as base, httpx.Client(base_url=base, timeout=10) as client:
        assert app.state.capture_worker.running
        started = time.monotonic()
        created = client.post("/api/estimates", headers=auth, json={
            "topic": "t", "measure": "killed", "source": "s", "figure": "about 1,200",
            "citations": [{"url": site.url("/blocking"), "quote": ENGLISH_QUOTE}]})
        assert created.status_code == 201, created.text
        estimate_id = created.json()["id"]
        assert _capture_of(client, estimate_id)["state"] == "pending"
        # Within a cycle the worker fetches the page, which does not answer until let go.
        wait_for(lambda: site.requests["/blocking"] == 1, timeout=5)
        # Meanwhile the app answers writes and reads at once.
        while_fetching = time.monotonic()
        other = client.post("/api/estimates", headers=auth, json={
            "topic": "t", "measure": "killed", "source": "s", "figure": "300",
            "as_of": "2025-01", "citations": [{"url": site.url("/de/artikel")}]})
        assert other.status_code == 201
        assert _capture_of(client, estimate_id)["state"] == "pending"
        assert client.get(f"/estimates/{estimate_id}").status_code == 200
        assert time.monotonic() - while_fetching < 2
        site.release.set()
        captured = wait_for(lambda: (c := _capture_of(client, estimate_id))["state"]
                            == "captured" and c, timeout=10)
        assert captured["quote_found"] is True and captured["published_on"] == "2025-03-12"
        assert time.monotonic() - started < 10
        wait_for(lambda: _capture_of(client, other.json()["id"])["state"] == "captured")
        page = html.fromstring(client.get(f"/estimates/{estimate_id}").text)
        (capture,) = page.cssselect(".capture")
        assert capture.cssselect("a.capture-link")[0].text_content().startswith("captured ")
        assert capture.cssselect(".quote-found")[0].text_content() == "quote found"
        worker = app.state.capture_worker
    stopping = time.monotonic()
    assert not worker.running and time.monotonic() - stopping < 5
    assert site.requests["/blocking"] == 1  # claimed once, fetched once


def test_the_worker_survives_errors_and_stops_promptly(tmp_path: Path) -> None:
    from app.services.capture_runs import CaptureWorker

    # A database that was never migrated: every cycle fails, and the worker goes on.
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    worker = CaptureWorker(engine, Settings(environment="test", database_url=url,
                                            secret_key="e" * 32, capture_interval=0.05))
    worker.start()
    try:
        wait_for(lambda: worker.cycles >= 2, timeout=5)
        assert worker.running
    finally:
        started = time.monotonic()
        worker.stop()
        engine.dispose()
    assert not worker.running and time.monotonic() - started < 2
