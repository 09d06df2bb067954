"""Provenance a reader (or a program) can check: revision hashes on the estimate and history
pages and in the API, the chain's head in /api/changes, citations an edit removed kept on the
history page, and schema.org JSON-LD (a Dataset per topic, a Claim per estimate) that user
text cannot break out of."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from lxml import html
from lxml.etree import _Element
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.domain.dates import PartialDate
from app.models import Estimate, Measure, Revision, Topic
from app.schemas.catalog import SourceCreate
from app.schemas.estimates import CitationIn, EstimateCreate, EstimatePatch
from app.services import capture, catalog, chain, estimates, new_estimates
from app.services.capture import PageContent
from tests import factories
from tests.web.parsing import doc

TOPIC = "north-korean-troops-in-russia"
EVIL = 'Mинобороны\u2028“MoD” </script><script>alert(1)</script><!-- & co'


def _linked_data(page: _Element) -> dict[str, Any]:
    (block,) = page.xpath("//head/script[@type='application/ld+json']")
    data: dict[str, Any] = json.loads(block.text)
    return data


def _raw_block(text: str) -> str:
    start = text.index('<script type="application/ld+json">') + len(
        '<script type="application/ld+json">')
    return text[start:text.index("</script>", start)]


def _evil_estimate(session: Session, **citation: Any) -> Estimate:
    catalog.create_source(session, SourceCreate(slug="evil", name=EVIL, kind="government",
                                                short_name="MoD <b>",
                                                url="https://mil.example/"))
    e = new_estimates.create_estimate(session, EstimateCreate(
        topic=TOPIC, measure="killed", source="evil", figure="at least 300", as_of="2025-03",
        stated_on="2025-03-04", citations=[
            CitationIn(url="https://news.example/a?x=1&y=<2>", publication="Kyiv </script> Post",
                       title="Losses “rise”", published_on=dt.date(2025, 3, 5),
                       quote="mindestens 300 </script>", language="de", **citation),
            CitationIn(publication="Radio Liberty", retrieved_on=dt.date(2025, 3, 7))]),
        None)
    session.commit()
    return e


# ---- the chain on the pages and in the API ----------------------------------------------------

def test_pages_and_api_show_each_revisions_hash(client: TestClient, session: Session,
                                               demo: None, auth: dict[str, str]) -> None:
    e = session.scalars(select(Estimate).order_by(Estimate.id)).first()
    assert e is not None
    for n in range(2):
        estimates.update_estimate(session, e.id, EstimatePatch(
            version=e.version, notes=f"checked {n}"), None)
        session.commit()
    stored = {r.number: r for r in session.scalars(
        select(Revision).where(Revision.estimate_id == e.id))}
    assert len(stored) == 3

    detail = client.get(f"/api/estimates/{e.id}").json()
    assert [(r["number"], r["sequence"], r["prev_hash"], r["hash"])
            for r in detail["revisions"]] == [
        (n, r.sequence, r.prev_hash, r.hash) for n, r in sorted(stored.items())]

    page = doc(client, f"/estimates/{e.id}")
    links = page.cssselect("ol.revisions a.hash-link")
    assert [a.text_content() for a in links] == [stored[n].hash[:12] for n in (3, 2, 1)]
    assert links[0].get("title") == f"SHA-256 {stored[3].hash}"
    assert links[0].get("href").endswith(f"/estimates/{e.id}/history#revision-3")

    history = doc(client, f"/estimates/{e.id}/history")
    for n, r in stored.items():
        (item,) = history.cssselect(f"li#revision-{n}")
        (short,) = item.cssselect("details.chain-link summary code")
        assert short.text_content() == f"{r.hash[:12]}…" and short.get("title") == r.hash
        full = [c.text_content() for c in item.cssselect("details.chain-link code.hash")]
        assert full == [r.hash, r.prev_hash]
        assert item.cssselect("details.chain-link dd")[-1].text_content().startswith(
            f"no. {r.sequence} in the chain")


def test_api_changes_carries_the_chain_head(client: TestClient, session: Session,
                                            demo: None, auth: dict[str, str]) -> None:
    before = client.get("/api/changes?per_page=1").json()["chain"]
    assert before == {"length": chain.head(session).length, "head": chain.head(session).hash}
    assert before["length"] >= 6 and len(before["head"]) == 64
    e = session.scalars(select(Estimate).order_by(Estimate.id)).first()
    assert e is not None
    response = client.patch(f"/api/estimates/{e.id}", headers=auth,
                            json={"version": e.version, "notes": "a later look"})
    assert response.status_code == 200, response.text
    after = client.get("/api/changes?per_page=1").json()["chain"]
    newest = session.scalars(select(Revision).order_by(Revision.sequence.desc())).first()
    assert newest is not None
    assert after == {"length": before["length"] + 1, "head": newest.hash}
    assert newest.prev_hash == before["head"]


def test_the_history_keeps_a_citation_an_edit_removed(client: TestClient,
                                                      session: Session) -> None:
    factories.topic_with_measure(session)
    factories.source(session, "s")
    e = factories.estimate(session, figure="about 1,200", citations=[
        {"publication": "Der Spiegel", "title": "Verluste „steigen“",
         "url": "https://www.spiegel.example/a?id=1&p=2", "published_on": "2025-01-02",
         "quote": "etwa 1.200 Soldaten", "language": "de"},
        {"publication": "Kyiv Independent", "url": "https://kyiv.example/b"},
        {"publication": "Interfax (no link)", "title": "Statement"}])
    estimates.update_estimate(session, e.id, EstimatePatch(
        version=e.version, comment="the other report suffices", citations=[
            CitationIn(publication="Kyiv Independent", url="https://kyiv.example/b",
                       quote="about 1,200")]), None)
    session.commit()

    history = doc(client, f"/estimates/{e.id}/history")
    (edit,) = history.cssselect("li#revision-2")
    (heading,) = edit.cssselect(".removed-citations h3")
    assert heading.text_content() == "Citations removed by this revision"
    items = edit.cssselect(".removed-citations li")
    assert len(items) == 2  # the Kyiv citation was kept (its quote changed)
    spiegel, interfax = items
    (link,) = spiegel.cssselect("a.cite-url")
    assert link.get("href") == "https://www.spiegel.example/a?id=1&p=2"
    assert link.text_content() == "https://www.spiegel.example/a?id=1&p=2"
    assert spiegel.cssselect(".cite-pub")[0].text_content() == "Der Spiegel"
    assert spiegel.cssselect("cite")[0].text_content() == "Verluste „steigen“"
    assert "published 2 January 2025" in spiegel.text_content()
    assert spiegel.cssselect("blockquote")[0].get("lang") == "de"
    assert interfax.cssselect("a") == [] and "Interfax (no link), Statement" in (
        interfax.text_content())
    # The diff names the URLs too; the first revision removed nothing.
    (row,) = [r for r in edit.cssselect("table.diff tr") if r.cssselect("th")[0].text_content()
              == "Citations"]
    assert "https://www.spiegel.example/a?id=1&p=2" in row.cssselect("td.before")[0].text_content()
    (first,) = history.cssselect("li#revision-1")
    assert first.cssselect(".removed-citations") == []
    assert chain.verify(session).intact


# ---- JSON-LD ----------------------------------------------------------------------------------

def _partial(iso: str) -> PartialDate:
    parts = iso.split("-")
    precision = {1: "year", 2: "month", 3: "day"}[len(parts)]
    return PartialDate(dt.date(*(int(p) for p in parts), *([1] * (3 - len(parts)))),
                       precision)


def test_a_topic_page_carries_a_dataset(client: TestClient, session: Session,
                                        demo: None) -> None:
    topic = session.scalars(select(Topic).where(Topic.slug == TOPIC)).one()
    topic.summary = "Troops & losses </script><!-- <b>not markup</b>"
    session.commit()
    _evil_estimate(session)
    response = client.get(f"/topics/{TOPIC}")
    assert response.status_code == 200
    raw = _raw_block(response.text)
    assert "<" not in raw and ">" not in raw and "&" not in raw
    page = html.fromstring(response.text)
    data = _linked_data(page)
    assert data["@context"] == "https://schema.org" and data["@type"] == "Dataset"
    assert data["name"] == "North Korean troops in Russia"
    assert data["description"] == topic.summary
    assert data["url"] == data["@id"] == f"http://testserver/topics/{TOPIC}"
    assert data["creator"] == {"@type": "Organization", "name": "Reckon",
                               "url": "http://testserver/"}
    assert "license" not in data
    measures = session.scalars(select(Measure).where(Measure.topic_id == topic.id)
                               .order_by(Measure.position, Measure.id)).all()
    assert [(v["@type"], v["name"], v["unitText"]) for v in data["variableMeasured"]] == [
        ("PropertyValue", m.label, m.unit) for m in measures]
    # The downloads are the page's own links, made absolute.
    hrefs = [a.get("href") for a in page.cssselect(".topic-downloads a")]
    assert [(d["@type"], d["encodingFormat"], d["contentUrl"])
            for d in data["distribution"]] == [
        ("DataDownload", "text/csv", hrefs[0]), ("DataDownload", "application/json", hrefs[1])]
    assert client.get(data["distribution"][0]["contentUrl"]).status_code == 200
    # From the first to the last date of the figures (the placed date, with its precision).
    dated = [PartialDate(p, q) for p, q in session.execute(
        select(Estimate.placed_on, Estimate.placed_precision).join(Measure)
        .where(Measure.topic_id == topic.id, Estimate.placed_on.is_not(None)))]
    first, last = data["temporalCoverage"].split("/")
    assert _partial(first) == min(dated) and _partial(last) == max(dated)
    assert last == "2025-03"  # the figure added above
    modified = dt.datetime.fromisoformat(data["dateModified"])
    assert modified.tzinfo is not None
    assert abs(modified - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5)


def test_the_dataset_follows_the_readers_choices_and_states_a_license(
    settings: Settings, app: FastAPI, client: TestClient, session: Session, demo: None
) -> None:
    app.state.settings = settings.model_copy(update={
        "data_license": "https://creativecommons.org/licenses/by/4.0/"})
    response = client.get(f"/topics/{TOPIC}?source=south-korea-nis&as_of_to=2024-12-31")
    assert response.status_code == 200
    page = html.fromstring(response.text)
    data = _linked_data(page)
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    hrefs = [a.get("href") for a in page.cssselect(".topic-downloads a")]
    assert [d["contentUrl"] for d in data["distribution"]] == hrefs
    assert "source=south-korea-nis" in hrefs[0]
    # Only the NIS figures dated to the end of 2024 are in view.
    nis = [PartialDate(p, q) for p, q in session.execute(
        select(Estimate.placed_on, Estimate.placed_precision).join(Measure).join(Topic)
        .where(Topic.slug == TOPIC, Estimate.placed_on <= dt.date(2024, 12, 31),
               Estimate.source.has(slug="south-korea-nis")))]
    assert nis
    coverage = data["temporalCoverage"].split("/")
    assert _partial(coverage[0]) == min(nis) and _partial(coverage[-1]) == max(nis)


def test_an_estimate_page_carries_a_claim_with_its_appearances(
    client: TestClient, session: Session, demo: None
) -> None:
    e = _evil_estimate(session)
    # The cited page was captured (helper A's queue, as the worker would do it).
    fetched = dt.datetime(2025, 3, 6, 8, 30, 1, 250_000, tzinfo=dt.UTC)
    claimed = capture.claim_due(session, dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1),
                                dt.timedelta(minutes=5))
    assert claimed is not None and claimed.url == "https://news.example/a?x=1&y=<2>"
    assert capture.store_capture(session, claimed, PageContent(
        final_url=claimed.url, http_status=200, content_type="text/html", body=b"<p>x</p>",
        fetched_at=fetched, title="Losses rise", author="", published_on=dt.date(2025, 3, 5),
        text="Mindestens 300 </script> Soldaten"))
    session.commit()

    response = client.get(f"/estimates/{e.id}")
    assert response.status_code == 200
    raw = _raw_block(response.text)
    assert "</script" not in raw.lower() and "<!--" not in raw and "\u2028" not in raw
    page = html.fromstring(response.text)
    assert len(page.xpath("//script")) == 1  # nothing in the data became an element
    data = _linked_data(page)
    assert data["@type"] == "Claim"
    assert data["url"] == f"http://testserver/estimates/{e.id}"
    assert data["author"] == {"@type": "Organization", "name": EVIL, "alternateName": "MoD <b>",
                              "url": "http://testserver/sources/evil",
                              "sameAs": "https://mil.example/"}
    assert data["claimInterpreter"]["name"] == "Reckon"
    assert data["about"] == {"@type": "Thing", "name": "North Korean troops in Russia",
                             "url": f"http://testserver/topics/{TOPIC}"}
    quantity = data["mainEntity"]
    assert quantity["@type"] == "QuantitativeValue"
    assert quantity["minValue"] == 300 and "maxValue" not in quantity and "value" not in quantity
    assert quantity["description"] == "at least 300" and quantity["unitText"] == "people"
    assert quantity["name"] == "Killed"
    assert data["temporalCoverage"] == "2025-03" and data["dateCreated"] == "2025-03-04"
    linked, unlinked = data["appearance"]
    assert linked == {
        "@type": "CreativeWork", "url": "https://news.example/a?x=1&y=<2>",
        "name": "Losses “rise”", "headline": "Losses “rise”",
        "publisher": {"@type": "Organization", "name": "Kyiv </script> Post"},
        "datePublished": "2025-03-05", "inLanguage": "de", "text": "mindestens 300 </script>",
        "archivedAt": {"@type": "WebPage",
                       "url": f"http://testserver/captures/{claimed.id}.txt",
                       "dateCreated": "2025-03-06T08:30:01.250000+00:00"}}
    stored = client.get(linked["archivedAt"]["url"]).text
    assert stored.endswith("\nMindestens 300 </script> Soldaten")
    assert unlinked == {"@type": "CreativeWork", "name": "Radio Liberty",
                        "publisher": {"@type": "Organization", "name": "Radio Liberty"},
                        "dateRead": "2025-03-07"}
    assert data["firstAppearance"] == linked


def test_a_point_figure_states_its_value(client: TestClient, session: Session,
                                         demo: None) -> None:
    factories.source(session, "us", "US officials", kind="government")
    e = new_estimates.create_estimate(session, EstimateCreate(
        topic=TOPIC, measure="casualties", source="us", low=1000, high=1400, best=1200,
        qualifier="about", citations=[CitationIn(publication="AP")]), None)
    session.commit()
    quantity = _linked_data(doc(client, f"/estimates/{e.id}"))["mainEntity"]
    assert (quantity["minValue"], quantity["maxValue"], quantity["value"]) == (1000, 1400, 1200)
    assert quantity["valueReference"]["termCode"] == "about"
    point = new_estimates.create_estimate(session, EstimateCreate(
        topic=TOPIC, measure="casualties", source="us", figure="4,000",
        citations=[CitationIn(publication="AP")]), None)
    session.commit()
    quantity = _linked_data(doc(client, f"/estimates/{point.id}"))["mainEntity"]
    assert (quantity["minValue"], quantity["maxValue"], quantity["value"]) == (4000, 4000, 4000)
