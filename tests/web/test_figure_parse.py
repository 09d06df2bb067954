"""The figure reader's public faces: `reckon parse`, GET /api/figures/parse and the estimate
form's preview answer the same reading (or the same refusal)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from lxml import html
from sqlalchemy.orm import Session

from app.cli import main
from tests.factories import csrf_from, sign_in

PHRASES = ["почти 600 тысяч", "mehr als 45.000 Soldaten", "70 or 80,000", "близько 1,200"]


@pytest.mark.parametrize("text", PHRASES)
def test_api_and_cli_answer_the_same_reading(client: TestClient, text: str,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    response = client.get("/api/figures/parse", params={"text": text})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"low", "high", "best", "qualifier", "decided_by", "note"}
    assert main(["parse", text]) == 0
    assert json.loads(capsys.readouterr().out) == body



def test_api_reads_like_an_estimate(client: TestClient) -> None:
    body = client.get("/api/figures/parse",
                      params={"text": "от 10 до 12 тысяч", "lang": "ru"}).json()
    assert (body["low"], body["high"], body["best"], body["qualifier"]) == (
        10_000, 12_000, None, "between")
    assert "'тысяч' → ×1,000" in body["decided_by"]
    nearly = client.get("/api/figures/parse", params={"text": "nearly 600,000"}).json()
    assert nearly["qualifier"] == "about" and "fewer than 600,000" in nearly["note"]


@pytest.mark.parametrize(("text", "fragment"), [
    ("tens of thousands", "is vague"), ("in 2019", "a year"), ("3 of 10", "'of 10'")])
def test_api_refuses_with_the_reason_naming_text(client: TestClient, text: str,
                                                 fragment: str) -> None:
    response = client.get("/api/figures/parse", params={"text": text})
    assert response.status_code == 422
    (detail,) = response.json()["detail"]
    assert detail["loc"] == ["query", "text"] and fragment in detail["msg"]


def test_api_rejects_an_unknown_language(client: TestClient) -> None:
    response = client.get("/api/figures/parse", params={"text": "300", "lang": "fr"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "lang"]


def test_cli_refusal_goes_to_stderr_with_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", "Zehntausende", "--lang", "de"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "'Zehntausende' is vague" in err and "mehr als 10.000" in err


@pytest.mark.usefixtures("demo")
def test_the_form_preview_shows_the_note_and_the_deciding_words(client: TestClient,
                                                                 session: Session) -> None:
    sign_in(client, session)
    token = csrf_from(client.get("/estimates/new").text)
    data = {"csrf_token": token, "topic": "north-korean-troops-in-russia", "measure": "killed",
            "source": "us-officials", "figure": "knapp 600.000 Soldaten", "scope": "total",
            "confidence": "reported", "as_of": "2025-03", "stated_on": "2025-03-05",
            "citation-0-url": "https://example.org/brief", "citation-0-publication": "Post",
            "citation-0-quote": "knapp 600.000", "citation-0-language": "de",
            "action": "preview"}
    response = client.post("/estimates/new", data=data)
    assert response.status_code == 200, response.text[:500]
    doc = html.fromstring(response.text)
    assert not doc.cssselect(".has-error"), [e.text_content() for e in doc.cssselect(".has-error")]
    (box,) = doc.cssselect("div.reading")
    text = box.text_content()
    assert "low 600,000, high 600,000" in text
    assert "record 'fewer than 600,000' instead" in text
    assert "'knapp' → about" in text and "'Soldaten' is what is counted" in text
