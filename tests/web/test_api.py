"""The JSON API: reads from the demo data, writes with tokens, versions and validation."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Estimate, Measure, Revision, Source
from tests import factories

TOPIC = "north-korean-troops-in-russia"


def _table_state(session: Session) -> tuple[Any, ...]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Estimate)),
        session.scalar(select(func.count()).select_from(Revision)),
        tuple(session.execute(
            select(Estimate.id, Estimate.low, Estimate.high, Estimate.version, Estimate.status)
            .order_by(Estimate.id)
        )),
    )


def _estimate_id(session: Session, measure: str, source: str) -> int:
    return int(session.scalar(
        select(Estimate.id).join(Measure).join(Source)
        .where(Measure.slug == measure, Source.slug == source)
    ) or 0)


# ---- reads -------------------------------------------------------------------------------

@pytest.mark.usefixtures("demo")
def test_topics_list_the_demo_topic(client: TestClient) -> None:
    body = client.get("/api/topics").json()
    assert [t["slug"] for t in body] == [TOPIC]
    assert body[0]["title"] == "North Korean troops in Russia"
    assert [m["slug"] for m in body[0]["measures"]] == [
        "deployed", "killed", "wounded", "casualties"]


@pytest.mark.usefixtures("demo")
def test_killed_returns_nis_300_with_german_quote(client: TestClient) -> None:
    body = client.get("/api/estimates", params={"topic": TOPIC, "measure": "killed"}).json()
    assert body["total"] == 1
    item = body["items"][0]
    assert (item["source"]["slug"], item["low"], item["high"]) == ("south-korea-nis", 300, 300)
    assert item["qualifier"] == "about" and item["figure"] == "about 300"
    assert item["as_of"] == "2025-01"
    citation = item["citations"][0]
    assert citation["language"] == "de"
    assert "etwa 300 nordkoreanische Soldaten getötet" in citation["quote"]
    assert citation["publication"].startswith("The Telegraph")


@pytest.mark.usefixtures("demo")
def test_topic_detail_has_each_sources_latest_per_measure(client: TestClient) -> None:
    body = client.get(f"/api/topics/{TOPIC}").json()
    latest = {m["slug"]: {(e["source"]["slug"], e["figure"], e["derived"]) for e in m["latest"]}
              for m in body["measures"]}
    assert latest["casualties"] == {("volodymyr-zelensky", "4,000", False),
                                    ("us-officials", "about 1,200", False),
                                    ("south-korea-nis", "about 3,000", True)}
    assert latest["deployed"] == {("south-korea-nis", "about 10,000–12,000", False),
                                  ("south-korean-media", "1,000–3,000", False)}
    derived = next(e for e in body["measures"][3]["latest"] if e["derived"])
    assert derived["derived_label"] == "derived: killed + wounded"
    assert (derived["low"], derived["high"], derived["estimate_id"]) == (3000, 3000, None)
    assert len(derived["derived_from"]) == 2


def test_latest_is_the_newest_revision_of_a_source(client: TestClient, session: Session) -> None:
    factories.topic_with_measure(session)
    factories.source(session, "s")
    for low, as_of in ((100, "2024-12"), (900, "2025-02-10"), (400, "2025-01"), (50, None)):
        factories.estimate(session, low=low, high=low, as_of=as_of)
    session.commit()
    latest = client.get("/api/topics/t").json()["measures"][0]["latest"]
    assert [(e["low"], e["as_of"]) for e in latest] == [(900, "2025-02-10")]


@pytest.mark.usefixtures("demo")
def test_estimates_filters_and_pagination(client: TestClient) -> None:
    page1 = client.get("/api/estimates", params={"per_page": 4}).json()
    page2 = client.get("/api/estimates", params={"per_page": 4, "page": 2}).json()
    assert page1["total"] == page2["total"] == 6
    ids = [e["id"] for e in page1["items"] + page2["items"]]
    assert len(ids) == len(set(ids)) == 6
    by_source = client.get("/api/estimates", params={"source": "south-korea-nis"}).json()
    assert {e["measure"]["slug"] for e in by_source["items"]} == {"deployed", "killed", "wounded"}
    dated = client.get("/api/estimates", params={"as_of_from": "2025-02-01"}).json()
    assert [e["source"]["slug"] for e in dated["items"]] == ["south-korean-media"]


@pytest.mark.usefixtures("demo")
def test_estimate_detail_has_citations_and_revisions(client: TestClient,
                                                     session: Session) -> None:
    eid = _estimate_id(session, "casualties", "us-officials")
    body = client.get(f"/api/estimates/{eid}").json()
    assert body["figure"] == "about 1,200"
    assert body["claimant"].startswith("US estimates")
    assert [(r["number"], r["action"], r["comment"]) for r in body["revisions"]] == [
        (1, "create", "demo data")]
    assert body["revisions"][0]["after"]["low"] == 1200


@pytest.mark.usefixtures("demo")
def test_sources(client: TestClient) -> None:
    sources = {s["slug"]: s for s in client.get("/api/sources").json()}
    assert sources["volodymyr-zelensky"]["party_to_conflict"] is True
    assert sources["south-korea-nis"]["kind"] == "intelligence"
    nis = client.get("/api/sources/south-korea-nis").json()
    assert len(nis["estimates"]) == 3


@pytest.mark.parametrize("path", [
    "/api/topics/nope", "/api/sources/nope", "/api/estimates/999999",
    "/api/topics/%00", "/api/sources/NIS", "/api/topics/" + "a" * 300,
])
def test_unknown_things_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "No " in response.json()["detail"]


@pytest.mark.parametrize("params", [
    {"as_of_from": "2025-02-30"}, {"page": 0}, {"per_page": 100000},
    {"topic": "\x00"}, {"status": "deleted"},
])
def test_bad_query_parameters_are_422(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get("/api/estimates", params=params)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "query"


def test_huge_estimate_id_is_refused_not_crashed(client: TestClient) -> None:
    assert client.get("/api/estimates/99999999999999999999").status_code == 422


# ---- writes ------------------------------------------------------------------------------

def _new(**values: Any) -> dict[str, Any]:
    return {
        "topic": TOPIC, "measure": "killed", "source": "us-officials",
        "citations": [{"url": "https://example.org/report", "publication": "Example Post",
                       "quote": "about 1,000 killed", "language": "en"}],
        **values,
    }


@pytest.mark.usefixtures("demo")
def test_writes_need_a_token(client: TestClient, session: Session) -> None:
    before = _table_state(session)
    assert client.post("/api/estimates", json=_new(low=1000, high=1000)).status_code == 401
    bad = client.post("/api/estimates", json=_new(low=1000, high=1000),
                      headers={"Authorization": "Bearer rk_wrong"})
    assert bad.status_code == 401
    assert bad.headers["www-authenticate"] == "Bearer"
    assert _table_state(session) == before


@pytest.mark.usefixtures("demo")
def test_create_estimate_from_figure_text(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/api/estimates", headers=auth,
                           json=_new(figure="more than 1.000", as_of="2025-03", comment="new"))
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["low"], body["high"], body["qualifier"]) == (1000, None, "more_than")
    assert body["as_of"] == "2025-03" and body["version"] == 1
    assert body["revisions"][0]["action"] == "create"
    assert body["revisions"][0]["user"].startswith("editor")
    listed = client.get("/api/estimates", params={"measure": "killed"}).json()
    assert listed["total"] == 2


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize(("body", "field"), [
    ({"low": "NaN"}, "low"),
    ({"low": -5}, "low"),
    ({"low": 10, "high": 5}, "low"),
    ({"low": 1.5}, "low"),
    ({"low": 10**30}, "low"),
    ({"low": 5, "high": 5, "qualifier": "roughly"}, "qualifier"),
    ({"low": 5, "high": 9, "qualifier": "exact"}, "qualifier"),
    ({"low": 5, "high": 5, "as_of": "2025-02-30"}, "as_of"),
    ({"low": 5, "high": 5, "best": 7}, "best"),
    ({"figure": "abc"}, "figure"),
    ({"figure": "about 5", "low": 5}, "figure"),
    ({}, "low"),
    ({"low": 5, "high": 5, "claimant": "x\x00y"}, "claimant"),
    ({"low": 5, "high": 5, "citations": []}, "citations"),
    ({"low": 5, "high": 5, "source": "nobody"}, "source"),
    ({"low": 5, "high": 5, "measure": "eaten"}, "measure"),
    ({"low": 5, "high": 5, "unexpected": 1}, "unexpected"),
])
def test_bad_input_is_422_with_the_field_and_changes_nothing(
    client: TestClient, session: Session, auth: dict[str, str], body: dict[str, Any],
    field: str,
) -> None:
    before = _table_state(session)
    payload = _new(**body) if "citations" not in body else {**_new(), **body}
    response = client.post("/api/estimates", headers=auth, json=payload)
    assert response.status_code == 422, response.text
    fields = [e["loc"][-1] if e["loc"][-1] not in ("int", "float") else e["loc"][-2]
              for e in response.json()["detail"]]
    assert field in [str(f) for f in fields] or any(field in map(str, e["loc"])
                                                     for e in response.json()["detail"])
    assert _table_state(session) == before


@pytest.mark.usefixtures("demo")
@pytest.mark.parametrize("raw", [
    '{"low": NaN}', '{"low": Infinity}', '{"low": -Infinity}', "{not json",
])
def test_non_finite_json_numbers_are_refused(client: TestClient, session: Session,
                                             auth: dict[str, str], raw: str) -> None:
    before = _table_state(session)
    body = raw.replace("{", '{"topic": "x", "measure": "y", "source": "z", "citations": [], ', 1)
    response = client.post("/api/estimates", headers={**auth, "content-type": "application/json"},
                           content=body)
    assert response.status_code == 422
    assert _table_state(session) == before


@pytest.mark.usefixtures("demo")
def test_patch_with_current_version_then_stale_version(
    client: TestClient, session: Session, auth: dict[str, str]
) -> None:
    eid = _estimate_id(session, "casualties", "us-officials")
    ok = client.patch(f"/api/estimates/{eid}", headers=auth,
                      json={"version": 1, "low": 1000, "high": 1500, "comment": "new briefing"})
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert (body["low"], body["high"], body["qualifier"], body["version"]) == (
        1000, 1500, "about", 2)
    assert [r["action"] for r in body["revisions"]] == ["create", "edit"]
    assert body["revisions"][1]["before"]["low"] == 1200
    before = _table_state(session)
    stale = client.patch(f"/api/estimates/{eid}", headers=auth, json={"version": 1, "low": 1})
    assert stale.status_code == 409
    assert stale.json()["detail"]["current_version"] == 2
    stale_header = client.patch(f"/api/estimates/{eid}", headers={**auth, "If-Match": '"1"'},
                                json={"notes": "x"})
    assert stale_header.status_code == 409
    assert _table_state(session) == before
    by_header = client.patch(f"/api/estimates/{eid}", headers={**auth, "If-Match": '"2"'},
                             json={"notes": "checked"})
    assert by_header.status_code == 200 and by_header.json()["version"] == 3


@pytest.mark.usefixtures("demo")
def test_patch_without_version_is_refused(client: TestClient, session: Session,
                                          auth: dict[str, str]) -> None:
    eid = _estimate_id(session, "killed", "south-korea-nis")
    response = client.patch(f"/api/estimates/{eid}", headers=auth, json={"low": 1, "high": 1})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "version"]


@pytest.mark.usefixtures("demo")
def test_patch_that_breaks_the_shape_is_422(client: TestClient, session: Session,
                                            auth: dict[str, str]) -> None:
    eid = _estimate_id(session, "killed", "south-korea-nis")
    before = _table_state(session)
    response = client.patch(f"/api/estimates/{eid}", headers=auth,
                            json={"version": 1, "high": 100})
    assert response.status_code == 422
    assert "above the high figure: 300 > 100" in response.json()["detail"][0]["msg"]
    assert _table_state(session) == before


@pytest.mark.usefixtures("demo")
def test_retract_and_restore(client: TestClient, session: Session,
                             auth: dict[str, str]) -> None:
    eid = _estimate_id(session, "casualties", "volodymyr-zelensky")
    no_reason = client.post(f"/api/estimates/{eid}/retract", headers=auth, json={"version": 1})
    assert no_reason.status_code == 422
    retracted = client.post(f"/api/estimates/{eid}/retract", headers=auth,
                            json={"version": 1, "reason": "misattributed"})
    assert retracted.status_code == 200 and retracted.json()["status"] == "retracted"
    latest = client.get(f"/api/topics/{TOPIC}").json()["measures"][3]["latest"]
    assert {e["source"]["slug"] for e in latest} == {"us-officials", "south-korea-nis"}
    assert client.get(f"/api/estimates/{eid}").status_code == 200  # never deleted
    again = client.post(f"/api/estimates/{eid}/retract", headers=auth,
                        json={"version": 2, "reason": "again"})
    assert again.status_code == 409
    restored = client.post(f"/api/estimates/{eid}/restore", headers=auth,
                           json={"version": 2, "reason": "attribution confirmed"})
    body = restored.json()
    assert body["status"] == "active"
    assert [(r["action"], r["comment"]) for r in body["revisions"]] == [
        ("create", "demo data"), ("retract", "misattributed"),
        ("restore", "attribution confirmed")]


def test_create_topic_measure_and_source(client: TestClient, auth: dict[str, str]) -> None:
    assert client.post("/api/topics", json={"slug": "x", "title": "X"}).status_code == 401
    topic = client.post("/api/topics", headers=auth,
                        json={"slug": "gaza-casualties", "title": "Casualties in Gaza"})
    assert topic.status_code == 201
    dup = client.post("/api/topics", headers=auth, json={"slug": "gaza-casualties", "title": "Y"})
    assert dup.status_code == 422 and dup.json()["detail"][0]["loc"] == ["body", "slug"]
    measure = client.post("/api/topics/gaza-casualties/measures", headers=auth,
                          json={"slug": "killed", "label": "Killed"})
    assert measure.status_code == 201
    bad_slug = client.post("/api/sources", headers=auth, json={"slug": "Bad Slug", "name": "B"})
    assert bad_slug.status_code == 422
    source = client.post("/api/sources", headers=auth, json={
        "slug": "gaza-moh", "name": "Gaza Health Ministry", "kind": "government",
        "party_to_conflict": True})
    assert source.status_code == 201
    created = client.post("/api/estimates", headers=auth, json={
        "topic": "gaza-casualties", "measure": "killed", "source": "gaza-moh",
        "figure": "at least 300", "citations": [{"publication": "Agency"}]})
    assert created.status_code == 201
    assert created.json()["source"]["party_to_conflict"] is True


def test_healthz_answers_200_or_503(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    from app.config import Settings
    from app.main import create_app

    down = create_app(Settings(environment="test", secret_key="x" * 32,
                               database_url="postgresql+psycopg://postgres@127.0.0.1:1/none"))
    with TestClient(down) as c:
        response = c.get("/healthz")
    assert response.status_code == 503
