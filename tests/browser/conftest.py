"""Real-browser fixtures: the app served by uvicorn on a fresh SQLite file with the demo data
(plus a source and estimate made of markup, to exercise escaping), headless Debian Chromium,
and a second origin for framing tests."""

from __future__ import annotations

import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.schemas.catalog import SourceCreate
from app.schemas.estimates import CitationIn, EstimateCreate
from app.services import catalog, new_estimates
from tests import factories
from tests.conftest import _migrate
from tests.fixtures import messy

CHROMIUM = Path("/usr/bin/chromium")
IN_CI = os.environ.get("CI", "").lower() == "true"
TOPIC = "north-korean-troops-in-russia"
XSS_SLUG = "xss-source"
XSS_NAME = '<script>alert(1)</script>"><svg onload=alert(1)>'
XSS_QUOTE = "<img src=x onerror=alert(1)>"


@dataclass(frozen=True)
class LiveData:
    url: str  # database URL
    xss_estimate_id: int


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests"
        if IN_CI:
            pytest.fail(reason + " (CI=true: browser tests must run)", pytrace=False)
        pytest.skip(reason)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@contextmanager
def _demo_database(tmp_path_factory: pytest.TempPathFactory,
                   folder: str) -> Iterator[tuple[str, Session]]:
    """A migrated SQLite file holding the demo data, and a session to add more."""
    url = f"sqlite:///{tmp_path_factory.mktemp(folder) / 'reckon.db'}"
    _migrate(url)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            factories.load_demo(session)
            yield url, session
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def live_data(tmp_path_factory: pytest.TempPathFactory) -> LiveData:
    """The demo data and one source made of markup."""
    with _demo_database(tmp_path_factory, "browser-db") as (url, session):
        catalog.create_source(session, SourceCreate(slug=XSS_SLUG, name=XSS_NAME))
        estimate = new_estimates.create_estimate(
            session,
            EstimateCreate(
                topic=TOPIC, measure="killed", source=XSS_SLUG, low=500, high=800,
                as_of="2025-02", stated_on="2025-02",
                citations=[CitationIn(url="https://example.org/x", quote=XSS_QUOTE)],
            ),
            None,
        )
        session.commit()
        estimate_id = estimate.id
    return LiveData(url=url, xss_estimate_id=estimate_id)


@pytest.fixture(scope="session")
def xss_estimate_id(live_data: LiveData) -> int:
    return live_data.xss_estimate_id


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


def _wait_until_answering(url: str, alive: Callable[[], bool], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive():
            raise RuntimeError(f"the server for {url} stopped before answering")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer within {timeout} s")


@contextmanager
def _serve(database_url: str, name: str, *, review: str = "off") -> Iterator[str]:
    """The app under uvicorn in a daemon thread; yields its base URL (no trailing slash).
    Review before publication is off unless asked for (tests/browser/test_review.py)."""
    settings = Settings(environment="test", database_url=database_url, secret_key="x" * 32,
                        review=review)
    sock = _listening_socket()  # bound here so no other process can take the port meanwhile
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings), host="127.0.0.1", port=port, log_level="warning", ws="none",
        timeout_graceful_shutdown=2,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True
    )
    thread.start()
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_answering(f"{base}/healthz", thread.is_alive)
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture(scope="session")
def live_server(live_data: LiveData) -> Iterator[str]:
    with _serve(live_data.url, "reckon-live-server") as base:
        yield base


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """pytest-playwright passes this to every context, so pages can goto('/...')."""
    return live_server


@pytest.fixture(scope="session")
def other_origin(live_server: str) -> Iterator[str]:
    """A second origin (another port) serving a page that frames Reckon pages."""
    page = (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Host</title></head>"
        "<body><h1>Someone else's article</h1>"
        f"<iframe id='embed' name='embed' title='embed' width='800' height='500' "
        f"src='{live_server}/embed/topics/{TOPIC}/casualties'></iframe>"
        f"<iframe id='topic' name='topic' title='topic' width='800' height='500' "
        f"src='{live_server}/topics/{TOPIC}'></iframe>"
        "</body></html>"
    ).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, name="other-origin", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        _wait_until_answering(f"{base}/", thread.is_alive)
        yield base
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def charts_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app on the demo plus the messy fictional data set (tests/fixtures/messy.py): 25
    sources, long and non-Latin names, open ends both ways, 300 to 1,000,000 in one chart."""
    with _demo_database(tmp_path_factory, "charts-db") as (url, session):
        messy.load(session)
    with _serve(url, "reckon-charts-server") as base:
        yield base


# ---- the editor tests' own server ----------------------------------------------------------

@dataclass(frozen=True)
class EditorServer:
    base_url: str  # no trailing slash
    database_url: str  # for the `reckon` CLI (RECKON_DATABASE_URL)


@pytest.fixture(scope="session")
def editor_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EditorServer]:
    """The app under uvicorn on its own SQLite file with the demo data: the editor tests save,
    edit and sign out, and none of that may show up on the pages the reader tests look at."""
    with _demo_database(tmp_path_factory, "editor-db") as (url, _):
        pass  # the demo data is all the editor tests start from
    with _serve(url, "reckon-editor-server") as base:
        yield EditorServer(base_url=base, database_url=url)
