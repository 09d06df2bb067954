"""Errors are seen: answered in the reader's format with the reader's words, and logged once —
with the cause for database trouble, with the traceback and request id for a bug."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy.exc import OperationalError, ProgrammingError

from app.config import Settings
from app.main import create_app
from app.services import catalog, comparison
from tests.web.live import LogLines

TOPIC = "north-korean-troops-in-russia"


def _app_on(url: str) -> FastAPI:
    return create_app(Settings(environment="test", secret_key="e" * 32, database_url=url,
                               review="off"))


@pytest.fixture
def unmigrated(tmp_path: Path) -> Iterator[TestClient]:
    with TestClient(_app_on(f"sqlite:///{tmp_path / 'empty.db'}")) as client:
        yield client


def test_an_unmigrated_database_is_a_503_page_and_one_log_line(unmigrated: TestClient) -> None:
    health = unmigrated.get("/healthz")
    assert (health.status_code, health.json()) == (503, {"status": "database not migrated"})
    log = LogLines()
    page = unmigrated.get(f"/topics/{TOPIC}")
    assert page.status_code == 503
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["retry-after"] == "30"
    message = html.fromstring(page.text).cssselect("p.error-message")[0].text_content()
    assert "database is unavailable" in message and "no such table" not in page.text
    (event,) = log.events()
    assert event["event"] == "database_unavailable" and event["level"] == "error"
    assert (event["reason"], event["audit"]) == ("database not migrated", True)
    assert "no revision" in event["cause"] and event["path"] == f"/topics/{TOPIC}"
    assert event["request_id"] == page.headers["x-request-id"]
    assert event["timestamp"].endswith("Z")


def test_the_api_of_an_unmigrated_database_answers_json(unmigrated: TestClient) -> None:
    response = unmigrated.get("/api/topics")
    assert response.status_code == 503
    assert response.json() == {"detail": "The database is unavailable. Please try again in a "
                                         "minute."}


def test_an_unreachable_database_is_a_503_page_with_its_cause_logged() -> None:
    down = _app_on("postgresql+psycopg://postgres@127.0.0.1:1/none")
    with TestClient(down) as client:
        assert client.get("/healthz").json() == {"status": "database unavailable"}
        log = LogLines()
        page = client.get("/")
    assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")
    (event,) = log.events()
    assert event["event"] == "database_unavailable"
    assert "127.0.0.1" in event["cause"] or "refused" in event["cause"]


@pytest.mark.usefixtures("demo")
def test_a_bug_is_logged_once_with_traceback_and_answered_with_a_500_page(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the home view")

    monkeypatch.setattr(comparison, "home_view", broken)
    log = LogLines()
    page = client.get("/", headers={"X-Request-ID": "req-123"})
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["x-request-id"] == "req-123"
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert "a bug in the home view" not in page.text and "Traceback" not in page.text
    (event,) = log.events()
    assert (event["event"], event["request_id"], event["path"]) == ("unexpected_error",
                                                                   "req-123", "/")
    assert "RuntimeError: a bug in the home view" in event["exception"]
    assert "Traceback" in event["exception"]


@pytest.mark.usefixtures("demo")
def test_a_bug_in_the_api_is_a_json_500(client: TestClient,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(catalog, "list_topics", broken)
    response = client.get("/api/topics")
    assert response.status_code == 500
    assert "boom" not in response.text
    assert response.json()["detail"].startswith("Something went wrong on our side")


def test_a_forged_request_id_is_replaced(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith a newline"})
    assert response.headers["x-request-id"] != "bad id\nwith a newline"
    assert len(response.headers["x-request-id"]) == 32


@pytest.mark.parametrize(("url", "expected"), [
    (f"/topics/{TOPIC}?as_of=2025-02-30", "‘as_of’ should be a real date written YYYY-MM-DD"),
    (f"/topics/{TOPIC}?as_of=soon", "‘as_of’ should be a real date"),
    ("/changes?page=0", "‘page’ should be a number of at least 1"),
    ("/changes?page=x", "‘page’ should be a whole number"),
    ("/?q=" + "x" * 101, "‘q’ should be at most 100 characters long"),
])
@pytest.mark.usefixtures("demo")
def test_a_bad_address_is_explained_in_plain_words(client: TestClient, url: str,
                                                   expected: str) -> None:
    response = client.get(url)
    assert response.status_code == 422
    message = html.fromstring(response.text).cssselect("p.error-message")[0].text_content()
    assert expected in message
    assert "Input should" not in message and "value_error" not in message


def test_a_wrong_method_on_a_page_is_an_html_page(client: TestClient) -> None:
    response = client.delete("/changes")
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/html")
    assert "does not accept" in html.fromstring(response.text).cssselect(
        "p.error-message")[0].text_content()


@pytest.mark.usefixtures("demo")
def test_bad_sql_on_a_healthy_database_is_a_bug_not_an_outage(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def bad_sql(*args: object, **kwargs: object) -> None:
        raise ProgrammingError("SELECT nonsense", {}, Exception("syntax error"))

    monkeypatch.setattr(comparison, "home_view", bad_sql)
    log = LogLines()
    page = client.get("/")
    assert page.status_code == 500
    (event,) = log.events()
    assert event["event"] == "unexpected_error" and "ProgrammingError" in event["exception"]


@pytest.mark.usefixtures("demo")
def test_a_passing_database_error_is_a_503_logged_with_its_cause_but_no_sql(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def locked(*args: object, **kwargs: object) -> None:
        raise OperationalError("UPDATE estimates", {}, Exception("database is locked"))

    monkeypatch.setattr(comparison, "home_view", locked)
    log = LogLines()
    page = client.get("/")
    assert (page.status_code, page.headers["retry-after"]) == (503, "30")
    (event,) = log.events()
    assert event["event"] == "database_unavailable" and event["cause"] == "database is locked"
    assert (event["reason"], event["error"]) == ("database error", "OperationalError")
    # The statement (and so its parameters) stays out of the log.
    assert "exception" not in event and "UPDATE" not in json.dumps(event)
