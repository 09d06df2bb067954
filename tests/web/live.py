"""A real server for the behaviour that depends on one (chunked bodies, the client's address,
the Host header as sent): the app under uvicorn in a thread of the test process, configured
as `reckon serve` and the Dockerfile run it (uvicorn reads no proxy header itself), and the
app's log lines captured."""

from __future__ import annotations

import io
import json
import logging
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.logs import LOGGER_NAME
from app.main import create_app
from tests import factories
from tests.conftest import _migrate


class LogLines:
    """What Reckon's log handler writes (JSON lines), captured from now on."""

    def __init__(self) -> None:
        (handler,) = logging.getLogger(LOGGER_NAME).handlers
        assert isinstance(handler, logging.StreamHandler)
        self.stream = io.StringIO()
        handler.setStream(self.stream)

    @property
    def text(self) -> str:
        return self.stream.getvalue()

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        events = [json.loads(line) for line in self.text.splitlines()]
        return [e for e in events if name is None or e["event"] == name]


def demo_database(folder: Path) -> tuple[str, str]:
    """A migrated SQLite file with the demo data, and an editor's API token for it."""
    url = f"sqlite:///{folder / 'live.db'}"
    _migrate(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            factories.load_demo(session)
            token = factories.api_token(session)
    finally:
        engine.dispose()
    return url, token


def seed_one_estimate(url: str, source_name: str | None = None) -> tuple[int, str]:
    """Topic `t` with measure `killed`, source `s` and one figure, committed; its id and an
    editor's API token."""
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        factories.topic_with_measure(session)
        factories.source(session, "s", source_name)
        estimate = factories.estimate(session, figure="about 1,200", as_of="2025-01")
        session.commit()
        token = factories.api_token(session)
        estimate_id = estimate.id
    engine.dispose()
    return estimate_id, token


@contextmanager
def serve(database_url: str, **settings: Any) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1; yields its base URL (no trailing slash). Review
    before publication is off unless `settings` say otherwise."""
    settings.setdefault("review", "off")
    with serve_app(create_app(Settings(environment="test", database_url=database_url,
                                       secret_key="l" * 32, **settings))) as base:
        yield base


@contextmanager
def serve_app(app: FastAPI) -> Iterator[str]:
    """`app` under uvicorn on 127.0.0.1; yields its base URL (no trailing slash)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    # As `reckon serve` and the Dockerfile: the app alone decides about X-Forwarded-*.
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                          ws="none", proxy_headers=False,
                                          timeout_graceful_shutdown=2))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True,
                              name="reckon-hardening-server")
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        # Generous: a readiness check on a busy machine, not a measure of speed.
        with urllib.request.urlopen(f"{base}/healthz", timeout=60) as response:
            assert response.status == 200
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
