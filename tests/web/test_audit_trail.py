"""Every committed change to the data is on the audit trail (estimate id and revision, or the
catalogue entry, or an import's counts), with who made it and the request; a change that is
rolled back — a dry run, a refused row, a failed request — leaves nothing there."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.services import transfer
from tests import factories
from tests.web.live import LogLines

TOPIC = "north-korean-troops-in-russia"


def _audit(log: LogLines) -> list[dict[str, Any]]:
    return [e for e in log.events() if e.get("audit")]


@pytest.mark.usefixtures("demo")
def test_an_api_change_is_logged_with_its_estimate_revision_and_user(
        client: TestClient, editor_token: str) -> None:
    auth = {"Authorization": f"Bearer {editor_token}"}
    (first, *_) = client.get("/api/estimates?measure=killed").json()["items"]
    log = LogLines()
    response = client.patch(f"/api/estimates/{first['id']}", headers=auth,
                            json={"version": first["version"], "notes": "checked again"})
    assert response.status_code == 200, response.text
    (event,) = [e for e in _audit(log) if e["event"] == "estimate_changed"]
    assert event["estimate_id"] == first["id"]
    assert event["revision"] == first["version"] + 1 and event["action"] == "edit"
    assert event["user_id"] and event["path"] == f"/api/estimates/{first['id']}"
    assert event["method"] == "PATCH" and event["request_id"] == response.headers["x-request-id"]
    assert event["timestamp"].endswith("Z") and event["client"]
    assert editor_token not in log.stream.getvalue()
    assert "checked again" not in log.stream.getvalue()  # ids, never the values written


@pytest.mark.usefixtures("demo")
def test_a_refused_change_logs_no_change(client: TestClient, editor_token: str) -> None:
    auth = {"Authorization": f"Bearer {editor_token}"}
    (first, *_) = client.get("/api/estimates?measure=killed").json()["items"]
    log = LogLines()
    stale = client.patch(f"/api/estimates/{first['id']}", headers=auth,
                         json={"version": first["version"] + 7, "notes": "x"})
    bad = client.patch(f"/api/estimates/{first['id']}", headers=auth,
                       json={"version": first["version"], "low": 9, "high": 2})
    assert (stale.status_code, bad.status_code) == (409, 422)
    assert not [e for e in _audit(log) if e["event"] == "estimate_changed"]


def test_an_import_is_logged_once_committed_and_a_dry_run_not_at_all(session: Session) -> None:
    csv_text = ("topic,measure,source,low,high,qualifier,as_of,citation_url,publication\n"
                "t,killed,s,100,200,between,2025-01,https://example.org/a,Gazette\n"
                "t,killed,s,300,300,exact,2025-02,https://example.org/b,Gazette\n")
    factories.topic_with_measure(session)
    factories.source(session, "s")
    session.commit()
    log = LogLines()
    transfer.apply(session, transfer.read_csv(csv_text), comment="dry run")
    session.rollback()
    assert _audit(log) == []
    transfer.apply(session, transfer.read_csv(csv_text), comment="for real")
    session.commit()
    events = _audit(log)
    (run,) = [e for e in events if e["event"] == "import_applied"]
    assert (run["created"], run["updated"], run["rows"]) == (2, 0, 2)
    # The estimates an import creates are one event with their ids (a line each cost more
    # than writing them at 100,000 rows); their revisions are in the history.
    assert (run["estimates_created"], run["reviews_requested"]) == (2, 0)
    assert run["last_estimate_id"] - run["first_estimate_id"] == 1
    assert run["last_revision_id"] - run["first_revision_id"] == 1
    assert not [e for e in events if e["event"] == "estimate_changed"]


def test_a_change_undone_with_its_savepoint_is_not_logged(session: Session) -> None:
    factories.topic_with_measure(session)
    factories.source(session, "s")
    kept = factories.estimate(session, figure="10", as_of="2025-01")
    log = LogLines()
    savepoint = session.begin_nested()
    factories.estimate(session, figure="20", as_of="2025-02")
    savepoint.rollback()
    session.commit()
    (event,) = [e for e in _audit(log) if e["event"] == "estimate_changed"]
    assert event["estimate_id"] == kept.id


def test_a_catalogue_change_is_logged(client: TestClient, session: Session,
                                      editor_token: str) -> None:
    factories.source(session, "s", "Old name")
    session.commit()
    log = LogLines()
    version = client.get("/api/sources/s").json()["version"]
    response = client.patch("/api/sources/s", json={"version": version, "name": "New name"},
                            headers={"Authorization": f"Bearer {editor_token}"})
    assert response.status_code == 200, response.text
    (event,) = [e for e in _audit(log) if e["event"] == "catalog_changed"]
    assert event["entity"] == "source" and event["source_id"] and event["user_id"]
    assert "New name" not in log.stream.getvalue()


def test_control_characters_sent_by_a_client_cannot_forge_a_log_line(client: TestClient) -> None:
    log = LogLines()
    forged = '\n{"event": "sign_in", "audit": true}\r\x1b[31m'
    # The path is logged with every event of the request: sent percent-encoded, it arrives
    # with its control characters.
    client.get("/api/topics/none" + quote(forged) + "?as_of_to=0")
    events = log.events()
    assert events and all(e["path"] == "/api/topics/none" + forged for e in events)
    # Each event is still one JSON line; the forged text stays inside a string.
    assert [e for e in events if e["event"] == "sign_in"] == []
    assert "\x1b" not in log.text and all(line.startswith('{"') for line in log.text.splitlines())
