"""What a request may send: bodies over the limit refused with 413 before they are read (a
declared Content-Length, and a chunked body counted as it arrives at a real server), counts
that are whole JSON numbers, dates that are dates, and JSON only for the JSON API."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.models import Estimate, Revision
from tests import factories
from tests.web.live import LogLines, demo_database, serve

TOPIC = "north-korean-troops-in-russia"
MiB = 1024 * 1024


def _new(**values: Any) -> dict[str, Any]:
    return {
        "topic": TOPIC, "measure": "killed", "source": "us-officials",
        "citations": [{"url": "https://example.org/report", "publication": "Example Post"}],
        **values,
    }


def _counts(session: Session) -> tuple[int | None, int | None]:
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Estimate)),
            session.scalar(select(func.count()).select_from(Revision)))


# ---- body size -------------------------------------------------------------------------------

@pytest.mark.usefixtures("demo")
def test_a_declared_body_over_the_limit_is_413_before_anything_reads_it(
        client: TestClient, session: Session, auth: dict[str, str]) -> None:
    before = _counts(session)
    log = LogLines()
    # A valid estimate, padded past 1 MiB: had the handler run, it would have been stored.
    body = json.dumps(_new(low=5, high=5, notes="n" * (2 * MiB))).encode()
    response = client.post("/api/estimates", headers={**auth, "content-type": "application/json"},
                           content=body)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request is too large: send at most 1,048,576 "
                                         "bytes."}
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert _counts(session) == before
    (event,) = log.events("body_too_large")
    assert (event["content_length"], event["limit"]) == (len(body), MiB)
    assert not log.events("validation_failed")  # the body was never parsed
    assert "nnnn" not in log.text


def test_an_oversized_form_is_an_html_413(client: TestClient) -> None:
    page = client.post("/login", data={"email": "a@example.org", "password": "p" * (2 * MiB)})
    assert page.status_code == 413
    assert page.headers["content-type"].startswith("text/html")
    assert "too large" in html.fromstring(page.text).cssselect("p.error-message")[0].text_content()


def test_a_body_at_the_limit_is_read(settings: Settings, engine: Engine) -> None:
    small = settings.model_copy(update={"max_body_bytes": 100})
    with TestClient(create_app(small, engine=engine)) as tiny:
        at_limit = tiny.post("/api/topics", content=b"{" + b" " * 98 + b"}",
                             headers={"content-type": "application/json"})
        assert at_limit.status_code == 401  # read, then refused for want of a token
        over = tiny.post("/api/topics", content=b"{" + b" " * 99 + b"}",
                         headers={"content-type": "application/json"})
        assert over.status_code == 413


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str]]:
    url, token = demo_database(tmp_path_factory.mktemp("limits"))
    with serve(url) as base:
        yield base, url, token


def _estimates_in(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(Estimate)) or 0)
    finally:
        engine.dispose()


def _chunked_post(base: str, path: str, headers: dict[str, str], body: bytes,
                  chunk: int = 64 * 1024) -> tuple[int, http.client.HTTPMessage, bytes]:
    """POST `body` with Transfer-Encoding: chunked (no Content-Length), a chunk at a time."""
    parts = urlsplit(base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=30)
    try:
        conn.request("POST", path, body=(body[i:i + chunk] for i in range(0, len(body), chunk)),
                     headers=headers, encode_chunked=True)
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def test_a_chunked_body_over_the_limit_is_413_at_a_real_server(
        live: tuple[str, str, str]) -> None:
    base, url, token = live
    before = _estimates_in(url)
    log = LogLines()
    body = json.dumps(_new(low=5, high=5, notes="n" * (2 * MiB))).encode()
    status, headers, answer = _chunked_post(
        base, "/api/estimates", {"Authorization": f"Bearer {token}",
                                 "Content-Type": "application/json"}, body)
    assert status == 413, answer[:300]
    assert json.loads(answer)["detail"].startswith("The request is too large")
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    (event,) = log.events("body_too_large")
    assert "content_length" not in event  # counted as it came, none was declared
    assert MiB < event["received"] < 2 * MiB  # stopped soon after the limit, not at the end
    assert _estimates_in(url) == before


def test_a_chunked_body_under_the_limit_is_served_at_a_real_server(
        live: tuple[str, str, str]) -> None:
    base, url, token = live
    before = _estimates_in(url)
    body = json.dumps(_new(low=7, high=7, notes="n" * 1000)).encode()
    status, _, answer = _chunked_post(
        base, "/api/estimates", {"Authorization": f"Bearer {token}",
                                 "Content-Type": "application/json"}, body, chunk=100)
    assert status == 201, answer[:300]
    assert _estimates_in(url) == before + 1


def test_a_chunked_page_form_is_refused_as_an_html_page(live: tuple[str, str, str]) -> None:
    base, _, _ = live
    # A form field is bounded before the body limit is (64 KiB, app/web/deps.py): a 400 page.
    status, headers, answer = _chunked_post(
        base, "/login", {"Content-Type": "application/x-www-form-urlencoded"},
        b"email=a&password=" + b"p" * (2 * MiB))
    assert status == 400
    assert headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    message = html.fromstring(answer).cssselect("p.error-message")[0].text_content()
    assert "maximum size" in message


# ---- counts and dates ------------------------------------------------------------------------

@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("value", [True, False, "5", 5.0, "1e3"])
@pytest.mark.parametrize("name", ["low", "high", "best"])
def test_a_count_must_be_a_json_whole_number(client: TestClient, session: Session,
                                             auth: dict[str, str], name: str,
                                             value: Any) -> None:
    before = _counts(session)
    log = LogLines()
    response = client.post("/api/estimates", headers=auth, json=_new(**{"low": 5, name: value}))
    assert response.status_code == 422, response.text
    locs = [e["loc"] for e in response.json()["detail"]]
    assert ["body", name] in locs
    assert _counts(session) == before
    (event,) = log.events("validation_failed")
    assert f"body.{name}" in event["fields"]


@pytest.mark.usefixtures("demo")
def test_a_whole_number_count_is_still_accepted(client: TestClient,
                                                auth: dict[str, str]) -> None:
    response = client.post("/api/estimates", headers=auth, json=_new(low=5, high=9, best=7))
    assert response.status_code == 201, response.text
    estimate = response.json()
    patched = client.patch(f"/api/estimates/{estimate['id']}", headers=auth,
                           json={"version": True, "low": 6})
    assert patched.status_code == 422 and patched.json()["detail"][0]["loc"] == [
        "body", "version"]
    assert client.patch(f"/api/estimates/{estimate['id']}", headers=auth,
                        json={"version": 1, "low": 6}).status_code == 200


@pytest.mark.usefixtures("demo")
def test_a_measure_position_is_not_a_boolean(client: TestClient, auth: dict[str, str]) -> None:
    url = f"/api/topics/{TOPIC}/measures/killed"
    for value in (True, 1.5):
        response = client.patch(url, headers=auth, json={"position": value, "version": 1})
        assert response.status_code == 422, value
        assert response.json()["detail"][0]["loc"] == ["body", "position"]
    assert client.patch(url, headers=auth, json={"position": 3, "version": 1}).status_code == 200


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("url", [
    "/api/estimates?as_of_to=0", "/api/estimates?as_of_from=1",
    "/api/estimates?dated_to=1700000000", "/api/estimates?dated_from=2025-01-01T00:00:00",
    f"/api/topics/{TOPIC}?as_of=1", f"/api/topics/{TOPIC}?as_of_to=0",
])
def test_a_number_is_not_a_date_in_the_api(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 422, response.text
    name = url.split("?")[1].split("=")[0]
    assert response.json()["detail"][0]["loc"] == ["query", name]


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("url", [
    f"/topics/{TOPIC}?as_of=1", f"/topics/{TOPIC}?as_of_to=0",
    f"/topics/{TOPIC}/measures/killed/figures?as_of=0",
    f"/embed/topics/{TOPIC}/killed?as_of_from=20250101",
    f"/topics/{TOPIC}/figures.csv?as_of=1",
])
def test_a_number_is_not_a_date_on_a_page(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 422, url
    if response.headers["content-type"].startswith("text/html"):
        message = html.fromstring(response.text).cssselect("p.error-message")[0].text_content()
        assert "should be a real date written YYYY-MM-DD" in message


@pytest.mark.usefixtures("demo")
def test_real_dates_still_filter(client: TestClient) -> None:
    assert client.get("/api/estimates?as_of_to=2025-01-31").status_code == 200
    assert client.get(f"/topics/{TOPIC}?as_of_to=2025-06-01&as_of_from=2024-10-01"
                      f"&recorded=2100-01-01T00:00:00Z").status_code == 200


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("value", [0, 20250113, True, "2025-01-13T00:00:00", "13/01/2025"])
def test_a_citation_date_must_be_written_as_a_date(client: TestClient, auth: dict[str, str],
                                                   value: Any) -> None:
    body = _new(low=5, high=5)
    body["citations"][0]["published_on"] = value
    response = client.post("/api/estimates", headers=auth, json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "citations", 0, "published_on"]


# ---- JSON only -------------------------------------------------------------------------------

@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("content_type", [
    "text/plain", "application/x-www-form-urlencoded", None, "application/jsonx",
])
def test_a_body_that_is_not_json_is_415(client: TestClient, session: Session,
                                        auth: dict[str, str], content_type: str | None) -> None:
    before = _counts(session)
    headers = {**auth, **({"content-type": content_type} if content_type else {})}
    response = client.post("/api/estimates", headers=headers,
                           content=json.dumps(_new(low=5, high=5)))
    assert response.status_code == 415
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {"detail": "Send the body as JSON, with Content-Type: "
                                         "application/json."}
    assert _counts(session) == before


@pytest.mark.usefixtures("demo")
def test_json_with_parameters_or_a_json_suffix_is_json(client: TestClient,
                                                       auth: dict[str, str]) -> None:
    for content_type in ("application/json; charset=utf-8", "application/merge-patch+json"):
        response = client.post("/api/estimates", content=json.dumps(_new(low=5, high=5)),
                               headers={**auth, "content-type": content_type})
        assert response.status_code == 201, (content_type, response.text)


def test_forms_still_post_to_pages(client: TestClient, session: Session) -> None:
    factories.sign_in(client, session)  # a urlencoded form, as a browser sends it
    assert client.get("/estimates/new").status_code == 200
