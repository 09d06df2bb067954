"""What a figure covers and how sure it is: through the form, the API and the history."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Estimate, Measure, Source
from tests.factories import csrf_from, sign_in

TOPIC = "north-korean-troops-in-russia"
pytestmark = pytest.mark.usefixtures("demo")


def _new(client: TestClient, **values: str) -> Any:
    token = csrf_from(client.get("/estimates/new").text)
    return client.post("/estimates/new", data={
        "csrf_token": token, "topic": TOPIC, "measure": "killed", "source": "us-officials",
        "figure": "about 150", "as_of": "2025-02", "citation-0-publication": "Post",
        "action": "save", **values}, follow_redirects=False)


def test_a_partial_figure_needs_its_note_beside_the_field(client: TestClient,
                                                           session: Session) -> None:
    sign_in(client, session)
    refused = _new(client, scope="area", confidence="uncertain")
    assert refused.status_code == 422
    doc = html.fromstring(refused.text)
    messages = {e.get("id"): e.text_content() for e in doc.cssselect("p.field-error")}
    assert set(messages) == {"scope_note-error", "confidence_note-error"}
    assert doc.cssselect("select#scope option[selected]")[0].get("value") == "area"
    saved = _new(client, scope="area", scope_note="Kursk region only", confidence="uncertain",
                 confidence_note="attribution unclear")
    assert saved.status_code == 303
    eid = int(saved.headers["location"].rsplit("/", 1)[1])
    page = html.fromstring(client.get(f"/estimates/{eid}").text)
    assert page.cssselect("dd.scope")[0].text_content().startswith("one area only: Kursk region")
    assert page.cssselect("dd.confidence")[0].text_content() == "uncertain: attribution unclear"


def test_a_period_needs_its_dates_in_order(client: TestClient, session: Session) -> None:
    sign_in(client, session)
    response = _new(client, scope="period", scope_note="one week", period_start="2025-02-10",
                    period_end="2025-02-01")
    messages = {e.get("id") for e in html.fromstring(response.text).cssselect("p.field-error")}
    assert response.status_code == 422 and messages == {"period_end-error"}
    assert _new(client, scope="period", scope_note="one week", period_start="2025-02-03",
                period_end="2025-02-09").status_code == 303


def test_a_new_measure_from_the_form_gets_its_unit(client: TestClient, session: Session) -> None:
    sign_in(client, session)
    response = _new(client, measure="Requests for information", new_measure_unit="requests")
    assert response.status_code == 303
    measure = session.scalars(select(Measure).where(Measure.slug == "requests-for-information")
                              ).one()
    assert (measure.label, measure.unit) == ("Requests for information", "requests")


def test_the_api_records_and_corrects_scope_and_confidence(client: TestClient,
                                                          auth: dict[str, str]) -> None:
    body = {"topic": TOPIC, "measure": "killed", "source": "us-officials", "figure": "150",
            "scope": "area", "citations": [{"publication": "Post"}]}
    refused = client.post("/api/estimates", headers=auth, json=body)
    assert refused.status_code == 422
    assert [e["loc"] for e in refused.json()["detail"]] == [["body", "scope_note"]]
    created = client.post("/api/estimates", headers=auth,
                          json={**body, "scope_note": "Kursk region only"})
    assert created.status_code == 201
    made = created.json()
    assert (made["scope"], made["scope_note"], made["confidence"]) == (
        "area", "Kursk region only", "reported")
    patched = client.patch(f"/api/estimates/{made['id']}", headers=auth, json={
        "version": 1, "confidence": "disputed", "confidence_note": "the same officials deny it"})
    assert patched.status_code == 200
    history = patched.json()["revisions"]
    assert history[-1]["after"]["confidence"] == "disputed"
    assert history[-1]["before"]["confidence"] == "reported"
    back_to_total = client.patch(f"/api/estimates/{made['id']}", headers=auth,
                                 json={"version": 2, "scope": "total", "scope_note": ""})
    assert back_to_total.json()["scope"] == "total"


def test_the_history_names_a_change_of_scope(client: TestClient, session: Session,
                                             auth: dict[str, str]) -> None:
    eid = session.scalar(select(Estimate.id).join(Source).join(Measure).where(
        Source.slug == "us-officials", Measure.slug == "casualties"))
    client.patch(f"/api/estimates/{eid}", headers=auth, json={
        "version": 1, "scope": "broader", "scope_note": "killed, wounded or missing"})
    doc = html.fromstring(client.get(f"/estimates/{eid}/history").text)
    newest = doc.cssselect("table.diff")[0]
    changed = {r.cssselect("th")[0].text: r.cssselect("td.after")[0].text_content()
               for r in newest.cssselect("tbody tr")}
    assert changed["Scope"] == "broader"
    assert changed["What it covers"] == "killed, wounded or missing"


def test_a_source_page_lists_its_party_status_per_topic(client: TestClient,
                                                        auth: dict[str, str]) -> None:
    assert client.put(f"/api/topics/{TOPIC}/sources/volodymyr-zelensky/party", headers=auth,
                      json={"party_to_conflict": False, "comment": "test"}).status_code == 200
    doc = html.fromstring(client.get("/sources/volodymyr-zelensky").text)
    (item,) = doc.cssselect("ul.topic-parties li")
    assert item.text_content().startswith("North Korean troops in Russia: not a party")
    assert "set for this topic" in item.text_content()
