"""The site's own address: unknown Host headers refused (400, in the reader's format, with the
security headers, logged), absolute links and redirects from RECKON_BASE_URL and never from
the request, and the client's address from X-Forwarded-For only when a trusted proxy sent it —
checked in process and against real uvicorn servers (`reckon serve` itself included)."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.config import ConfigError, Settings
from app.main import create_app
from app.web.deps import get_session
from tests import factories
from tests.factories import csrf_from
from tests.web.live import LogLines, demo_database, serve

TOPIC = "north-korean-troops-in-russia"
EVIL = "evil.example"
BASE = "https://reckon.example.org/data"


def _app(settings: Settings, engine: Engine, session: Session) -> FastAPI:
    app = create_app(settings, engine=engine)

    def _test_session() -> Iterator[Session]:
        yield session
        session.commit()

    app.dependency_overrides[get_session] = _test_session
    return app


def _absolute_links(page: str) -> list[str]:
    tree = html.fromstring(page)
    return [value for element in tree.iter() if isinstance(element.tag, str)
            for name in ("href", "src", "content", "action")
            if (value := element.get(name, "")).startswith(("http://", "https://"))]


# ---- Host ------------------------------------------------------------------------------------

@pytest.mark.usefixtures("demo")
def test_an_unknown_host_is_refused_with_a_page_that_never_names_it(client: TestClient) -> None:
    log = LogLines()
    page = client.get(f"/topics/{TOPIC}", headers={"Host": EVIL})
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["cross-origin-opener-policy"] == "same-origin"
    assert page.headers["x-frame-options"] == "DENY"
    assert EVIL not in page.text
    links = _absolute_links(page.text)
    assert links and all(urlsplit(link).hostname == "127.0.0.1" for link in links), links
    message = html.fromstring(page.text).cssselect("p.error-message")[0].text_content()
    assert "not served under that host name" in message
    (event,) = log.events("host_refused")
    assert (event["host"], event["path"], event["audit"]) == (EVIL, f"/topics/{TOPIC}", True)
    assert event["request_id"] == page.headers["x-request-id"]


def test_an_unknown_host_gets_json_from_the_api(client: TestClient) -> None:
    response = client.get("/api/topics", headers={"Host": f"{EVIL}:8000"})
    assert response.status_code == 400
    assert response.json() == {"detail": "This site is not served under that host name."}
    assert response.headers["cross-origin-opener-policy"] == "same-origin"


def test_known_hosts_and_the_health_check_are_answered(client: TestClient) -> None:
    for host in ("testserver", "localhost:8000", "127.0.0.1"):
        assert client.get("/api/topics", headers={"Host": host}).status_code == 200, host
    # Probes ask by address (the Dockerfile's health check): /healthz builds no link.
    assert client.get("/healthz", headers={"Host": "10.1.2.3:8000"}).status_code == 200


def test_allowed_hosts_are_read_from_the_environment_with_wildcards(
        monkeypatch: pytest.MonkeyPatch, engine: Engine, session: Session, db_url: str) -> None:
    monkeypatch.setenv("RECKON_ALLOWED_HOSTS", " reckon.example.org, *.example.net ")
    settings = Settings(environment="test", database_url=db_url, secret_key="h" * 32)
    assert settings.allowed_hosts == ["reckon.example.org", "*.example.net"]
    with TestClient(_app(settings, engine, session)) as client:
        for host, status in (("reckon.example.org", 200), ("news.example.net", 200),
                             ("example.net", 400), ("testserver", 400), (EVIL, 400)):
            assert client.get("/api/topics", headers={"Host": host}).status_code == status, host


def test_production_refuses_to_start_without_allowed_hosts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RECKON_ALLOWED_HOSTS", raising=False)
    with pytest.raises(ConfigError, match="RECKON_ALLOWED_HOSTS is missing"):
        Settings(environment="production", secret_key="p" * 40)
    assert Settings(environment="production", secret_key="p" * 40,
                    allowed_hosts="reckon.example.org").allowed_hosts == ["reckon.example.org"]
    assert Settings(environment="development").allowed_hosts == ["127.0.0.1", "localhost"]
    with pytest.raises(ValueError, match="not a host name"):
        Settings(allowed_hosts="https://reckon.example.org/")


# ---- RECKON_BASE_URL -------------------------------------------------------------------------

@pytest.fixture
def based(settings: Settings, engine: Engine, session: Session) -> Iterator[TestClient]:
    app = _app(settings.model_copy(update={"base_url": BASE}), engine, session)
    with TestClient(app) as client:
        yield client


@pytest.mark.usefixtures("demo")
def test_every_absolute_link_comes_from_the_base_url(based: TestClient) -> None:
    for path in (f"/topics/{TOPIC}", "/", "/changes", f"/embed/topics/{TOPIC}/casualties"):
        page = based.get(path, headers={"Host": "localhost:9999"})
        assert page.status_code == 200, path
        links = _absolute_links(page.text)
        assert links, path
        assert all(link.startswith(f"{BASE}/") for link in links), (path, links)
        assert "localhost" not in page.text and "testserver" not in page.text
    topic = html.fromstring(based.get(f"/topics/{TOPIC}").text)
    assert topic.cssselect("link[rel=canonical]")[0].get("href") == f"{BASE}/topics/{TOPIC}"
    assert topic.cssselect("meta[property='og:url']")[0].get("content") == (
        f"{BASE}/topics/{TOPIC}")
    stylesheet = topic.cssselect("link[rel=stylesheet]")[0].get("href")
    assert stylesheet.startswith(f"{BASE}/static/reckon.")
    # The proxy strips the prefix: the path the app sees is the one it routes.
    assert based.get(urlsplit(stylesheet).path.removeprefix("/data")).status_code == 200
    feed = based.get("/changes.atom").text
    assert f"{BASE}/" in feed and "testserver" not in feed


def test_redirects_go_to_the_base_url_whatever_the_host_header(
        based: TestClient, session: Session) -> None:
    old = based.get("/static/reckon.0123456789.css", headers={"Host": "localhost"},
                    follow_redirects=False)
    assert old.status_code == 307 and old.headers["location"].startswith(f"{BASE}/static/")
    factories.sign_in(based, session)
    token = csrf_from(based.get("/").text)
    out = based.post("/logout", data={"csrf_token": token}, headers={"Host": "localhost"},
                     follow_redirects=False)
    assert (out.status_code, out.headers["location"]) == (303, f"{BASE}/")


def test_a_base_url_must_be_an_address() -> None:
    with pytest.raises(ValueError, match="not a base URL"):
        Settings(base_url="reckon.example.org")
    assert Settings(base_url="https://reckon.example.org/").base_url == (
        "https://reckon.example.org")


# ---- a real server: the Host header as sent, the client behind a proxy -----------------------

@pytest.fixture(scope="module")
def live_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    return demo_database(tmp_path_factory.mktemp("hosts"))


def _get(base: str, path: str, headers: dict[str, str]) -> tuple[int, str]:
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def test_a_real_server_refuses_a_forged_host(live_db: tuple[str, str]) -> None:
    with serve(live_db[0]) as base:
        status, body = _get(base, "/", {"Host": EVIL})
        assert status == 400 and EVIL not in body
        assert _get(base, "/", {"Host": urlsplit(base).netloc})[0] == 200


def _client_seen(base: str, forwarded: dict[str, str]) -> tuple[str, str]:
    """The client address the app logged for a request, and the scheme of its links."""
    log = LogLines()
    status, _ = _get(base, "/api/estimates?page=0", forwarded)  # logs validation_failed
    assert status == 422
    (event,) = log.events("validation_failed")
    _, page = _get(base, "/", forwarded)
    scheme = urlsplit(_absolute_links(page)[0]).scheme
    return event["client"], scheme


FORWARDED = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}


def test_forwarded_headers_are_believed_only_from_a_trusted_proxy(
        live_db: tuple[str, str]) -> None:
    with serve(live_db[0]) as base:  # no proxy trusted: the default
        assert _client_seen(base, FORWARDED) == ("127.0.0.1", "http")
    with serve(live_db[0], forwarded_allow_ips="10.0.0.0/8") as base:
        assert _client_seen(base, FORWARDED) == ("127.0.0.1", "http")
    with serve(live_db[0], forwarded_allow_ips="127.0.0.1") as base:
        assert _client_seen(base, FORWARDED) == ("203.0.113.7", "https")
        # A client cannot slip an address in front of the one the proxy appended.
        assert _client_seen(base, {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"})[0] == (
            "203.0.113.7")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _reckon_serve(database_url: str, tmp_path: Path, **env: str) -> str:
    """`reckon serve` in a process of its own; the JSON lines it logged while serving."""
    port = _free_port()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("RECKON_")}
    environment.update(RECKON_DATABASE_URL=database_url, RECKON_ENVIRONMENT="test",
                       RECKON_SECRET_KEY="r" * 32, **env)
    stderr = tmp_path / f"serve-{port}.log"
    with stderr.open("w") as err:
        server = subprocess.Popen(
            [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main())",
             "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=environment, stdout=subprocess.DEVNULL, stderr=err)
        try:
            deadline = time.monotonic() + 20
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1):
                        break
                except OSError:
                    assert server.poll() is None and time.monotonic() < deadline, (
                        stderr.read_text())
                    time.sleep(0.1)
            status, _ = _get(f"http://127.0.0.1:{port}", "/api/estimates?page=0",
                             {"X-Forwarded-For": "203.0.113.7"})
            assert status == 422
        finally:
            server.terminate()
            server.wait(timeout=10)
    return stderr.read_text()


def test_reckon_serve_leaves_forwarded_headers_to_the_app(
        live_db: tuple[str, str], tmp_path: Path) -> None:
    # uvicorn on its own would believe 127.0.0.1; `reckon serve` turns that off.
    untrusted = _reckon_serve(live_db[0], tmp_path)
    assert '"event": "validation_failed"' in untrusted
    assert '"client": "127.0.0.1"' in untrusted and "203.0.113.7" not in untrusted
    trusted = _reckon_serve(live_db[0], tmp_path, RECKON_FORWARDED_ALLOW_IPS="127.0.0.1")
    assert '"client": "203.0.113.7"' in trusted


def test_the_dockerfile_runs_uvicorn_without_its_own_proxy_headers() -> None:
    dockerfile = (Path(__file__).parents[2] / "Dockerfile").read_text()
    cmd = next(line for line in dockerfile.splitlines() if line.startswith("CMD"))
    assert "--no-proxy-headers" in cmd and "--proxy-headers " not in cmd
    assert "RECKON_FORWARDED_ALLOW_IPS" in dockerfile and "RECKON_ALLOWED_HOSTS" in dockerfile
